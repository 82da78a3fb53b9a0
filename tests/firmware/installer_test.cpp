// The installer and the health gate over a fake slot set in memory (firmware/installer.h): what is
// refused before a byte is written, resuming after an interruption, the stored security floor, and
// each way a boot ends (committed, rolled back by the gate, rolled back by the boot loader).
#include "firmware/installer.h"

#include <unistd.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/files.h"
#include "core/pki.h"
#include "tests/firmware/firmware_test_support.h"

#include <CppUTest/TestHarness.h>

namespace {

struct FakeSlots : firmware::SlotSet {
  struct Disk {
    std::string bytes;
    uint64_t writes = 0;
  };
  std::string bootedSlot = "a";
  std::map<std::string, Disk> disks{{"a", {std::string(1 << 20, 'A'), 0}}, {"b", {std::string(1 << 20, 'B'), 0}}};
  std::map<std::string, firmware::SlotEntry> entries{{"a", {firmware::SlotEntry::State::kGood, 0, 0, 0}}};
  int64_t failWriteAt = -1;  // the write number that fails (an interrupted install)

  struct Device : firmware::SlotDevice {
    FakeSlots* owner;
    std::string slot;
    core::Status writeAt(uint64_t offset, const char* data, size_t size) override {
      Disk& d = owner->disks[slot];
      if (owner->failWriteAt >= 0 && static_cast<int64_t>(d.writes) == owner->failWriteAt)
        return core::ioError("power cut");
      if (offset + size > d.bytes.size()) return core::resourceExhausted("full");
      d.bytes.replace(offset, size, data, size);
      ++d.writes;
      return core::Status::ok();
    }
    core::Status readAt(uint64_t offset, char* data, size_t size) override {
      const Disk& d = owner->disks[slot];
      if (offset + size > d.bytes.size()) return core::corrupt("end");
      d.bytes.copy(data, size, offset);
      return core::Status::ok();
    }
    core::Status sync() override { return core::Status::ok(); }
    uint64_t capacity() const override { return owner->disks[slot].bytes.size(); }
  };

  core::Result<std::string> booted() override { return bootedSlot; }
  core::Result<std::unique_ptr<firmware::SlotDevice>> open(const std::string& slot) override {
    auto d = std::make_unique<Device>();
    d->owner = this;
    d->slot = slot;
    return std::unique_ptr<firmware::SlotDevice>(std::move(d));
  }
  core::Result<firmware::SlotEntry> entry(const std::string& slot) override {
    auto it = entries.find(slot);
    return it == entries.end() ? firmware::SlotEntry{} : it->second;
  }
  core::Status removeEntry(const std::string& slot) override {
    entries.erase(slot);
    return core::Status::ok();
  }
  core::Status addTrialEntry(const std::string& slot, const std::string&, uint64_t generation, int tries) override {
    entries[slot] = {firmware::SlotEntry::State::kTrial, tries, 0, generation};
    return core::Status::ok();
  }
  core::Status markGood(const std::string& slot) override {
    entries[slot].state = firmware::SlotEntry::State::kGood;
    return core::Status::ok();
  }
  core::Status markBad(const std::string& slot) override {
    entries[slot].state = firmware::SlotEntry::State::kBad;
    entries[slot].triesLeft = 0;
    return core::Status::ok();
  }

