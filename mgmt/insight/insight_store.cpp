#include "mgmt/insight/insight_store.h"

namespace mgmt::insight {

using store::Params;
using store::Row;
using store::Value;

namespace {

// "($1, $2, $3, $4), ($5, ...)" for `rows` rows of `columns` parameters.
std::string valuesList(size_t rows, size_t columns) {
  std::string out;
  size_t n = 1;
  for (size_t r = 0; r < rows; ++r) {
    out += r == 0 ? "(" : ", (";
    for (size_t c = 0; c < columns; ++c) out += (c == 0 ? "$" : ", $") + std::to_string(n++);
    out += ")";
  }
  return out;
}

// Rows of one statement: a power of two, so the statements' texts repeat (prepared once each).
size_t chunkOf(size_t left) {
  size_t n = InsightStore::kRowsPerStatement;
  while (n > left) n /= 2;
  return n;
}

core::Result<History> historyOf(const std::string& tenantId, const std::string& customerId,
                                const std::vector<std::pair<int32_t, std::string>>& days) {
  History h;
  h.tenantId = tenantId;
  h.customerId = customerId;
  h.firstDay = h.joinedDay = days.front().first;
  h.days.assign(static_cast<size_t>(days.back().first - days.front().first + 1), Day{});
  for (const auto& [day, packed] : days) {
    core::Result<Day> d = unpackDay(packed);
    if (!d.isOk()) return d.status().withContext("customer " + customerId + " day " + std::to_string(day));
    h.days[static_cast<size_t>(day - h.firstDay)] = *d;
  }
  return h;
}

}  // namespace

core::Status InsightStore::putCustomerDays(const std::string& tenantId, const std::string& customerId, int32_t firstDay,
                                           const std::vector<Day>& days) {
  size_t done = 0;
  while (done < days.size()) {
    const size_t n = chunkOf(days.size() - done);
    Params p;
    p.reserve(n * 4);
    for (size_t i = 0; i < n; ++i) {
      p.emplace_back(tenantId);
      p.emplace_back(customerId);
      p.emplace_back(static_cast<int64_t>(firstDay) + static_cast<int64_t>(done + i));
      p.emplace_back(Value::Bytes{packDay(days[done + i])});
    }
    EDGE_RETURN_IF_ERROR(tx_.exec("INSERT INTO insight_customer_days (tenant_id, customer_id, day, features) VALUES " +
                                      valuesList(n, 4) +
                                      " ON CONFLICT (tenant_id, customer_id, day) DO UPDATE SET features = excluded.features",
                                  p)
                             .status());
    done += n;
  }
  return core::Status::ok();
}

core::Result<std::optional<History>> InsightStore::customerHistory(const std::string& tenantId,
                                                                   const std::string& customerId, int32_t from,
                                                                   int32_t to) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query("SELECT day, features FROM insight_customer_days WHERE tenant_id = $1 AND "
                                  "customer_id = $2 AND day >= $3 AND day < $4 ORDER BY day",
                                  {tenantId, customerId, int64_t{from}, int64_t{to}}));
  if (rows.empty()) return std::optional<History>();
  std::vector<std::pair<int32_t, std::string>> days;
  for (const Row& r : rows) days.emplace_back(static_cast<int32_t>(r.int64(0)), r.bytes(1));
  EDGE_ASSIGN_OR_RETURN(History h, historyOf(tenantId, customerId, days));
  return std::optional<History>(std::move(h));
}

core::Status InsightStore::forEachCustomer(const std::string& tenantId, int32_t from, int32_t to,
                                           const std::function<core::Status(History&&)>& each, int64_t pageRows) {
  std::string afterCustomer;
  int64_t afterDay = int64_t{from} - 1;
  std::string current;
  std::vector<std::pair<int32_t, std::string>> days;
  while (true) {
    // Keyset paging on the primary key (tenant_id, customer_id, day).
    EDGE_ASSIGN_OR_RETURN(
        std::vector<Row> rows,
        tx_.query("SELECT customer_id, day, features FROM insight_customer_days WHERE tenant_id = $1 AND day >= $2 AND "
                  "day < $3 AND (customer_id > $4 OR (customer_id = $4 AND day > $5)) ORDER BY customer_id, day LIMIT $6",
                  {tenantId, int64_t{from}, int64_t{to}, afterCustomer, afterDay, pageRows}));
    for (const Row& r : rows) {
      std::string customer = r.text(0);
      if (customer != current && !days.empty()) {
        EDGE_ASSIGN_OR_RETURN(History h, historyOf(tenantId, current, days));
        EDGE_RETURN_IF_ERROR(each(std::move(h)));
        days.clear();
      }
      current = std::move(customer);
      days.emplace_back(static_cast<int32_t>(r.int64(1)), r.bytes(2));
    }
    if (static_cast<int64_t>(rows.size()) < pageRows) break;
    afterCustomer = current;
    afterDay = days.back().first;
  }
  if (!days.empty()) {
    EDGE_ASSIGN_OR_RETURN(History h, historyOf(tenantId, current, days));
    EDGE_RETURN_IF_ERROR(each(std::move(h)));
  }
  return core::Status::ok();
}

