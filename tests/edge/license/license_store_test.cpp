// The box's license store: the clock guard (a clock set back cannot extend a license, and the
// highest time seen survives a restart).
#include "edge/license/license_store.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

#include <CppUTest/TestHarness.h>

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/license-store-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf " + path).c_str()); }
};

}  // namespace

TEST_GROUP(LicenseStoreClock){};

TEST(LicenseStoreClock, ASetBackClockIsDetectedAndJudgedAtTheHighestTimeSeen) {
  TempDir dir;
  edge::LicenseStore store;
  CHECK_TRUE(store.open(dir.path, "").isOk());
  CHECK_EQUAL(1000000, store.observeClock(1000000));
  CHECK_EQUAL(1000100, store.observeClock(1000100));
  CHECK_EQUAL(0, store.rollbackSeconds());
  // A few minutes back (NTP steps, a slow RTC) is within the slack: no alarm.
  CHECK_EQUAL(1000000, store.observeClock(1000000));
  CHECK_EQUAL(0, store.rollbackSeconds());
  // A day back: detected, and the license is judged at the highest time seen.
  CHECK_EQUAL(1000100, store.observeClock(1000100 - 86400));
  CHECK_EQUAL(86400, store.rollbackSeconds());
}

// Regression (issue 19): one forward jump of the clock became the highest time seen, so setting the
// clock right again read as a rollback and froze management (license judged in the future) forever.
TEST(LicenseStoreClock, AForwardJumpIsNotRemembered) {
  TempDir dir;
  edge::LicenseStore store;
  CHECK_TRUE(store.open(dir.path, "").isOk());
  CHECK_EQUAL(1000000, store.observeClockAt(1000000, 50));
  const int64_t tenYears = 10LL * 365 * 86400;
  CHECK_EQUAL(1000000 + tenYears, store.observeClockAt(1000000 + tenYears, 60));  // judged as the clock says
  // The clock is set right 20 s after the jump: 30 s have passed since the first observation.
  CHECK_EQUAL(1000030, store.observeClockAt(1000030, 80));
  CHECK_EQUAL(0, store.rollbackSeconds());
  // A real rollback is still one: a day behind what the monotonic clock says has passed.
  CHECK_EQUAL(1000040, store.observeClockAt(1000040 - 86400, 90));
  CHECK_EQUAL(86400, store.rollbackSeconds());
}

TEST(LicenseStoreClock, TheHighestTimeSurvivesARestart) {
  TempDir dir;
  {
    edge::LicenseStore store;
    CHECK_TRUE(store.open(dir.path, "").isOk());
    store.observeClock(2000000);
    store.observeClock(2000100);  // past a minute since the last save: written
  }
  edge::LicenseStore again;
  CHECK_TRUE(again.open(dir.path, "").isOk());
  CHECK_EQUAL(2000100, again.observeClock(2000100 - 3600));
  CHECK_EQUAL(3600, again.rollbackSeconds());
}

// Regression (issue 29): while the clock stays set back, the distance to the highest time wavers by a
// second (whole wall and monotonic seconds tick at different moments), and edged took each new value
// for a new rollback: the counter climbed and an event was recorded with every wobble.
TEST(LicenseStoreClock, ARollbackIsCountedOncePerEpisode) {
  TempDir dir;
  edge::LicenseStore store;
  CHECK_TRUE(store.open(dir.path, "").isOk());
  store.observeClockAt(5000000, 100);
  LONGS_EQUAL(0, store.rollbacks());
  // Set back a day: one rollback.
  store.observeClockAt(5000000 - 86400, 100);
  LONGS_EQUAL(1, store.rollbacks());
  CHECK_EQUAL(86400, store.rollbackSeconds());
  // The wall clock's second ticks before the monotonic one, then both: the distance wavers.
  store.observeClockAt(5000001 - 86400, 100);
  CHECK_EQUAL(86399, store.rollbackSeconds());
  store.observeClockAt(5000001 - 86400, 101);
  store.observeClockAt(5000002 - 86400, 101);
  store.observeClockAt(5000003 - 86400, 103);
  LONGS_EQUAL(1, store.rollbacks());
  // Set back another hour while still behind: a new one.
  store.observeClockAt(5000003 - 86400 - 3600, 103);
  LONGS_EQUAL(2, store.rollbacks());
  CHECK_EQUAL(86400 + 3600, store.rollbackSeconds());
  // Set right, then back again: a new one.
  store.observeClockAt(5000010, 110);
  LONGS_EQUAL(2, store.rollbacks());
  store.observeClockAt(5000011 - 7200, 111);
  LONGS_EQUAL(3, store.rollbacks());
}