  // What systemd-boot does at power-on: the first entry by rank (tries left before none left,
  // then the newest generation), one try used.
  void boot() {
    std::string best;
    for (auto& [slot, e] : entries) {
      if (e.state == firmware::SlotEntry::State::kNone) continue;
      bool usable = e.state != firmware::SlotEntry::State::kBad;
      if (best.empty()) {
        best = slot;
        continue;
      }
      const firmware::SlotEntry& b = entries[best];
      bool bestUsable = b.state != firmware::SlotEntry::State::kBad;
      if ((usable && !bestUsable) || (usable == bestUsable && e.generation > b.generation)) best = slot;
    }
    bootedSlot = best;
    firmware::SlotEntry& e = entries[best];
    if (e.state == firmware::SlotEntry::State::kTrial) {
      --e.triesLeft;
      ++e.triesDone;
      if (e.triesLeft == 0) e.state = firmware::SlotEntry::State::kBad;  // counted to +0: the next boot skips it
    }
  }
};

// Made before the tests run (CppUTest's leak checker counts what a lazy static allocates).
const firmware_test::Keys kKeys = firmware_test::makeKeys();
const firmware_test::Keys& keys() { return kKeys; }

std::string payloadOf(size_t size, char seed) {
  std::string p(size, '\0');
  for (size_t i = 0; i < size; ++i) p[i] = static_cast<char>((i * 131 + seed + i / 65536) & 0xff);
  return p;
}

std::string bundle(const std::string& payload, const std::string& version, const std::string& floor,
                   const std::string& minVersion = "1.0") {
  firmware::Manifest m;
  m.version = *firmware::parseVersion(version, "v");
  m.compatible = {"edge-x86_64"};
  m.minVersion = *firmware::parseVersion(minVersion, "v");
  m.securityFloor = *firmware::parseVersion(floor, "v");
  firmware::StringSource source(payload);
  CHECK_TRUE(firmware::describePayload(source, 65536, m).isOk());
  std::string manifestBytes = firmware::manifestToJson(m).dump();
  std::string signature = *firmware::signManifest(manifestBytes, keys().privatePem);
  return *firmware::headerBytes(manifestBytes, signature) + payload;
}

}  // namespace

TEST_GROUP(Installer) {
  std::string dir;
  std::string statePath;
  FakeSlots slots;
  firmware::InstallOptions options;

  void setup() override {
    char tmpl[] = "/tmp/installer-test-XXXXXX";
    dir = ::mkdtemp(tmpl);
    statePath = dir + "/state.json";
    options.hardware = "edge-x86_64";
    options.publicKeyPem = keys().publicPem;
    options.runningVersion = "2.0";
    options.checkpointBytes = 65536;
    options.now = [] { return std::string("2026-12-07T04:00:00Z"); };
  }
  void teardown() override {
    ::unlink(statePath.c_str());
    ::rmdir(dir.c_str());
  }

  core::Result<firmware::InstallResult> run(const std::string& bytes) {
    firmware::StringSource source(bytes);
    return firmware::install(slots, statePath, source, options);
  }

  firmware::GateOptions gate(core::Status health) {
    firmware::GateOptions g;
    g.soakSeconds = 30;
    g.intervalSeconds = 10;
    g.sleep = [](int) {};
    g.check = [health] { return health; };
    g.now = [] { return std::string("2026-12-07T04:05:00Z"); };
    return g;
  }

  firmware::FirmwareState state() { return *firmware::loadState(statePath); }
};

TEST(Installer, InstallsIntoTheOtherSlotOnTrialAndTheGateCommitsAndRaisesTheFloor) {
  std::string payload = payloadOf(300000, 1);
  core::Result<firmware::InstallResult> r = run(bundle(payload, "2.1", "2.1"));
  CHECK_TRUE_TEXT(r.isOk(), r.status().message().c_str());
  STRCMP_EQUAL("b", r->slot.c_str());
  CHECK_TRUE(slots.disks["b"].bytes.compare(0, payload.size(), payload) == 0);
  CHECK_TRUE(slots.disks["a"].writes == 0);
  CHECK_TRUE(slots.entries["b"].state == firmware::SlotEntry::State::kTrial);
  LONGS_EQUAL(3, slots.entries["b"].triesLeft);
  STRCMP_EQUAL("installed", state().install.stage.c_str());
  STRCMP_EQUAL("", state().securityFloor.c_str());  // raised at commit, not at install

  slots.boot();
  STRCMP_EQUAL("b", slots.bootedSlot.c_str());
  firmware::GateOptions g = gate(core::Status::ok());
  g.runningVersion = "2.1";
  int checks = 0;
  g.check = [&checks] {
    ++checks;
    return core::Status::ok();
  };
  core::Result<firmware::GateResult> gr = firmware::runGate(slots, statePath, g);
  CHECK_TRUE_TEXT(gr.isOk(), gr.status().message().c_str());
  CHECK_TRUE(gr->action == firmware::GateResult::Action::kCommitted);
  LONGS_EQUAL(4, checks);  // at the start and every 10 s of the 30 s soak
  CHECK_TRUE(slots.entries["b"].state == firmware::SlotEntry::State::kGood);
  STRCMP_EQUAL("2.1", state().securityFloor.c_str());
  CHECK_FALSE(state().hasInstall);

  std::vector<std::string> told;
  CHECK_TRUE(firmware::report(statePath, [&told](const firmware::Outcome& o) {
               told.push_back(o.outcome + " " + o.version + " " + o.slot);
               return core::Status::ok();
             }).isOk());
  LONGS_EQUAL(3, told.size());
  STRCMP_EQUAL("installed 2.1 b", told[0].c_str());
  STRCMP_EQUAL("booted 2.1 b", told[1].c_str());
  STRCMP_EQUAL("committed 2.1 b", told[2].c_str());
  LONGS_EQUAL(0, state().unreported.size());

  // The floor is the box's now: a correctly signed 2.0 bundle is refused before a byte is written.
  options.runningVersion = "2.1";
  uint64_t writesBefore = slots.disks["a"].writes;
  core::Result<firmware::InstallResult> down = run(bundle(payloadOf(70000, 2), "2.0.5", "2.0"));
  CHECK_FALSE(down.isOk());
  STRCMP_CONTAINS("below the security floor 2.1", down.status().message().c_str());
  LONGS_EQUAL(writesBefore, slots.disks["a"].writes);
  CHECK_TRUE(slots.entries["a"].state == firmware::SlotEntry::State::kGood);  // the old slot still boots
}

