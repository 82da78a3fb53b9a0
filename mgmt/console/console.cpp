// The console's frame, sign-in, sessions and dispatch. The pages are in console_pages.cpp.
#include "mgmt/console/console.h"

#include <algorithm>

#include "core/clock.h"
#include "core/log.h"
#include "core/web/embedded_files.h"
#include "core/web/form.h"
#include "mgmt/console/console_files.h"
#include "mgmt/console/import_jobs.h"
#include "mgmt/mgmt_commands.h"

namespace mgmt::console {

namespace {

constexpr const char* kCookieName = "mgmt_console";

core::web::FrameOptions frameOptions() {
  core::web::FrameOptions o;
  o.stylesheets = {"/static/pico.classless.min.css", "/static/uPlot.min.css", "/static/webui.css", "/static/console.css"};
  o.scripts = {"/static/uPlot.iife.min.js", "/static/console.js"};
  // Our own scripts and styles only; console.js reads a chart's data from the page itself. uPlot
  // sizes its canvas through the CSSOM, which style-src does not govern.
  o.contentSecurityPolicy =
      "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
      "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
  o.footerLinks = {{"/help", "Help"}};
  return o;
}

std::string baseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void addFiles(core::web::Assets& assets, const core::web::EmbeddedFiles& files) {
  for (const core::web::EmbeddedFile& f : files)
    assets.add("/static/" + baseName(f.path), std::string(reinterpret_cast<const char*>(f.data), f.size));
}

}  // namespace

core::command::Caller ConsoleUser::caller(const std::string& origin) const {
  core::command::Caller c;
  c.role = role;
  c.scope = partnerId.empty() ? tenantId : "partner:" + partnerId;  // a partner's: its partner only
  c.label = label;
  c.origin = origin;
  return c;
}

Console::Console(core::command::Table& commands, ConsoleAuth auth, core::web::Sessions& sessions, std::string csrfKey,
                 ConsoleOptions options)
    : commands_(commands),
      auth_(std::move(auth)),
      options_(std::move(options)),
      frame_(frameOptions()),
      templates_(std::make_unique<core::web::Templates>()),
      sessions_(sessions),
      cookie_(core::web::CookieOptions{kCookieName, "/", 0}),
      csrf_(std::move(csrfKey)),
      importJobs_(std::make_unique<ImportJobs>()) {}

// Running imports stop after their chunk (and are waited for) while everything they use is here.
Console::~Console() { importJobs_.reset(); }

core::Status Console::init() {
  EDGE_RETURN_IF_ERROR(templates_->addFiles(core::web::coreWebFiles()));
  EDGE_RETURN_IF_ERROR(templates_->addFiles(consoleTemplates()));
  addFiles(assets_, consoleVendorFiles());
  addFiles(assets_, consoleSharedFiles());
  addFiles(assets_, consoleStaticFiles());
  return core::Status::ok();
}

int64_t Console::now() const { return core::SystemClock::instance().unixSeconds(); }

void Console::tick(int64_t now) {
  if (now - lastExpire_ < 60) return;
  lastExpire_ = now;
  if (core::Result<size_t> n = sessions_.purge(now); !n.isOk())
    core::logWarning("console: expired sessions not purged: ", n.status().toString());
}

std::optional<core::web::Session> Console::sessionOf(const std::string& id) {
  if (id.empty()) return std::nullopt;
  core::Result<std::optional<core::web::Session>> s = sessions_.find(id, now());
  if (!s.isOk()) {
    core::logWarning("console: a session could not be read: ", s.status().toString());
    return std::nullopt;
  }
  return *s;
}

bool Console::saveSession(const core::web::Session& s, const core::Json& data) {
  core::Result<bool> saved = sessions_.replace(s.id, s.version, data);
  if (saved.isOk() && *saved) return true;
  core::logInfo("console: a session's change was not kept: ",
                saved.isOk() ? std::string("another request changed it first") : saved.status().toString());
  return false;
}

core::HttpResponse Console::signInFirst() {
  core::HttpResponse out = core::web::redirect(303, "/login", "Sign in");
  out.status = 403;
  return out;
}

core::HttpResponse Console::formRefused(const Visitor& v) {
  return page(v, "refused", "Not done", core::Json::object(),
              {core::web::Message::error("This form had expired or did not come from this site: nothing was done. "
                                         "Reload the page and try again.")},
              403);
}

std::optional<Console::Visitor> Console::visitor(const core::HttpRequest& request) {
  std::string id = cookie_.idOf(request);
  std::optional<core::web::Session> s = sessionOf(id);
  if (!s) return std::nullopt;
  // A person's short access token is renewed a minute before it expires; a refused refresh (the
  // session was revoked elsewhere, or the refresh token replayed) ends the console session.
  const std::string refreshToken = s->data.value("refresh", "");
  const int64_t expires = s->data.value("expires", int64_t{0});
  if (!refreshToken.empty() && expires != 0 && expires - 60 <= now()) {
    // One request renews: it first claims the renewal by a compare-and-swap on the session (any
    // replica's requests see the same row), so the refresh token is never presented twice (the
    // access service would take that for a stolen token and end the sign-in). A request that loses
    // goes on with the bearer it has, still valid for up to a minute; a claim older than 30 s is
    // taken to have died with its request.
    const int64_t claimed = s->data.value("renewing", int64_t{0});
    bool mine = false;
    if (claimed == 0 || now() - claimed >= 30) {
      core::Json claim = s->data;
      claim["renewing"] = now();
      core::Result<bool> won = sessions_.replace(id, s->version, claim);
      mine = won.isOk() && *won;
    }
    if (mine) {
      core::Result<ConsoleSignIn> renewed = auth_.refresh ? auth_.refresh(refreshToken, request.remote)
                                                          : core::Result<ConsoleSignIn>(core::permissionDenied("no refresh"));
      if (!renewed.isOk()) {
        core::logInfo("console: a session could not be renewed: ", renewed.status().message());
        (void)sessions_.close(id);
        return std::nullopt;
      }
      core::Json data = s->data;
      data.erase("renewing");
      data["bearer"] = renewed->bearer;
      data["refresh"] = renewed->refresh;
      data["expires"] = renewed->bearerExpiresAt;
      ++s->version;  // the claim
      if (!saveSession(*s, data)) return std::nullopt;
      s->data = data;
      ++s->version;
    } else if (expires <= now()) {
      return std::nullopt;  // another request is renewing an expired bearer: not this one's to end
    }
  }
  // The bearer is checked again on every request: revoked, disabled or suspended stops here.
  core::Result<std::optional<ConsoleUser>> user = auth_.authenticate(s->data.value("bearer", ""));
  if (!user.isOk()) {
    core::logWarning("console: a session could not be checked: ", user.status().message());
    return std::nullopt;
  }
  if (!*user) {
    (void)sessions_.close(id);
    return std::nullopt;
  }
  Visitor v;
  v.user = **user;
  v.csrf = csrf_.tokenFor(s->id);
  v.origin = request.remote;
  v.session = std::move(*s);
  return v;
}

bool Console::may(const Visitor& v, const std::string& command) const {
  const core::command::Spec* spec = commands_.find(command);
  if (spec == nullptr) return false;
  if (!spec->roles.empty()) return std::find(spec->roles.begin(), spec->roles.end(), v.user.role) != spec->roles.end();
  const std::vector<std::string>& ladder = mgmtRoles();
  auto rank = [&ladder](const std::string& r) {
    auto it = std::find(ladder.begin(), ladder.end(), r);
    return it == ladder.end() ? -1 : static_cast<int>(it - ladder.begin());
  };
  return rank(v.user.role) >= 0 && rank(v.user.role) >= rank(spec->role.empty() ? ladder.front() : spec->role);
}

core::ControlReply Console::run(const Visitor& v, const std::string& command, const core::Json& args) {
  return commands_.call(v.user.caller(v.origin), command, args);
}

core::HttpResponse Console::page(const Visitor& v, const std::string& tmpl, const std::string& title, core::Json data,
                                 std::vector<core::web::Message> messages, int status) {
  // A tenant's pages are reached from a tenant's row by the platform; a partner's people see only
  // their portal's links.
  enum Who { kBoth, kPlatform, kTenant, kPartner };
  struct Link {
    const char* href;
    const char* text;
    const char* tmpl;
    const char* command;  // shown when the visitor's role may run it
    Who who;
  };
  static const Link links[] = {{"/tenants", "Tenants", "tenants", "tenant-list", kPlatform},
                               {"/funnel", "Signup funnel", "funnel", "signup-funnel", kPlatform},
                               {"/", "Dashboard", "dashboard", "tenant-show", kTenant},
                               {"/devices", "Devices", "devices", "device-list", kTenant},
                               {"/plans", "Plans", "plans", "plan-list", kTenant},
                               {"/customers", "Customers", "customers", "customer-list", kTenant},
                               {"/sessions", "Sessions and usage", "sessions", "session-list", kTenant},
                               {"/people", "People", "people", "person-list", kBoth},
                               {"/tokens", "API tokens", "tokens", "token-list", kBoth},
                               {"/audit", "Audit log", "audit", "audit-search", kBoth},
                               {"/payments", "Payments", "payments", "payment-list", kTenant},
                               {"/reports", "Reports", "reports", "billing-revenue", kTenant},
                               {"/dunning", "Dunning", "dunning", "dunning-policy-get", kTenant},
                               {"/subscription", "Your subscription", "subscription", "platform-subscription-show", kTenant},
                               {"/billing", "Tenant billing", "tenant_billing", "platform-billing-list", kPlatform},
                               {"/firmware", "Firmware", "firmware", "rollout-list", kBoth},
                               {"/imports", "Imports", "imports", "import-list", kTenant},
                               {"/health", "Tenant health", "health", "tenant-health", kPlatform},
                               {"/insight", "Customer insight", "insight", "insight-retention", kTenant},
                               {"/alerts", "Alerts", "alerts", "alert-groups", kTenant},
                               {"/notifications", "Notifications", "notifications", "notification-log", kTenant},
                               {"/notification-settings", "Notification settings", "notify_settings", "notification-settings-get", kTenant},
                               {"/network", "Network devices", "network", "network-device-list", kTenant},
                               {"/settings", "Settings", "settings", "branding-show", kTenant},
                               {"/partners", "Partners", "partners", "partner-list", kBoth},
                               {"/partner", "Earnings", "partner", "partner-show", kPartner},
                               {"/partner/statement", "Statements", "partner_statement", "partner-statement", kPartner},
                               {"/partner/payouts", "Payouts", "partner_payouts", "payout-list", kPartner},
                               {"/partner/customers", "Customers and leads", "partner_customers", "attribution-list", kPartner},
                               {"/partner/health", "Health", "partner_health", "partner-health", kPartner},
                               {"/partner/brand", "Brand", "partner_brand", "partner-brand-show", kPartner}};
  core::Json nav = core::Json::array();
  for (const Link& l : links) {
    if ((l.who == kPartner) != v.user.partner()) continue;
    if ((l.who == kPlatform && !v.user.platform()) || (l.who == kTenant && v.user.platform()) || !may(v, l.command))
      continue;
    bool current = tmpl == l.tmpl || (tmpl == "customer" && std::string(l.tmpl) == "customers") ||
                   (tmpl == "payment" && std::string(l.tmpl) == "payments") ||
                   (std::string(l.tmpl) == "partners" && tmpl.rfind("partner", 0) == 0);
    nav.push_back({{"href", l.href}, {"text", l.text}, {"current", current}});
  }
  if (v.user.person) nav.push_back({{"href", "/account"}, {"text", "Your account"}, {"current", tmpl == "account"}});
  data["nav"] = nav;
  data["csrf"] = v.csrf;
  data["user"] = v.user.label;
  data["role"] = v.user.role;
  data["title"] = title;
  core::Result<std::string> body = templates_->render(tmpl, data);
  core::web::Page p;
  p.title = title;  // the frame adds the name after it
  p.messages = std::move(messages);
  p.status = status;
  if (!body.isOk()) {
    core::logWarning("console: page ", tmpl, " could not be rendered: ", body.status().message());
    p.status = 500;
    p.messages = {core::web::Message::error("this page could not be shown")};
  } else {
    p.body = *body;
  }
  return frame_.render(p, brandFor(v));
}

core::web::Branding Console::brandFor(const Visitor& v) const {
  if (!brandOf_ || v.user.platform()) return core::web::Branding{options_.title, "", ""};
  core::Result<core::web::Branding> b = brandOf_(v.user);
  if (!b.isOk()) {
    core::logWarning("console: the brand of ", v.user.label, " could not be read: ", b.status().message());
    return core::web::Branding{options_.title, "", ""};
  }
  return *b;
}

core::HttpResponse Console::refuse(const Visitor& v, const core::ControlReply& reply) {
  int status = core::command::httpStatus(core::command::publicCode(reply.code));
  return page(v, "refused", "Not done", core::Json::object(), {core::web::Message::error(reply.text)}, status);
}

core::HttpResponse Console::loginPage(const core::HttpRequest& r, const LoginForm& f, int status) {
  core::HttpResponse base;
  std::string id = cookie_.ensure(r, base);
  using core::web::Field;
  Field email{"email", "", "Email", "email", f.email, f.emailError,
              {{"autocomplete", "username"}, {"required", ""}, {"autocapitalize", "none"}}};
  Field password{"password", "", "Password", "password", "", f.passwordError,
                 {{"autocomplete", "current-password"}, {"required", ""}}};
  Field code{"code", "", "One-time code", "text", "", f.codeError,
             {{"autocomplete", "one-time-code"}, {"inputmode", "text"}, {"aria-describedby", "code-help"}}};
  if (f.askCode) code.attributes.emplace_back("required", "");
  Field token{"token", "", "API token", "password", "", f.tokenError,
              {{"autocomplete", "off"}, {"required", ""}, {"aria-describedby", "token-help"}}};
  core::Json data{{"csrf", csrf_.tokenFor(id)},
                  {"email", core::web::renderField(email)},
                  {"password", core::web::renderField(password)},
                  {"code", core::web::renderField(code)},
                  {"ask_code", f.askCode},
                  {"token", core::web::renderField(token)},
                  {"token_open", !f.tokenError.empty()}};
  core::web::Page p;
  p.title = "Sign in";
  p.status = status;
  core::Result<std::string> body = templates_->render("login", data);
  p.body = body.isOk() ? *body : "";
  return frame_.render(p, core::web::Branding{options_.title, "", ""}, std::move(base));
}

core::HttpResponse Console::loginPost(const core::HttpRequest& r) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  auto field = [&form](const char* name) { return form.count(name) ? form[name] : std::string(); };
  std::string id = cookie_.idOf(r);
  LoginForm f;
  f.email = field("email");
  const bool byToken = form.count("token") != 0;
  if (id.empty() || !csrf_.verifyForm(id, form)) {
    (byToken ? f.tokenError : f.passwordError) = "This form had expired: please sign in again.";
    return loginPage(r, f, 403);
  }
  if (byToken) {  // integrations: an API token
    std::string secret = field("token");
    if (secret.empty()) {
      f.tokenError = "Give your API token.";
      return loginPage(r, f, 400);
    }
    core::Result<ConsoleSignIn> in = auth_.login(secret, r.remote);
    if (!in.isOk()) {
      core::logInfo("console: a token sign-in from ", r.remote, " was refused: ", in.status().message());
      f.tokenError = "That token is not valid (unknown, expired or revoked).";
      return loginPage(r, f, 401);
    }
    return signedIn(r, *in);
  }
  // People: email and password, then the code when the service asks for one.
  f.code = field("code");
  f.askCode = !f.code.empty() || field("ask-code") == "1";
  if (f.email.empty()) f.emailError = "Give your email address.";
  if (field("password").empty()) f.passwordError = "Give your password.";
  if (!f.emailError.empty() || !f.passwordError.empty()) return loginPage(r, f, 400);
  core::Result<ConsoleSignIn> in = auth_.signIn(f.email, field("password"), f.code, r.remote);
  if (in.isOk()) return signedIn(r, *in);
  const core::Status& st = in.status();
  core::logInfo("console: a sign-in from ", r.remote, " was refused: ", st.message());
  std::string message = st.message();
  size_t colon = message.find(": ");
  std::string named = colon == std::string::npos ? "" : message.substr(0, colon);
  switch (st.code()) {
    case core::Code::kResourceExhausted:  // locked: the message says when to retry
      f.passwordError = message;
      return loginPage(r, f, 429);
    case core::Code::kFailedPrecondition:  // a one-time code is needed: the form asks for it
      f.askCode = true;
      if (!f.code.empty()) f.codeError = message;
      f.passwordError = "Type your password again with the code.";
      return loginPage(r, f, f.code.empty() ? 200 : 401);
    case core::Code::kInvalidArgument:
      if (named == "email") f.emailError = message.substr(colon + 2);
      else if (named == "code") f.codeError = message.substr(colon + 2), f.askCode = true;
      else f.passwordError = message;
      return loginPage(r, f, 400);
    case core::Code::kPermissionDenied:
      if (f.askCode && !f.code.empty()) {
        f.codeError = "Wrong email, password or code.";
        f.passwordError = "Type your password again with the code.";
      } else {
        f.passwordError = "Wrong email or password.";
      }
      return loginPage(r, f, 401);
    default:
      f.passwordError = "Signing in failed on our side; try again in a moment.";
      return loginPage(r, f, 500);
  }
}

