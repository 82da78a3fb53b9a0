#include "mgmt/catalog/catalog_store.h"

namespace mgmt::catalog {

namespace {

core::Result<std::optional<std::string>> firstText(core::Result<std::optional<store::Row>> row) {
  if (!row.isOk()) return row.status();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>((*row)->text(0));
}

}  // namespace

core::Result<std::optional<std::string>> CatalogStore::planSpec(const std::string& tenantId, const std::string& name) {
  return firstText(
      tx_.queryOne("SELECT spec FROM plans WHERE tenant_id = $1 AND name = $2 AND deleted = 0", {tenantId, name}));
}

core::Result<std::optional<std::string>> CatalogStore::subscriberSpec(const std::string& tenantId,
                                                                       const std::string& username) {
  return firstText(tx_.queryOne("SELECT spec FROM subscribers WHERE tenant_id = $1 AND username = $2 AND deleted = 0",
                                {tenantId, username}));
}

core::Status CatalogStore::putPlan(const std::string& tenantId, const std::string& name, const std::string& spec,
                                   int64_t version, int64_t now, const std::string& importBatch) {
  return tx_
      .exec("INSERT INTO plans(tenant_id, name, spec, version, deleted, updated_at, import_batch) "
            "VALUES ($1, $2, $3, $4, 0, $5, $6) "
            "ON CONFLICT(tenant_id, name) DO UPDATE SET spec = excluded.spec, version = excluded.version, deleted = 0, "
            "updated_at = excluded.updated_at, import_batch = excluded.import_batch",
            {tenantId, name, spec, version, now, importBatch})
      .status();
}

core::Status CatalogStore::putSubscriber(const std::string& tenantId, const std::string& username,
                                         const std::string& plan, const std::string& spec, int64_t version,
                                         const std::string& origin, int64_t now, const std::string& importBatch) {
  return tx_
      .exec("INSERT INTO subscribers(tenant_id, username, plan, spec, version, deleted, origin, created_at, updated_at, "
            "import_batch) VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, $9) "
            "ON CONFLICT(tenant_id, username) DO UPDATE SET plan = excluded.plan, spec = excluded.spec, "
            "version = excluded.version, deleted = 0, updated_at = excluded.updated_at, "
            "import_batch = excluded.import_batch",
            {tenantId, username, plan, spec, version, origin, now, now, importBatch})
      .status();
}

core::Result<std::vector<std::string>> CatalogStore::liveSubscribers(const std::string& tenantId,
                                                                   const std::vector<std::string>& usernames) {
  std::vector<std::string> out;
  constexpr size_t kPerStatement = 500;
  for (size_t at = 0; at < usernames.size(); at += kPerStatement) {
    std::string sql = "SELECT username FROM subscribers WHERE tenant_id = $1 AND deleted = 0 AND username IN (";
    store::Params params{tenantId};
    for (size_t i = at; i < usernames.size() && i < at + kPerStatement; ++i) {
      params.emplace_back(usernames[i]);
      sql += (i == at ? "$" : ", $") + std::to_string(params.size());
    }
    EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows, tx_.query(sql + ")", params));
    for (const store::Row& r : rows) out.push_back(r.text(0));
  }
  return out;
}