TEST(Installer, TamperedOrForeignBundlesWriteNothingAndKeepTheOtherSlotsEntry) {
  slots.entries["b"] = {firmware::SlotEntry::State::kGood, 0, 0, 0};
  std::string good = bundle(payloadOf(200000, 3), "2.1", "2.0");
  std::string tampered = good;
  tampered[tampered.size() - 10] ^= 1;  // the last block
  core::Result<firmware::InstallResult> r = run(tampered);
  CHECK_FALSE(r.isOk());
  STRCMP_CONTAINS("does not match the signed manifest", r.status().message().c_str());
  // The blocks before it were written; the slot is not bootable and the state says "writing".
  CHECK_TRUE(slots.entries.count("b") == 0);
  STRCMP_EQUAL("writing", state().install.stage.c_str());

  std::string badSignature = good;
  badSignature[40] ^= 1;  // inside the manifest
  uint64_t before = slots.disks["b"].writes;
  CHECK_FALSE(run(badSignature).isOk());
  LONGS_EQUAL(before, slots.disks["b"].writes);

  options.hardware = "edge-arm64";
  core::Result<firmware::InstallResult> foreign = run(good);
  CHECK_FALSE(foreign.isOk());
  STRCMP_CONTAINS("not for this hardware", foreign.status().message().c_str());
  LONGS_EQUAL(before, slots.disks["b"].writes);
}

// An install from a file (edgectl firmware install FILE, follow's download) reads the whole bundle
// before the first write: a tampered last block leaves the slot and its boot entry untouched.
TEST(Installer, AFileIsVerifiedWholeBeforeItsFirstWrite) {
  slots.entries["b"] = {firmware::SlotEntry::State::kGood, 0, 0, 0};
  std::string good = bundle(payloadOf(200000, 3), "2.1", "2.0");
  std::string tampered = good;
  tampered[tampered.size() - 10] ^= 1;  // the last block
  const std::string path = dir + "/bundle";
  CHECK_TRUE(core::writeFileAtomically(path, tampered, 0600).isOk());
  core::Result<firmware::InstallResult> r = firmware::installFile(slots, statePath, path, options);
  CHECK_FALSE(r.isOk());
  STRCMP_CONTAINS("payload block 3", r.status().message().c_str());
  LONGS_EQUAL(0, slots.disks["b"].writes);
  CHECK_TRUE(slots.entries["b"].state == firmware::SlotEntry::State::kGood);
  CHECK_FALSE(state().hasInstall);

  CHECK_TRUE(core::writeFileAtomically(path, good, 0600).isOk());
  r = firmware::installFile(slots, statePath, path, options);
  CHECK_TRUE_TEXT(r.isOk(), r.status().message().c_str());
  CHECK_TRUE(slots.entries["b"].state == firmware::SlotEntry::State::kTrial);
  ::unlink(path.c_str());
}

