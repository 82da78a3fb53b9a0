// The technician UI's "My account" page and the second step of a sign-in with a TOTP code (issue
// 22): a signed-in person changes their own password (the old one required) and turns sign-in codes
// on (enrollment: a new secret as a QR code and as text, on only once a code from it is typed) or
// off (their password required). Both go through the command table as that person
// (account-password, account-totp), so they are audited like every change.
#include <map>

#include "core/web/form.h"
#include "core/identity/totp.h"
#include "edge/webui/webui.h"
#include "edge/webui/webui_helpers.h"

namespace edge::webui {

using detail::field;

namespace {

constexpr int64_t kCodeStepSeconds = 300;  // a password-checked sign-in waits this long for its code

core::web::Field codeField(const std::string& error) {
  return core::web::Field{"code", "code", "Code from your authenticator app", "text", "", error,
                          {{"autocomplete", "one-time-code"}, {"inputmode", "numeric"}, {"pattern", "[0-9]{6}"},
                           {"maxlength", "6"}, {"required", ""}}};
}

}  // namespace

// A password-checked account with TOTP: a half session (not a visitor: visitor() refuses it) that
// only the code form can finish.
core::HttpResponse WebUi::codePage(const core::HttpRequest& r, const std::string& sessionId, const std::string& error,
                                   int status, core::HttpResponse base) {
  (void)r;
  core::Json data{{"csrf", csrf_.tokenFor(sessionId)}, {"code", core::web::renderField(codeField(error))}};
  core::web::Page p;
  p.title = "Sign-in code";
  p.status = status;
  core::Result<std::string> body = templates_->render("login_code", data);
  p.body = body.isOk() ? *body : "";
  return frame_.render(p, core::web::Branding{options_.title, "", ""}, std::move(base));
}

core::HttpResponse WebUi::startCodeStep(const core::HttpRequest& r, const Account& account) {
  const int64_t t = now();
  core::web::Session s = sessions_.create(
      account.username, core::Json{{"role", account.role}, {"totp-pending", true}, {"pending-until", t + kCodeStepSeconds}}, t);
  core::HttpResponse base;
  base.headers.emplace_back("Set-Cookie", core::web::setCookieValue(cookie_.options(), s.id, r.tls));
  return codePage(r, s.id, "", 200, std::move(base));
}

core::HttpResponse WebUi::loginCodePost(const core::HttpRequest& r) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  std::string id = cookie_.idOf(r);
  const int64_t t = now();
  std::optional<core::web::Session> s = id.empty() ? std::nullopt : sessions_.touch(id, t);
  if (!s || !s->data.value("totp-pending", false) || s->data.value("pending-until", int64_t{0}) < t) {
    if (s) sessions_.remove(s->id);
    return loginPage(r, "The time for the code ran out: sign in again.", 401);
  }
  if (!csrf_.verifyForm(s->id, form)) {
    audit("ui-refused", nullptr, r, "sign-in code form without a valid CSRF token");
    return codePage(r, s->id, "This form had expired: type the code again.", 403);
  }
  const std::string username = s->principal;
  const std::string role = s->data.value("role", "");
  core::Status checked = host_.accounts->checkCode(username, field(form, "code"), r.remote);
  if (!checked.isOk()) {
    bool locked = checked.code() == core::Code::kResourceExhausted;
    audit(locked ? "ui-login-locked" : "ui-login-refused", nullptr, r, username + ": sign-in code: " + checked.message());
    if (locked) {
      sessions_.remove(s->id);
      return loginPage(r, checked.message(), 429, username);
    }
    return codePage(r, s->id, "That code is not right (or was used already): type the code shown now.", 401);
  }
  // A new id for the signed-in session (the half session's id was set before the code).
  sessions_.remove(s->id);
  core::web::Session full = sessions_.create(username, core::Json{{"role", role}}, t);
  core::HttpResponse out = core::web::redirect(303, "/", "Continue");
  out.headers.emplace_back("Set-Cookie", core::web::setCookieValue(cookie_.options(), full.id, r.tls));
  Visitor v{full, role, ""};
  audit("ui-login", &v, r, "signed in with password and code");
  (void)host_.accounts->signedIn(username, r.remote);
  return out;
}

core::HttpResponse WebUi::accountPage(const Visitor& v, std::vector<core::web::Message> messages,
                                      core::Json errors, int status) {
  std::optional<Account> account = host_.accounts->find(v.session.principal);
  auto err = [&errors](const char* k) { return errors.value(k, std::string()); };
  auto pw = [](const char* name, const char* label, const char* autocomplete, const std::string& error) {
    return core::web::renderField(core::web::Field{name, std::string("acct-") + name, label, "password", "", error,
                                                   {{"autocomplete", autocomplete}, {"required", ""}}});
  };
  core::Json data{{"username", v.session.principal},
                  {"account_current", true},
                  {"totp", account && account->totp},
                  {"central", account && account->central},
                  {"old_password", pw("old-password", "Current password", "current-password", err("old-password"))},
                  {"new_password", pw("new-password", "New password (at least 10 characters)", "new-password",
                                      err("new-password"))},
                  {"repeat_password", pw("repeat-password", "New password again", "new-password", err("repeat-password"))},
                  {"disable_password", pw("password", "Your password", "current-password", err("password"))}};
  return page(v, "account", "My account", data, std::move(messages), status);
}

