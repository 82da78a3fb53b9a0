// The in-memory quota book: per subscriber, the newest period's counters and top-ups.
#include "billing/rating/quota_book.h"

#include <CppUTest/TestHarness.h>

TEST_GROUP(QuotaBook) {};

TEST(QuotaBook, CountsAddUpPerPeriodAndANewPeriodStartsFromZero) {
  billing::QuotaBook book;
  book.addUsage("alice", 1000, 500, 10);
  billing::QuotaBook::Moved m = book.addUsage("alice", 1000, 300, 5);
  LONGS_EQUAL(500, m.before.bytes);
  LONGS_EQUAL(800, m.after.bytes);
  LONGS_EQUAL(15, m.after.seconds);
  CHECK_FALSE(m.previousPeriod.has_value());
  LONGS_EQUAL(0, book.usage("bob", 1000).bytes);
  // The next period: zero, and the previous period's counts are reported once.
  m = book.addUsage("alice", 2000, 100, 1);
  CHECK(m.previousPeriod.has_value());
  LONGS_EQUAL(800, m.previousPeriod->bytes);
  LONGS_EQUAL(0, m.before.bytes);
  LONGS_EQUAL(100, book.usage("alice", 2000).bytes);
  LONGS_EQUAL(0, book.usage("alice", 1000).bytes);  // only the newest period is kept
  // A late count of the old period does not touch the new one.
  m = book.addUsage("alice", 1000, 999, 0);
  LONGS_EQUAL(100, book.usage("alice", 2000).bytes);
}

TEST(QuotaBook, TopUpsBelongToTheirPeriod) {
  billing::QuotaBook book;
  book.addUsage("alice", 1000, 500, 0);
  book.addBonus("alice", 1000, 5000, 60);
  billing::QuotaUsage u = book.usage("alice", 1000);
  LONGS_EQUAL(500, u.bytes);
  LONGS_EQUAL(5000, u.bonusBytes);
  LONGS_EQUAL(60, u.bonusSeconds);
  LONGS_EQUAL(0, book.usage("alice", 2000).bonusBytes);  // the next period starts without them
  LONGS_EQUAL(1, book.size());
  book.clear();
  LONGS_EQUAL(0, book.size());
}
