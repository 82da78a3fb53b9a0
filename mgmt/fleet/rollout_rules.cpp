#include "mgmt/fleet/rollout_rules.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>

#include "core/pki.h"

namespace mgmt::fleet {

using core::Json;

namespace {

const char* const kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

core::Result<int> dayIndex(const std::string& name) {
  for (int i = 0; i < 7; ++i)
    if (name == kDays[i]) return i;
  return core::invalidArgument("window: unknown day '" + name + "' (Mon, Tue, Wed, Thu, Fri, Sat, Sun or daily)");
}

core::Result<int> minuteOf(const std::string& hhmm) {
  int h = -1, m = -1;
  char tail = 0;
  if (hhmm.size() != 5 || std::sscanf(hhmm.c_str(), "%2d:%2d%c", &h, &m, &tail) != 2 || h < 0 || h > 24 || m < 0 ||
      m > 59 || (h == 24 && m != 0))
    return core::invalidArgument("window: '" + hhmm + "' is not a time HH:MM (00:00 to 24:00)");
  return h * 60 + m;
}

std::string hhmm(int minute) {
  char b[16];
  std::snprintf(b, sizeof b, "%02d:%02d", (minute / 60) % 100, minute % 60);
  return b;
}

}  // namespace

std::string MaintenanceWindow::text() const {
  std::string d;
  if (days == 0x7f) {
    d = "daily";
  } else {
    for (int i = 0; i < 7; ++i) {
      if (!(days & (1 << i))) continue;
      int j = i;
      while (j + 1 < 7 && (days & (1 << (j + 1)))) ++j;
      d += (d.empty() ? "" : ",") + std::string(kDays[i]) + (j > i ? "-" + std::string(kDays[j]) : "");
      i = j;
    }
  }
  return d + " " + hhmm(startMinute) + "-" + hhmm(endMinute) + " UTC";
}

core::Result<MaintenanceWindow> parseWindow(const std::string& text) {
  std::istringstream in(text);
  std::string days, times, zone, extra;
  in >> days >> times >> zone >> extra;
  if (days.empty() || times.empty() || zone.empty() || !extra.empty())
    return core::invalidArgument("window: expected \"DAYS HH:MM-HH:MM UTC\", e.g. \"Mon-Fri 01:00-05:00 UTC\"");
  if (zone != "UTC") return core::invalidArgument("window: the time zone must be UTC (got '" + zone + "')");
  MaintenanceWindow w;
  if (days == "daily") {
    w.days = 0x7f;
  } else {
    std::stringstream parts(days);
    std::string part;
    while (std::getline(parts, part, ',')) {
      size_t dash = part.find('-');
      EDGE_ASSIGN_OR_RETURN(int from, dayIndex(part.substr(0, dash)));
      int to = from;
      if (dash != std::string::npos) {
        EDGE_ASSIGN_OR_RETURN(to, dayIndex(part.substr(dash + 1)));
      }
      for (int i = from;; i = (i + 1) % 7) {  // "Sat-Mon" wraps over Sunday
        w.days |= static_cast<uint8_t>(1 << i);
        if (i == to) break;
      }
    }
  }
  size_t dash = times.find('-');
  if (dash == std::string::npos) return core::invalidArgument("window: '" + times + "' is not HH:MM-HH:MM");
  EDGE_ASSIGN_OR_RETURN(w.startMinute, minuteOf(times.substr(0, dash)));
  EDGE_ASSIGN_OR_RETURN(w.endMinute, minuteOf(times.substr(dash + 1)));
  if (w.startMinute == w.endMinute) return core::invalidArgument("window: it starts and ends at the same time");
  return w;
}

bool insideWindow(const MaintenanceWindow& w, int64_t t) {
  const int64_t day = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  const int minute = static_cast<int>((t - day * 86400) / 60);
  // 1970-01-01 was a Thursday (index 3).
  auto dayOn = [&](int64_t d) { return (w.days >> static_cast<int>(((d % 7) + 7 + 3) % 7)) & 1; };
  if (w.startMinute < w.endMinute) return dayOn(day) && minute >= w.startMinute && minute < w.endMinute;
  // Past midnight: the evening part belongs to today, the morning part to the window of yesterday.
  return (dayOn(day) && minute >= w.startMinute) || (dayOn(day - 1) && minute < w.endMinute);
}

core::Result<std::vector<Ring>> parseRings(const Json& rings) {
  if (!rings.is_array() || rings.empty() || rings.size() > 16)
    return core::invalidArgument("rings: expected a list of 1 to 16 rings");
  std::vector<Ring> out;
  std::set<std::string> names, named;
  int lastPercent = 0;
  for (size_t i = 0; i < rings.size(); ++i) {
    const std::string key = "rings[" + std::to_string(i) + "]";
    const Json& r = rings[i];
    if (!r.is_object()) return core::invalidArgument(key + ": expected an object");
    for (auto it = r.begin(); it != r.end(); ++it)
      if (it.key() != "name" && it.key() != "devices" && it.key() != "percent")
        return core::invalidArgument(key + "." + it.key() + ": unknown key (name, devices or percent)");
    Ring ring;
    if (!r.contains("name") || !r["name"].is_string() || r["name"].get<std::string>().empty() ||
        r["name"].get<std::string>().size() > 32)
      return core::invalidArgument(key + ".name: expected a name of 1 to 32 characters");
    ring.name = r["name"].get<std::string>();
    if (!names.insert(ring.name).second) return core::invalidArgument(key + ".name: '" + ring.name + "' twice");
    const bool hasDevices = r.contains("devices"), hasPercent = r.contains("percent");
    if (hasDevices == hasPercent) return core::invalidArgument(key + ": give either devices or percent");
    if (hasDevices) {
      if (!r["devices"].is_array() || r["devices"].empty() || r["devices"].size() > 100)
        return core::invalidArgument(key + ".devices: expected a list of 1 to 100 device ids");
      if (lastPercent > 0) return core::invalidArgument(key + ".devices: canary rings come before percentage rings");
      for (const Json& d : r["devices"]) {
        if (!d.is_string() || d.get<std::string>().empty() || d.get<std::string>().size() > 64)
          return core::invalidArgument(key + ".devices: expected device ids");
        if (!named.insert(d.get<std::string>()).second)
          return core::invalidArgument(key + ".devices: '" + d.get<std::string>() + "' is in two rings");
        ring.devices.push_back(d.get<std::string>());
      }
    } else {
      if (!r["percent"].is_number_integer() || r["percent"].get<int64_t>() < 1 || r["percent"].get<int64_t>() > 100)
        return core::invalidArgument(key + ".percent: expected a whole number from 1 to 100");
      ring.percent = static_cast<int>(r["percent"].get<int64_t>());
      if (ring.percent <= lastPercent)
        return core::invalidArgument(key + ".percent: must be above the ring before it (" + std::to_string(lastPercent) +
                                     "%): percentages are cumulative");
      lastPercent = ring.percent;
    }
    out.push_back(std::move(ring));
  }
  if (lastPercent != 100)
    return core::invalidArgument("rings: the last ring must be \"percent\": 100, so that every box is in a ring");
  return out;
}

Json ringsToJson(const std::vector<Ring>& rings) {
  Json out = Json::array();
  for (const Ring& r : rings) {
    if (r.devices.empty()) out.push_back(Json{{"name", r.name}, {"percent", r.percent}});
    else out.push_back(Json{{"name", r.name}, {"devices", r.devices}});
  }
  return out;
}

core::Result<std::map<std::string, int>> assignRings(const std::string& rolloutId, const std::vector<Ring>& rings,
                                                     const std::vector<std::string>& devices) {
  std::map<std::string, int> out;
  const std::set<std::string> inScope(devices.begin(), devices.end());
  for (size_t i = 0; i < rings.size(); ++i)
    for (const std::string& d : rings[i].devices) {
      if (!inScope.count(d))
        return core::invalidArgument("rings[" + std::to_string(i) + "].devices: no active device '" + d +
                                     "' in the rollout's scope (see device list)");
      out[d] = static_cast<int>(i);
    }
  std::vector<std::pair<std::string, std::string>> rest;  // (hash, device)
  for (const std::string& d : inScope)
    if (!out.count(d)) rest.emplace_back(core::pki::sha256Hex(rolloutId + "/" + d), d);
  std::sort(rest.begin(), rest.end());
  const size_t n = rest.size();
  size_t next = 0;
  for (size_t i = 0; i < rings.size(); ++i) {
    if (!rings[i].devices.empty()) continue;
    const size_t upTo = (n * static_cast<size_t>(rings[i].percent) + 99) / 100;  // rounded up
    for (; next < upTo && next < n; ++next) out[rest[next].second] = static_cast<int>(i);
  }
  return out;
}

int boxProgress(const std::string& state) {
  for (int i = 0; i <= kCommitted + 1; ++i)
    if (state == kBoxStates[i]) return i;
  return -1;
}

bool boxFailed(const std::string& state) { return state == "rolled-back" || state == "failed"; }

Decision decide(const std::vector<BoxState>& boxes, int openRing, int ringCount, int failurePercent,
                int64_t reportSeconds, int64_t now) {
  Decision d;
  d.openRing = openRing;
  std::set<std::string> timedOut;
  for (const BoxState& b : boxes) {
    const int p = boxProgress(b.state);
    if (b.ring <= openRing && p >= 1 && p < kCommitted && b.offeredAt > 0 && now - b.offeredAt > reportSeconds) {
      d.timedOut.push_back(b.device);
      timedOut.insert(b.device);
    }
  }
  for (;;) {
    int64_t total = 0, failed = 0, settled = 0;
    for (const BoxState& b : boxes) {
      if (b.ring > d.openRing) continue;
      ++total;
      const bool f = boxFailed(b.state) || timedOut.count(b.device);
      if (f) ++failed;
      if (f || b.state == "healthy") ++settled;
    }
    if (failed * 100 > static_cast<int64_t>(failurePercent) * total) {
      d.pause = true;
      d.reason = std::to_string(failed) + " of " + std::to_string(total) + " boxes in rings 1-" +
                 std::to_string(d.openRing + 1) + " failed (rolled back, failed gate or no report within " +
                 std::to_string(reportSeconds) + " s): above the threshold of " + std::to_string(failurePercent) + "%";
      return d;
    }
    if (settled < total) return d;
    if (d.openRing + 1 >= ringCount) {
      d.done = true;
      return d;
    }
    ++d.openRing;
  }
}

std::optional<std::pair<uint64_t, std::optional<uint64_t>>> parseRangeHeader(const std::string& value) {
  if (value.rfind("bytes=", 0) != 0) return std::nullopt;
  const std::string spec = value.substr(6);
  const size_t dash = spec.find('-');
  // At most 19 digits a number: no overflow of uint64_t.
  if (dash == std::string::npos || dash == 0 || dash > 19 || spec.size() - dash - 1 > 19) return std::nullopt;
  auto number = [](const std::string& t) -> std::optional<uint64_t> {
    if (t.empty()) return std::nullopt;
    uint64_t v = 0;
    for (char c : t) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    return v;
  };
  std::optional<uint64_t> first = number(spec.substr(0, dash));
  if (!first) return std::nullopt;
  if (dash + 1 == spec.size()) return std::make_pair(*first, std::optional<uint64_t>());
  std::optional<uint64_t> last = number(spec.substr(dash + 1));
  if (!last || *last < *first) return std::nullopt;
  return std::make_pair(*first, last);
}

}  // namespace mgmt::fleet