core::HttpResponse Console::signedIn(const core::HttpRequest& r, const ConsoleSignIn& in) {
  // A new privilege level gets a new session id (an id planted before the sign-in is worth nothing).
  core::Json data{{"bearer", in.bearer}};
  if (!in.refresh.empty()) {
    data["refresh"] = in.refresh;
    data["expires"] = in.bearerExpiresAt;
  }
  core::Result<core::web::Session> s = sessions_.open(in.user.label, in.user.tenantId, data, now());
  if (!s.isOk()) {
    core::logWarning("console: a session could not be opened: ", s.status().toString());
    LoginForm f;
    f.passwordError = "Signing in failed on our side; try again in a moment.";
    return loginPage(r, f, 503);
  }
  core::HttpResponse out = core::web::redirect(303, "/", "Continue");
  out.headers.emplace_back("Set-Cookie", core::web::setCookieValue(cookie_.options(), s->id, r.tls));
  core::logInfo("console: ", in.user.label, " (", in.user.role, ") signed in from ", r.remote);
  return out;
}

core::HttpResponse Console::resetPage(const core::HttpRequest& r, const std::string& token, const std::string& error,
                                      const std::string& done, int status) {
  core::HttpResponse base;
  std::string id = cookie_.ensure(r, base);
  using core::web::Field;
  std::string againError = error == "The two passwords differ." ? error : "";
  Field password{"password", "", "New password", "password", "", againError.empty() ? error : "",
                 {{"autocomplete", "new-password"}, {"required", ""}, {"minlength", "10"},
                  {"maxlength", "256"}, {"aria-describedby", "password-help"}}};
  Field again{"password-again", "", "New password again", "password", "", againError,
              {{"autocomplete", "new-password"}, {"required", ""}}};
  core::Json data{{"csrf", csrf_.tokenFor(id)},
                  {"link", token},
                  {"password", core::web::renderField(password)},
                  {"again", core::web::renderField(again)},
                  {"done", !done.empty()},
                  {"done_text", done}};
  core::web::Page p;
  p.title = "Choose a new password";
  p.status = status;
  core::Result<std::string> body = templates_->render("reset", data);
  p.body = body.isOk() ? *body : "";
  return frame_.render(p, core::web::Branding{options_.title, "", ""}, std::move(base));
}

