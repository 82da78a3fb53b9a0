// The console's Alerts and Notifications pages (issue 26, ADR 0054 and 0059): a tenant's alerts in
// their groups (one root cause each: boxes silent together, a box and its alarms), ranked by the
// customers affected, each customer counted once per group; one alert's customers; acknowledging an
// alert; planned maintenance, listed and scheduled through a form (each refusal next to the field it
// names); and the notification log (email, SMS, webhook: delivered, retrying, failed). Reads and
// changes are the monitoring commands of mgmtd's table, called with the visitor's caller like every
// page (field work acknowledges and schedules, everyone reads).
#include <ctime>
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

// "2026-12-07T14:05" for a datetime-local field.
std::string localValue(int64_t t) {
  std::time_t x = static_cast<std::time_t>(t);
  std::tm tm{};
  ::gmtime_r(&x, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M", &tm);
  return buf;
}

// A datetime-local field's "2026-12-07T14:05" as the command's UTC time ("...Z"); anything else as is
// (the command names the field when it cannot read it).
std::string utcArgument(const std::string& value) {
  if (value.size() == 16 && value[10] == 'T') return value + "Z";
  return value;
}

const std::vector<std::string>& maintenanceFields() {
  static const std::vector<std::string> fields = {"start", "end", "devices", "reason"};
  return fields;
}

// A notification's state in people's words: sent (delivered or handed to the mail outbox), retrying
// (pending after a failed attempt), waiting (pending, not tried yet), failed (given up).
std::string deliveryState(const Json& n) {
  const std::string state = text(n, "state");
  if (state == "sent") return text(n, "channel") == "email" ? "handed to mail" : "delivered";
  if (state == "failed") return "failed";
  return number(n, "attempts") > 0 ? "retrying" : "waiting";
}

// An alert's kind in people's words.
std::string kindText(const std::string& kind) {
  if (kind == "offline") return "box silent";
  if (kind == "device-unreachable") return "network device not answering";
  return "alarms";
}

// An id from a form or the query as the command's integer; not a number: as typed (the command
// refuses it, naming "id").
Json idArgument(const std::string& value) {
  if (value.empty() || value.size() > 18 || value.find_first_not_of("0123456789") != std::string::npos) return value;
  return static_cast<int64_t>(std::stoll(value));
}

std::string backWithTenant(const std::string& path, const std::string& tenant, const std::string& rest) {
  std::string q = tenant.empty() ? "" : "tenant=" + core::web::urlEncode(tenant);
  if (!rest.empty()) q += (q.empty() ? "" : "&") + rest;
  return q.empty() ? path : path + "?" + q;
}

}  // namespace

