// An injectable clock: code that makes time-based decisions takes a Clock&, so tests can move time.
//
// Contract: wallNow() is UTC wall time (can jump with NTP); monotonicNow() never goes backwards and is
// the one to measure durations and timeouts with. Both are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "core/status.h"

namespace core {

using WallTime = std::chrono::system_clock::time_point;
using MonoTime = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual WallTime wallNow() const = 0;
  virtual MonoTime monotonicNow() const = 0;

  int64_t unixSeconds() const;
  int64_t unixMillis() const;
};

class SystemClock final : public Clock {
 public:
  static SystemClock& instance();
  WallTime wallNow() const override { return std::chrono::system_clock::now(); }
  MonoTime monotonicNow() const override { return std::chrono::steady_clock::now(); }
};

// A clock that only moves when told to; both views advance together.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t unixMillis = 1767225600000 /* 2026-01-01T00:00:00Z */)
      : wallMillis_(unixMillis), monoMillis_(0) {}
  WallTime wallNow() const override;
  MonoTime monotonicNow() const override;
  void advance(std::chrono::milliseconds delta);
  void setWall(int64_t unixMillis) { wallMillis_ = unixMillis; }

 private:
  std::atomic<int64_t> wallMillis_;
  std::atomic<int64_t> monoMillis_;
};

// RFC 3339 UTC text for a wall time, with millisecond precision: 2026-11-20T23:46:43.123Z.
std::string formatRfc3339(WallTime time);

// Unix seconds from ISO 8601 / RFC 3339 text as operators type it: "2026-12-31" (midnight UTC),
// "2026-12-31T18:00:00Z", "2026-12-31T18:00+02:00", "2026-12-31 18:00:00". A time without zone
// is UTC. Errors quote the text and show the accepted forms.
Result<int64_t> parseIso8601(const std::string& text);

}  // namespace core
