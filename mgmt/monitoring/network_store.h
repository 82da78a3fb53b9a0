// The network devices the boxes poll over SNMP, as their check-ins last reported them (table
// network_devices, migration 23, ADR 0062), and the subscribers whose sessions ran through the NAS
// such a device serves. SQL only here.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "mgmt/monitoring/monitoring_store.h"
#include "mgmt/store/sql.h"

namespace mgmt::monitoring {

struct NetworkDevice {
  std::string boxId, name, tenantId, nas, kind;
  bool reachable = true;
  int64_t since = 0;   // when it stopped answering (box's clock; 0 while reachable)
  int64_t uptime = 0;  // seconds
  std::string interfacesDown = "[]";  // JSON list of names
  int64_t updatedAt = 0;
};

// The operator's description of a network device a box polls or will poll (network_inventory, ADR
// 0068): its site, the device of the same box it hangs off ("" = the box) and a note.
struct InventoryEntry {
  std::string boxId, name, tenantId, site, upstream, note;
  int64_t updatedAt = 0;
  std::string updatedBy;
};

class NetworkStore {
 public:
  explicit NetworkStore(store::Transaction& tx) : tx_(tx) {}

  // Every box's devices ("" = every tenant's), by box and name.
  core::Result<std::vector<NetworkDevice>> devices(const std::string& tenantId);
  // Replaces the box's devices with `list` (a device no longer reported is removed).
  core::Status replace(const std::string& boxId, const std::string& tenantId, const std::vector<NetworkDevice>& list,
                       int64_t now);
  // The open device-unreachable alerts: (box, device name).
  core::Result<std::vector<std::pair<std::string, std::string>>> openDeviceAlerts();
  // Subscribers with a session through `nas` on the box that closed at or after `since`, with their
  // customer and preference (the sessions the box uploads carry the NAS's name).
  // The tenant's descriptions of devices ("" = every tenant's), by box and name.
  core::Result<std::vector<InventoryEntry>> inventory(const std::string& tenantId);
  core::Status putInventory(const InventoryEntry& e);
  // Whether there was one to remove.
  core::Result<bool> removeInventory(const std::string& tenantId, const std::string& boxId, const std::string& name);
  // The tenant's boxes' sites: box -> site.
  core::Result<std::map<std::string, std::string>> boxSites(const std::string& tenantId);
  // Sets a box's site ("" removes it).
  core::Status putBoxSite(const std::string& tenantId, const std::string& boxId, const std::string& site, int64_t now);
  // The site of a box's network device `name` (its own, else its box's), or of the box itself (name "");
  // "" when none is set.
  core::Result<std::string> siteOf(const std::string& boxId, const std::string& name);
  // The tenant's open device-unreachable alerts: (box, device name) -> alert id.
  core::Result<std::map<std::pair<std::string, std::string>, int64_t>> openDeviceAlertIds(const std::string& tenantId);
  // Per (box, NAS) of the tenant, the subscribers with a session through it that closed at or after
  // `since` (what depends on a device serving that NAS).
  struct NasCount {
    std::string boxId, nas;
    int64_t subscribers = 0;
  };
  core::Result<std::vector<NasCount>> subscribersByNas(const std::string& tenantId, int64_t since);
  // The subscribers with a session through `nas` on the box that closed at or after `since`, or open
  // at the box's last check-in (ADR 0074), by username.
  core::Result<std::vector<Affected>> affectedThroughNas(const std::string& tenantId, const std::string& boxId,
                                                         const std::string& nas, int64_t since);

 private:
  store::Transaction& tx_;
};

}  // namespace mgmt::monitoring
