// The captive portal's pages against a fake gateway (PortalHost): what a visitor sees and what
// reaches the gateway, over real HTTP on loopback. The end-to-end flows (DHCP, nftables, RADIUS,
// a real browser) are tests/integration/gateway_test.py.
#include "edge/portal/portal.h"

#include <map>
#include <regex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/counters.h"
#include "core/pki.h"
#include "tests/support/http_test_client.h"

#include <CppUTest/TestHarness.h>

using edge::portal::ClientStatus;
using edge::portal::LoginResult;
using edge::portal::Portal;
using edge::portal::PortalSettings;

namespace {

class FakeHost : public edge::portal::PortalHost {
 public:
  std::map<std::string, ClientStatus> online;  // by address
  std::string mac = "02:00:00:00:77:01";
  std::map<std::string, std::string> passwords;  // username -> password
  std::vector<core::Json> planList;
  std::vector<core::Json> added;
  std::vector<std::pair<std::string, std::string>> logins;  // (username, password)
  std::vector<std::string> logouts;
  edge::PortalLimit signupLimit = edge::PortalLimit::kNone;
  int signupsTaken = 0;
  core::Status refuseAdd;  // when set, subscriber-add's refusal (its code and text)
  std::vector<std::string> logLines;
  std::map<std::string, LoginResult> held;  // username -> the gateway's answer once the password is right

