// The console's pages about people and their rights (issue 23): staff and roles (list, invite by
// mail, change a role, disable), API tokens (made with a role and an expiry and shown once, listed,
// revoked), the audit log (filtered by person, action and date, paged by keyset, exported as CSV),
// the person's own second factor (TOTP enrolment with a QR code, recovery codes shown once) and the
// "forgot password" form. Every read and change is a command of mgmtd's table called with the
// visitor's caller, as on the other pages; TOTP and the reset mail go through ConsoleAuth, the same
// service the auth API calls.
#include <ctime>
#include <map>

#include "core/identity/totp.h"
#include "core/log.h"
#include "core/clock.h"
#include "core/web/form.h"
#include "mgmt/console/console.h"
#include "mgmt/console/page_text.h"
#include "mgmt/mgmt_commands.h"

namespace mgmt::console {

using core::HttpRequest;
using core::HttpResponse;
using core::Json;
using core::web::Message;

namespace {

constexpr int64_t kAuditPage = 50;

// The roles a visitor may be offered in a form: their level's (the command decides what they may
// actually grant, and says so next to the field).
Json roleOptions(bool platform, const std::string& selected) {
  Json out = Json::array();
  const std::string prefix = platform ? "platform-" : "tenant-";
  for (const std::string& r : mgmtRoles())
    if (r.rfind(prefix, 0) == 0) out.push_back({{"value", r}, {"selected", r == selected}});
  return out;
}

// A select with its label and, when refused, the message next to it (as core/web renderField does for
// inputs).
Json selectField(const std::string& id, const std::string& name, const std::string& label, Json options,
                 const std::string& error) {
  return Json{{"id", id}, {"name", name}, {"label", label}, {"options", std::move(options)}, {"error", error},
              {"has_error", !error.empty()}};
}

// "2026-12-07" from a date input, as the start of that day (UTC) or the start of the next one; ""
// when it is not such a date.
std::string dayStart(const std::string& day, bool next) {
  if (day.size() != 10) return "";
  core::Result<int64_t> t = core::parseIso8601(day + "T00:00:00Z");
  if (!t.isOk()) return "";
  time_t at = static_cast<time_t>(*t + (next ? 86400 : 0));
  struct tm tm {};
  gmtime_r(&at, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string digitsOnly(const std::string& s, size_t max) {
  if (s.empty() || s.size() > max || s.find_first_not_of("0123456789") != std::string::npos) return "";
  return s;
}

int statusOf(const core::ControlReply& reply) {
  return core::command::httpStatus(core::command::publicCode(reply.code));
}

}  // namespace

void Console::addPeopleRoutes(core::HttpServer& server, const PageRoute& get, const PageRoute& post,
                              const core::HttpRouteLimits& anonymous) {
  get("/people", [this](const HttpRequest& r, const Visitor& v) { return peoplePage(r, v); });
  post("/people/invite", [this](const HttpRequest& r, const Visitor& v) { return personInvite(r, v); });
  post("/people/set", [this](const HttpRequest& r, const Visitor& v) { return personSet(r, v); });
  post("/tokens/create", [this](const HttpRequest& r, const Visitor& v) { return tokenCreate(r, v); });
  post("/tokens/revoke", [this](const HttpRequest& r, const Visitor& v) { return tokenRevoke(r, v); });
  get("/audit", [this](const HttpRequest& r, const Visitor& v) { return auditPage(r, v); });
  get("/audit.csv", [this](const HttpRequest& r, const Visitor& v) { return auditCsv(r, v); });
  get("/account", [this](const HttpRequest& r, const Visitor& v) { return accountPage(r, v); });
  post("/account/totp", [this](const HttpRequest& r, const Visitor& v) { return totpBegin(r, v); });
  post("/account/totp/confirm", [this](const HttpRequest& r, const Visitor& v) { return totpConfirm(r, v); });
  get("/settings", [this](const HttpRequest& r, const Visitor& v) { return settingsPage(r, v); });
  post("/settings", [this](const HttpRequest& r, const Visitor& v) { return settingsPost(r, v); });
  server.route("GET", "/forgot", [this](const HttpRequest& r) { return forgotPage(r, "", "", false, 200); });
  server.route("POST", "/forgot", [this](const HttpRequest& r) { return forgotPost(r); }, anonymous);
}

// --- Staff and roles -------------------------------------------------------------------------------

HttpResponse Console::peoplePage(const HttpRequest& r, const Visitor& v, Json form, std::vector<Message> messages,
                                 int status) {
  // A refused post shows the page again for the tenant it was posted for.
  const std::string tenant = form.is_object() ? form.value("tenant", "") : tenantOf(r, v);
  Json args = Json::object();
  if (v.user.platform() && !tenant.empty()) args["tenant"] = tenant;
  core::ControlReply list = run(v, "person-list", args);
  if (!list.ok()) return refuse(v, list);
  const bool tenantPeople = !v.user.platform() || !tenant.empty();
  const bool maySet = may(v, "person-set");
  Json rows = Json::array();
  for (const Json& p : list.arguments) {
    const std::string email = text(p, "email");
    const bool self = email == v.user.label;
    Json roles = roleOptions(!tenantPeople, text(p, "role"));
    rows.push_back({{"email", email},
                    {"name", text(p, "name")},
                    {"role", text(p, "role")},
                    {"status", p.value("invited", false) ? std::string("invited") : text(p, "status")},
                    {"active", text(p, "status") == "active"},
                    {"totp", p.value("totp", false) ? "on" : "off"},
                    {"last", text(p, "last-login-at")},
                    {"roles", roles},
                    {"may_set", maySet && !self}});
  }
  const Json values = form.is_object() ? form["values"] : Json::object();
  const Json errors = form.is_object() ? form["errors"] : Json::object();
  auto error = [&errors](const char* name) { return text(errors, name); };
  using core::web::Field;
  Field email{"email", "invite-email", "Email", "email", text(values, "email"), error("email"),
              {{"required", ""}, {"maxlength", "254"}, {"autocomplete", "off"}, {"aria-describedby", "invite-email-help"}}};
  Field name{"name", "invite-name", "Name", "text", text(values, "name"), error("name"),
             {{"maxlength", "128"}, {"autocomplete", "off"}}};
  Json data{{"rows", rows},
            {"none", rows.empty()},
            {"tenant", tenant},
            {"platform", v.user.platform()},
            {"tenant_people", tenantPeople},
            {"has_tenant", !tenant.empty()},
            {"may_invite", may(v, "person-add")},
            {"invite_email", core::web::renderField(email)},
            {"invite_name", core::web::renderField(name)},
            {"invite_role", selectField("invite-role", "role", "Role",
                                        roleOptions(!tenantPeople, text(values, "role").empty() ? (tenantPeople ? "tenant-staff" : "platform-support") : text(values, "role")),
                                        error("role"))}};
  if (messages.empty()) {
    if (!query(r, "invited").empty())
      messages.push_back(Message::ok("An invitation to set a password was mailed to " + query(r, "invited") + "."));
    if (!query(r, "changed").empty()) messages.push_back(Message::ok(query(r, "changed") + " was changed."));
  }
  return page(v, "people", "People", data, std::move(messages), status);
}

HttpResponse Console::personInvite(const HttpRequest& r, const Visitor& v) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  const std::string tenant = v.user.platform() ? field(form, "tenant") : "";
  Json args{{"email", field(form, "email")}, {"role", field(form, "role")}};
  if (!field(form, "name").empty()) args["name"] = field(form, "name");
  if (!tenant.empty()) args["tenant"] = tenant;
  core::ControlReply reply = run(v, "person-add", args);
  if (reply.ok()) {
    std::string back = "/people?" + (tenant.empty() ? "" : "tenant=" + core::web::urlEncode(tenant) + "&");
    return core::web::redirect(303, back + "invited=" + core::web::urlEncode(field(form, "email")), "People");
  }
  int status = statusOf(reply);
  // A role this visitor may not grant is a refusal about the role field, told next to it.
  if (status != 400 && !(status == 403 && reply.text.rfind("role: ", 0) == 0)) return refuse(v, reply);
  auto [name, message] = fieldOf(reply.text, {"email", "role", "name"});
  Json errors = Json::object();
  if (!name.empty()) errors[name] = message;
  Json values{{"email", field(form, "email")}, {"name", field(form, "name")}, {"role", field(form, "role")}};
  return peoplePage(r, v, Json{{"tenant", tenant}, {"values", values}, {"errors", errors}},
                    {Message::error(name.empty() ? "Not invited: " + message : "Not invited: check the " + name + " field.")},
                    status == 403 ? 403 : 400);
}

HttpResponse Console::personSet(const HttpRequest& r, const Visitor& v) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  const std::string tenant = v.user.platform() ? field(form, "tenant") : "";
  Json args{{"email", field(form, "email")}};
  if (!field(form, "role").empty()) args["role"] = field(form, "role");
  if (!field(form, "status").empty()) args["status"] = field(form, "status");
  core::ControlReply reply = run(v, "person-set", args);
  if (!reply.ok()) return refuse(v, reply);
  std::string back = "/people?" + (tenant.empty() ? "" : "tenant=" + core::web::urlEncode(tenant) + "&");
  return core::web::redirect(303, back + "changed=" + core::web::urlEncode(field(form, "email")), "People");
}

// --- API tokens --------------------------------------------------------------------------------

HttpResponse Console::tokensPage(const HttpRequest& r, const Visitor& v) {
  std::vector<Message> messages;
  if (!query(r, "revoked").empty()) messages.push_back(Message::ok("Token " + query(r, "revoked") + " is revoked."));
  return tokensView(v, tenantOf(r, v), nullptr, std::move(messages), 200);
}

HttpResponse Console::tokensView(const Visitor& v, const std::string& tenant, Json form, std::vector<Message> messages,
                                 int status) {
  Json args = Json::object();
  if (v.user.platform() && !tenant.empty()) args["tenant"] = tenant;
  core::ControlReply list = run(v, "token-list", args);
  if (!list.ok()) return refuse(v, list);
  const bool mayRevoke = may(v, "token-revoke");
  Json rows = Json::array();
  for (const Json& t : list.arguments)
    rows.push_back({{"id", text(t, "id")},
                    {"name", text(t, "name")},
                    {"tenant_name", text(t, "tenant-name")},
                    {"role", text(t, "role")},
                    {"person", text(t, "person")},
                    {"state", text(t, "state")},
                    {"expires", text(t, "expires-at").empty() ? std::string("never") : text(t, "expires-at")},
                    {"last", text(t, "last-used-at")},
                    {"may_revoke", mayRevoke && text(t, "state") == "active"}});
  const Json values = form.is_object() ? form.value("values", Json::object()) : Json::object();
  const Json errors = form.is_object() ? form.value("errors", Json::object()) : Json::object();
  // The platform makes a platform token, or one for a tenant named in the form.
  const bool tenantRoles = !v.user.platform() || !text(values, "tenant").empty() || !tenant.empty();
  using core::web::Field;
  Field name{"name", "token-name", "Name", "text", text(values, "name"), text(errors, "name"),
             {{"maxlength", "64"}, {"required", ""}, {"aria-describedby", "token-name-help"}}};
  Field ttl{"ttl", "token-ttl", "Valid for", "text", text(values, "ttl").empty() ? std::string("90d") : text(values, "ttl"),
            text(errors, "ttl"), {{"maxlength", "32"}, {"aria-describedby", "token-ttl-help"}}};
  Field forTenant{"tenant", "token-tenant", "Tenant (empty: a platform token)", "text",
                  text(values, "tenant").empty() ? tenant : text(values, "tenant"), text(errors, "tenant"),
                  {{"maxlength", "64"}}};
  Json data{{"rows", rows},
            {"none", rows.empty()},
            {"platform", v.user.platform()},
            {"tenant", tenant},
            {"may_create", may(v, "token-create")},
            {"name", core::web::renderField(name)},
            {"ttl", core::web::renderField(ttl)},
            {"for_tenant", core::web::renderField(forTenant)},
            {"role_field", selectField("token-role", "role", "Role",
                                 roleOptions(!tenantRoles, text(values, "role").empty() ? (tenantRoles ? "tenant-read-only" : "platform-support") : text(values, "role")),
                                 text(errors, "role"))}};
  if (form.is_object() && form.contains("made")) data["made"] = form["made"];
  return page(v, "tokens", "API tokens", data, std::move(messages), status);
}

HttpResponse Console::tokenCreate(const HttpRequest& r, const Visitor& v) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  const std::string tenant = v.user.platform() ? field(form, "tenant") : "";
  Json args{{"name", field(form, "name")}, {"role", field(form, "role")}};
  if (!field(form, "ttl").empty()) args["ttl"] = field(form, "ttl");
  if (!tenant.empty()) args["tenant"] = tenant;
  Json values{{"name", field(form, "name")}, {"role", field(form, "role")}, {"ttl", field(form, "ttl")}, {"tenant", tenant}};
  Json errors = Json::object();
  if (field(form, "name").empty()) {
    errors["name"] = "Give the token a name: who or what uses it.";
    return tokensView(v, tenant, Json{{"values", values}, {"errors", errors}},
                      {Message::error("Not made: check the name field.")}, 400);
  }
  core::ControlReply reply = run(v, "token-create", args);
  if (!reply.ok()) {
    int status = statusOf(reply);
    if (status != 400 && !(status == 403 && reply.text.rfind("role: ", 0) == 0)) return refuse(v, reply);
    auto [name, message] = fieldOf(reply.text, {"name", "role", "ttl", "tenant"});
    if (!name.empty()) errors[name] = message;
    return tokensView(v, tenant, Json{{"values", values}, {"errors", errors}},
                      {Message::error(name.empty() ? "Not made: " + message : "Not made: check the " + name + " field.")},
                      status == 403 ? 403 : 400);
  }
  // The secret is shown on this answer only (no redirect: it is never in a URL or stored).
  const Json& a = reply.arguments;
  Json made{{"id", text(a, "id")}, {"secret", text(a, "token")}, {"role", text(a, "role")},
            {"expires", text(a, "expires-at").empty() ? std::string("never") : text(a, "expires-at")}};
  return tokensView(v, tenant, Json{{"made", made}}, {Message::ok("Token " + text(a, "id") + " is made: copy it now, it is shown once.")},
                    200);
}

