#include "mgmt/monitoring/live_store.h"

#include <algorithm>
#include <set>

#include "core/json.h"

namespace mgmt::monitoring {

std::vector<core::sync::LiveNas> liveListOf(const std::string& stored) {
  std::vector<core::sync::LiveNas> out;
  core::Result<core::Json> parsed = core::parseJsonWithComments(stored, "box_live_sessions");
  if (!parsed.isOk() || !parsed->is_array()) return out;
  for (const core::Json& entry : *parsed) {
    core::Result<core::sync::LiveNas> nas = core::sync::fromJson<core::sync::LiveNas>(entry);
    if (nas.isOk()) out.push_back(std::move(*nas));
  }
  return out;
}

core::Status LiveStore::put(const std::string& boxId, const std::string& tenantId,
                            const std::vector<core::sync::LiveNas>& live, int64_t omitted, int64_t now) {
  core::Json list = core::Json::array();
  int64_t sessions = 0;
  for (const core::sync::LiveNas& n : live) {
    list.push_back(core::sync::toJson(n));
    sessions += static_cast<int64_t>(n.users.size());
  }
  return tx_
      .exec("INSERT INTO box_live_sessions (box_id, tenant_id, sessions, omitted, live, changed_at) "
            "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (box_id) DO UPDATE SET tenant_id = excluded.tenant_id, "
            "sessions = excluded.sessions, omitted = excluded.omitted, live = excluded.live, "
            "changed_at = excluded.changed_at "
            "WHERE box_live_sessions.live <> excluded.live OR box_live_sessions.omitted <> excluded.omitted",
            {boxId, tenantId, sessions, omitted, list.dump(), now})
      .status();
}

core::Result<std::vector<std::string>> LiveStore::users(const std::string& boxId, const std::string& nas) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                        tx_.queryOne("SELECT live FROM box_live_sessions WHERE box_id = $1", {boxId}));
  std::set<std::string> out;
  if (row)
    for (core::sync::LiveNas& n : liveListOf(row->text(0)))
      if (nas.empty() || n.nas == nas) out.insert(n.users.begin(), n.users.end());
  return std::vector<std::string>(out.begin(), out.end());
}

core::Result<std::map<std::pair<std::string, std::string>, int64_t>> LiveStore::countsByNas(const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("SELECT box_id, live FROM box_live_sessions WHERE tenant_id = $1 AND sessions > 0",
                                  {tenantId}));
  std::map<std::pair<std::string, std::string>, int64_t> out;
  for (const store::Row& r : rows)
    for (const core::sync::LiveNas& n : liveListOf(r.text(1)))
      out[{r.text(0), n.nas}] += static_cast<int64_t>(n.users.size());
  return out;
}

core::Result<std::vector<Affected>> LiveStore::withCustomers(const std::string& tenantId,
                                                             const std::vector<std::string>& usernames) {
  std::map<std::string, Affected> found;
  constexpr size_t kBatch = 200;  // usernames per statement
  for (size_t at = 0; at < usernames.size(); at += kBatch) {
    const size_t end = std::min(usernames.size(), at + kBatch);
    std::string sql =
        "SELECT c.username, c.id, c.name, c.email, c.phone, COALESCE(p.channel, '') FROM customers c "
        "LEFT JOIN notification_prefs p ON p.tenant_id = c.tenant_id AND p.customer_id = c.id "
        "WHERE c.tenant_id = $1 AND c.username IN (";
    store::Params params{tenantId};
    for (size_t i = at; i < end; ++i) {
      sql += (i == at ? "$" : ", $") + std::to_string(params.size() + 1);
      params.push_back(usernames[i]);
    }
    sql += ") ORDER BY c.username, c.id";
    EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows, tx_.query(sql, params));
    for (const store::Row& r : rows)
      found.emplace(r.text(0), Affected{r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5)});
  }
  std::vector<Affected> out;
  out.reserve(usernames.size());
  for (const std::string& u : usernames) {
    auto it = found.find(u);
    out.push_back(it != found.end() ? it->second : Affected{u, "", "", "", "", ""});
  }
  return out;
}

core::Status LiveStore::deleteTenant(const std::string& tenantId) {
  return tx_.exec("DELETE FROM box_live_sessions WHERE tenant_id = $1", {tenantId}).status();
}

}  // namespace mgmt::monitoring
