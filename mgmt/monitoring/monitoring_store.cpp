#include "mgmt/monitoring/monitoring_store.h"

#include <algorithm>
#include <set>

#include "core/json.h"
#include "mgmt/monitoring/live_store.h"

namespace mgmt::monitoring {

namespace {

constexpr const char* kAlertColumns =
    "id, tenant_id, device_id, kind, detail, state, affected, opened_at, closed_at, group_id, acked_at, acked_by, site";

Alert alertFrom(const store::Row& r) {
  return Alert{r.int64(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5), r.int64(6), r.int64(7), r.int64(8),
               r.int64(9), r.int64(10), r.text(11), r.text(12)};
}

constexpr const char* kMaintenanceColumns = "id, tenant_id, starts_at, ends_at, devices, reason, state, created_by, created_at";

Maintenance maintenanceFrom(const store::Row& r) {
  Maintenance m;
  m.id = r.int64(0);
  m.tenantId = r.text(1);
  m.startsAt = r.int64(2);
  m.endsAt = r.int64(3);
  core::Json list = core::Json::parse(r.text(4), nullptr, false);
  if (list.is_array())
    for (const core::Json& d : list)
      if (d.is_string()) m.devices.push_back(d.get<std::string>());
  m.reason = r.text(5);
  m.state = r.text(6);
  m.createdBy = r.text(7);
  m.createdAt = r.int64(8);
  return m;
}

constexpr const char* kNotificationColumns =
    "id, tenant_id, source, source_id, event, customer_id, channel, recipient, body, state, attempts, "
    "next_attempt_at, last_error, created_at, sent_at";

Notification notificationFrom(const store::Row& r) {
  Notification n;
  n.id = r.int64(0);
  n.tenantId = r.text(1);
  n.source = r.text(2);
  n.sourceId = r.int64(3);
  n.event = r.text(4);
  n.customerId = r.text(5);
  n.channel = r.text(6);
  n.recipient = r.text(7);
  n.body = r.text(8);
  n.state = r.text(9);
  n.attempts = r.int64(10);
  n.nextAttemptAt = r.int64(11);
  n.lastError = r.text(12);
  n.createdAt = r.int64(13);
  n.sentAt = r.int64(14);
  return n;
}

}  // namespace

core::Result<std::optional<int64_t>> MonitoringStore::openAlert(const std::string& tenantId, const std::string& deviceId,
                                                                const std::string& kind, const std::string& detail,
                                                                int64_t now, int64_t groupWindow,
                                                                const std::string& subject, const std::string& site) {
  // Checked first (not ON CONFLICT on the partial index: its conflict target differs between the
  // backends); a kReadWrite unit of work behaves as if alone, so two mgmtd cannot both insert.
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> open,
                        tx_.queryOne("SELECT id FROM fleet_alerts WHERE device_id = $1 AND kind = $2 AND subject = $3 "
                                     "AND state = 'open'",
                                     {deviceId, kind, subject}));
  if (open) return std::optional<int64_t>();
  // The group: the box's own open alert's first, else the tenant's newest recent open alert's.
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> same,
                        tx_.queryOne("SELECT group_id FROM fleet_alerts WHERE tenant_id = $1 AND device_id = $2 "
                                     "AND state = 'open' ORDER BY id LIMIT 1",
                                     {tenantId, deviceId}));
  int64_t group = same ? same->int64(0) : 0;
  if (group == 0 && !site.empty()) {  // another box or device of the same site (ADR 0068)
    EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> near,
                          tx_.queryOne("SELECT group_id FROM fleet_alerts WHERE tenant_id = $1 AND site = $2 "
                                       "AND state = 'open' ORDER BY id LIMIT 1",
                                       {tenantId, site}));
    if (near) group = near->int64(0);
  }
  if (group == 0 && groupWindow > 0) {
    EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> near,
                          tx_.queryOne("SELECT group_id FROM fleet_alerts WHERE tenant_id = $1 AND state = 'open' "
                                       "AND opened_at >= $2 ORDER BY opened_at DESC, id DESC LIMIT 1",
                                       {tenantId, now - groupWindow}));
    if (near) group = near->int64(0);
  }
  EDGE_ASSIGN_OR_RETURN(int64_t id,
                        tx_.queryInt64("INSERT INTO fleet_alerts(tenant_id, device_id, kind, subject, detail, state, "
                                       "opened_at, group_id, site) VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8) "
                                       "RETURNING id",
                                       {tenantId, deviceId, kind, subject, detail, now, group, site}));
  if (group == 0) EDGE_RETURN_IF_ERROR(tx_.exec("UPDATE fleet_alerts SET group_id = id WHERE id = $1", {id}).status());
  return std::optional<int64_t>(id);
}

