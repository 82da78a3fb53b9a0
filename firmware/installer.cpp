#include "firmware/installer.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/files.h"
#include "core/pki.h"

namespace firmware {

namespace {

std::string systemNow() { return core::formatRfc3339(core::SystemClock::instance().wallNow()); }
int64_t unixNow() { return core::SystemClock::instance().unixSeconds(); }

core::Status needString(const core::Json& j, const char* key, std::string& out, const std::string& where) {
  if (!j.contains(key)) return core::Status::ok();
  if (!j[key].is_string()) return core::corrupt(where + "." + key + ": expected string");
  out = j[key].get<std::string>();
  return core::Status::ok();
}

core::Status needCount(const core::Json& j, const char* key, uint64_t& out, const std::string& where) {
  if (!j.contains(key)) return core::Status::ok();
  if (!j[key].is_number_unsigned() && !(j[key].is_number_integer() && j[key].get<int64_t>() >= 0))
    return core::corrupt(where + "." + key + ": expected a count");
  out = j[key].get<uint64_t>();
  return core::Status::ok();
}

void addOutcome(FirmwareState& s, Outcome o) {
  s.unreported.push_back(std::move(o));
  if (s.unreported.size() > kMaxUnreported) s.unreported.erase(s.unreported.begin());
}

Version versionOrEmpty(const std::string& text) {
  if (text.empty()) return Version{};
  core::Result<Version> v = parseVersion(text, "version");
  return v.isOk() ? *v : Version{};
}

}  // namespace

core::Json stateToJson(const FirmwareState& s) {
  core::Json j{{"security-floor", s.securityFloor}, {"generation", s.generation}};
  if (s.hasInstall) {
    const PendingInstall& p = s.install;
    j["install"] = {{"slot", p.slot},
                    {"from-slot", p.fromSlot},
                    {"version", p.version},
                    {"from-version", p.fromVersion},
                    {"security-floor", p.securityFloor},
                    {"manifest-sha256", p.manifestSha256},
                    {"stage", p.stage},
                    {"verified-blocks", p.verifiedBlocks},
                    {"generation", p.generation},
                    {"reason", p.reason}};
  } else {
    j["install"] = nullptr;
  }
  core::Json out = core::Json::array();
  for (const Outcome& o : s.unreported)
    out.push_back({{"outcome", o.outcome}, {"version", o.version}, {"slot", o.slot}, {"reason", o.reason}, {"at", o.at}});
  j["unreported"] = out;
  core::Json held = core::Json::array();
  for (const HeldVersion& h : s.held) held.push_back({{"version", h.version}, {"reason", h.reason}, {"until", h.until}});
  j["held"] = held;
  return j;
}

core::Result<FirmwareState> stateFromJson(const core::Json& j) {
  if (!j.is_object()) return core::corrupt("the firmware state is not a JSON object");
  FirmwareState s;
  EDGE_RETURN_IF_ERROR(needString(j, "security-floor", s.securityFloor, "state"));
  EDGE_RETURN_IF_ERROR(needCount(j, "generation", s.generation, "state"));
  if (j.contains("install") && !j["install"].is_null()) {
    const core::Json& p = j["install"];
    if (!p.is_object()) return core::corrupt("state.install: expected object");
    s.hasInstall = true;
    PendingInstall& i = s.install;
    EDGE_RETURN_IF_ERROR(needString(p, "slot", i.slot, "state.install"));
    EDGE_RETURN_IF_ERROR(needString(p, "from-slot", i.fromSlot, "state.install"));
    EDGE_RETURN_IF_ERROR(needString(p, "version", i.version, "state.install"));
    EDGE_RETURN_IF_ERROR(needString(p, "from-version", i.fromVersion, "state.install"));
    EDGE_RETURN_IF_ERROR(needString(p, "security-floor", i.securityFloor, "state.install"));
    EDGE_RETURN_IF_ERROR(needString(p, "manifest-sha256", i.manifestSha256, "state.install"));
    EDGE_RETURN_IF_ERROR(needString(p, "stage", i.stage, "state.install"));
    EDGE_RETURN_IF_ERROR(needCount(p, "verified-blocks", i.verifiedBlocks, "state.install"));
    EDGE_RETURN_IF_ERROR(needCount(p, "generation", i.generation, "state.install"));
    EDGE_RETURN_IF_ERROR(needString(p, "reason", i.reason, "state.install"));
    EDGE_RETURN_IF_ERROR(checkSlotName(i.slot).withContext("state.install.slot"));
  }
  if (j.contains("unreported")) {
    if (!j["unreported"].is_array()) return core::corrupt("state.unreported: expected list");
    for (const core::Json& o : j["unreported"]) {
      if (!o.is_object()) return core::corrupt("state.unreported: expected objects");
      Outcome out;
      EDGE_RETURN_IF_ERROR(needString(o, "outcome", out.outcome, "state.unreported"));
      EDGE_RETURN_IF_ERROR(needString(o, "version", out.version, "state.unreported"));
      EDGE_RETURN_IF_ERROR(needString(o, "slot", out.slot, "state.unreported"));
      EDGE_RETURN_IF_ERROR(needString(o, "reason", out.reason, "state.unreported"));
      EDGE_RETURN_IF_ERROR(needString(o, "at", out.at, "state.unreported"));
      s.unreported.push_back(std::move(out));
    }
  }
  if (j.contains("held")) {
    if (!j["held"].is_array()) return core::corrupt("state.held: expected list");
    for (const core::Json& h : j["held"]) {
      if (!h.is_object()) return core::corrupt("state.held: expected objects");
      HeldVersion v;
      uint64_t until = 0;
      EDGE_RETURN_IF_ERROR(needString(h, "version", v.version, "state.held"));
      EDGE_RETURN_IF_ERROR(needString(h, "reason", v.reason, "state.held"));
      EDGE_RETURN_IF_ERROR(needCount(h, "until", until, "state.held"));
      v.until = static_cast<int64_t>(until);
      s.held.push_back(std::move(v));
    }
  }
  return s;
}

void holdVersion(FirmwareState& s, const std::string& version, const std::string& reason, int64_t until) {
  s.held.erase(std::remove_if(s.held.begin(), s.held.end(), [&](const HeldVersion& h) { return h.version == version; }),
               s.held.end());
  s.held.push_back(HeldVersion{version, reason, until});
  if (s.held.size() > kMaxHeld) s.held.erase(s.held.begin());
}

const HeldVersion* heldAt(const FirmwareState& s, const std::string& version, int64_t now) {
  for (const HeldVersion& h : s.held)
    if (h.version == version && h.until > now) return &h;
  return nullptr;
}

core::Result<FirmwareState> loadState(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) return FirmwareState{};
  EDGE_ASSIGN_OR_RETURN(core::Json j, core::loadJsonFile(path));
  core::Result<FirmwareState> s = stateFromJson(j);
  if (!s.isOk()) return s.status().withContext(path);
  return s;
}

