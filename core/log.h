// Logging to stderr, for daemons run by systemd or by hand.
//
// Contract: one line per message. Under systemd (JOURNAL_STREAM is set) each line starts with the
// journald priority prefix "<N>" (sd-daemon(3)), so journald keeps the level; on a terminal the line
// starts with a UTC timestamp and the level name. Thread-safe: a line is written with one write(2).
// Only daemons and tools log; libraries return Status and let their caller log once, with its label.
// Secrets are never passed here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace core {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

const char* logLevelName(LogLevel level);
std::optional<LogLevel> parseLogLevel(const std::string& name);  // "debug", "info", "warning", "error"

class Logger {
 public:
  using Sink = std::function<void(const std::string& line)>;

  static Logger& instance();

  void setLevel(LogLevel level);
  LogLevel level() const;
  bool enabled(LogLevel level) const;
  // Journald prefixes: detected from JOURNAL_STREAM by default; tests force either form.
  void setJournalFormat(bool journal);
  // Replace the stderr sink (tests capture lines); nullptr restores stderr.
  void setSink(Sink sink);

  void log(LogLevel level, const std::string& message);
  std::string format(LogLevel level, const std::string& message) const;

 private:
  Logger();
  mutable std::mutex mu_;
  LogLevel level_ = LogLevel::kInfo;
  bool journal_ = false;
  Sink sink_;
};

namespace log_detail {
template <class... Args>
std::string concat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}
}  // namespace log_detail

// Outside input (a username from a form, a NAS's Calling-Station-Id) as it may appear in a log
// line: at most `max` bytes of it, printable ASCII kept, anything else (control characters, a
// quote, a backslash, bytes above 0x7e) as \xNN, and "...(N bytes)" when it was cut. One line per
// message stays one line, and a 16 KiB field costs a few dozen bytes.
std::string logSafe(std::string_view text, size_t max = 64);

// A budget for log lines that outside input can cause (a flood must not fill the disk or bury
// the rest): at most `perWindow` lines per `windowSeconds`. Thread-safe.
class LogRateLimit {
 public:
  explicit LogRateLimit(uint32_t perWindow, int64_t windowSeconds = 1);
  // Whether a line may be written at `nowSeconds`. When it may and lines were refused since the
  // last one written, `*suppressed` gets their number (say so in this line); else 0.
  bool allow(int64_t nowSeconds, uint64_t* suppressed = nullptr);

 private:
  std::mutex mu_;
  const uint32_t perWindow_;
  const int64_t windowSeconds_;
  int64_t windowStart_ = 0;
  uint32_t used_ = 0;
  uint64_t suppressed_ = 0;
};

template <class... Args>
void logAt(LogLevel level, const Args&... args) {
  Logger& logger = Logger::instance();
  if (logger.enabled(level)) logger.log(level, log_detail::concat(args...));
}
template <class... Args>
void logDebug(const Args&... args) { logAt(LogLevel::kDebug, args...); }
template <class... Args>
void logInfo(const Args&... args) { logAt(LogLevel::kInfo, args...); }
template <class... Args>
void logWarning(const Args&... args) { logAt(LogLevel::kWarning, args...); }
template <class... Args>
void logError(const Args&... args) { logAt(LogLevel::kError, args...); }

}  // namespace core
