// The rollout tables (migration 16): firmware_releases (the catalog), maintenance_windows (one per
// tenant), rollouts and rollout_devices (each box's state in a rollout). SQL for them lives here only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt::fleet {

struct ReleaseRow {
  std::string version, channel, hardware = "[]", securityFloor, minVersion;
  int64_t size = 0;
  std::string sha256, path;
  int64_t createdAt = 0;
};

struct RolloutRow {
  std::string id, tenantId, version, state = "running", rings = "[]";
  int64_t ring = 0, failurePercent = 10, reportSeconds = 3600;
  std::string reason, createdBy;
  int64_t createdAt = 0, updatedAt = 0;
};

struct RolloutBoxRow {
  std::string rolloutId, deviceId, tenantId;
  int64_t ring = 0;
  std::string state = "pending", reason;
  int64_t offeredAt = 0, updatedAt = 0;
};

class RolloutStore {
 public:
  explicit RolloutStore(store::Transaction& tx) : tx_(tx) {}

  // Whether it was new (a version is in the catalog once).
  core::Result<bool> insertRelease(const ReleaseRow& r);
  core::Result<std::optional<ReleaseRow>> release(const std::string& version);
  // `channel` "" = every channel; newest first.
  core::Result<std::vector<ReleaseRow>> releases(const std::string& channel);

  core::Status setWindow(const std::string& tenantId, const std::string& spec, int64_t now);
  core::Status clearWindow(const std::string& tenantId);
  core::Result<std::optional<std::string>> window(const std::string& tenantId);

  core::Status insertRollout(const RolloutRow& r);
  core::Result<std::optional<RolloutRow>> rollout(const std::string& id);
  // `tenantId` "" = every rollout (the platform's view), else the tenant's own; newest first.
  core::Result<std::vector<RolloutRow>> rollouts(const std::string& tenantId, bool all);
  // The running or paused rollouts; ids.
  core::Result<std::vector<std::string>> activeRollouts();
  // Moves a rollout from (fromState, fromRing) to (state, ring, reason); false when another change
  // came first (the row no longer matches).
  core::Result<bool> moveRollout(const std::string& id, const std::string& fromState, int64_t fromRing,
                                 const std::string& state, int64_t ring, const std::string& reason, int64_t now);

  core::Status insertBox(const RolloutBoxRow& b);
  core::Result<std::vector<RolloutBoxRow>> boxes(const std::string& rolloutId);
  // The device's box in the newest running or paused rollout, with that rollout.
  core::Result<std::optional<std::pair<RolloutRow, RolloutBoxRow>>> activeBox(const std::string& deviceId);
  core::Status setBox(const std::string& rolloutId, const std::string& deviceId, const std::string& state,
                      const std::string& reason, int64_t offeredAt, int64_t now);
  // Every rollout row of the tenant's boxes and its windows (the tenant's purge).
  core::Status deleteTenant(const std::string& tenantId);

 private:
  store::Transaction& tx_;
};

}  // namespace mgmt::fleet
