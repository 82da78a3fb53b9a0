#include "mgmt/fleet/fleet_store.h"

#include <algorithm>

namespace mgmt::fleet {

namespace {

constexpr const char* kDeviceColumns =
    "id, tenant_id, hostname, status, claim_id, enrolled_at, cert_serial, cert_fingerprint, cert_previous_fingerprint, "
    "cert_not_before, cert_not_after, last_checkin, reported, usage_watermark, session_watermark, event_watermark, "
    "rekey_requested";

DeviceRow deviceFrom(const store::Row& r) {
  DeviceRow d;
  d.id = r.text(0);
  d.tenantId = r.text(1);
  d.hostname = r.text(2);
  d.status = r.text(3);
  d.claimId = r.text(4);
  d.enrolledAt = r.int64(5);
  d.certSerial = r.text(6);
  d.certFingerprint = r.text(7);
  d.certPreviousFingerprint = r.text(8);
  d.certNotBefore = r.int64(9);
  d.certNotAfter = r.int64(10);
  d.lastCheckin = r.int64(11);
  d.reported = r.text(12);
  d.usageWatermark = r.int64(13);
  d.sessionWatermark = r.int64(14);
  d.eventWatermark = r.int64(15);
  d.rekeyRequested = r.int64(16) != 0;
  return d;
}

}  // namespace

core::Status FleetStore::insertClaim(const Claim& c, const std::string& secretSha256) {
  return tx_
      .exec("INSERT INTO claims(id, tenant_id, secret_sha256, uses_left, expires_at, created_at) "
            "VALUES ($1, $2, $3, $4, $5, $6)",
            {c.id, c.tenantId, secretSha256, c.usesLeft, c.expiresAt, c.createdAt})
      .status();
}

core::Result<std::optional<Claim>> FleetStore::claimBySecret(const std::string& secretSha256) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                        tx_.queryOne("SELECT id, tenant_id, uses_left, expires_at, created_at FROM claims "
                                     "WHERE secret_sha256 = $1",
                                     {secretSha256}));
  if (!row) return std::optional<Claim>();
  return std::optional<Claim>(Claim{row->text(0), row->text(1), row->int64(2), row->int64(3), row->int64(4)});
}

core::Status FleetStore::useClaim(const std::string& id) {
  return tx_.exec("UPDATE claims SET uses_left = uses_left - 1 WHERE id = $1", {id}).status();
}

core::Status FleetStore::insertDevice(const DeviceRow& d) {
  return tx_
      .exec("INSERT INTO devices(id, tenant_id, hostname, claim_id, enrolled_at, cert_serial, cert_fingerprint, "
            "cert_not_before, cert_not_after) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            {d.id, d.tenantId, d.hostname, d.claimId, d.enrolledAt, d.certSerial, d.certFingerprint, d.certNotBefore,
             d.certNotAfter})
      .status();
}

core::Result<std::optional<DeviceRow>> FleetStore::device(const std::string& id) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                        tx_.queryOne(std::string("SELECT ") + kDeviceColumns + " FROM devices WHERE id = $1", {id}));
  if (!row) return std::optional<DeviceRow>();
  return std::optional<DeviceRow>(deviceFrom(*row));
}

core::Result<std::vector<DeviceRow>> FleetStore::devices(const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query(std::string("SELECT ") + kDeviceColumns +
                                      " FROM devices WHERE $1 = '' OR tenant_id = $1 ORDER BY enrolled_at, id",
                                  {tenantId}));
  std::vector<DeviceRow> out;
  for (const store::Row& r : rows) out.push_back(deviceFrom(r));
  return out;
}

core::Result<bool> FleetStore::revoke(const std::string& id, int64_t now) {
  EDGE_ASSIGN_OR_RETURN(int64_t n, tx_.exec("UPDATE devices SET status = 'revoked', revoked_at = $1 "
                                            "WHERE id = $2 AND status = 'active'",
                                            {now, id}));
  return n > 0;
}

core::Status FleetStore::requestRekey(const std::string& id) {
  return tx_.exec("UPDATE devices SET rekey_requested = 1 WHERE id = $1", {id}).status();
}

core::Status FleetStore::forgetPreviousCertificate(const std::string& id, const std::string& currentFingerprint) {
  return tx_
      .exec("UPDATE devices SET cert_previous_fingerprint = '' WHERE id = $1 AND cert_fingerprint = $2",
            {id, currentFingerprint})
      .status();
}

core::Status FleetStore::replaceCertificate(const std::string& id, const std::string& usedFingerprint,
                                            const std::string& serial, const std::string& fingerprint,
                                            int64_t notBefore, int64_t notAfter) {
  return tx_
      .exec("UPDATE devices SET cert_previous_fingerprint = CASE WHEN cert_fingerprint = $1 THEN cert_fingerprint "
            "ELSE cert_previous_fingerprint END, cert_serial = $2, cert_fingerprint = $3, cert_not_before = $4, "
            "cert_not_after = $5, rekey_requested = 0 WHERE id = $6",
            {usedFingerprint, serial, fingerprint, notBefore, notAfter, id})
      .status();
}

core::Result<std::optional<DeviceRow>> FleetStore::recordCheckin(const std::string& id, int64_t now,
                                                                 const std::string& reported) {
  EDGE_ASSIGN_OR_RETURN(int64_t n,
                        tx_.exec("UPDATE devices SET last_checkin = $1, reported = $2 WHERE id = $3", {now, reported, id}));
  if (n == 0) return std::optional<DeviceRow>();
  return device(id);
}