HttpResponse Console::tokenRevoke(const HttpRequest& r, const Visitor& v) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  core::ControlReply reply = run(v, "token-revoke", Json{{"id", field(form, "id")}});
  if (!reply.ok()) return refuse(v, reply);
  const std::string tenant = v.user.platform() ? field(form, "tenant") : "";
  return core::web::redirect(
      303, "/tokens?" + (tenant.empty() ? "" : "tenant=" + core::web::urlEncode(tenant) + "&") + "revoked=" +
               core::web::urlEncode(field(form, "id")),
      "API tokens");
}

// --- The audit log ---------------------------------------------------------------------------------

namespace {

struct AuditFilter {
  Json args = Json::object();
  Json values = Json::object();
  std::string dateError;  // names the field
  std::string queryString;  // the filters again, for the next page and the CSV link
};

AuditFilter auditFilter(const HttpRequest& r, bool platform, const std::string& tenant) {
  AuditFilter f;
  auto add = [&f](const std::string& k, const std::string& v) {
    f.queryString += (f.queryString.empty() ? "" : "&") + k + "=" + core::web::urlEncode(v);
  };
  if (platform && !tenant.empty()) {
    f.args["tenant"] = tenant;
    add("tenant", tenant);
  }
  for (const char* key : {"actor", "command"}) {
    std::string value = query(r, key).substr(0, std::string(key) == "actor" ? 254 : 64);
    f.values[key] = value;
    if (value.empty()) continue;
    f.args[key] = value;
    add(key, value);
  }
  for (const char* key : {"since", "until"}) {
    std::string day = query(r, key);
    f.values[key] = day.substr(0, 10);
    if (day.empty()) continue;
    std::string at = dayStart(day, std::string(key) == "until");
    if (at.empty()) {
      f.dateError = key;
      continue;
    }
    f.args[key] = at;
    add(key, day);
  }
  return f;
}

}  // namespace

