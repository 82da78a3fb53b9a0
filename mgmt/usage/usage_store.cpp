#include "mgmt/usage/usage_store.h"

#include <algorithm>
#include <map>
#include <unordered_set>

namespace mgmt::usage {

namespace {

// The largest power of two up to UsageStore::kRowsPerStatement that is not above `left`: a batch of
// any size becomes a few statements whose texts come from a set of ten.
size_t chunkSize(size_t left) {
  size_t n = UsageStore::kRowsPerStatement;
  while (n > left) n /= 2;
  return n;
}

// "($1, ..., $k), ($k+1, ...), ..." for `rows` tuples of `columns` parameters each.
std::string tuples(size_t rows, size_t columns) {
  std::string out;
  out.reserve(rows * columns * 6);
  size_t p = 0;
  for (size_t r = 0; r < rows; ++r) {
    out += r == 0 ? "(" : ", (";
    for (size_t c = 0; c < columns; ++c) out += (c == 0 ? "$" : ", $") + std::to_string(++p);
    out += ")";
  }
  return out;
}

const char* const kTotalsUpsert =
    " ON CONFLICT (tenant_id, username) DO UPDATE SET "
    "input_octets = usage_totals.input_octets + excluded.input_octets, "
    "output_octets = usage_totals.output_octets + excluded.output_octets, "
    "session_time = usage_totals.session_time + excluded.session_time, "
    "records = usage_totals.records + excluded.records, "
    "last_at = CASE WHEN usage_totals.last_at > excluded.last_at THEN usage_totals.last_at "
    "ELSE excluded.last_at END";

// The staging table of the kCopy path: a temporary table (one per database connection, made by
// the first upload on it), emptied at commit on PostgreSQL and by the store on SQLite, which has no
// ON COMMIT clause. It has no key: the insert from it skips what usage already holds.
const char* const kStagingPostgres =
    "CREATE TEMPORARY TABLE IF NOT EXISTS usage_staging (device_id TEXT NOT NULL, seq BIGINT NOT NULL, "
    "tenant_id TEXT NOT NULL, username TEXT NOT NULL, session TEXT NOT NULL, at BIGINT NOT NULL, "
    "input_octets BIGINT NOT NULL, output_octets BIGINT NOT NULL, session_time BIGINT NOT NULL) "
    "ON COMMIT DELETE ROWS";
const char* const kStagingSqlite =
    "CREATE TEMPORARY TABLE IF NOT EXISTS usage_staging (device_id TEXT NOT NULL, seq INTEGER NOT NULL, "
    "tenant_id TEXT NOT NULL, username TEXT NOT NULL, session TEXT NOT NULL, at INTEGER NOT NULL, "
    "input_octets INTEGER NOT NULL, output_octets INTEGER NOT NULL, session_time INTEGER NOT NULL)";

std::vector<const core::sync::UsageRow*> inOrder(const std::vector<core::sync::UsageRow>& rows,
                                                 const std::unordered_set<int64_t>& fresh) {
  std::vector<const core::sync::UsageRow*> out;
  out.reserve(fresh.size());
  for (const core::sync::UsageRow& u : rows)
    if (fresh.count(u.seq) != 0) out.push_back(&u);
  return out;
}

}  // namespace

core::Result<std::vector<const core::sync::UsageRow*>> UsageStore::copyUsageRows(
    const std::string& deviceId, const std::string& tenantId, const std::vector<core::sync::UsageRow>& rows) {
  const bool postgres = tx_.backend() == store::Backend::kPostgres;
  EDGE_RETURN_IF_ERROR(tx_.exec(postgres ? kStagingPostgres : kStagingSqlite).status());
  const std::vector<std::string> kColumns = {"device_id", "seq",          "tenant_id",     "username",    "session",
                                                    "at",        "input_octets", "output_octets", "session_time"};
  std::vector<store::Params> staged;
  staged.reserve(rows.size());
  for (const core::sync::UsageRow& u : rows)
    staged.push_back({deviceId, u.seq, tenantId, u.username, u.session, u.at, u.inputOctets, u.outputOctets,
                      u.sessionTime});
  EDGE_RETURN_IF_ERROR(tx_.copyRows("usage_staging", kColumns, staged).status());
  // WHERE true: SQLite reads "ON CONFLICT" after a bare FROM as a join's ON otherwise.
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> inserted,
                        tx_.query("INSERT INTO usage(device_id, seq, tenant_id, username, session, at, input_octets, "
                                  "output_octets, session_time) SELECT device_id, seq, tenant_id, username, session, "
                                  "at, input_octets, output_octets, session_time FROM usage_staging WHERE true "
                                  "ON CONFLICT (device_id, seq) DO NOTHING RETURNING seq"));
  if (!postgres) EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM usage_staging").status());
  std::unordered_set<int64_t> fresh;
  for (const store::Row& r : inserted) fresh.insert(r.int64(0));
  return inOrder(rows, fresh);
}