core::Result<std::pair<int64_t, int64_t>> FleetStore::raiseUsageWatermarks(const std::string& id, int64_t usage,
                                                                           int64_t sessions) {
  EDGE_ASSIGN_OR_RETURN(
      std::optional<store::Row> row,
      tx_.queryOne("UPDATE devices SET "
                   "usage_watermark = CASE WHEN usage_watermark > $1 THEN usage_watermark ELSE $1 END, "
                   "session_watermark = CASE WHEN session_watermark > $2 THEN session_watermark ELSE $2 END "
                   "WHERE id = $3 RETURNING usage_watermark, session_watermark",
                   {usage, sessions, id}));
  if (!row) return core::notFound("no device '" + id + "'");
  return std::make_pair(row->int64(0), row->int64(1));
}

core::Result<int64_t> FleetStore::raiseEventWatermark(const std::string& id, int64_t events) {
  EDGE_ASSIGN_OR_RETURN(
      std::optional<store::Row> row,
      tx_.queryOne("UPDATE devices SET event_watermark = CASE WHEN event_watermark > $1 THEN event_watermark ELSE $1 END "
                   "WHERE id = $2 RETURNING event_watermark",
                   {events, id}));
  if (!row) return core::notFound("no device '" + id + "'");
  return row->int64(0);
}

core::Result<int64_t> FleetStore::activeDevices(const std::string& tenantId) {
  return tx_.queryInt64("SELECT count(*) FROM devices WHERE tenant_id = $1 AND status = 'active'", {tenantId});
}

core::Result<int64_t> FleetStore::devicesWithStatus(const std::string& status) {
  return tx_.queryInt64("SELECT count(*) FROM devices WHERE status = $1", {status});
}

core::Result<std::vector<int64_t>> FleetStore::queueForActiveDevices(const std::string& tenantId,
                                                                     const std::string& kind,
                                                                     const std::string& arguments, int64_t now) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("INSERT INTO commands(tenant_id, device_id, kind, arguments, created_at) "
                                  "SELECT tenant_id, id, $1, $2, $3 FROM devices WHERE tenant_id = $4 AND status = 'active' "
                                  "RETURNING id",
                                  {kind, arguments, now, tenantId}));
  std::vector<int64_t> ids;
  for (const store::Row& r : rows) ids.push_back(r.int64(0));
  std::sort(ids.begin(), ids.end());
  return ids;
}

core::Result<int64_t> FleetStore::queueForDevice(const std::string& tenantId, const std::string& deviceId,
                                                 const std::string& kind, const std::string& arguments, int64_t now) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                        tx_.queryOne("INSERT INTO commands(tenant_id, device_id, kind, arguments, created_at) "
                                     "VALUES ($1, $2, $3, $4, $5) RETURNING id",
                                     {tenantId, deviceId, kind, arguments, now}));
  if (!row) return core::internalError("queueing a command for " + deviceId + " returned no id");
  return row->int64(0);
}

core::Result<std::vector<core::sync::Command>> FleetStore::takeCommands(const std::string& deviceId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("UPDATE commands SET state = 'sent' WHERE device_id = $1 AND state IN ('pending', 'sent') "
                                  "RETURNING id, kind, arguments",
                                  {deviceId}));
  std::vector<core::sync::Command> out;
  for (const store::Row& r : rows) {
    core::sync::Command c;
    c.id = r.int64(0);
    c.kind = r.text(1);
    core::Json args = core::Json::parse(r.text(2), nullptr, false);
    if (args.is_discarded()) return core::corrupt("command " + std::to_string(c.id) + ": its arguments are not JSON");
    c.arguments = std::move(args);
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [](const core::sync::Command& a, const core::sync::Command& b) { return a.id < b.id; });
  return out;
}

core::Result<std::vector<CommandRow>> FleetStore::commands(const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("SELECT id, device_id, kind, arguments, state, result, created_at, done_at FROM commands "
                                  "WHERE tenant_id = $1 ORDER BY id DESC LIMIT 200",
                                  {tenantId}));
  std::vector<CommandRow> out;
  for (const store::Row& r : rows)
    out.push_back(CommandRow{r.int64(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5), r.int64(6), r.int64(7)});
  return out;
}

core::Result<bool> FleetStore::finishCommand(const std::string& deviceId, int64_t id, bool ok, const std::string& text,
                                             int64_t now) {
  EDGE_ASSIGN_OR_RETURN(int64_t n, tx_.exec("UPDATE commands SET state = $1, result = $2, done_at = $3 "
                                            "WHERE id = $4 AND device_id = $5",
                                            {ok ? "done" : "failed", text, now, id, deviceId}));
  return n > 0;
}

core::Status FleetStore::markSampleDevice(const std::string& id) {
  return tx_.exec("UPDATE devices SET sample = 1 WHERE id = $1", {id}).status();
}

core::Result<std::vector<std::string>> FleetStore::sampleDevices(const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("SELECT id FROM devices WHERE tenant_id = $1 AND sample = 1 ORDER BY id", {tenantId}));
  std::vector<std::string> out;
  for (const store::Row& r : rows) out.push_back(r.text(0));
  return out;
}

core::Status FleetStore::deleteDevice(const std::string& id) {
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM commands WHERE device_id = $1", {id}).status());
  return tx_.exec("DELETE FROM devices WHERE id = $1", {id}).status();
}

core::Status FleetStore::deleteTenant(const std::string& tenantId) {
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM commands WHERE tenant_id = $1", {tenantId}).status());
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM devices WHERE tenant_id = $1", {tenantId}).status());
  return tx_.exec("DELETE FROM claims WHERE tenant_id = $1", {tenantId}).status();
}

}  // namespace mgmt::fleet