HttpResponse Console::auditPage(const HttpRequest& r, const Visitor& v) {
  const std::string tenant = tenantOf(r, v);
  AuditFilter f = auditFilter(r, v.user.platform(), tenant);
  std::vector<Message> messages;
  Json errors = Json::object();
  if (!f.dateError.empty()) {
    errors[f.dateError] = "A date such as 2026-12-07.";
    messages.push_back(Message::error("Check the " + std::string(f.dateError == "since" ? "from" : "to") + " date."));
  }
  Json args = f.args;
  const std::string after = digitsOnly(query(r, "after"), 18);
  if (!after.empty()) args["after"] = std::stoll(after);
  args["limit"] = kAuditPage + 1;  // one more: whether there is a next page
  core::ControlReply list = messages.empty() ? run(v, "audit-search", args) : core::ControlReply::success("", Json::array());
  if (!list.ok()) return refuse(v, list);
  Json rows = Json::array();
  std::string lastId;
  for (size_t i = 0; i < list.arguments.size() && i < static_cast<size_t>(kAuditPage); ++i) {
    const Json& a = list.arguments[i];
    auto brief = [](const Json& j) {
      std::string s = j.is_null() ? "" : j.dump();
      return s.size() > 200 ? s.substr(0, 200) + "…" : s;
    };
    rows.push_back({{"at", text(a, "at")},
                    {"actor", text(a, "actor")},
                    {"role", text(a, "role")},
                    {"origin", text(a, "origin")},
                    {"command", text(a, "command")},
                    {"outcome", text(a, "outcome")},
                    {"arguments", brief(a.value("arguments", Json()))},
                    {"before", brief(a.value("before", Json()))},
                    {"after", brief(a.value("after", Json()))}});
    lastId = text(a, "id");
  }
  auto dateField = [&](const char* key, const char* id, const char* label) {
    return core::web::renderField(core::web::Field{key, id, label, "date", text(f.values, key), text(errors, key), {}});
  };
  core::web::Field actor{"actor", "audit-actor", "Person", "text", text(f.values, "actor"), "",
                         {{"maxlength", "254"}, {"aria-describedby", "audit-actor-help"}}};
  core::web::Field command{"command", "audit-command", "Action", "text", text(f.values, "command"), "",
                           {{"maxlength", "64"}, {"aria-describedby", "audit-command-help"}}};
  Json data{{"rows", rows},
            {"none", rows.empty()},
            {"platform", v.user.platform()},
            {"tenant", tenant},
            {"actor", core::web::renderField(actor)},
            {"command", core::web::renderField(command)},
            {"since", dateField("since", "audit-since", "From (day)")},
            {"until", dateField("until", "audit-until", "To (day, included)")},
            {"csv", "/audit.csv" + (f.queryString.empty() ? "" : "?" + f.queryString)},
            {"first", "/audit" + (f.queryString.empty() ? "" : "?" + f.queryString)},
            {"paged", !after.empty()},
            {"has_tenant", !tenant.empty()}};
  if (list.arguments.size() > static_cast<size_t>(kAuditPage))
    data["next"] = "/audit?" + f.queryString + (f.queryString.empty() ? "" : "&") + "after=" + lastId;
  const int status = messages.empty() ? 200 : 400;
  return page(v, "audit", "Audit log", data, std::move(messages), status);
}

