// The A/B root slots and the boot loader's view of them (docs/decisions/0032-ab-install-and-boot-assessment.md).
//
// The installer and the health gate (firmware/installer.h) speak only to SlotSet, so they are
// tested with a fake slot set in memory (tests/firmware/installer_test.cpp) and for real with image
// files and an ESP folder (tests/firmware/install_test.py); the box uses EspSlotSet on its disk.
//
// Boot counting is systemd-boot's (the Boot Loader Specification's "boot counting"): a slot on trial
// has a loader entry named edge-<slot>+LEFT[-DONE].conf; the boot loader decrements LEFT each time it
// boots the entry and ranks an entry with LEFT = 0 below all others, so a slot that never reaches
// its health gate stops being booted by itself after `tries` boots. The gate then renames the
// booted entry to edge-<slot>.conf (good: what systemd-bless-boot would do, but only after our
// checks and soak window) or edge-<slot>+0-DONE.conf (bad: the other slot boots next).
//
// Contract:
//  - Slot names are "a" and "b".
//  - removeEntry() before the first byte goes into a slot, so a half-written slot is never bootable;
//    addTrialEntry() only after the whole payload was verified and synced.
//  - Every entry change is a write to a temporary file, fsync and rename (or a rename): a power cut
//    leaves the old entry or the new one.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "core/status.h"

namespace firmware {

std::string otherSlot(const std::string& slot);
core::Status checkSlotName(const std::string& slot);

// A slot's partition (or image file), read and written at offsets.
class SlotDevice {
 public:
  virtual ~SlotDevice() = default;
  virtual core::Status writeAt(uint64_t offset, const char* data, size_t size) = 0;
  // Fills `size` bytes or fails (kCorrupt when the device ends first).
  virtual core::Status readAt(uint64_t offset, char* data, size_t size) = 0;
  virtual core::Status sync() = 0;
  virtual uint64_t capacity() const = 0;
};

// How the boot loader will treat a slot's entry.
struct SlotEntry {
  enum class State { kNone, kTrial, kGood, kBad };
  State state = State::kNone;
  int triesLeft = 0;   // kTrial: boots left before the loader gives up on it
  int triesDone = 0;   // boots the loader counted
  uint64_t generation = 0;  // the entry's sort version: the newest install ranks first
};
const char* entryStateName(SlotEntry::State state);

class SlotSet {
 public:
  virtual ~SlotSet() = default;
  // The slot the running system booted from ("a" or "b").
  virtual core::Result<std::string> booted() = 0;
  virtual core::Result<std::unique_ptr<SlotDevice>> open(const std::string& slot) = 0;
  virtual core::Result<SlotEntry> entry(const std::string& slot) = 0;
  // The slot stops being bootable (before it is written).
  virtual core::Status removeEntry(const std::string& slot) = 0;
  // The slot boots next, on trial for `tries` boots. `title` is shown in the boot menu. The ESP
  // implementation also copies the slot's kernel and initrd to the ESP.
  virtual core::Status addTrialEntry(const std::string& slot, const std::string& title, uint64_t generation,
                                     int tries) = 0;
  virtual core::Status markGood(const std::string& slot) = 0;
  virtual core::Status markBad(const std::string& slot) = 0;
};

// systemd-boot entry file names with boot counting: "edge-b+3.conf", "edge-b+2-1.conf",
// "edge-b.conf". Anything else is not ours (nullopt-like: ok == false).
struct EntryName {
  bool ok = false;
  std::string slot;
  bool counting = false;
  int left = 0;
  int done = 0;
};
EntryName parseEntryName(const std::string& fileName);
std::string entryFileName(const std::string& slot, bool counting, int left, int done);

// The box's slots: two block devices (or image files) and systemd-boot on the EFI system partition.
struct EspSlotConfig {
  std::string esp;                       // the ESP's mount point (/boot/efi)
  std::map<std::string, std::string> devices;  // "a" -> /dev/disk/by-partlabel/edge-root-a
  std::string cmdlineFile = "/proc/cmdline";   // holds edge.slot=a|b (written by our loader entries)
  std::string kernelOptions;             // more kernel options for the entries ("console=ttyS0")
  // Where a root filesystem image keeps its kernel and initrd (copied to the ESP at addTrialEntry).
  std::string kernelInImage = "/usr/lib/edge-boot/vmlinuz";
  std::string initrdInImage = "/usr/lib/edge-boot/initrd.img";
};
std::unique_ptr<SlotSet> makeEspSlotSet(EspSlotConfig config);

}  // namespace firmware