  std::optional<ClientStatus> clientAt(const std::string& ip) override {
    auto it = online.find(ip);
    if (it == online.end()) return std::nullopt;
    return it->second;
  }
  std::string macOf(const std::string&) override { return mac; }
  LoginResult login(const std::string& ip, const std::string& user, const std::string& password) override {
    logins.emplace_back(user, password);
    LoginResult r;
    auto it = passwords.find(user);
    if (it == passwords.end() || it->second != password) {
      r.message = "Wrong username or password.";
      r.httpStatus = 403;
      return r;
    }
    if (auto h = held.find(user); h != held.end()) return h->second;
    ClientStatus c;
    c.username = user;
    c.started = core::SystemClock::instance().unixSeconds();
    online[ip] = c;
    r.ok = true;
    return r;
  }
  void logout(const std::string& ip) override {
    logouts.push_back(ip);
    online.erase(ip);
  }
  edge::PortalLimit takeSignup(const std::string&, const std::string&, int64_t* retryAfter) override {
    ++signupsTaken;
    if (signupLimit != edge::PortalLimit::kNone) *retryAfter = 600;
    return signupLimit;
  }
  std::vector<core::Json> plans() override { return planList; }
  bool subscriberExists(const std::string& username) override { return passwords.count(username) != 0; }
  core::Status addSubscriber(const core::Json& args) override {
    std::string user = args.value("username", "");
    if (!refuseAdd.isOk()) return refuseAdd;
    if (passwords.count(user)) return core::alreadyExists("subscriber '" + user + "' already exists");
    added.push_back(args);
    passwords[user] = args.value("password", user);
    return core::Status::ok();
  }
  void visitorLog(core::LogLevel, const std::string& line) override { logLines.push_back(line); }
};

std::string csrfOf(const std::string& page) {
  std::smatch m;
  std::regex re("name=\"csrf\" value=\"([0-9a-f]{64})\"");
  return std::regex_search(page, m, re) ? m[1].str() : "";
}

std::string cookieOf(const testing_http::Reply& r) {
  std::smatch m;
  std::regex re("edge_portal=([0-9a-f]{32})");
  const std::string& set = r.headers.count("set-cookie") ? r.headers.at("set-cookie") : std::string();
  return std::regex_search(set, m, re) ? m[1].str() : "";
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_GROUP(Portal) {
  FakeHost host;
  core::CounterRegistry counters;
  std::unique_ptr<Portal> portal;
  std::string cookie;  // the visitor's
  std::string csrf;

  void start(PortalSettings settings = {}, edge::portal::PortalLogo logo = {}) {
    if (settings.name.empty()) settings.name = "Test Cafe";
    if (settings.color.empty()) settings.color = "#0b6e4f";
    portal = std::make_unique<Portal>(host, counters, settings);
    CHECK_TRUE(portal->start("127.0.0.1", 0, std::move(logo)).isOk());
  }
  void setup() override {
    host.planList = {
        {{"name", "free"}, {"down", "2M"}, {"up", "1M"}, {"time-quota", "1h"}, {"period", "day"}, {"price-minor", 0}},
        {{"name", "trial"}, {"down", "4M"}, {"up", "2M"}, {"validity", "1d"}, {"price-minor", 0}},
        {{"name", "week"}, {"down", "8M"}, {"up", "4M"}, {"price", "5.00 USD"}, {"price-minor", 500}}};
    host.passwords["alice"] = "alice-pass-1";
  }
  void teardown() override { portal.reset(); }

  testing_http::Reply get(const std::string& path) {
    std::map<std::string, std::string> h;
    if (!cookie.empty()) h["Cookie"] = "edge_portal=" + cookie;
    testing_http::Reply r = testing_http::request(portal->port(), "GET", path, "", h);
    if (cookie.empty()) cookie = cookieOf(r);
    std::string token = csrfOf(r.body);
    if (!token.empty()) csrf = token;
    return r;
  }
  // The login page first (cookie and token), then the form.
  testing_http::Reply post(const std::string& path, const std::string& body, bool withCsrf = true) {
    if (csrf.empty()) get("/");
    std::map<std::string, std::string> h;
    if (!cookie.empty()) h["Cookie"] = "edge_portal=" + cookie;
    std::string full = withCsrf ? body + (body.empty() ? "" : "&") + "csrf=" + csrf : body;
    return testing_http::request(portal->port(), "POST", path, full, h);
  }
};

TEST(Portal, LoginPageGivesACookieAndATokenBoundToIt) {
  start();
  testing_http::Reply r = get("/");
  LONGS_EQUAL(200, r.status);
  STRCMP_EQUAL(("edge_portal=" + cookie + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=86400").c_str(),
               r.headers["set-cookie"].c_str());
  LONGS_EQUAL(64, csrf.size());
  CHECK(has(r.body, "<title>Log in - Test Cafe</title>"));
  CHECK(has(r.body, ":root{--brand:#0b6e4f}"));
  CHECK(has(r.body, "<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"csrf\" value=\"" + csrf + "\">"));
  CHECK(has(r.body, "<form method=\"post\" action=\"/voucher\"><input type=\"hidden\" name=\"csrf\""));
  CHECK(has(r.body, "<footer><a href=\"/terms\">Terms of use</a></footer>"));
  CHECK_FALSE(has(r.body, "Free Wi-Fi"));      // no click-through plan configured
  CHECK_FALSE(has(r.body, "Create an account"));  // no signup plans
  CHECK_FALSE(has(r.body, "<img"));
  STRCMP_EQUAL("DENY", r.headers["x-frame-options"].c_str());
  STRCMP_EQUAL("no-store", r.headers["cache-control"].c_str());
  CHECK(has(r.headers["content-security-policy"], "default-src 'none'"));
  // The same visitor keeps the cookie and the token.
  std::string first = csrf;
  testing_http::Reply again = get("/");
  STRCMP_EQUAL("", again.headers["set-cookie"].c_str());
  STRCMP_EQUAL(first.c_str(), csrf.c_str());
}

TEST(Portal, AnotherHostIsSentToThePortalsOwnUrl) {
  start();
  testing_http::Reply r =
      testing_http::request(portal->port(), "GET", "/", "", {{"Host", "example.com"}});
  LONGS_EQUAL(302, r.status);
  STRCMP_EQUAL(portal->url().c_str(), r.headers["location"].c_str());
  STRCMP_EQUAL(("http://127.0.0.1:" + std::to_string(portal->port()) + "/").c_str(), portal->url().c_str());
  LONGS_EQUAL(302, testing_http::request(portal->port(), "GET", "/some/where/else").status);
  LONGS_EQUAL(302, testing_http::request(portal->port(), "GET", "/generate_204").status);  // captive
}

TEST(Portal, FormsWithoutTheirTokenOrTermsAreRefused) {
  start();
  testing_http::Reply r = post("/login", "username=alice&password=alice-pass-1&accept=yes", false);
  LONGS_EQUAL(403, r.status);
  CHECK(has(r.body, "<p class=\"error\" role=\"alert\">Your session on this page expired. Please try again.</p>"));
  // A token of another visitor (another cookie) is no token.
  std::string mine = csrf;
  cookie.clear();
  csrf.clear();
  get("/");
  CHECK(mine != csrf);
  r = post("/login", "username=alice&password=alice-pass-1&accept=yes&csrf=" + mine, false);
  LONGS_EQUAL(403, r.status);
  r = post("/login", "username=alice&password=alice-pass-1");
  LONGS_EQUAL(403, r.status);
  CHECK(has(r.body, "Please accept the terms of use to continue."));
  CHECK(host.logins.empty());
}

TEST(Portal, LoginStatusLogout) {
  start();
  testing_http::Reply r = post("/login", "username=alice&password=wrong&accept=yes");
  LONGS_EQUAL(403, r.status);
  CHECK(has(r.body, "<p class=\"error\" role=\"alert\">Wrong username or password.</p>"));
  r = post("/login", "username=alice&password=alice-pass-1&accept=yes");
  LONGS_EQUAL(303, r.status);
  STRCMP_EQUAL((portal->url() + "status").c_str(), r.headers["location"].c_str());
  LONGS_EQUAL(2, host.logins.size());
  STRCMP_EQUAL("alice-pass-1", host.logins.back().second.c_str());

  host.online["127.0.0.1"].limitBytes = 3'000'000;
  host.online["127.0.0.1"].downBytes = 1'000'000;
  host.online["127.0.0.1"].downBps = 8'000'000;
  host.online["127.0.0.1"].sessionTimeout = 7200;
  r = get("/status");
  LONGS_EQUAL(200, r.status);
  CHECK(has(r.body, "<title>Connected - Test Cafe</title>"));
  CHECK(has(r.body, "You are online"));
  CHECK(has(r.body, "<dt>Account</dt><dd>alice</dd>"));
  CHECK(has(r.body, "<dt>Time left</dt><dd>1 h 59 min</dd>") || has(r.body, "<dt>Time left</dt><dd>2 h 00 min</dd>"));
  CHECK(has(r.body, "<dt>Data used</dt><dd>1MB</dd>"));
  CHECK(has(r.body, "<dt>Data left</dt><dd>2MB</dd>"));
  CHECK(has(r.body, "<dt>Speed</dt><dd>8M down, unlimited up</dd>"));
  // "/" shows the same to a device that is online.
  CHECK(has(get("/").body, "You are online"));
  LONGS_EQUAL(204, get("/generate_204").status);

  r = post("/logout", "");
  LONGS_EQUAL(303, r.status);
  LONGS_EQUAL(1, host.logouts.size());
  LONGS_EQUAL(303, get("/status").status);  // not online any more: to the login
}

TEST(Portal, VoucherCodesAreNormalised) {
  start();
  host.passwords["ABCD-EF12"] = "ABCD-EF12";
  testing_http::Reply r = post("/voucher", "code=ab+cd-ef12&accept=yes");
  LONGS_EQUAL(303, r.status);
  STRCMP_EQUAL("ABCD-EF12", host.logins.back().first.c_str());
  STRCMP_EQUAL("ABCD-EF12", host.logins.back().second.c_str());
}

TEST(Portal, ClickThroughMakesTheDeviceASubscriber) {
  PortalSettings s;
  s.clickThroughPlan = "free";
  start(s);
  testing_http::Reply page = get("/");
  CHECK(has(page.body, "<section><h2>Free Wi-Fi</h2><p>2M down / 1M up, 1h online per day, no account needed.</p>"));
  CHECK(has(page.body, "Accept and connect"));
  testing_http::Reply r = post("/accept", "accept=yes");
  LONGS_EQUAL(303, r.status);
  LONGS_EQUAL(1, host.added.size());
  STRCMP_EQUAL("02:00:00:00:77:01", host.added[0]["username"].get<std::string>().c_str());
  STRCMP_EQUAL("free", host.added[0]["plan"].get<std::string>().c_str());
  LONGS_EQUAL(1, host.signupsTaken);
  LONGS_EQUAL(1, counters.valueOf("gateway_signups_total"));
  // A returning device just logs in: no new subscriber, no signup counted.
  host.online.clear();
  r = post("/accept", "accept=yes");
  LONGS_EQUAL(303, r.status);
  LONGS_EQUAL(1, host.added.size());
  LONGS_EQUAL(1, host.signupsTaken);
  // A device the network cannot see.
  host.mac = "";
  host.online.clear();
  r = post("/accept", "accept=yes");
  LONGS_EQUAL(409, r.status);
}

TEST(Portal, Signup) {
  PortalSettings s;
  s.signupPlans = {"trial", "week"};
  start(s);
  testing_http::Reply page = get("/signup");
  LONGS_EQUAL(200, page.status);
  CHECK(has(page.body, "<option value=\"trial\">trial - 4M down / 2M up, valid 1d - free, starts at once</option>"));
  CHECK(has(page.body, "<option value=\"week\">week - 8M down / 4M up - 5.00 USD, after payment</option>"));
  CHECK(has(get("/").body, "<a href=\"/signup\">Create an account</a>"));

  // Each message next to its field (the field marked invalid and pointing at it); the form keeps
  // what was typed, never the password.
  struct Case {
    const char* body;
    int status;
    const char* field;  // the message's id: u-error, p-error, plan-error
    const char* message;
  } cases[] = {
      {"plan=trial&username=a+b&password=long-enough&accept=yes", 400, "u-error",
       "A username has 3 to 64 letters, digits and . _ - @ only."},
      {"plan=trial&username=zed&password=short&accept=yes", 400, "p-error", "A password has 8 to 128 characters."},
      {"plan=free&username=zed&password=long-enough&accept=yes", 400, "plan-error", "Choose one of the plans offered."},
      {"plan=week&username=alice&password=long-enough&accept=yes", 409, "u-error",
       "That username is taken; choose another."},
  };
  for (const Case& c : cases) {
    testing_http::Reply r = post("/signup", c.body);
    LONGS_EQUAL(c.status, r.status);
    CHECK(has(r.body, std::string("<p class=\"field-error\" id=\"") + c.field + "\">" + c.message + "</p>"));
    CHECK(has(r.body, std::string("aria-describedby=\"") + c.field + "\""));
    CHECK_FALSE(has(r.body, "long-enough"));
  }
  testing_http::Reply kept = post("/signup", "plan=week&username=alice&password=long-enough&accept=yes");
  CHECK(has(kept.body, "value=\"alice\" aria-invalid=\"true\" aria-describedby=\"u-error\""));
  CHECK(has(kept.body, "<option value=\"week\" selected>"));
  // A paid plan: created suspended, waiting for the staff.
  testing_http::Reply r = post("/signup", "plan=week&username=paula&password=paula-pass-1&accept=yes");
  LONGS_EQUAL(200, r.status);
  CHECK(has(r.body, "Your account <strong>paula</strong> is created."));
  CHECK(has(r.body, "confirm your payment for <strong>week</strong>"));
  STRCMP_EQUAL("suspended", host.added.back()["status"].get<std::string>().c_str());
  // A free plan: active at once, and logged in.
  r = post("/signup", "plan=trial&username=tim&password=tim-pass-12&accept=yes");
  LONGS_EQUAL(303, r.status);
  CHECK(host.added.back().count("status") == 0);
  STRCMP_EQUAL("tim", host.logins.back().first.c_str());
  LONGS_EQUAL(2, counters.valueOf("gateway_signups_total"));
  // Limits: 429 with Retry-After and the reason.
  host.signupLimit = edge::PortalLimit::kTotal;
  r = post("/signup", "plan=trial&username=ted&password=ted-pass-12&accept=yes");
  LONGS_EQUAL(429, r.status);
  STRCMP_EQUAL("600", r.headers["retry-after"].c_str());
  CHECK(has(r.body, "This network takes no new accounts right now. Please try again in 10 minutes."));
  host.signupLimit = edge::PortalLimit::kDevice;
  r = post("/signup", "plan=trial&username=ted&password=ted-pass-12&accept=yes");
  CHECK(has(r.body, "Too many accounts were created from this device. Try again in 10 minutes."));
}

// subscriber-add's refusals are told apart by their public code, whatever their wording says:
// invalid-argument and not-found the form with the message at the field the command named,
// conflict the username taken, failed-precondition (the license: its cap, changes frozen) a page
// saying signups are closed, unavailable the form to try again, a fault a page without its detail.
TEST(Portal, SubscriberAddRefusalsAreToldApartByTheirCode) {
  PortalSettings s;
  s.signupPlans = {"trial"};
  s.clickThroughPlan = "free";
  start(s);
  const std::string alert = "<p class=\"error\" role=\"alert\">";
  struct Case {
    core::Status refusal;
    int status;
    std::string shows;
    bool form;  // the signup form comes back
  } cases[] = {
      {core::alreadyExists("no license for that"), 409,
       "<p class=\"field-error\" id=\"u-error\">That username is taken; choose another.</p>", true},
      {core::invalidArgument("password: longer than 128 characters"), 400,
       "<p class=\"field-error\" id=\"p-error\">Longer than 128 characters</p>", true},
      {core::invalidArgument("username is required"), 400,
       "<p class=\"field-error\" id=\"u-error\">username is required</p>", true},
      {core::notFound("plan: no plan named 'trial' (see plan list)"), 404,
       "<p class=\"field-error\" id=\"plan-error\">No plan named &#39;trial&#39; (see plan list)</p>", true},
      {core::invalidArgument("mac: the name exists"), 400,
       alert + "The account could not be created: mac: the name exists</p>", true},
      {core::failedPrecondition("the cap is reached: that username is taken"), 409,
       "<p class=\"error\">Signups are closed on this network for now: no new accounts can be created. "
       "Please ask the staff.</p>",
       false},
      {core::unavailable("the writer is busy"), 503,
       alert + "The account could not be created just now. Please try again in a moment.</p>", true},
      {core::Status(core::Code::kResourceExhausted, "queue full"), 503,
       alert + "The account could not be created just now. Please try again in a moment.</p>", true},
      {core::internalError("sqlite: disk I/O error"), 500,
       alert + "The account could not be created. Please ask the staff.</p>", true},
  };
  for (const Case& c : cases) {
    host.refuseAdd = c.refusal;
    testing_http::Reply r = post("/signup", "plan=trial&username=zed&password=long-enough&accept=yes");
    LONGS_EQUAL_TEXT(c.status, r.status, c.refusal.message().c_str());
    CHECK_TRUE_TEXT(has(r.body, c.shows), r.body.c_str());
    CHECK_EQUAL_TEXT(c.form, has(r.body, "action=\"/signup\""), c.refusal.message().c_str());
    CHECK_FALSE(has(r.body, "disk I/O"));
  }
  // Click-through: a conflict is a returning device (it logs in); the license closing new accounts
  // is 409, a moment's trouble 503, anything else 500.
  host.refuseAdd = core::alreadyExists("taken");
  host.passwords["02:00:00:00:77:01"] = "02:00:00:00:77:01";
  LONGS_EQUAL(303, post("/accept", "accept=yes").status);
  host.online.clear();
  host.passwords.erase("02:00:00:00:77:01");
  host.refuseAdd = core::failedPrecondition("subscriber exists");
  testing_http::Reply r = post("/accept", "accept=yes");
  LONGS_EQUAL(409, r.status);
  CHECK(has(r.body, "Free access takes no new devices on this network for now. Please ask the staff."));
  host.refuseAdd = core::unavailable("busy");
  r = post("/accept", "accept=yes");
  LONGS_EQUAL(503, r.status);
  CHECK(has(r.body, "Free access is not available just now. Please try again in a moment."));
  host.refuseAdd = core::invalidArgument("plan: no plan named 'free'");
  r = post("/accept", "accept=yes");
  LONGS_EQUAL(500, r.status);
  CHECK(has(r.body, "Free access is not available right now. Please ask the staff."));
  LONGS_EQUAL(0, host.added.size());
  LONGS_EQUAL(0, counters.valueOf("gateway_signups_total"));
}

TEST(Portal, SignupNotOffered) {
  start();
  testing_http::Reply r = get("/signup");
  LONGS_EQUAL(404, r.status);
  CHECK(has(r.body, "<p class=\"error\">Self-signup is not offered here.</p>"));
}

TEST(Portal, OperatorTextIsEscapedAndSettingsFollowReload) {
  PortalSettings s;
  s.name = "Cafe <script>alert(1)</script>";
  s.terms = "Be <nice> & \"kind\".";
  start(s);
  testing_http::Reply r = get("/terms");
  CHECK_FALSE(has(r.body, "<script>"));
  CHECK(has(r.body, "<h1>Cafe &lt;script&gt;alert(1)&lt;/script&gt;</h1>"));
  CHECK(has(r.body, "<p>Be &lt;nice&gt; &amp; &quot;kind&quot;.</p>"));
  s.name = "Renamed";
  s.color = "#123456";
  portal->applySettings(s);
  r = get("/terms");
  CHECK(has(r.body, "<h1>Renamed</h1>"));
  CHECK(has(r.body, "--brand:#123456"));
}

TEST(Portal, LogoAndCaptiveApi) {
  PortalSettings s;
  s.venueInfoUrl = "http://venue.test/";
  start(s, edge::portal::PortalLogo{"<svg/>", "image/svg+xml"});
  CHECK(has(get("/").body, "<img src=\"/logo\" alt=\"\">"));
  testing_http::Reply logo = get("/logo");
  STRCMP_EQUAL("<svg/>", logo.body.c_str());
  STRCMP_EQUAL("image/svg+xml", logo.headers["content-type"].c_str());
  STRCMP_EQUAL("default-src 'none'; style-src 'unsafe-inline'; sandbox", logo.headers["content-security-policy"].c_str());
  STRCMP_EQUAL("max-age=86400", logo.headers["cache-control"].c_str());

  core::Json api = core::Json::parse(get("/api/captive").body);
  CHECK_TRUE(api["captive"].get<bool>());
  STRCMP_EQUAL(portal->url().c_str(), api["user-portal-url"].get<std::string>().c_str());
  STRCMP_EQUAL("http://venue.test/", api["venue-info-url"].get<std::string>().c_str());
  ClientStatus c;
  c.username = "alice";
  c.started = core::SystemClock::instance().unixSeconds();
  c.sessionTimeout = 3600;
  c.limitBytes = 1000;
  c.upBytes = 400;
  host.online["127.0.0.1"] = c;
  api = core::Json::parse(get("/api/captive").body);
  CHECK_FALSE(api["captive"].get<bool>());
  LONGS_EQUAL(600, api["bytes-remaining"].get<int64_t>());
  CHECK(api["seconds-remaining"].get<int64_t>() > 3500);
}

TEST(Portal, LogoFile) {
  CHECK(edge::portal::loadPortalLogo("").isOk());
  CHECK(edge::portal::loadPortalLogo("").value().bytes.empty());
  core::Result<edge::portal::PortalLogo> missing = edge::portal::loadPortalLogo("/nonexistent/logo.png");
  CHECK(missing.status().code() == core::Code::kNotFound);
  STRCMP_EQUAL("gateway.portal-logo: cannot read /nonexistent/logo.png", missing.status().message().c_str());
}

// Dunning (ADR 0048): a walled subscriber's right password gets the pay page, a "redirect" tier's
// the top-up page; both 402, the device stays offline, and a wrong password still gets the login.
TEST(Portal, WalledAndTopUpLoginsGetTheirPages) {
  start();
  LoginResult walled;
  walled.held = LoginResult::Held::kWalled;
  walled.username = "alice";
  walled.payUrl = "https://pay.example.net/acme?u=alice&x=1";
  walled.httpStatus = 402;
  host.held["alice"] = walled;
  testing_http::Reply r = post("/login", "username=alice&password=wrong&accept=yes");
  LONGS_EQUAL(403, r.status);
  CHECK_FALSE(has(r.body, "paused"));
  r = post("/login", "username=alice&password=alice-pass-1&accept=yes");
  LONGS_EQUAL(402, r.status);
  CHECK(has(r.body, "<title>Service paused - Test Cafe</title>"));
  CHECK(has(r.body, "<strong>alice</strong> is paused because a payment is overdue"));
  CHECK(has(r.body, "<a href=\"https://pay.example.net/acme?u=alice&amp;x=1\" rel=\"noopener\">Go to the payment page</a>"));
  CHECK(host.online.empty());
  walled.payUrl.clear();
  host.held["alice"] = walled;
  r = post("/login", "username=alice&password=alice-pass-1&accept=yes");
  LONGS_EQUAL(402, r.status);
  CHECK(has(r.body, "Please ask the staff or call your provider to pay."));
  CHECK_FALSE(has(r.body, "Go to the payment page"));

  LoginResult topUp;
  topUp.held = LoginResult::Held::kTopUp;
  topUp.username = "alice";
  topUp.payUrl = "https://mgmt.example.net/selfcare/acme/";
  topUp.topUp = {{"plan", "home"}, {"price", "10.00 USD per month"}, {"data-used-text", "5GB"},
                 {"data-quota", 5000000000}, {"data-topped-up", 1000000000}, {"resets-at-local", "2030-02-01 00:00 UTC"},
                 {"redirect", true}};
  host.held["alice"] = topUp;
  r = post("/login", "username=alice&password=alice-pass-1&accept=yes");
  LONGS_EQUAL(402, r.status);
  CHECK(has(r.body, "<title>Top up to continue - Test Cafe</title>"));
  CHECK(has(r.body, "<dt>Plan</dt><dd>home</dd>"));
  CHECK(has(r.body, "<dt>Price</dt><dd>10.00 USD per month</dd>"));
  CHECK(has(r.body, "<dt>Data used</dt><dd>5GB of 5GB</dd>"));
  CHECK(has(r.body, "<dt>Topped up</dt><dd>1GB</dd>"));
  CHECK(has(r.body, "<dt>Starts again</dt><dd>2030-02-01 00:00 UTC</dd>"));
  CHECK(has(r.body, "<a href=\"https://mgmt.example.net/selfcare/acme/\" rel=\"noopener\">Buy a top-up on your account page</a>"));
  CHECK(host.online.empty());
}
