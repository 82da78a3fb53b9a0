// Times as the management plane shows and takes them: RFC 3339 UTC text ("" for 0, never), and
// lifetimes as durations.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "billing/rating/rules.h"
#include "core/clock.h"
#include "core/status.h"

namespace mgmt {

inline std::string iso(int64_t unix) {
  if (unix == 0) return "";
  return core::formatRfc3339(core::WallTime{std::chrono::milliseconds(unix * 1000)});
}

// A lifetime argument ("24h", "90d"): seconds, more than 0.
inline core::Result<int64_t> parseTtl(const std::string& text) {
  core::Result<uint64_t> d = ::billing::parseDuration(text);
  if (!d.isOk()) return core::invalidArgument("ttl: " + d.status().message());
  if (*d == 0) return core::invalidArgument("ttl: must be more than 0");
  return static_cast<int64_t>(*d);
}

}  // namespace mgmt
