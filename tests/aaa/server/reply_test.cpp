// Vendor reply profiles: the plan's bit/s rendered as each NAS expects.
#include <string>

#include "aaa/radius/reply.h"
#include "tests/aaa/server/policy_test_support.h"

#include <CppUTest/TestHarness.h>

namespace {

using policy_test::handles;
aaa::policy::Plan plan() {
  aaa::policy::Plan p;
  p.downBps = 20000000;
  p.upBps = 10000000;
  p.burstDownBps = 40000000;
  p.burstUpBps = 20000000;
  p.burstThresholdPercent = 75;
  p.burstTimeSeconds = 8;
  return p;
}
}  // namespace

TEST_GROUP(Reply) {
  aaa::radius::Attributes a = handles();
};

TEST(Reply, MikrotikIsUpSlashDownWithBurst) {
  auto attrs = aaa::radius::renderRate(plan(), aaa::policy::VendorProfile::kMikrotik, a);
  LONGS_EQUAL(1, attrs.size());
  CHECK(attrs[0].ref == a.mikrotikRateLimit);
  STRCMP_EQUAL("10M/20M 20M/40M 7500k/15M 8/8", attrs[0].value.bytes.c_str());
  aaa::policy::Plan simple = plan();
  simple.burstDownBps = simple.burstUpBps = 0;
  simple.upBps = 512000;
  STRCMP_EQUAL("512k/20M", aaa::radius::renderRate(simple, aaa::policy::VendorProfile::kMikrotik, a)[0].value.bytes.c_str());
}

TEST(Reply, WisprBitsChillispotKilobitsAccelPppFilterId) {
  auto w = aaa::radius::renderRate(plan(), aaa::policy::VendorProfile::kWispr, a);
  LONGS_EQUAL(2, w.size());
  LONGS_EQUAL(10000000, w[0].value.number);
  LONGS_EQUAL(20000000, w[1].value.number);
  auto c = aaa::radius::renderRate(plan(), aaa::policy::VendorProfile::kChillispot, a);
  LONGS_EQUAL(10000, c[0].value.number);
  LONGS_EQUAL(20000, c[1].value.number);
  auto f = aaa::radius::renderRate(plan(), aaa::policy::VendorProfile::kAccelPpp, a);
  STRCMP_EQUAL("20000/10000", f[0].value.bytes.c_str());
  LONGS_EQUAL(0, aaa::radius::renderRate(plan(), aaa::policy::VendorProfile::kGeneric, a).size());
}

TEST(Reply, CiscoPolicesInAndOut) {
  auto c = aaa::radius::renderRate(plan(), aaa::policy::VendorProfile::kCisco, a);
  LONGS_EQUAL(2, c.size());
  // upload: 10 Mbit/s, normal burst 1.5 s = 1875000 bytes, excess = normal + 8 s of the extra 10 Mbit/s
  STRCMP_EQUAL("ip:qos-policy-in=add-class(sub,(class-default),police(10000000,1875000,11875000,transmit,drop,drop))",
               c[0].value.bytes.c_str());
  STRCMP_EQUAL("ip:qos-policy-out=add-class(sub,(class-default),police(20000000,3750000,23750000,transmit,drop,drop))",
               c[1].value.bytes.c_str());
}

TEST(Reply, RejectCarriesTheReason) {
  aaa::policy::Decision d;
  d.reason = aaa::policy::RejectReason::kSuspended;
  auto attrs = aaa::radius::renderReject(d, a);
  LONGS_EQUAL(1, attrs.size());
  STRCMP_EQUAL("Account suspended", attrs[0].value.bytes.c_str());
}

TEST(Reply, MikrotikRateLimitReadsBackWhatIsRendered) {
  auto attrs = aaa::radius::renderRate(plan(), aaa::policy::VendorProfile::kMikrotik, a);
  auto r = aaa::radius::parseMikrotikRateLimit(attrs[0].value.bytes);
  CHECK(r.has_value());
  const aaa::policy::Plan p = plan();
  CHECK_EQUAL(p.upBps, r->upBps);
  CHECK_EQUAL(p.downBps, r->downBps);
  CHECK_EQUAL(p.burstUpBps, r->burstUpBps);
  CHECK_EQUAL(p.burstDownBps, r->burstDownBps);
  CHECK_EQUAL(p.burstTimeSeconds, r->burstSeconds);
  auto plain = aaa::radius::parseMikrotikRateLimit("512k/2G");
  CHECK(plain.has_value());
  CHECK_EQUAL(512000u, plain->upBps);
  CHECK_EQUAL(2000000000ull, plain->downBps);
  CHECK_EQUAL(0u, plain->burstDownBps);
  for (const char* bad : {"", "10M", "10M/", "10X/1M", "1M/1M 2M/2M", "1M/2M/3M", "M/1M", "1M/1M 2M/2M 1M/1M x/8"})
    CHECK_FALSE_TEXT(aaa::radius::parseMikrotikRateLimit(bad).has_value(), bad);
}
