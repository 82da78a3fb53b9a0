// The network devices the boxes poll over SNMP, as their check-ins last reported them (table
// network_devices, migration 23, ADR 0062), and the subscribers whose sessions ran through the NAS
// such a device serves. SQL only here.
#pragma once

#include <cstdint>
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
  core::Result<std::vector<Affected>> affectedThroughNas(const std::string& tenantId, const std::string& boxId,
                                                         const std::string& nas, int64_t since);

 private:
  store::Transaction& tx_;
};

}  // namespace mgmt::monitoring