core::HttpResponse WebUi::totpEnrollPage(const Visitor& v, const std::string& secretText, const std::string& error,
                                         int status) {
  core::Result<std::string> secret = core::identity::fromBase32(secretText);
  std::string svg;
  if (secret.isOk()) {
    core::Result<std::string> qr =
        core::identity::qrSvg(core::identity::otpauthUri(options_.title, v.session.principal, *secret), "QR code of the sign-in secret");
    if (qr.isOk()) svg = *qr;
  }
  // Groups of four, the way apps show a key to type.
  std::string spaced;
  for (size_t i = 0; i < secretText.size(); ++i) spaced += (i && i % 4 == 0 ? " " : "") + std::string(1, secretText[i]);
  core::Json data{{"qr", svg}, {"secret", secretText}, {"secret_spaced", spaced}, {"account_current", true},
                  {"code", core::web::renderField(codeField(error))}};
  std::vector<core::web::Message> messages;
  if (!error.empty()) messages.push_back(core::web::Message::error(error));
  return page(v, "account_totp", "Set up a sign-in code", data, std::move(messages), status);
}

core::HttpResponse WebUi::accountPost(const core::HttpRequest& r, const Visitor& v, const std::string& action) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  if (action == "password") {
    core::Json errors = core::Json::object();
    std::string oldPassword = field(form, "old-password"), newPassword = field(form, "new-password");
    if (oldPassword.empty()) errors["old-password"] = "Type your current password.";
    if (newPassword.empty()) errors["new-password"] = "Type a new password.";
    if (newPassword != field(form, "repeat-password")) errors["repeat-password"] = "The two new passwords differ.";
    if (!errors.empty()) return accountPage(v, {core::web::Message::error("The password was not changed.")}, errors, 400);
    core::ControlReply reply =
        run(v, r, "account-password", core::Json{{"old-password", oldPassword}, {"new-password", newPassword}});
    if (!reply.ok()) {
      int status = core::command::httpStatus(core::command::publicCode(reply.code));
      bool wrongOld = reply.code == core::Code::kPermissionDenied || reply.code == core::Code::kResourceExhausted;
      errors[wrongOld ? "old-password" : "new-password"] = reply.text;
      return accountPage(v, {core::web::Message::error("The password was not changed.")}, errors, status);
    }
    // Every session of this account ended with the change; this browser gets a new one.
    core::web::Session s = sessions_.create(v.session.principal, core::Json{{"role", v.role}}, now());
    Visitor fresh{s, v.role, csrf_.tokenFor(s.id)};
    core::HttpResponse out = accountPage(fresh, {core::web::Message::ok(reply.text)});
    out.headers.emplace_back("Set-Cookie", core::web::setCookieValue(cookie_.options(), s.id, r.tls));
    return out;
  }
  if (action == "totp-enable") {
    std::string secret = field(form, "secret");
    core::ControlReply reply = run(v, r, "account-totp",
                                   core::Json{{"action", "enable"}, {"secret", secret}, {"code", field(form, "code")}});
    if (!reply.ok()) {
      if (reply.code == core::Code::kPermissionDenied) return refuse(v, reply);
      return totpEnrollPage(v, secret, reply.text, core::command::httpStatus(core::command::publicCode(reply.code)));
    }
    return accountPage(v, {core::web::Message::ok(reply.text)});
  }
  // totp-disable
  core::ControlReply reply =
      run(v, r, "account-totp", core::Json{{"action", "disable"}, {"password", field(form, "password")}});
  if (!reply.ok()) {
    int status = core::command::httpStatus(core::command::publicCode(reply.code));
    return accountPage(v, {core::web::Message::error("Sign-in codes are still on.")}, core::Json{{"password", reply.text}},
                       status);
  }
  return accountPage(v, {core::web::Message::ok(reply.text)});
}

void WebUi::addAccountRoutes(core::HttpServer& server, const RouteAdder& get, const RouteAdder& post) {
  server.route("POST", "/login/code", [this](const core::HttpRequest& r) { return loginCodePost(r); });
  get("/account", [this](const core::HttpRequest&, const Visitor& v) { return accountPage(v); });
  // A new secret each time the page is opened: nothing is stored until a code from it is confirmed.
  get("/account/totp", [this](const core::HttpRequest&, const Visitor& v) {
    return totpEnrollPage(v, core::identity::toBase32(core::identity::newTotpSecret()), "", 200);
  });
  post("/account/password", [this](const core::HttpRequest& r, const Visitor& v) { return accountPost(r, v, "password"); });
  post("/account/totp/enable",
       [this](const core::HttpRequest& r, const Visitor& v) { return accountPost(r, v, "totp-enable"); });
  post("/account/totp/disable",
       [this](const core::HttpRequest& r, const Visitor& v) { return accountPost(r, v, "totp-disable"); });
}

}  // namespace edge::webui
