// The Accounts page (issue 22): every account that may sign in to the UI, local and central (ADR
// 0046), with its role, sign-in code, lockout and last sign-in; an admin adds a local account,
// changes its role, resets its password, lifts its lockout, turns its sign-in code off and deletes it.
// Every read and change is the edged command a root would type (user-list, user-add, user-set,
// user-unlock, user-del) run with the signed-in person's role: the command table, not this page,
// decides who may (admins; a technician or viewer gets 403 on the page and on every form), and the
// rules (the last admin stays, central accounts are mgmt's) are AccountService's.
#include "core/web/form.h"
#include "edge/webui/webui.h"
#include "edge/webui/webui_helpers.h"

namespace edge::webui {

using detail::field;
using detail::query;
using detail::textOf;

namespace {

constexpr const char* kRules =
    "A password is 10 to 256 characters; a passphrase of a few words is best. Nothing else is required.";

bool refused(const core::ControlReply& reply) {
  return !reply.ok() && core::command::publicCode(reply.code) == core::command::PublicCode::kPermissionDenied;
}

int statusOf(const core::ControlReply& reply) {
  return reply.ok() ? 200 : core::command::httpStatus(core::command::publicCode(reply.code));
}

// "2026-12-07T09:12:03.000Z" -> "2026-12-07 09:12:03 UTC"; null (a false section) for null.
core::Json shownTime(const core::Json& row, const char* key) {
  std::string t = textOf(row, key);
  if (t.empty()) return nullptr;
  if (t.size() < 20 || t[10] != 'T') return t;
  return t.substr(0, 10) + " " + t.substr(11, 8) + " UTC";
}

core::Json roleOptions(const std::string& chosen) {
  core::Json roles = core::Json::array();
  for (const std::string& r : edgeRoles()) roles.push_back({{"value", r}, {"selected", r == chosen}});
  return roles;
}

std::string passwordField(const char* name, const char* id, const char* label, const std::string& error) {
  return core::web::renderField(core::web::Field{
      name, id, label, "password", "", error,
      {{"autocomplete", "new-password"}, {"required", ""}, {"maxlength", "256"}, {"aria-describedby", "pw-rules"}}});
}

// A row of user-list as the templates show it.
core::Json userRow(const core::Json& a) {
  std::string name = textOf(a, "username");
  return {{"username", name},
          {"url_name", core::web::urlEncode(name)},
          {"account_role", textOf(a, "role")},  // not "role": page() sets that to the visitor's
          {"totp", textOf(a, "totp")},
          {"totp_on", textOf(a, "totp") == "on"},
          {"central", a.value("central", false)},
          {"locked", shownTime(a, "locked-until")},
          {"last_at", shownTime(a, "last-login-at")},
          {"last_from", textOf(a, "last-login-from")},
          {"created", shownTime(a, "created-at")},
          {"changed", shownTime(a, "changed-at")}};
}

}  // namespace

core::HttpResponse WebUi::usersPage(const core::HttpRequest& r, const Visitor& v, std::vector<core::web::Message> messages,
                                    core::Json form, int status) {
  core::ControlReply list = run(v, r, "user-list", core::Json::object());
  if (!list.ok()) return refuse(v, list);
  core::Json rows = core::Json::array();
  if (list.arguments.is_array())
    for (const core::Json& a : list.arguments) rows.push_back(userRow(a));
  core::Json errors = form.value("errors", core::Json::object());
  auto err = [&errors](const char* k) { return errors.value(k, std::string()); };
  core::Json data{
      {"rows", rows},
      {"rules", kRules},
      {"roles", roleOptions(form.value("role", "viewer"))},
      {"name_field",
       core::web::renderField(core::web::Field{"username", "add-username", "Name (letters, digits and . _ - @)", "text",
                                               form.value("username", ""), err("username"),
                                               {{"autocomplete", "off"}, {"required", ""}, {"maxlength", "64"}}})},
      {"password_field", passwordField("password", "add-password", "Password", err("password"))},
      {"repeat_field", passwordField("repeat-password", "add-repeat-password", "Password again", err("repeat-password"))}};
  return page(v, "users", "Accounts", data, std::move(messages), status);
}

core::HttpResponse WebUi::userPage(const core::HttpRequest& r, const Visitor& v, const std::string& username,
                                   std::vector<core::web::Message> messages, core::Json errors, int status) {
  core::ControlReply list = run(v, r, "user-list", core::Json::object());
  if (!list.ok()) return refuse(v, list);
  const core::Json* found = nullptr;
  if (list.arguments.is_array())
    for (const core::Json& a : list.arguments)
      if (textOf(a, "username") == username) found = &a;
  if (!found) {
    // Deleted (by this form or someone else): back to the list with what happened.
    if (messages.empty()) messages.push_back(core::web::Message::error("no account named '" + username + "'"));
    return usersPage(r, v, std::move(messages), core::Json::object(), status == 200 ? 404 : status);
  }
  core::Json data = userRow(*found);
  data["rules"] = kRules;
  data["roles"] = roleOptions(textOf(*found, "role"));
  data["errors"] = errors;
  data["password_field"] = passwordField("password", "edit-password", "New password", errors.value("password", ""));
  data["repeat_field"] =
      passwordField("repeat-password", "edit-repeat-password", "New password again", errors.value("repeat-password", ""));
  return page(v, "user_edit", "Account " + username, data, std::move(messages), status);
}

core::HttpResponse WebUi::userPost(const core::HttpRequest& r, const Visitor& v, const std::string& action) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  const std::string username = field(form, "username");
  static const std::map<std::string, std::string> commands = {{"add", "user-add"},       {"role", "user-set"},
                                                              {"password", "user-set"},  {"totp-off", "user-set"},
                                                              {"unlock", "user-unlock"}, {"delete", "user-del"}};
  const std::string command = commands.at(action);
  core::Json args{{"username", username}};
  if (action == "add") {
    args["role"] = field(form, "role");
    args["password"] = field(form, "password");
  } else if (action == "role") {
    args["role"] = field(form, "role");
  } else if (action == "password") {
    args["password"] = field(form, "password");
  } else if (action == "totp-off") {
    args["totp"] = "disable";
  }
  // A role that may not run the command is refused by the table (and audited) before any field is
  // looked at: 403 whatever the form holds.
  if (!may(v.role, command)) return refuse(v, run(v, r, command, args));