core::Status saveState(const std::string& path, const FirmwareState& state) {
  return core::writeFileAtomically(path, stateToJson(state).dump(2) + "\n", 0600);
}

core::Result<InstallPolicy> installPolicy(const FirmwareState& state, const InstallOptions& o) {
  InstallPolicy policy;
  policy.hardware = o.hardware;
  EDGE_ASSIGN_OR_RETURN(policy.running, parseVersion(o.runningVersion, "the running version"));
  if (!state.securityFloor.empty()) {
    EDGE_ASSIGN_OR_RETURN(policy.securityFloor, parseVersion(state.securityFloor, "the stored security floor"));
  }
  return policy;
}

core::Result<InstallResult> installFile(SlotSet& slots, const std::string& statePath, const std::string& path,
                                        const InstallOptions& o) {
  {
    EDGE_ASSIGN_OR_RETURN(FirmwareState state, loadState(statePath));
    EDGE_ASSIGN_OR_RETURN(InstallPolicy policy, installPolicy(state, o));
    EDGE_RETURN_IF_ERROR(verifyBundleFile(path, o.publicKeyPem, policy).status());
  }
  EDGE_ASSIGN_OR_RETURN(FileSource source, FileSource::open(path));
  return install(slots, statePath, source, o);
}

core::Result<InstallResult> install(SlotSet& slots, const std::string& statePath, ByteSource& source,
                                    const InstallOptions& o) {
  auto now = o.now ? o.now : systemNow;
  EDGE_ASSIGN_OR_RETURN(FirmwareState state, loadState(statePath));
  EDGE_ASSIGN_OR_RETURN(std::string booted, slots.booted());

  EDGE_ASSIGN_OR_RETURN(InstallPolicy policy, installPolicy(state, o));
  // Everything about the bundle is checked before anything on the box changes.
  EDGE_ASSIGN_OR_RETURN(BundleHeader header, openBundle(source, o.publicKeyPem, policy));
  const Manifest& m = header.manifest;
  core::pki::Sha256Stream digest;
  digest.update(header.manifestBytes.data(), header.manifestBytes.size());
  const std::string manifestSha = digest.finishHex();

  const std::string target = otherSlot(booted);
  if (state.hasInstall && state.install.stage == "installed" && state.install.slot == booted) {
    EDGE_ASSIGN_OR_RETURN(SlotEntry e, slots.entry(booted));
    if (e.state == SlotEntry::State::kTrial)
      return core::failedPrecondition("slot " + booted + " runs " + state.install.version +
                                      " on trial; its health gate has not decided yet (edgectl firmware status)");
  }
  EDGE_ASSIGN_OR_RETURN(std::unique_ptr<SlotDevice> device, slots.open(target));
  if (device->capacity() < m.payload.size)
    return core::failedPrecondition("the payload is " + std::to_string(m.payload.size) + " bytes; slot " + target +
                                    " holds " + std::to_string(device->capacity()));

  // Resume: the same bundle into the same slot continues after the blocks that read back right.
  uint64_t firstBlock = 0;
  bool resuming = state.hasInstall && state.install.stage == "writing" && state.install.slot == target &&
                  state.install.manifestSha256 == manifestSha;
  if (resuming) {
    std::vector<char> block(m.payload.blockSize);
    uint64_t limit = std::min<uint64_t>(state.install.verifiedBlocks, m.payload.blocks.size());
    for (; firstBlock < limit; ++firstBlock) {
      size_t size = payloadBlockSize(m, firstBlock);
      if (!device->readAt(uint64_t{m.payload.blockSize} * firstBlock, block.data(), size).isOk()) break;
      core::pki::Sha256Stream one;
      one.update(block.data(), size);
      if (one.finishHex() != m.payload.blocks[firstBlock]) break;
    }
  }

  // A failed gate whose rollback the old slot's gate has not recorded yet (an install before it ran).
  if (state.hasInstall && state.install.stage == "gate-failed" && state.install.slot != booted) {
    addOutcome(state, Outcome{"rolled-back", state.install.version, state.install.slot, state.install.reason, now()});
    holdVersion(state, state.install.version, state.install.reason, unixNow() + kDefaultHoldSeconds);
  }

  // The target stops being bootable before its first byte changes.
  EDGE_RETURN_IF_ERROR(slots.removeEntry(target));
  if (!resuming) {
    state.hasInstall = true;
    state.install = PendingInstall{};
    state.install.slot = target;
    state.install.fromSlot = booted;
    state.install.version = m.version.text();
    state.install.fromVersion = o.runningVersion;
    state.install.securityFloor = m.securityFloor.text();
    state.install.manifestSha256 = manifestSha;
    state.install.generation = state.generation + 1;
  }
  state.install.stage = "writing";
  state.install.verifiedBlocks = firstBlock;
  EDGE_RETURN_IF_ERROR(saveState(statePath, state));

  if (firstBlock > 0) EDGE_RETURN_IF_ERROR(source.skip(uint64_t{m.payload.blockSize} * firstBlock));
  InstallResult result;
  result.slot = target;
  result.version = m.version.text();
  result.resumedBlocks = firstBlock;
  uint64_t block = firstBlock;
  uint64_t sinceCheckpoint = 0;
  core::Status streamed = streamPayload(
      source, m,
      [&](const char* data, size_t size) -> core::Status {
        EDGE_RETURN_IF_ERROR(device->writeAt(uint64_t{m.payload.blockSize} * block, data, size));
        ++block;
        ++result.writtenBlocks;
        sinceCheckpoint += size;
        if (sinceCheckpoint >= o.checkpointBytes) {
          sinceCheckpoint = 0;
          EDGE_RETURN_IF_ERROR(device->sync());
          state.install.verifiedBlocks = block;
          EDGE_RETURN_IF_ERROR(saveState(statePath, state));
          if (o.afterCheckpoint) o.afterCheckpoint(block);
        }
        return core::Status::ok();
      },
      o.progress, static_cast<size_t>(firstBlock));
  if (!streamed.isOk()) return streamed.withContext("installing " + m.version.text() + " into slot " + target);
  EDGE_RETURN_IF_ERROR(device->sync());
  state.install.verifiedBlocks = block;
  EDGE_RETURN_IF_ERROR(saveState(statePath, state));

  EDGE_RETURN_IF_ERROR(slots.addTrialEntry(target, "Edge " + m.version.text() + " (slot " + target + ")",
                                           state.install.generation, o.tries));
  state.generation = state.install.generation;
  state.install.stage = "installed";
  addOutcome(state, Outcome{"installed", m.version.text(), target, "", now()});
  EDGE_RETURN_IF_ERROR(saveState(statePath, state));
  return result;
}

