#include "core/log.h"

#include <unistd.h>

#include <algorithm>
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

std::string logSafe(std::string_view text, size_t max) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  const size_t shown = std::min(text.size(), max);
  out.reserve(shown + 16);
  for (size_t i = 0; i < shown; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c <= 0x7e && c != '\\' && c != '"') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  if (shown < text.size()) out += "...(" + std::to_string(text.size()) + " bytes)";
  return out;
}

LogRateLimit::LogRateLimit(uint32_t perWindow, int64_t windowSeconds)
    : perWindow_(perWindow), windowSeconds_(windowSeconds > 0 ? windowSeconds : 1) {}

bool LogRateLimit::allow(int64_t nowSeconds, uint64_t* suppressed) {
  std::lock_guard<std::mutex> lock(mu_);
  if (suppressed != nullptr) *suppressed = 0;
  if (nowSeconds >= windowStart_ + windowSeconds_ || nowSeconds < windowStart_) {
    windowStart_ = nowSeconds;
    used_ = 0;
  }
  if (used_ >= perWindow_) {
    ++suppressed_;
    return false;
  }
  ++used_;
  if (suppressed != nullptr) *suppressed = suppressed_;
  suppressed_ = 0;
  return true;
}

}  // namespace core
