#include "mgmt/billing/dunning_store.h"

namespace mgmt::billing {

using store::Row;

namespace {

constexpr const char* kStateColumns = "subscription_id, username, step, action, dunning, rate, past_due_since, updated_at";

DunningState stateFrom(const Row& r, size_t at) {
  DunningState s;
  s.subscriptionId = r.text(at);
  s.username = r.text(at + 1);
  s.step = r.int64(at + 2);
  s.action = r.text(at + 3);
  s.dunning = r.text(at + 4);
  s.rate = r.text(at + 5);
  s.pastDueSince = r.int64(at + 6);
  s.updatedAt = r.int64(at + 7);
  return s;
}

}  // namespace

core::Result<std::optional<std::string>> DunningStore::policy(const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r, tx_.queryOne("SELECT steps FROM dunning_policies WHERE tenant_id = $1", {tenantId}));
  if (!r) return std::optional<std::string>();
  return std::optional<std::string>(r->text(0));
}

core::Status DunningStore::putPolicy(const std::string& tenantId, const std::string& steps, int64_t now) {
  return tx_
      .exec("INSERT INTO dunning_policies (tenant_id, steps, updated_at) VALUES ($1, $2, $3) "
            "ON CONFLICT (tenant_id) DO UPDATE SET steps = excluded.steps, updated_at = excluded.updated_at",
            {tenantId, steps, now})
      .status();
}

core::Result<std::vector<std::string>> DunningStore::tenantsToRun() {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query("SELECT tenant_id FROM dunning_policies UNION SELECT tenant_id FROM dunning_state "
                                  "ORDER BY 1"));
  std::vector<std::string> out;
  for (const Row& r : rows) out.push_back(r.text(0));
  return out;
}

core::Result<std::vector<DunningCandidate>> DunningStore::candidates(const std::string& tenantId,
                                                                     const std::string& username) {
  // The oldest due day of an issued, not fully paid invoice holding a line of the subscription, per
  // subscription (credited invoices count as paid: a credit note sets paid = total). Read by the
  // invoices' (tenant, status) or (tenant, username) index.
  const std::string mine = username.empty() ? "" : " AND i.username = $2";
  const std::string sql =
      "SELECT s.id, s.username, o.due, d.subscription_id, d.username, d.step, d.action, d.dunning, d.rate, "
      "d.past_due_since, d.updated_at "
      "FROM subscriptions s "
      "LEFT JOIN (SELECT l.subscription_id AS sid, MIN(i.due_day) AS due FROM invoices i "
      "  JOIN invoice_lines l ON l.invoice_id = i.id "
      "  WHERE i.tenant_id = $1 AND i.status = 'issued' AND i.kind = 'invoice' AND i.paid < i.total "
      "  AND l.subscription_id <> ''" + mine + " GROUP BY l.subscription_id) o ON o.sid = s.id "
      "LEFT JOIN dunning_state d ON d.tenant_id = s.tenant_id AND d.subscription_id = s.id "
      "WHERE s.tenant_id = $1" + (username.empty() ? "" : " AND s.username = $2") +
      " AND (o.due IS NOT NULL OR d.subscription_id IS NOT NULL) ORDER BY s.id";
  store::Params params{tenantId};
  if (!username.empty()) params.push_back(username);
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows, tx_.query(sql, params));
  std::vector<DunningCandidate> out;
  for (const Row& r : rows) {
    DunningCandidate c;
    c.subscriptionId = r.text(0);
    c.username = r.text(1);
    c.oldestDue = r.optInt64(2).value_or(0);
    c.hasState = !r.isNull(3);
    if (c.hasState) c.state = stateFrom(r, 3);
    out.push_back(std::move(c));
  }
  return out;
}

core::Result<std::vector<DunningState>> DunningStore::states(const std::string& tenantId, const std::string& username) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query(std::string("SELECT ") + kStateColumns +
                                      " FROM dunning_state WHERE tenant_id = $1 AND username = $2 ORDER BY subscription_id",
                                  {tenantId, username}));
  std::vector<DunningState> out;
  for (const Row& r : rows) out.push_back(stateFrom(r, 0));
  return out;
}

core::Result<bool> DunningStore::anyState(const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne("SELECT 1 FROM dunning_state WHERE tenant_id = $1 LIMIT 1", {tenantId}));
  return r.has_value();
}

core::Result<std::vector<DunningState>> DunningStore::allStates(const std::string& tenantId, int64_t limit) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query(std::string("SELECT ") + kStateColumns +
                                      " FROM dunning_state WHERE tenant_id = $1 ORDER BY username, subscription_id LIMIT $2",
                                  {tenantId, limit}));
  std::vector<DunningState> out;
  for (const Row& r : rows) out.push_back(stateFrom(r, 0));
  return out;
}

core::Status DunningStore::putState(const std::string& tenantId, const DunningState& s) {
  return tx_
      .exec("INSERT INTO dunning_state (tenant_id, subscription_id, username, step, action, dunning, rate, "
            "past_due_since, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
            "ON CONFLICT (tenant_id, subscription_id) DO UPDATE SET username = excluded.username, step = excluded.step, "
            "action = excluded.action, dunning = excluded.dunning, rate = excluded.rate, "
            "past_due_since = excluded.past_due_since, updated_at = excluded.updated_at",
            {tenantId, s.subscriptionId, s.username, s.step, s.action, s.dunning, s.rate, s.pastDueSince, s.updatedAt})
      .status();
}

core::Status DunningStore::deleteState(const std::string& tenantId, const std::string& subscriptionId) {
  return tx_.exec("DELETE FROM dunning_state WHERE tenant_id = $1 AND subscription_id = $2", {tenantId, subscriptionId})
      .status();
}

core::Status DunningStore::appendLog(const std::string& tenantId, const DunningLogRow& row) {
  return tx_
      .exec("INSERT INTO dunning_log (tenant_id, subscription_id, username, from_step, from_action, to_step, "
            "to_action, day, at, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            {tenantId, row.subscriptionId, row.username, row.fromStep, row.fromAction, row.toStep, row.toAction, row.day,
             row.at, row.reason})
      .status();
}

core::Result<std::vector<DunningLogRow>> DunningStore::log(const std::string& tenantId, const std::string& username,
                                                           const std::string& subscriptionId, int64_t limit) {
  EDGE_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      tx_.query("SELECT id, subscription_id, username, from_step, from_action, to_step, to_action, day, at, reason "
                "FROM dunning_log WHERE tenant_id = $1 AND ($2 = '' OR username = $2) "
                "AND ($3 = '' OR subscription_id = $3) ORDER BY id DESC LIMIT $4",
                {tenantId, username, subscriptionId, limit}));
  std::vector<DunningLogRow> out;
  for (const Row& r : rows) {
    DunningLogRow l;
    l.id = r.int64(0);
    l.subscriptionId = r.text(1);
    l.username = r.text(2);
    l.fromStep = r.int64(3);
    l.fromAction = r.text(4);
    l.toStep = r.int64(5);
    l.toAction = r.text(6);
    l.day = r.int64(7);
    l.at = r.int64(8);
    l.reason = r.text(9);
    out.push_back(std::move(l));
  }
  return out;
}

core::Status DunningStore::deleteTenant(const std::string& tenantId) {
  for (const char* table : {"dunning_log", "dunning_state", "dunning_policies"})
    EDGE_RETURN_IF_ERROR(tx_.exec(std::string("DELETE FROM ") + table + " WHERE tenant_id = $1", {tenantId}).status());
  return core::Status::ok();
}

}  // namespace mgmt::billing