core::HttpResponse Console::resetPost(const core::HttpRequest& r) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  auto field = [&form](const char* name) { return form.count(name) ? form[name] : std::string(); };
  std::string id = cookie_.idOf(r), token = field("link");
  if (id.empty() || !csrf_.verifyForm(id, form))
    return resetPage(r, token, "This form had expired: please open the link again.", "", 403);
  if (field("password") != field("password-again")) return resetPage(r, token, "The two passwords differ.", "", 400);
  if (!auth_.resetPassword) return resetPage(r, token, "Password links are not set up here.", "", 503);
  core::Status st = auth_.resetPassword(token, field("password"));
  if (st.isOk()) return resetPage(r, "", "", "Your password is set and your other sessions are signed out.", 200);
  std::string message = st.message();
  if (message.rfind("password: ", 0) == 0) message = message.substr(10);
  int status = st.code() == core::Code::kInvalidArgument ? 400 : st.code() == core::Code::kNotFound ? 404 : 500;
  if (status == 404) message = "This link is unknown, used or expired: ask for a new one.";
  return resetPage(r, token, message, "", status);
}

core::HttpResponse Console::logoutPost(const core::HttpRequest& r, const Visitor& v) {
  if (auth_.logout) auth_.logout(v.session.data.value("bearer", ""));
  if (core::Status closed = sessions_.close(v.session.id); !closed.isOk()) {
    core::logWarning("console: a session could not be closed: ", closed.toString());
    return page(v, "refused", "Not signed out", core::Json::object(),
                {core::web::Message::error("Signing out failed on our side: try again in a moment.")}, 503);
  }
  core::HttpResponse out = core::web::redirect(303, "/login", "Sign in");
  cookie_.clear(r, out);
  return out;
}

