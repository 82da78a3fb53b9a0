// The management web console (issue 23, ADR 0030): server-rendered pages for platform and tenant
// people on core/web (the technician UI's stack: frame, mustache templates, CSRF from the session,
// cookie sessions, embedded assets), served by mgmtd on its admin HTTPS listener beside /api/v1 (the
// API's routes are /api/v1/...; everything else on that listener is the console). The sessions and
// the CSRF key are mgmtd's to give: it gives sessions in its storage and a key shared by every
// replica (ADR 0051), so any mgmtd behind the balancer serves any signed-in person and takes a form
// another one rendered.
//
// Contract
// - Who the visitor is is decided from the session cookie before anything else, and before a POST's
//   body is read (the route's admission): no session, no body. The session keeps the bearer the
//   person signed in with; every request authenticates it again through ConsoleAuth, so a revoked
//   token, a disabled person or a suspended tenant stops at the next click, not at the session's end.
// - Every read and every change is a command of mgmtd's table, called with the visitor's caller
//   (role, tenant scope, label): the console can do nothing the same role could not do through the
//   admin API. Pages hide links a role may not use, but the server decides: a refused command is
//   answered with its HTTP status (403 for a role, 404 for another tenant's id) and no data.
// - Every POST carries the CSRF token of its session (core/web/csrf.h); without it 403, nothing runs.
// - Forms show the command's refusal next to the field it names ("email: ..."), keep what was typed
//   (never a password), and answer 400.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/command/command.h"
#include "core/command/reply.h"
#include "core/http_server.h"
#include "core/web/assets.h"
#include "core/web/cookie.h"
#include "core/web/csrf.h"
#include "core/web/multipart.h"
#include "core/web/page.h"
#include "core/web/session.h"

