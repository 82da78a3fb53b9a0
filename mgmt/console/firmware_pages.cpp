// The console's Firmware page (issue 27, ADR 0052): the catalog, the rollouts with each ring's
// progress as bars (boxes healthy, on their way, failed, waiting), one rollout's boxes with their state
// and why, pause/resume/abort forms and the tenant's maintenance window (its refusal next to the
// field). Reads and changes are the rollout commands of mgmtd's table, called with the visitor's
// caller like every page (field work changes, everyone reads).
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

// A ring's boxes by how far they are, in whole percent of the ring for the bars.
Json ringBars(const Json& ring) {
  const Json& s = ring["states"];
  auto n = [&](const char* k) { return s.value(k, 0); };
  const int total = ring.value("boxes", 0);
  const int healthy = n("healthy"), failed = n("rolled-back") + n("failed"), pending = n("pending");
  const int moving = total - healthy - failed - pending;
  auto pct = [&](int x) { return total == 0 ? 0 : x * 100 / total; };
  return Json{{"name", ring["name"]},
              {"open", ring["open"]},
              {"total", total},
              {"healthy", healthy},
              {"moving", moving},
              {"failed", failed},
              {"pending", pending},
              {"healthy_pct", pct(healthy)},
              {"moving_pct", pct(moving)},
              {"failed_pct", pct(failed)}};
}

}  // namespace

HttpResponse Console::firmwarePage(const HttpRequest& r, const Visitor& v, Json form, std::vector<Message> messages,
                                   int status) {
  const std::string tenant = tenantOf(r, v);
  Json scope = Json::object();
  if (v.user.platform() && !tenant.empty()) scope["tenant"] = tenant;
  core::ControlReply catalog = run(v, "firmware-list", Json::object());
  if (!catalog.ok()) return refuse(v, catalog);
  core::ControlReply rollouts = run(v, "rollout-list", scope);
  if (!rollouts.ok()) return refuse(v, rollouts);
  Json releases = Json::array();
  for (const Json& x : catalog.arguments) {
    std::string hw;
    for (const Json& h : x["hardware"]) hw += (hw.empty() ? "" : ", ") + h.get<std::string>();
    releases.push_back({{"version", x["version"]}, {"channel", x["channel"]}, {"hardware", hw},
                        {"floor", x["security-floor"]}, {"min", x["min-version"]}, {"size", x["size"]},
                        {"added", x["added-at"]}});
  }
  Json list = Json::array();
  for (const Json& x : rollouts.arguments)
    list.push_back({{"id", x["id"]}, {"version", x["version"]}, {"state", x["state"]}, {"ring", x["open-ring"]},
                    {"reason", x["reason"]}, {"created", x["created-at"]}});
  Json data{{"tenant", tenant},
            {"platform", v.user.platform()},
            {"has_tenant", !tenant.empty()},
            {"releases", releases},
            {"has_releases", !releases.empty()},
            {"rollouts", list},
            {"has_rollouts", !list.empty()},
            {"may_move", may(v, "rollout-pause")},
            {"may_window", may(v, "maintenance-window-set") && !tenant.empty()}};
  // The tenant's window, with the posted value and its refusal when a change was refused.
  if (!tenant.empty()) {
    core::ControlReply w = run(v, "maintenance-window-get", v.user.platform() ? Json{{"tenant", tenant}} : Json::object());
    if (w.ok()) {
      const std::string current = w.arguments["window"].is_string() ? w.arguments["window"].get<std::string>() : "";
      data["window_now"] = current.empty() ? "none: updates at any time" : current;
      const std::string value = form.is_object() ? form.value("window", "") : current;
      const std::string error = form.is_object() ? form.value("window_error", "") : "";
      data["window_field"] = core::web::renderField(core::web::Field{
          "window", "window", "Maintenance window (UTC)", "text", value, error,
          {{"maxlength", "64"}, {"placeholder", "Mon-Fri 01:00-05:00 UTC"}, {"aria-describedby", "window-help"}}});
    }
  }
  // One rollout in detail.
  const std::string id = query(r, "rollout");
  if (!id.empty()) {
    core::ControlReply shown = run(v, "rollout-show", Json{{"rollout", id}});
    if (!shown.ok()) return refuse(v, shown);
    const Json& x = shown.arguments;
    Json rings = Json::array();
    for (const Json& ring : x["rings"]) rings.push_back(ringBars(ring));
    Json boxes = Json::array();
    for (const Json& b : x["boxes"])
      boxes.push_back({{"device", b["device"]}, {"ring", b["ring"]}, {"state", b["state"]}, {"reason", b["reason"]},
                       {"failed", b["state"] == "rolled-back" || b["state"] == "failed"},
                       {"updated", b["updated-at"]}});
    const std::string state = x["state"].get<std::string>();
    data["detail"] = Json{{"id", x["id"]},
                          {"version", x["version"]},
                          {"state", state},
                          {"reason", x["reason"]},
                          {"ring", x["open-ring"]},
                          {"failure_percent", x["failure-percent"]},
                          {"report_seconds", x["report-seconds"]},
                          {"rings", rings},
                          {"boxes", boxes},
                          {"running", state == "running"},
                          {"paused", state == "paused"},
                          {"active", state == "running" || state == "paused"}};
  }
  return page(v, "firmware", "Firmware", data, std::move(messages), status);
}

HttpResponse Console::firmwarePost(const HttpRequest& r, const Visitor& v) {
  std::map<std::string, std::string> form = core::web::parseForm(r.body);
  const std::string action = field(form, "action");
  const std::string tenant = v.user.platform() ? field(form, "tenant") : "";
  const std::string back = "/firmware?" + (tenant.empty() ? "" : "tenant=" + core::web::urlEncode(tenant) + "&");
  if (action == "window") {
    Json args{{"window", field(form, "window").empty() ? "none" : field(form, "window")}};
    if (!tenant.empty()) args["tenant"] = tenant;
    core::ControlReply reply = run(v, "maintenance-window-set", args);
    if (!reply.ok()) {
      if (core::command::httpStatus(core::command::publicCode(reply.code)) != 400) return refuse(v, reply);
      const std::string why = reply.text.rfind("window: ", 0) == 0 ? reply.text.substr(8) : reply.text;
      HttpRequest again = r;
      again.query["tenant"] = tenant;
      return firmwarePage(again, v, Json{{"window", field(form, "window")}, {"window_error", why}},
                          {Message::error("Not saved: check the maintenance window.")}, 400);
    }
    return core::web::redirect(303, back + "saved=window", "Firmware");
  }
  const std::string id = field(form, "rollout");
  Json args{{"rollout", id}};
  std::string command;
  if (action == "pause") {
    command = "rollout-pause";
    if (!field(form, "reason").empty()) args["reason"] = field(form, "reason");
  } else if (action == "resume") {
    command = "rollout-resume";
    if (field(form, "retry") == "1") args["retry-failed"] = true;
  } else if (action == "abort") {
    command = "rollout-abort";
  } else {
    return refuse(v, core::ControlReply::error(core::invalidArgument("action: expected pause, resume, abort or window")));
  }
  core::ControlReply reply = run(v, command, args);
  if (!reply.ok()) return refuse(v, reply);
  return core::web::redirect(303, back + "rollout=" + core::web::urlEncode(id), "Firmware");
}

}  // namespace mgmt::console
