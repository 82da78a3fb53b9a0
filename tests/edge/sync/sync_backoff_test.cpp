// The sync agent's retry schedule (syncBackoffSeconds): doubling from 5 s, capped, jittered between
// half and all of each step.
#include <cstdint>
#include <set>

#include "edge/sync/sync_agent.h"

#include <CppUTest/TestHarness.h>

TEST_GROUP(SyncBackoff){};

TEST(SyncBackoff, DoublesFromFiveSecondsWithinHalfAndAllOfEachStep) {
  const int64_t ceilings[] = {5, 10, 20, 40, 80, 160, 300, 300};
  for (int64_t failures = 1; failures <= 8; ++failures) {
    const int64_t ceiling = ceilings[failures - 1];
    int64_t lowest = INT64_MAX, highest = 0;
    for (uint64_t r = 0; r < 1000; ++r) {
      int64_t d = edge::syncBackoffSeconds(failures, 300, r * 2654435761u);
      lowest = d < lowest ? d : lowest;
      highest = d > highest ? d : highest;
    }
    LONGS_EQUAL(ceiling / 2, lowest);
    LONGS_EQUAL(ceiling, highest);
  }
}

TEST(SyncBackoff, SpreadsAFleetAndNeverGoesBelowOneSecond) {
  std::set<int64_t> seen;
  for (uint64_t r = 0; r < 200; ++r) seen.insert(edge::syncBackoffSeconds(10, 300, r));
  CHECK(seen.size() > 100);  // 150..300: a fleet that failed together retries apart
  LONGS_EQUAL(1, edge::syncBackoffSeconds(1, 1, 0));
  CHECK(edge::syncBackoffSeconds(1000000, 86400, 7) <= 86400);
  CHECK(edge::syncBackoffSeconds(0, 300, 0) >= 1);
}