namespace mgmt::console {

class ImportJobs;  // import_jobs.h

// Who a bearer stands for, as the console needs it.
struct ConsoleUser {
  std::string label;     // shown in the header: an email or "token k-12ab"
  std::string role;      // a role of mgmtd's command table
  std::string tenantId;  // a tenant's people: their tenant
  bool platformLevel = false;  // a platform role (sees every tenant); false: confined to tenantId
  bool person = false;         // signed in by email (not an API token): has an account page
  bool totp = false;           // the person has a second factor
  std::string partnerId;       // a partner's people: their partner (the partner portal, ADR 0057)
  bool platform() const { return platformLevel; }
  bool partner() const { return !partnerId.empty(); }
  core::command::Caller caller(const std::string& origin) const;
};

// What a sign-in gives the session: the bearer every request authenticates, and for a person's
// sign-in session the refresh token that renews the short bearer before it expires.
struct ConsoleSignIn {
  std::string bearer;
  int64_t bearerExpiresAt = 0;  // 0: does not expire on its own (an API token)
  std::string refresh;          // "" for an API token
  ConsoleUser user;
};

// How people sign in; mgmtd wires it to mgmt/access.
struct ConsoleAuth {
  // People: email, password and (when the service asks for one) a TOTP or recovery code.
  // kPermissionDenied (wrong email or password) / kResourceExhausted (locked, the message names the
  // wait) / kFailedPrecondition (a code is needed) / kInvalidArgument naming "email" or "code", or
  // saying why a right password still gives no console (a partner, a platform role without TOTP).
  std::function<core::Result<ConsoleSignIn>(const std::string& email, const std::string& password,
                                            const std::string& code, const std::string& origin)>
      signIn;
  // Integrations: an API token pasted as is.
  std::function<core::Result<ConsoleSignIn>(const std::string& token, const std::string& origin)> login;
  // A new bearer and refresh token for a refresh token; an error ends the console session.
  std::function<core::Result<ConsoleSignIn>(const std::string& refresh, const std::string& origin)> refresh;
  // Who the bearer is now; nullopt when it no longer stands for anyone.
  std::function<core::Result<std::optional<ConsoleUser>>(const std::string& bearer)> authenticate;
  // Ends what the bearer stands for, when it is a sign-in session (not an API token); may be absent.
  std::function<void(const std::string& bearer)> logout;
  // The password-reset link's page: kInvalidArgument "password: ..." / kNotFound (link unknown, used
  // or expired).
  std::function<core::Status(const std::string& linkToken, const std::string& password)> resetPassword;
  // The "forgot password" form: mails a reset link when the address is a person's; ok either way
  // (no enumeration). May be absent.
  std::function<core::Status(const std::string& email, const std::string& origin)> forgotPassword;
  // TOTP enrolment of the person a bearer stands for: begin draws a secret (base32, otpauth URI);
  // confirm checks a code of it (kInvalidArgument "code: ...") and answers the recovery codes.
  std::function<core::Result<std::pair<std::string, std::string>>(const std::string& bearer)> beginTotp;
  std::function<core::Result<std::vector<std::string>>(const std::string& bearer, const std::string& code)> confirmTotp;
};

// The public signup on the console (signup_pages.cpp), wired by mgmtd to the same gate and service
// as POST /api/v1/signup (mgmt/api/signup_api.h, ADR 0037).
struct ConsoleSignup {
  // Takes one signup request from the client address's bucket: "" to go ahead, or the refusal.
  std::function<std::string(const std::string& remote)> admit;
  // The fields' first problem without storing anything (kInvalidArgument "field: ..."), so the form
  // can show every field's message at once.
  std::function<core::Status(const core::Json& fields)> check;
  // The form's fields as a JSON object (every value a string): the signup's answer, or
  // kInvalidArgument "field: ..." / kResourceExhausted (a cap; the message says which).
  std::function<core::Result<core::Json>(const core::Json& fields, const std::string& remote)> submit;
  // The emailed link's secret -> {"tenant", "job", ...}; kNotFound / kFailedPrecondition (expired).
  std::function<core::Result<core::Json>(const std::string& token)> verify;
  // A provisioning job's progress -> {"state", "percent", "log", ...}; kNotFound.
  std::function<core::Result<core::Json>(const std::string& job)> job;
  // The choices of the form's selects: [{"value", "text"}].
  core::Json tiers = core::Json::array();
  core::Json scenarios = core::Json::array();
};

// The public partner application form (partner_apply_pages.cpp, ADR 0055), wired by mgmtd to the
// signup gate's address bucket and the partner programme's service.
struct ConsolePartnerApply {
  // Takes one request from the client address's bucket: "" to go ahead, or the refusal.
  std::function<std::string(const std::string& remote)> admit;
  // The fields' first problem without storing anything (kInvalidArgument "field: ...").
  std::function<core::Status(const core::Json& fields)> check;
  // The application from `remote`: its answer, or kInvalidArgument "field: ..." / kResourceExhausted.
  std::function<core::Result<core::Json>(const core::Json& fields, const std::string& remote)> submit;
  core::Json types = core::Json::array();  // the type select's choices: [{"value", "text"}]
  // A visit through a referral link (ADR 0065): the partner's {"name", "code", "level", "tenant",
  // "window-days"} after recording it for `remote`; kNotFound for a code no active partner has.
  std::function<core::Result<core::Json>(const std::string& code, const std::string& remote)> visit;
  // The referral link's limit per client address (ADR 0073), drawn before anything is looked up: 0 to
  // go ahead (one visit taken from the address's bucket), else the seconds to wait (answered 429 with
  // Retry-After, nothing recorded). Without it visits are not limited here.
  std::function<int64_t(const std::string& remote)> visitAdmit;
};

struct ConsoleOptions {
  std::string title = "mgmt console";
  // What mgmtd gives the sessions it hands the console: 30 min idle, 12 h at most, 20 per person.
  core::web::SessionLimits sessions{4096, 30 * 60, 12 * 3600, 20};
};

class Console {
 public:
  // `sessions` outlives the console; `csrfKey` keys its CSRF tokens (the same on every replica).
  Console(core::command::Table& commands, ConsoleAuth auth, core::web::Sessions& sessions, std::string csrfKey,
          ConsoleOptions options = {});
  ~Console();
  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;

