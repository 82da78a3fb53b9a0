#include "edge/netmon/device_state.h"

#include <limits>

namespace edge::netmon {

using core::Json;

uint32_t counterDelta(uint32_t previous, uint32_t current) {
  return current - previous;  // unsigned arithmetic is modulo 2^32: a wrap comes out right
}

namespace {

// sysUpTime went back: a reboot, unless it is a TimeTicks wrap (the last reading near 2^32 and the
// new one about where `elapsed` seconds later would land after going round).
bool rebooted(uint32_t previous, uint32_t current, int64_t elapsedSeconds) {
  if (current >= previous) return false;
  const uint64_t kRound = uint64_t{1} << 32;
  const uint64_t expected = uint64_t{previous} + static_cast<uint64_t>(elapsedSeconds < 0 ? 0 : elapsedSeconds) * 100;
  if (expected < kRound) return true;  // could not have gone round in that time
  const uint64_t wrapped = expected - kRound;
  const uint64_t slack = 6000 + static_cast<uint64_t>(elapsedSeconds) * 10;  // a minute, plus 10% of the gap
  const uint64_t diff = wrapped > current ? wrapped - current : current - wrapped;
  return diff > slack;
}

}  // namespace

void apply(DeviceState& s, const PollResult& r, int64_t now, int64_t failures) {
  if (!r.ok) {
    if (s.failedPolls == 0) s.unreachableSince = now;
    ++s.failedPolls;
    s.lastError = r.error;
    if (s.failedPolls >= failures) s.reachable = false;
    return;
  }
  const bool reboot = s.answered && rebooted(s.uptimeTicks, r.uptimeTicks, now - s.lastAnsweredAt);
  if (reboot) {
    ++s.reboots;
    s.rebootedAt = now;
  }
  s.reachable = true;
  s.failedPolls = 0;
  s.unreachableSince = 0;
  s.lastError.clear();
  s.uptimeTicks = r.uptimeTicks;
  s.lastAnsweredAt = now;
  s.answered = true;
  s.interfacesDown.clear();
  std::map<int64_t, std::pair<uint32_t, uint32_t>> seen;
  for (const InterfaceSample& i : r.interfaces) {
    if (i.admin == 1 && i.oper != 1) s.interfacesDown.push_back(i.name.empty() ? "if" + std::to_string(i.index) : i.name);
    auto last = s.lastErrors.find(i.index);
    if (reboot) {
      s.inErrors += i.inErrors;
      s.outErrors += i.outErrors;
    } else if (last != s.lastErrors.end()) {
      s.inErrors += counterDelta(last->second.first, i.inErrors);
      s.outErrors += counterDelta(last->second.second, i.outErrors);
    }  // an interface seen for the first time: its counters are the base
    seen[i.index] = {i.inErrors, i.outErrors};
  }
  s.lastErrors = std::move(seen);
}

namespace {

core::Status bad(const std::string& field, const std::string& what) {
  return core::invalidArgument("poll line: " + field + ": " + what);
}

core::Result<int64_t> integer(const Json& j, const std::string& field, int64_t lo, int64_t hi) {
  if (!j.is_number_integer()) return bad(field, "expected integer");
  int64_t v = j.is_number_unsigned() && j.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
                  ? std::numeric_limits<int64_t>::max()
                  : j.get<int64_t>();
  if (v < lo || v > hi) return bad(field, "out of range");
  return v;
}

}  // namespace

std::string printable(const std::string& text, size_t max) {
  std::string out = text.substr(0, max);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  return out;
}

core::Result<PollResult> parsePollLine(const std::string& line) {
  Json j = Json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad("line", "not a JSON object");
  PollResult r;
  if (!j.contains("name") || !j["name"].is_string()) return bad("name", "expected string");
  r.name = printable(j["name"].get<std::string>(), 64);
  if (!j.contains("ok") || !j["ok"].is_boolean()) return bad("ok", "expected boolean");
  r.ok = j["ok"].get<bool>();
  if (!r.ok) {
    r.error = j.contains("error") && j["error"].is_string() ? printable(j["error"].get<std::string>(), 200) : "no answer";
    return r;
  }
  if (!j.contains("uptime")) return bad("uptime", "missing");
  EDGE_ASSIGN_OR_RETURN(int64_t up, integer(j["uptime"], "uptime", 0, 0xffffffffLL));
  r.uptimeTicks = static_cast<uint32_t>(up);
  if (!j.contains("interfaces") || !j["interfaces"].is_array()) return bad("interfaces", "expected list");
  if (j["interfaces"].size() > 4096) return bad("interfaces", "more than 4096");
  for (size_t n = 0; n < j["interfaces"].size(); ++n) {
    const Json& row = j["interfaces"][n];
    const std::string f = "interfaces[" + std::to_string(n) + "]";
    if (!row.is_array() || row.size() != 6 || !row[1].is_string()) return bad(f, "expected [index, name, admin, oper, in, out]");
    InterfaceSample i;
    EDGE_ASSIGN_OR_RETURN(i.index, integer(row[0], f + ".index", 0, 0x7fffffffLL));
    i.name = printable(row[1].get<std::string>(), 64);
    EDGE_ASSIGN_OR_RETURN(i.admin, integer(row[2], f + ".admin", 0, 7));
    EDGE_ASSIGN_OR_RETURN(i.oper, integer(row[3], f + ".oper", 0, 7));
    EDGE_ASSIGN_OR_RETURN(int64_t in, integer(row[4], f + ".in", 0, 0xffffffffLL));
    EDGE_ASSIGN_OR_RETURN(int64_t out, integer(row[5], f + ".out", 0, 0xffffffffLL));
    i.inErrors = static_cast<uint32_t>(in);
    i.outErrors = static_cast<uint32_t>(out);
    r.interfaces.push_back(std::move(i));
  }
  return r;
}

std::string pollLine(const PollResult& r) {
  Json j{{"name", r.name}, {"ok", r.ok}};
  if (!r.ok) {
    j["error"] = r.error;
    return j.dump();
  }
  j["uptime"] = r.uptimeTicks;
  Json rows = Json::array();
  for (const InterfaceSample& i : r.interfaces)
    rows.push_back(Json::array({i.index, i.name, i.admin, i.oper, i.inErrors, i.outErrors}));
  j["interfaces"] = std::move(rows);
  return j.dump();
}

Json reportJson(const DeviceState& s) {
  return Json{{"name", s.name},
              {"nas", s.nas},
              {"kind", s.kind},
              {"reachable", s.reachable},
              {"since", s.reachable ? 0 : s.unreachableSince},
              {"uptime", s.answered ? static_cast<int64_t>(s.uptimeTicks / 100) : 0},
              {"reboots", s.reboots},
              {"down", s.interfacesDown},
              {"in-errors", s.inErrors},
              {"out-errors", s.outErrors}};
}

}  // namespace edge::netmon
