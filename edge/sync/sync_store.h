// The sync area's store: its tables in edge.db (edge/sync/sync_schema.cpp): sync_state (the one
// enrollment and its watermarks), sync_records (what mgmt gave the box, by kind and name) and
// sync_outbox (changes made on the box, for mgmt). The only SQL of the sync area; the usage journal
// and the session history are the ledger's (aaa/acct/ledger.h).
//
// Writes take the writer's connection (inside a Writer job), reads a read connection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/store.h"

namespace edge::sync {

// The row of sync_state (the credentials are files, not rows).
struct SyncStateRow {
  std::string deviceId, tenantId, tenantName, url;
  int64_t enrolledAt = 0, cursor = 0, usageWatermark = 0, sessionWatermark = 0, eventWatermark = 0, pollInterval = 60;
  int64_t lastSuccess = 0, lastAttempt = 0, failures = 0;
  std::string lastError;
};

// nullopt: the box is not enrolled.
core::Result<std::optional<SyncStateRow>> loadState(core::Database& db);
// A new enrollment: the whole row, watermarks included (a new enrollment starts every stream over:
// the management plane knows nothing of this device yet).
core::Status saveEnrollment(core::Database& db, const SyncStateRow& s);
// A cycle's progress (cursor, watermarks, last attempt and error), only while the enrollment it ran
// for (s.deviceId) is still the box's: a no-op otherwise.
core::Status saveProgress(core::Database& db, const SyncStateRow& s);

// A new enrollment starts the streams over: records and outbox emptied.
core::Status clearStreams(core::Database& db);

// What mgmt gave the box: remembered when applied, forgotten when deleted.
core::Status rememberRecord(core::Database& db, const std::string& kind, const std::string& name, int64_t version);
core::Status forgetRecord(core::Database& db, const std::string& kind, const std::string& name);
// (kind, name) of every record, subscribers before plans (the order they are deleted in).
core::Result<std::vector<std::pair<std::string, std::string>>> records(core::Database& db);

struct OutboxEntry {
  int64_t seq = 0;
  int64_t at = 0;
  std::string kind;
  std::string data;  // JSON text
};
// Appends an entry and drops the oldest beyond `limit`; returns how many were dropped.
core::Result<int64_t> appendOutbox(core::Database& db, int64_t at, const std::string& kind, const std::string& data,
                                   int64_t limit);
// Up to `limit` entries after `afterSeq`, in order.
core::Result<std::vector<OutboxEntry>> outboxAfter(core::Database& db, int64_t afterSeq, int64_t limit);
core::Result<int64_t> outboxCountAfter(core::Database& db, int64_t afterSeq);

}  // namespace edge::sync
