#include "mgmt/fleet/rollout_store.h"

namespace mgmt::fleet {

namespace {

constexpr const char* kReleaseColumns =
    "version, channel, hardware, security_floor, min_version, size, sha256, path, created_at";
constexpr const char* kRolloutColumns =
    "id, tenant_id, version, state, rings, ring, failure_percent, report_seconds, reason, created_by, created_at, "
    "updated_at";

ReleaseRow releaseFrom(const store::Row& r) {
  return ReleaseRow{r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), r.int64(5), r.text(6), r.text(7), r.int64(8)};
}

RolloutRow rolloutFrom(const store::Row& r, size_t o = 0) {
  RolloutRow x;
  x.id = r.text(o + 0);
  x.tenantId = r.text(o + 1);
  x.version = r.text(o + 2);
  x.state = r.text(o + 3);
  x.rings = r.text(o + 4);
  x.ring = r.int64(o + 5);
  x.failurePercent = r.int64(o + 6);
  x.reportSeconds = r.int64(o + 7);
  x.reason = r.text(o + 8);
  x.createdBy = r.text(o + 9);
  x.createdAt = r.int64(o + 10);
  x.updatedAt = r.int64(o + 11);
  return x;
}

constexpr const char* kBoxColumns = "rollout_id, device_id, tenant_id, ring, state, reason, offered_at, updated_at";

RolloutBoxRow boxFrom(const store::Row& r, size_t o = 0) {
  return RolloutBoxRow{r.text(o), r.text(o + 1), r.text(o + 2), r.int64(o + 3),
                       r.text(o + 4), r.text(o + 5), r.int64(o + 6), r.int64(o + 7)};
}

}  // namespace

core::Result<bool> RolloutStore::insertRelease(const ReleaseRow& r) {
  EDGE_ASSIGN_OR_RETURN(int64_t n,
                        tx_.exec("INSERT INTO firmware_releases(" + std::string(kReleaseColumns) +
                                     ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (version) DO NOTHING",
                                 {r.version, r.channel, r.hardware, r.securityFloor, r.minVersion, r.size, r.sha256,
                                  r.path, r.createdAt}));
  return n == 1;
}

core::Result<std::optional<ReleaseRow>> RolloutStore::release(const std::string& version) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                        tx_.queryOne("SELECT " + std::string(kReleaseColumns) + " FROM firmware_releases WHERE version = $1",
                                     {version}));
  if (!row) return std::optional<ReleaseRow>();
  return std::optional<ReleaseRow>(releaseFrom(*row));
}

core::Result<std::vector<ReleaseRow>> RolloutStore::releases(const std::string& channel) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("SELECT " + std::string(kReleaseColumns) +
                                      " FROM firmware_releases WHERE ($1 = '' OR channel = $1) "
                                      "ORDER BY created_at DESC, version DESC LIMIT 500",
                                  {channel}));
  std::vector<ReleaseRow> out;
  for (const store::Row& r : rows) out.push_back(releaseFrom(r));
  return out;
}

core::Status RolloutStore::setWindow(const std::string& tenantId, const std::string& spec, int64_t now) {
  return tx_
      .exec("INSERT INTO maintenance_windows(tenant_id, spec, updated_at) VALUES ($1, $2, $3) "
            "ON CONFLICT (tenant_id) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at",
            {tenantId, spec, now})
      .status();
}

core::Status RolloutStore::clearWindow(const std::string& tenantId) {
  return tx_.exec("DELETE FROM maintenance_windows WHERE tenant_id = $1", {tenantId}).status();
}

core::Result<std::optional<std::string>> RolloutStore::window(const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                        tx_.queryOne("SELECT spec FROM maintenance_windows WHERE tenant_id = $1", {tenantId}));
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(row->text(0));
}

core::Status RolloutStore::insertRollout(const RolloutRow& r) {
  return tx_
      .exec("INSERT INTO rollouts(" + std::string(kRolloutColumns) +
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            {r.id, r.tenantId, r.version, r.state, r.rings, r.ring, r.failurePercent, r.reportSeconds, r.reason,
             r.createdBy, r.createdAt, r.updatedAt})
      .status();
}

core::Result<std::optional<RolloutRow>> RolloutStore::rollout(const std::string& id) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                        tx_.queryOne("SELECT " + std::string(kRolloutColumns) + " FROM rollouts WHERE id = $1", {id}));
  if (!row) return std::optional<RolloutRow>();
  return std::optional<RolloutRow>(rolloutFrom(*row));
}

