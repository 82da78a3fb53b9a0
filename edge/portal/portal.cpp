// The captive portal of the gateway (edge/gateway.h): server-rendered pages, mobile first, no
// external assets, branded from the config; the RFC 8908 API; the OS connectivity probes.
//
// Security: every form carries a CSRF token, the HMAC of the visitor's HttpOnly SameSite=Strict
// cookie under a key made at start; failed logins (malformed input included) are limited per MAC
// and per address, signups per MAC, per address and in total (edge/portal_limits.h); what a visitor
// typed reaches the log cut and escaped (core::logSafe), at most 10 lines a second; every redirect
// goes to the portal's own URL, never to one taken from the request; pages forbid framing and
// outside content.
#include <algorithm>
#include <cctype>
#include <sstream>

#include "aaa/auth/mac.h"
#include "billing/rules.h"
#include "core/clock.h"
#include "core/html.h"
#include "core/log.h"
#include "core/pki.h"
#include "core/units.h"
#include "edge/gateway/gateway.h"
#include "edge/portal/portal_forms.h"
#include "edge/radius/radius_service.h"

namespace edge {

namespace {

using core::HttpRequest;
using core::HttpResponse;
using core::htmlEscape;

constexpr const char* kCookie = portal::kCookieName;

using portal::formFields;

std::string cookieOf(const HttpRequest& r) {
  auto it = r.headers.find("cookie");
  return it == r.headers.end() ? "" : portal::portalCookie(it->second);
}

bool sameText(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

HttpResponse noStore(HttpResponse r) {
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

HttpResponse redirectTo(const std::string& url) {
  HttpResponse r;
  r.status = 302;
  r.headers.emplace_back("Location", url);
  r.body = "<a href=\"" + htmlEscape(url) + "\">Continue to the login page</a>\n";
  r.contentType = "text/html; charset=utf-8";
  return noStore(r);
}

HttpResponse seeOther(const std::string& url) {
  HttpResponse r = redirectTo(url);
  r.status = 303;
  return r;
}

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

}  // namespace

std::string Gateway::portalUrl() const {
  return "http://" + lan_.ip + ":" + std::to_string(config_.portalPort) + "/";
}

std::string Gateway::csrfFor(const std::string& cookie) const { return core::pki::hmacSha256Hex(portalKey_, "csrf:" + cookie); }

namespace {

struct Page {
  std::string title;
  std::string body;  // HTML
  int status = 200;
};

}  // namespace

void Gateway::registerPortal() {
  // The page frame: the venue's name, logo and colour; inline CSS only.
  auto render = [this](const HttpRequest& r, const Page& page) {
    std::string name, color;
    {
      std::lock_guard<std::mutex> lock(settingsMu_);
      name = config_.portalName;
      color = config_.portalColor;
    }
    HttpResponse out;
    out.status = page.status;
    out.contentType = "text/html; charset=utf-8";
    std::string cookie = cookieOf(r);
    if (cookie.empty()) {
      cookie = core::pki::randomHex(16);
      out.headers.emplace_back("Set-Cookie", std::string(kCookie) + "=" + cookie +
                                                 "; Path=/; HttpOnly; SameSite=Strict; Max-Age=86400");
    }
    std::string body = page.body;
    // Every form gets the visitor's CSRF token.
    const std::string marker = "<!--csrf-->";
    const std::string field = "<input type=\"hidden\" name=\"csrf\" value=\"" + csrfFor(cookie) + "\">";
    for (size_t at; (at = body.find(marker)) != std::string::npos;) body.replace(at, marker.size(), field);
    out.body =
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        "<title>" + htmlEscape(page.title + " - " + name) + "</title><style>"
        ":root{--brand:" + color + "}"
        "*{box-sizing:border-box}body{margin:0;font:16px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;"
        "background:#f4f6f5;color:#1b1f1d}main{max-width:28rem;margin:0 auto;padding:1rem}"
        "header{display:flex;align-items:center;gap:.75rem;padding:.5rem 0 1rem}header img{max-height:3rem;max-width:8rem}"
        "h1{font-size:1.35rem;margin:0;color:var(--brand)}h2{font-size:1.1rem;margin:0 0 .75rem}"
        "section{background:#fff;border-radius:.75rem;padding:1rem;margin:0 0 1rem;box-shadow:0 1px 3px #0002}"
        "label{display:block;font-weight:600;margin:.5rem 0 .25rem}"
        "input[type=text],input[type=password],select{width:100%;padding:.7rem;font-size:1rem;border:1px solid #b8c2bd;"
        "border-radius:.5rem}"
        ".check{display:flex;gap:.5rem;align-items:flex-start;font-weight:400;margin:.75rem 0}"
        "button{width:100%;padding:.8rem;font-size:1.05rem;font-weight:600;color:#fff;background:var(--brand);border:0;"
        "border-radius:.5rem;margin-top:.5rem}"
        ".error{background:#fdecea;color:#8a1c12;border-radius:.5rem;padding:.75rem;margin:0 0 1rem}"
        ".ok{background:#e7f5ee;color:#0d5132;border-radius:.5rem;padding:.75rem;margin:0 0 1rem}"
        "dl{display:grid;grid-template-columns:auto 1fr;gap:.35rem 1rem;margin:0}dt{color:#56615c}dd{margin:0;font-weight:600}"
        "a{color:var(--brand)}footer{font-size:.85rem;color:#56615c;text-align:center}"
        "</style></head><body><main><header>" +
        (logo_.empty() ? std::string() : "<img src=\"/logo\" alt=\"\">") + "<h1>" + htmlEscape(name) + "</h1></header>" +
        body + "<footer><a href=\"/terms\">Terms of use</a></footer></main></body></html>\n";
    out.headers.emplace_back("Cache-Control", "no-store");
    out.headers.emplace_back("X-Frame-Options", "DENY");
    out.headers.emplace_back("Referrer-Policy", "no-referrer");
    out.headers.emplace_back("Content-Security-Policy",
                             "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
                             "frame-ancestors 'none'");
    return out;
  };

  auto termsBox = [] {
    return std::string("<label class=\"check\"><input type=\"checkbox\" name=\"accept\" value=\"yes\" required> "
                       "<span>I accept the <a href=\"/terms\">terms of use</a></span></label>");
  };

  // Plans as plan-list describes them, those named (in the config's signup-plans or click-through-plan).
  auto plansNamed = [this](const std::vector<std::string>& names) {
    core::Json reply = control_.handle(core::Json{{"command", "plan-list"}, {"arguments", core::Json::object()}});
    std::vector<core::Json> out;
    if (reply.value("result", 1) != 0 || !reply["arguments"].is_array()) return out;
    for (const core::Json& p : reply["arguments"])
      if (std::find(names.begin(), names.end(), p.value("name", "")) != names.end()) out.push_back(p);
    return out;
  };
  auto offeredPlans = [this, plansNamed]() {
    std::vector<std::string> names;
    {
      std::lock_guard<std::mutex> lock(settingsMu_);
      names = config_.signupPlans;
    }
    return plansNamed(names);
  };
  auto clickThroughPlan = [this, plansNamed]() -> std::optional<core::Json> {
    std::string name;
    {
      std::lock_guard<std::mutex> lock(settingsMu_);
      name = config_.clickThroughPlan;
    }
    if (name.empty()) return std::nullopt;
    std::vector<core::Json> plans = plansNamed({name});
    if (plans.empty()) return std::nullopt;
    return plans.front();
  };
  // What a plan gives, in a phrase: "10M down / 5M up, 1h online per day, valid 1d".
  auto planText = [](const core::Json& plan) {
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
  };

  auto loginPage = [this, render, termsBox, clickThroughPlan, planText](const HttpRequest& r, const std::string& error, int status) {
    Page p;
    p.title = "Log in";
    p.status = status;
    bool signup;
    {
      std::lock_guard<std::mutex> lock(settingsMu_);
      signup = !config_.signupPlans.empty();
    }
    if (!error.empty()) p.body += "<p class=\"error\" role=\"alert\">" + htmlEscape(error) + "</p>";
    if (std::optional<core::Json> free = clickThroughPlan())
      p.body += "<section><h2>Free Wi-Fi</h2><p>" + htmlEscape(planText(*free)) +
                ", no account needed.</p><form method=\"post\" action=\"/accept\"><!--csrf-->" + termsBox() +
                "<button type=\"submit\">Accept and connect</button></form></section>";
    p.body +=
        "<section><h2>Log in</h2><form method=\"post\" action=\"/login\"><!--csrf-->"
        "<label for=\"u\">Username</label><input id=\"u\" type=\"text\" name=\"username\" autocomplete=\"username\" "
        "autocapitalize=\"none\" required>"
        "<label for=\"p\">Password</label><input id=\"p\" type=\"password\" name=\"password\" "
        "autocomplete=\"current-password\" required>" +
        termsBox() + "<button type=\"submit\">Log in</button></form></section>";
    p.body +=
        "<section><h2>Have a voucher?</h2><form method=\"post\" action=\"/voucher\"><!--csrf-->"
        "<label for=\"v\">Voucher code</label><input id=\"v\" type=\"text\" name=\"code\" autocapitalize=\"characters\" "
        "autocomplete=\"off\" required>" +
        termsBox() + "<button type=\"submit\">Connect</button></form></section>";
    if (signup) p.body += "<section><h2>New here?</h2><p><a href=\"/signup\">Create an account</a></p></section>";
    return render(r, p);
  };

  auto statusPage = [this, render](const HttpRequest& r, const GatewayClient& c, const std::string& note) {
    Page p;
    p.title = "Connected";
    int64_t now = core::SystemClock::instance().unixSeconds();
    if (!note.empty()) p.body += "<p class=\"ok\" role=\"status\">" + htmlEscape(note) + "</p>";
    p.body += "<section><h2>You are online</h2><dl>";
    p.body += "<dt>Account</dt><dd>" + htmlEscape(c.username) + "</dd>";
    p.body += "<dt>Online for</dt><dd>" + duration(now - c.started) + "</dd>";
    if (c.sessionTimeout) p.body += "<dt>Time left</dt><dd>" + duration(c.started + c.sessionTimeout - now) + "</dd>";
    p.body += "<dt>Data used</dt><dd>" + core::formatSize(c.upBytes + c.downBytes) + "</dd>";
    if (c.limitBytes) {
      uint64_t used = c.upBytes + c.downBytes;
      p.body += "<dt>Data left</dt><dd>" + core::formatSize(*c.limitBytes > used ? *c.limitBytes - used : 0) + "</dd>";
    }
    p.body += "<dt>Speed</dt><dd>" + (c.rate.downBps ? core::formatRate(c.rate.downBps) : std::string("unlimited")) +
              " down, " + (c.rate.upBps ? core::formatRate(c.rate.upBps) : std::string("unlimited")) + " up</dd>";
    p.body += "</dl></section><section><form method=\"post\" action=\"/logout\"><!--csrf-->"
              "<button type=\"submit\">Log out</button></form></section>";
    return render(r, p);
  };

  // A POST's CSRF token and terms: an error page when they are missing.
  auto checkForm = [this](const HttpRequest& r, const std::map<std::string, std::string>& f, bool needTerms,
                          std::string* error) {
    std::string cookie = cookieOf(r);
    auto csrf = f.find("csrf");
    if (cookie.empty() || csrf == f.end() || !sameText(csrf->second, csrfFor(cookie))) {
      *error = "Your session on this page expired. Please try again.";
      return false;
    }
    if (needTerms && (f.count("accept") == 0 || f.at("accept") != "yes")) {
      *error = "Please accept the terms of use to continue.";
      return false;
    }
    return true;
  };

  portal_->route("GET", "/", [this, loginPage, statusPage](const HttpRequest& r) {
    // A redirected request for another site's "/": to the portal's own address first, so that the
    // pages, their cookie and their forms all live on one origin.
    auto host = r.headers.find("host");
    if (host == r.headers.end() || host->second != lan_.ip + ":" + std::to_string(config_.portalPort))
      return redirectTo(portalUrl());
    if (auto c = clientAt(r.remote)) return statusPage(r, *c, "");
    return loginPage(r, "", 200);
  });
  portal_->route("GET", "/status", [this, statusPage](const HttpRequest& r) {
    if (auto c = clientAt(r.remote)) return statusPage(r, *c, "");
    return seeOther(portalUrl());
  });

  auto doLogin = [this, loginPage, statusPage, checkForm](const HttpRequest& r, const std::string& user,
                                                         const std::string& password,
                                                         const std::map<std::string, std::string>& f) {
    std::string error;
    if (!checkForm(r, f, true, &error)) return loginPage(r, error, 403);
    LoginResult result = login(r.remote, user, password);
    if (!result.ok) {
      HttpResponse page = loginPage(r, result.message, result.httpStatus);
      if (result.retryAfter > 0) page.headers.emplace_back("Retry-After", std::to_string(result.retryAfter));
      return page;
    }
    return seeOther(portalUrl() + "status");
  };
  portal_->route("POST", "/login", [doLogin](const HttpRequest& r) {
    auto f = formFields(r.body);
    return doLogin(r, f["username"], f["password"], f);
  });
  portal_->route("POST", "/voucher", [doLogin](const HttpRequest& r) {
    auto f = formFields(r.body);
    std::string code;
    for (char ch : f["code"])
      if (!std::isspace(static_cast<unsigned char>(ch))) code += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return doLogin(r, code, code, f);
  });
  // Click-through: accepting the terms is the whole login. The device becomes a MAC-address
  // subscriber of the click-through plan (MAC authentication), so the plan's quotas count per device.
  portal_->route("POST", "/accept", [this, loginPage, checkForm, clickThroughPlan, doLogin](const HttpRequest& r) {
    auto f = formFields(r.body);
    std::string error;
    if (!checkForm(r, f, true, &error)) return loginPage(r, error, 403);
    std::optional<core::Json> plan = clickThroughPlan();
    if (!plan) return loginPage(r, "Free access is not offered here. Please log in.", 404);
    std::optional<aaa::auth::MacAddress> mac = aaa::auth::parseMac(macOf(r.remote));
    if (!mac)
      return loginPage(r, "This network cannot see your device's hardware address. Reconnect and try again.", 409);
    const std::string device = aaa::auth::formatMac(*mac);
    // A device's first visit creates a subscriber: limited like a signup (a script changing its MAC
    // must not fill the subscriber cap); a returning device just logs in.
    if (radius_.snapshot()->findSubscriber(device) == nullptr) {
      int64_t retryAfter = 0;
      if (takeSignup(device, r.remote, &retryAfter) != PortalLimit::kNone) {
        HttpResponse page = loginPage(r, "Free access cannot take more devices right now. Try again in " +
                                             std::to_string((retryAfter + 59) / 60) + " minutes.",
                                      429);
        page.headers.emplace_back("Retry-After", std::to_string(retryAfter));
        return page;
      }
    }
    core::Json reply = control_.handle(core::Json{
        {"command", "subscriber-add"}, {"arguments", {{"username", device}, {"plan", plan->value("name", "")}}}});
    if (reply.value("result", 1) != 0 && reply.value("text", std::string()).find("exists") == std::string::npos) {
      visitorLog(core::LogLevel::kError, "portal: click-through for ", device, ": ",
                 core::logSafe(reply.value("text", std::string()), 200));
      return loginPage(r, "Free access is not available right now. Please ask the staff.", 503);
    }
    if (reply.value("result", 1) == 0) {
      signups_.inc();
      visitorLog(core::LogLevel::kInfo, "portal: ", device, " accepted the terms: a device of ", plan->value("name", ""));
    }
    return doLogin(r, device, device, f);
  });
  portal_->route("POST", "/logout", [this, loginPage, checkForm](const HttpRequest& r) {
    auto f = formFields(r.body);
    std::string error;
    if (!checkForm(r, f, false, &error)) return loginPage(r, error, 403);
    logout(r.remote, 1, "logged out on the portal");
    return seeOther(portalUrl());
  });

  auto signupPage = [render, termsBox, offeredPlans, planText](const HttpRequest& r, const std::string& error, int status) {
    Page p;
    p.title = "Create an account";
    p.status = status;
    std::vector<core::Json> plans = offeredPlans();
    if (plans.empty()) {
      p.status = 404;
      p.body = "<p class=\"error\">Self-signup is not offered here.</p><p><a href=\"/\">Back to the login</a></p>";
      return render(r, p);
    }
    if (!error.empty()) p.body += "<p class=\"error\" role=\"alert\">" + htmlEscape(error) + "</p>";
    p.body += "<section><h2>Create an account</h2><form method=\"post\" action=\"/signup\"><!--csrf-->"
              "<label for=\"plan\">Plan</label><select id=\"plan\" name=\"plan\">";
    for (const core::Json& plan : plans) {
      std::string name = plan.value("name", "");
      std::string price = plan.value("price", "");
      std::string text = name + " - " + planText(plan);
      text += plan.value("price-minor", int64_t{0}) == 0 ? " - free, starts at once" : " - " + price + ", after payment";
      p.body += "<option value=\"" + htmlEscape(name) + "\">" + htmlEscape(text) + "</option>";
    }
    p.body += "</select><label for=\"u\">Username</label><input id=\"u\" type=\"text\" name=\"username\" "
              "autocomplete=\"username\" autocapitalize=\"none\" minlength=\"3\" maxlength=\"64\" required>"
              "<label for=\"p\">Password (at least 8 characters)</label><input id=\"p\" type=\"password\" "
              "name=\"password\" autocomplete=\"new-password\" minlength=\"8\" required>" +
              termsBox() + "<button type=\"submit\">Create account</button></form></section>"
                           "<p><a href=\"/\">Back to the login</a></p>";
    return render(r, p);
  };
  portal_->route("GET", "/signup", [signupPage](const HttpRequest& r) { return signupPage(r, "", 200); });
  portal_->route("POST", "/signup", [this, render, signupPage, checkForm, offeredPlans, doLogin](const HttpRequest& r) {
    auto f = formFields(r.body);
    std::string error;
    if (!checkForm(r, f, true, &error)) return signupPage(r, error, 403);
    const std::string username = f["username"], password = f["password"], planName = f["plan"];
    if (!goodUsername(username))
      return signupPage(r, "A username has 3 to 64 letters, digits and . _ - @ only.", 400);
    if (password.size() < 8 || password.size() > 128)
      return signupPage(r, "A password has 8 to 128 characters.", 400);
    std::optional<core::Json> plan;
    for (const core::Json& p : offeredPlans())
      if (p.value("name", "") == planName) plan = p;
    if (!plan) return signupPage(r, "Choose one of the plans offered.", 400);
    bool free = plan->value("price-minor", int64_t{0}) == 0;
    const std::string mac = macOf(r.remote);
    if (mac.empty())
      return signupPage(r, "This network cannot see your device's hardware address. Reconnect and try again.", 409);
    int64_t retryAfter = 0;
    PortalLimit held = takeSignup(mac, r.remote, &retryAfter);
    if (held != PortalLimit::kNone) {
      std::string wait = std::to_string((retryAfter + 59) / 60) + " minutes";
      HttpResponse page = signupPage(r,
                                     held == PortalLimit::kTotal
                                         ? "This network takes no new accounts right now. Please try again in " + wait + "."
                                         : "Too many accounts were created from this device. Try again in " + wait + ".",
                                     429);
      page.headers.emplace_back("Retry-After", std::to_string(retryAfter));
      return page;
    }
    core::Json args = {{"username", username}, {"password", password}, {"plan", planName}};
    if (!free) args["status"] = "suspended";
    core::Json reply = control_.handle(core::Json{{"command", "subscriber-add"}, {"arguments", args}});
    if (reply.value("result", 1) != 0) {
      std::string text = reply.value("text", std::string());
      visitorLog(core::LogLevel::kInfo, "portal: signup of '", core::logSafe(username), "' refused: ",
                 core::logSafe(text, 200));
      if (text.find("exists") != std::string::npos) return signupPage(r, "That username is taken; choose another.", 409);
      if (text.find("license") != std::string::npos)
        return signupPage(r, "This network takes no new accounts right now. Please ask the staff.", 503);
      return signupPage(r, "The account could not be created: " + text, 400);
    }
    signups_.inc();
    visitorLog(core::LogLevel::kInfo, "portal: ", core::logSafe(username), " signed up for ", core::logSafe(planName),
               free ? " (free, active)" : " (waits for activation)");
    if (free) return doLogin(r, username, password, f);
    Page p;
    p.title = "Account created";
    p.body = "<p class=\"ok\" role=\"status\">Your account <strong>" + htmlEscape(username) +
             "</strong> is created. It opens as soon as the staff confirm your payment for <strong>" +
             htmlEscape(planName) + "</strong>; then log in here.</p><p><a href=\"/\">Back to the login</a></p>";
    return render(r, p);
  });

  portal_->route("GET", "/terms", [this, render](const HttpRequest& r) {
    Page p;
    p.title = "Terms of use";
    std::string terms;
    {
      std::lock_guard<std::mutex> lock(settingsMu_);
      terms = config_.portalTerms;
    }
    p.body = "<section><h2>Terms of use</h2><p>" + htmlEscape(terms) + "</p></section><p><a href=\"/\">Back</a></p>";
    return render(r, p);
  });

  portal_->route("GET", "/logo", [this](const HttpRequest&) {
    HttpResponse r;
    if (logo_.empty()) return HttpResponse::jsonError(404, "no logo configured");
    r.contentType = logoType_;
    r.body = logo_;
    r.headers.emplace_back("Cache-Control", "max-age=86400");
    // The logo is the operator's file on the portal's own origin: an SVG opened by itself could run
    // script there. It is an image and nothing more.
    r.headers.emplace_back("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox");
    return r;
  });

  // RFC 8908: the captive portal API.
  portal_->route("GET", "/api/captive", [this](const HttpRequest& r) {
    core::Json j = core::Json::object();
    std::optional<GatewayClient> c = clientAt(r.remote);
    j["captive"] = !c.has_value();
    j["user-portal-url"] = portalUrl();
    {
      std::lock_guard<std::mutex> lock(settingsMu_);
      if (!config_.venueInfoUrl.empty()) j["venue-info-url"] = config_.venueInfoUrl;
    }
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
  });

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
    portal_->route("GET", probe.path, [this, probe](const HttpRequest& r) {
      if (!clientAt(r.remote)) return redirectTo(portalUrl());
      HttpResponse out;
      out.status = probe.status;
      out.contentType = probe.type;
      out.body = probe.body;
      return noStore(out);
    });
  }
  // Any other address or path the LAN's HTTP was redirected from: the portal, by our own URL.
  portal_->fallback([this](const HttpRequest&) { return redirectTo(portalUrl()); });
}

}  // namespace edge
