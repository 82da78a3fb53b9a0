#include "mgmt/monitoring/network_store.h"

namespace mgmt::monitoring {

core::Result<std::vector<NetworkDevice>> NetworkStore::devices(const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("SELECT box_id, name, tenant_id, nas, kind, reachable, since, uptime, interfaces_down, "
                                  "updated_at FROM network_devices WHERE ($1 = '' OR tenant_id = $1) ORDER BY box_id, name",
                                  {tenantId}));
  std::vector<NetworkDevice> out;
  for (const store::Row& r : rows)
    out.push_back(NetworkDevice{r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), r.int64(5) != 0, r.int64(6),
                                r.int64(7), r.text(8), r.int64(9)});
  return out;
}

core::Status NetworkStore::replace(const std::string& boxId, const std::string& tenantId,
                                   const std::vector<NetworkDevice>& list, int64_t now) {
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM network_devices WHERE box_id = $1", {boxId}).status());
  for (const NetworkDevice& d : list)
    EDGE_RETURN_IF_ERROR(tx_.exec("INSERT INTO network_devices(box_id, name, tenant_id, nas, kind, reachable, since, "
                                  "uptime, interfaces_down, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
                                  "ON CONFLICT DO NOTHING",
                                  {boxId, d.name, tenantId, d.nas, d.kind, int64_t{d.reachable ? 1 : 0}, d.since,
                                   d.uptime, d.interfacesDown, now})
                             .status());
  return core::Status::ok();
}

core::Result<std::vector<std::pair<std::string, std::string>>> NetworkStore::openDeviceAlerts() {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("SELECT device_id, subject FROM fleet_alerts WHERE kind = 'device-unreachable' "
                                  "AND state = 'open'"));
  std::vector<std::pair<std::string, std::string>> out;
  for (const store::Row& r : rows) out.emplace_back(r.text(0), r.text(1));
  return out;
}

core::Result<std::vector<Affected>> NetworkStore::affectedThroughNas(const std::string& tenantId, const std::string& boxId,
                                                                     const std::string& nas, int64_t since) {
  EDGE_ASSIGN_OR_RETURN(
      std::vector<store::Row> rows,
      tx_.query("SELECT x.username, COALESCE(c.id, ''), COALESCE(c.name, ''), COALESCE(c.email, ''), "
                "COALESCE(c.phone, ''), COALESCE(p.channel, '') FROM ("
                "SELECT DISTINCT username FROM sessions WHERE device_id = $1 AND tenant_id = $2 AND nas = $3 "
                "AND stopped >= $4) x "
                "LEFT JOIN customers c ON c.tenant_id = $2 AND c.username = x.username "
                "LEFT JOIN notification_prefs p ON p.tenant_id = $2 AND p.customer_id = c.id "
                "ORDER BY x.username",
                {boxId, tenantId, nas, since}));
  std::vector<Affected> out;
  for (const store::Row& r : rows) out.push_back(Affected{r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5)});
  return out;
}

}  // namespace mgmt::monitoring