HttpResponse Console::auditCsv(const HttpRequest& r, const Visitor& v) {
  AuditFilter f = auditFilter(r, v.user.platform(), tenantOf(r, v));
  if (!f.dateError.empty())
    return page(v, "refused", "Not done", Json::object(), {Message::error(f.dateError + ": a date such as 2026-12-07")}, 400);
  Json args = f.args;
  args["limit"] = 100000;
  core::ControlReply reply = run(v, "audit-export", args);
  if (!reply.ok()) return refuse(v, reply);
  HttpResponse csv;
  csv.contentType = "text/csv; charset=utf-8";
  csv.body = reply.arguments.value("csv", std::string());
  csv.headers.emplace_back("Content-Disposition", "attachment; filename=\"audit.csv\"");
  return csv;
}

// --- The person's own account: the second factor -----------------------------------------------

HttpResponse Console::accountPage(const HttpRequest&, const Visitor& v, Json extra, std::vector<Message> messages,
                                  int status) {
  if (!v.user.person)
    return page(v, "refused", "Not done", Json::object(),
                {Message::error("An API token has no account page: it is managed on the API tokens page.")}, 404);
  Json data = extra.is_object() ? extra : Json::object();
  data["email"] = v.user.label;
  data["totp_on"] = v.user.totp || v.session.data.value("totp-on", false);
  if (!data.contains("enrolling")) data["enrolling"] = false;
  return page(v, "account", "Your account", data, std::move(messages), status);
}

