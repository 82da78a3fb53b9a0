#include "mgmt/selfcare/selfcare_portal.h"

#include <cctype>
#include <map>

#include "core/log.h"
#include "core/units.h"
#include "core/web/embedded_files.h"
#include "core/web/form.h"
#include "mgmt/selfcare/selfcare_files.h"
#include "mgmt/selfcare/usage_chart.h"

namespace mgmt::selfcare {

namespace {

using core::HttpRequest;
using core::HttpResponse;
using core::Json;
using core::web::Field;
using core::web::Message;

constexpr const char* kPrefix = "/selfcare/";

core::web::FrameOptions frameOptions() {
  core::web::FrameOptions o;
  o.stylesheets = {"/selfcare/static/pico.classless.min.css", "/selfcare/static/webui.css",
                   "/selfcare/static/selfcare.css"};
  // No script at all; the tenant's colour goes in through the frame's inline style.
  o.contentSecurityPolicy =
      "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
      "frame-ancestors 'none'; base-uri 'none'";
  return o;
}

std::string baseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool tenantKeyOk(const std::string& k) {
  if (k.empty() || k.size() > 64) return false;
  for (char ch : k)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_' && ch != '.') return false;
  return true;
}

std::string fieldOf(const std::map<std::string, std::string>& form, const char* name) {
  auto it = form.find(name);
  return it == form.end() ? std::string() : it->second;
}

// "email: not an email address" -> ("email", "not an email address").
std::pair<std::string, std::string> splitField(const std::string& message) {
  size_t colon = message.find(": ");
  if (colon == std::string::npos || colon > 16) return {"", message};
  return {message.substr(0, colon), message.substr(colon + 2)};
}

HttpResponse forbidden(const std::string& text) {
  HttpResponse r;
  r.status = 403;
  r.contentType = "text/plain; charset=utf-8";
  r.body = text + "\n";
  return r;
}

}  // namespace

struct SelfcarePortal::Ctx {
  const HttpRequest& r;
  Target target;
  TenantView tenant;
  std::optional<Visitor> visitor;
  std::string cookieId;  // the visitor's cookie id (signed in or not): the CSRF token's key
  HttpResponse base;     // headers to send (a new anonymous cookie)
  std::string baseUrl() const { return std::string(kPrefix) + target.tenantKey + "/"; }
};

SelfcarePortal::SelfcarePortal(SelfcareService& service, const core::Clock& clock, store::Storage& storage,
                               core::web::Sessions& sessions, std::string csrfKey)
    : service_(service),
      clock_(clock),
      frame_(frameOptions()),
      templates_(std::make_unique<core::web::Templates>()),
      sessions_(sessions),
      cookie_(core::web::CookieOptions{"selfcare", "/selfcare/", 0}),
      csrf_(std::move(csrfKey)),
      limits_(storage) {}

SelfcarePortal::~SelfcarePortal() = default;

core::Status SelfcarePortal::init() {
  EDGE_RETURN_IF_ERROR(templates_->addFiles(core::web::coreWebFiles()));
  EDGE_RETURN_IF_ERROR(templates_->addFiles(selfcareTemplates()));
  for (const core::web::EmbeddedFiles& files : {selfcareVendorFiles(), selfcareSharedFiles(), selfcareStaticFiles()})
    for (const core::web::EmbeddedFile& f : files)
      assets_.add("/selfcare/static/" + baseName(f.path), std::string(reinterpret_cast<const char*>(f.data), f.size));
  return core::Status::ok();
}

void SelfcarePortal::tick(int64_t now) {
  if (now - lastExpire_ < 60) return;
  lastExpire_ = now;
  if (core::Result<size_t> n = sessions_.purge(now); !n.isOk())
    core::logWarning("selfcare: expired sessions not purged: ", n.status().toString());
  if (core::Status s = limits_.purge(now); !s.isOk())
    core::logWarning("selfcare: expired sign-in codes not purged: ", s.toString());
}

std::optional<core::web::Session> SelfcarePortal::sessionOf(const HttpRequest& r) {
  const std::string id = cookie_.idOf(r);
  if (id.empty()) return std::nullopt;
  core::Result<std::optional<core::web::Session>> s = sessions_.find(id, clock_.unixSeconds());
  if (!s.isOk()) {
    core::logWarning("selfcare: a session could not be read: ", s.status().toString());
    return std::nullopt;
  }
  return *s;
}

std::optional<SelfcarePortal::Target> SelfcarePortal::parse(const std::string& path) {
  const std::string prefix = kPrefix;
  if (path.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  const size_t slash = path.find('/', prefix.size());
  Target t;
  if (slash == std::string::npos) {
    t.tenantKey = path.substr(prefix.size());
    t.rest = "";
  } else {
    t.tenantKey = path.substr(prefix.size(), slash - prefix.size());
    t.rest = path.substr(slash + 1);
  }
  if (!tenantKeyOk(t.tenantKey)) return std::nullopt;
  return t;
}

std::optional<SelfcarePortal::Visitor> SelfcarePortal::visitor(const HttpRequest& r, const TenantView& t) {
  std::optional<core::web::Session> s = sessionOf(r);
  // A session is one customer of one tenant: at another tenant's address it is nobody.
  if (!s || s->data.value("tenant", "") != t.id) return std::nullopt;
  Visitor v;
  v.sessionId = s->id;
  v.account.tenantId = t.id;
  v.account.username = s->data.value("username", "");
  v.account.customerId = s->data.value("customer", "");
  v.account.email = s->data.value("email", "");
  v.account.name = s->data.value("name", "");
  return v;
}

void SelfcarePortal::brand(Ctx& c) {
  if (!c.visitor) return;
  if (core::Status s = service_.brandFor(c.visitor->account, c.tenant); !s.isOk())
    core::logWarning("selfcare: the brand of ", c.visitor->account.key(), " could not be read: ", s.message());
}

HttpResponse SelfcarePortal::render(Ctx& c, const std::string& tmpl, const std::string& title, Json data,
                                    std::vector<Message> messages, int status) {
  const std::string base = c.baseUrl();
  data["base"] = base;
  data["brand"] = c.tenant.displayName;
  data["csrf"] = csrf_.tokenFor(c.cookieId);
  if (c.visitor) {
    struct Link {
      const char* href;
      const char* text;
      const char* tmpl;
    };
    static const Link links[] = {{"", "Account", "dashboard"}, {"invoices", "Invoices", "invoices"},
                                 {"plan", "Change plan", "plan"}, {"topup", "Top-ups", "topup"},
                                 {"contact", "Contact details", "contact"}, {"help", "Help", "help"}};
    Json nav = Json::array();
    for (const Link& l : links) nav.push_back({{"href", base + l.href}, {"text", l.text}, {"current", tmpl == l.tmpl}});
    data["nav"] = nav;
    data["signedIn"] = true;
    data["who"] = c.visitor->account.name.empty() ? c.visitor->account.username : c.visitor->account.name;
  }
  core::web::Page p;
  p.title = title;  // the frame adds the tenant's name after it
  p.messages = std::move(messages);
  p.status = status;
  core::Result<std::string> body = templates_->render(tmpl, data);
  if (!body.isOk()) {
    core::logWarning("selfcare: page ", tmpl, " could not be rendered: ", body.status().message());
    p.status = 500;
    p.messages = {Message::error("This page could not be shown.")};
  } else {
    p.body = *body;
  }
  core::web::Branding b{c.tenant.displayName, c.tenant.logoUrl, c.tenant.primaryColour};
  return frame_.render(p, b, c.base);
}

HttpResponse SelfcarePortal::notFound(const HttpRequest&) {
  core::web::Page p;
  p.title = "Not found";
  p.status = 404;
  core::Result<std::string> body = templates_->render("notfound", Json::object());
  p.body = body.isOk() ? *body : "";
  return frame_.render(p, core::web::Branding{"Self-care", "", ""});
}

HttpResponse SelfcarePortal::signInPage(Ctx& c, Json f, std::vector<Message> messages, int status) {
  if (!f.is_object()) f = Json::object();
  Field login{"login", "", "Username or email", "text", f.value("login", ""), f.value("loginError", ""),
              {{"autocomplete", "username"}, {"required", ""}, {"autocapitalize", "none"}, {"maxlength", "254"}}};
  Field password{"password", "", "Password", "password", "", f.value("passwordError", ""),
                 {{"autocomplete", "current-password"}, {"required", ""}, {"aria-describedby", "password-help"}}};
  Field codeLogin{"login", "code-login", "Username or email", "text", f.value("codeLogin", ""),
                  f.value("codeLoginError", ""),
                  {{"autocomplete", "username"}, {"required", ""}, {"autocapitalize", "none"}, {"maxlength", "254"},
                   {"aria-describedby", "code-login-help"}}};
  Json data{{"login", core::web::renderField(login)},
            {"password", core::web::renderField(password)},
            {"codeLogin", core::web::renderField(codeLogin)}};
  return render(c, "signin", "Sign in", data, std::move(messages), status);
}

HttpResponse SelfcarePortal::codePage(Ctx& c, const std::string& login, const std::string& error, int status) {
  Field code{"code", "", "6-digit code", "text", "", error,
             {{"autocomplete", "one-time-code"}, {"inputmode", "numeric"}, {"required", ""}, {"maxlength", "6"},
              {"pattern", "[0-9]{6}"}}};
  return render(c, "code", "Enter your code", Json{{"login", login}, {"code", core::web::renderField(code)}}, {},
                status);
}

HttpResponse SelfcarePortal::signedIn(Ctx& c, const Account& a) {
  // A new privilege level gets a new session id (one planted before the sign-in is worth nothing).
  if (!c.cookieId.empty()) (void)sessions_.close(c.cookieId);
  Json data{{"tenant", a.tenantId}, {"tenant-key", c.target.tenantKey}, {"username", a.username},
            {"customer", a.customerId}, {"email", a.email}, {"name", a.name}};
  core::Result<core::web::Session> s = sessions_.open(a.key(), a.tenantId, data, clock_.unixSeconds());
  if (!s.isOk()) {
    core::logWarning("selfcare: a session could not be opened: ", s.status().toString());
    return signInPage(c, Json::object(), {Message::error("Signing in is not possible just now: try again in a moment.")},
                      503);
  }
  HttpResponse out = core::web::redirect(303, c.baseUrl(), "Continue");
  out.headers.emplace_back("Set-Cookie", core::web::setCookieValue(cookie_.options(), s->id, c.r.tls));
  core::logInfo("selfcare: ", a.key(), " signed in from ", c.r.remote);
  return out;
}

HttpResponse SelfcarePortal::dashboardPage(Ctx& c) {
  core::Result<Json> d = service_.dashboard(c.visitor->account);
  if (!d.isOk()) {
    core::logWarning("selfcare: dashboard of ", c.visitor->account.key(), ": ", d.status().toString());
    return render(c, "notfound", "Not available", Json::object(), {Message::error("Your account could not be read just now: try again.")}, 503);
  }
  Json data = *d;
  std::vector<std::pair<std::string, int64_t>> days;
  Json usage = Json::array();
  for (const Json& u : data["usage"]) {
    days.emplace_back(u["day"].get<std::string>(), u["octets"].get<int64_t>());
    usage.push_back({{"day", u["day"]}, {"size", core::formatSize(u["octets"].get<uint64_t>())}});
  }
  data["usage"] = usage;
  data["chart"] = usageSvg(days);
  const uint64_t used = data["used-octets"].get<uint64_t>(), quota = data["quota-octets"].get<uint64_t>();
  data["usedText"] = core::formatSize(used) + " used in the last 30 days";
  if (quota > 0) {
    data["quotaText"] = core::formatSize(quota);
    data["leftText"] = core::formatSize(used >= quota ? 0 : quota - used);
  }
  if (data["currency"] == "") data["currency"] = false;
  return render(c, "dashboard", "Your account", data);
}

HttpResponse SelfcarePortal::invoicesPage(Ctx& c, std::vector<Message> messages, int status) {
  core::Result<Json> d = service_.invoices(c.visitor->account);
  if (!d.isOk()) {
    core::logWarning("selfcare: invoices of ", c.visitor->account.key(), ": ", d.status().toString());
    return render(c, "notfound", "Not available", Json::object(), {Message::error("Your invoices could not be read just now: try again.")}, 503);
  }
  Json data = *d;
  Json open = Json::array();
  for (const Json& i : data["invoices"])
    if (i["open"].get<bool>()) open.push_back(i);
  data["hasOpen"] = !open.empty();
  data["hasInvoices"] = !data["invoices"].empty();
  data["open"] = open;
  return render(c, "invoices", "Invoices", data, std::move(messages), status);
}

// Where the provider sends the customer back: this portal's invoices, at the host the browser used
// (a Host header that is not a plain host[:port] gives no return address).
std::string SelfcarePortal::returnUrl(const Ctx& c, const std::string& page) {
  auto it = c.r.headers.find("host");
  if (it == c.r.headers.end() || it->second.empty() || it->second.size() > 255) return "";
  for (char ch : it->second)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '-' && ch != ':' && ch != '[' && ch != ']')
      return "";
  return "https://" + it->second + c.baseUrl() + page;
}

HttpResponse SelfcarePortal::payPage(Ctx& c, const std::string& invoiceId) {
  if (invoiceId.empty() || invoiceId.size() > 64) return render(c, "notfound", "Not found", Json::object(), {}, 404);
  core::Result<Json> started = service_.checkout(c.visitor->account, invoiceId, returnUrl(c));
  if (!started.isOk()) {
    const core::Code code = started.status().code();
    if (code == core::Code::kNotFound) return render(c, "notfound", "Not found", Json::object(), {}, 404);
    core::logWarning("selfcare: a checkout for ", c.visitor->account.key(), ": ", started.status().toString());
    if (code == core::Code::kFailedPrecondition)
      return invoicesPage(c, {Message::error("This invoice cannot be paid online: please pay it by bank transfer "
                                             "with its reference.")}, 409);
    return invoicesPage(c, {Message::error("The card payment page could not be opened just now: try again in a "
                                           "moment, or pay by bank transfer with the invoice's reference.")}, 503);
  }
  core::logInfo("selfcare: ", c.visitor->account.key(), " started a checkout for invoice ", invoiceId);
  return render(c, "pay", "Pay", Json{{"url", (*started).value("url", "")}, {"amount", (*started).value("amount", "")}});
}

HttpResponse SelfcarePortal::topupPage(Ctx& c, const std::string& error, std::vector<Message> messages, int status) {
  core::Result<Json> d = service_.topups(c.visitor->account);
  if (!d.isOk()) {
    core::logWarning("selfcare: top-ups of ", c.visitor->account.key(), ": ", d.status().toString());
    return render(c, "notfound", "Not available", Json::object(), {Message::error("The top-ups could not be read just now: try again.")}, 503);
  }
  Json data = *d;
  data["hasProducts"] = !data["products"].empty();
  data["hasOrders"] = !data["orders"].empty();
  if (!error.empty()) data["productError"] = error;
  return render(c, "topup", "Top-ups", data, std::move(messages), status);
}

HttpResponse SelfcarePortal::topupBuy(Ctx& c, const std::string& product) {
  if (product.empty() || product.size() > 64) return topupPage(c, "Choose one of the top-ups listed.", {}, 400);
  core::Result<Json> started = service_.buyTopup(c.visitor->account, product, returnUrl(c, "topup"));
  if (!started.isOk()) {
    const core::Code code = started.status().code();
    if (code == core::Code::kNotFound) return topupPage(c, "Choose one of the top-ups listed.", {}, 400);
    core::logWarning("selfcare: a top-up for ", c.visitor->account.key(), ": ", started.status().toString());
    if (code == core::Code::kFailedPrecondition)
      return topupPage(c, "", {Message::error("Top-ups cannot be paid by card here: please ask " + c.tenant.displayName + ".")}, 409);
    return topupPage(c, "", {Message::error("The card payment page could not be opened just now: nothing was charged. Try again in a moment.")}, 503);
  }
  core::logInfo("selfcare: ", c.visitor->account.key(), " started top-up order ", (*started).value("order", ""));
  return render(c, "pay", "Pay", Json{{"url", (*started).value("url", "")}, {"amount", (*started).value("amount", "")},
                                      {"topup", (*started).value("product", "") + " (" + (*started).value("adds", "") + ")"}});
}

HttpResponse SelfcarePortal::planPage(Ctx& c, const std::string& selected, const std::string& error,
                                      std::vector<Message> messages, int status) {
  core::Result<Json> d = service_.planChoices(c.visitor->account);
  if (!d.isOk()) {
    core::logWarning("selfcare: plans of ", c.visitor->account.key(), ": ", d.status().toString());
    return render(c, "notfound", "Not available", Json::object(), {Message::error("Your plan could not be read just now: try again.")}, 503);
  }
  Json data = *d;
  data["noSubscription"] = data["subscription"].is_null();
  data["hasPlans"] = !data["plans"].empty();
  for (Json& p : data["plans"]) p["checked"] = p["name"] == selected;
  if (!error.empty()) data["planError"] = error;
  return render(c, "plan", "Change plan", data, std::move(messages), status);
}

HttpResponse SelfcarePortal::planChange(Ctx& c, const std::string& plan, bool preview) {
  if (plan.empty()) return planPage(c, "", "Choose the plan to move to.", {}, 400);
  core::Result<Json> r = service_.changePlan(c.visitor->account, plan, preview);
  if (!r.isOk()) {
    const core::Code code = r.status().code();
    if (code == core::Code::kInvalidArgument) return planPage(c, "", "Choose one of the plans listed.", {}, 400);
    if (code == core::Code::kFailedPrecondition)
      return planPage(c, "", "", {Message::error("Your plan cannot be changed here: " + r.status().message())}, 409);
    core::logWarning("selfcare: a plan change for ", c.visitor->account.key(), ": ", r.status().toString());
    return planPage(c, plan, "", {Message::error("Your plan could not be changed just now: nothing was changed. Try again in a moment.")}, 503);
  }
  Json data = *r;
  if (data.value("unchanged", false))
    return planPage(c, "", "", {Message::ok("You are on " + plan + ".")}, 200);
  if (preview) {
    data["hasLines"] = !data["adjustment-lines"].empty();
    return render(c, "plan_preview", "Move to " + plan, data);
  }
  core::logInfo("selfcare: ", c.visitor->account.key(), " moved to plan ", plan, " (", data.value("total", ""), ")");
  std::string text = "You are on " + plan + " from today.";
  if (!data["adjustment-lines"].empty())
    text += " Your next invoice carries the change: " + data.value("total", "") + " " + data.value("currency", "") +
            " with tax.";
  return planPage(c, "", "", {Message::ok(text)}, 200);
}

HttpResponse SelfcarePortal::contactPage(Ctx& c, Json form, Json errors, std::vector<Message> messages, int status) {
  if (!form.is_object()) {
    core::Result<Json> current = service_.contact(c.visitor->account);
    form = current.isOk() ? *current : Json::object();
  }
  if (!errors.is_object()) errors = Json::object();
  Field email{"email", "", "Email", "email", form.value("email", ""), errors.value("email", ""),
              {{"autocomplete", "email"}, {"maxlength", "254"}}};
  Field phone{"phone", "", "Phone", "tel", form.value("phone", ""), errors.value("phone", ""),
              {{"autocomplete", "tel"}, {"maxlength", "32"}}};
  Field address{"address", "", "Address", "text", form.value("address", ""), errors.value("address", ""),
                {{"autocomplete", "street-address"}, {"maxlength", "512"}}};
  Json data{{"email", core::web::renderField(email)},
            {"phone", core::web::renderField(phone)},
            {"address", core::web::renderField(address)}};
  return render(c, "contact", "Contact details", data, std::move(messages), status);
}

HttpResponse SelfcarePortal::get(const HttpRequest& r) {
  std::optional<Target> target = parse(r.path);
  if (!target) return notFound(r);
  if (target->rest.empty() && r.path.back() != '/') return core::web::redirect(302, r.path + "/", "Continue");
  core::Result<TenantView> tenant = service_.tenant(target->tenantKey);
  if (!tenant.isOk()) return notFound(r);
  Ctx c{r, *target, *tenant, std::nullopt, "", {}};
  c.visitor = visitor(r, c.tenant);
  brand(c);
  c.cookieId = c.visitor ? c.visitor->sessionId : cookie_.ensure(r, c.base);
  const std::string& rest = target->rest;
  if (rest == "help") return render(c, "help", "Help", Json::object());
  if (!c.visitor) {
    if (rest.empty()) return signInPage(c, Json::object(), {}, 200);
    // Every other page needs a customer: to the sign-in, without saying what is behind it.
    return core::web::redirect(303, c.baseUrl(), "Sign in");
  }
  if (rest.empty()) return dashboardPage(c);
  if (rest == "invoices") return invoicesPage(c, {}, 200);
  if (rest == "contact") return contactPage(c, nullptr, nullptr, {}, 200);
  if (rest == "plan") return planPage(c, "", "", {}, 200);
  if (rest == "topup") return topupPage(c, "", {}, 200);
  const std::string pdfPrefix = "invoice/", pdfSuffix = ".pdf";
  if (rest.size() > pdfPrefix.size() + pdfSuffix.size() && rest.compare(0, pdfPrefix.size(), pdfPrefix) == 0 &&
      rest.compare(rest.size() - pdfSuffix.size(), pdfSuffix.size(), pdfSuffix) == 0) {
    const std::string id = rest.substr(pdfPrefix.size(), rest.size() - pdfPrefix.size() - pdfSuffix.size());
    core::Result<std::pair<std::string, std::string>> pdf = service_.invoicePdf(c.visitor->account, id);
    if (!pdf.isOk()) {
      if (pdf.status().code() != core::Code::kNotFound)
        core::logWarning("selfcare: a PDF for ", c.visitor->account.key(), ": ", pdf.status().toString());
      return render(c, "notfound", "Not found", Json::object(), {}, pdf.status().code() == core::Code::kNotFound ? 404 : 503);
    }
    HttpResponse out;
    out.contentType = "application/pdf";
    out.body = std::move(pdf->second);
    out.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + pdf->first + "\"");
    out.headers.emplace_back("Cache-Control", "private, no-store");
    out.headers.emplace_back("X-Content-Type-Options", "nosniff");
    return out;
  }
  return render(c, "notfound", "Not found", Json::object(), {}, 404);
}