TEST(Installer, HeldVersionsSurviveTheStateFileAndTheNewestHoldWins) {
  firmware::FirmwareState s;
  firmware::holdVersion(s, "2.1", "refused: payload block 3", 1000);
  firmware::holdVersion(s, "2.1", "rolled back", 2000);
  for (int i = 0; i < 12; ++i) firmware::holdVersion(s, "3." + std::to_string(i), "x", 5000);
  LONGS_EQUAL(firmware::kMaxHeld, s.held.size());
  CHECK_TRUE(firmware::heldAt(s, "2.1", 1500) == nullptr);  // pushed out by newer holds
  CHECK_TRUE(firmware::saveState(statePath, s).isOk());
  firmware::FirmwareState back = state();
  LONGS_EQUAL(firmware::kMaxHeld, back.held.size());
  const firmware::HeldVersion* h = firmware::heldAt(back, "3.11", 4999);
  CHECK_TRUE(h != nullptr);
  LONGS_EQUAL(5000, h->until);
  CHECK_TRUE(firmware::heldAt(back, "3.11", 5000) == nullptr);  // the hold ended

  firmware::FirmwareState one;
  firmware::holdVersion(one, "2.1", "first", 1000);
  firmware::holdVersion(one, "2.1", "second", 2000);
  LONGS_EQUAL(1, one.held.size());
  STRCMP_EQUAL("second", firmware::heldAt(one, "2.1", 1500)->reason.c_str());
}

TEST(Installer, AnInterruptedInstallResumesAfterTheBlocksThatReadBackRight) {
  std::string payload = payloadOf(10 * 65536 + 123, 4);
  std::string b = bundle(payload, "2.1", "2.0");
  slots.failWriteAt = 6;  // the 7th block's write fails (checkpoints after every block)
  CHECK_FALSE(run(b).isOk());
  LONGS_EQUAL(6, state().install.verifiedBlocks);
  CHECK_TRUE(slots.entries.count("b") == 0);
  CHECK_TRUE(slots.entries["a"].state == firmware::SlotEntry::State::kGood);

  // One block recorded as written was damaged since: it is written again, along with the rest.
  slots.disks["b"].bytes[3 * 65536 + 5] ^= 0x40;
  slots.failWriteAt = -1;
  core::Result<firmware::InstallResult> r = run(b);
  CHECK_TRUE_TEXT(r.isOk(), r.status().message().c_str());
  LONGS_EQUAL(3, r->resumedBlocks);
  LONGS_EQUAL(8, r->writtenBlocks);
  CHECK_TRUE(slots.disks["b"].bytes.compare(0, payload.size(), payload) == 0);
  STRCMP_EQUAL("installed", state().install.stage.c_str());

  // Another bundle does not resume the first one's blocks.
  std::string other = bundle(payloadOf(3 * 65536, 5), "2.2", "2.0");
  slots.entries.erase("b");
  firmware::FirmwareState s = state();
  s.install.stage = "writing";
  CHECK_TRUE(firmware::saveState(statePath, s).isOk());
  core::Result<firmware::InstallResult> r2 = run(other);
  CHECK_TRUE_TEXT(r2.isOk(), r2.status().message().c_str());
  LONGS_EQUAL(0, r2->resumedBlocks);
}

TEST(Installer, AFailedGateMarksTheSlotBadAndThePreviousSlotReportsTheRollback) {
  CHECK_TRUE(run(bundle(payloadOf(100000, 6), "2.1", "2.1")).isOk());
  slots.boot();
  firmware::GateOptions g = gate(core::Status::ok());
  int calls = 0;
  g.check = [&calls]() -> core::Status {
    return ++calls < 3 ? core::Status::ok() : core::unavailable("RADIUS self-test: no answer in 3 s");
  };
  core::Result<firmware::GateResult> gr = firmware::runGate(slots, statePath, g);
  CHECK_TRUE_TEXT(gr.isOk(), gr.status().message().c_str());
  CHECK_TRUE(gr->action == firmware::GateResult::Action::kRebootToRollBack);
  CHECK_TRUE(slots.entries["b"].state == firmware::SlotEntry::State::kBad);
  STRCMP_EQUAL("", state().securityFloor.c_str());

  slots.boot();
  STRCMP_EQUAL("a", slots.bootedSlot.c_str());
  gr = firmware::runGate(slots, statePath, gate(core::Status::ok()));
  CHECK_TRUE(gr->action == firmware::GateResult::Action::kRolledBack);
  firmware::FirmwareState s = state();
  CHECK_FALSE(s.hasInstall);
  STRCMP_EQUAL("rolled-back", s.unreported.back().outcome.c_str());
  STRCMP_CONTAINS("health gate failed after 20 s: RADIUS self-test: no answer", s.unreported.back().reason.c_str());
  STRCMP_EQUAL("", s.securityFloor.c_str());  // the failed bundle's floor never became the box's
  // firmware follow does not take the rolled-back version again for the hold (mgmt learns meanwhile).
  const firmware::HeldVersion* held = firmware::heldAt(s, "2.1", core::SystemClock::instance().unixSeconds());
  CHECK_TRUE(held != nullptr);
  STRCMP_CONTAINS("RADIUS self-test", held->reason.c_str());
}