core::Result<std::vector<RolloutRow>> RolloutStore::rollouts(const std::string& tenantId, bool all) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("SELECT " + std::string(kRolloutColumns) +
                                      " FROM rollouts WHERE ($1 = 1 OR tenant_id = $2) "
                                      "ORDER BY created_at DESC, id DESC LIMIT 200",
                                  {all ? int64_t{1} : int64_t{0}, tenantId}));
  std::vector<RolloutRow> out;
  for (const store::Row& r : rows) out.push_back(rolloutFrom(r));
  return out;
}

core::Result<std::vector<std::string>> RolloutStore::activeRollouts() {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("SELECT id FROM rollouts WHERE state IN ('running', 'paused') ORDER BY created_at"));
  std::vector<std::string> out;
  for (const store::Row& r : rows) out.push_back(r.text(0));
  return out;
}

core::Result<bool> RolloutStore::moveRollout(const std::string& id, const std::string& fromState, int64_t fromRing,
                                             const std::string& state, int64_t ring, const std::string& reason,
                                             int64_t now) {
  EDGE_ASSIGN_OR_RETURN(int64_t n, tx_.exec("UPDATE rollouts SET state = $1, ring = $2, reason = $3, updated_at = $4 "
                                            "WHERE id = $5 AND state = $6 AND ring = $7",
                                            {state, ring, reason, now, id, fromState, fromRing}));
  return n == 1;
}

core::Status RolloutStore::insertBox(const RolloutBoxRow& b) {
  return tx_
      .exec("INSERT INTO rollout_devices(" + std::string(kBoxColumns) + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            {b.rolloutId, b.deviceId, b.tenantId, b.ring, b.state, b.reason, b.offeredAt, b.updatedAt})
      .status();
}

core::Result<std::vector<RolloutBoxRow>> RolloutStore::boxes(const std::string& rolloutId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("SELECT " + std::string(kBoxColumns) +
                                      " FROM rollout_devices WHERE rollout_id = $1 ORDER BY ring, device_id",
                                  {rolloutId}));
  std::vector<RolloutBoxRow> out;
  for (const store::Row& r : rows) out.push_back(boxFrom(r));
  return out;
}

core::Result<std::optional<std::pair<RolloutRow, RolloutBoxRow>>> RolloutStore::activeBox(const std::string& deviceId) {
  EDGE_ASSIGN_OR_RETURN(
      std::optional<store::Row> row,
      tx_.queryOne("SELECT r.id, r.tenant_id, r.version, r.state, r.rings, r.ring, r.failure_percent, r.report_seconds, "
                   "r.reason, r.created_by, r.created_at, r.updated_at, "
                   "b.rollout_id, b.device_id, b.tenant_id, b.ring, b.state, b.reason, b.offered_at, b.updated_at "
                   "FROM rollout_devices b JOIN rollouts r ON r.id = b.rollout_id "
                   "WHERE b.device_id = $1 AND r.state IN ('running', 'paused') "
                   "ORDER BY r.created_at DESC, r.id DESC LIMIT 1",
                   {deviceId}));
  using Pair = std::pair<RolloutRow, RolloutBoxRow>;
  if (!row) return std::optional<Pair>();
  return std::optional<Pair>(Pair{rolloutFrom(*row), boxFrom(*row, 12)});
}

core::Status RolloutStore::setBox(const std::string& rolloutId, const std::string& deviceId, const std::string& state,
                                  const std::string& reason, int64_t offeredAt, int64_t now) {
  return tx_
      .exec("UPDATE rollout_devices SET state = $1, reason = $2, offered_at = $3, updated_at = $4 "
            "WHERE rollout_id = $5 AND device_id = $6",
            {state, reason, offeredAt, now, rolloutId, deviceId})
      .status();
}

core::Status RolloutStore::deleteTenant(const std::string& tenantId) {
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM rollout_devices WHERE tenant_id = $1", {tenantId}).status());
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM rollout_devices WHERE rollout_id IN "
                                "(SELECT id FROM rollouts WHERE tenant_id = $1)",
                                {tenantId})
                           .status());
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM rollouts WHERE tenant_id = $1", {tenantId}).status());
  return clearWindow(tenantId);
}

}  // namespace mgmt::fleet
