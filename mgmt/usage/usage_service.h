// What the boxes report: usage batches and closed sessions, events (a subscriber made on a box
// becomes a central one), and the operators' views of them (usage, session-list).
//
// Contract:
//  - Usage rows are keyed by (device, seq), sessions by (device, id), events by (device, seq): a
//    replayed batch changes nothing (no row, no total, no session is counted twice), and its answer
//    carries the same watermarks. A batch is one unit of work: stored whole or not at all.
//  - A device writes only its own tenant's data; a tenant caller reads only its own tenant's.
#pragma once

#include <cstdint>

#include "core/clock.h"
#include "core/control_socket.h"
#include "core/sync_wire.h"
#include "mgmt/fleet/fleet_service.h"
#include "mgmt/store/sql.h"
#include "mgmt/tenancy/caller.h"
#include "mgmt/usage/usage_store.h"

namespace mgmt::usage {

class UsageService {
 public:
  struct Deps {
    store::Storage& storage;
    const core::Clock& clock;
    // How uploads' usage rows are written (usage_store.h): storage.usage-ingest in mgmtd's config.
    IngestPath ingest = IngestPath::kBest;
  };

  explicit UsageService(Deps deps);

  core::Result<core::sync::UsageAck> upload(const fleet::Device& device, const core::sync::UsageBatch& batch);
  core::Result<core::sync::EventAck> events(const fleet::Device& device, const core::sync::EventBatch& batch, int64_t now);

  core::ControlReply totals(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply sessions(const core::Json& args, const tenancy::Caller& caller);

  // Usage rows of every tenant, for mgmtd's status.
  core::Result<int64_t> usageRecords();

 private:
  Deps d_;
};

}  // namespace mgmt::usage
