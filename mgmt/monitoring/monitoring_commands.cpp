#include "mgmt/monitoring/monitoring_commands.h"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "core/command_args.h"
#include "core/json.h"
#include "mgmt/tenancy/tenancy_service.h"
#include "mgmt/tenancy/tenant_store.h"

namespace mgmt::monitoring {

using core::CommandArgs;
using core::ControlReply;
using core::Json;

namespace {

// The tenant the arguments name, as the caller may see it (kNotFound for another's).
core::Result<std::string> tenantOf(store::Storage& storage, const CommandArgs& a, const core::command::Caller& c) {
  EDGE_ASSIGN_OR_RETURN(tenancy::Caller caller, tenancy::callerOf(c));
  std::string id;
  EDGE_RETURN_IF_ERROR(storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(tenancy::Tenant t, tenancy::tenantFromArgs(tx, a, caller));
        id = t.id;
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return id;
}

Json alertJson(const Alert& a) {
  return Json{{"id", a.id},          {"device", a.deviceId},       {"kind", a.kind},
              {"detail", a.detail},  {"state", a.state},           {"affected", a.affected},
              {"opened-at", a.openedAt}, {"closed-at", a.closedAt}, {"group", a.groupId},
              {"acked-at", a.ackedAt},   {"acked-by", a.ackedBy},    {"site", a.site}};
}

Json maintenanceJson(const Maintenance& m) {
  Json devices = Json::array();
  for (const std::string& d : m.devices) devices.push_back(d);
  return Json{{"id", m.id},         {"starts-at", m.startsAt}, {"ends-at", m.endsAt},   {"devices", devices},
              {"reason", m.reason}, {"state", m.state},        {"created-by", m.createdBy}, {"created-at", m.createdAt}};
}

}  // namespace

core::Result<int64_t> parseTime(const std::string& text, const std::string& key) {
  if (!text.empty() && text.size() <= 12 &&
      std::all_of(text.begin(), text.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return static_cast<int64_t>(std::stoll(text));
  std::tm tm{};
  const char* end = ::strptime(text.c_str(), "%Y-%m-%dT%H:%M", &tm);
  if (end != nullptr && *end == ':') end = ::strptime(end, ":%S", &tm);
  if (end == nullptr || std::string(end) != "Z")
    return core::invalidArgument(key + ": Unix seconds or YYYY-MM-DDTHH:MMZ (UTC)");
  return static_cast<int64_t>(::timegm(&tm));
}

void bindMonitoringCommands(core::command::Table& table, MonitoringService& monitoring) {
  store::Storage& storage = monitoring.storage();
  MonitoringService& m = monitoring;
  table.bind("alert-list", [&m, &storage](const Json& args, const core::command::Caller& c) -> ControlReply {
    CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(std::string tenant, tenantOf(storage, a, c));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> state, a.text("state"));
    EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, a.integer("limit"));
    EDGE_ASSIGN_OR_RETURN(std::vector<Alert> list, m.alerts(tenant, state.value_or(""), limit.value_or(100)));
    Json out = Json::array();
    int64_t open = 0;
    for (const Alert& al : list) {
      out.push_back(alertJson(al));
      if (al.state == "open") ++open;
    }
    return ControlReply::success(std::to_string(open) + " open alert(s) of " + std::to_string(list.size()) +
                                     " listed, most customers affected first",
                                 Json{{"alerts", out}});
  });
  table.bind("alert-groups", [&m, &storage](const Json& args, const core::command::Caller& c) -> ControlReply {
    CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(std::string tenant, tenantOf(storage, a, c));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> state, a.text("state"));
    EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, a.integer("limit"));
    EDGE_ASSIGN_OR_RETURN(std::vector<MonitoringService::AlertGroup> groups,
                          m.alertGroups(tenant, state.value_or(""), limit.value_or(100)));
    Json out = Json::array();
    int64_t open = 0;
    for (const MonitoringService::AlertGroup& g : groups) {
      Json alerts = Json::array();
      for (const Alert& al : g.alerts) alerts.push_back(alertJson(al));
      out.push_back(Json{{"group", g.id},         {"state", g.open ? "open" : "closed"},
                         {"affected", g.affected}, {"counted", g.counted},
                         {"acknowledged", g.acked}, {"opened-at", g.openedAt},
                         {"alerts", alerts}});
      if (g.open) ++open;
    }
    return ControlReply::success(std::to_string(open) + " open group(s) of " + std::to_string(groups.size()) +
                                     " listed, most customers affected first",
                                 Json{{"groups", out}});
  });
  table.bind("alert-ack", [&m, &storage](const Json& args, const core::command::Caller& c) -> ControlReply {
    CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(std::string tenant, tenantOf(storage, a, c));
    EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> id, a.integer("id"));
    if (!id) return ControlReply::error(core::invalidArgument("id: required"));
    EDGE_ASSIGN_OR_RETURN(Alert acked, m.ackAlert(tenant, *id, c.label));
    return ControlReply::success("alert " + std::to_string(acked.id) + " acknowledged by " + acked.ackedBy,
                                 alertJson(acked));
  });
  table.bind("alert-show", [&m, &storage](const Json& args, const core::command::Caller& c) -> ControlReply {
    CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(std::string tenant, tenantOf(storage, a, c));
    EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> id, a.integer("id"));
    if (!id) return ControlReply::error(core::invalidArgument("id: required"));
    EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, a.integer("limit"));
    EDGE_ASSIGN_OR_RETURN(auto shown, m.alertShow(tenant, *id, limit.value_or(1000)));
    Json customers = Json::array();
    for (const Affected& x : shown.second)
      customers.push_back(Json{{"username", x.username}, {"customer", x.customerId}, {"name", x.name},
                               {"email", x.email}, {"phone", x.phone}});
    Json data = alertJson(shown.first);
    data["customers"] = customers;
    return ControlReply::success("alert " + std::to_string(shown.first.id) + " (" + shown.first.kind + ", " +
                                     shown.first.state + "): " + std::to_string(shown.first.affected) +
                                     " customer(s) affected",
                                 data);
  });
  table.bind("notification-settings-get", [&m, &storage](const Json& args, const core::command::Caller& c) -> ControlReply {
    CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(std::string tenant, tenantOf(storage, a, c));
    EDGE_ASSIGN_OR_RETURN(NotifySettings s, m.settings(tenant));
    return ControlReply::success("notification settings (secrets shown as \"(set)\")", settingsToJson(s, false));
  });
  table.bind("notification-settings-set", [&m, &storage](const Json& args, const core::command::Caller& c) -> ControlReply {
    CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(std::string tenant, tenantOf(storage, a, c));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> text, a.text("settings"));
    if (!text) return ControlReply::error(core::invalidArgument("settings: required (a JSON object of keys)"));
    EDGE_ASSIGN_OR_RETURN(Json patch, core::parseJsonWithComments(*text, "settings", {16384, 4}));
    EDGE_ASSIGN_OR_RETURN(NotifySettings s, m.setSettings(tenant, patch));
    return ControlReply::success("notification settings saved", settingsToJson(s, false));
  });
  table.bind("notification-preference-set", [&m, &storage](const Json& args, const core::command::Caller& c) -> ControlReply {
    CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(std::string tenant, tenantOf(storage, a, c));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> customer, a.text("customer"));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> channel, a.text("channel"));
    if (!customer) return ControlReply::error(core::invalidArgument("customer: required"));
    if (!channel) return ControlReply::error(core::invalidArgument("channel: required (email, sms or none)"));
    EDGE_RETURN_IF_ERROR(m.setPreference(tenant, *customer, *channel));
    return ControlReply::success("customer " + *customer + " is told by " + *channel,
                                 Json{{"customer", *customer}, {"channel", *channel}});
  });
  table.bind("maintenance-add", [&m, &storage](const Json& args, const core::command::Caller& c) -> ControlReply {
    CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(std::string tenant, tenantOf(storage, a, c));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> start, a.text("start"));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> end, a.text("end"));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> devices, a.list("devices"));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> reason, a.text("reason"));
    if (!start) return ControlReply::error(core::invalidArgument("start: required"));
    if (!end) return ControlReply::error(core::invalidArgument("end: required"));
    if (!devices) return ControlReply::error(core::invalidArgument("devices: required (box ids)"));
    EDGE_ASSIGN_OR_RETURN(int64_t startsAt, parseTime(*start, "start"));
    EDGE_ASSIGN_OR_RETURN(int64_t endsAt, parseTime(*end, "end"));
    EDGE_ASSIGN_OR_RETURN(Maintenance added,
                          m.addMaintenance(tenant, startsAt, endsAt, *devices, reason.value_or(""), c.label));
    return ControlReply::success("maintenance " + std::to_string(added.id) + " scheduled from " + utcText(startsAt) +
                                     " to " + utcText(endsAt) + "; its customers are told " +
                                     std::to_string(m.options().maintenanceLead / 3600) + " h before",
                                 maintenanceJson(added));
  });
  table.bind("maintenance-list", [&m, &storage](const Json& args, const core::command::Caller& c) -> ControlReply {
    CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(std::string tenant, tenantOf(storage, a, c));
    EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, a.integer("limit"));
    EDGE_ASSIGN_OR_RETURN(std::vector<Maintenance> list, m.maintenance(tenant, limit.value_or(100)));
    Json out = Json::array();
    for (const Maintenance& x : list) out.push_back(maintenanceJson(x));
    return ControlReply::success(std::to_string(list.size()) + " maintenance window(s)", Json{{"maintenance", out}});
  });
  table.bind("maintenance-cancel", [&m, &storage](const Json& args, const core::command::Caller& c) -> ControlReply {
    CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(std::string tenant, tenantOf(storage, a, c));
    EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> id, a.integer("id"));
    if (!id) return ControlReply::error(core::invalidArgument("id: required"));
    EDGE_RETURN_IF_ERROR(m.cancelMaintenance(tenant, *id));
    return ControlReply::success("maintenance " + std::to_string(*id) + " cancelled", Json{{"id", *id}});
  });
  table.bind("network-device-list", [&m, &storage](const Json& args, const core::command::Caller& c) -> ControlReply {
    CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(std::string tenant, tenantOf(storage, a, c));
    EDGE_ASSIGN_OR_RETURN(std::vector<MonitoringService::NetworkDeviceView> list, m.networkDevices(tenant, m.now()));
    Json out = Json::array();
    int64_t down = 0;
    for (const MonitoringService::NetworkDeviceView& x : list) {
      const NetworkDevice& d = x.device;
      if (!d.reachable) ++down;
      Json interfaces = Json::parse(d.interfacesDown, nullptr, false);
      out.push_back(Json{{"box", d.boxId},
                         {"hostname", x.hostname},
                         {"name", d.name},
                         {"reported", x.reported},
                         {"described", x.described},
                         {"kind", d.kind},
                         {"nas", d.nas},
                         {"reachable", d.reachable},
                         {"since", d.since},
                         {"uptime", d.uptime},
                         {"interfaces-down", interfaces.is_array() ? interfaces : Json::array()},
                         {"changed-at", d.updatedAt},
                         {"reported-at", x.reported ? x.lastCheckin : 0},
                         {"site", x.site},
                         {"upstream", x.upstream},
                         {"note", x.note},
                         {"downstream", x.downstream},
                         {"nas-served", x.nas},
                         {"subscribers", x.subscribers},
                         {"online", x.online},
                         {"alert", x.openAlert}});
    }
    return ControlReply::success(std::to_string(list.size()) + " network device(s), " + std::to_string(down) +
                                     " not answering",
                                 Json{{"devices", out}});
  });
  table.bind("network-device-put", [&m, &storage](const Json& args, const core::command::Caller& c) -> ControlReply {
    CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(std::string tenant, tenantOf(storage, a, c));
    InventoryEntry e;
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> box, a.text("box"));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> name, a.text("name"));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> site, a.text("site"));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> upstream, a.text("upstream"));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> note, a.text("note"));
    if (!box || box->empty()) return ControlReply::error(core::invalidArgument("box: required"));
    e.boxId = *box;
    e.name = name.value_or("");
    e.site = site.value_or("");
    e.upstream = upstream.value_or("");
    e.note = note.value_or("");
    e.updatedBy = c.label;
    EDGE_RETURN_IF_ERROR(m.putNetworkDevice(tenant, e));
    return ControlReply::success("network device " + e.name + " of box " + e.boxId + " described",
                                 Json{{"box", e.boxId}, {"name", e.name}, {"site", e.site}, {"upstream", e.upstream},
                                      {"note", e.note}});
  });
  table.bind("network-device-remove", [&m, &storage](const Json& args, const core::command::Caller& c) -> ControlReply {
    CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(std::string tenant, tenantOf(storage, a, c));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> box, a.text("box"));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> name, a.text("name"));
    if (!box) return ControlReply::error(core::invalidArgument("box: required"));
    if (!name) return ControlReply::error(core::invalidArgument("name: required"));
    EDGE_RETURN_IF_ERROR(m.removeNetworkDevice(tenant, *box, *name));
    return ControlReply::success("the description of " + *name + " on box " + *box + " removed",
                                 Json{{"box", *box}, {"name", *name}});
  });
  table.bind("box-site-set", [&m, &storage](const Json& args, const core::command::Caller& c) -> ControlReply {
    CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(std::string tenant, tenantOf(storage, a, c));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> box, a.text("box"));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> site, a.text("site"));
    if (!box || box->empty()) return ControlReply::error(core::invalidArgument("box: required"));
    EDGE_RETURN_IF_ERROR(m.setBoxSite(tenant, *box, site.value_or("")));
    return ControlReply::success(site.value_or("").empty() ? "box " + *box + " has no site"
                                                           : "box " + *box + " is at site " + *site,
                                 Json{{"box", *box}, {"site", site.value_or("")}});
  });
  table.bind("notification-log", [&m, &storage](const Json& args, const core::command::Caller& c) -> ControlReply {
    CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(std::string tenant, tenantOf(storage, a, c));
    EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, a.integer("limit"));
    EDGE_ASSIGN_OR_RETURN(std::vector<Notification> list, m.log(tenant, limit.value_or(100)));
    Json out = Json::array();
    for (const Notification& n : list)
      out.push_back(Json{{"id", n.id},           {"source", n.source},       {"source-id", n.sourceId},
                         {"event", n.event},     {"customer", n.customerId}, {"channel", n.channel},
                         {"recipient", n.recipient}, {"state", n.state},     {"attempts", n.attempts},
                         {"last-error", n.lastError}, {"created-at", n.createdAt}, {"sent-at", n.sentAt}});
    return ControlReply::success(std::to_string(list.size()) + " notification(s), newest first",
                                 Json{{"notifications", out}});
  });
}

}  // namespace mgmt::monitoring
