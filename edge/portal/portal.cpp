// The captive portal's pages (portal.h). The HTML is in edge/portal/templates, embedded in the
// binary; the frame, cookies, CSRF tokens and form parsing are core/web's.
#include "edge/portal/portal.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "aaa/auth/mac.h"
#include "core/clock.h"
#include "core/command/command.h"
#include "core/units.h"
#include "core/web/cookie.h"
#include "core/web/csrf.h"
#include "core/web/embedded_files.h"
#include "core/web/form.h"
#include "core/web/page.h"
#include "core/web/template.h"
#include "edge/portal/portal_files.h"

namespace edge::portal {

namespace {

using core::HttpRequest;
using core::HttpResponse;

// The visitor's cookie: 32 hex digits, a day.
constexpr const char* kCookieName = "edge_portal";
constexpr int64_t kCookieSeconds = 86400;

HttpResponse noStore(HttpResponse r) {
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

HttpResponse redirectTo(const std::string& url) { return core::web::redirect(302, url, "Continue to the login page"); }
HttpResponse seeOther(const std::string& url) { return core::web::redirect(303, url, "Continue to the login page"); }

std::string duration(int64_t seconds) {
  if (seconds < 0) seconds = 0;
  char buf[64];
  if (seconds >= 86400)
    std::snprintf(buf, sizeof buf, "%lld d %lld h", static_cast<long long>(seconds / 86400),
                  static_cast<long long>(seconds % 86400 / 3600));
  else if (seconds >= 3600)
    std::snprintf(buf, sizeof buf, "%lld h %02lld min", static_cast<long long>(seconds / 3600),
                  static_cast<long long>(seconds % 3600 / 60));
  else
    std::snprintf(buf, sizeof buf, "%lld min %02lld s", static_cast<long long>(seconds / 60),
                  static_cast<long long>(seconds % 60));
  return buf;
}

bool goodUsername(const std::string& u) {
  if (u.size() < 3 || u.size() > 64) return false;
  return std::all_of(u.begin(), u.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '@';
  });
}

// What a plan gives, in a phrase: "10M down / 5M up, 1h online per day, valid 1d".
std::string planText(const core::Json& plan) {
  std::string text = plan.value("down", "") + " down / " + plan.value("up", "") + " up";
  std::string quotas = plan.value("data-quota", "");
  if (!plan.value("time-quota", "").empty())
    quotas += (quotas.empty() ? "" : " and ") + plan.value("time-quota", "") + " online";
  if (!quotas.empty()) {
    text += ", " + quotas;
    std::string period = plan.value("period", "");
    if (!period.empty() && period != "none") text += " per " + period;
  }
  if (!plan.value("validity", "").empty()) text += ", valid " + plan.value("validity", "");
  return text;
}

std::string minutes(int64_t seconds) { return std::to_string((seconds + 59) / 60) + " minutes"; }

}  // namespace

core::Result<PortalLogo> loadPortalLogo(const std::string& path) {
  PortalLogo logo;
  if (path.empty()) return logo;
  std::ifstream f(path, std::ios::binary);
  if (!f) return core::notFound("gateway.portal-logo: cannot read " + path);
  std::ostringstream o;
  o << f.rdbuf();
  logo.bytes = o.str();
  if (logo.bytes.size() > 256 * 1024) return core::invalidArgument("gateway.portal-logo: larger than 256 KiB");
  auto endsWith = [&path](const char* ext) {
    std::string e = ext;
    return path.size() > e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0;
  };
  logo.contentType = endsWith(".svg") ? "image/svg+xml" : endsWith(".jpg") || endsWith(".jpeg") ? "image/jpeg" : "image/png";
  return logo;
}

Portal::Portal(PortalHost& host, core::CounterRegistry& counters, PortalSettings settings)
    : host_(host),
      signups_(counters.counter("gateway_signups_total", "Accounts created through the portal's self-signup")),
      settings_(std::move(settings)),
      templates_(std::make_unique<core::web::Templates>()) {
  core::web::FrameOptions frame;
  std::string css = portalFiles().text("portal.css");
  while (!css.empty() && std::isspace(static_cast<unsigned char>(css.back()))) css.pop_back();
  frame.css = css;
  frame.footerLinks = {{"/terms", "Terms of use"}};
  frame_ = std::make_unique<core::web::Frame>(std::move(frame));
  // Both sets ship in the binary and every page is rendered by the unit tests: they parse.
  (void)templates_->addFiles(core::web::coreWebFiles());
  (void)templates_->addFiles(portalFiles());
  cookie_ = std::make_unique<core::web::SessionCookie>(core::web::CookieOptions{kCookieName, "/", kCookieSeconds});
}

Portal::~Portal() { stop(); }

core::Status Portal::start(const std::string& address, uint16_t port, PortalLogo logo) {
  address_ = address;
  configuredPort_ = port;
  logo_ = std::move(logo);
  csrf_ = std::make_unique<core::web::CsrfTokens>();
  core::HttpServerOptions o;
  o.name = "portal";
  o.listen = address;
  o.port = port;
  o.connectionLimit = 512;
  o.perAddressLimit = 16;
  o.timeoutSeconds = 15;
  o.maxBodyBytes = 16 * 1024;
  server_ = std::make_unique<core::HttpServer>(o);
  addRoutes();
  return server_->start();
}

void Portal::stop() {
  if (server_) server_->stop();
  server_.reset();
}

void Portal::applySettings(const PortalSettings& settings) {
  std::lock_guard<std::mutex> lock(settingsMu_);
  settings_ = settings;
}

PortalSettings Portal::settings() const {
  std::lock_guard<std::mutex> lock(settingsMu_);
  return settings_;
}

uint16_t Portal::port() const { return server_ ? server_->port() : 0; }

std::string Portal::url() const {
  uint16_t p = configuredPort_ != 0 ? configuredPort_ : port();
  return "http://" + address_ + ":" + std::to_string(p) + "/";
}

// ---- pages ----

// The page in the frame, with the venue's branding; a visitor without the cookie gets one, and
// every form the visitor's CSRF token ({{> csrf}}).
HttpResponse Portal::render(const HttpRequest& r, const std::string& templateName, core::Json data,
                            const std::string& title, int status, const std::string& error) {
  PortalSettings s = settings();
  HttpResponse out;
  const std::string session = cookie_->ensure(r, out);
  data["csrf"] = csrf_->tokenFor(session);
  core::web::Page page;
  page.title = title;
  page.status = status;
  if (!error.empty()) page.messages.push_back(core::web::Message::error(error));
  core::Result<std::string> body = templates_->render(templateName, data);
  if (!body.isOk()) {
    core::logError("portal: ", body.status().message());
    return HttpResponse::jsonError(500, "internal error");
  }
  page.body = *body;
  core::web::Branding branding{s.name, logo_.bytes.empty() ? "" : "/logo", s.color};
  return frame_->render(page, branding, std::move(out));
}

HttpResponse Portal::loginPage(const HttpRequest& r, const std::string& error, int status) {
  core::Json d = core::Json::object();
  d["signup"] = !settings().signupPlans.empty();
  if (std::optional<core::Json> free = clickThroughPlan()) d["free"] = {{"offer", planText(*free)}};
  return render(r, "login", d, "Log in", status, error);
}

HttpResponse Portal::statusPage(const HttpRequest& r, const ClientStatus& c) {
  int64_t now = core::SystemClock::instance().unixSeconds();
  core::Json d = core::Json::object();
  d["username"] = c.username;
  d["online"] = duration(now - c.started);
  if (c.sessionTimeout) d["time_left"] = duration(c.started + c.sessionTimeout - now);
  uint64_t used = c.upBytes + c.downBytes;
  d["used"] = core::formatSize(used);
  if (c.limitBytes) d["data_left"] = core::formatSize(*c.limitBytes > used ? *c.limitBytes - used : 0);
  d["down"] = c.downBps ? core::formatRate(c.downBps) : std::string("unlimited");
  d["up"] = c.upBps ? core::formatRate(c.upBps) : std::string("unlimited");
  return render(r, "status", d, "Connected", 200);
}

HttpResponse Portal::heldPage(const HttpRequest& r, const LoginResult& held) {
  core::Json d = core::Json::object();
  d["username"] = held.username;
  if (!held.payUrl.empty()) d["pay_url"] = held.payUrl;
  if (held.held == LoginResult::Held::kWalled) return render(r, "pay", d, "Service paused", 402);
  const core::Json& t = held.topUp.is_object() ? held.topUp : core::Json::object();
  d["plan"] = t.value("plan", "");
  d["price"] = t.value("price", "");
  d["used"] = t.value("data-used-text", "");
  int64_t quota = t.value("data-quota", int64_t{0});
  if (quota > 0) d["quota"] = core::formatSize(static_cast<uint64_t>(quota));
  int64_t toppedUp = t.value("data-topped-up", int64_t{0});
  if (toppedUp > 0) d["topped_up"] = core::formatSize(static_cast<uint64_t>(toppedUp));
  d["resets"] = t.value("resets-at-local", "");
  return render(r, "topup", d, "Top up to continue", 402);
}

HttpResponse Portal::signupPage(const HttpRequest& r, const std::string& error, int status, const SignupForm& form) {
  std::vector<core::Json> plans = offeredPlans();
  if (plans.empty())
    return render(r, "signup_closed", {{"message", "Self-signup is not offered here."}}, "Create an account", 404);
  core::Json d = core::Json::object();
  d["plans"] = core::Json::array();
  for (const core::Json& plan : plans) {
    std::string name = plan.value("name", "");
    std::string text = name + " - " + planText(plan);
    text += plan.value("price-minor", int64_t{0}) == 0 ? " - free, starts at once" : " - " + plan.value("price", "") + ", after payment";
    d["plans"].push_back({{"name", name}, {"text", text}, {"selected", name == form.plan}});
  }
  d["username"] = form.username;
  d["errors"] = core::Json::object();
  for (const auto& [field, message] : form.fieldErrors) d["errors"][field] = message;
  return render(r, "signup", d, "Create an account", status, error);
}

HttpResponse Portal::signupRefused(const HttpRequest& r, const core::Status& refusal, SignupForm form) {
  using core::command::PublicCode;
  const PublicCode code = core::command::publicCode(refusal.code());
  const int status = core::command::httpStatus(code);
  switch (code) {
    case PublicCode::kConflict:
      form.fieldErrors["username"] = "That username is taken; choose another.";
      return signupPage(r, "", status, form);
    case PublicCode::kInvalidArgument:
    case PublicCode::kNotFound: {
      // The command layer's messages name their argument first ("password: longer than 128
      // characters", "plan: no plan named ..."): the message goes next to that field, without the
      // name; one that names no field of the form goes above it.
      const std::string& text = refusal.message();
      for (const char* field : {"username", "password", "plan"}) {
        const std::string name = field;
        if (text.compare(0, name.size(), name) != 0 || text.size() == name.size()) continue;
        if (text[name.size()] == ':') {
          std::string rest = text.substr(name.size() + 1);
          rest.erase(0, rest.find_first_not_of(' '));
          if (!rest.empty()) rest[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(rest[0])));
          form.fieldErrors[name] = rest.empty() ? text : rest;
          return signupPage(r, "", status, form);
        }
        if (text[name.size()] == ' ') {
          form.fieldErrors[name] = text;
          return signupPage(r, "", status, form);
        }
      }
      return signupPage(r, "The account could not be created: " + text, status, form);
    }
    case PublicCode::kFailedPrecondition:
      // The license (its subscriber cap reached, or changes frozen after its grace): nothing the
      // visitor can change, so no form; the operator's side says which in the log.
      return render(r, "signup_closed",
                    {{"message", "Signups are closed on this network for now: no new accounts can be created. "
                                 "Please ask the staff."}},
                    "Signups are closed", status);
    case PublicCode::kUnavailable:
      return signupPage(r, "The account could not be created just now. Please try again in a moment.", status, form);
    case PublicCode::kOk:
    case PublicCode::kPermissionDenied:
    case PublicCode::kInternal:
      break;
  }
  // A fault on our side (or the portal not allowed to add subscribers): nothing for the visitor to
  // fix; the detail is in the visitor log, not on the page.
  return signupPage(r, "The account could not be created. Please ask the staff.", status, form);
}