core::Result<std::vector<const core::sync::UsageRow*>> UsageStore::insertUsageRows(
    const std::string& deviceId, const std::string& tenantId, const std::vector<core::sync::UsageRow>& rows) {
  const bool copy = ingest_ == IngestPath::kCopy ||
                    (ingest_ == IngestPath::kBest && tx_.backend() == store::Backend::kPostgres);
  if (copy && !rows.empty()) return copyUsageRows(deviceId, tenantId, rows);
  std::unordered_set<int64_t> fresh;
  for (size_t first = 0; first < rows.size();) {
    const size_t n = chunkSize(rows.size() - first);
    store::Params params;
    params.reserve(n * 9);
    for (size_t i = first; i < first + n; ++i) {
      const core::sync::UsageRow& u = rows[i];
      for (store::Value v : {store::Value(deviceId), store::Value(u.seq), store::Value(tenantId), store::Value(u.username),
                             store::Value(u.session), store::Value(u.at), store::Value(u.inputOctets),
                             store::Value(u.outputOctets), store::Value(u.sessionTime)})
        params.push_back(std::move(v));
    }
    EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> inserted,
                          tx_.query("INSERT INTO usage(device_id, seq, tenant_id, username, session, at, input_octets, "
                                    "output_octets, session_time) VALUES " + tuples(n, 9) +
                                        " ON CONFLICT (device_id, seq) DO NOTHING RETURNING seq",
                                    params));
    for (const store::Row& r : inserted) fresh.insert(r.int64(0));
    first += n;
  }
  return inOrder(rows, fresh);
}

core::Status UsageStore::addToTotals(const std::string& tenantId, const std::vector<const core::sync::UsageRow*>& rows) {
  std::map<std::string, Totals> sums;
  for (const core::sync::UsageRow* u : rows) {
    Totals& t = sums[u->username];
    t.inputOctets += u->inputOctets;
    t.outputOctets += u->outputOctets;
    t.sessionTime += u->sessionTime;
    t.records += 1;
    t.lastAt = std::max(t.lastAt, u->at);
  }
  auto it = sums.begin();
  for (size_t left = sums.size(); left > 0;) {
    const size_t n = chunkSize(left);
    store::Params params;
    params.reserve(n * 7);
    for (size_t i = 0; i < n; ++i, ++it) {
      const Totals& t = it->second;
      for (store::Value v : {store::Value(tenantId), store::Value(it->first), store::Value(t.inputOctets),
                             store::Value(t.outputOctets), store::Value(t.sessionTime), store::Value(t.records),
                             store::Value(t.lastAt)})
        params.push_back(std::move(v));
    }
    EDGE_RETURN_IF_ERROR(tx_.exec("INSERT INTO usage_totals(tenant_id, username, input_octets, output_octets, "
                                  "session_time, records, last_at) VALUES " + tuples(n, 7) + kTotalsUpsert,
                                  params)
                             .status());
    left -= n;
  }
  return core::Status::ok();
}