core::Result<bool> MonitoringStore::ackAlert(const std::string& tenantId, int64_t id, const std::string& by,
                                             int64_t now) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                        tx_.queryOne("SELECT acked_at FROM fleet_alerts WHERE id = $1 AND tenant_id = $2", {id, tenantId}));
  if (!row) return false;
  if (row->int64(0) != 0) return true;
  EDGE_RETURN_IF_ERROR(tx_.exec("UPDATE fleet_alerts SET acked_at = $1, acked_by = $2 WHERE id = $3 AND tenant_id = $4",
                                {now, by.substr(0, 200), id, tenantId})
                           .status());
  return true;
}

core::Result<std::vector<std::pair<int64_t, int64_t>>> MonitoringStore::groupAffected(
    const std::string& tenantId, const std::vector<int64_t>& groups) {
  std::vector<std::pair<int64_t, int64_t>> out;
  for (int64_t g : groups) {
    EDGE_ASSIGN_OR_RETURN(int64_t n,
                          tx_.queryInt64("SELECT count(DISTINCT c.username) FROM fleet_alerts f "
                                         "JOIN alert_customers c ON c.alert_id = f.id "
                                         "WHERE f.tenant_id = $1 AND f.group_id = $2",
                                         {tenantId, g}));
    out.emplace_back(g, n);
  }
  return out;
}

core::Result<std::vector<std::string>> MonitoringStore::groupUsernames(int64_t groupId, int64_t exceptAlert) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("SELECT DISTINCT c.username FROM fleet_alerts f JOIN alert_customers c ON c.alert_id = f.id "
                                  "WHERE f.group_id = $1 AND f.id <> $2 ORDER BY c.username",
                                  {groupId, exceptAlert}));
  std::vector<std::string> out;
  for (const store::Row& r : rows) out.push_back(r.text(0));
  return out;
}

core::Result<std::optional<int64_t>> MonitoringStore::closeAlert(const std::string& deviceId, const std::string& kind,
                                                                 int64_t now, const std::string& subject) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("UPDATE fleet_alerts SET state = 'closed', closed_at = $1 "
                                  "WHERE device_id = $2 AND kind = $3 AND subject = $4 AND state = 'open' RETURNING id",
                                  {now, deviceId, kind, subject}));
  if (rows.empty()) return std::optional<int64_t>();
  return std::optional<int64_t>(rows[0].int64(0));
}

core::Result<std::vector<std::string>> MonitoringStore::openKinds(const std::string& deviceId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("SELECT kind FROM fleet_alerts WHERE device_id = $1 AND state = 'open' ORDER BY kind",
                                  {deviceId}));
  std::vector<std::string> out;
  for (const store::Row& r : rows) out.push_back(r.text(0));
  return out;
}

core::Result<std::vector<std::pair<std::string, std::string>>> MonitoringStore::openAlertKinds() {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("SELECT device_id, kind FROM fleet_alerts WHERE state = 'open'"));
  std::vector<std::pair<std::string, std::string>> out;
  for (const store::Row& r : rows) out.emplace_back(r.text(0), r.text(1));
  return out;
}

