#include "core/clock.h"

#include <ctime>
#include <string>

namespace core {

int64_t Clock::unixSeconds() const {
  return std::chrono::duration_cast<std::chrono::seconds>(wallNow().time_since_epoch()).count();
}

int64_t Clock::unixMillis() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(wallNow().time_since_epoch()).count();
}

SystemClock& SystemClock::instance() {
  static SystemClock clock;
  return clock;
}

WallTime ManualClock::wallNow() const { return WallTime(std::chrono::milliseconds(wallMillis_.load())); }

MonoTime ManualClock::monotonicNow() const { return MonoTime(std::chrono::milliseconds(monoMillis_.load())); }

void ManualClock::advance(std::chrono::milliseconds delta) {
  wallMillis_ += delta.count();
  monoMillis_ += delta.count();
}

std::string formatRfc3339(WallTime time) {
  int64_t millis = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[80];  // room for any int the compiler can imagine in tm fields
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis % 1000));
  return buf;
}

}  // namespace core
