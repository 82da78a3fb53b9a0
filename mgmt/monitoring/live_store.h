// The sessions open on each box at its last check-in (migration 28, issue 26, ADR 0074): the box
// reports them by NAS in every check-in (core/sync_wire.h LiveNas, bounded there); mgmt keeps the
// latest list per box, rewritten only when it changed, and an outage's impact counts the subscribers
// online at that moment as well as those with a recent closed session (MonitoringStore::affectedBy,
// NetworkStore::affectedThroughNas). SQL for box_live_sessions lives here only.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/sync_wire.h"
#include "mgmt/monitoring/monitoring_store.h"
#include "mgmt/store/sql.h"

namespace mgmt::monitoring {

class LiveStore {
 public:
  explicit LiveStore(store::Transaction& tx) : tx_(tx) {}

  // Keeps the box's list; the row is written only when the list or the count left out changed
  // (changed_at = now then), so a quiet box's check-ins write nothing here.
  core::Status put(const std::string& boxId, const std::string& tenantId, const std::vector<core::sync::LiveNas>& live,
                   int64_t omitted, int64_t now);
  // The usernames with a session open through `nas` ("" = any NAS) on the box at its last check-in,
  // sorted, each once. A stored list that does not read (never written by this code) gives none.
  core::Result<std::vector<std::string>> users(const std::string& boxId, const std::string& nas = "");
  // Sessions open per (box, NAS) of the tenant's boxes at their last check-in.
  core::Result<std::map<std::pair<std::string, std::string>, int64_t>> countsByNas(const std::string& tenantId);
  // `usernames` with the tenant's customer holding each and its channel preference (customerId ""
  // for a subscriber without a customer), in the order given.
  core::Result<std::vector<Affected>> withCustomers(const std::string& tenantId, const std::vector<std::string>& usernames);
  core::Status deleteTenant(const std::string& tenantId);

 private:
  store::Transaction& tx_;
};

// The stored list read back (the JSON `put` writes): entries that do not read are skipped.
std::vector<core::sync::LiveNas> liveListOf(const std::string& stored);

}  // namespace mgmt::monitoring