  // Loads the templates (one that does not parse is a bug: internal).
  core::Status init();
  // The public signup pages (before addRoutes); without it /signup says signups are closed.
  void setSignup(ConsoleSignup signup) { signup_ = std::move(signup); }
  // The public partner application form; without it /partners/apply says applications are closed.
  void setPartnerApply(ConsolePartnerApply apply) { partnerApply_ = std::move(apply); }
  // Whose brand a signed-in visitor's header shows (ADR 0064): mgmtd gives a tenant's people their
  // tenant's name, uploaded logo and colour, a partner's people their partner's white label (or its
  // tenant's). The platform's people, and every visitor without it, see the console's own title.
  using BrandOf = std::function<core::Result<core::web::Branding>(const ConsoleUser& user)>;
  void setBrand(BrandOf brandOf) { brandOf_ = std::move(brandOf); }
  // The pages, forms and static files.
  void addRoutes(core::HttpServer& server);
  // Purges expired sessions (once a minute); from the daemon's loop.
  void tick(int64_t now);

  struct Visitor {
    core::web::Session session;
    ConsoleUser user;
    std::string csrf;
    std::string origin;
  };

 private:
  int64_t now() const;
  std::optional<Visitor> visitor(const core::HttpRequest& request);
  // The session of `id`; nullopt when none (a storage error is logged and counts as none).
  std::optional<core::web::Session> sessionOf(const std::string& id);
  // Replaces a session's data when nothing changed it since it was read (logged when not).
  bool saveSession(const core::web::Session& s, const core::Json& data);
  bool may(const Visitor& v, const std::string& command) const;
  core::ControlReply run(const Visitor& v, const std::string& command, const core::Json& args);

  core::HttpResponse page(const Visitor& v, const std::string& tmpl, const std::string& title, core::Json data,
                          std::vector<core::web::Message> messages = {}, int status = 200);
  core::HttpResponse refuse(const Visitor& v, const core::ControlReply& reply);
  // A POST from no signed-in visitor: 403 with the way to the sign-in page.
  static core::HttpResponse signInFirst();
  // A form without a valid CSRF token (expired, or from another site): 403, nothing done.
  core::HttpResponse formRefused(const Visitor& v);
  struct LoginForm {
    std::string email, emailError, passwordError, code, codeError, tokenError;
    bool askCode = false;
  };
  core::HttpResponse loginPage(const core::HttpRequest& r, const LoginForm& form, int status);
  core::HttpResponse loginPost(const core::HttpRequest& r);
  core::HttpResponse signedIn(const core::HttpRequest& r, const ConsoleSignIn& in);
  core::HttpResponse resetPage(const core::HttpRequest& r, const std::string& token, const std::string& error,
                               const std::string& done, int status);
  core::HttpResponse resetPost(const core::HttpRequest& r);
  core::HttpResponse logoutPost(const core::HttpRequest& r, const Visitor& v);

