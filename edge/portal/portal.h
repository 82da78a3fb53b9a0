// The captive portal (docs/gateway.md, "What a device sees"): the pages a visitor of the hotspot
// sees, the RFC 8908 captive portal API and the operating systems' connectivity probes, on an HTTP
// server of its own on the LAN address. Server-rendered from templates (edge/portal/templates) in
// the shared page frame (core/web), mobile first, no external assets, branded from the config.
//
// The portal decides nothing about access itself: logins, logouts, signup limits and who is online
// are the gateway's (PortalHost, implemented by edge::Gateway, which owns the Portal), plans and
// subscribers are the control commands' (so the license gate and the sync outbox apply to signups).
//
// Security: every form carries a CSRF token, the HMAC of the visitor's HttpOnly SameSite=Strict
// cookie under a key made at start (core/web/csrf.h); failed logins (malformed input included) are
// limited per MAC and per address, signups per MAC, per address and in total (portal_limits.h, kept
// by the gateway); what a visitor typed reaches the log cut and escaped (core::logSafe) within the
// gateway's line budget; every redirect goes to the portal's own URL, never to one taken from the
// request; pages forbid framing and outside content.
//
// Threading: the pages run on the HTTP server's thread; applySettings() may come from another
// (reload).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/counters.h"
#include "core/http_server.h"
#include "core/json.h"
#include "core/log.h"
#include "core/status.h"
#include "edge/portal/portal_limits.h"

namespace core::web {
class CsrfTokens;
class Frame;
class SessionCookie;
class Templates;
}  // namespace core::web

namespace edge::portal {

// A device that is online, as its status page shows it.
struct ClientStatus {
  std::string username;
  int64_t started = 0;            // unix seconds
  uint32_t sessionTimeout = 0;    // seconds from started; 0: none
  uint64_t upBytes = 0, downBytes = 0;
  std::optional<uint64_t> limitBytes;  // the session ends when up + down reach it
  uint64_t downBps = 0, upBps = 0;     // 0: unlimited
};

struct LoginResult {
  bool ok = false;
  std::string message;     // for the visitor
  int httpStatus = 200;
  int64_t retryAfter = 0;  // seconds, with 429
  // Refused for the account's state once its password was right (ADR 0048): the device stays in the
  // walled garden and the portal shows the page for it instead of the login form.
  enum class Held { kNone, kWalled, kTopUp };
  Held held = Held::kNone;
  std::string username;
  // kWalled: the pay page (the subscriber's dunning-url, else gateway.selfcare-url); kTopUp: the
  // tenant's self-care page (gateway.selfcare-url). An https URL from the catalog or the config,
  // never from the request; '' = none known.
  std::string payUrl;
  // kTopUp: the subscriber's plan and period as subscriber-explain's "now" has them (plan, price,
  // data-used-text, data-quota, data-topped-up, resets-at-local).
  core::Json topUp;
};

// What the portal needs from the gateway it fronts. Called from the portal's HTTP thread.
class PortalHost {
 public:
  virtual ~PortalHost() = default;

  // The gateway's session of the device at `ip`, if it has one.
  virtual std::optional<ClientStatus> clientAt(const std::string& ip) = 0;
  // The device's MAC ("02:00:00:00:00:02"), "" when the gateway cannot see it.
  virtual std::string macOf(const std::string& ip) = 0;
  // Authenticates and opens the gateway for the device at `ip` (or says why not).
  virtual LoginResult login(const std::string& ip, const std::string& username, const std::string& password) = 0;
  // Ends the device's session (the visitor logged out).
  virtual void logout(const std::string& ip) = 0;
  // A signup (or a first click-through visit) of the device: counted and kNone, or refused with the
  // limit it hit and the seconds until it may retry.
  virtual PortalLimit takeSignup(const std::string& mac, const std::string& ip, int64_t* retryAfter) = 0;
  // The plans as the plan-list command describes them.
  virtual std::vector<core::Json> plans() = 0;
  virtual bool subscriberExists(const std::string& username) = 0;
  // The subscriber-add command with these arguments; when refused, a Status with the command's code
  // and text: kAlreadyExists (conflict) for a username that is taken, kFailedPrecondition for the
  // license (subscriber cap, frozen changes), another code for anything else.
  virtual core::Status addSubscriber(const core::Json& arguments) = 0;
  // A log line a visitor caused (logged within the gateway's budget of lines a second).
  virtual void visitorLog(core::LogLevel level, const std::string& line) = 0;
};

// What the operator configures (gateway.portal-*, signup-plans, click-through-plan); may change on
// reload.
struct PortalSettings {
  std::string name;                      // shown on every page
  std::string color;                     // "#0b6e4f"
  std::string terms;                     // the terms of use, plain text
  std::string venueInfoUrl;              // RFC 8908 venue-info-url; empty: none
  std::vector<std::string> signupPlans;  // plans offered for self-signup; empty: none
  std::string clickThroughPlan;          // free access for accepting the terms; empty: none
};

// The operator's logo, read once at start.
struct PortalLogo {
  std::string bytes;
  std::string contentType;
};
// Reads gateway.portal-logo (PNG, JPEG or SVG by the name's extension, at most 256 KiB); an empty
// path is no logo.
core::Result<PortalLogo> loadPortalLogo(const std::string& path);

class Portal {
 public:
  Portal(PortalHost& host, core::CounterRegistry& counters, PortalSettings settings);
  ~Portal();
  Portal(const Portal&) = delete;
  Portal& operator=(const Portal&) = delete;

