// What the boxes upload: usage rows keyed by (device, seq), their sum per subscriber, closed
// sessions keyed by (device, id), and events keyed by (device, seq). SQL for them lives here only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/sync_wire.h"
#include "mgmt/store/sql.h"

namespace mgmt::usage {

struct Totals {
  std::string username;
  int64_t inputOctets = 0, outputOctets = 0, sessionTime = 0, records = 0, lastAt = 0;
};

struct SessionRow {
  std::string deviceId;
  core::sync::SessionSummary summary;
};

// How an upload's usage rows reach the usage table (docs/benchmarks.md, "PostgreSQL usage ingest"):
//  - kBest: kCopy on PostgreSQL, kInsert on SQLite (where a staging table only adds work);
//  - kInsert: multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING into usage (the reference);
//  - kCopy: the rows copied (Transaction::copyRows: COPY on PostgreSQL) into a temporary staging
//    table, then one INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING from it.
// Every path stores the same rows, skips the same replays and returns the same fresh rows.
enum class IngestPath { kBest, kInsert, kCopy };

class UsageStore {
 public:
  explicit UsageStore(store::Transaction& tx, IngestPath ingest = IngestPath::kBest) : tx_(tx), ingest_(ingest) {}

  // Whether the row is new (false: a replay, nothing written).
  core::Result<bool> insertUsage(const std::string& deviceId, const std::string& tenantId, const core::sync::UsageRow& u);
  // Adds one new row to the subscriber's totals.
  core::Status addToTotals(const std::string& tenantId, const core::sync::UsageRow& u);

  // A batch's rows at once (what an upload does), by the store's IngestPath; with kInsert multi-row
  // INSERTs of at most kRowsPerStatement rows each, in sizes that are powers of two so that the
  // statements' texts repeat (each is prepared once per connection). Replays are skipped (ON
  // CONFLICT DO NOTHING); returns the rows that were new, in the order given. `rows` must have
  // distinct seqs (a batch's ascend strictly).
  core::Result<std::vector<const core::sync::UsageRow*>> insertUsageRows(const std::string& deviceId,
                                                                         const std::string& tenantId,
                                                                         const std::vector<core::sync::UsageRow>& rows);
  // Adds new rows to their subscribers' totals: summed per subscriber first, then one multi-row
  // upsert per chunk, in username order (two uploads touching the same subscribers lock them in the
  // same order).
  core::Status addToTotals(const std::string& tenantId, const std::vector<const core::sync::UsageRow*>& rows);
  static constexpr size_t kRowsPerStatement = 512;
  // A replayed session is left as it is.
  core::Status insertSession(const std::string& deviceId, const std::string& tenantId, const core::sync::SessionSummary& s);
  // Whether the event is new; the audit copy is `data` as given.
  core::Result<bool> insertEvent(const std::string& deviceId, const std::string& tenantId, const core::sync::Event& e,
                                 const std::string& data);
  core::Status setEventOutcome(const std::string& deviceId, int64_t seq, const std::string& outcome);

  // `user` "" = every subscriber; by username.
  core::Result<std::vector<Totals>> totals(const std::string& tenantId, const std::string& user);
  // Newest first.
  core::Result<std::vector<SessionRow>> sessions(const std::string& tenantId, const std::string& user, int64_t limit);
  // Per username of the tenant, its closed sessions in [from, to): how many started then, and the
  // octets (down + up) of those that stopped then (insight's daily features, ADR 0068).
  struct DayActivity {
    std::string username;
    int64_t sessionsStarted = 0, octets = 0;
  };
  core::Result<std::vector<DayActivity>> dayActivity(const std::string& tenantId, int64_t from, int64_t to);
  core::Result<int64_t> usageRecords();

  // What one device uploaded (usage rows, sessions, events): a demo's sample device when the demo
  // converts to paid (ADR 0029). The totals are not touched: see deleteTotals.
  core::Status deleteDeviceData(const std::string& deviceId);
  core::Status deleteTotals(const std::string& tenantId, const std::string& username);
  // One subscriber's history under one device (what an import carried over, under a device id of its
  // own, mgmt/importing: a session and a usage row of the same id each), taken out of the totals too.
  core::Status deleteUserRows(const std::string& deviceId, const std::string& tenantId, const std::string& username);
  // Everything uploaded for the tenant (its purge).
  core::Status deleteTenant(const std::string& tenantId);

 private:
  core::Result<std::vector<const core::sync::UsageRow*>> copyUsageRows(const std::string& deviceId,
                                                                       const std::string& tenantId,
                                                                       const std::vector<core::sync::UsageRow>& rows);

  store::Transaction& tx_;
  IngestPath ingest_;
};

}  // namespace mgmt::usage