  // console_pages.cpp
  // The tenant a page is about: a tenant's own (the query's is ignored), or the platform's choice
  // (?tenant=ID), "" when the platform named none.
  std::string tenantOf(const core::HttpRequest& r, const Visitor& v) const;
  core::Json tenantArgs(const core::HttpRequest& r, const Visitor& v) const;
  core::HttpResponse home(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse tenantsPage(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse dashboardPage(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse devicesPage(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse plansPage(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse customersPage(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse customerPage(const core::HttpRequest& r, const Visitor& v, core::Json form = nullptr,
                                  std::vector<core::web::Message> messages = {}, int status = 200);
  core::HttpResponse customerPost(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse customerDelete(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse sessionsPage(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse tokensPage(const core::HttpRequest& r, const Visitor& v);

  // people_pages.cpp: staff and roles, API tokens made and revoked, the audit log, the person's own
  // second factor, the "forgot password" form, and the tenant's settings (branding).
  using PageHandler = std::function<core::HttpResponse(const core::HttpRequest&, const Visitor&)>;
  using PageRoute = std::function<void(const std::string& path, PageHandler)>;
  void addPeopleRoutes(core::HttpServer& server, const PageRoute& get, const PageRoute& post,
                       const core::HttpRouteLimits& anonymous);
  core::HttpResponse peoplePage(const core::HttpRequest& r, const Visitor& v, core::Json form = nullptr,
                                std::vector<core::web::Message> messages = {}, int status = 200);
  core::HttpResponse personInvite(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse personSet(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse tokensView(const Visitor& v, const std::string& tenant, core::Json form,
                                std::vector<core::web::Message> messages, int status);
  core::HttpResponse tokenCreate(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse tokenRevoke(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse auditPage(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse auditCsv(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse accountPage(const core::HttpRequest& r, const Visitor& v, core::Json extra = nullptr,
                                 std::vector<core::web::Message> messages = {}, int status = 200);
  core::HttpResponse totpBegin(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse totpConfirm(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse forgotPage(const core::HttpRequest& r, const std::string& email, const std::string& error,
                                bool sent, int status);
  core::HttpResponse forgotPost(const core::HttpRequest& r);
  core::HttpResponse settingsPage(const core::HttpRequest& r, const Visitor& v, core::Json form = nullptr,
                                  std::vector<core::web::Message> messages = {}, int status = 200);
  core::HttpResponse settingsPost(const core::HttpRequest& r, const Visitor& v);
  // logo_pages.cpp: the logo's upload (multipart/form-data, its own admission and body limit) and
  // removal, through branding-logo-set/clear.
  static core::web::MultipartLimits logoFormLimits();
  core::HttpResponse logoPost(const core::HttpRequest& r);
  core::HttpResponse logoClear(const core::HttpRequest& r, const Visitor& v);

  // dunning_pages.cpp: the tenant's dunning steps, who is in dunning, the latest moves (ADR 0047).
  core::HttpResponse dunningPage(const core::HttpRequest& r, const Visitor& v, core::Json form = nullptr,
                                 std::vector<core::web::Message> messages = {}, int status = 200);
  core::HttpResponse dunningPost(const core::HttpRequest& r, const Visitor& v);

  // report_pages.cpp: Reports (issue 24): revenue by month (MRR, ARPU, churned revenue), aging and the
  // tax report as server-drawn charts with their tables, each as a CSV download.
  void addReportRoutes(const PageRoute& get);
  core::HttpResponse reportsPage(const core::HttpRequest& r, const Visitor& v);
  // payment_pages.cpp: payments received, one payment, and the refund form of an online payment over
  // refund-create (its idempotency key drawn when the form is shown: submitted twice, refunded once).
  void addPaymentRoutes(const PageRoute& get, const PageRoute& post);
  core::HttpResponse paymentsPage(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse paymentPage(const core::HttpRequest& r, const Visitor& v, core::Json form = nullptr,
                                 std::vector<core::web::Message> messages = {}, int status = 200);
  core::HttpResponse refundPost(const core::HttpRequest& r, const Visitor& v);

  // subscription_pages.cpp: what a tenant pays the platform (ADR 0071): its subscription, invoices
  // and one invoice's lines, monthly or annual; the platform's list of every tenant's bill.
  core::HttpResponse subscriptionPage(const core::HttpRequest& r, const Visitor& v,
                                      std::vector<core::web::Message> messages = {}, int status = 200);
  core::HttpResponse subscriptionPost(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse platformInvoicePage(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse tenantBillingPage(const core::HttpRequest& r, const Visitor& v);

  // firmware_pages.cpp: the catalog, rollouts with their rings' progress, one rollout's boxes,
  // pause/resume/abort, the tenant's maintenance window (ADR 0052).
  core::HttpResponse firmwarePage(const core::HttpRequest& r, const Visitor& v, core::Json form = nullptr,
                                  std::vector<core::web::Message> messages = {}, int status = 200);
  core::HttpResponse firmwarePost(const core::HttpRequest& r, const Visitor& v);

  // import_pages.cpp: the tenant's import batches and their rollback (issue 30, ADR 0049).
  // The dry run from an uploaded file (multipart/form-data, its own body limit): the risk report and
  // what the tenant would get, nothing written.
  core::HttpResponse importsPage(const core::HttpRequest& r, const Visitor& v, std::vector<core::web::Message> messages = {},
                                 int status = 200, core::Json form = nullptr);
  core::HttpResponse importsPost(const core::HttpRequest& r, const Visitor& v);
  static core::web::MultipartLimits importFormLimits();
  core::HttpResponse importDryRunPost(const core::HttpRequest& r);
  // The same upload applied as a batch by a background job (ADR 0075): 303 to the page of its
  // progress (?batch=), which looks again by itself while it runs.
  core::HttpResponse importApplyPost(const core::HttpRequest& r);
  // The upload's form read (CSRF checked), mapped and answered with the page and its field errors
  // when it is not usable; the dry run and the apply share it.
  struct ImportUpload;
  std::optional<core::HttpResponse> readImportUpload(const core::HttpRequest& r, const Visitor& v, ImportUpload& out);
  // The Imports page again for the tenant the form named, with what was typed and the fields'
  // errors (or the dry run's report).
  core::HttpResponse importFormAgain(const core::HttpRequest& r, const Visitor& v, const std::string& tenant,
                                     const core::Json& values, core::Json errors, int status,
                                     core::Json report = nullptr);

  // partner_apply_pages.cpp: the public partner application form and its "received" page.
  void addPartnerApplyRoutes(core::HttpServer& server, const core::HttpRouteLimits& anonymous);
  core::HttpResponse partnerApplyPage(const core::HttpRequest& r, const core::Json& form, const core::Json& errors,
                                      std::vector<core::web::Message> messages, int status);
  core::HttpResponse partnerApplyPost(const core::HttpRequest& r);

  // alert_pages.cpp: a tenant's alerts in their groups with their impact, acknowledging one, planned
  // maintenance (the form), the notification log (issue 26, ADR 0054 and 0059).
  core::HttpResponse alertsPage(const core::HttpRequest& r, const Visitor& v, core::Json form = nullptr,
                                std::vector<core::web::Message> messages = {}, int status = 200);
  core::HttpResponse alertsPost(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse notificationsPage(const core::HttpRequest& r, const Visitor& v);
  // network_pages.cpp: the boxes' network devices; who is told of outages and by what channel.
  core::HttpResponse networkPage(const core::HttpRequest& r, const Visitor& v, core::Json form = nullptr,
                                 std::vector<core::web::Message> messages = {}, int status = 200);
  core::HttpResponse networkPost(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse notifySettingsPage(const core::HttpRequest& r, const Visitor& v, core::Json form = nullptr,
                                        std::vector<core::web::Message> messages = {}, int status = 200);
  core::HttpResponse notifySettingsPost(const core::HttpRequest& r, const Visitor& v);
  // insight_pages.cpp: the platform's tenant health (distribution, factors, churn and upsell lists)
  // and a tenant's retention and upsell lists (issue 26, ADR 0059).
  core::HttpResponse healthPage(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse insightPage(const core::HttpRequest& r, const Visitor& v);

  // signup_pages.cpp: the public signup form, "check your mail", the emailed link's landing and its
  // provisioning progress; the demo owner's conversion to paid; the platform's signup funnel.
  void addSignupRoutes(
      core::HttpServer& server,
      const std::function<void(const std::string&, std::function<core::HttpResponse(const core::HttpRequest&, const Visitor&)>)>& get,
      const std::function<void(const std::string&, std::function<core::HttpResponse(const core::HttpRequest&, const Visitor&)>)>& post,
      const core::HttpRouteLimits& anonymous);
  core::HttpResponse publicPage(const core::HttpRequest& r, const std::string& tmpl, const std::string& title,
                                core::Json data, std::vector<core::web::Message> messages, int status);
  core::HttpResponse signupPage(const core::HttpRequest& r, const core::Json& form, const core::Json& errors,
                                std::vector<core::web::Message> messages, int status);
  core::HttpResponse signupPost(const core::HttpRequest& r);
  core::HttpResponse signupVerify(const core::HttpRequest& r);
  core::HttpResponse signupProgress(const core::HttpRequest& r);
  core::HttpResponse convertPage(const core::HttpRequest& r, const Visitor& v, core::Json form = nullptr,
                                 core::Json errors = nullptr, std::vector<core::web::Message> messages = {},
                                 int status = 200);
  core::HttpResponse convertPost(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse funnelPage(const core::HttpRequest& r, const Visitor& v);

  // partner_pages.cpp: the partner portal (earnings with a 12-month chart, statements line by line,
  // payouts, customers and leads) for a partner's people, and for the admins who manage the partner
  // (?partner=ID); the Partners list; inviting a partner's person (ADR 0057).
  void addPartnerRoutes(const PageRoute& get, const PageRoute& post);
  core::Json partnerArgs(const core::HttpRequest& r, const Visitor& v) const;
  std::optional<core::HttpResponse> partnerHead(const core::HttpRequest& r, const Visitor& v, const std::string& current,
                                                core::Json& data);
  core::HttpResponse partnersPage(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse partnerPage(const core::HttpRequest& r, const Visitor& v, core::Json form = nullptr,
                                 std::vector<core::web::Message> messages = {}, int status = 200);
  core::HttpResponse partnerInvite(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse partnerStatementPage(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse partnerPayoutsPage(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse partnerCustomersPage(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse partnerHealthPage(const core::HttpRequest& r, const Visitor& v);  // ADR 0073

  // partner_admin_pages.cpp: managing the programme (ADR 0055, 0065): applications (approve, reject
  // with a reason), territories with the conflict rules' words, agreement versions and who accepted
  // them, the tier review and its scheduled last run. The platform names a tenant with ?tenant=ID.
  void addPartnerAdminRoutes(const PageRoute& get, const PageRoute& post);
  // The management pages' tabs and scope (args: {"tenant"} when the platform named one); refuses a
  // partner's people (403).
  std::optional<core::HttpResponse> partnerAdminHead(const core::HttpRequest& r, const Visitor& v,
                                                     const std::string& current, core::Json& data, core::Json& args);
  core::HttpResponse applicationsPage(const core::HttpRequest& r, const Visitor& v, core::Json form = nullptr,
                                      std::vector<core::web::Message> messages = {}, int status = 200);
  core::HttpResponse applicationDecide(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse territoriesPage(const core::HttpRequest& r, const Visitor& v, core::Json form = nullptr,
                                     std::vector<core::web::Message> messages = {}, int status = 200);
  core::HttpResponse territoryAdd(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse territoryRemove(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse agreementsPage(const core::HttpRequest& r, const Visitor& v, core::Json form = nullptr,
                                    std::vector<core::web::Message> messages = {}, int status = 200);
  core::HttpResponse agreementPublish(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse tiersPage(const core::HttpRequest& r, const Visitor& v);
  // partner_apply_pages.cpp: a visit through a partner's referral link (public, /ref?code=...).
  core::HttpResponse referralVisit(const core::HttpRequest& r);

  // brand_pages.cpp: a partner's white-label brand (name, colours, logo) for its people and its
  // managers (ADR 0064), through partner-brand-show/-set/-logo-set/-logo-clear.
  void addBrandRoutes(core::HttpServer& server, const PageRoute& get, const PageRoute& post,
                      const core::HttpRouteLimits& upload);
  core::HttpResponse partnerBrandPage(const core::HttpRequest& r, const Visitor& v, core::Json form = nullptr,
                                      std::vector<core::web::Message> messages = {}, int status = 200);
  core::HttpResponse partnerBrandPost(const core::HttpRequest& r, const Visitor& v);
  core::HttpResponse partnerLogoPost(const core::HttpRequest& r);
  core::HttpResponse partnerLogoClear(const core::HttpRequest& r, const Visitor& v);
  // The header's brand for a visitor (the console's title when none).
  core::web::Branding brandFor(const Visitor& v) const;

  BrandOf brandOf_;
  ConsoleSignup signup_;
  ConsolePartnerApply partnerApply_;
  core::command::Table& commands_;
  ConsoleAuth auth_;
  ConsoleOptions options_;
  core::web::Frame frame_;
  std::unique_ptr<core::web::Templates> templates_;
  core::web::Assets assets_;
  core::web::Sessions& sessions_;
  core::web::SessionCookie cookie_;
  core::web::CsrfTokens csrf_;
  int64_t lastExpire_ = 0;
  std::unique_ptr<ImportJobs> importJobs_;  // last member: stopped first
};

}  // namespace mgmt::console
