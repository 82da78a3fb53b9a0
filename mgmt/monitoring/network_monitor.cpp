// The monitoring pass over the network devices the boxes poll over SNMP (issue 26, ADR 0062): each
// box's check-in carries health.network (edge/netmon: one entry per device); the latest is kept in
// network_devices, and a device reported unreachable gets a device-unreachable alert whose impact is
// the subscribers whose sessions ran through the NAS it serves. The alert, its impact and its
// notifications go through the same store, grouping and queue as the box's own alerts.
#include <algorithm>
#include <map>
#include <set>

#include "mgmt/monitoring/alert_json.h"
#include "mgmt/monitoring/monitoring_service.h"
#include "mgmt/monitoring/network_store.h"

namespace mgmt::monitoring {

namespace {

using core::Json;

// The devices a box's last check-in reports (health.network); entries without a usable name are
// skipped, and so are texts past 64 bytes (the box is trusted, but not to fill the database; a text is
// never cut, which could split a UTF-8 sequence).
std::vector<NetworkDevice> reportedDevices(const std::string& reported) {
  std::vector<NetworkDevice> out;
  Json doc = Json::parse(reported, nullptr, false);
  if (!doc.is_object() || !doc.contains("health") || !doc["health"].is_object()) return out;
  const Json& health = doc["health"];
  if (!health.contains("network") || !health["network"].is_array()) return out;
  std::set<std::string> names;
  for (const Json& d : health["network"]) {
    if (!d.is_object() || !d.contains("name") || !d["name"].is_string()) continue;
    NetworkDevice n;
    n.name = d["name"].get<std::string>();
    if (n.name.empty() || n.name.size() > 64 || !names.insert(n.name).second) continue;
    auto text = [&d](const char* key) {
      std::string v = d.contains(key) && d[key].is_string() ? d[key].get<std::string>() : std::string();
      return v.size() > 64 ? std::string() : v;
    };
    auto number = [&d](const char* key) {
      return d.contains(key) && d[key].is_number_integer() ? d[key].get<int64_t>() : int64_t{0};
    };
    n.nas = text("nas");
    n.kind = text("kind");
    n.reachable = !(d.contains("reachable") && d["reachable"].is_boolean() && !d["reachable"].get<bool>());
    n.since = n.reachable ? 0 : number("since");
    n.uptime = number("uptime");
    Json down = Json::array();
    if (d.contains("down") && d["down"].is_array())
      for (const Json& i : d["down"])
        if (i.is_string() && i.get<std::string>().size() <= 64 && down.size() < 256) down.push_back(i);
    n.interfacesDown = down.dump();
    out.push_back(std::move(n));
    if (out.size() >= 1000) break;
  }
  return out;
}

// Whether the stored row says what the check-in says. The uptime only counts when it went back (a
// reboot): it grows with every check-in, and the stored one is as of updated_at.
bool sameState(const NetworkDevice& stored, const NetworkDevice& now) {
  return stored.nas == now.nas && stored.kind == now.kind && stored.reachable == now.reachable &&
         stored.since == now.since && stored.interfacesDown == now.interfacesDown && now.uptime >= stored.uptime;
}

std::string describe(const NetworkDevice& d) {
  return (d.kind.empty() ? "device" : d.kind) + " " + d.name + (d.nas.empty() ? "" : " (NAS " + d.nas + ")");
}

}  // namespace

core::Status MonitoringService::checkNetwork(const std::vector<fleet::DeviceRow>& boxes, int64_t now, Report& report) {
  std::map<std::string, std::vector<NetworkDevice>> stored;  // box -> its devices
  std::set<std::pair<std::string, std::string>> open;        // (box, device) with an open alert
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        NetworkStore store(tx);
        EDGE_ASSIGN_OR_RETURN(std::vector<NetworkDevice> all, store.devices(""));
        for (NetworkDevice& d : all) stored[d.boxId].push_back(std::move(d));
        EDGE_ASSIGN_OR_RETURN(auto alerts, store.openDeviceAlerts());
        open = std::set<std::pair<std::string, std::string>>(alerts.begin(), alerts.end());
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  const int64_t silentAfter = d_.options.missedPolls * d_.options.pollInterval;
  for (const fleet::DeviceRow& box : boxes) {
    // A silent box has its own offline alert; what it said of its devices stands until it is back.
    if (box.status != "active" || box.lastCheckin == 0 || now - box.lastCheckin > silentAfter) continue;
    std::vector<NetworkDevice> reported = reportedDevices(box.reported);
    std::sort(reported.begin(), reported.end(), [](const NetworkDevice& a, const NetworkDevice& b) { return a.name < b.name; });
    const std::vector<NetworkDevice>& before = stored[box.id];
    bool changed = reported.size() != before.size();
    for (size_t i = 0; !changed && i < reported.size(); ++i)
      changed = reported[i].name != before[i].name || !sameState(before[i], reported[i]);
    std::set<std::string> down;
    for (const NetworkDevice& d : reported)
      if (!d.reachable) down.insert(d.name);
    bool alertsChange = false;
    for (const std::string& name : down) alertsChange = alertsChange || !open.count({box.id, name});
    for (const auto& [b, name] : open) alertsChange = alertsChange || (b == box.id && !down.count(name));
    if (!changed && !alertsChange) continue;
    // One unit of work per box: its devices, their alerts, impact and notifications together.
    EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
      NetworkStore network(tx);
      MonitoringStore store(tx);
      EDGE_RETURN_IF_ERROR(network.replace(box.id, box.tenantId, reported, now));
      EDGE_ASSIGN_OR_RETURN(auto openNow, network.openDeviceAlerts());
      for (const auto& [b, name] : openNow) {
        if (b != box.id || down.count(name)) continue;
        EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> id, store.closeAlert(box.id, "device-unreachable", now, name));
        if (!id) continue;
        EDGE_ASSIGN_OR_RETURN(std::optional<Alert> alert, store.alert(box.tenantId, *id));
        Subject s;
        s.source = "alert";
        s.sourceId = *id;
        s.event = "closed";
        s.webhook = Json{{"event", "alert.closed"}, {"tenant", box.tenantId}, {"alert", alertJson(*alert, box.hostname)},
                         {"network-device", name}};
        EDGE_ASSIGN_OR_RETURN(int64_t q, queue(tx, box.tenantId, s, {}, now));
        report.queued += q;
        ++report.closed;
      }
      for (const NetworkDevice& d : reported) {
        if (d.reachable) continue;
        const int64_t since = d.since > 0 && d.since <= now ? d.since : now;
        EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> id,
                              store.openAlert(box.tenantId, box.id, "device-unreachable",
                                              describe(d) + " has not answered since " + utcText(since), now,
                                              d_.options.groupWindow, d.name));
        if (!id) continue;  // open already
        std::vector<Affected> affected;
        if (!d.nas.empty()) {
          EDGE_ASSIGN_OR_RETURN(affected, network.affectedThroughNas(box.tenantId, box.id, d.nas,
                                                                     since - d_.options.impactWindow));
        }
        EDGE_RETURN_IF_ERROR(store.putImpact(*id, box.tenantId, affected));
        EDGE_ASSIGN_OR_RETURN(std::optional<Alert> alert, store.alert(box.tenantId, *id));
        if (alert->groupId != alert->id) {  // one root cause, one message
          EDGE_ASSIGN_OR_RETURN(std::vector<std::string> told, store.groupUsernames(alert->groupId, alert->id));
          affected = notToldYet(affected, told);
        }
        Subject s;
        s.source = "alert";
        s.sourceId = *id;
        s.event = "opened";
        s.title = "service interruption";
        s.summary = "Since " + utcText(since) +
                    " a part of our network serving you has stopped answering, so your service may be interrupted. "
                    "We are working on it; you do not need to do anything.";
        s.sms = "part of our network serving you has been down since " + utcText(since) + ". We are working on it.";
        s.webhook = Json{{"event", "alert.opened"}, {"tenant", box.tenantId}, {"alert", alertJson(*alert, box.hostname)},
                         {"network-device", Json{{"name", d.name}, {"kind", d.kind}, {"nas", d.nas}, {"since", since}}}};
        EDGE_ASSIGN_OR_RETURN(int64_t q, queue(tx, box.tenantId, s, affected, now));
        report.queued += q;
        ++report.opened;
      }
      return core::Status::ok();
    }));
  }
  return core::Status::ok();
}

}  // namespace mgmt::monitoring
