// Logging to stderr, for daemons run by systemd or by hand.
//
// Contract: one line per message. Under systemd (JOURNAL_STREAM is set) each line starts with the
// journald priority prefix "<N>" (sd-daemon(3)), so journald keeps the level; on a terminal the line
// starts with a UTC timestamp and the level name. Thread-safe: a line is written with one write(2).
// Only daemons and tools log; libraries return Status and let their caller log once, with its label.
// Secrets are never passed here.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>

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