TEST(Installer, AnInstallBeforeTheOldSlotsGateRanKeepsTheRollbackForTheReport) {
  CHECK_TRUE(run(bundle(payloadOf(100000, 10), "2.1", "2.0")).isOk());
  slots.boot();
  firmware::GateOptions g = gate(core::unavailable("edged is not up"));
  CHECK_TRUE(firmware::runGate(slots, statePath, g)->action == firmware::GateResult::Action::kRebootToRollBack);
  slots.boot();
  STRCMP_EQUAL("a", slots.bootedSlot.c_str());
  CHECK_TRUE(run(bundle(payloadOf(100000, 11), "2.1.1", "2.0")).isOk());
  firmware::FirmwareState s = state();
  bool rolledBack = false;
  for (const firmware::Outcome& o : s.unreported)
    if (o.outcome == "rolled-back" && o.version == "2.1" && o.reason.find("edged is not up") != std::string::npos)
      rolledBack = true;
  CHECK_TRUE(rolledBack);
  STRCMP_EQUAL("2.1.1", s.install.version.c_str());
}

TEST(Installer, ASlotThatNeverReachesItsGateIsLeftByTheBootLoaderAndReported) {
  CHECK_TRUE(run(bundle(payloadOf(100000, 7), "2.1", "2.1")).isOk());
  firmware::GateResult pending = *firmware::runGate(slots, statePath, gate(core::Status::ok()));
  CHECK_TRUE(pending.action == firmware::GateResult::Action::kPending);
  for (int i = 0; i < 3; ++i) {  // three boots that hang before the gate
    slots.boot();
    STRCMP_EQUAL("b", slots.bootedSlot.c_str());
  }
  slots.boot();
  STRCMP_EQUAL("a", slots.bootedSlot.c_str());
  firmware::GateResult gr = *firmware::runGate(slots, statePath, gate(core::Status::ok()));
  CHECK_TRUE(gr.action == firmware::GateResult::Action::kRolledBack);
  STRCMP_CONTAINS("did not reach its health gate in 3 boots", state().unreported.back().reason.c_str());
}

TEST(Installer, ANewInstallWaitsForTheRunningTrialsGate) {
  CHECK_TRUE(run(bundle(payloadOf(100000, 8), "2.1", "2.0")).isOk());
  slots.boot();
  options.runningVersion = "2.1";
  core::Result<firmware::InstallResult> r = run(bundle(payloadOf(100000, 9), "2.2", "2.0"));
  CHECK_FALSE(r.isOk());
  STRCMP_CONTAINS("on trial", r.status().message().c_str());
  LONGS_EQUAL(0, slots.disks["a"].writes);
}

TEST(Installer, EntryNamesFollowSystemdBootCounting) {
  firmware::EntryName n = firmware::parseEntryName("edge-b+2-1.conf");
  CHECK_TRUE(n.ok && n.counting && n.slot == "b" && n.left == 2 && n.done == 1);
  n = firmware::parseEntryName("edge-a.conf");
  CHECK_TRUE(n.ok && !n.counting && n.slot == "a");
  n = firmware::parseEntryName("edge-b+0-3.conf");
  CHECK_TRUE(n.ok && n.left == 0 && n.done == 3);
  CHECK_FALSE(firmware::parseEntryName("edge-c.conf").ok);
  CHECK_FALSE(firmware::parseEntryName("edge-b+x.conf").ok);
  CHECK_FALSE(firmware::parseEntryName("debian.conf").ok);
  CHECK_FALSE(firmware::parseEntryName("edge-b.conf.tmp.abc123").ok);
  STRCMP_EQUAL("edge-b+3.conf", firmware::entryFileName("b", true, 3, 0).c_str());
  STRCMP_EQUAL("edge-b+0-3.conf", firmware::entryFileName("b", true, 0, 3).c_str());
}
