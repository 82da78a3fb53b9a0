#include "core/log.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "core/clock.h"

namespace core {

const char* logLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "info";
}

std::optional<LogLevel> parseLogLevel(const std::string& name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warning") return LogLevel::kWarning;
  if (name == "error") return LogLevel::kError;
  return std::nullopt;
}

namespace {
// syslog(3) priorities as journald reads them from "<N>" prefixes.
int journalPriority(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return 7;
    case LogLevel::kInfo: return 6;
    case LogLevel::kWarning: return 4;
    case LogLevel::kError: return 3;
  }
  return 6;
}
}  // namespace

Logger& Logger::instance() {
  static Logger logger;
  return logger;
}

Logger::Logger() { journal_ = std::getenv("JOURNAL_STREAM") != nullptr; }

void Logger::setLevel(LogLevel level) {
  std::lock_guard<std::mutex> lock(mu_);
  level_ = level;
}

LogLevel Logger::level() const {
  std::lock_guard<std::mutex> lock(mu_);
  return level_;
}

bool Logger::enabled(LogLevel level) const { return static_cast<int>(level) >= static_cast<int>(this->level()); }

void Logger::setJournalFormat(bool journal) {
  std::lock_guard<std::mutex> lock(mu_);
  journal_ = journal;
}

void Logger::setSink(Sink sink) {
  std::lock_guard<std::mutex> lock(mu_);
  sink_ = std::move(sink);
}

std::string Logger::format(LogLevel level, const std::string& message) const {
  bool journal;
  {
    std::lock_guard<std::mutex> lock(mu_);
    journal = journal_;
  }
  // Embedded newlines would split one event into several journal entries: keep one line.
  std::string flat = message;
  for (char& c : flat) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  if (journal) return "<" + std::to_string(journalPriority(level)) + ">" + flat + "\n";

  return formatRfc3339(std::chrono::system_clock::now()) + " " + logLevelName(level) + ": " + flat + "\n";
}

void Logger::log(LogLevel level, const std::string& message) {
  std::string line = format(level, message);
  Sink sink;
  {
    std::lock_guard<std::mutex> lock(mu_);
    sink = sink_;
  }
  if (sink) {
    sink(line);
    return;
  }
  // One write(2) per line keeps lines from different threads whole.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace core