core::Status InsightStore::putTenantDay(const std::string& tenantId, int32_t day, const std::string& packed) {
  return tx_
      .exec("INSERT INTO insight_tenant_days (tenant_id, day, features) VALUES ($1, $2, $3) "
            "ON CONFLICT (tenant_id, day) DO UPDATE SET features = excluded.features",
            {tenantId, int64_t{day}, Value::Bytes{packed}})
      .status();
}

core::Result<std::vector<std::pair<int32_t, std::string>>> InsightStore::tenantDays(const std::string& tenantId,
                                                                                    int32_t from, int32_t to) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query("SELECT day, features FROM insight_tenant_days WHERE tenant_id = $1 AND day >= $2 "
                                  "AND day < $3 ORDER BY day",
                                  {tenantId, int64_t{from}, int64_t{to}}));
  std::vector<std::pair<int32_t, std::string>> out;
  for (const Row& r : rows) out.emplace_back(static_cast<int32_t>(r.int64(0)), r.bytes(1));
  return out;
}

core::Result<int64_t> InsightStore::deleteDaysBefore(int32_t day) {
  EDGE_ASSIGN_OR_RETURN(int64_t customers, tx_.exec("DELETE FROM insight_customer_days WHERE day < $1", {int64_t{day}}));
  EDGE_ASSIGN_OR_RETURN(int64_t tenants, tx_.exec("DELETE FROM insight_tenant_days WHERE day < $1", {int64_t{day}}));
  return customers + tenants;
}

core::Status InsightStore::putModel(const StoredModel& m) {
  return tx_
      .exec("INSERT INTO insight_models (tenant_id, trained_at, examples, model, metrics) VALUES ($1, $2, $3, $4, $5) "
            "ON CONFLICT (tenant_id) DO UPDATE SET trained_at = excluded.trained_at, examples = excluded.examples, "
            "model = excluded.model, metrics = excluded.metrics",
            {m.tenantId, m.trainedAt, m.examples, m.model, m.metrics})
      .status();
}

core::Result<std::optional<StoredModel>> InsightStore::model(const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> row,
                        tx_.queryOne("SELECT trained_at, examples, model, metrics FROM insight_models WHERE tenant_id = $1",
                                     {tenantId}));
  if (!row) return std::optional<StoredModel>();
  return std::optional<StoredModel>(StoredModel{tenantId, row->int64(0), row->int64(1), row->text(2), row->text(3)});
}

core::Status InsightStore::putScores(const std::string& tenantId, const std::vector<Score>& scores) {
  size_t done = 0;
  while (done < scores.size()) {
    const size_t n = chunkOf(scores.size() - done);
    Params p;
    p.reserve(n * 5);
    for (size_t i = 0; i < n; ++i) {
      const Score& s = scores[done + i];
      p.emplace_back(tenantId);
      p.emplace_back(s.customerId);
      p.emplace_back(int64_t{s.score});
      p.emplace_back(s.factors);
      p.emplace_back(s.scoredAt);
    }
    EDGE_RETURN_IF_ERROR(tx_.exec("INSERT INTO insight_scores (tenant_id, customer_id, score, factors, scored_at) VALUES " +
                                      valuesList(n, 5) +
                                      " ON CONFLICT (tenant_id, customer_id) DO UPDATE SET score = excluded.score, "
                                      "factors = excluded.factors, scored_at = excluded.scored_at",
                                  p)
                             .status());
    done += n;
  }
  return core::Status::ok();
}

