// Dunning on the box (ADR 0048): authorize() per dunning state over a hand-built snapshot, the
// dunned rate under fair use, what a change does to live sessions, and the walled reply per vendor.
#include <string>

#include "aaa/auth/credentials.h"
#include "aaa/policy/dunning.h"
#include "aaa/policy/policy.h"
#include "aaa/radius/reply.h"
#include "tests/aaa/server/policy_test_support.h"

#include <CppUTest/TestHarness.h>

using aaa::policy::Dunning;
using aaa::policy::DunningAction;

namespace {

using policy_test::kNow;
using policy_test::kRequestAuth;
using policy_test::handles;

aaa::policy::Subscriber subscriber(const std::string& name, Dunning dunning, const std::string& rate = "",
                                   const std::string& url = "") {
  aaa::policy::Subscriber s;
  s.username = name;
  aaa::auth::Credentials c = *aaa::auth::credentialsFromPassword(name + "-pw", false);
  s.ntHash = c.ntHash;
  s.planId = 1;
  s.dunning = dunning;
  if (!rate.empty()) s.dunningRate = *billing::parseRatePair(rate);
  s.dunningUrl = url;
  return s;
}

aaa::policy::Plan home() {
  aaa::policy::Plan p;
  p.id = 1;
  p.name = "home";
  p.downBps = 20000000;
  p.upBps = 10000000;
  p.burstDownBps = 40000000;
  p.burstUpBps = 20000000;
  return p;
}

const aaa::radius::Attribute* find(const std::vector<aaa::radius::Attribute>& attrs, const aaa::radius::AttrRef& ref) {
  for (const aaa::radius::Attribute& x : attrs)
    if (x.ref == ref) return &x;
  return nullptr;
}

}  // namespace

TEST_GROUP(Dunning) {
  aaa::policy::SnapshotHolder holder;
  void setup() override {
    aaa::policy::PolicySettings settings;
    settings.walled = {"pay-only", "walled", "https://isp.example.net/pay"};
    holder.publishSettings(settings);
    holder.publishFull({}, {home()},
                       {subscriber("paid", Dunning::kNone), subscriber("slow", Dunning::kThrottle, "512k/256k"),
                        subscriber("walled", Dunning::kWalled, "1M/1M", "https://pay.example.net/walled"),
                        subscriber("bare", Dunning::kWalled), subscriber("gone", Dunning::kSuspend)});
  }
  aaa::policy::Decision login(const std::string& user) {
    aaa::policy::AccessRequestView r;
    r.userName = user;
    std::string password = user + "-pw";
    r.userPassword = password;
    r.requestAuthenticator = kRequestAuth;
    return aaa::policy::authorize(r, *holder.current(), kNow);
  }
};

TEST(Dunning, SuspendIsARejectInWords) {
  aaa::policy::Decision d = login("gone");
  CHECK_FALSE(d.accept);
  CHECK(d.reason == aaa::policy::RejectReason::kSuspendedNonPayment);
  STRCMP_EQUAL("suspended-non-payment", aaa::policy::rejectReasonName(d.reason));
  STRCMP_EQUAL("Suspended for non-payment", aaa::policy::rejectReplyMessage(d.reason));
  // Credentials still come first: a wrong password does not learn the account is dunned.
  aaa::policy::AccessRequestView wrong;
  wrong.userName = "gone";
  wrong.userPassword = "nope";
  wrong.requestAuthenticator = kRequestAuth;
  CHECK(aaa::policy::authorize(wrong, *holder.current(), kNow).reason == aaa::policy::RejectReason::kBadPassword);
}