  // Serves on address:port (the LAN address; port 0 picks one, for tests).
  core::Status start(const std::string& address, uint16_t port, PortalLogo logo);
  void stop();
  void applySettings(const PortalSettings& settings);

  // "http://10.0.0.1:8080/": where every redirect goes.
  std::string url() const;
  uint16_t port() const;

 private:
  void addRoutes();
  PortalSettings settings() const;
  core::HttpResponse render(const core::HttpRequest& r, const std::string& templateName, core::Json data,
                            const std::string& title, int status, const std::string& error = "");
  core::HttpResponse loginPage(const core::HttpRequest& r, const std::string& error, int status);
  core::HttpResponse statusPage(const core::HttpRequest& r, const ClientStatus& c);
  // A login held in the walled garden: the pay page (walled for non-payment) or the top-up page (the
  // plan's "redirect" fair-use tier), both 402.
  core::HttpResponse heldPage(const core::HttpRequest& r, const LoginResult& held);
  // What the visitor typed into the signup form (never the password), and the messages placed next
  // to a field ("username", "password", "plan").
  struct SignupForm {
    std::string username;
    std::string plan;
    std::map<std::string, std::string> fieldErrors;
  };
  // The signup form (a message above it: `error`; next to a field: form.fieldErrors).
  core::HttpResponse signupPage(const core::HttpRequest& r, const std::string& error, int status,
                                const SignupForm& form = {});
  // subscriber-add refused a signup: the page for its public code (core/command): invalid-argument
  // and not-found the form with the message at its field, conflict the username taken,
  // failed-precondition (the license's cap, changes frozen) the page saying signups are closed,
  // unavailable the form to try again; each with the code's HTTP status.
  core::HttpResponse signupRefused(const core::HttpRequest& r, const core::Status& refusal, SignupForm form);
  // A POST's CSRF token (and, with needTerms, the accepted terms); false with the visitor's message.
  bool checkForm(const core::HttpRequest& r, const std::map<std::string, std::string>& form, bool needTerms,
                 std::string* error) const;
  core::HttpResponse doLogin(const core::HttpRequest& r, const std::string& user, const std::string& password,
                             const std::map<std::string, std::string>& form);
  core::HttpResponse accept(const core::HttpRequest& r);
  core::HttpResponse signup(const core::HttpRequest& r);
  core::HttpResponse captiveApi(const core::HttpRequest& r);
  std::vector<core::Json> plansNamed(const std::vector<std::string>& names);
  std::vector<core::Json> offeredPlans();
  std::optional<core::Json> clickThroughPlan();

  PortalHost& host_;
  core::Counter& signups_;
  mutable std::mutex settingsMu_;
  PortalSettings settings_;
  std::string address_;
  uint16_t configuredPort_ = 0;
  PortalLogo logo_;
  std::unique_ptr<core::web::Templates> templates_;
  std::unique_ptr<core::web::Frame> frame_;
  std::unique_ptr<core::web::SessionCookie> cookie_;
  std::unique_ptr<core::web::CsrfTokens> csrf_;
  std::unique_ptr<core::HttpServer> server_;
};

}  // namespace edge::portal
