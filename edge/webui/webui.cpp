// The technician UI's frame, sign-in, sessions, dispatch and audit. The pages are in webui_pages.cpp.
#include "edge/webui/webui.h"

#include <algorithm>

#include "core/clock.h"
#include "core/daemon.h"
#include "core/web/embedded_files.h"
#include "core/web/form.h"
#include "edge/commands/edge_commands.h"
#include "edge/webui/webui_files.h"

namespace edge::webui {

namespace {

constexpr const char* kCookieName = "edged_ui";

core::web::FrameOptions frameOptions() {
  core::web::FrameOptions o;
  o.stylesheets = {"/static/pico.classless.min.css", "/static/uPlot.min.css", "/static/webui.css"};
  o.scripts = {"/static/htmx.min.js", "/static/uPlot.iife.min.js", "/static/webui.js", "/static/diagnostics.js", "/static/webui_events.js"};
  // Our own scripts and styles only; htmx and webui.js fetch from this origin. htmx's indicator style
  // is turned off (webui.css has it), so no inline <style> is injected; uPlot sizes its canvas through
  // the CSSOM, which style-src does not govern.
  o.contentSecurityPolicy =
      "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
      "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
  o.footerLinks = {{"/help", "Help"}};
  return o;
}

// The UI's request threads run at the lowest CPU priority (nice 19, per thread): on a box whose
// cores RADIUS needs, pages wait and authentications do not. Once per thread (the server keeps a
// thread per connection).
void yieldToRadius() {
  thread_local bool done = false;
  if (done) return;
  done = true;
  core::lowerThreadPriority(19);
}

// The last part of a path: "htmx.org/dist/htmx.min.js" -> "htmx.min.js".
std::string baseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// "subscriber-set username=bob status=suspended": what a change asked for, secrets left out, long
// values cut.
std::string describe(const core::command::Spec* spec, const std::string& command, const core::Json& arguments) {
  std::string out = command;
  if (!arguments.is_object()) return out;
  for (const auto& [key, value] : arguments.items()) {
    bool secret = false;
    if (spec)
      for (const core::command::Arg& a : spec->args)
        if (a.name == key && a.type == core::command::ArgType::kSecret) secret = true;
    if (key == "secret" || key == "password") secret = true;
    std::string text = secret ? "(secret)" : value.is_string() ? value.get<std::string>() : value.dump();
    if (text.size() > 64) text = text.substr(0, 61) + "...";
    out += " " + key + "=" + text;
  }
  return out;
}

}  // namespace

WebUi::WebUi(WebUiHost host, WebUiOptions options)
    : host_(std::move(host)),
      options_(std::move(options)),
      frame_(frameOptions()),
      templates_(std::make_unique<core::web::Templates>()),
      sessions_(options_.sessions),
      cookie_(core::web::CookieOptions{kCookieName, "/", 0}) {}

WebUi::~WebUi() = default;

core::Status WebUi::init() {
  // A changed role or password, or a deleted account: that person's sessions end now.
  if (host_.accounts)
    host_.accounts->onChanged([this](const std::string& username) { sessions_.removePrincipal(username); });
  EDGE_RETURN_IF_ERROR(templates_->addFiles(core::web::coreWebFiles()));
  EDGE_RETURN_IF_ERROR(templates_->addFiles(webuiTemplates()));
  core::web::AssetOptions immutable;
  immutable.cacheControl = "max-age=86400";
  for (const core::web::EmbeddedFile& f : webuiVendorFiles())
    assets_.add("/static/" + baseName(f.path), std::string(reinterpret_cast<const char*>(f.data), f.size), immutable);
  for (const core::web::EmbeddedFile& f : webuiStaticFiles())
    assets_.add("/static/" + baseName(f.path), std::string(reinterpret_cast<const char*>(f.data), f.size), immutable);
  return core::Status::ok();
}

int64_t WebUi::now() const { return host_.now ? host_.now() : core::SystemClock::instance().unixSeconds(); }

void WebUi::tick(int64_t now) {
  if (now - lastExpire_ >= 60) {
    sessions_.expire(now);
    lastExpire_ = now;
  }
  followEvents(now);
  if (!host_.sample) return;
  std::lock_guard<std::mutex> lock(samplesMu_);
  if (!samples_.empty() && now - samples_.back().at < options_.sampleSeconds) return;
  Sample s = host_.sample();
  s.at = now;
  samples_.push_back(s);
  while (samples_.size() > options_.samplesKept) samples_.pop_front();
}

std::optional<WebUi::Visitor> WebUi::visitor(const core::HttpRequest& request) {
  std::string id = cookie_.idOf(request);
  if (id.empty()) return std::nullopt;
  std::optional<core::web::Session> s = sessions_.touch(id, now());
  if (!s) return std::nullopt;
  if (s->data.value("totp-pending", false)) return std::nullopt;  // password checked, code not yet
  Visitor v;
  v.role = s->data.value("role", "");
  v.csrf = csrf_.tokenFor(s->id);
  v.session = std::move(*s);
  return v;
}

bool WebUi::may(const std::string& role, const std::string& command) const {
  const core::command::Spec* spec = host_.commands->find(command);
  if (!spec) return false;
  const std::vector<std::string>& ladder = edgeRoles();
  auto rank = [&ladder](const std::string& r) {
    auto it = std::find(ladder.begin(), ladder.end(), r);
    return it == ladder.end() ? -1 : static_cast<int>(it - ladder.begin());
  };
  return rank(role) >= 0 && rank(role) >= rank(spec->role.empty() ? ladder.front() : spec->role);
}

void WebUi::audit(const std::string& kind, const Visitor* v, const core::HttpRequest& request, const std::string& what) {
  if (!host_.audit) return;
  std::string who = v ? v->session.principal + " (" + v->role + ")" : "someone";
  host_.audit(kind, who + " from " + request.remote + ": " + what);
}

core::ControlReply WebUi::run(const Visitor& v, const core::HttpRequest& request, const std::string& command,
                              const core::Json& arguments) {
  core::command::Caller caller{v.role, "", v.session.principal};
  core::ControlReply reply = host_.commands->call(caller, command, arguments);
  const core::command::Spec* spec = host_.commands->find(command);
  if (spec && spec->mutates()) {
    std::string what = describe(spec, command, arguments);
    if (reply.ok())
      audit("ui-change", &v, request, what);
    else
      audit("ui-refused", &v, request, what + " refused (" +
                                           core::command::publicCodeName(core::command::publicCode(reply.code)) +
                                           "): " + reply.text);
  }
  return reply;
}

core::HttpResponse WebUi::page(const Visitor& v, const std::string& tmpl, const std::string& title, core::Json data,
                               std::vector<core::web::Message> messages, int status) {
  struct Link {
    const char* href;
    const char* text;
    const char* tmpl;
  };
  static const Link links[] = {{"/", "Overview", "overview"},
                               {"/subscribers", "Subscribers", "subscribers"},
                               {"/sessions", "Sessions", "sessions"},
                               {"/plans", "Plans", "plans"},
                               {"/nas", "NAS clients", "nas"},
                               {"/vouchers", "Vouchers", "vouchers"},
                               {"/events", "Events", "events"},
                               {"/diagnostics", "Diagnostics", "diagnostics"},
                               {"/certificates", "Certificates", "certificates"},
                               {"/gateway", "Gateway", "gateway"},
                               {"/accounts", "Accounts", "users"},
                               {"/settings", "Settings", "settings"}};
  core::Json nav = core::Json::array();
  for (const Link& l : links) {
    if (std::string(l.tmpl) == "gateway" && !options_.gateway) continue;
    if (std::string(l.tmpl) == "users" && !may(v.role, "user-list")) continue;
    bool current = tmpl == l.tmpl || (tmpl == "subscriber" && std::string(l.tmpl) == "subscribers") ||
                   (tmpl == "user_edit" && std::string(l.tmpl) == "users");
    nav.push_back({{"href", l.href}, {"text", l.text}, {"current", current}});
  }
  data["nav"] = nav;
  data["csrf"] = v.csrf;
  data["user"] = v.session.principal;
  data["role"] = v.role;
  data["title"] = title;
  core::Json mayDo = core::Json::object();
  for (const char* c : {"subscriber-set", "subscriber-topup", "session-disconnect", "session-coa", "nas-add", "nas-del", "nas-probe", "voucher-generate",
                        "voucher-revoke", "voucher-export"}) {
    std::string key = c;
    std::replace(key.begin(), key.end(), '-', '_');
    mayDo[key] = may(v.role, c);
  }
  data["may"] = mayDo;
  core::Result<std::string> body = templates_->render(tmpl, data);
  core::web::Page p;
  p.title = title;  // the frame adds the name after it
  p.messages = std::move(messages);
  p.status = status;
  if (!body.isOk()) {
    p.status = 500;
    p.messages = {core::web::Message::error("this page could not be shown: " + body.status().message())};
  } else {
    p.body = *body;
  }
  return frame_.render(p, core::web::Branding{options_.title, "", ""});
}

core::HttpResponse WebUi::fragment(const std::string& tmpl, const core::Json& data) {
  core::HttpResponse r;
  core::Result<std::string> body = templates_->render(tmpl, data);
  r.contentType = "text/html; charset=utf-8";
  if (!body.isOk()) {
    r.status = 500;
    r.body = "<p role=\"alert\">this part could not be shown</p>";
    return r;
  }
  r.body = *body;
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

core::HttpResponse WebUi::refuse(const Visitor& v, const core::ControlReply& reply) {
  int status = core::command::httpStatus(core::command::publicCode(reply.code));
  return page(v, "refused", "Not done", core::Json{{"text", reply.text}}, {core::web::Message::error(reply.text)}, status);
}

core::HttpResponse WebUi::loginPage(const core::HttpRequest& r, const std::string& error, int status,
                                    const std::string& username) {
  core::HttpResponse base;
  std::string id = cookie_.ensure(r, base);
  core::web::Field user{"username", "", "Name", "text", username, "", {{"autocomplete", "username"}, {"required", ""}}};
  core::web::Field pass{"password", "", "Password", "password", "", error, {{"autocomplete", "current-password"}, {"required", ""}}};
  core::Json data{{"csrf", csrf_.tokenFor(id)},
                  {"username", core::web::renderField(user)},
                  {"password", core::web::renderField(pass)}};
  core::web::Page p;
  p.title = "Sign in";
  p.status = status;
  core::Result<std::string> body = templates_->render("login", data);
  p.body = body.isOk() ? *body : "";
  return frame_.render(p, core::web::Branding{options_.title, "", ""}, std::move(base));
}

core::HttpResponse WebUi::loginPost(const core::HttpRequest& r) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  std::string id = cookie_.idOf(r);
  if (id.empty() || !csrf_.verifyForm(id, form)) {
    audit("ui-refused", nullptr, r, "sign-in form without a valid CSRF token");
    return loginPage(r, "This form had expired: please sign in again.", 403);
  }
  std::string username = form.count("username") ? form["username"] : "";
  std::string password = form.count("password") ? form["password"] : "";
  if (username.empty() || password.empty()) return loginPage(r, "Give your name and password.", 400, username);
  core::Result<Account> account = host_.accounts->login(username, password, r.remote);
  if (!account.isOk()) {
    bool locked = account.status().code() == core::Code::kResourceExhausted;
    std::string shown = isAccountName(username) ? username : "(a name that is not an account name)";
    audit(locked ? "ui-login-locked" : "ui-login-refused", nullptr, r, shown + ": " + account.status().message());
    core::HttpResponse out = loginPage(r, locked ? account.status().message() : "Wrong name or password.",
                                       locked ? 429 : 401, username);
    return out;
  }
  if (account->totp) return startCodeStep(r, *account);
  core::web::Session s = sessions_.create(account->username, core::Json{{"role", account->role}}, now());
  core::HttpResponse out = core::web::redirect(303, "/", "Continue");
  out.headers.emplace_back("Set-Cookie", core::web::setCookieValue(cookie_.options(), s.id, r.tls));
  Visitor v{s, account->role, ""};
  audit("ui-login", &v, r, "signed in");
  (void)host_.accounts->signedIn(account->username, r.remote);  // for the Accounts page; a failed write loses only that
  return out;
}

core::HttpResponse WebUi::logoutPost(const core::HttpRequest& r, const Visitor& v) {
  sessions_.remove(v.session.id);
  core::HttpResponse out = core::web::redirect(303, "/login", "Sign in");
  cookie_.clear(r, out);
  audit("ui-logout", &v, r, "signed out");
  return out;
}

void WebUi::addRoutes(core::HttpServer& server) {
  assets_.addRoutes(server);
  using Handler = std::function<core::HttpResponse(const core::HttpRequest&, const Visitor&)>;
  auto get = [this, &server](const std::string& path, Handler f) {
    server.route("GET", path, [this, f](const core::HttpRequest& r) {
      yieldToRadius();
      std::optional<Visitor> v = visitor(r);
      if (!v) return core::web::redirect(303, "/login", "Sign in");
      return f(r, *v);
    });
  };
  // A POST runs only for a signed-in person whose form carries their session's CSRF token.
  auto post = [this, &server](const std::string& path, Handler f) {
    server.route("POST", path, [this, f, path](const core::HttpRequest& r) {
      yieldToRadius();
      std::optional<Visitor> v = visitor(r);
      if (!v) {
        core::HttpResponse out = core::web::redirect(303, "/login", "Sign in");
        out.status = 403;
        return out;
      }
      if (!csrf_.verifyForm(v->session.id, core::web::parseForm(r.body))) {
        audit("ui-refused", &*v, r, "POST " + path + " without a valid CSRF token");
        return page(*v, "refused", "Not done", core::Json::object(),
                    {core::web::Message::error("This form had expired or did not come from this site: nothing was done. "
                                               "Reload the page and try again.")},
                    403);
      }
      return f(r, *v);
    });
  };

  server.route("GET", "/login", [this](const core::HttpRequest& r) {
    yieldToRadius();
    if (visitor(r)) return core::web::redirect(303, "/", "Continue");
    return loginPage(r, "", 200);
  });
  server.route("POST", "/login", [this](const core::HttpRequest& r) {
    yieldToRadius();  // argon2 too
    return loginPost(r);
  });
  post("/logout", [this](const core::HttpRequest& r, const Visitor& v) { return logoutPost(r, v); });

  get("/", [this](const core::HttpRequest&, const Visitor& v) { return overview(v, false); });
  get("/overview/live", [this](const core::HttpRequest&, const Visitor& v) { return overview(v, true); });
  get("/overview/series", [this](const core::HttpRequest&, const Visitor&) { return series(); });
  get("/help", [this](const core::HttpRequest&, const Visitor& v) { return page(v, "help", "Help", core::Json::object()); });
  get("/subscribers", [this](const core::HttpRequest& r, const Visitor& v) { return subscribers(r, v, false); });
  get("/subscribers/results", [this](const core::HttpRequest& r, const Visitor& v) { return subscribers(r, v, true); });
  get("/subscriber", [this](const core::HttpRequest& r, const Visitor& v) { return subscriber(r, v); });
  post("/subscriber/status", [this](const core::HttpRequest& r, const Visitor& v) { return subscriberPost(r, v, "status"); });
  post("/subscriber/topup", [this](const core::HttpRequest& r, const Visitor& v) { return subscriberPost(r, v, "topup"); });
  post("/subscriber/unbind", [this](const core::HttpRequest& r, const Visitor& v) { return subscriberPost(r, v, "unbind"); });
  post("/subscriber/password",
       [this](const core::HttpRequest& r, const Visitor& v) { return subscriberPost(r, v, "password"); });
  get("/subscriber/usage", [this](const core::HttpRequest& r, const Visitor& v) { return subscriberUsage(r, v); });
  get("/sessions", [this](const core::HttpRequest& r, const Visitor& v) { return sessionsPage(r, v); });
  post("/sessions/disconnect",
       [this](const core::HttpRequest& r, const Visitor& v) { return sessionPost(r, v, "session-disconnect"); });
  post("/sessions/coa", [this](const core::HttpRequest& r, const Visitor& v) { return sessionPost(r, v, "session-coa"); });
  get("/nas", [this](const core::HttpRequest&, const Visitor& v) { return nasPage(v); });
  post("/nas/save", [this](const core::HttpRequest& r, const Visitor& v) { return nasPost(r, v, "save"); });
  post("/nas/delete", [this](const core::HttpRequest& r, const Visitor& v) { return nasPost(r, v, "delete"); });
  get("/vouchers", [this](const core::HttpRequest& r, const Visitor& v) { return vouchersPage(r, v); });
  get("/vouchers/sheet", [this](const core::HttpRequest& r, const Visitor& v) { return voucherSheet(r, v); });
  post("/vouchers/generate", [this](const core::HttpRequest& r, const Visitor& v) { return voucherPost(r, v, "generate"); });
  post("/vouchers/revoke", [this](const core::HttpRequest& r, const Visitor& v) { return voucherPost(r, v, "revoke"); });
  get("/plans", [this](const core::HttpRequest& r, const Visitor& v) { return plansPage(r, v); });
  get("/events", [this](const core::HttpRequest& r, const Visitor& v) { return eventsPage(r, v); });
  get("/events/follow", [this](const core::HttpRequest& r, const Visitor& v) { return eventsFollow(r, v); });
  addAccountRoutes(server, get, post);
  addSettingsRoutes(get, post);
  addUsersRoutes(get, post);
  addCertificatesRoutes(get, post);
  if (options_.gateway)
    get("/gateway", [this](const core::HttpRequest& r, const Visitor& v) { return gatewayPage(r, v); });
  get("/diagnostics", [this](const core::HttpRequest&, const Visitor& v) { return diagnosticsPage(v); });
  for (const char* action : {"test-login", "nas-probe", "run", "stop"}) {
    std::string a = action;
    post("/diagnostics/" + a, [this, a](const core::HttpRequest& r, const Visitor& v) { return diagnosticsPost(r, v, a); });
  }
  get("/diagnostics/stream", [this](const core::HttpRequest& r, const Visitor& v) { return diagnosticsStream(r, v); });
  get("/diagnostics/output", [this](const core::HttpRequest& r, const Visitor& v) { return diagnosticsOutput(r, v); });
  get("/diagnostics/capture.pcap",
      [this](const core::HttpRequest& r, const Visitor& v) { return diagnosticsCapture(r, v); });
}

}  // namespace edge::webui
