// Each tenant's central plans and subscribers (plan-add/set/list/del, subscriber-add/set/del/list)
// and what its boxes fetch of them (changes since a cursor).
//
// Contract:
//  - Specs are validated with the boxes' own rules (the catalog library), so mgmt accepts exactly
//    what a box accepts; a subscriber's plan must be one of the tenant's; the tier's subscriber cap
//    is checked for new subscribers (kResourceExhausted naming the cap).
//  - Desired state is versioned per tenant: every change takes the tenant's next version; a deletion
//    leaves a tombstone. changes() returns what changed since a cursor, page by page, or everything
//    (full) when the cursor is ahead of the tenant (mgmt restored from an older backup).
//  - A tenant caller reaches only its own tenant (tenancy::tenantFromArgs); a duplicate is
//    kAlreadyExists, a missing row kNotFound.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/control_socket.h"
#include "core/sync_wire.h"
#include "mgmt/store/sql.h"
#include "mgmt/tenancy/caller.h"
#include "mgmt/tenancy/tenant_store.h"

namespace mgmt::catalog {

// In the caller's transaction, for the commands here, the demo data and subscribers made on a box:
// a validated plan or subscriber inserted or replaced with the tenant's next version.
// importBatch: set by an import (mgmt/importing, ADR 0049) only.
core::Status putPlan(store::Transaction& tx, const tenancy::Tenant& tenant, const core::Json& spec, int64_t now,
                     const std::string& importBatch = "");
core::Status putSubscriber(store::Transaction& tx, const tenancy::Tenant& tenant, const core::Json& spec,
                           const std::string& origin, int64_t now, const std::string& importBatch = "");
// Many new subscribers in one unit of work (an import's chunk, ADR 0049): each checked exactly as
// putSubscriber checks it (the tier's cap over the whole chunk), the plans looked up once, the
// versions taken together, written in multi-row statements. A username that is live already (or
// twice in `specs`) is not written. Results by index into `specs`.
struct BulkResult {
  std::vector<size_t> added;
  std::vector<size_t> existing;
  std::vector<std::pair<size_t, core::Status>> refused;
};
core::Result<BulkResult> putSubscribers(store::Transaction& tx, const tenancy::Tenant& tenant,
                                        const std::vector<core::Json>& specs, const std::string& origin, int64_t now,
                                        const std::string& importBatch);
core::Result<bool> subscriberExists(store::Transaction& tx, const std::string& tenantId, const std::string& username);

struct CatalogCounts {
  int64_t plans = 0;
  int64_t subscribers = 0;
};
core::Result<CatalogCounts> countsOf(store::Transaction& tx, const std::string& tenantId);

class CatalogService {
 public:
  struct Deps {
    store::Storage& storage;
    const core::Clock& clock;
  };

  explicit CatalogService(Deps deps);

  // replace: plan-set (the stored spec with the arguments on top) instead of plan-add.
  core::ControlReply addPlan(const core::Json& args, const tenancy::Caller& caller, bool replace);
  core::ControlReply listPlans(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply deletePlan(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply addSubscriber(const core::Json& args, const tenancy::Caller& caller, bool replace);
  core::ControlReply deleteSubscriber(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply listSubscribers(const core::Json& args, const tenancy::Caller& caller);

  // The changes of the tenant's desired state after `cursor`, at most `limit` (1..5000).
  core::Result<core::sync::ChangePage> changes(const std::string& tenantId, int64_t cursor, int64_t limit);

  // Live subscribers of every tenant, for mgmtd's status.
  core::Result<int64_t> subscriberTotal();

 private:
  Deps d_;
};

}  // namespace mgmt::catalog
