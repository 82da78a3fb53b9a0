// The rules of a firmware rollout, pure (no storage, no clock of their own): a tenant's maintenance
// window, a rollout's rings and which box falls in which ring, and the decision a rollout takes over
// its boxes' states (ADR 0052). mgmt/fleet/rollout_service applies them in units of work.
//
// Contract:
//  - A window reads "DAYS HH:MM-HH:MM UTC": DAYS is "daily", a day ("Sat"), a range ("Mon-Fri") or a
//    comma list of them ("Mon,Wed,Sat-Sun"); an end before the start runs past midnight (the day
//    named is the day the window starts). Errors name the key ("window: ...").
//  - Rings: a JSON list of {"name", "devices": [ids]} (named canary boxes) or {"name", "percent": P}
//    (cumulative share of the other boxes, ascending, the last one 100). Errors name the key
//    ("rings[2].percent: ...").
//  - A box of a percentage ring is placed by the SHA-256 of rollout id and device id: stable for a
//    rollout, spread across rollouts.
//  - decide(): a box that was offered the version and has not committed within the report deadline
//    counts as failed ("no report within N s"); the rollout pauses itself when failed boxes of the
//    open rings are more than failure-percent of them; the next ring opens only when every box of the
//    open rings is settled (healthy: committed and checked in running the version; or failed) and the
//    failures are within the threshold; the last ring settled is "done".
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/status.h"

namespace mgmt::fleet {

struct MaintenanceWindow {
  uint8_t days = 0;      // bit 0 = Monday ... bit 6 = Sunday
  int startMinute = 0;   // minutes after midnight UTC
  int endMinute = 0;     // exclusive; <= startMinute: runs past midnight
  std::string text() const;
};
core::Result<MaintenanceWindow> parseWindow(const std::string& text);
// Whether the Unix time falls inside the window.
bool insideWindow(const MaintenanceWindow& w, int64_t unixSeconds);

struct Ring {
  std::string name;
  std::vector<std::string> devices;  // named boxes (a canary ring)
  int percent = 0;                    // 1..100, cumulative over the boxes not named (a percentage ring)
};
core::Result<std::vector<Ring>> parseRings(const core::Json& rings);
core::Json ringsToJson(const std::vector<Ring>& rings);

// The ring of each box in scope (`devices`, any order); a named box not in scope is an error naming it.
core::Result<std::map<std::string, int>> assignRings(const std::string& rolloutId, const std::vector<Ring>& rings,
                                                     const std::vector<std::string>& devices);

// A box's state in a rollout. The order up to healthy is progress; rolled-back and failed are final.
inline constexpr const char* kBoxStates[] = {"pending", "offered",   "downloading", "installed", "booted",
                                            "committed", "healthy", "rolled-back", "failed"};
inline constexpr int kCommitted = 5;  // boxProgress("committed")
int boxProgress(const std::string& state);  // 0..6, or -1 for rolled-back/failed/unknown
bool boxFailed(const std::string& state);

struct BoxState {
  std::string device;
  int ring = 0;
  std::string state = "pending";
  int64_t offeredAt = 0;
};

struct Decision {
  std::vector<std::string> timedOut;  // offered boxes to mark failed (no report in time)
  bool pause = false;
  std::string reason;                 // why it paused
  int openRing = 0;                   // the ring open after this decision
  bool done = false;
};
Decision decide(const std::vector<BoxState>& boxes, int openRing, int ringCount, int failurePercent,
                int64_t reportSeconds, int64_t now);

// The device API's Range header for a bundle download (RFC 9110 section 14.1.2), one range only:
// "bytes=FIRST-LAST" or "bytes=FIRST-" -> (first, last or nullopt); nullopt when malformed.
std::optional<std::pair<uint64_t, std::optional<uint64_t>>> parseRangeHeader(const std::string& value);

}  // namespace mgmt::fleet
