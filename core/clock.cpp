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

namespace core {

Result<int64_t> parseIso8601(const std::string& text) {
  auto bad = [&]() {
    return invalidArgument("'" + text + "' is not a date (use 2026-12-31, 2026-12-31T18:00:00Z or 2026-12-31T18:00+02:00)");
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  size_t pos = 0;
  auto num = [&](int digits, int* out) {
    if (pos + static_cast<size_t>(digits) > text.size()) return false;
    int v = 0;
    for (int i = 0; i < digits; ++i) {
      char c = text[pos + static_cast<size_t>(i)];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    *out = v;
    pos += static_cast<size_t>(digits);
    return true;
  };
  auto lit = [&](char c) {
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  };
  if (!num(4, &y) || !lit('-') || !num(2, &mo) || !lit('-') || !num(2, &d)) return bad();
  int64_t offset = 0;
  if (pos < text.size()) {
    if (!lit('T') && !lit(' ')) return bad();
    if (!num(2, &h) || !lit(':') || !num(2, &mi)) return bad();
    if (lit(':') && !num(2, &sec)) return bad();
    if (lit('.')) {
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;  // fractions dropped
    }
    if (lit('Z') || lit('z')) {
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      int sign = text[pos] == '-' ? -1 : 1;
      ++pos;
      int oh = 0, om = 0;
      if (!num(2, &oh)) return bad();
      lit(':');
      if (!num(2, &om)) return bad();
      offset = sign * (oh * 3600 + om * 60);
    }
    if (pos != text.size()) return bad();
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return bad();
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  time_t t = timegm(&tm);
  // timegm normalises 2026-02-31 to March: refuse dates that do not exist.
  std::tm back{};
  gmtime_r(&t, &back);
  if (back.tm_mday != d || back.tm_mon != mo - 1) return bad();
  return static_cast<int64_t>(t) - offset;
}

}  // namespace core
