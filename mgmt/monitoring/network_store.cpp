#include "mgmt/monitoring/network_store.h"

#include <algorithm>
#include <set>

#include "mgmt/monitoring/live_store.h"

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

core::Result<std::vector<InventoryEntry>> NetworkStore::inventory(const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("SELECT box_id, name, tenant_id, site, upstream, note, updated_at, updated_by "
                                  "FROM network_inventory WHERE ($1 = '' OR tenant_id = $1) ORDER BY box_id, name",
                                  {tenantId}));
  std::vector<InventoryEntry> out;
  for (const store::Row& r : rows)
    out.push_back(InventoryEntry{r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5), r.int64(6), r.text(7)});
  return out;
}

core::Status NetworkStore::putInventory(const InventoryEntry& e) {
  return tx_
      .exec("INSERT INTO network_inventory(box_id, name, tenant_id, site, upstream, note, updated_at, updated_by) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (box_id, name) DO UPDATE SET site = excluded.site, "
            "upstream = excluded.upstream, note = excluded.note, updated_at = excluded.updated_at, "
            "updated_by = excluded.updated_by",
            {e.boxId, e.name, e.tenantId, e.site, e.upstream, e.note, e.updatedAt, e.updatedBy})
      .status();
}

core::Result<bool> NetworkStore::removeInventory(const std::string& tenantId, const std::string& boxId,
                                                 const std::string& name) {
  EDGE_ASSIGN_OR_RETURN(int64_t n, tx_.exec("DELETE FROM network_inventory WHERE tenant_id = $1 AND box_id = $2 AND "
                                            "name = $3",
                                            {tenantId, boxId, name}));
  return n > 0;
}

core::Result<std::map<std::string, std::string>> NetworkStore::boxSites(const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("SELECT box_id, site FROM box_sites WHERE tenant_id = $1", {tenantId}));
  std::map<std::string, std::string> out;
  for (const store::Row& r : rows) out[r.text(0)] = r.text(1);
  return out;
}

core::Status NetworkStore::putBoxSite(const std::string& tenantId, const std::string& boxId, const std::string& site,
                                      int64_t now) {
  if (site.empty())
    return tx_.exec("DELETE FROM box_sites WHERE tenant_id = $1 AND box_id = $2", {tenantId, boxId}).status();
  return tx_
      .exec("INSERT INTO box_sites(box_id, tenant_id, site, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (box_id) "
            "DO UPDATE SET site = excluded.site, updated_at = excluded.updated_at",
            {boxId, tenantId, site, now})
      .status();
}

core::Result<std::string> NetworkStore::siteOf(const std::string& boxId, const std::string& name) {
  if (!name.empty()) {
    EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> own,
                          tx_.queryOne("SELECT site FROM network_inventory WHERE box_id = $1 AND name = $2 AND site <> ''",
                                       {boxId, name}));
    if (own) return own->text(0);
  }
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> box, tx_.queryOne("SELECT site FROM box_sites WHERE box_id = $1", {boxId}));
  return box ? box->text(0) : std::string();
}

core::Result<std::map<std::pair<std::string, std::string>, int64_t>> NetworkStore::openDeviceAlertIds(
    const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("SELECT device_id, subject, id FROM fleet_alerts WHERE tenant_id = $1 AND "
                                  "kind = 'device-unreachable' AND state = 'open'",
                                  {tenantId}));
  std::map<std::pair<std::string, std::string>, int64_t> out;
  for (const store::Row& r : rows) out[{r.text(0), r.text(1)}] = r.int64(2);
  return out;
}

core::Result<std::vector<NetworkStore::NasCount>> NetworkStore::subscribersByNas(const std::string& tenantId,
                                                                                  int64_t since) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("SELECT device_id, nas, COUNT(DISTINCT username) FROM sessions WHERE tenant_id = $1 "
                                  "AND stopped >= $2 AND nas <> '' GROUP BY device_id, nas ORDER BY device_id, nas",
                                  {tenantId, since}));
  std::vector<NasCount> out;
  for (const store::Row& r : rows) out.push_back(NasCount{r.text(0), r.text(1), r.int64(2)});
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
  // And those online through that NAS at the box's last check-in (ADR 0074): their sessions stop too.
  LiveStore live(tx_);
  EDGE_ASSIGN_OR_RETURN(std::vector<std::string> online, live.users(boxId, nas));
  std::set<std::string> seen;
  for (const Affected& a : out) seen.insert(a.username);
  std::vector<std::string> more;
  for (std::string& u : online)
    if (seen.count(u) == 0) more.push_back(std::move(u));
  EDGE_ASSIGN_OR_RETURN(std::vector<Affected> moreAffected, live.withCustomers(tenantId, more));
  for (Affected& a : moreAffected) out.push_back(std::move(a));
  std::sort(out.begin(), out.end(), [](const Affected& a, const Affected& b) { return a.username < b.username; });
  return out;
}

}  // namespace mgmt::monitoring
