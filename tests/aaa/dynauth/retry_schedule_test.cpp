// The retransmission schedule of the Dynamic Authorization client (RFC 5080 section 2.2.1), computed
// from the policy with an injected random source: no waiting, no sockets.
#include <chrono>
#include <functional>
#include <random>
#include <vector>

#include "aaa/radius/dynauth_client.h"

#include <CppUTest/TestHarness.h>

using aaa::radius::computeRetrySchedule;
using aaa::radius::RetryPolicy;
using aaa::radius::RetrySchedule;
using std::chrono::milliseconds;

namespace {

std::function<double()> constant(double v) {
  return [v]() { return v; };
}

std::vector<long> offsets(const RetrySchedule& s) {
  std::vector<long> out;
  for (milliseconds m : s.transmissions) out.push_back(static_cast<long>(m.count()));
  return out;
}

}  // namespace

TEST_GROUP(RetrySchedule){};

// The default an operator waits for: 1 s doubling, capped at 4 s, 4 transmissions, 10 s in all.
TEST(RetrySchedule, DefaultPolicyWithoutJitterTransmitsAt0_1_3_7AndGivesUpAt10Seconds) {
  RetryPolicy p;
  CHECK_TRUE(p.check().isOk());
  RetrySchedule s = computeRetrySchedule(p, constant(0));
  CHECK((offsets(s) == std::vector<long>{0, 1000, 3000, 7000}));
  // The last RT would be min(2*4 s, MRT 4 s) = 4 s, i.e. 11 s; MRD ends the exchange at 10 s.
  LONGS_EQUAL(10000, s.deadline.count());
}

TEST(RetrySchedule, JitterStaysWithinRandTimesRt) {
  RetryPolicy p;
  // RAND = +0.1 everywhere: RT 1100, 2*1100+110 = 2310, 2*2310+231 = 4851 > MRT -> 4000+400 = 4400.
  RetrySchedule hi = computeRetrySchedule(p, constant(1));
  CHECK((offsets(hi) == std::vector<long>{0, 1100, 3410, 7810}));
  LONGS_EQUAL(10000, hi.deadline.count());
  // RAND = -0.1: RT 900, 1710, 3249, then 2*3249-325 = 6173 > MRT -> 3600.
  RetrySchedule lo = computeRetrySchedule(p, constant(-1));
  CHECK((offsets(lo) == std::vector<long>{0, 900, 2610, 5859}));
  LONGS_EQUAL(9459, lo.deadline.count());
}

TEST(RetrySchedule, RandomJitterNeverExceedsTheBoundsOrMrd) {
  RetryPolicy p;
  std::mt19937 gen(42);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::function<double()> random = [&]() { return dist(gen); };
  for (int i = 0; i < 1000; ++i) {
    RetrySchedule s = computeRetrySchedule(p, random);
    LONGS_EQUAL(4, s.transmissions.size());
    CHECK(s.transmissions[1] >= milliseconds(900) && s.transmissions[1] <= milliseconds(1100));
    CHECK(s.transmissions[2] >= milliseconds(2610) && s.transmissions[2] <= milliseconds(3410));
    CHECK(s.deadline <= p.maxDuration);
    CHECK(s.deadline > s.transmissions.back());
  }
}

TEST(RetrySchedule, MrcCountsTransmissionsIncludingTheFirst) {
  RetryPolicy p;
  p.maxTransmissions = 1;  // no retransmission: wait one RT and give up
  RetrySchedule one = computeRetrySchedule(p, constant(0));
  CHECK((offsets(one) == std::vector<long>{0}));
  LONGS_EQUAL(1000, one.deadline.count());
  p.maxTransmissions = 2;
  RetrySchedule two = computeRetrySchedule(p, constant(0));
  CHECK((offsets(two) == std::vector<long>{0, 1000}));
  LONGS_EQUAL(3000, two.deadline.count());
}

TEST(RetrySchedule, MrdAloneBoundsAnUnlimitedCount) {
  RetryPolicy p;
  p.maxTransmissions = 0;
  p.initial = milliseconds(100);
  p.maxInterval = milliseconds(400);
  p.maxDuration = milliseconds(2000);
  RetrySchedule s = computeRetrySchedule(p, constant(0));
  // 100, 200, 400, then 400 each: 0 100 300 700 1100 1500 1900, deadline 2000.
  CHECK((offsets(s) == std::vector<long>{0, 100, 300, 700, 1100, 1500, 1900}));
  LONGS_EQUAL(2000, s.deadline.count());
}

TEST(RetrySchedule, NoMrtMeansPureDoubling) {
  RetryPolicy p;
  p.maxInterval = milliseconds(0);
  p.maxTransmissions = 5;
  p.maxDuration = milliseconds(60000);
  RetrySchedule s = computeRetrySchedule(p, constant(0));
  CHECK((offsets(s) == std::vector<long>{0, 1000, 3000, 7000, 15000}));
  LONGS_EQUAL(31000, s.deadline.count());
}

TEST(RetrySchedule, Rfc5080DefaultsAsAReference) {
  // IRT 2 s, MRC 5, MRT 16 s, MRD 30 s: 0 2 6 14 30 would be the 5th, cut by MRD.
  RetryPolicy p;
  p.initial = milliseconds(2000);
  p.maxTransmissions = 5;
  p.maxInterval = milliseconds(16000);
  p.maxDuration = milliseconds(30000);
  RetrySchedule s = computeRetrySchedule(p, constant(0));
  CHECK((offsets(s) == std::vector<long>{0, 2000, 6000, 14000}));
  LONGS_EQUAL(30000, s.deadline.count());
}

TEST(RetrySchedule, PolicyCheckNamesTheField) {
  RetryPolicy p;
  p.initial = milliseconds(10);
  STRCMP_CONTAINS("IRT", p.check().message().c_str());
  p = RetryPolicy{};
  p.maxTransmissions = -1;
  STRCMP_CONTAINS("MRC", p.check().message().c_str());
  p = RetryPolicy{};
  p.maxInterval = milliseconds(500);
  STRCMP_CONTAINS("MRT", p.check().message().c_str());
  p = RetryPolicy{};
  p.maxDuration = milliseconds(0);
  STRCMP_CONTAINS("MRD", p.check().message().c_str());
  p = RetryPolicy{};
  p.jitter = 0.9;
  STRCMP_CONTAINS("jitter", p.check().message().c_str());
}
