#include "mgmt/importing/import_store.h"

namespace mgmt::importing {

namespace {

Batch batchOf(const store::Row& r) {
  return Batch{r.text(0),  r.text(1),  r.text(2),  r.int64(3),  r.int64(4),  r.int64(5),
               r.int64(6), r.int64(7), r.int64(8), r.int64(9), r.int64(10)};
}

constexpr const char* kColumns =
    "id, source, state, plans, subscribers, customers, created_at, rolled_back_at, rows_done, rows_total, updated_at";

core::Result<std::vector<std::string>> names(store::Transaction& tx, std::string_view sql, const store::Params& p) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows, tx.query(sql, p));
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (const store::Row& r : rows) out.push_back(r.text(0));
  return out;
}

}  // namespace

core::Result<std::optional<Batch>> ImportStore::find(const std::string& tenantId, const std::string& id) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> r,
                        tx_.queryOne(std::string("SELECT ") + kColumns +
                                         " FROM import_batches WHERE tenant_id = $1 AND id = $2",
                                     {tenantId, id}));
  if (!r) return std::optional<Batch>();
  return std::optional<Batch>(batchOf(*r));
}

core::Status ImportStore::begin(const std::string& tenantId, const std::string& id, const std::string& source,
                                int64_t now) {
  return tx_
      .exec("INSERT INTO import_batches(tenant_id, id, source, state, created_at) VALUES ($1, $2, $3, 'applying', $4) "
            "ON CONFLICT(tenant_id, id) DO NOTHING",
            {tenantId, id, source, now})
      .status();
}

core::Status ImportStore::addCounts(const std::string& tenantId, const std::string& id, int64_t plans,
                                    int64_t subscribers, int64_t customers, const std::string& state) {
  return tx_
      .exec("UPDATE import_batches SET plans = plans + $1, subscribers = subscribers + $2, customers = customers + $3, "
            "state = $4 WHERE tenant_id = $5 AND id = $6",
            {plans, subscribers, customers, state, tenantId, id})
      .status();
}

core::Result<bool> ImportStore::touch(const std::string& tenantId, const std::string& id, int64_t now) {
  EDGE_ASSIGN_OR_RETURN(int64_t n, tx_.exec("UPDATE import_batches SET updated_at = $1 "
                                            "WHERE tenant_id = $2 AND id = $3 AND state <> 'rolled-back'",
                                            {now, tenantId, id}));
  return n > 0;
}

core::Status ImportStore::setProgress(const std::string& tenantId, const std::string& id, int64_t done,
                                      int64_t total) {
  return tx_
      .exec("UPDATE import_batches SET rows_done = $1, rows_total = $2 WHERE tenant_id = $3 AND id = $4",
            {done, total, tenantId, id})
      .status();
}

core::Result<bool> ImportStore::markRolledBack(const std::string& tenantId, const std::string& id, int64_t now) {
  EDGE_ASSIGN_OR_RETURN(int64_t n, tx_.exec("UPDATE import_batches SET state = 'rolled-back', rolled_back_at = $1 "
                                            "WHERE tenant_id = $2 AND id = $3 AND state <> 'rolled-back'",
                                            {now, tenantId, id}));
  return n > 0;
}

core::Result<std::vector<Batch>> ImportStore::list(const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query(std::string("SELECT ") + kColumns +
                                      " FROM import_batches WHERE tenant_id = $1 ORDER BY created_at, id",
                                  {tenantId}));
  std::vector<Batch> out;
  for (const store::Row& r : rows) out.push_back(batchOf(r));
  return out;
}

core::Result<std::vector<std::string>> ImportStore::subscribers(const std::string& tenantId, const std::string& batch) {
  return names(tx_, "SELECT username FROM subscribers WHERE tenant_id = $1 AND import_batch = $2 AND deleted = 0",
               {tenantId, batch});
}

core::Result<std::vector<std::string>> ImportStore::plans(const std::string& tenantId, const std::string& batch) {
  return names(tx_, "SELECT name FROM plans WHERE tenant_id = $1 AND import_batch = $2 AND deleted = 0 ORDER BY name",
               {tenantId, batch});
}

core::Result<std::vector<std::string>> ImportStore::customers(const std::string& tenantId, const std::string& batch) {
  return names(tx_, "SELECT id FROM customers WHERE tenant_id = $1 AND import_batch = $2", {tenantId, batch});
}

core::Status ImportStore::unmarkPlan(const std::string& tenantId, const std::string& name) {
  return tx_.exec("UPDATE plans SET import_batch = '' WHERE tenant_id = $1 AND name = $2", {tenantId, name}).status();
}

core::Status ImportStore::deleteTenant(const std::string& tenantId) {
  return tx_.exec("DELETE FROM import_batches WHERE tenant_id = $1", {tenantId}).status();
}

}  // namespace mgmt::importing