  core::Json errors = core::Json::object();
  if (action == "add" || action == "password") {
    if (field(form, "password").empty()) errors["password"] = "Type a password.";
    if (field(form, "password") != field(form, "repeat-password")) errors["repeat-password"] = "The two passwords differ.";
  }
  if (action == "add" && username.empty()) errors["username"] = "Give the account a name.";
  if (action == "delete" && field(form, "confirm") != "yes") errors["confirm"] = "Tick the box to confirm.";
  const std::string notDone = action == "add" ? "The account was not added." : "Nothing was changed.";
  auto again = [&](int status, std::vector<core::web::Message> messages) {
    if (action == "add") {
      core::Json shown{{"username", username}, {"role", field(form, "role")}, {"errors", errors}};
      return usersPage(r, v, std::move(messages), shown, status);
    }
    return userPage(r, v, username, std::move(messages), errors, status);
  };
  if (!errors.empty()) return again(400, {core::web::Message::error(notDone)});

  core::ControlReply reply = run(v, r, command, args);
  if (refused(reply)) return refuse(v, reply);
  if (!reply.ok()) {
    // The command's words next to the field they are about.
    const std::string& text = reply.text;
    std::string key;
    if (action == "add")
      key = text.find("account name") != std::string::npos || text.find("exists already") != std::string::npos ? "username"
            : text.find("role") == 0                                                                           ? ""
                                                                                                               : "password";
    else if (action == "password" || action == "role")
      key = action;
    else if (action == "delete")
      key = "confirm";
    // A central account's page has no fields (mgmt's "change it on mgmt" goes on top).
    std::optional<Account> target = host_.accounts->find(username);
    if (target && target->central) key.clear();
    if (!key.empty()) errors[key] = text;
    std::vector<core::web::Message> messages{core::web::Message::error(key.empty() ? text : notDone)};
    return again(statusOf(reply), std::move(messages));
  }
  // A change to one's own role, password or account ended one's sessions (AccountService::onChanged).
  if (username == v.session.principal && (action == "role" || action == "password" || action == "delete"))
    return core::web::redirect(303, "/login", "Sign in");
  if (action == "add" || action == "delete") return usersPage(r, v, {core::web::Message::ok(reply.text)});
  return userPage(r, v, username, {core::web::Message::ok(reply.text)});
}

void WebUi::addUsersRoutes(const RouteAdder& get, const RouteAdder& post) {
  get("/accounts", [this](const core::HttpRequest& r, const Visitor& v) { return usersPage(r, v); });
  get("/accounts/edit", [this](const core::HttpRequest& r, const Visitor& v) { return userPage(r, v, query(r, "u")); });
  for (const char* action : {"add", "role", "password", "totp-off", "unlock", "delete"}) {
    std::string a = action;
    post("/accounts/" + a, [this, a](const core::HttpRequest& r, const Visitor& v) { return userPost(r, v, a); });
  }
}

}  // namespace edge::webui