core::Result<std::vector<std::string>> CatalogStore::putSubscribers(const std::string& tenantId,
                                                                   const std::vector<NewSubscriber>& rows,
                                                                   const std::string& origin, int64_t now,
                                                                   const std::string& importBatch) {
  std::vector<std::string> written;
  constexpr size_t kPerStatement = 200;  // 8 parameters a row, well under both backends' limits
  for (size_t at = 0; at < rows.size(); at += kPerStatement) {
    std::string sql =
        "INSERT INTO subscribers(tenant_id, username, plan, spec, version, deleted, origin, created_at, updated_at, "
        "import_batch) VALUES ";
    store::Params params{tenantId, origin, now, importBatch};
    for (size_t i = at; i < rows.size() && i < at + kPerStatement; ++i) {
      const size_t p = params.size();
      params.emplace_back(rows[i].username);
      params.emplace_back(rows[i].plan);
      params.emplace_back(rows[i].spec);
      params.emplace_back(rows[i].version);
      sql += (i == at ? "" : ", ") + std::string("($1, $") + std::to_string(p + 1) + ", $" + std::to_string(p + 2) +
             ", $" + std::to_string(p + 3) + ", $" + std::to_string(p + 4) + ", 0, $2, $3, $3, $4)";
    }
    // A tombstone of the same name is revived, as putSubscriber does; a live row is left as it is.
    sql += " ON CONFLICT(tenant_id, username) DO UPDATE SET plan = excluded.plan, spec = excluded.spec, "
           "version = excluded.version, deleted = 0, origin = excluded.origin, created_at = excluded.created_at, "
           "updated_at = excluded.updated_at, import_batch = excluded.import_batch WHERE subscribers.deleted = 1 "
           "RETURNING username";
    EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> done, tx_.query(sql, params));
    for (const store::Row& r : done) written.push_back(r.text(0));
  }
  return written;
}

core::Status CatalogStore::tombstonePlan(const std::string& tenantId, const std::string& name, int64_t version,
                                         int64_t now) {
  return tx_
      .exec("UPDATE plans SET deleted = 1, version = $1, updated_at = $2 WHERE tenant_id = $3 AND name = $4",
            {version, now, tenantId, name})
      .status();
}

core::Status CatalogStore::tombstoneSubscriber(const std::string& tenantId, const std::string& username,
                                               int64_t version, int64_t now) {
  return tx_
      .exec("UPDATE subscribers SET deleted = 1, version = $1, updated_at = $2 WHERE tenant_id = $3 AND username = $4",
            {version, now, tenantId, username})
      .status();
}

core::Result<std::vector<StoredSpec>> CatalogStore::plans(const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(
      std::vector<store::Row> rows,
      tx_.query("SELECT spec, version FROM plans WHERE tenant_id = $1 AND deleted = 0 ORDER BY name", {tenantId}));
  std::vector<StoredSpec> out;
  for (const store::Row& r : rows) out.push_back(StoredSpec{r.text(0), r.int64(1), ""});
  return out;
}

core::Result<std::vector<StoredSpec>> CatalogStore::subscribers(const std::string& tenantId, const std::string& plan,
                                                                int64_t limit, int64_t offset) {
  EDGE_ASSIGN_OR_RETURN(
      std::vector<store::Row> rows,
      tx_.query("SELECT spec, version, origin FROM subscribers WHERE tenant_id = $1 AND deleted = 0 "
                "AND ($2 = '' OR plan = $2) ORDER BY username LIMIT $3 OFFSET $4",
                {tenantId, plan, limit, offset}));
  std::vector<StoredSpec> out;
  for (const store::Row& r : rows) out.push_back(StoredSpec{r.text(0), r.int64(1), r.text(2)});
  return out;
}

core::Result<int64_t> CatalogStore::planCount(const std::string& tenantId) {
  return tx_.queryInt64("SELECT count(*) FROM plans WHERE tenant_id = $1 AND deleted = 0", {tenantId});
}

core::Result<int64_t> CatalogStore::subscriberCount(const std::string& tenantId) {
  return tx_.queryInt64("SELECT count(*) FROM subscribers WHERE tenant_id = $1 AND deleted = 0", {tenantId});
}

core::Result<int64_t> CatalogStore::subscribersOnPlan(const std::string& tenantId, const std::string& plan) {
  return tx_.queryInt64("SELECT count(*) FROM subscribers WHERE tenant_id = $1 AND plan = $2 AND deleted = 0",
                        {tenantId, plan});
}