bool Portal::checkForm(const HttpRequest& r, const std::map<std::string, std::string>& f, bool needTerms,
                       std::string* error) const {
  if (!csrf_->verifyForm(cookie_->idOf(r), f)) {
    *error = "Your session on this page expired. Please try again.";
    return false;
  }
  if (needTerms && (f.count("accept") == 0 || f.at("accept") != "yes")) {
    *error = "Please accept the terms of use to continue.";
    return false;
  }
  return true;
}

// Plans as plan-list describes them, those named (in the config's signup-plans or click-through-plan).
std::vector<core::Json> Portal::plansNamed(const std::vector<std::string>& names) {
  std::vector<core::Json> out;
  for (const core::Json& p : host_.plans())
    if (std::find(names.begin(), names.end(), p.value("name", "")) != names.end()) out.push_back(p);
  return out;
}

std::vector<core::Json> Portal::offeredPlans() { return plansNamed(settings().signupPlans); }

std::optional<core::Json> Portal::clickThroughPlan() {
  std::string name = settings().clickThroughPlan;
  if (name.empty()) return std::nullopt;
  std::vector<core::Json> plans = plansNamed({name});
  if (plans.empty()) return std::nullopt;
  return plans.front();
}

HttpResponse Portal::doLogin(const HttpRequest& r, const std::string& user, const std::string& password,
                             const std::map<std::string, std::string>& f) {
  std::string error;
  if (!checkForm(r, f, true, &error)) return loginPage(r, error, 403);
  LoginResult result = host_.login(r.remote, user, password);
  if (!result.ok && result.held != LoginResult::Held::kNone) return heldPage(r, result);
  if (!result.ok) {
    HttpResponse page = loginPage(r, result.message, result.httpStatus);
    if (result.retryAfter > 0) page.headers.emplace_back("Retry-After", std::to_string(result.retryAfter));
    return page;
  }
  return seeOther(url() + "status");
}

