// Firmware rollouts (issue 27, ADR 0052, docs/firmware.md "Rollouts"): the catalog of bundles per
// channel, each tenant's maintenance window, rollouts of a catalog version in rings, and what a box
// is told at its check-in. The rules themselves are pure (mgmt/fleet/rollout_rules.h).
//
// Contract:
//  - firmware-add verifies a bundle with the firmware public key (signature and manifest) before it
//    is kept; the catalog row records the manifest's version, compatible hardware, upgrade path and
//    security floor, the file's size and SHA-256. A version is in the catalog once.
//  - A rollout covers the active boxes of one tenant (or, made by the platform without --tenant,
//    of every tenant) when it is created; boxes enrolled later are not in it. One running or paused
//    rollout per scope at a time (a platform-wide one excludes all others).
//  - desiredVersion (at check-in, in the check-in's unit of work): the rollout's version for a box of
//    a running rollout whose ring is open, inside its tenant's window (none set = any time), not
//    failed; a box that committed keeps being told its version; otherwise "" (no opinion). The
//    first time a box is told, it is "offered" (the report deadline counts from then).
//  - A box becomes "healthy" when, after committing, it checks in running the version with no
//    alerts in its health. Outcomes (firmware-outcome events) only move a box forward, except
//    rolled-back, which is final with its reason, and refused (the box would not write the bundle:
//    bad signature or block, below its floor), which makes it failed with the box's reason.
//  - advance() (mgmtd's singleton job "rollouts", or by hand with rollout-advance) applies
//    decide() to each running rollout in its own unit of work; a change made meanwhile (a pause, an
//    abort) wins: the rollout row moves only from the state and ring it was read in.
//  - A tenant caller sees and changes only its own tenant's rollouts and window; the catalog is the
//    platform's (tenants read it).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/clock.h"
#include "core/command/command.h"
#include "core/control_socket.h"
#include "core/sync_wire.h"
#include "mgmt/store/sql.h"
#include "mgmt/tenancy/caller.h"

namespace mgmt::fleet {

class RolloutService {
 public:
  struct Deps {
    store::Storage& storage;
    const core::Clock& clock;
    // The firmware public key (PEM); "" = firmware-add refused (not configured).
    std::function<core::Result<std::string>()> firmwareKey;
    std::string firmwareDir;  // where accepted bundles are kept
  };
  explicit RolloutService(Deps deps);

  core::ControlReply addRelease(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply listReleases(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply setWindow(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply getWindow(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply create(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply list(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply show(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply pause(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply resume(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply abort(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply advanceCommand(const core::Json& args, const tenancy::Caller& caller);

  struct Report {
    int64_t opened = 0, paused = 0, done = 0, timedOut = 0;
  };
  // The bundle file a device may download: the version of its running rollout once it was offered
  // it (kNotFound otherwise, as for a version that does not exist). The first call marks the box
  // "downloading". Returns the file's path and size.
  core::Result<std::pair<std::string, int64_t>> download(const std::string& deviceId, const std::string& version,
                                                         int64_t now);

  // Every running rollout, as of `now`.
  core::Result<Report> advance(int64_t now);
  int64_t now() const { return d_.clock.unixSeconds(); }

 private:
  core::ControlReply move(const core::Json& args, const tenancy::Caller& caller, const char* verb);
  Deps d_;
};

// The version to tell the device at this check-in (and its box's progress from the check-in), in the
// check-in's transaction; "" = no opinion.
core::Result<std::string> desiredVersionAt(store::Transaction& tx, const std::string& deviceId,
                                           const std::string& tenantId, const core::sync::CheckinRequest& request,
                                           int64_t now);
// A firmware-outcome event from the box ({outcome, version, slot, reason, at}), in the events' transaction.
core::Status recordFirmwareOutcome(store::Transaction& tx, const std::string& deviceId, const core::Json& data,
                                   int64_t now);

void bindRolloutCommands(core::command::Table& table, RolloutService& service);

}  // namespace mgmt::fleet