core::Result<int64_t> CatalogStore::subscriberTotal() {
  return tx_.queryInt64("SELECT count(*) FROM subscribers WHERE deleted = 0");
}

core::Result<std::vector<core::sync::Change>> CatalogStore::changes(const std::string& tenantId, bool full,
                                                                    int64_t cursor, int64_t limit) {
  core::Result<std::vector<store::Row>> rows =
      full ? tx_.query("SELECT 'plan' AS kind, name, version, deleted, spec FROM plans WHERE tenant_id = $1 AND deleted = 0 "
                       "UNION ALL SELECT 'subscriber' AS kind, username, version, deleted, spec FROM subscribers "
                       "WHERE tenant_id = $1 AND deleted = 0 ORDER BY 1, 3",
                       {tenantId})
           : tx_.query("SELECT * FROM (SELECT 'plan' AS kind, name, version, deleted, spec FROM plans "
                       "WHERE tenant_id = $1 AND version > $2 "
                       "UNION ALL SELECT 'subscriber' AS kind, username, version, deleted, spec FROM subscribers "
                       "WHERE tenant_id = $1 AND version > $2) AS c ORDER BY 3 LIMIT $3",
                       {tenantId, cursor, limit});
  if (!rows.isOk()) return rows.status();
  std::vector<core::sync::Change> out;
  for (const store::Row& r : *rows) {
    core::sync::Change c;
    c.kind = r.text(0);
    c.name = r.text(1);
    c.version = r.int64(2);
    c.deleted = r.int64(3) != 0;
    if (!c.deleted) {
      core::Json spec = core::Json::parse(r.text(4), nullptr, false);
      if (spec.is_discarded()) return core::corrupt(c.kind + " '" + c.name + "': its stored spec is not JSON");
      c.spec = std::move(spec);
    }
    out.push_back(std::move(c));
  }
  return out;
}

core::Status CatalogStore::markSamplePlan(const std::string& tenantId, const std::string& name) {
  return tx_.exec("UPDATE plans SET sample = 1 WHERE tenant_id = $1 AND name = $2", {tenantId, name}).status();
}

core::Status CatalogStore::markSampleSubscriber(const std::string& tenantId, const std::string& username) {
  return tx_.exec("UPDATE subscribers SET sample = 1 WHERE tenant_id = $1 AND username = $2", {tenantId, username})
      .status();
}

core::Status CatalogStore::unmarkSamplePlan(const std::string& tenantId, const std::string& name) {
  return tx_.exec("UPDATE plans SET sample = 0 WHERE tenant_id = $1 AND name = $2", {tenantId, name}).status();
}

core::Result<std::vector<std::string>> CatalogStore::samplePlans(const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("SELECT name FROM plans WHERE tenant_id = $1 AND sample = 1 AND deleted = 0 "
                                  "ORDER BY name",
                                  {tenantId}));
  std::vector<std::string> out;
  for (const store::Row& r : rows) out.push_back(r.text(0));
  return out;
}

core::Result<std::vector<std::string>> CatalogStore::sampleSubscribers(const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("SELECT username FROM subscribers WHERE tenant_id = $1 AND sample = 1 AND "
                                  "deleted = 0 ORDER BY username",
                                  {tenantId}));
  std::vector<std::string> out;
  for (const store::Row& r : rows) out.push_back(r.text(0));
  return out;
}

core::Result<int64_t> CatalogStore::ownSubscribersOnPlan(const std::string& tenantId, const std::string& plan) {
  return tx_.queryInt64(
      "SELECT count(*) FROM subscribers WHERE tenant_id = $1 AND plan = $2 AND deleted = 0 AND sample = 0",
      {tenantId, plan});
}

core::Status CatalogStore::deleteTenant(const std::string& tenantId) {
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM subscribers WHERE tenant_id = $1", {tenantId}).status());
  return tx_.exec("DELETE FROM plans WHERE tenant_id = $1", {tenantId}).status();
}

}  // namespace mgmt::catalog