// Click-through: accepting the terms is the whole login. The device becomes a MAC-address
// subscriber of the click-through plan (MAC authentication), so the plan's quotas count per device.
HttpResponse Portal::accept(const HttpRequest& r) {
  auto f = core::web::parseForm(r.body);
  std::string error;
  if (!checkForm(r, f, true, &error)) return loginPage(r, error, 403);
  std::optional<core::Json> plan = clickThroughPlan();
  if (!plan) return loginPage(r, "Free access is not offered here. Please log in.", 404);
  std::optional<aaa::auth::MacAddress> mac = aaa::auth::parseMac(host_.macOf(r.remote));
  if (!mac) return loginPage(r, "This network cannot see your device's hardware address. Reconnect and try again.", 409);
  const std::string device = aaa::auth::formatMac(*mac);
  // A device's first visit creates a subscriber: limited like a signup (a script changing its MAC
  // must not fill the subscriber cap); a returning device just logs in.
  if (!host_.subscriberExists(device)) {
    int64_t retryAfter = 0;
    if (host_.takeSignup(device, r.remote, &retryAfter) != PortalLimit::kNone) {
      HttpResponse page =
          loginPage(r, "Free access cannot take more devices right now. Try again in " + minutes(retryAfter) + ".", 429);
      page.headers.emplace_back("Retry-After", std::to_string(retryAfter));
      return page;
    }
  }
  // A returning device's subscriber exists already (conflict): it just logs in.
  core::Status added = host_.addSubscriber({{"username", device}, {"plan", plan->value("name", "")}});
  if (!added.isOk() && added.code() != core::Code::kAlreadyExists) {
    host_.visitorLog(core::LogLevel::kError,
                     "portal: click-through for " + device + ": " + core::logSafe(added.message(), 200));
    // The license closed new accounts (failed-precondition, 409), a moment's trouble (unavailable,
    // 503); anything else is the operator's setup or a fault, nothing the visitor did (500).
    const core::command::PublicCode code = core::command::publicCode(added.code());
    if (code == core::command::PublicCode::kFailedPrecondition)
      return loginPage(r, "Free access takes no new devices on this network for now. Please ask the staff.", 409);
    if (code == core::command::PublicCode::kUnavailable)
      return loginPage(r, "Free access is not available just now. Please try again in a moment.", 503);
    return loginPage(r, "Free access is not available right now. Please ask the staff.", 500);
  }
  if (added.isOk()) {
    signups_.inc();
    host_.visitorLog(core::LogLevel::kInfo,
                     "portal: " + device + " accepted the terms: a device of " + plan->value("name", ""));
  }
  return doLogin(r, device, device, f);
}