TEST(Dunning, ThrottleIsThePlansReplyAtTheDunningRate) {
  aaa::policy::Decision paid = login("paid");
  CHECK_TRUE(paid.accept);
  LONGS_EQUAL(20000000, paid.rate.downBps);
  CHECK_TRUE(paid.walled == nullptr);
  aaa::policy::Decision slow = login("slow");
  CHECK_TRUE(slow.accept);
  LONGS_EQUAL(512000, slow.rate.downBps);
  LONGS_EQUAL(256000, slow.rate.upBps);
  CHECK_TRUE(slow.walled == nullptr);
  // Every vendor's rate attribute carries it, without the plan's burst.
  aaa::radius::Attributes a = handles();
  auto mt = aaa::radius::renderAccept(slow, aaa::policy::VendorProfile::kMikrotik, a);
  STRCMP_EQUAL("256k/512k", find(mt, a.mikrotikRateLimit)->value.bytes.c_str());
  auto wispr = aaa::radius::renderAccept(slow, aaa::policy::VendorProfile::kWispr, a);
  LONGS_EQUAL(512000, find(wispr, a.wisprBandwidthMaxDown)->value.number);
  LONGS_EQUAL(256000, find(wispr, a.wisprBandwidthMaxUp)->value.number);
  auto accel = aaa::radius::renderAccept(slow, aaa::policy::VendorProfile::kAccelPpp, a);
  STRCMP_EQUAL("512/256", find(accel, a.filterId)->value.bytes.c_str());
  CHECK_TRUE(find(mt, a.mikrotikAddressList) == nullptr);
}

TEST(Dunning, TheDunningRateIsACapNotARaise) {
  aaa::policy::Subscriber s = subscriber("slow", Dunning::kThrottle, "2M/1M");
  // A fair-use tier below the dunning rate stays; a plan rate above is cut; 0 (unlimited) is cut.
  billing::Rate tier = aaa::policy::dunnedRate(s, billing::Rate{1000000, 4000000});
  LONGS_EQUAL(1000000, tier.downBps);
  LONGS_EQUAL(1000000, tier.upBps);
  billing::Rate unlimited = aaa::policy::dunnedRate(s, billing::Rate{0, 0});
  LONGS_EQUAL(2000000, unlimited.downBps);
  // Not dunned, or walled without a rate, or suspended: the rate in force.
  LONGS_EQUAL(30000000, aaa::policy::dunnedRate(subscriber("x", Dunning::kNone, "2M/1M"), {30000000, 1}).downBps);
  LONGS_EQUAL(30000000, aaa::policy::dunnedRate(subscriber("x", Dunning::kWalled), {30000000, 1}).downBps);
  LONGS_EQUAL(30000000, aaa::policy::dunnedRate(subscriber("x", Dunning::kSuspend, "2M/1M"), {30000000, 1}).downBps);
}

TEST(Dunning, WalledAcceptCarriesWhatEachNasWallsBy) {
  aaa::policy::Decision d = login("walled");
  CHECK_TRUE(d.accept);
  CHECK_TRUE(d.walled != nullptr);
  LONGS_EQUAL(1000000, d.rate.downBps);
  aaa::radius::Attributes a = handles();
  auto mt = aaa::radius::renderAccept(d, aaa::policy::VendorProfile::kMikrotik, a);
  STRCMP_EQUAL("walled", find(mt, a.mikrotikAddressList)->value.bytes.c_str());
  STRCMP_EQUAL("pay-only", find(mt, a.filterId)->value.bytes.c_str());
  STRCMP_EQUAL("1M/1M", find(mt, a.mikrotikRateLimit)->value.bytes.c_str());
  CHECK_TRUE(find(mt, a.wisprRedirectionUrl) == nullptr);
  // The subscriber's own pay page wins over radius.walled-url.
  auto wispr = aaa::radius::renderAccept(d, aaa::policy::VendorProfile::kWispr, a);
  STRCMP_EQUAL("https://pay.example.net/walled", find(wispr, a.wisprRedirectionUrl)->value.bytes.c_str());
  CHECK_TRUE(find(wispr, a.mikrotikAddressList) == nullptr);
  auto chilli = aaa::radius::renderAccept(d, aaa::policy::VendorProfile::kChillispot, a);
  CHECK_TRUE(find(chilli, a.wisprRedirectionUrl) != nullptr);
  // accel-ppp's Filter-Id is its rate: no walled filter there.
  auto accel = aaa::radius::renderAccept(d, aaa::policy::VendorProfile::kAccelPpp, a);
  STRCMP_EQUAL("1000/1000", find(accel, a.filterId)->value.bytes.c_str());
  auto generic = aaa::radius::renderAccept(d, aaa::policy::VendorProfile::kGeneric, a);
  STRCMP_EQUAL("pay-only", find(generic, a.filterId)->value.bytes.c_str());
  // Without a dunning-url: radius.walled-url; without a dunning rate: the plan's rate.
  aaa::policy::Decision bare = login("bare");
  CHECK_TRUE(bare.accept);
  LONGS_EQUAL(20000000, bare.rate.downBps);
  auto bareWispr = aaa::radius::renderAccept(bare, aaa::policy::VendorProfile::kWispr, a);
  STRCMP_EQUAL("https://isp.example.net/pay", find(bareWispr, a.wisprRedirectionUrl)->value.bytes.c_str());
  // Nothing configured: only the rate.
  holder.publishSettings(aaa::policy::PolicySettings{});
  auto plain = aaa::radius::renderAccept(login("bare"), aaa::policy::VendorProfile::kMikrotik, a);
  CHECK_TRUE(find(plain, a.mikrotikAddressList) == nullptr);
  CHECK_TRUE(find(plain, a.filterId) == nullptr);
}