HttpResponse Console::totpBegin(const HttpRequest& r, const Visitor& v) {
  if (!v.user.person || !auth_.beginTotp) return accountPage(r, v);
  core::Result<std::pair<std::string, std::string>> begun = auth_.beginTotp(v.session.data.value("bearer", ""));
  if (!begun.isOk())
    return accountPage(r, v, nullptr, {Message::error("The second factor could not be started: " + begun.status().message())},
                       core::command::httpStatus(core::command::publicCode(begun.status().code())));
  // The secret waits in the server-side session for the confirming code (a refused code shows the
  // same QR code again); the service keeps its own copy until confirmed.
  Json data = v.session.data;
  data["totp-secret"] = begun->first;
  data["totp-uri"] = begun->second;
  if (!saveSession(v.session, data))
    return accountPage(r, v, nullptr, {Message::error("The second factor could not be started: try again.")}, 409);
  Visitor updated = v;
  updated.session.data = data;
  ++updated.session.version;
  return totpConfirm(r, updated);
}

HttpResponse Console::totpConfirm(const HttpRequest& r, const Visitor& v) {
  const std::string secret = v.session.data.value("totp-secret", "");
  const std::string uri = v.session.data.value("totp-uri", "");
  if (!v.user.person || secret.empty() || !auth_.confirmTotp)
    return accountPage(r, v, nullptr, {Message::error("Start again: set up a second factor.")}, 400);
  std::string codeError;
  const bool posted = r.path == "/account/totp/confirm";
  if (posted) {
    std::string code = field(core::web::parseForm(r.body), "code");
    if (code.empty()) {
      codeError = "Type the six digits your app shows.";
    } else {
      core::Result<std::vector<std::string>> codes = auth_.confirmTotp(v.session.data.value("bearer", ""), code);
      if (codes.isOk()) {
        Json data = v.session.data;
        data.erase("totp-secret");
        data.erase("totp-uri");
        data["totp-on"] = true;
        (void)saveSession(v.session, data);  // only what the page shows: the person's TOTP is on either way
        Visitor updated = v;
        updated.session.data = data;
        return accountPage(r, updated, Json{{"recovery", *codes}, {"has_recovery", true}},
                           {Message::ok("One-time codes are on. Keep the recovery codes below: they are shown once.")});
      }
      if (codes.status().code() != core::Code::kInvalidArgument)
        return accountPage(r, v, nullptr, {Message::error("The code could not be checked: try again.")}, 500);
      codeError = codes.status().message();
      if (codeError.rfind("code: ", 0) == 0) codeError = codeError.substr(6);
    }
  }
  core::Result<std::string> svg = core::identity::qrSvg(uri, "QR code of your second factor for an authenticator app");
  core::web::Field code{"code", "totp-code", "Code from the app", "text", "", codeError,
                        {{"autocomplete", "one-time-code"}, {"inputmode", "numeric"}, {"required", ""},
                         {"maxlength", "10"}, {"aria-describedby", "totp-code-help"}}};
  Json extra{{"enrolling", true},
             {"qr", svg.isOk() ? *svg : std::string()},
             {"secret", secret},
             {"code", core::web::renderField(code)}};
  std::vector<Message> messages;
  if (!codeError.empty()) messages.push_back(Message::error("Not confirmed: check the code."));
  return accountPage(r, v, extra, std::move(messages), codeError.empty() ? 200 : 400);
}