HttpResponse Portal::signup(const HttpRequest& r) {
  auto f = core::web::parseForm(r.body);
  std::string error;
  if (!checkForm(r, f, true, &error)) return signupPage(r, error, 403);
  const std::string username = f["username"], password = f["password"], planName = f["plan"];
  // Typed text comes back in the form (escaped by the template); an unusable username does not.
  SignupForm form{goodUsername(username) ? username : std::string(), planName, {}};
  auto fieldError = [&](const char* field, const char* message) {
    form.fieldErrors[field] = message;
    return signupPage(r, "", 400, form);
  };
  if (!goodUsername(username)) return fieldError("username", "A username has 3 to 64 letters, digits and . _ - @ only.");
  if (password.size() < 8 || password.size() > 128) return fieldError("password", "A password has 8 to 128 characters.");
  std::optional<core::Json> plan;
  for (const core::Json& p : offeredPlans())
    if (p.value("name", "") == planName) plan = p;
  if (!plan) return fieldError("plan", "Choose one of the plans offered.");
  bool free = plan->value("price-minor", int64_t{0}) == 0;
  const std::string mac = host_.macOf(r.remote);
  if (mac.empty())
    return signupPage(r, "This network cannot see your device's hardware address. Reconnect and try again.", 409);
  int64_t retryAfter = 0;
  PortalLimit held = host_.takeSignup(mac, r.remote, &retryAfter);
  if (held != PortalLimit::kNone) {
    HttpResponse page = signupPage(r,
                                   held == PortalLimit::kTotal
                                       ? "This network takes no new accounts right now. Please try again in " +
                                             minutes(retryAfter) + "."
                                       : "Too many accounts were created from this device. Try again in " +
                                             minutes(retryAfter) + ".",
                                   429);
    page.headers.emplace_back("Retry-After", std::to_string(retryAfter));
    return page;
  }
  core::Json args = {{"username", username}, {"password", password}, {"plan", planName}};
  if (!free) args["status"] = "suspended";
  core::Status added = host_.addSubscriber(args);
  if (!added.isOk()) {
    const std::string& text = added.message();
    host_.visitorLog(core::LogLevel::kInfo, "portal: signup of '" + core::logSafe(username) +
                                                "' refused: " + core::logSafe(text, 200));
    // Told apart by the command's code, never by its wording.
    return signupRefused(r, added, std::move(form));
  }
  signups_.inc();
  host_.visitorLog(core::LogLevel::kInfo, "portal: " + core::logSafe(username) + " signed up for " +
                                              core::logSafe(planName) +
                                              (free ? " (free, active)" : " (waits for activation)"));
  if (free) return doLogin(r, username, password, f);
  return render(r, "signup_done", {{"username", username}, {"plan", planName}}, "Account created", 200);
}

