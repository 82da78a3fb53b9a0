// The monitoring pass over the network devices the boxes poll over SNMP (issue 26, ADR 0062): each
// box's check-in carries health.network (edge/netmon: one entry per device); the latest is kept in
// network_devices, and a device reported unreachable gets a device-unreachable alert whose impact is
// the subscribers whose sessions ran through the NAS it serves. The alert, its impact and its
// notifications go through the same store, grouping and queue as the box's own alerts.
#include <algorithm>
#include <map>
#include <set>

#include "mgmt/monitoring/alert_json.h"
#include "mgmt/monitoring/live_store.h"
#include "mgmt/monitoring/monitoring_service.h"
#include "mgmt/monitoring/network_report.h"
#include "mgmt/monitoring/network_store.h"

namespace mgmt::monitoring {

namespace {

using core::Json;

// Whether the stored row says what the check-in says. The uptime only counts when it went back (a
// reboot): it grows with every check-in, and the stored one is as of updated_at.
bool sameState(const NetworkDevice& stored, const NetworkDevice& now) {
  return stored.nas == now.nas && stored.kind == now.kind && stored.reachable == now.reachable &&
         stored.since == now.since && stored.interfacesDown == now.interfacesDown && now.uptime >= stored.uptime;
}

// The devices hanging off `name` (directly or through others) by the operator's upstream links of one
// box (device -> the device it hangs off); a loop (refused when written) ends the walk.
std::vector<std::string> downstreamOf(const std::map<std::string, std::string>& upstream, const std::string& name) {
  std::vector<std::string> out;
  std::set<std::string> seen = {name};
  for (size_t i = 0; i <= out.size(); ++i) {
    const std::string& parent = i == 0 ? name : out[i - 1];
    for (const auto& [child, up] : upstream)
      if (up == parent && seen.insert(child).second) out.push_back(child);
  }
  return out;
}

// A name, site or note as an operator types it: not empty when required, at most `max` bytes, no
// control characters.
core::Status checkText(const std::string& value, const char* key, size_t max, bool required) {
  if (required && value.empty()) return core::invalidArgument(std::string(key) + ": required");
  if (value.size() > max) return core::invalidArgument(std::string(key) + ": at most " + std::to_string(max) + " bytes");
  for (unsigned char c : value)
    if (c < 0x20 || c == 0x7f) return core::invalidArgument(std::string(key) + ": no control characters");
  return core::Status::ok();
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
      std::map<std::string, std::string> upstream, nasOf;  // of this box's devices
      EDGE_ASSIGN_OR_RETURN(std::vector<InventoryEntry> described, network.inventory(box.tenantId));
      for (const InventoryEntry& e : described)
        if (e.boxId == box.id && !e.upstream.empty()) upstream[e.name] = e.upstream;
      for (const NetworkDevice& d : reported) nasOf[d.name] = d.nas;
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
        EDGE_ASSIGN_OR_RETURN(std::string site, network.siteOf(box.id, d.name));
        EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> id,
                              store.openAlert(box.tenantId, box.id, "device-unreachable",
                                              describe(d) + " has not answered since " + utcText(since), now,
                                              d_.options.groupWindow, d.name, site));
        if (!id) continue;  // open already
        // Its NAS and those of the devices hanging off it (ADR 0068): their sessions stop with it.
        std::set<std::string> nasSet;
        if (!d.nas.empty()) nasSet.insert(d.nas);
        for (const std::string& child : downstreamOf(upstream, d.name))
          if (auto n = nasOf.find(child); n != nasOf.end() && !n->second.empty()) nasSet.insert(n->second);
        std::map<std::string, Affected> byUser;
        for (const std::string& nas : nasSet) {
          EDGE_ASSIGN_OR_RETURN(std::vector<Affected> through,
                                network.affectedThroughNas(box.tenantId, box.id, nas, since - d_.options.impactWindow));
          for (Affected& x : through) byUser.emplace(x.username, std::move(x));
        }
        std::vector<Affected> affected;
        for (auto& [user, x] : byUser) affected.push_back(std::move(x));
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

core::Result<std::vector<MonitoringService::NetworkDeviceView>> MonitoringService::networkDevices(
    const std::string& tenantId, int64_t now) {
  std::vector<NetworkDeviceView> out;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        NetworkStore network(tx);
        EDGE_ASSIGN_OR_RETURN(std::vector<fleet::DeviceRow> boxes, fleet::FleetStore(tx).devices(tenantId));
        std::map<std::string, const fleet::DeviceRow*> boxById;
        for (const fleet::DeviceRow& b : boxes) boxById[b.id] = &b;
        EDGE_ASSIGN_OR_RETURN(std::vector<NetworkDevice> devices, network.devices(tenantId));
        EDGE_ASSIGN_OR_RETURN(std::vector<InventoryEntry> described, network.inventory(tenantId));
        EDGE_ASSIGN_OR_RETURN(auto sites, network.boxSites(tenantId));
        EDGE_ASSIGN_OR_RETURN(auto alerts, network.openDeviceAlertIds(tenantId));
        EDGE_ASSIGN_OR_RETURN(std::vector<NetworkStore::NasCount> counts,
                              network.subscribersByNas(tenantId, now - d_.options.impactWindow));
        std::map<std::pair<std::string, std::string>, int64_t> behind;  // (box, nas) -> subscribers
        for (const NetworkStore::NasCount& c : counts) behind[{c.boxId, c.nas}] = c.subscribers;
        EDGE_ASSIGN_OR_RETURN(auto onlineByNas, LiveStore(tx).countsByNas(tenantId));  // (box, nas) -> open now
        // Every device reported or described, by (box, name).
        std::map<std::pair<std::string, std::string>, NetworkDeviceView> all;
        for (NetworkDevice& d : devices) {
          NetworkDeviceView& v = all[{d.boxId, d.name}];
          v.reported = true;
          v.device = std::move(d);
        }
        std::map<std::string, std::map<std::string, std::string>> upstream;  // box -> device -> hangs off
        for (const InventoryEntry& e : described) {
          NetworkDeviceView& v = all[{e.boxId, e.name}];
          if (!v.reported) {
            v.device.boxId = e.boxId;
            v.device.name = e.name;
            v.device.tenantId = e.tenantId;
          }
          v.described = true;
          v.site = e.site;
          v.upstream = e.upstream;
          v.note = e.note;
          if (!e.upstream.empty()) upstream[e.boxId][e.name] = e.upstream;
        }
        for (auto& [key, v] : all) {
          const auto& [boxId, name] = key;
          if (auto box = boxById.find(boxId); box != boxById.end()) {
            v.hostname = box->second->hostname;
            v.lastCheckin = box->second->lastCheckin;
          }
          if (v.site.empty())
            if (auto site = sites.find(boxId); site != sites.end()) v.site = site->second;
          v.downstream = downstreamOf(upstream[boxId], name);
          std::set<std::string> nasSet;
          if (!v.device.nas.empty()) nasSet.insert(v.device.nas);
          for (const std::string& child : v.downstream)
            if (auto c = all.find({boxId, child}); c != all.end() && !c->second.device.nas.empty())
              nasSet.insert(c->second.device.nas);
          for (const std::string& nas : nasSet) {
            v.nas.push_back(nas);
            if (auto n = behind.find({boxId, nas}); n != behind.end()) v.subscribers += n->second;
            if (auto n = onlineByNas.find({boxId, nas}); n != onlineByNas.end()) v.online += n->second;
          }
          if (auto a = alerts.find(key); a != alerts.end()) v.openAlert = a->second;
          out.push_back(std::move(v));
        }
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return out;
}

core::Status MonitoringService::putNetworkDevice(const std::string& tenantId, const InventoryEntry& entry) {
  EDGE_RETURN_IF_ERROR(checkText(entry.name, "name", 64, true));
  EDGE_RETURN_IF_ERROR(checkText(entry.site, "site", 64, false));
  EDGE_RETURN_IF_ERROR(checkText(entry.upstream, "upstream", 64, false));
  EDGE_RETURN_IF_ERROR(checkText(entry.note, "note", 500, false));
  if (entry.upstream == entry.name) return core::invalidArgument("upstream: a device cannot hang off itself");
  const int64_t t = now();
  return d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(std::optional<fleet::DeviceRow> box, fleet::FleetStore(tx).device(entry.boxId));
    if (!box || box->tenantId != tenantId) return core::notFound("box: no box '" + entry.boxId + "'");
    NetworkStore network(tx);
    std::set<std::string> known;  // the box's devices, reported or described
    EDGE_ASSIGN_OR_RETURN(std::vector<NetworkDevice> devices, network.devices(tenantId));
    for (const NetworkDevice& d : devices)
      if (d.boxId == entry.boxId) known.insert(d.name);
    std::map<std::string, std::string> upstream;
    EDGE_ASSIGN_OR_RETURN(std::vector<InventoryEntry> described, network.inventory(tenantId));
    for (const InventoryEntry& e : described) {
      if (e.boxId != entry.boxId) continue;
      known.insert(e.name);
      if (!e.upstream.empty()) upstream[e.name] = e.upstream;
    }
    if (!entry.upstream.empty()) {
      if (!known.count(entry.upstream))
        return core::invalidArgument("upstream: box " + entry.boxId + " has no device '" + entry.upstream +
                                     "' (reported or described)");
      std::vector<std::string> below = downstreamOf(upstream, entry.name);
      if (std::find(below.begin(), below.end(), entry.upstream) != below.end())
        return core::invalidArgument("upstream: " + entry.upstream + " already hangs off " + entry.name +
                                     " (a loop)");
    }
    InventoryEntry e = entry;
    e.tenantId = tenantId;
    e.updatedAt = t;
    return network.putInventory(e);
  });
}

core::Status MonitoringService::removeNetworkDevice(const std::string& tenantId, const std::string& boxId,
                                                    const std::string& name) {
  return d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(bool removed, NetworkStore(tx).removeInventory(tenantId, boxId, name));
    if (!removed) return core::notFound("name: box " + boxId + " has no description of '" + name + "'");
    return core::Status::ok();
  });
}

core::Status MonitoringService::setBoxSite(const std::string& tenantId, const std::string& boxId,
                                           const std::string& site) {
  EDGE_RETURN_IF_ERROR(checkText(site, "site", 64, false));
  const int64_t t = now();
  return d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(std::optional<fleet::DeviceRow> box, fleet::FleetStore(tx).device(boxId));
    if (!box || box->tenantId != tenantId) return core::notFound("box: no box '" + boxId + "'");
    return NetworkStore(tx).putBoxSite(tenantId, boxId, site, t);
  });
}

}  // namespace mgmt::monitoring