void Console::addRoutes(core::HttpServer& server) {
  assets_.addRoutes(server);
  using Handler = std::function<core::HttpResponse(const core::HttpRequest&, const Visitor&)>;
  // Forms are small: a route refuses more before reading it, and a POST without a live session is
  // refused from its headers (the admission), before its body.
  core::HttpRouteLimits forms;
  forms.maxBodyBytes = 64 * 1024;
  core::HttpRouteLimits signedIn = forms;
  signedIn.admit = [this](const core::HttpRequest& r) -> std::optional<core::HttpResponse> {
    std::string id = cookie_.idOf(r);
    if (sessionOf(id)) return std::nullopt;
    return signInFirst();
  };
  auto get = [this, &server](const std::string& path, Handler f) {
    server.route("GET", path, [this, f](const core::HttpRequest& r) {
      std::optional<Visitor> v = visitor(r);
      if (!v) return core::web::redirect(303, "/login", "Sign in");
      return f(r, *v);
    });
  };
  auto post = [this, &server, signedIn](const std::string& path, Handler f) {
    server.route("POST", path, [this, f](const core::HttpRequest& r) {
      std::optional<Visitor> v = visitor(r);
      if (!v) return signInFirst();
      if (!csrf_.verifyForm(v->session.id, core::web::parseForm(r.body))) return formRefused(*v);
      return f(r, *v);
    }, signedIn);
  };

  server.route("GET", "/login", [this](const core::HttpRequest& r) {
    if (visitor(r)) return core::web::redirect(303, "/", "Continue");
    return loginPage(r, LoginForm{}, 200);
  });
  // Signing in and the reset link: the visitor is anonymous, but the form was fetched first, so a
  // POST without the cookie that page set is refused from its headers, before its body.
  core::HttpRouteLimits anonymous = forms;
  anonymous.admit = [this](const core::HttpRequest& r) -> std::optional<core::HttpResponse> {
    if (!cookie_.idOf(r).empty()) return std::nullopt;
    return signInFirst();
  };
  server.route("POST", "/login", [this](const core::HttpRequest& r) { return loginPost(r); }, anonymous);
  server.route("GET", "/reset", [this](const core::HttpRequest& r) {
    auto it = r.query.find("token");
    return resetPage(r, it == r.query.end() ? "" : it->second, "", "", 200);
  });
  server.route("POST", "/reset", [this](const core::HttpRequest& r) { return resetPost(r); }, anonymous);
  post("/logout", [this](const core::HttpRequest& r, const Visitor& v) { return logoutPost(r, v); });

  get("/", [this](const core::HttpRequest& r, const Visitor& v) { return home(r, v); });
  get("/help", [this](const core::HttpRequest&, const Visitor& v) {
    return page(v, "help", "Help", core::Json{{"platform", v.user.platform()}});
  });
  get("/tenants", [this](const core::HttpRequest& r, const Visitor& v) { return tenantsPage(r, v); });
  get("/tenant", [this](const core::HttpRequest& r, const Visitor& v) { return dashboardPage(r, v); });
  get("/devices", [this](const core::HttpRequest& r, const Visitor& v) { return devicesPage(r, v); });
  get("/plans", [this](const core::HttpRequest& r, const Visitor& v) { return plansPage(r, v); });
  get("/customers", [this](const core::HttpRequest& r, const Visitor& v) { return customersPage(r, v); });
  get("/customer", [this](const core::HttpRequest& r, const Visitor& v) { return customerPage(r, v); });
  post("/customer", [this](const core::HttpRequest& r, const Visitor& v) { return customerPost(r, v); });
  post("/customer/delete", [this](const core::HttpRequest& r, const Visitor& v) { return customerDelete(r, v); });
  get("/sessions", [this](const core::HttpRequest& r, const Visitor& v) { return sessionsPage(r, v); });
  get("/tokens", [this](const core::HttpRequest& r, const Visitor& v) { return tokensPage(r, v); });
  get("/dunning", [this](const core::HttpRequest& r, const Visitor& v) { return dunningPage(r, v); });
  post("/dunning", [this](const core::HttpRequest& r, const Visitor& v) { return dunningPost(r, v); });
  get("/subscription", [this](const core::HttpRequest& r, const Visitor& v) { return subscriptionPage(r, v); });
  post("/subscription", [this](const core::HttpRequest& r, const Visitor& v) { return subscriptionPost(r, v); });
  get("/subscription/invoice", [this](const core::HttpRequest& r, const Visitor& v) { return platformInvoicePage(r, v); });
  get("/billing", [this](const core::HttpRequest& r, const Visitor& v) { return tenantBillingPage(r, v); });
  get("/firmware", [this](const core::HttpRequest& r, const Visitor& v) { return firmwarePage(r, v); });
  post("/firmware", [this](const core::HttpRequest& r, const Visitor& v) { return firmwarePost(r, v); });
  get("/health", [this](const core::HttpRequest& r, const Visitor& v) { return healthPage(r, v); });
  get("/insight", [this](const core::HttpRequest& r, const Visitor& v) { return insightPage(r, v); });
  get("/alerts", [this](const core::HttpRequest& r, const Visitor& v) { return alertsPage(r, v); });
  post("/alerts", [this](const core::HttpRequest& r, const Visitor& v) { return alertsPost(r, v); });
  get("/notifications", [this](const core::HttpRequest& r, const Visitor& v) { return notificationsPage(r, v); });
  get("/network", [this](const core::HttpRequest& r, const Visitor& v) { return networkPage(r, v); });
  post("/network", [this](const core::HttpRequest& r, const Visitor& v) { return networkPost(r, v); });
  get("/notification-settings",
      [this](const core::HttpRequest& r, const Visitor& v) { return notifySettingsPage(r, v); });
  post("/notification-settings",
       [this](const core::HttpRequest& r, const Visitor& v) { return notifySettingsPost(r, v); });
  get("/imports", [this](const core::HttpRequest& r, const Visitor& v) { return importsPage(r, v); });
  post("/imports", [this](const core::HttpRequest& r, const Visitor& v) { return importsPost(r, v); });
  // The logo upload is larger than a form and multipart: its own limit, the same admission; the
  // handler checks the CSRF token from the parsed parts (logo_pages.cpp).
  core::HttpRouteLimits upload = signedIn;
  upload.maxBodyBytes = logoFormLimits().maxBodyBytes;
  server.route("POST", "/settings/logo", [this](const core::HttpRequest& r) { return logoPost(r); }, upload);
  core::HttpRouteLimits importUpload = signedIn;
  importUpload.maxBodyBytes = importFormLimits().maxBodyBytes;
  server.route("POST", "/imports/dry-run", [this](const core::HttpRequest& r) { return importDryRunPost(r); },
               importUpload);
  server.route("POST", "/imports/apply", [this](const core::HttpRequest& r) { return importApplyPost(r); },
               importUpload);
  post("/settings/logo/clear", [this](const core::HttpRequest& r, const Visitor& v) { return logoClear(r, v); });
  addBrandRoutes(server, get, post, upload);
  addReportRoutes(get);
  addPaymentRoutes(get, post);
  addPeopleRoutes(server, get, post, anonymous);
  addPartnerRoutes(get, post);
  addSignupRoutes(server, get, post, anonymous);
  addPartnerApplyRoutes(server, anonymous);
}

}  // namespace mgmt::console