// RFC 8908: the captive portal API.
HttpResponse Portal::captiveApi(const HttpRequest& r) {
  core::Json j = core::Json::object();
  std::optional<ClientStatus> c = host_.clientAt(r.remote);
  j["captive"] = !c.has_value();
  j["user-portal-url"] = url();
  std::string venue = settings().venueInfoUrl;
  if (!venue.empty()) j["venue-info-url"] = venue;
  if (c) {
    int64_t now = core::SystemClock::instance().unixSeconds();
    if (c->sessionTimeout) j["seconds-remaining"] = std::max<int64_t>(0, c->started + c->sessionTimeout - now);
    if (c->limitBytes) {
      uint64_t used = c->upBytes + c->downBytes;
      j["bytes-remaining"] = *c->limitBytes > used ? *c->limitBytes - used : 0;
    }
    j["can-extend-session"] = false;
  }
  HttpResponse out;
  out.contentType = "application/captive+json";
  out.body = j.dump();
  out.headers.emplace_back("Cache-Control", "private, no-store");
  return out;
}

void Portal::addRoutes() {
  core::HttpServer& s = *server_;
  s.route("GET", "/", [this](const HttpRequest& r) {
    // A redirected request for another site's "/": to the portal's own address first, so that the
    // pages, their cookie and their forms all live on one origin.
    auto host = r.headers.find("host");
    if (host == r.headers.end() || "http://" + host->second + "/" != url()) return redirectTo(url());
    if (auto c = host_.clientAt(r.remote)) return statusPage(r, *c);
    return loginPage(r, "", 200);
  });
  s.route("GET", "/status", [this](const HttpRequest& r) {
    if (auto c = host_.clientAt(r.remote)) return statusPage(r, *c);
    return seeOther(url());
  });
  s.route("POST", "/login", [this](const HttpRequest& r) {
    auto f = core::web::parseForm(r.body);
    return doLogin(r, f["username"], f["password"], f);
  });
  s.route("POST", "/voucher", [this](const HttpRequest& r) {
    auto f = core::web::parseForm(r.body);
    std::string code;
    for (char ch : f["code"])
      if (!std::isspace(static_cast<unsigned char>(ch))) code += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return doLogin(r, code, code, f);
  });
  s.route("POST", "/accept", [this](const HttpRequest& r) { return accept(r); });
  s.route("POST", "/logout", [this](const HttpRequest& r) {
    auto f = core::web::parseForm(r.body);
    std::string error;
    if (!checkForm(r, f, false, &error)) return loginPage(r, error, 403);
    host_.logout(r.remote);
    return seeOther(url());
  });
  s.route("GET", "/signup", [this](const HttpRequest& r) { return signupPage(r, "", 200); });
  s.route("POST", "/signup", [this](const HttpRequest& r) { return signup(r); });
  s.route("GET", "/terms", [this](const HttpRequest& r) {
    return render(r, "terms", {{"terms", settings().terms}}, "Terms of use", 200);
  });
  s.route("GET", "/logo", [this](const HttpRequest&) {
    if (logo_.bytes.empty()) return HttpResponse::jsonError(404, "no logo configured");
    HttpResponse r;
    r.contentType = logo_.contentType;
    r.body = logo_.bytes;
    r.headers.emplace_back("Cache-Control", "max-age=86400");
    // The logo is the operator's file on the portal's own origin: an SVG opened by itself could run
    // script there. It is an image and nothing more.
    r.headers.emplace_back("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox");
    return r;
  });
  s.route("GET", "/api/captive", [this](const HttpRequest& r) { return captiveApi(r); });

  // The operating systems' connectivity probes: captive -> the portal; online -> what they expect.
  struct Probe {
    const char* path;
    int status;
    const char* type;
    const char* body;
  };
  static const Probe kProbes[] = {
      {"/hotspot-detect.html", 200, "text/html",
       "<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>"},  // Apple
      {"/library/test/success.html", 200, "text/html",
       "<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>"},
      {"/generate_204", 204, "text/plain", ""},  // Android, Chrome
      {"/gen_204", 204, "text/plain", ""},
      {"/connecttest.txt", 200, "text/plain", "Microsoft Connect Test"},  // Windows
      {"/ncsi.txt", 200, "text/plain", "Microsoft NCSI"},
      {"/success.txt", 200, "text/plain", "success\n"},  // Firefox
      {"/canonical.html", 200, "text/html",
       "<meta http-equiv=\"refresh\" content=\"0;url=https://support.mozilla.org/kb/captive-portal\"/>"},
  };
  for (const Probe& probe : kProbes) {
    s.route("GET", probe.path, [this, probe](const HttpRequest& r) {
      if (!host_.clientAt(r.remote)) return redirectTo(url());
      HttpResponse out;
      out.status = probe.status;
      out.contentType = probe.type;
      out.body = probe.body;
      return noStore(out);
    });
  }
  // Any other address or path the LAN's HTTP was redirected from: the portal, by our own URL.
  s.fallback([this](const HttpRequest&) { return redirectTo(url()); });
}

}  // namespace edge::portal
