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