TEST(Dunning, ChangesActOnLiveSessions) {
  auto action = [](aaa::policy::Subscriber before, aaa::policy::Subscriber after) {
    return std::string(aaa::policy::dunningActionName(aaa::policy::dunningActionOnChange(before, after)));
  };
  aaa::policy::Subscriber none = subscriber("s", Dunning::kNone);
  aaa::policy::Subscriber slow = subscriber("s", Dunning::kThrottle, "512k/256k");
  aaa::policy::Subscriber slower = subscriber("s", Dunning::kThrottle, "256k/128k");
  aaa::policy::Subscriber walled = subscriber("s", Dunning::kWalled, "", "https://pay.example.net/");
  aaa::policy::Subscriber suspended = subscriber("s", Dunning::kSuspend);
  STRCMP_EQUAL("coa", action(none, slow).c_str());         // throttle: the new rate
  STRCMP_EQUAL("coa", action(slow, slower).c_str());       // a new dunning rate
  STRCMP_EQUAL("coa", action(slow, none).c_str());         // restore: back to the plan's rate
  STRCMP_EQUAL("disconnect", action(slow, walled).c_str());  // re-authenticates into the garden
  STRCMP_EQUAL("disconnect", action(none, suspended).c_str());
  STRCMP_EQUAL("disconnect", action(walled, none).c_str());  // out of the garden
  STRCMP_EQUAL("disconnect", action(walled, slow).c_str());
  STRCMP_EQUAL("coa", action(suspended, none).c_str());
  STRCMP_EQUAL("none", action(none, none).c_str());
  STRCMP_EQUAL("none", action(slow, slow).c_str());
  STRCMP_EQUAL("none", action(suspended, suspended).c_str());
  STRCMP_EQUAL("none", action(walled, walled).c_str());
  aaa::policy::Subscriber moved = walled;
  moved.dunningUrl = "https://pay.example.net/other";
  STRCMP_EQUAL("disconnect", action(walled, moved).c_str());
  // A rate stored while not dunned changes nothing on the wire.
  aaa::policy::Subscriber kept = none;
  kept.dunningRate = billing::Rate{1000, 1000};
  STRCMP_EQUAL("none", action(none, kept).c_str());
}

TEST(Dunning, TheStateInWords) {
  STRCMP_EQUAL("", aaa::policy::dunningText(subscriber("s", Dunning::kNone)).c_str());
  STRCMP_EQUAL("throttled to 512k/256k for non-payment",
               aaa::policy::dunningText(subscriber("s", Dunning::kThrottle, "512k/256k")).c_str());
  STRCMP_EQUAL("walled for non-payment (pay page https://pay.example.net/)",
               aaa::policy::dunningText(subscriber("s", Dunning::kWalled, "", "https://pay.example.net/")).c_str());
  STRCMP_EQUAL("suspended for non-payment", aaa::policy::dunningText(subscriber("s", Dunning::kSuspend)).c_str());
}
