// The technician UI's pages: what each shows and which command each form runs. Every read and every
// change goes through WebUi::run (the command table, with the person's role).
#include <algorithm>
#include <cstdlib>

#include "core/units.h"
#include "core/web/form.h"
#include "edge/webui/webui.h"
#include "edge/webui/webui_helpers.h"

namespace edge::webui {

using namespace detail;  // NOLINT: the page helpers

core::HttpResponse WebUi::nasPage(const Visitor& v, std::vector<core::web::Message> messages, core::Json form, int status) {
  core::ControlReply reply = run(v, {}, "nas-list", core::Json::object());
  core::Json rows = core::Json::array();
  if (reply.arguments.is_array())
    for (const core::Json& n : reply.arguments)
      rows.push_back({{"name", textOf(n, "name")},
                      {"address", textOf(n, "address")},
                      {"vendor", textOf(n, "vendor")},
                      {"coa_port", textOf(n, "coa-port")},
                      {"nas_identifier", textOf(n, "nas-identifier")}});
  core::Json errors = form.value("errors", core::Json::object());
  auto value = [&form](const char* k) { return form.contains(k) && form[k].is_string() ? form[k].get<std::string>() : ""; };
  std::string fields =
      core::web::renderField({"name", "nas-name", "Name", "text", value("name"), errors.value("name", ""),
                              {{"maxlength", "64"}, {"required", ""}}}) +
      core::web::renderField({"address", "nas-address", "Address (IP or IP/LEN)", "text", value("address"),
                              errors.value("address", ""), {{"required", ""}}}) +
      core::web::renderField({"secret", "nas-secret", "Shared secret", "password", "", errors.value("secret", ""),
                              {{"autocomplete", "new-password"}, {"required", ""}}}) +
      core::web::renderField({"coa-port", "nas-coa-port", "CoA port", "number", value("coa-port"),
                              errors.value("coa-port", ""), {{"min", std::to_string(specArg("nas-add", "coa-port").min)},
                               {"max", std::to_string(specArg("nas-add", "coa-port").max)},
                               {"placeholder", "3799"}}}) +
      core::web::renderField({"nas-identifier", "nas-identifier", "NAS-Identifier (optional)", "text",
                              value("nas-identifier"), errors.value("nas-identifier", ""), {{"maxlength", "253"}}});
  core::Json vendors = core::Json::array();
  std::string chosen = value("vendor").empty() ? "generic" : value("vendor");
  for (const char* vendor : {"generic", "mikrotik", "wispr", "chillispot", "cisco", "accel-ppp"})
    vendors.push_back({{"value", vendor}, {"selected", chosen == vendor}});
  core::Json data{{"rows", rows}, {"none", rows.empty()}, {"fields", fields}, {"vendors", vendors}};
  if (!reply.ok()) messages.push_back(core::web::Message::error(reply.text));
  return page(v, "nas", "NAS clients", data, std::move(messages), status);
}

core::HttpResponse WebUi::nasPost(const core::HttpRequest& r, const Visitor& v, const std::string& action) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  if (action == "delete") {
    core::ControlReply reply = run(v, r, "nas-del", core::Json{{"name", field(form, "name")}});
    if (!reply.ok() && core::command::publicCode(reply.code) == core::command::PublicCode::kPermissionDenied)
      return refuse(v, reply);
    int status = reply.ok() ? 200 : core::command::httpStatus(core::command::publicCode(reply.code));
    return nasPage(v, {reply.ok() ? core::web::Message::ok(reply.text) : core::web::Message::error(reply.text)},
                   core::Json::object(), status);
  }
  core::Json shown = core::Json::object();
  for (const char* k : {"name", "address", "vendor", "coa-port", "nas-identifier"}) shown[k] = field(form, k);
  core::Json errors = core::Json::object();
  if (field(form, "name").empty()) errors["name"] = "a name is needed (it labels the NAS in counters and logs)";
  if (field(form, "address").empty()) errors["address"] = "the address the NAS sends from, e.g. 10.0.0.1 or 10.0.0.0/24";
  if (field(form, "secret").empty()) errors["secret"] = "the shared secret configured on the NAS";
  std::string port = field(form, "coa-port");
  if (!port.empty() && !integerFieldError(port, specArg("nas-add", "coa-port")).empty())
    errors["coa-port"] = "a port, " + integerFieldError(port, specArg("nas-add", "coa-port"));
  if (!errors.empty()) {
    shown["errors"] = errors;
    return nasPage(v, {core::web::Message::error("the NAS client was not saved: see the form")}, shown, 400);
  }
  core::Json args{{"name", field(form, "name")}, {"address", field(form, "address")}, {"secret", field(form, "secret")},
                  {"vendor", field(form, "vendor").empty() ? "generic" : field(form, "vendor")}};
  if (!port.empty()) args["coa-port"] = std::atoi(port.c_str());
  if (!field(form, "nas-identifier").empty()) args["nas-identifier"] = field(form, "nas-identifier");
  core::ControlReply reply = run(v, r, "nas-add", args);
  if (!reply.ok() && core::command::publicCode(reply.code) == core::command::PublicCode::kPermissionDenied)
    return refuse(v, reply);
  if (!reply.ok()) {
    // The catalog's own check refused a value (its message names the value): above the form.
    return nasPage(v, {core::web::Message::error("the NAS client was not saved: " + reply.text)}, shown,
                   core::command::httpStatus(core::command::publicCode(reply.code)));
  }
  return nasPage(v, {core::web::Message::ok(reply.text)});
}

core::HttpResponse WebUi::plansPage(const core::HttpRequest& r, const Visitor& v) {
  core::ControlReply reply = run(v, r, "plan-list", core::Json::object());
  core::Json rows = core::Json::array();
  auto list = [](const core::Json& j, const char* key) {
    std::string out;
    if (j.contains(key) && j[key].is_array())
      for (const core::Json& x : j[key]) out += (out.empty() ? "" : ", ") + (x.is_string() ? x.get<std::string>() : x.dump());
    return out.empty() ? std::string("-") : out;
  };
  auto orDash = [](const std::string& s) { return s.empty() ? std::string("-") : s; };
  if (reply.arguments.is_array())
    for (const core::Json& p : reply.arguments)
      rows.push_back({{"name", textOf(p, "name")},
                      {"rate", textOf(p, "down") + " / " + textOf(p, "up")},
                      {"price", textOf(p, "price") + (textOf(p, "price") == "free" ? "" : " a " + textOf(p, "period"))},
                      {"data_quota", orDash(textOf(p, "data-quota"))},
                      {"time_quota", orDash(textOf(p, "time-quota"))},
                      {"validity", orDash(textOf(p, "validity"))},
                      {"fup", list(p, "fup")},
                      {"windows", list(p, "windows")}});
  std::vector<core::web::Message> messages;
  if (!reply.ok()) messages.push_back(core::web::Message::error(reply.text));
  return page(v, "plans", "Plans", core::Json{{"rows", rows}, {"none", rows.empty()}}, std::move(messages));
}

}  // namespace edge::webui
