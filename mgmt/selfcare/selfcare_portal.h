// The subscriber self-care portal (issue 24; docs/selfcare.md; ADR 0043): server-rendered pages on
// core/web (the console's stack) at /selfcare/<tenant>/ on mgmtd's admin HTTPS listener, branded per
// tenant (display name and primary colour from its branding), phone first, no script.
//
//   GET  /selfcare/<tenant>/                sign-in, or the dashboard (plan, usage chart, quota, balance)
//   GET  /selfcare/<tenant>/invoices        invoices and credit notes, how to pay the open ones
//   GET  /selfcare/<tenant>/invoice/<id>.pdf  one of them as a PDF (rendered again, ADR 0040)
//   GET  /selfcare/<tenant>/contact         contact details form;  GET .../help
//   POST /selfcare/<tenant>/sign-in         login + password
//   POST /selfcare/<tenant>/code-request    login: a one-time code mailed through the outbox
//   POST /selfcare/<tenant>/code            login + code
//   POST /selfcare/<tenant>/contact         email, phone, address
//   POST /selfcare/<tenant>/pay             invoice: starts the provider's hosted checkout (ADR 0039)
//                                           and shows a link to it (the CSP's form-action is 'self')
//   GET  /selfcare/<tenant>/plan            the plans to move to; POST .../plan-preview (plan): what the
//                                           change costs, from the billing engine; POST .../plan-change
//                                           (plan): the change (subscription-change, ADR 0033)
//   GET  /selfcare/<tenant>/topup           the tenant's top-ups; POST .../topup-buy (product): an
//                                           order and the provider's checkout for it, with its link (ADR 0058)
//   POST /selfcare/<tenant>/sign-out
//
// Contract
// - The caller is decided from the session cookie ("selfcare", Path=/selfcare/, HttpOnly, Secure,
//   SameSite=Strict) before anything else: a POST that needs a signed-in customer of this tenant is
//   refused from its headers (403) before its body is read; every POST's body is at most 8 KiB.
// - A session belongs to one customer of one tenant; another tenant's URL shows that tenant's
//   sign-in, never data. Every read goes through SelfcareService with the session's Account.
// - Every form (the sign-in forms too) carries the CSRF token of the visitor's cookie: without it
//   403 and nothing runs. Refusals are shown next to their field (400).
// - Sessions are mgmtd's to give (core::web::Sessions; mgmtd gives mgmt::access::StoredSessions in
//   its storage, ADR 0051: 30 min idle, 12 h at most, a few per customer), and so is the CSRF key
//   (shared by every replica): a visitor signed in on one mgmtd replica is signed in on all of them,
//   and a form one renders posts to another. A sign-in gets a new session id.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/http_server.h"
#include "core/web/assets.h"
#include "core/web/cookie.h"
#include "core/web/csrf.h"
#include "core/web/page.h"
#include "core/web/session.h"
#include "core/web/template.h"
#include "mgmt/selfcare/selfcare_service.h"
#include "mgmt/selfcare/sign_in_limits.h"

namespace mgmt::selfcare {

class SelfcarePortal {
 public:
  // `sessions` outlives the portal; `csrfKey` is the key of its CSRF tokens (the same on every
  // replica); `storage` keeps the sign-in codes and limits (sign_in_limits.h).
  SelfcarePortal(SelfcareService& service, const core::Clock& clock, store::Storage& storage,
                 core::web::Sessions& sessions, std::string csrfKey);
  ~SelfcarePortal();
  SelfcarePortal(const SelfcarePortal&) = delete;
  SelfcarePortal& operator=(const SelfcarePortal&) = delete;

  core::Status init();
  void addRoutes(core::HttpServer& server);
  void tick(int64_t now);

  static constexpr size_t kMaxFormBytes = 8 * 1024;

 private:
  struct Target {
    std::string tenantKey;  // as in the URL
    std::string rest;       // after "/selfcare/<tenant>/"
  };
  struct Visitor {
    std::string sessionId;
    Account account;
  };
  struct Ctx;  // one request: target, tenant, visitor, csrf

  static std::optional<Target> parse(const std::string& path);
  std::optional<Visitor> visitor(const core::HttpRequest& r, const TenantView& t);
  // A signed-in customer of a white-label reseller sees the reseller's brand (ADR 0064).
  void brand(Ctx& c);
  core::HttpResponse get(const core::HttpRequest& r);
  core::HttpResponse post(const core::HttpRequest& r);
  std::optional<core::HttpResponse> admitPost(const core::HttpRequest& r);

  core::HttpResponse render(Ctx& c, const std::string& tmpl, const std::string& title, core::Json data,
                            std::vector<core::web::Message> messages = {}, int status = 200);
  core::HttpResponse notFound(const core::HttpRequest& r);
  core::HttpResponse signInPage(Ctx& c, core::Json fields, std::vector<core::web::Message> messages, int status);
  core::HttpResponse codePage(Ctx& c, const std::string& login, const std::string& error, int status);
  core::HttpResponse signedIn(Ctx& c, const Account& a);
  core::HttpResponse dashboardPage(Ctx& c);
  core::HttpResponse invoicesPage(Ctx& c, std::vector<core::web::Message> messages, int status);
  core::HttpResponse payPage(Ctx& c, const std::string& invoiceId);
  core::HttpResponse topupPage(Ctx& c, const std::string& error, std::vector<core::web::Message> messages, int status);
  core::HttpResponse topupBuy(Ctx& c, const std::string& product);
  static std::string returnUrl(const Ctx& c, const std::string& page = "invoices");
  core::HttpResponse planPage(Ctx& c, const std::string& selected, const std::string& error,
                              std::vector<core::web::Message> messages, int status);
  core::HttpResponse planChange(Ctx& c, const std::string& plan, bool preview);
  core::HttpResponse contactPage(Ctx& c, core::Json form, core::Json errors, std::vector<core::web::Message> messages,
                                 int status);

  SelfcareService& service_;
  const core::Clock& clock_;
  core::web::Frame frame_;
  std::unique_ptr<core::web::Templates> templates_;
  core::web::Assets assets_;
  core::web::Sessions& sessions_;
  core::web::SessionCookie cookie_;
  core::web::CsrfTokens csrf_;
  SignInLimits limits_;
  int64_t lastExpire_ = 0;
  // The session of the request's cookie; nullopt when none (a storage error is logged and counts as
  // none: the visitor is asked to sign in).
  std::optional<core::web::Session> sessionOf(const core::HttpRequest& r);
};

}  // namespace mgmt::selfcare