core::Result<std::vector<Alert>> MonitoringStore::alerts(const std::string& tenantId, const std::string& state,
                                                         int64_t limit) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query(std::string("SELECT ") + kAlertColumns +
                                      " FROM fleet_alerts WHERE ($1 = '' OR tenant_id = $1) AND ($2 = '' OR state = $2) "
                                      "ORDER BY CASE WHEN state = 'open' THEN 0 ELSE 1 END, affected DESC, opened_at DESC, "
                                      "id DESC LIMIT $3",
                                  {tenantId, state, limit}));
  std::vector<Alert> out;
  for (const store::Row& r : rows) out.push_back(alertFrom(r));
  return out;
}

core::Result<std::optional<Alert>> MonitoringStore::alert(const std::string& tenantId, int64_t id) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                        tx_.queryOne(std::string("SELECT ") + kAlertColumns +
                                         " FROM fleet_alerts WHERE id = $1 AND ($2 = '' OR tenant_id = $2)",
                                     {id, tenantId}));
  if (!row) return std::optional<Alert>();
  return std::optional<Alert>(alertFrom(*row));
}

core::Result<std::vector<std::pair<std::string, int64_t>>> MonitoringStore::outageSeconds(const std::string& tenantId,
                                                                                          int64_t from, int64_t to) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("SELECT c.username, f.opened_at, f.closed_at FROM fleet_alerts f "
                                  "JOIN alert_customers c ON c.alert_id = f.id WHERE f.tenant_id = $1 "
                                  "AND f.kind IN ('offline', 'device-unreachable') AND f.opened_at < $3 "
                                  "AND (f.closed_at = 0 OR f.closed_at > $2)",
                                  {tenantId, from, to}));
  std::vector<std::pair<std::string, int64_t>> out;
  for (const store::Row& r : rows) {
    const int64_t start = std::max(from, r.int64(1));
    const int64_t end = r.int64(2) == 0 ? to : std::min(to, r.int64(2));
    if (end > start) out.emplace_back(r.text(0), end - start);
  }
  return out;
}

core::Result<std::vector<Affected>> MonitoringStore::affectedBy(const std::string& tenantId,
                                                                const std::vector<std::string>& devices, int64_t since) {
  std::vector<Affected> out;
  for (const std::string& device : devices) {
    EDGE_ASSIGN_OR_RETURN(
        std::vector<store::Row> rows,
        tx_.query("SELECT x.username, COALESCE(c.id, ''), COALESCE(c.name, ''), COALESCE(c.email, ''), "
                  "COALESCE(c.phone, ''), COALESCE(p.channel, '') FROM ("
                  "SELECT username FROM usage WHERE device_id = $1 AND tenant_id = $2 AND at >= $3 "
                  "UNION SELECT username FROM sessions WHERE device_id = $1 AND tenant_id = $2 AND stopped >= $3) x "
                  "LEFT JOIN customers c ON c.tenant_id = $2 AND c.username = x.username "
                  "LEFT JOIN notification_prefs p ON p.tenant_id = $2 AND p.customer_id = c.id "
                  "ORDER BY x.username",
                  {device, tenantId, since}));
    for (const store::Row& r : rows) out.push_back(Affected{r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5)});
    // And those online on it at its last check-in (ADR 0074), whose sessions have not closed.
    LiveStore live(tx_);
    EDGE_ASSIGN_OR_RETURN(std::vector<std::string> online, live.users(device));
    std::set<std::string> seen;
    for (const Affected& a : out) seen.insert(a.username);
    std::vector<std::string> more;
    for (std::string& u : online)
      if (seen.count(u) == 0) more.push_back(std::move(u));
    EDGE_ASSIGN_OR_RETURN(std::vector<Affected> moreAffected, live.withCustomers(tenantId, more));
    for (Affected& a : moreAffected) out.push_back(std::move(a));
  }
  // Several devices: one entry per subscriber, by username.
  std::sort(out.begin(), out.end(), [](const Affected& a, const Affected& b) { return a.username < b.username; });
  out.erase(std::unique(out.begin(), out.end(), [](const Affected& a, const Affected& b) { return a.username == b.username; }),
            out.end());
  return out;
}