core::Result<bool> UsageStore::insertUsage(const std::string& deviceId, const std::string& tenantId,
                                           const core::sync::UsageRow& u) {
  EDGE_ASSIGN_OR_RETURN(int64_t n,
                        tx_.exec("INSERT INTO usage(device_id, seq, tenant_id, username, session, at, input_octets, "
                                 "output_octets, session_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
                                 "ON CONFLICT (device_id, seq) DO NOTHING",
                                 {deviceId, u.seq, tenantId, u.username, u.session, u.at, u.inputOctets, u.outputOctets,
                                  u.sessionTime}));
  return n > 0;
}

core::Status UsageStore::addToTotals(const std::string& tenantId, const core::sync::UsageRow& u) {
  return tx_
      .exec("INSERT INTO usage_totals(tenant_id, username, input_octets, output_octets, session_time, records, last_at) "
            "VALUES ($1, $2, $3, $4, $5, 1, $6) ON CONFLICT (tenant_id, username) DO UPDATE SET "
            "input_octets = usage_totals.input_octets + excluded.input_octets, "
            "output_octets = usage_totals.output_octets + excluded.output_octets, "
            "session_time = usage_totals.session_time + excluded.session_time, "
            "records = usage_totals.records + 1, "
            "last_at = CASE WHEN usage_totals.last_at > excluded.last_at THEN usage_totals.last_at "
            "ELSE excluded.last_at END",
            {tenantId, u.username, u.inputOctets, u.outputOctets, u.sessionTime, u.at})
      .status();
}

core::Status UsageStore::deleteUserRows(const std::string& deviceId, const std::string& tenantId,
                                       const std::string& username) {
  // Through sessions (indexed by tenant and username): the history an import writes is a usage row
  // and a session of the same id for each closed session.
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("SELECT id, input_octets, output_octets, session_time FROM sessions "
                                  "WHERE tenant_id = $1 AND username = $2 AND device_id = $3",
                                  {tenantId, username, deviceId}));
  if (rows.empty()) return core::Status::ok();
  int64_t in = 0, out = 0, time = 0;
  for (const store::Row& r : rows) {
    in += r.int64(1);
    out += r.int64(2);
    time += r.int64(3);
    EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM usage WHERE device_id = $1 AND seq = $2", {deviceId, r.int64(0)}).status());
  }
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM sessions WHERE tenant_id = $1 AND username = $2 AND device_id = $3",
                                {tenantId, username, deviceId})
                           .status());
  return tx_
      .exec("UPDATE usage_totals SET input_octets = input_octets - $3, output_octets = output_octets - $4, "
            "session_time = session_time - $5, records = records - $6 WHERE tenant_id = $1 AND username = $2",
            {tenantId, username, in, out, time, static_cast<int64_t>(rows.size())})
      .status();
}

core::Status UsageStore::insertSession(const std::string& deviceId, const std::string& tenantId,
                                       const core::sync::SessionSummary& x) {
  return tx_
      .exec("INSERT INTO sessions(device_id, id, tenant_id, session, username, nas, started, stopped, input_octets, "
            "output_octets, session_time, close_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
            "ON CONFLICT (device_id, id) DO NOTHING",
            {deviceId, x.id, tenantId, x.session, x.username, x.nas, x.started, x.stopped, x.inputOctets,
             x.outputOctets, x.sessionTime, x.closeReason})
      .status();
}

core::Result<bool> UsageStore::insertEvent(const std::string& deviceId, const std::string& tenantId,
                                           const core::sync::Event& e, const std::string& data) {
  EDGE_ASSIGN_OR_RETURN(int64_t n, tx_.exec("INSERT INTO device_events(device_id, seq, tenant_id, at, kind, data) "
                                            "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (device_id, seq) DO NOTHING",
                                            {deviceId, e.seq, tenantId, e.at, e.kind, data}));
  return n > 0;
}