HttpResponse Console::alertsPage(const HttpRequest& r, const Visitor& v, Json form, std::vector<Message> messages,
                                 int status) {
  const std::string tenant = form.is_object() ? form.value("tenant", "") : tenantOf(r, v);
  Json scope = Json::object();
  if (v.user.platform()) scope["tenant"] = tenant;
  core::ControlReply groups = run(v, "alert-groups", scope);
  if (!groups.ok()) return refuse(v, groups);
  const bool mayAck = may(v, "alert-ack");
  Json list = Json::array();
  int64_t openGroups = 0, openAffected = 0;
  for (const Json& g : groups.arguments["groups"]) {
    Json alerts = Json::array();
    std::string cause;
    for (const Json& a : g["alerts"]) {
      const bool open = text(a, "state") == "open";
      const int64_t acked = number(a, "acked-at");
      alerts.push_back({{"id", a["id"]},
                        {"device", a["device"]},
                        {"kind", kindText(text(a, "kind"))},
                        {"detail", a["detail"]},
                        {"state", a["state"]},
                        {"open", open},
                        {"affected", a["affected"]},
                        {"opened", minuteUtc(number(a, "opened-at"))},
                        {"closed", minuteUtc(number(a, "closed-at"))},
                        {"acked", acked > 0},
                        {"acked_text", acked > 0 ? "acknowledged by " + text(a, "acked-by") + " at " + minuteUtc(acked) : ""},
                        {"may_ack", mayAck && open && acked == 0}});
    }
    const size_t n = g["alerts"].size();
    const Json& first = g["alerts"][0];
    const std::string firstKind = text(first, "kind");
    // One site for every alert of the group: the group is that site's (ADR 0068).
    std::string site = text(first, "site");
    for (const Json& a : g["alerts"])
      if (text(a, "site") != site) site.clear();
    cause = n == 1 ? (firstKind == "offline"              ? "box " + text(first, "device") + " silent"
                      : firstKind == "device-unreachable" ? "a network device behind box " + text(first, "device") +
                                                                " not answering"
                                                          : "alarms on box " + text(first, "device"))
            : !site.empty() ? std::to_string(n) + " alerts at one site"
                            : std::to_string(n) + " alerts within minutes of each other, first on box " +
                                  text(first, "device");
    if (!site.empty()) cause = "Site " + site + ": " + cause;
    const int64_t affected = number(g, "affected"), counted = number(g, "counted");
    const bool open = text(g, "state") == "open";
    if (open) {
      ++openGroups;
      openAffected += affected;
    }
    list.push_back({{"group", g["group"]},
                    {"cause", cause},
                    {"open", open},
                    {"state", open ? "open" : "closed"},
                    {"acknowledged", g["acknowledged"]},
                    {"affected", affected},
                    {"duplicates", counted > affected ? counted - affected : 0},
                    {"has_duplicates", counted > affected},
                    {"opened", minuteUtc(number(g, "opened-at"))},
                    {"alerts", alerts},
                    {"several", n > 1}});
  }
  Json data{{"tenant", tenant},
            {"platform", v.user.platform()},
            {"has_tenant", !tenant.empty()},
            {"groups", list},
            {"has_groups", !list.empty()},
            {"open_groups", openGroups},
            {"open_affected", openAffected},
            {"may_schedule", may(v, "maintenance-add")}};
  // One alert's customers (the outage's impact).
  const std::string shown = query(r, "alert");
  if (!shown.empty()) {
    Json args = scope;
    args["id"] = idArgument(shown);
    args["limit"] = 500;
    core::ControlReply alert = run(v, "alert-show", args);
    if (!alert.ok()) return refuse(v, alert);
    Json customers = Json::array();
    for (const Json& c : alert.arguments["customers"])
      customers.push_back({{"username", c["username"]}, {"customer", c["customer"]},
                           {"name", text(c, "name").empty() ? "(no customer record)" : text(c, "name")},
                           {"has_customer", !text(c, "customer").empty()}});
    data["detail"] = Json{{"id", alert.arguments["id"]},
                          {"device", alert.arguments["device"]},
                          {"affected", alert.arguments["affected"]},
                          {"customers", customers},
                          {"has_customers", !customers.empty()}};
  }
  // Planned maintenance and the form to schedule it.
  core::ControlReply windows = run(v, "maintenance-list", scope);
  if (!windows.ok()) return refuse(v, windows);
  Json planned = Json::array();
  for (const Json& m : windows.arguments["maintenance"]) {
    std::string boxes;
    for (const Json& d : m["devices"]) boxes += (boxes.empty() ? "" : ", ") + d.get<std::string>();
    planned.push_back({{"id", m["id"]}, {"starts", minuteUtc(number(m, "starts-at"))}, {"ends", minuteUtc(number(m, "ends-at"))},
                       {"devices", boxes}, {"reason", m["reason"]}, {"state", m["state"]}});
  }
  data["planned"] = planned;
  data["has_planned"] = !planned.empty();
  if (data["may_schedule"].get<bool>()) {
    core::ControlReply devices = run(v, "device-list", scope);
    Json boxes = Json::array();
    const Json chosen = form.is_object() && form.contains("devices") ? form["devices"] : Json::array();
    if (devices.ok())
      for (const Json& d : devices.arguments) {
        if (text(d, "status") != "active") continue;
        const std::string id = text(d, "id");
        bool checked = false;
        for (const Json& c : chosen) checked = checked || c == id;
        boxes.push_back({{"id", id}, {"hostname", text(d, "hostname")}, {"checked", checked}});
      }
    std::map<std::string, std::string> errors;
    if (form.is_object() && form.contains("error")) {
      auto [name, why] = fieldOf(form.value("error", ""), maintenanceFields());
      errors[name.empty() ? "form" : name] = why;
    }
    const int64_t soon = (::time(nullptr) / 3600 + 25) * 3600;  // tomorrow, on the hour
    auto value = [&](const char* key, const std::string& fallback) {
      return form.is_object() ? form.value(key, "") : fallback;
    };
    data["start"] = core::web::renderField(core::web::Field{
        "start", "start", "Starts (UTC)", "datetime-local", value("start", localValue(soon)), errors["start"],
        {{"required", ""}, {"aria-describedby", "start-help"}}});
    data["end"] = core::web::renderField(core::web::Field{
        "end", "end", "Ends (UTC)", "datetime-local", value("end", localValue(soon + 2 * 3600)), errors["end"],
        {{"required", ""}, {"aria-describedby", "end-help"}}});
    data["reason"] = core::web::renderField(core::web::Field{
        "reason", "reason", "What customers are told (optional)", "text", value("reason", ""), errors["reason"],
        {{"maxlength", "500"}, {"aria-describedby", "reason-help"}}});
    data["boxes"] = boxes;
    data["has_boxes"] = !boxes.empty();
    data["devices_error"] = errors["devices"];
    data["has_devices_error"] = !errors["devices"].empty();
    data["form_error"] = errors["form"];
  }
  if (query(r, "saved") == "maintenance") messages.push_back(Message::ok("Scheduled: its customers are told before it starts."));
  if (query(r, "saved") == "ack") messages.push_back(Message::ok("Acknowledged."));
  return page(v, "alerts", "Alerts and maintenance", data, std::move(messages), status);
}