core::Result<std::vector<Score>> InsightStore::atRisk(const std::string& tenantId, int minScore, int64_t limit) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query("SELECT customer_id, score, factors, scored_at FROM insight_scores WHERE tenant_id = $1 "
                                  "AND score >= $2 ORDER BY score DESC, customer_id LIMIT $3",
                                  {tenantId, int64_t{minScore}, limit}));
  std::vector<Score> out;
  for (const Row& r : rows) out.push_back({r.text(0), static_cast<int>(r.int64(1)), r.text(2), r.int64(3)});
  return out;
}

core::Result<std::optional<Score>> InsightStore::score(const std::string& tenantId, const std::string& customerId) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne("SELECT customer_id, score, factors, scored_at FROM insight_scores WHERE tenant_id = $1 "
                                     "AND customer_id = $2",
                                     {tenantId, customerId}));
  if (!r) return std::optional<Score>();
  return std::optional<Score>(Score{r->text(0), static_cast<int>(r->int64(1)), r->text(2), r->int64(3)});
}

core::Result<InsightStore::ScoreSummary> InsightStore::scoreSummary(const std::string& tenantId, int minScore) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> row,
                        tx_.queryOne("SELECT count(*), CAST(COALESCE(sum(score), 0) AS BIGINT), "
                                     "CAST(COALESCE(sum(CASE WHEN score >= $2 THEN 1 ELSE 0 END), 0) AS BIGINT) "
                                     "FROM insight_scores WHERE tenant_id = $1",
                                     {tenantId, int64_t{minScore}}));
  ScoreSummary s;
  if (!row) return s;
  s.scored = row->int64(0);
  s.atRisk = row->int64(2);
  s.mean = s.scored > 0 ? static_cast<double>(row->int64(1)) / static_cast<double>(s.scored) : 0;
  return s;
}

namespace {
constexpr const char* kRunColumns = "day, started_at, finished_at, attempts, outcome, detail";
InsightRun insightRunFrom(const store::Row& r) {
  return InsightRun{static_cast<int32_t>(r.int64(0)), r.int64(1), r.int64(2), r.int64(3), r.text(4), r.text(5)};
}
}  // namespace

core::Result<std::optional<InsightRun>> InsightStore::run(int32_t day) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                        tx_.queryOne(std::string("SELECT ") + kRunColumns + " FROM insight_runs WHERE day = $1",
                                     {static_cast<int64_t>(day)}));
  if (!row) return std::optional<InsightRun>();
  return std::optional<InsightRun>(insightRunFrom(*row));
}

core::Status InsightStore::putRun(const InsightRun& r) {
  return tx_
      .exec("INSERT INTO insight_runs (day, started_at, finished_at, attempts, outcome, detail) "
            "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (day) DO UPDATE SET started_at = excluded.started_at, "
            "finished_at = excluded.finished_at, attempts = excluded.attempts, outcome = excluded.outcome, "
            "detail = excluded.detail",
            {static_cast<int64_t>(r.day), r.startedAt, r.finishedAt, r.attempts, r.outcome, r.detail})
      .status();
}

core::Result<std::vector<InsightRun>> InsightStore::runs(int64_t limit) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query(std::string("SELECT ") + kRunColumns + " FROM insight_runs ORDER BY day DESC LIMIT $1",
                                  {limit}));
  std::vector<InsightRun> out;
  for (const store::Row& r : rows) out.push_back(insightRunFrom(r));
  return out;
}

core::Result<std::optional<int32_t>> InsightStore::lastOkRunBefore(int32_t before) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                        tx_.queryOne("SELECT day FROM insight_runs WHERE outcome = 'ok' AND day < $1 ORDER BY day DESC "
                                     "LIMIT 1",
                                     {static_cast<int64_t>(before)}));
  if (!row) return std::optional<int32_t>();
  return std::optional<int32_t>(static_cast<int32_t>(row->int64(0)));
}

core::Status InsightStore::deleteTenant(const std::string& tenantId) {
  for (const char* sql : {"DELETE FROM insight_customer_days WHERE tenant_id = $1",
                          "DELETE FROM insight_tenant_days WHERE tenant_id = $1",
                          "DELETE FROM insight_models WHERE tenant_id = $1",
                          "DELETE FROM insight_scores WHERE tenant_id = $1"})
    EDGE_RETURN_IF_ERROR(tx_.exec(sql, {tenantId}).status());
  return core::Status::ok();
}

}  // namespace mgmt::insight