// --- The tenant's settings: its branding in mail ------------------------------------------------

namespace {

struct BrandingField {
  const char* name;
  const char* label;
  const char* type;
  const char* help;
  const char* max;
};
const BrandingField kBranding[] = {
    {"display-name", "Display name", "text", "Your name as customers know it, at the top of every mail.", "100"},
    {"logo-url", "Logo", "url", "The https:// address of your logo image (at most 512 characters).", "512"},
    {"primary-colour", "Main colour", "text", "Like #0a5d7c: headings and buttons in mail.", "7"},
    {"accent-colour", "Accent colour", "text", "Like #b35c00: links and highlights.", "7"},
};

std::vector<std::string> brandingNames() {
  std::vector<std::string> out;
  for (const BrandingField& f : kBranding) out.push_back(f.name);
  return out;
}

}  // namespace

HttpResponse Console::settingsPage(const HttpRequest& r, const Visitor& v, Json form, std::vector<Message> messages,
                                   int status) {
  const std::string tenant = form.is_object() ? form.value("tenant", "") : tenantOf(r, v);
  Json values = Json::object(), errors = Json::object();
  if (form.is_object()) {
    values = form["values"];
    errors = form["errors"];
  } else {
    Json args = Json::object();
    if (v.user.platform()) args["tenant"] = tenant;
    core::ControlReply shown = run(v, "branding-show", args);
    if (!shown.ok()) return refuse(v, shown);
    values = shown.arguments;
    if (!query(r, "saved").empty()) messages.push_back(Message::ok("Saved: your next mail uses it."));
    if (query(r, "logo") == "1") messages.push_back(Message::ok("Logo saved: your console, self-care portal and mail show it."));
    if (query(r, "logo") == "0") messages.push_back(Message::ok("Logo removed: the platform's is shown."));
  }
  Json fields = Json::array();
  for (const BrandingField& f : kBranding) {
    const std::string id = std::string("b-") + f.name;
    fields.push_back({{"input", core::web::renderField(core::web::Field{
                                    f.name, id, f.label, f.type, text(values, f.name), text(errors, f.name),
                                    {{"maxlength", f.max}, {"aria-describedby", id + "-help"}}})},
                      {"id", id},
                      {"help", f.help}});
  }
  Json data{{"fields", fields},
            {"tenant", tenant},
            {"platform", v.user.platform()},
            {"has_tenant", !tenant.empty()},
            {"may_save", may(v, "branding-set")},
            {"primary", text(values, "primary-colour")},
            {"display", text(values, "display-name")},
            {"logo", text(values, "logo")},
            {"has_logo", !text(values, "logo").empty()},
            {"may_logo", may(v, "branding-logo-set")},
            {"logo_input", core::web::renderField(core::web::Field{
                               "logo", "b-logo", "Logo file", "file", "", text(errors, "logo"),
                               {{"accept", "image/png,image/jpeg"}, {"aria-describedby", "b-logo-help"}}})}};
  return page(v, "settings", "Settings", data, std::move(messages), status);
}

