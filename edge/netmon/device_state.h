// What the box knows of one network device it polls over SNMP (issue 26, ADR 0062): the state
// logic, with no network. The poller (network_poller.h) feeds it one poll outcome at a time.
//
// Contract
// - apply() is pure: a device is unreachable after `failures` failed polls in a row and reachable
//   again on the next answered poll; a reboot is sysUpTime going back (not a TimeTicks wrap: uptime
//   near 2^32 ticks that went round by about the elapsed time); interfaces down are those an operator
//   set up (ifAdminStatus up) that are not up (ifOperStatus); error counters (Counter32) are summed as
//   deltas modulo 2^32, and after a reboot the new value is the delta (the counters restarted at 0).
// - parsePollLine() reads one line of edge-snmp-poll's output; a malformed line is an error naming
//   the field, never a crash (it is fuzzed: tests/fuzz).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/json.h"
#include "core/status.h"

namespace edge::netmon {

struct InterfaceSample {
  int64_t index = 0;
  std::string name;     // ifDescr
  int64_t admin = 0;    // ifAdminStatus: 1 up, 2 down, 3 testing
  int64_t oper = 0;     // ifOperStatus: 1 up, 2 down, ...
  uint32_t inErrors = 0, outErrors = 0;
};

struct PollResult {
  std::string name;     // the device
  bool ok = false;
  std::string error;    // when !ok: "timeout", ...
  uint32_t uptimeTicks = 0;  // sysUpTime.0, hundredths of a second
  std::vector<InterfaceSample> interfaces;
};

struct DeviceState {
  std::string name, nas, kind;
  bool reachable = true;        // until `failures` polls in a row fail
  bool answered = false;        // some poll has been answered since edged started
  int64_t failedPolls = 0;      // in a row
  int64_t unreachableSince = 0; // the first failed poll of the episode (0 while reachable)
  std::string lastError;
  uint32_t uptimeTicks = 0;
  int64_t lastAnsweredAt = 0;
  int64_t reboots = 0;          // seen since edged started
  int64_t rebootedAt = 0;       // the last one
  std::vector<std::string> interfacesDown;
  uint64_t inErrors = 0, outErrors = 0;  // errors counted since edged started (sums of deltas)
  std::map<int64_t, std::pair<uint32_t, uint32_t>> lastErrors;  // ifIndex -> (in, out) as last read
};

// The difference of two readings of a Counter32, across a wrap.
uint32_t counterDelta(uint32_t previous, uint32_t current);

// Applies one poll outcome at `now` (seconds).
void apply(DeviceState& state, const PollResult& result, int64_t now, int64_t failures);

// One line of edge-snmp-poll: {"name": ..., "ok": true, "uptime": TICKS, "interfaces": [[index,
// "descr", admin, oper, in-errors, out-errors], ...]} or {"name": ..., "ok": false, "error": "..."}.
core::Result<PollResult> parsePollLine(const std::string& line);
std::string pollLine(const PollResult& result);  // the same, written (edge-snmp-poll and tests)

// `text` with every byte outside printable ASCII as '?', cut to `max` bytes (ifDescr and error texts
// come from devices: never invalid UTF-8 in a JSON line).
std::string printable(const std::string& text, size_t max);

// The compact form the check-in carries (health.network, one entry per device).
core::Json reportJson(const DeviceState& state);

}  // namespace edge::netmon
