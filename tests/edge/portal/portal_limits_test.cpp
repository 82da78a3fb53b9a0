// The portal's login and signup limits (edge/portal/portal_limits.h).
#include "edge/portal/portal_limits.h"

#include <CppUTest/TestHarness.h>

TEST_GROUP(PortalLimits){};

TEST(PortalLimits, WindowCountsPerKeyAndSaysWhenToRetry) {
  edge::WindowCounter w;
  int64_t retry = 0;
  CHECK_TRUE(w.below("a", 1000, 60, 2, &retry));
  w.add("a", 1000, 60, 2);
  w.add("a", 1010, 60, 2);
  CHECK_FALSE(w.below("a", 1020, 60, 2, &retry));
  LONGS_EQUAL(40, retry);  // the event at 1000 leaves the window at 1060
  CHECK_TRUE(w.below("b", 1020, 60, 2, &retry));
  CHECK_TRUE(w.below("a", 1060, 60, 2, &retry));
  CHECK_FALSE(w.below("x", 0, 60, 0, &retry));  // a limit of 0 refuses all
}

TEST(PortalLimits, AFloodOfKeysForgetsTheStalestNotEveryone) {
  edge::WindowCounter w(3);
  int64_t retry = 0;
  w.add("held", 1000, 60, 1);
  w.add("old", 900, 60, 1);
  w.add("k1", 1001, 60, 1);
  w.add("k2", 1002, 60, 1);  // full: "old" (outside the window) goes
  LONGS_EQUAL(3, w.keys());
  CHECK_FALSE(w.below("held", 1003, 60, 1, &retry));
  w.add("k3", 1004, 60, 1);  // full again, nothing stale: the stalest ("held") goes, not all
  LONGS_EQUAL(3, w.keys());
  CHECK_FALSE(w.below("k1", 1005, 60, 1, &retry));
  CHECK_FALSE(w.below("k2", 1005, 60, 1, &retry));
}

TEST(PortalLimits, LoginsAreHeldBackByMacAndByAddress) {
  edge::PortalLimits limits;
  edge::PortalLimitSettings s;
  s.loginAttempts = 2;
  limits.configure(s);
  int64_t retry = 0;
  limits.loginFailed("02:00:00:00:00:01", "10.0.0.5", 100);
  limits.loginFailed("02:00:00:00:00:01", "10.0.0.5", 101);
  CHECK_TRUE(limits.loginAllowed("02:00:00:00:00:01", "10.0.0.5", 102, &retry) == edge::PortalLimit::kDevice);
  // A new MAC at the same address: still held back, by the address.
  CHECK_TRUE(limits.loginAllowed("02:00:00:00:00:99", "10.0.0.5", 102, &retry) == edge::PortalLimit::kAddress);
  LONGS_EQUAL(58, retry);
  // The same MAC at another address: held back by the MAC.
  CHECK_TRUE(limits.loginAllowed("02:00:00:00:00:01", "10.0.0.6", 102, &retry) == edge::PortalLimit::kDevice);
  CHECK_TRUE(limits.loginAllowed("02:00:00:00:00:02", "10.0.0.6", 102, &retry) == edge::PortalLimit::kNone);
  CHECK_TRUE(limits.loginAllowed("", "10.0.0.6", 102, &retry) == edge::PortalLimit::kNone);
  CHECK_TRUE(limits.loginAllowed("02:00:00:00:00:01", "10.0.0.5", 161, &retry) == edge::PortalLimit::kNone);
}

TEST(PortalLimits, SignupsArePerDevicePerAddressAndInTotal) {
  edge::PortalLimits limits;
  edge::PortalLimitSettings s;
  s.signupPerDevice = 2;
  s.signupTotal = 3;
  s.signupWindow = 3600;
  limits.configure(s);
  int64_t retry = 0;
  CHECK_TRUE(limits.takeSignup("m1", "10.0.0.1", 0, &retry) == edge::PortalLimit::kNone);
  CHECK_TRUE(limits.takeSignup("m1", "10.0.0.1", 1, &retry) == edge::PortalLimit::kNone);
  CHECK_TRUE(limits.takeSignup("m1", "10.0.0.1", 2, &retry) == edge::PortalLimit::kDevice);
  LONGS_EQUAL(3598, retry);
  CHECK_TRUE(limits.takeSignup("m2", "10.0.0.1", 2, &retry) == edge::PortalLimit::kAddress);  // a new MAC
  CHECK_TRUE(limits.takeSignup("m3", "10.0.0.3", 3, &retry) == edge::PortalLimit::kNone);
  CHECK_TRUE(limits.takeSignup("m4", "10.0.0.4", 4, &retry) == edge::PortalLimit::kTotal);
  LONGS_EQUAL(3596, retry);
  // A refused attempt is not counted: once the window moved on, the others may sign up again.
  CHECK_TRUE(limits.takeSignup("m4", "10.0.0.4", 3600, &retry) == edge::PortalLimit::kNone);
  STRCMP_EQUAL("total", edge::portalLimitName(edge::PortalLimit::kTotal));
}