// Who may post what, from the request line and headers alone (the body is not read yet).
std::optional<HttpResponse> SelfcarePortal::admitPost(const HttpRequest& r) {
  std::optional<Target> target = parse(r.path);
  if (!target) return HttpResponse::jsonError(404, "no such page");
  const std::string& a = target->rest;
  if (a == "sign-in" || a == "code-request" || a == "code") return std::nullopt;  // anyone, 8 KiB at most
  if (a != "contact" && a != "sign-out" && a != "pay" && a != "plan-preview" && a != "plan-change" &&
      a != "topup-buy")
    return HttpResponse::jsonError(404, "no such page");
  std::optional<core::web::Session> s = sessionOf(r);
  if (!s || s->data.value("tenant-key", "") != target->tenantKey)
    return forbidden("sign in first: this form needs a signed-in customer of this portal");
  return std::nullopt;
}

HttpResponse SelfcarePortal::post(const HttpRequest& r) {
  std::optional<Target> target = parse(r.path);
  if (!target) return notFound(r);
  core::Result<TenantView> tenant = service_.tenant(target->tenantKey);
  if (!tenant.isOk()) return notFound(r);
  Ctx c{r, *target, *tenant, std::nullopt, "", {}};
  c.visitor = visitor(r, c.tenant);
  brand(c);
  c.cookieId = c.visitor ? c.visitor->sessionId : cookie_.idOf(r);
  const std::map<std::string, std::string> form = core::web::parseForm(r.body);
  const std::string& action = target->rest;
  const int64_t now = clock_.unixSeconds();
  if (c.cookieId.empty() || !csrf_.verifyForm(c.cookieId, form)) {
    core::logInfo("selfcare: a form without its CSRF token from ", r.remote, " (", action, ") was refused");
    if (c.cookieId.empty()) c.cookieId = cookie_.ensure(r, c.base);
    return signInPage(c, Json::object(),
                      {Message::error("This form had expired or did not come from this site: nothing was done. "
                                      "Please try again.")},
                      403);
  }
  if (action == "sign-out") {
    if (c.visitor) {
      if (core::Status closed = sessions_.close(c.visitor->sessionId); !closed.isOk()) {
        core::logWarning("selfcare: a session could not be closed: ", closed.toString());
        return render(c, "notfound", "Not signed out", Json::object(),
                      {Message::error("Signing out failed on our side: try again in a moment.")}, 503);
      }
    }
    HttpResponse out = core::web::redirect(303, c.baseUrl(), "Sign in");
    cookie_.clear(r, out);
    return out;
  }
  if (action == "contact") {
    if (!c.visitor) return forbidden("sign in first");
    Json fields{{"email", fieldOf(form, "email")}, {"phone", fieldOf(form, "phone")}, {"address", fieldOf(form, "address")}};
    core::Status s = service_.updateContact(c.visitor->account, fields);
    if (!s.isOk()) {
      if (s.code() != core::Code::kInvalidArgument) {
        core::logWarning("selfcare: contact of ", c.visitor->account.key(), ": ", s.toString());
        return contactPage(c, fields, nullptr, {Message::error("Not saved: try again in a moment.")}, 503);
      }
      auto [field, text] = splitField(s.message());
      Json errors = Json::object();
      std::vector<Message> messages;
      if (field.empty()) messages.push_back(Message::error(text));
      else errors[field] = text;
      return contactPage(c, fields, errors, std::move(messages), 400);
    }
    core::logInfo("selfcare: ", c.visitor->account.key(), " updated their contact details");
    return contactPage(c, nullptr, nullptr, {Message::ok("Saved.")}, 200);
  }
  if (action == "pay") {
    if (!c.visitor) return forbidden("sign in first");
    return payPage(c, fieldOf(form, "invoice"));
  }
  if (action == "topup-buy") {
    if (!c.visitor) return forbidden("sign in first");
    return topupBuy(c, fieldOf(form, "product"));
  }
  if (action == "plan-preview" || action == "plan-change") {
    if (!c.visitor) return forbidden("sign in first");
    const std::string plan = fieldOf(form, "plan");
    if (plan.size() > 64) return planPage(c, "", "Choose one of the plans listed.", {}, 400);
    return planChange(c, plan, action == "plan-preview");
  }
  // Signing in: failures are limited per client address and per login.
  const std::string login = fieldOf(form, "login");
  std::string loginKey = c.tenant.id + "/" + login;
  for (char& ch : loginKey) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (core::Status admitted = limits_.admitAttempt(r.remote, loginKey, now); !admitted.isOk())
    return signInPage(c, Json{{"login", login}}, {Message::error(admitted.message())}, 429);
  if (action == "sign-in") {
    Json f{{"login", login}};
    if (login.empty()) f["loginError"] = "Give your username or email address.";
    if (fieldOf(form, "password").empty()) f["passwordError"] = "Give your password.";
    if (f.contains("loginError") || f.contains("passwordError")) return signInPage(c, f, {}, 400);
    core::Result<std::optional<Account>> a = service_.passwordSignIn(c.tenant.id, login, fieldOf(form, "password"));
    if (!a.isOk()) {
      core::logWarning("selfcare: a sign-in could not be checked: ", a.status().toString());
      return signInPage(c, f, {Message::error("Signing in is not possible just now: try again in a moment.")}, 503);
    }
    if (!*a) {
      if (core::Status counted = limits_.recordFailure(r.remote, loginKey, now); !counted.isOk())
        core::logWarning("selfcare: a failed sign-in was not counted: ", counted.toString());
      f["passwordError"] = "That username or email and password do not match an account.";
      return signInPage(c, f, {}, 400);
    }
    return signedIn(c, **a);
  }
  if (action == "code-request") {
    if (login.empty())
      return signInPage(c, Json{{"codeLoginError", "Give your username or email address."}}, {}, 400);
    core::Result<std::optional<Account>> a = service_.accountFor(c.tenant.id, login);
    if (!a.isOk()) {
      core::logWarning("selfcare: a code request could not be checked: ", a.status().toString());
      return signInPage(c, Json{{"codeLogin", login}}, {Message::error("No code could be sent just now: try again in a moment.")}, 503);
    }
    // Unknown logins count against the address like known ones, and get the same answer.
    const std::string key = *a ? (*a)->key() : "?" + c.tenant.id + "/" + login;
    core::Result<std::string> code = limits_.issue(key, r.remote, now);
    if (!code.isOk())
      return signInPage(c, Json{{"codeLogin", login}, {"codeLoginError", code.status().message()}}, {}, 429);
    if (*a) {
      core::Status mailed = service_.mailCode(**a, c.tenant, *code);
      if (!mailed.isOk()) {
        core::logWarning("selfcare: a sign-in code could not be queued: ", mailed.toString());
        return signInPage(c, Json{{"codeLogin", login}}, {Message::error("No code could be sent just now: try again in a moment.")}, 503);
      }
    }
    return codePage(c, login, "", 200);
  }
  if (action == "code") {
    const std::string code = fieldOf(form, "code");
    if (code.size() != 6) return codePage(c, login, "Give the 6 digits of the code we emailed you.", 400);
    core::Result<std::optional<Account>> a = service_.accountFor(c.tenant.id, login);
    if (!a.isOk()) return codePage(c, login, "Signing in is not possible just now: try again in a moment.", 503);
    core::Result<bool> right = *a ? limits_.verify((*a)->key(), code, now) : core::Result<bool>(false);
    if (!right.isOk()) {
      core::logWarning("selfcare: a code could not be checked: ", right.status().toString());
      return codePage(c, login, "Signing in is not possible just now: try again in a moment.", 503);
    }
    if (!*right) {
      if (core::Status counted = limits_.recordFailure(r.remote, loginKey, now); !counted.isOk())
        core::logWarning("selfcare: a failed sign-in was not counted: ", counted.toString());
      return codePage(c, login, "That code is wrong, used or expired: ask for a new one if needed.", 400);
    }
    return signedIn(c, **a);
  }
  return notFound(r);
}

void SelfcarePortal::addRoutes(core::HttpServer& server) {
  assets_.addRoutes(server);
  server.route("GET", "/selfcare/*", [this](const HttpRequest& r) { return get(r); });
  core::HttpRouteLimits forms;
  forms.maxBodyBytes = kMaxFormBytes;
  forms.admit = [this](const HttpRequest& r) { return admitPost(r); };
  server.route("POST", "/selfcare/*", [this](const HttpRequest& r) { return post(r); }, forms);
}

}  // namespace mgmt::selfcare