HttpResponse Console::alertsPost(const HttpRequest& r, const Visitor& v) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  const std::string tenant = v.user.platform() ? field(form, "tenant") : "";
  const std::string action = field(form, "action");
  Json args = Json::object();
  if (!tenant.empty()) args["tenant"] = tenant;
  if (action == "ack") {
    args["id"] = idArgument(field(form, "id"));
    core::ControlReply reply = run(v, "alert-ack", args);
    if (!reply.ok()) return refuse(v, reply);
    return core::web::redirect(303, backWithTenant("/alerts", tenant, "saved=ack"), "Alerts");
  }
  if (action != "maintenance")
    return refuse(v, core::ControlReply::error(core::invalidArgument("action: expected ack or maintenance")));
  Json devices = Json::array();
  for (const auto& [name, value] : form)
    if (name.rfind("device-", 0) == 0 && value == "1" && devices.size() < 1000) devices.push_back(name.substr(7));
  args["start"] = utcArgument(field(form, "start"));
  args["end"] = utcArgument(field(form, "end"));
  args["devices"] = devices;
  if (!field(form, "reason").empty()) args["reason"] = field(form, "reason");
  std::string refusal;
  if (field(form, "start").empty()) refusal = "start: required";
  else if (field(form, "end").empty()) refusal = "end: required";
  else if (devices.empty()) refusal = "devices: choose at least one box";
  core::ControlReply reply = refusal.empty() ? run(v, "maintenance-add", args)
                                             : core::ControlReply::error(core::invalidArgument(refusal));
  if (!reply.ok()) {
    if (core::command::httpStatus(core::command::publicCode(reply.code)) != 400 &&
        reply.text.rfind("devices: ", 0) != 0)
      return refuse(v, reply);
    HttpRequest again = r;
    again.query["tenant"] = tenant;
    return alertsPage(again, v,
                      Json{{"tenant", tenant}, {"start", field(form, "start")}, {"end", field(form, "end")},
                           {"reason", field(form, "reason")}, {"devices", devices}, {"error", reply.text}},
                      {Message::error("Not scheduled: " + reply.text)}, 400);
  }
  return core::web::redirect(303, backWithTenant("/alerts", tenant, "saved=maintenance"), "Alerts");
}

HttpResponse Console::notificationsPage(const HttpRequest& r, const Visitor& v) {
  Json scope = Json::object();
  const std::string tenant = tenantOf(r, v);
  if (v.user.platform()) scope["tenant"] = tenant;
  scope["limit"] = 200;
  core::ControlReply log = run(v, "notification-log", scope);
  if (!log.ok()) return refuse(v, log);
  Json rows = Json::array();
  std::map<std::string, int64_t> counts;
  for (const Json& n : log.arguments["notifications"]) {
    const std::string state = deliveryState(n);
    ++counts[state];
    const std::string source = text(n, "source") == "alert" ? "alert " + text(n, "source-id")
                                                             : "maintenance " + text(n, "source-id");
    rows.push_back({{"id", n["id"]},
                    {"about", source + ", " + text(n, "event")},
                    {"channel", n["channel"]},
                    {"customer", text(n, "customer").empty() ? "(the tenant's systems)" : text(n, "customer")},
                    {"recipient", n["recipient"]},
                    {"state", state},
                    {"bad", state == "failed" || state == "retrying"},
                    {"attempts", n["attempts"]},
                    {"error", n["last-error"]},
                    {"created", minuteUtc(number(n, "created-at"))},
                    {"sent", minuteUtc(number(n, "sent-at"))}});
  }
  Json summary = Json::array();
  for (const char* s : {"delivered", "handed to mail", "retrying", "waiting", "failed"})
    summary.push_back({{"state", s}, {"count", counts[s]}});
  return page(v, "notifications", "Notification log",
              Json{{"tenant", tenant},
                   {"platform", v.user.platform()},
                   {"has_tenant", !tenant.empty()},
                   {"rows", rows},
                   {"has_rows", !rows.empty()},
                   {"summary", summary}});
}

}  // namespace mgmt::console
