// The fleet's tables: claims (enrollment secrets, hashed), devices (with their certificate, last
// check-in and upload watermarks) and commands (what mgmt asks of a box, and its answer). SQL for
// them lives here only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/sync_wire.h"
#include "mgmt/store/sql.h"

namespace mgmt::fleet {

struct Claim {
  std::string id, tenantId;
  int64_t usesLeft = 0, expiresAt = 0, createdAt = 0;
};

struct DeviceRow {
  std::string id, tenantId, hostname, status = "active", claimId;
  int64_t enrolledAt = 0;
  std::string certSerial, certFingerprint, certPreviousFingerprint;
  int64_t certNotBefore = 0, certNotAfter = 0, lastCheckin = 0;
  std::string reported = "{}";
  int64_t usageWatermark = 0, sessionWatermark = 0, eventWatermark = 0;
  bool rekeyRequested = false;
};

struct CommandRow {
  int64_t id = 0;
  std::string deviceId, kind, arguments, state, result;
  int64_t createdAt = 0, doneAt = 0;
};

class FleetStore {
 public:
  explicit FleetStore(store::Transaction& tx) : tx_(tx) {}

  core::Status insertClaim(const Claim& c, const std::string& secretSha256);
  core::Result<std::optional<Claim>> claimBySecret(const std::string& secretSha256);
  core::Status useClaim(const std::string& id);

  core::Status insertDevice(const DeviceRow& d);
  core::Result<std::optional<DeviceRow>> device(const std::string& id);
  // `tenantId` "" = every tenant's; by enrollment.
  core::Result<std::vector<DeviceRow>> devices(const std::string& tenantId);
  // Whether an active device was revoked.
  core::Result<bool> revoke(const std::string& id, int64_t now);
  core::Status requestRekey(const std::string& id);
  // The renewed certificate is in use: the one before it is refused from now on.
  core::Status forgetPreviousCertificate(const std::string& id, const std::string& currentFingerprint);
  // The new certificate; the one the renewal came with stays good until the new one is used (or, when
  // the renewal came with the previous one because an answer was lost, that previous one does).
  core::Status replaceCertificate(const std::string& id, const std::string& usedFingerprint, const std::string& serial,
                                  const std::string& fingerprint, int64_t notBefore, int64_t notAfter);
  // Records a check-in; the device row as it is now (nullopt without one).
  core::Result<std::optional<DeviceRow>> recordCheckin(const std::string& id, int64_t now, const std::string& reported);
  // Raises the upload watermarks to at least the given values; returns them.
  core::Result<std::pair<int64_t, int64_t>> raiseUsageWatermarks(const std::string& id, int64_t usage, int64_t sessions);
  core::Result<int64_t> raiseEventWatermark(const std::string& id, int64_t events);
  core::Result<int64_t> activeDevices(const std::string& tenantId);
  // Every tenant's devices with this status, for mgmtd's status.
  core::Result<int64_t> devicesWithStatus(const std::string& status);

  // Queues a command for every active device of the tenant; the new commands' ids.
  core::Result<std::vector<int64_t>> queueForActiveDevices(const std::string& tenantId, const std::string& kind,
                                                           const std::string& arguments, int64_t now);
  // Queues a command for one device; its id.
  core::Result<int64_t> queueForDevice(const std::string& tenantId, const std::string& deviceId,
                                       const std::string& kind, const std::string& arguments, int64_t now);
  // Pending (and sent, not yet answered) commands of the device, marked sent, by id.
  core::Result<std::vector<core::sync::Command>> takeCommands(const std::string& deviceId);
  // The newest 200 of the tenant, newest first.
  core::Result<std::vector<CommandRow>> commands(const std::string& tenantId);
  // Whether the device had that command.
  core::Result<bool> finishCommand(const std::string& deviceId, int64_t id, bool ok, const std::string& text, int64_t now);

  // Demo sample devices (ADR 0029): marked when a scenario writes them, listed and deleted when the
  // demo converts to paid.
  core::Status markSampleDevice(const std::string& id);
  core::Result<std::vector<std::string>> sampleDevices(const std::string& tenantId);
  core::Status deleteDevice(const std::string& id);
  // Every claim, device and command of the tenant (its purge).
  core::Status deleteTenant(const std::string& tenantId);

 private:
  store::Transaction& tx_;
};

}  // namespace mgmt::fleet
