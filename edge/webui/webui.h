// The field technician's web UI (issue 22): server-rendered pages on edged's HTTPS admin listener,
// built on core/web (frame, templates, CSRF, cookie sessions, embedded assets) with htmx, uPlot and
// pico vendored from npm at build time (edge/webui/vendor): nothing comes from a CDN, every page
// works with the WAN down and on a phone.
//
// Contract
// - Whoever is not signed in gets the login page; a signed-in person's role is the role of their
//   account at sign-in (a change of role or password, or a deleted account, ends their sessions).
// - Every action a page offers dispatches through edged's command table with the person's role
//   (core::command::Caller{role, "", name}): the UI can do nothing that role could not do through the
//   control socket, whatever a page shows or hides. A refused command answers with its HTTP status
//   (403 for a role that may not, 400 for bad input, ...).
// - Every POST carries the CSRF token of its session (core/web/csrf.h); without it: 403, nothing runs.
// - Every change (a command whose effect is not read), every refusal of one, every sign-in, failed
//   sign-in and sign-out is an audit event through host.audit (edged's event log: `edgectl events`):
//   who, what (secrets left out), and from which address; the event's time is the log's own.
// - Handlers run on the HTTP server's thread; the samples for the charts are taken by tick().
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/command/command.h"
#include "core/command/reply.h"
#include "core/http_server.h"
#include "core/web/assets.h"
#include "core/web/cookie.h"
#include "core/web/csrf.h"
#include "core/web/page.h"
#include "core/web/session.h"
#include "edge/webui/accounts.h"

namespace edge::webui {

// What the charts of the overview show, sampled by tick().
struct Sample {
  int64_t at = 0;              // unix seconds
  int64_t sessionsOnline = 0;  // gauge
  int64_t authRequests = 0;    // running totals; the chart shows the rate between samples
  int64_t acctRequests = 0;
};

// What edged gives the UI.
struct WebUiHost {
  core::command::Table* commands = nullptr;
  AccountService* accounts = nullptr;
  // Writes one audit event (kind, detail) to the appliance's event log.
  std::function<void(const std::string& kind, const std::string& detail)> audit;
  // The current counters for the charts (at is filled by tick()).
  std::function<Sample()> sample;
  std::function<int64_t()> now;  // unix seconds; absent: the system clock
  // Diagnostics (edge/diagnostics): hands `sink` the output of the run `id` that `owner` started (the
  // lines so far, then each new one, then "end"; an empty event is a keep-alive), until sink returns
  // false; false when `owner` has no such run. Absent: no diagnostics.
  std::function<bool(const std::string& id, const std::string& owner,
                     std::function<bool(const std::string& event, const std::string& data)> sink)>
      followRun;
};

struct WebUiOptions {
  std::string title = "edged";  // the header of every page (the box's name)
  core::web::SessionLimits sessions{256, 30 * 60, 12 * 3600};
  int64_t sampleSeconds = 10;   // one chart point every this many seconds
  size_t samplesKept = 360;     // an hour of them
  bool gateway = false;         // the hotspot gateway is enabled: the Gateway page
};

class WebUi {
 public:
  WebUi(WebUiHost host, WebUiOptions options = {});
  ~WebUi();
  WebUi(const WebUi&) = delete;
  WebUi& operator=(const WebUi&) = delete;

  // Loads the templates (a template that does not parse is a bug: internal).
  core::Status init();
  // The pages, forms and static files, on the HTTPS server.
  void addRoutes(core::HttpServer& server);
  // Takes a chart sample when one is due; expires idle sessions. From the daemon's loop.
  void tick(int64_t now);

  size_t sessions() const { return sessions_.size(); }

  // A signed-in person on this request.
  struct Visitor {
    core::web::Session session;
    std::string role;
    std::string csrf;
  };

 private:
  int64_t now() const;
  std::optional<Visitor> visitor(const core::HttpRequest& request);
  bool may(const std::string& role, const std::string& command) const;
  core::ControlReply run(const Visitor& v, const core::HttpRequest& request, const std::string& command,
                         const core::Json& arguments);
  void audit(const std::string& kind, const Visitor* v, const core::HttpRequest& request, const std::string& what);

  // A page for a signed-in visitor: "page" is the template, data its data (nav, csrf, role added).
  core::HttpResponse page(const Visitor& v, const std::string& tmpl, const std::string& title, core::Json data,
                          std::vector<core::web::Message> messages = {}, int status = 200);
  core::HttpResponse fragment(const std::string& tmpl, const core::Json& data);
  core::HttpResponse refuse(const Visitor& v, const core::ControlReply& reply);

