// The plans and subscribers tables: each tenant's desired state, versioned per tenant (every change
// takes the tenant's next version; a deletion leaves a tombstone). SQL for them lives here only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/sync_wire.h"
#include "mgmt/store/sql.h"

namespace mgmt::catalog {

struct StoredSpec {
  std::string spec;  // JSON text: the plan-add / subscriber-add arguments
  int64_t version = 0;
  std::string origin;  // subscribers: "mgmt" or the device that created it
};

class CatalogStore {
 public:
  explicit CatalogStore(store::Transaction& tx) : tx_(tx) {}

  // The live (not deleted) spec.
  core::Result<std::optional<std::string>> planSpec(const std::string& tenantId, const std::string& name);
  core::Result<std::optional<std::string>> subscriberSpec(const std::string& tenantId, const std::string& username);

  // Inserts, or replaces (and revives) the row with this key. importBatch: the import batch that
  // adds it (ADR 0049); every other write passes "", so a row changed since its import is no longer
  // the batch's and a rollback leaves it.
  core::Status putPlan(const std::string& tenantId, const std::string& name, const std::string& spec, int64_t version,
                       int64_t now, const std::string& importBatch = "");
  core::Status putSubscriber(const std::string& tenantId, const std::string& username, const std::string& plan,
                             const std::string& spec, int64_t version, const std::string& origin, int64_t now,
                             const std::string& importBatch = "");
  // Bulk writes of an import (ADR 0049): which of `usernames` are live subscribers (an IN list:
  // for small tenants); many new rows in multi-row inserts (each row: username, plan, spec,
  // version) that revive a tombstone of the same name and leave a live row alone: the usernames
  // written are returned.
  core::Result<std::vector<std::string>> liveSubscribers(const std::string& tenantId,
                                                         const std::vector<std::string>& usernames);
  struct NewSubscriber {
    std::string username, plan, spec;
    int64_t version = 0;
  };
  core::Result<std::vector<std::string>> putSubscribers(const std::string& tenantId,
                                                        const std::vector<NewSubscriber>& rows, const std::string& origin,
                                                        int64_t now, const std::string& importBatch);
  core::Status tombstonePlan(const std::string& tenantId, const std::string& name, int64_t version, int64_t now);
  core::Status tombstoneSubscriber(const std::string& tenantId, const std::string& username, int64_t version,
                                   int64_t now);

  // Live rows by name.
  core::Result<std::vector<StoredSpec>> plans(const std::string& tenantId);
  // `plan` "" = every plan.
  core::Result<std::vector<StoredSpec>> subscribers(const std::string& tenantId, const std::string& plan, int64_t limit,
                                                    int64_t offset);
  core::Result<int64_t> planCount(const std::string& tenantId);
  core::Result<int64_t> subscriberCount(const std::string& tenantId);
  core::Result<int64_t> subscribersOnPlan(const std::string& tenantId, const std::string& plan);
  core::Result<int64_t> subscriberTotal();

  // full: every live row, plans first (subscribers name their plan); otherwise up to `limit` rows
  // with a version above `cursor`, tombstones included, by version (the order they were made in).
  core::Result<std::vector<core::sync::Change>> changes(const std::string& tenantId, bool full, int64_t cursor,
                                                        int64_t limit);

  // Demo sample rows (ADR 0029): marked when a scenario writes them; the live ones listed, for
  // conversion to paid, which tombstones them (a plan one of the tenant's own subscribers is on
  // stays, unmarked).
  core::Status markSamplePlan(const std::string& tenantId, const std::string& name);
  core::Status markSampleSubscriber(const std::string& tenantId, const std::string& username);
  core::Status unmarkSamplePlan(const std::string& tenantId, const std::string& name);
  core::Result<std::vector<std::string>> samplePlans(const std::string& tenantId);
  core::Result<std::vector<std::string>> sampleSubscribers(const std::string& tenantId);
  // Live subscribers on `plan` that are not samples.
  core::Result<int64_t> ownSubscribersOnPlan(const std::string& tenantId, const std::string& plan);
  // Every plan and subscriber of the tenant, tombstones too (its purge).
  core::Status deleteTenant(const std::string& tenantId);

 private:
  store::Transaction& tx_;
};

}  // namespace mgmt::catalog