core::Result<GateResult> runGate(SlotSet& slots, const std::string& statePath, const GateOptions& o) {
  auto now = o.now ? o.now : systemNow;
  auto sleep = o.sleep ? o.sleep : [](int seconds) { ::sleep(static_cast<unsigned>(seconds)); };
  EDGE_ASSIGN_OR_RETURN(FirmwareState state, loadState(statePath));
  EDGE_ASSIGN_OR_RETURN(std::string booted, slots.booted());
  GateResult r;
  if (!state.hasInstall || state.install.stage == "writing") {
    r.text = state.hasInstall ? "an install into slot " + state.install.slot + " is unfinished (run it again)"
                              : "no install waits for its gate";
    return r;
  }
  PendingInstall& p = state.install;
  const Version ours = versionOrEmpty(p.version);

  if (p.stage == "gate-failed") {
    if (booted == p.slot) {  // the loader booted the bad slot anyway (no other entry): say so, keep it
      r.action = GateResult::Action::kRebootToRollBack;
      r.text = "slot " + p.slot + " failed its gate and is marked bad; reboot to return to slot " + p.fromSlot;
      return r;
    }
    addOutcome(state, Outcome{"rolled-back", p.version, p.slot, p.reason, now()});
    holdVersion(state, p.version, p.reason, unixNow() + o.holdSeconds);
    state.hasInstall = false;
    EDGE_RETURN_IF_ERROR(saveState(statePath, state));
    r.action = GateResult::Action::kRolledBack;
    r.text = "back on slot " + booted + ": " + p.version + " was rolled back (" + p.reason + ")";
    return r;
  }

  // stage "installed"
  EDGE_ASSIGN_OR_RETURN(SlotEntry entry, slots.entry(p.slot));
  if (booted != p.slot) {
    if (entry.state == SlotEntry::State::kTrial) {
      r.action = GateResult::Action::kPending;
      r.text = p.version + " is installed in slot " + p.slot + " and boots next (" + std::to_string(entry.triesLeft) +
               " tries)";
      return r;
    }
    std::string reason = entry.state == SlotEntry::State::kBad
                             ? "slot " + p.slot + " did not reach its health gate in " + std::to_string(entry.triesDone) +
                                   " boots (boot tries ran out)"
                             : "slot " + p.slot + "'s boot entry is gone";
    addOutcome(state, Outcome{"rolled-back", p.version, p.slot, reason, now()});
    holdVersion(state, p.version, reason, unixNow() + o.holdSeconds);
    state.hasInstall = false;
    EDGE_RETURN_IF_ERROR(saveState(statePath, state));
    r.action = GateResult::Action::kRolledBack;
    r.text = "back on slot " + booted + ": " + p.version + " was rolled back (" + reason + ")";
    return r;
  }
  if (entry.state != SlotEntry::State::kTrial) {
    // Good already (a gate committed it and died before saving) or no entry: settle on the entry.
    if (entry.state == SlotEntry::State::kGood) {
      if (compareVersions(versionOrEmpty(p.securityFloor), versionOrEmpty(state.securityFloor)) > 0)
        state.securityFloor = p.securityFloor;
      addOutcome(state, Outcome{"committed", p.version, p.slot, "", now()});
      state.hasInstall = false;
      EDGE_RETURN_IF_ERROR(saveState(statePath, state));
      r.action = GateResult::Action::kCommitted;
      r.text = p.version + " in slot " + p.slot + " is committed";
      return r;
    }
  }
  if (!o.runningVersion.empty() && compareVersions(versionOrEmpty(o.runningVersion), ours) != 0) {
    p.stage = "gate-failed";
    p.reason = "slot " + p.slot + " runs " + o.runningVersion + ", not the installed " + p.version;
  } else {
    addOutcome(state, Outcome{"booted", p.version, p.slot, "try " + std::to_string(entry.triesDone) + " of " +
                                                               std::to_string(entry.triesDone + entry.triesLeft),
                              now()});
    EDGE_RETURN_IF_ERROR(saveState(statePath, state));
    core::Status health = o.check ? o.check() : core::Status::ok();
    int waited = 0;
    while (health.isOk() && waited < o.soakSeconds) {
      int step = std::max(1, std::min(o.intervalSeconds, o.soakSeconds - waited));
      sleep(step);
      waited += step;
      health = o.check ? o.check() : core::Status::ok();
    }
    if (health.isOk()) {
      EDGE_RETURN_IF_ERROR(slots.markGood(p.slot));
      if (compareVersions(versionOrEmpty(p.securityFloor), versionOrEmpty(state.securityFloor)) > 0)
        state.securityFloor = p.securityFloor;
      addOutcome(state, Outcome{"committed", p.version, p.slot,
                                "health gate passed over " + std::to_string(o.soakSeconds) + " s", now()});
      state.hasInstall = false;
      EDGE_RETURN_IF_ERROR(saveState(statePath, state));
      r.action = GateResult::Action::kCommitted;
      r.text = p.version + " in slot " + p.slot + " is committed (health gate passed over " +
               std::to_string(o.soakSeconds) + " s)";
      return r;
    }
    p.stage = "gate-failed";
    p.reason = "health gate failed after " + std::to_string(waited) + " s: " + health.message();
  }
  // Recorded before the entry changes: a crash in between re-runs the gate, which fails again.
  EDGE_RETURN_IF_ERROR(saveState(statePath, state));
  EDGE_RETURN_IF_ERROR(slots.markBad(p.slot));
  r.action = GateResult::Action::kRebootToRollBack;
  r.text = p.version + " in slot " + p.slot + " failed: " + p.reason + "; rebooting into slot " + p.fromSlot;
  return r;
}

core::Status report(const std::string& statePath, const std::function<core::Status(const Outcome&)>& deliver) {
  EDGE_ASSIGN_OR_RETURN(FirmwareState state, loadState(statePath));
  size_t delivered = 0;
  core::Status failed = core::Status::ok();
  for (const Outcome& o : state.unreported) {
    failed = deliver(o);
    if (!failed.isOk()) break;
    ++delivered;
  }
  if (delivered > 0) {
    // Reload: nothing else writes the state between (one edgectl firmware at a time, a lock in the CLI).
    state.unreported.erase(state.unreported.begin(), state.unreported.begin() + static_cast<long>(delivered));
    EDGE_RETURN_IF_ERROR(saveState(statePath, state));
  }
  return failed;
}

}  // namespace firmware
