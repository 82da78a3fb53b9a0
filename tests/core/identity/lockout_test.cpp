// The lockout's backoff as a pure function (what mgmt applies on a person's row) and as the in-memory
// Lockout the technician UI uses: the same numbers from both.
#include "core/identity/lockout.h"

#include <CppUTest/TestHarness.h>

using core::identity::Lockout;
using core::identity::LockoutPolicy;
using core::identity::lockSeconds;

TEST_GROUP(LockSeconds){};

TEST(LockSeconds, FreeFailuresThenDoublingUpToTheCeiling) {
  LockoutPolicy p;  // 5 free, 30 s first, 900 s ceiling
  for (int n = 0; n <= 5; ++n) CHECK_EQUAL(0, lockSeconds(p, n));
  CHECK_EQUAL(30, lockSeconds(p, 6));
  CHECK_EQUAL(60, lockSeconds(p, 7));
  CHECK_EQUAL(120, lockSeconds(p, 8));
  CHECK_EQUAL(480, lockSeconds(p, 10));
  CHECK_EQUAL(900, lockSeconds(p, 11));
  CHECK_EQUAL(900, lockSeconds(p, 1000000));  // no overflow far beyond
}

TEST(LockSeconds, TheInMemoryLockoutLocksForTheSame) {
  LockoutPolicy p;
  p.freeFailures = 2;
  Lockout l(p);
  for (int n = 1; n <= 6; ++n) CHECK_EQUAL(lockSeconds(p, n), l.failure("k", 1000));
  CHECK_EQUAL(lockSeconds(p, 6), l.lockedFor("k", 1000));
}
