// The console's dunning page (issue 24, ADR 0047): the tenant's steps as a form (each refusal shown
// next to the step's field it names), the documented default and "off" in one click, the customers
// in dunning now and the latest moves. Reads and changes are the dunning commands of mgmtd's table,
// called with the visitor's caller like every page (billing staff change, everyone reads).
#include <map>

#include "core/web/form.h"
#include "mgmt/console/console.h"
#include "mgmt/console/page_text.h"

namespace mgmt::console {

using core::HttpRequest;
using core::HttpResponse;
using core::Json;
using core::web::Message;

namespace {

constexpr int kRows = 10;  // the policy's most steps
const char* const kActions[] = {"remind", "throttle", "walled", "suspend", "terminate"};

// "steps[2].rate: why" -> (2, "rate", "why"); anything else -> (-1, "", message).
struct StepError {
  int row = -1;
  std::string key, message;
};
StepError stepError(const std::string& message) {
  StepError e{-1, "", message};
  if (message.rfind("steps[", 0) != 0) return e;
  size_t close = message.find(']');
  size_t colon = message.find(": ");
  if (close == std::string::npos || colon == std::string::npos || close > colon) return e;
  e.row = std::atoi(message.substr(6, close - 6).c_str());
  e.key = message[close + 1] == '.' ? message.substr(close + 2, colon - close - 2) : "after-days";
  e.message = message.substr(colon + 2);
  return e;
}

// One step's fields: rows filled from `steps` (the stored policy, or what was posted), the error
// next to the field it names.
Json stepRows(const Json& steps, const StepError& error) {
  Json rows = Json::array();
  for (int i = 0; i < kRows; ++i) {
    const Json s = i < static_cast<int>(steps.size()) ? steps[static_cast<size_t>(i)] : Json::object();
    const std::string p = "s" + std::to_string(i) + "-";
    auto err = [&](const char* key) { return error.row == i && error.key == key ? error.message : std::string(); };
    auto input = [&](const char* key, const char* label, const char* type, std::vector<std::pair<std::string, std::string>> attrs) {
      attrs.emplace_back("aria-describedby", p + key + "-help");
      return core::web::renderField(core::web::Field{p + key, p + key, label, type, text(s, key), err(key), std::move(attrs)});
    };
    Json options = Json::array();
    options.push_back({{"value", ""}, {"label", "(no step)"}, {"selected", text(s, "action").empty()}});
    for (const char* a : kActions) options.push_back({{"value", a}, {"label", a}, {"selected", text(s, "action") == a}});
    const std::string actionError = err("action");
    rows.push_back({{"number", i + 1},
                    {"prefix", p},
                    {"open", i < static_cast<int>(steps.size()) || i == static_cast<int>(steps.size())},
                    {"days", input("after-days", "After days past due", "number", {{"min", "1"}, {"max", "365"}})},
                    {"rate", input("rate", "Rate (DOWN/UP)", "text", {{"maxlength", "32"}, {"placeholder", "1M/512k"}})},
                    {"mail", input("mail", "Mail template", "text", {{"maxlength", "64"}, {"placeholder", "dunning-reminder"}})},
                    {"actions", options},
                    {"action_error", actionError},
                    {"has_action_error", !actionError.empty()}});
  }
  return rows;
}

}  // namespace

HttpResponse Console::dunningPage(const HttpRequest& r, const Visitor& v, Json form, std::vector<Message> messages,
                                  int status) {
  const std::string tenant = form.is_object() ? form.value("tenant", "") : tenantOf(r, v);
  Json args = Json::object();
  if (v.user.platform()) args["tenant"] = tenant;
  core::ControlReply policy = run(v, "dunning-policy-get", args);
  if (!policy.ok()) return refuse(v, policy);
  Json recent = args;
  recent["limit"] = 20;
  core::ControlReply standing = run(v, "dunning-status", recent);
  if (!standing.ok()) return refuse(v, standing);
  StepError error;
  Json steps = policy.arguments["steps"];
  if (form.is_object()) {
    steps = form["steps"];
    error = stepError(form.value("error", ""));
  } else if (!query(r, "saved").empty()) {
    messages.push_back(Message::ok("Saved: the next dunning run (within 10 minutes) applies it."));
  }
  Json inDunning = Json::array();
  for (const Json& s : standing.arguments["in-dunning"])
    inDunning.push_back({{"customer", s["customer"]}, {"subscription", s["subscription"]}, {"action", s["action"]},
                         {"step", s["step"]}, {"days", s["days-past-due"]}, {"since", s["past-due-since"]}});
  Json log = Json::array();
  for (const Json& l : standing.arguments["log"])
    log.push_back({{"customer", l["customer"]}, {"from", l["from"].get<std::string>().empty() ? "good standing" : l["from"]},
                   {"to", l["to"].get<std::string>().empty() ? "good standing" : l["to"]}, {"day", l["day"]},
                   {"reason", l["reason"]}});
  Json defaults = Json::array();
  for (const Json& s : policy.arguments["default"])
    defaults.push_back({{"text", "after " + s["after-days"].dump() + " days: " + s["action"].get<std::string>() +
                                     (s.contains("rate") ? " to " + s["rate"].get<std::string>() : std::string())}});
  Json data{{"tenant", tenant},
            {"platform", v.user.platform()},
            {"has_tenant", !tenant.empty()},
            {"off", policy.arguments["steps"].empty()},
            {"rows", stepRows(steps, error)},
            {"defaults", defaults},
            {"in_dunning", inDunning},
            {"has_in_dunning", !inDunning.empty()},
            {"log", log},
            {"has_log", !log.empty()},
            {"may_save", may(v, "dunning-policy-set")}};
  return page(v, "dunning", "Dunning", data, std::move(messages), status);
}

HttpResponse Console::dunningPost(const HttpRequest& r, const Visitor& v) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  const std::string tenant = v.user.platform() ? field(form, "tenant") : "";
  const std::string preset = field(form, "preset");
  // The rows given, in order (a row without days and action is no step).
  Json steps = Json::array();
  for (int i = 0; i < kRows; ++i) {
    const std::string p = "s" + std::to_string(i) + "-";
    const std::string days = field(form, p + "after-days"), action = field(form, p + "action");
    if (days.empty() && action.empty()) continue;
    Json s = Json::object();
    char* end = nullptr;
    const long n = std::strtol(days.c_str(), &end, 10);
    if (!days.empty() && end != nullptr && *end == '\0' && days.size() <= 4) s["after-days"] = n;
    else if (!days.empty()) s["after-days"] = days;  // not a number: the command names the field
    s["action"] = action;
    for (const char* key : {"rate", "mail"})
      if (!field(form, p + key).empty()) s[key] = field(form, p + key);
    steps.push_back(std::move(s));
  }
  Json args{{"steps", preset == "default" || preset == "off" ? preset : steps.dump()}};
  if (!tenant.empty()) args["tenant"] = tenant;
  core::ControlReply reply = run(v, "dunning-policy-set", args);
  if (!reply.ok()) {
    if (core::command::httpStatus(core::command::publicCode(reply.code)) != 400) return refuse(v, reply);
    const StepError e = stepError(reply.text);
    std::string where = e.row >= 0 ? "step " + std::to_string(e.row + 1) : "";
    return dunningPage(r, v, Json{{"tenant", tenant}, {"steps", steps}, {"error", reply.text}},
                       {Message::error(e.row >= 0 ? "Not saved: check " + where + "'s " + e.key + "." : "Not saved: " + reply.text)},
                       400);
  }
  return core::web::redirect(
      303, "/dunning?" + (tenant.empty() ? "" : "tenant=" + core::web::urlEncode(tenant) + "&") + "saved=1", "Dunning");
}

}  // namespace mgmt::console