core::Status UsageStore::setEventOutcome(const std::string& deviceId, int64_t seq, const std::string& outcome) {
  return tx_.exec("UPDATE device_events SET outcome = $1 WHERE device_id = $2 AND seq = $3", {outcome, deviceId, seq})
      .status();
}

core::Result<std::vector<Totals>> UsageStore::totals(const std::string& tenantId, const std::string& user) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("SELECT username, input_octets, output_octets, session_time, records, last_at "
                                  "FROM usage_totals WHERE tenant_id = $1 AND ($2 = '' OR username = $2) ORDER BY username",
                                  {tenantId, user}));
  std::vector<Totals> out;
  for (const store::Row& r : rows)
    out.push_back(Totals{r.text(0), r.int64(1), r.int64(2), r.int64(3), r.int64(4), r.int64(5)});
  return out;
}

core::Result<std::vector<UsageStore::DayActivity>> UsageStore::dayActivity(const std::string& tenantId, int64_t from,
                                                                           int64_t to) {
  EDGE_ASSIGN_OR_RETURN(
      std::vector<store::Row> rows,
      tx_.query("SELECT username, SUM(CASE WHEN started >= $2 AND started < $3 THEN 1 ELSE 0 END), "
                "SUM(CASE WHEN stopped >= $2 AND stopped < $3 THEN input_octets + output_octets ELSE 0 END) "
                "FROM sessions WHERE tenant_id = $1 AND stopped >= $2 AND started < $3 GROUP BY username "
                "ORDER BY username",
                {tenantId, from, to}));
  std::vector<DayActivity> out;
  for (const store::Row& r : rows) out.push_back(DayActivity{r.text(0), r.int64(1), r.int64(2)});
  return out;
}

core::Result<std::vector<SessionRow>> UsageStore::sessions(const std::string& tenantId, const std::string& user,
                                                           int64_t limit) {
  EDGE_ASSIGN_OR_RETURN(
      std::vector<store::Row> rows,
      tx_.query("SELECT device_id, id, session, username, nas, started, stopped, input_octets, output_octets, "
                "session_time, close_reason FROM sessions WHERE tenant_id = $1 AND ($2 = '' OR username = $2) "
                "ORDER BY stopped DESC, device_id, id DESC LIMIT $3",
                {tenantId, user, limit}));
  std::vector<SessionRow> out;
  for (const store::Row& r : rows) {
    SessionRow s;
    s.deviceId = r.text(0);
    s.summary.id = r.int64(1);
    s.summary.session = r.text(2);
    s.summary.username = r.text(3);
    s.summary.nas = r.text(4);
    s.summary.started = r.int64(5);
    s.summary.stopped = r.int64(6);
    s.summary.inputOctets = r.int64(7);
    s.summary.outputOctets = r.int64(8);
    s.summary.sessionTime = r.int64(9);
    s.summary.closeReason = r.text(10);
    out.push_back(std::move(s));
  }
  return out;
}

core::Result<int64_t> UsageStore::usageRecords() { return tx_.queryInt64("SELECT count(*) FROM usage"); }

core::Status UsageStore::deleteDeviceData(const std::string& deviceId) {
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM usage WHERE device_id = $1", {deviceId}).status());
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM sessions WHERE device_id = $1", {deviceId}).status());
  return tx_.exec("DELETE FROM device_events WHERE device_id = $1", {deviceId}).status();
}

core::Status UsageStore::deleteTotals(const std::string& tenantId, const std::string& username) {
  return tx_.exec("DELETE FROM usage_totals WHERE tenant_id = $1 AND username = $2", {tenantId, username}).status();
}

core::Status UsageStore::deleteTenant(const std::string& tenantId) {
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM usage WHERE tenant_id = $1", {tenantId}).status());
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM usage_totals WHERE tenant_id = $1", {tenantId}).status());
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM sessions WHERE tenant_id = $1", {tenantId}).status());
  return tx_.exec("DELETE FROM device_events WHERE tenant_id = $1", {tenantId}).status();
}

}  // namespace mgmt::usage