core::Status MonitoringStore::putImpact(int64_t alertId, const std::string& tenantId, const std::vector<Affected>& list) {
  for (const Affected& a : list)
    EDGE_RETURN_IF_ERROR(tx_.exec("INSERT INTO alert_customers(alert_id, tenant_id, customer_id, username) "
                                  "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                                  {alertId, tenantId, a.customerId, a.username})
                             .status());
  return tx_
      .exec("UPDATE fleet_alerts SET affected = (SELECT count(*) FROM alert_customers WHERE alert_id = $1) WHERE id = $1",
            {alertId})
      .status();
}

core::Result<std::vector<Affected>> MonitoringStore::impact(int64_t alertId, int64_t limit) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("SELECT a.username, a.customer_id, COALESCE(c.name, ''), COALESCE(c.email, ''), "
                                  "COALESCE(c.phone, '') FROM alert_customers a "
                                  "LEFT JOIN customers c ON c.tenant_id = a.tenant_id AND c.id = a.customer_id "
                                  "WHERE a.alert_id = $1 ORDER BY a.username LIMIT $2",
                                  {alertId, limit}));
  std::vector<Affected> out;
  for (const store::Row& r : rows) out.push_back(Affected{r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), ""});
  return out;
}

core::Result<std::optional<std::string>> MonitoringStore::settings(const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                        tx_.queryOne("SELECT settings FROM notification_settings WHERE tenant_id = $1", {tenantId}));
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(row->text(0));
}

core::Status MonitoringStore::putSettings(const std::string& tenantId, const std::string& json, int64_t now) {
  return tx_
      .exec("INSERT INTO notification_settings(tenant_id, settings, updated_at) VALUES ($1, $2, $3) "
            "ON CONFLICT (tenant_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at",
            {tenantId, json, now})
      .status();
}

core::Status MonitoringStore::putPreference(const std::string& tenantId, const std::string& customerId,
                                            const std::string& channel, int64_t now) {
  return tx_
      .exec("INSERT INTO notification_prefs(tenant_id, customer_id, channel, updated_at) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (tenant_id, customer_id) DO UPDATE SET channel = excluded.channel, updated_at = excluded.updated_at",
            {tenantId, customerId, channel, now})
      .status();
}

core::Result<int64_t> MonitoringStore::addMaintenance(const Maintenance& m) {
  core::Json devices = core::Json::array();
  for (const std::string& d : m.devices) devices.push_back(d);
  return tx_.queryInt64("INSERT INTO planned_maintenance(tenant_id, starts_at, ends_at, devices, reason, state, "
                        "created_by, created_at) VALUES ($1, $2, $3, $4, $5, 'scheduled', $6, $7) RETURNING id",
                        {m.tenantId, m.startsAt, m.endsAt, devices.dump(), m.reason, m.createdBy, m.createdAt});
}

core::Result<std::vector<Maintenance>> MonitoringStore::maintenance(const std::string& tenantId, int64_t limit) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query(std::string("SELECT ") + kMaintenanceColumns +
                                      " FROM planned_maintenance WHERE tenant_id = $1 ORDER BY starts_at DESC, id DESC LIMIT $2",
                                  {tenantId, limit}));
  std::vector<Maintenance> out;
  for (const store::Row& r : rows) out.push_back(maintenanceFrom(r));
  return out;
}

core::Result<std::optional<Maintenance>> MonitoringStore::maintenanceById(const std::string& tenantId, int64_t id) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                        tx_.queryOne(std::string("SELECT ") + kMaintenanceColumns +
                                         " FROM planned_maintenance WHERE id = $1 AND tenant_id = $2",
                                     {id, tenantId}));
  if (!row) return std::optional<Maintenance>();
  return std::optional<Maintenance>(maintenanceFrom(*row));
}

core::Result<bool> MonitoringStore::cancelMaintenance(const std::string& tenantId, int64_t id) {
  EDGE_ASSIGN_OR_RETURN(int64_t n, tx_.exec("UPDATE planned_maintenance SET state = 'cancelled' "
                                            "WHERE id = $1 AND tenant_id = $2 AND state <> 'cancelled'",
                                            {id, tenantId}));
  return n > 0;
}