HttpResponse Console::settingsPost(const HttpRequest& r, const Visitor& v) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  const std::string tenant = v.user.platform() ? field(form, "tenant") : "";
  Json args = Json::object(), values = Json::object();
  if (!tenant.empty()) args["tenant"] = tenant;
  for (const BrandingField& f : kBranding) {
    args[f.name] = field(form, f.name);
    values[f.name] = field(form, f.name);
  }
  core::ControlReply reply = run(v, "branding-set", args);
  if (!reply.ok()) {
    if (statusOf(reply) != 400) return refuse(v, reply);
    auto [name, message] = fieldOf(reply.text, brandingNames());
    Json errors = Json::object();
    if (!name.empty()) errors[name] = message;
    return settingsPage(r, v, Json{{"tenant", tenant}, {"values", values}, {"errors", errors}},
                        {Message::error(name.empty() ? "Not saved: " + message : "Not saved: check the " + name + " field.")},
                        400);
  }
  return core::web::redirect(
      303, "/settings?" + (tenant.empty() ? "" : "tenant=" + core::web::urlEncode(tenant) + "&") + "saved=1", "Settings");
}

// --- "Forgot password" -------------------------------------------------------------------------

HttpResponse Console::forgotPage(const HttpRequest& r, const std::string& email, const std::string& error, bool sent,
                                 int status) {
  core::HttpResponse base;
  std::string id = cookie_.ensure(r, base);
  core::web::Field f{"email", "", "Email", "email", email, error,
                     {{"autocomplete", "username"}, {"required", ""}, {"maxlength", "254"}, {"autocapitalize", "none"}}};
  Json data{{"csrf", csrf_.tokenFor(id)}, {"email", core::web::renderField(f)}, {"sent", sent}};
  core::web::Page p;
  p.title = "Forgot your password";
  p.status = status;
  core::Result<std::string> body = templates_->render("forgot", data);
  p.body = body.isOk() ? *body : "";
  return frame_.render(p, core::web::Branding{options_.title, "", ""}, std::move(base));
}

HttpResponse Console::forgotPost(const HttpRequest& r) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  const std::string email = field(form, "email").substr(0, 254);
  std::string id = cookie_.idOf(r);
  if (id.empty() || !csrf_.verifyForm(id, form))
    return forgotPage(r, email, "This form had expired: please send it again.", false, 403);
  if (email.empty() || email.find('@') == std::string::npos)
    return forgotPage(r, email, "Give the email address you sign in with.", false, 400);
  if (!auth_.forgotPassword) return forgotPage(r, email, "Password links are not set up here.", false, 503);
  core::Status st = auth_.forgotPassword(email, r.remote);
  if (!st.isOk()) {
    core::logWarning("console: a reset link could not be queued: ", st.message());
    return forgotPage(r, email, "The link could not be sent on our side; try again in a moment.", false, 500);
  }
  // The same answer whether or not the address is a person's (no enumeration).
  return forgotPage(r, "", "", true, 200);
}

}  // namespace mgmt::console
