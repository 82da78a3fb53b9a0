#include "mgmt/access/audit_store.h"

namespace mgmt::access {

core::Status AuditStore::insert(const AuditRow& r) {
  return tx_
      .exec("INSERT INTO audit_log(at, actor, role, tenant_id, origin, command, arguments, outcome, before_state, "
            "after_state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            {r.at, r.actor, r.role, r.tenantId, r.origin, r.command, r.arguments, r.outcome, r.before, r.after})
      .status();
}

core::Result<std::vector<AuditRow>> AuditStore::search(const AuditQuery& q) {
  // Every filter is a bound parameter; an open one compares with a value that matches all rows.
  std::string sql =
      "SELECT id, at, actor, role, tenant_id, origin, command, arguments, outcome, before_state, after_state "
      "FROM audit_log WHERE ($1 = '*' OR tenant_id = $1) AND ($2 = '' OR actor = $2) AND ($3 = '' OR command = $3) "
      "AND at >= $4 AND ($5 = 0 OR at < $5) "
      "AND ($7 = 0 OR (at, id) " + std::string(q.oldestFirst ? ">" : "<") +
      " (SELECT at, id FROM audit_log WHERE id = $7)) ORDER BY at " +
      std::string(q.oldestFirst ? "ASC, id ASC" : "DESC, id DESC") + " LIMIT $6";
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query(sql, {q.tenantId, q.actor, q.command, q.since, q.until, q.limit, q.afterId}));
  std::vector<AuditRow> out;
  for (const store::Row& r : rows)
    out.push_back(AuditRow{r.int64(0), r.int64(1), r.text(2), r.text(3), r.text(4), r.text(5), r.text(6), r.text(7),
                           r.text(8), r.text(9), r.text(10)});
  return out;
}

core::Status AuditStore::deleteTenant(const std::string& tenantId) {
  return tx_.exec("DELETE FROM audit_log WHERE tenant_id = $1", {tenantId}).status();
}

}  // namespace mgmt::access