core::Result<std::vector<Maintenance>> MonitoringStore::maintenanceToAnnounce(int64_t startsBy, int64_t now) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query(std::string("SELECT ") + kMaintenanceColumns +
                                      " FROM planned_maintenance WHERE state = 'scheduled' AND starts_at <= $1 "
                                      "AND ends_at > $2 ORDER BY starts_at, id",
                                  {startsBy, now}));
  std::vector<Maintenance> out;
  for (const store::Row& r : rows) out.push_back(maintenanceFrom(r));
  return out;
}

core::Status MonitoringStore::markMaintenance(int64_t id, const std::string& state) {
  return tx_.exec("UPDATE planned_maintenance SET state = $1 WHERE id = $2", {state, id}).status();
}

core::Result<std::optional<int64_t>> MonitoringStore::addNotification(const Notification& n) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("INSERT INTO notifications(tenant_id, source, source_id, event, customer_id, channel, "
                                  "recipient, body, state, next_attempt_at, created_at, sent_at) "
                                  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
                                  "ON CONFLICT (source, source_id, event, customer_id, channel) DO NOTHING RETURNING id",
                                  {n.tenantId, n.source, n.sourceId, n.event, n.customerId, n.channel, n.recipient,
                                   n.body, n.state, n.nextAttemptAt, n.createdAt, n.sentAt}));
  if (rows.empty()) return std::optional<int64_t>();
  return std::optional<int64_t>(rows[0].int64(0));
}

core::Status MonitoringStore::setNotificationBody(int64_t id, const std::string& body) {
  return tx_.exec("UPDATE notifications SET body = $1 WHERE id = $2", {body, id}).status();
}

core::Result<std::vector<Notification>> MonitoringStore::due(int64_t now, int64_t limit) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query(std::string("SELECT ") + kNotificationColumns +
                                      " FROM notifications WHERE state = 'pending' AND next_attempt_at <= $1 "
                                      "ORDER BY next_attempt_at, id LIMIT $2",
                                  {now, limit}));
  std::vector<Notification> out;
  for (const store::Row& r : rows) out.push_back(notificationFrom(r));
  return out;
}

core::Status MonitoringStore::markSent(int64_t id, int64_t now) {
  return tx_
      .exec("UPDATE notifications SET state = 'sent', sent_at = $1, attempts = attempts + 1, last_error = '' "
            "WHERE id = $2 AND state = 'pending'",
            {now, id})
      .status();
}

core::Status MonitoringStore::markRetry(int64_t id, int64_t attempts, int64_t nextAt, const std::string& error,
                                        bool giveUp) {
  return tx_
      .exec("UPDATE notifications SET attempts = $1, next_attempt_at = $2, last_error = $3, state = $4 "
            "WHERE id = $5 AND state = 'pending'",
            {attempts, nextAt, error.substr(0, 500), std::string(giveUp ? "failed" : "pending"), id})
      .status();
}

core::Result<std::vector<Notification>> MonitoringStore::log(const std::string& tenantId, int64_t limit) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query(std::string("SELECT ") + kNotificationColumns +
                                      " FROM notifications WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2",
                                  {tenantId, limit}));
  std::vector<Notification> out;
  for (const store::Row& r : rows) out.push_back(notificationFrom(r));
  return out;
}

core::Status MonitoringStore::deleteTenant(const std::string& tenantId) {
  for (const char* table : {"alert_customers", "fleet_alerts", "notification_settings", "notification_prefs",
                            "planned_maintenance", "notifications", "network_devices", "network_inventory",
                            "box_sites"})
    EDGE_RETURN_IF_ERROR(tx_.exec(std::string("DELETE FROM ") + table + " WHERE tenant_id = $1", {tenantId}).status());
  return LiveStore(tx_).deleteTenant(tenantId);
}

}  // namespace mgmt::monitoring