  // Route bodies (webui_pages.cpp): signed-in only, POSTs with a verified CSRF token.
  core::HttpResponse loginPage(const core::HttpRequest& r, const std::string& error, int status,
                               const std::string& username = "");
  core::HttpResponse loginPost(const core::HttpRequest& r);
  core::HttpResponse logoutPost(const core::HttpRequest& r, const Visitor& v);
  // webui_overview.cpp
  core::HttpResponse overview(const Visitor& v, bool fragmentOnly);
  core::Json overviewData(const Visitor& v);  // the figures, read at most every 2 s for everyone
  core::HttpResponse series();
  core::HttpResponse subscribers(const core::HttpRequest& r, const Visitor& v, bool fragmentOnly);
  core::HttpResponse subscriber(const core::HttpRequest& r, const Visitor& v, std::vector<core::web::Message> messages = {},
                                core::Json formErrors = core::Json::object(), int status = 200);
  core::HttpResponse subscriberPost(const core::HttpRequest& r, const Visitor& v, const std::string& action);
  // webui_subscribers.cpp: the chart data of a subscriber's page.
  core::HttpResponse subscriberUsage(const core::HttpRequest& r, const Visitor& v);
  // webui_gateway.cpp
  core::HttpResponse gatewayPage(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse sessionsPage(const core::HttpRequest& r, const Visitor& v,
                                  std::vector<core::web::Message> messages = {}, int status = 200);
  core::HttpResponse sessionPost(const core::HttpRequest& r, const Visitor& v, const std::string& command);
  core::HttpResponse nasPage(const Visitor& v, std::vector<core::web::Message> messages = {},
                             core::Json form = core::Json::object(), int status = 200);
  core::HttpResponse nasPost(const core::HttpRequest& r, const Visitor& v, const std::string& action);
  core::HttpResponse eventsPage(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse plansPage(const core::HttpRequest& r, const Visitor& v);
  // webui_vouchers.cpp
  core::HttpResponse vouchersPage(const core::HttpRequest& r, const Visitor& v,
                                  std::vector<core::web::Message> messages = {}, core::Json form = core::Json::object(),
                                  int status = 200);
  core::HttpResponse voucherPost(const core::HttpRequest& r, const Visitor& v, const std::string& action);
  core::HttpResponse voucherSheet(const core::HttpRequest& r, const Visitor& v);
  // webui_diagnostics.cpp
  core::HttpResponse diagnosticsPage(const Visitor& v, core::Json result = core::Json::object(),
                                     std::vector<core::web::Message> messages = {}, int status = 200);
  core::HttpResponse diagnosticsPost(const core::HttpRequest& r, const Visitor& v, const std::string& action);
  core::HttpResponse diagnosticsStream(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse diagnosticsCapture(const core::HttpRequest& r, const Visitor& v);
  // A past run's output (diag-output), and the list of recent runs for the page (diag-runs).
  core::HttpResponse diagnosticsOutput(const core::HttpRequest& r, const Visitor& v);
  core::Json recentRuns(const Visitor& v);

  // webui_account.cpp: My account (own password, TOTP enrollment) and the sign-in code step;
  // webui_settings.cpp: Settings (config-show, config-reload) and the support bundle;
  // webui_events.cpp: the events page's follow-live stream.
  using PageHandler = std::function<core::HttpResponse(const core::HttpRequest&, const Visitor&)>;
  using RouteAdder = std::function<void(const std::string& path, PageHandler)>;
  void addAccountRoutes(core::HttpServer& server, const RouteAdder& get, const RouteAdder& post);
  void addSettingsRoutes(const RouteAdder& get, const RouteAdder& post);
  // webui_certificates.cpp: Certificates (certs; eap-install and eap-crl for an admin).
  void addCertificatesRoutes(const RouteAdder& get, const RouteAdder& post);
  core::HttpResponse certificatesPage(const core::HttpRequest& r, const Visitor& v,
                                      std::vector<core::web::Message> messages = {}, core::Json form = core::Json::object(),
                                      int status = 200);
  core::HttpResponse certificatesPost(const core::HttpRequest& r, const Visitor& v, const std::string& action);
  // webui_users.cpp: Accounts (user-list, user-add/set/unlock/del with the visitor's role).
  void addUsersRoutes(const RouteAdder& get, const RouteAdder& post);
  core::HttpResponse usersPage(const core::HttpRequest& r, const Visitor& v, std::vector<core::web::Message> messages = {},
                               core::Json form = core::Json::object(), int status = 200);
  core::HttpResponse userPage(const core::HttpRequest& r, const Visitor& v, const std::string& username,
                              std::vector<core::web::Message> messages = {}, core::Json errors = core::Json::object(),
                              int status = 200);
  core::HttpResponse userPost(const core::HttpRequest& r, const Visitor& v, const std::string& action);
  core::HttpResponse codePage(const core::HttpRequest& r, const std::string& sessionId, const std::string& error,
                              int status, core::HttpResponse base = {});
  core::HttpResponse startCodeStep(const core::HttpRequest& r, const Account& account);
  core::HttpResponse loginCodePost(const core::HttpRequest& r);
  core::HttpResponse accountPage(const Visitor& v, std::vector<core::web::Message> messages = {},
                                 core::Json errors = core::Json::object(), int status = 200);
  core::HttpResponse totpEnrollPage(const Visitor& v, const std::string& secretText, const std::string& error, int status);
  core::HttpResponse accountPost(const core::HttpRequest& r, const Visitor& v, const std::string& action);
  core::HttpResponse settingsPage(const core::HttpRequest& r, const Visitor& v, std::vector<core::web::Message> messages = {},
                                  const std::string& reloadError = "", int status = 200);
  core::HttpResponse settingsReload(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse supportBundle(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse eventsFollow(const core::HttpRequest& r, const Visitor& v);
  // Sends the events logged since the last call to each follower whose filter they match; pings.
  void followEvents(int64_t now);
  struct Follower {
    std::shared_ptr<core::HttpStream> stream;
    std::string kind;    // as the events command takes it
    std::string search;  // part of the detail, case-insensitive
    int64_t after = 0;   // the newest event id it has
  };
  std::mutex followersMu_;
  std::vector<Follower> followers_;
  int64_t lastFollowPing_ = 0;

  WebUiHost host_;
  WebUiOptions options_;
  core::web::Frame frame_;
  std::unique_ptr<core::web::Templates> templates_;
  core::web::Assets assets_;
  core::web::SessionTable sessions_;
  core::web::SessionCookie cookie_;
  core::web::CsrfTokens csrf_;
  mutable std::mutex samplesMu_;
  std::deque<Sample> samples_;
  std::mutex overviewMu_;
  core::Json overviewCache_;  // overviewData's last reading, taken at overviewAt_
  int64_t overviewAt_ = 0;
  int64_t lastExpire_ = 0;
};

}  // namespace edge::webui
