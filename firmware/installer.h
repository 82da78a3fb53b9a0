// Installing a bundle into the inactive slot, and the health gate that commits it or rolls back
// (docs/firmware.md, docs/decisions/0032-ab-install-and-boot-assessment.md).
//
// The box's firmware state is one JSON file on the data partition (state-dir/state.json, written
// atomically): the security floor it has reached, the install in progress and the outcomes not yet
// reported. It survives both slots.
//
// install():
//  1. openBundle(): signature (firmware key), hardware, upgrade path, and the security floor STORED
//     here; nothing is written before all of these pass. A running trial (a slot booted but not yet
//     through its gate) refuses a new install.
//  2. The target is the slot not booted. Its boot entry goes first, so a half-written slot is never
//     booted; the state file records "writing" with the manifest's digest.
//  3. Resume: the same bundle (same manifest digest) into the same slot reads back the blocks
//     already written and checks each against the signed manifest; the first one that differs (or
//     was never written) is where writing starts again. kill -9 at any moment leaves the booted
//     slot bootable and a re-run finishes the job.
//  4. Verified blocks are written in order; every checkpoint syncs the slot, then records the
//     block count. After the last block and the payload's end are verified, the slot is synced,
//     then its trial entry (boot counting, `tries` boots) is written, and the stage is "installed".
//
// runGate() (each boot, after edged started; the image's edge-firmware-gate.service):
//  - booted the installed slot, its entry on trial: "booted", then the health check must pass at
//    the start and at each interval over the soak window; then the entry is marked good, the
//    security floor raised to the bundle's, and "committed". A failure marks the entry bad (the
//    other slot boots next) and asks for a reboot: "rolled-back" with the check that failed.
//  - booted the other slot although the installed one was on trial: its tries ran out (it never
//    reached a gate): "rolled-back" with that reason.
//  - Outcomes are kept in the state file until report() hands them on (edged's events, which go up
//    to mgmt at check-in), so nothing is reported before the gate decided, and nothing is lost.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/status.h"
#include "firmware/bundle.h"
#include "firmware/slots.h"

namespace firmware {

struct PendingInstall {
  std::string slot;
  std::string fromSlot;
  std::string version;
  std::string fromVersion;
  std::string securityFloor;   // the bundle's: becomes the box's at commit
  std::string manifestSha256;
  std::string stage;           // "writing", "installed", "gate-failed"
  uint64_t verifiedBlocks = 0; // written, synced and recorded (writing)
  uint64_t generation = 0;
  std::string reason;          // gate-failed: why
};

struct Outcome {
  std::string outcome;   // "installed", "booted", "committed", "rolled-back"
  std::string version;
  std::string slot;
  std::string reason;
  std::string at;        // RFC 3339 UTC
};

// A version this box refused or rolled back: `edgectl firmware follow` does not try it again before
// `until` (the management plane stops offering it once the outcome reached it; ADR 0061).
struct HeldVersion {
  std::string version;
  std::string reason;
  int64_t until = 0;  // Unix seconds
};

struct FirmwareState {
  std::string securityFloor;   // the highest floor of the bundles committed here; "" = none
  uint64_t generation = 0;     // the last install's boot entry generation
  bool hasInstall = false;
  PendingInstall install;
  std::vector<Outcome> unreported;  // oldest first, at most kMaxUnreported
  std::vector<HeldVersion> held;    // at most kMaxHeld, the newest last
};
inline constexpr size_t kMaxUnreported = 50;
inline constexpr size_t kMaxHeld = 10;
inline constexpr int64_t kDefaultHoldSeconds = 3600;

// Holds `version` until now + seconds (replacing an older hold of it); the hold of a version, if any
// is still running at `now`.
void holdVersion(FirmwareState& state, const std::string& version, const std::string& reason, int64_t until);
const HeldVersion* heldAt(const FirmwareState& state, const std::string& version, int64_t now);

core::Json stateToJson(const FirmwareState& state);
core::Result<FirmwareState> stateFromJson(const core::Json& json);
// A missing file is a box that never installed anything.
core::Result<FirmwareState> loadState(const std::string& path);
core::Status saveState(const std::string& path, const FirmwareState& state);

struct InstallOptions {
  std::string hardware;        // this box's hardware name
  std::string publicKeyPem;    // the firmware key
  std::string runningVersion;  // what the booted slot runs
  int tries = 3;               // boots on trial before the loader gives up on the slot
  uint64_t checkpointBytes = 32ull << 20;  // sync and record progress this often
  std::function<std::string()> now;        // RFC 3339 UTC; defaults to the system clock
  // After each block: bytes done and total (including blocks found written by a resume).
  Progress progress;
  // Test hook: called after each checkpoint with the blocks recorded (kill -9 tests use the CLI).
  std::function<void(uint64_t)> afterCheckpoint;
};

struct InstallResult {
  std::string slot;
  std::string version;
  uint64_t resumedBlocks = 0;  // blocks found on the slot and not written again
  uint64_t writtenBlocks = 0;
};

core::Result<InstallResult> install(SlotSet& slots, const std::string& statePath, ByteSource& source,
                                    const InstallOptions& options);

// What install() holds a bundle to: this hardware, the running version, the floor stored in `state`.
core::Result<InstallPolicy> installPolicy(const FirmwareState& state, const InstallOptions& options);

// A bundle file: read whole and verified first (firmware/download.h verifyBundleFile: signature,
// install rules, every block, the digest, the end), then install(), which checks each block again
// as it writes it. A tampered block anywhere refuses the bundle before the slot is touched.
core::Result<InstallResult> installFile(SlotSet& slots, const std::string& statePath, const std::string& path,
                                        const InstallOptions& options);

struct GateOptions {
  std::string runningVersion;
  int soakSeconds = 120;
  int intervalSeconds = 10;
  // Ok when the data plane works; otherwise the failure names what did not (edgectl's check: edged
  // up and the same process, RADIUS answers a self-test, the ledger opens, the portal answers).
  std::function<core::Status()> check;
  std::function<void(int seconds)> sleep;  // defaults to sleeping
  std::function<std::string()> now;
  // A rolled-back version is held this long (HeldVersion) from the system clock.
  int64_t holdSeconds = kDefaultHoldSeconds;
};

struct GateResult {
  enum class Action { kNothing, kPending, kCommitted, kRolledBack, kRebootToRollBack };
  Action action = Action::kNothing;
  std::string text;  // for people
};

core::Result<GateResult> runGate(SlotSet& slots, const std::string& statePath, const GateOptions& options);

// Hands each unreported outcome, oldest first, to `deliver`; those delivered leave the state file.
// Stops at the first one `deliver` refuses (kept for the next run).
core::Status report(const std::string& statePath, const std::function<core::Status(const Outcome&)>& deliver);

}  // namespace firmware
