#include "core/log.h"

#include <string>
#include <vector>

#include <CppUTest/TestHarness.h>

TEST_GROUP(Log) {
  std::vector<std::string> lines;
  void setup() override {
    core::Logger::instance().setSink([this](const std::string& l) { lines.push_back(l); });
    core::Logger::instance().setLevel(core::LogLevel::kInfo);
  }
  void teardown() override {
    core::Logger::instance().setSink(nullptr);
    core::Logger::instance().setJournalFormat(false);
    core::Logger::instance().setLevel(core::LogLevel::kInfo);
  }
};

TEST(Log, JournalPrefixCarriesPriority) {
  core::Logger::instance().setJournalFormat(true);
  core::logError("disk ", "full");
  core::logWarning("slow");
  core::logInfo("started");
  LONGS_EQUAL(3, lines.size());
  STRCMP_EQUAL("<3>disk full\n", lines[0].c_str());
  STRCMP_EQUAL("<4>slow\n", lines[1].c_str());
  STRCMP_EQUAL("<6>started\n", lines[2].c_str());
}

TEST(Log, LevelFilters) {
  core::logDebug("hidden");
  LONGS_EQUAL(0, lines.size());
  core::Logger::instance().setLevel(core::LogLevel::kDebug);
  core::Logger::instance().setJournalFormat(true);
  core::logDebug("shown ", 7);
  LONGS_EQUAL(1, lines.size());
  STRCMP_EQUAL("<7>shown 7\n", lines[0].c_str());
}

TEST(Log, TerminalFormatHasTimestampAndLevelOnOneLine) {
  core::Logger::instance().setJournalFormat(false);
  core::logWarning("two\nlines");
  LONGS_EQUAL(1, lines.size());
  const std::string& l = lines[0];
  CHECK_EQUAL('Z', l[23]);
  STRCMP_EQUAL(" warning: two lines\n", l.substr(24).c_str());
}

TEST(Log, ParseLevel) {
  CHECK_TRUE(core::parseLogLevel("warning") == core::LogLevel::kWarning);
  CHECK_FALSE(core::parseLogLevel("loud").has_value());
}

TEST(Log, LogSafeCutsAndEscapesOutsideInput) {
  STRCMP_EQUAL("alice@example", core::logSafe("alice@example").c_str());
  STRCMP_EQUAL("a\\x0ab\\x22c\\x5cd\\xc3\\xa9", core::logSafe("a\nb\"c\\d\xc3\xa9").c_str());
  std::string huge(16384, 'x');
  std::string shown = core::logSafe(huge);
  STRCMP_EQUAL((std::string(64, 'x') + "...(16384 bytes)").c_str(), shown.c_str());
  STRCMP_EQUAL("ab...(3 bytes)", core::logSafe("abc", 2).c_str());
  STRCMP_EQUAL("", core::logSafe("").c_str());
}

TEST(Log, RateLimitAllowsABudgetPerWindowAndReportsWhatItHeldBack) {
  core::LogRateLimit limit(2, 10);
  uint64_t suppressed = 99;
  CHECK_TRUE(limit.allow(100, &suppressed));
  LONGS_EQUAL(0, suppressed);
  CHECK_TRUE(limit.allow(101));
  CHECK_FALSE(limit.allow(105));
  CHECK_FALSE(limit.allow(109));
  CHECK_TRUE(limit.allow(110, &suppressed));  // a new window
  LONGS_EQUAL(2, suppressed);
  CHECK_TRUE(limit.allow(111, &suppressed));
  LONGS_EQUAL(0, suppressed);
  CHECK_FALSE(limit.allow(112));
  CHECK_TRUE(limit.allow(50, &suppressed));  // the clock went back: a new window too
  LONGS_EQUAL(1, suppressed);
}
