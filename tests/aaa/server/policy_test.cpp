// authorize() as a pure function over a hand-built snapshot: every accept and reject path.
#include <cstring>
#include <string>

#include "aaa/auth/chap.h"
#include "aaa/auth/credentials.h"
#include "aaa/auth/mschap.h"
#include "aaa/auth/password_hash.h"
#include "aaa/policy/policy.h"
#include "tests/aaa/server/policy_test_support.h"

#include <CppUTest/TestHarness.h>

namespace {

using policy_test::kNow;
using policy_test::kRequestAuth;

aaa::policy::Subscriber subscriber(const std::string& name, const std::string& password, int64_t plan = 1) {
  aaa::policy::Subscriber s;
  s.id = static_cast<int64_t>(name.size());
  s.username = name;
  if (!password.empty()) {
    aaa::auth::Credentials c = *aaa::auth::credentialsFromPassword(password, true);
    s.ntHash = c.ntHash;
    s.cleartext = *c.cleartext;
  }
  s.planId = plan;
  return s;
}

std::shared_ptr<aaa::policy::Snapshot> makeSnapshot() {
  aaa::policy::SnapshotHolder holder;
  aaa::policy::Plan gold;
  gold.id = 1;
  gold.name = "gold";
  gold.downBps = 20000000;
  gold.upBps = 10000000;
  gold.sessionTimeout = 7200;
  aaa::policy::Plan limited = gold;
  limited.id = 2;
  limited.name = "limited";
  limited.maxSessions = 2;
  std::vector<aaa::policy::Subscriber> subs;
  subs.push_back(subscriber("alice", "alice-pw"));
  aaa::policy::Subscriber carol = subscriber("carol", "carol-pw");
  carol.status = aaa::policy::SubscriberStatus::kSuspended;
  subs.push_back(carol);
  aaa::policy::Subscriber dora = subscriber("dora", "dora-pw");
  dora.status = aaa::policy::SubscriberStatus::kDisabled;
  subs.push_back(dora);
  aaa::policy::Subscriber dave = subscriber("dave", "dave-pw");
  dave.expiresAt = kNow - 1;
  subs.push_back(dave);
  aaa::policy::Subscriber soon = subscriber("soon", "soon-pw");
  soon.expiresAt = kNow + 600;
  subs.push_back(soon);
  aaa::policy::Subscriber erin = subscriber("erin", "erin-pw");
  erin.mac = aaa::auth::MacAddress{2, 0, 0, 0, 0, 1};
  subs.push_back(erin);
  subs.push_back(subscriber("aa:bb:cc:dd:ee:ff", ""));
  // A phone number (12 digits) parses as a MAC and is stored under the MAC's canonical form.
  subs.push_back(subscriber("25:47:12:34:56:78", "phone-pw"));
  subs.push_back(subscriber("02:00:00:00:00:aa", "mac-named-pw"));
  subs.push_back(subscriber("orphan", "orphan-pw", 99));
  subs.push_back(subscriber("multi", "multi-pw", 2));
  aaa::policy::Subscriber hashOnly = subscriber("hashonly", "hash-pw");
  hashOnly.cleartext.clear();
  subs.push_back(hashOnly);
  // Imported from another server (ADR 0045): a $6$ crypt of "crypt-pw" (openssl passwd -6 -salt
  // saltsalt crypt-pw) and an NT hash alone.
  aaa::policy::Subscriber imported = subscriber("imported", "");
  imported.papHash = "{crypt}$6$saltsalt$Z0obe1tdhkfMWvzAZ4GPwvf8Oc51wuWIcx2X0o9mLIRHw8Vs6TT7XunSMGl8UnXIe0V9qSGr.aT/0rIzqLji60";
  subs.push_back(imported);
  aaa::policy::Subscriber ntOnly = subscriber("ntonly", "");
  ntOnly.ntHash = aaa::auth::ntPasswordHash("nt-pw");
  subs.push_back(ntOnly);
  holder.publishFull({}, {gold, limited}, std::move(subs));
  return std::const_pointer_cast<aaa::policy::Snapshot>(holder.current());
}

aaa::policy::AccessRequestView pap(std::string_view user, std::string_view password) {
  aaa::policy::AccessRequestView r;
  r.userName = user;
  r.userPassword = password;
  r.requestAuthenticator = kRequestAuth;
  return r;
}

}  // namespace

TEST_GROUP(Policy) {
  std::shared_ptr<aaa::policy::Snapshot> snap;
  void setup() override { snap = makeSnapshot(); }
  void teardown() override { snap.reset(); }
  aaa::policy::Decision run(const aaa::policy::AccessRequestView& r, const aaa::policy::SessionCount& sessions = {}) {
    return aaa::policy::authorize(r, *snap, kNow, sessions);
  }
};

TEST(Policy, PapAcceptCarriesPlanAndSessionTimeout) {
  aaa::policy::Decision d = run(pap("alice", "alice-pw"));
  CHECK_TRUE(d.accept);
  CHECK(d.method == aaa::policy::AuthMethod::kPap);
  STRCMP_EQUAL("gold", d.plan->name.c_str());
  LONGS_EQUAL(7200, d.sessionTimeout);
}

TEST(Policy, RejectReasons) {
  CHECK(run(pap("alice", "nope")).reason == aaa::policy::RejectReason::kBadPassword);
  CHECK(run(pap("nobody", "x")).reason == aaa::policy::RejectReason::kUnknownUser);
  CHECK(run(pap("carol", "carol-pw")).reason == aaa::policy::RejectReason::kSuspended);
  CHECK(run(pap("dora", "dora-pw")).reason == aaa::policy::RejectReason::kDisabled);
  CHECK(run(pap("dave", "dave-pw")).reason == aaa::policy::RejectReason::kExpired);
  CHECK(run(pap("orphan", "orphan-pw")).reason == aaa::policy::RejectReason::kPlanMissing);
  aaa::policy::AccessRequestView none;
  none.userName = "alice";
  CHECK(run(none).reason == aaa::policy::RejectReason::kNoCredentials);
}

// Regression (issue 19): a subscriber whose name parses as a MAC (a phone number, a MAC-named
// account) was accepted with an empty or MAC-shaped password, and refused with its real one.
TEST(Policy, SubscriberNamedLikeANumberNeedsItsOwnPassword) {
  aaa::policy::Decision d = run(pap("254712345678", "phone-pw"));
  CHECK_TRUE(d.accept);
  CHECK(d.method == aaa::policy::AuthMethod::kPap);
  STRCMP_EQUAL("25:47:12:34:56:78", d.subscriber->username.c_str());
  for (const char* name : {"254712345678", "25:47:12:34:56:78", "2547.1234.5678"}) {
    for (const char* password : {"", "254712345678", "25:47:12:34:56:78", "wrong"}) {
      aaa::policy::AccessRequestView r = pap(name, password);
      r.callingStationId = name;
      aaa::policy::Decision bad = run(r);
      CHECK_FALSE(bad.accept);
      CHECK(bad.method != aaa::policy::AuthMethod::kMac);
    }
    aaa::policy::AccessRequestView absent;
    absent.userName = name;
    absent.callingStationId = name;
    absent.requestAuthenticator = kRequestAuth;
    CHECK_FALSE(run(absent).accept);
  }
  aaa::policy::AccessRequestView named = pap("02-00-00-00-00-AA", "");
  named.callingStationId = "02-00-00-00-00-AA";
  CHECK_FALSE(run(named).accept);
  CHECK_TRUE(run(pap("02-00-00-00-00-AA", "mac-named-pw")).accept);
}

// MAC authentication is for subscribers without a password, from their own station only.
TEST(Policy, MacAuthenticationOnlyFromThatStation) {
  aaa::policy::AccessRequestView r = pap("aa:bb:cc:dd:ee:ff", "");
  CHECK(run(r).reason == aaa::policy::RejectReason::kMacMismatch);  // no Calling-Station-Id
  r.callingStationId = "aa:bb:cc:dd:ee:00";
  CHECK(run(r).reason == aaa::policy::RejectReason::kMacMismatch);
  r.callingStationId = "not a mac";
  CHECK(run(r).reason == aaa::policy::RejectReason::kMacMismatch);
  r.callingStationId = "AA-BB-CC-DD-EE-FF";
  CHECK_TRUE(run(r).accept);
  // Another MAC as the password is not the MAC form, and a passwordless subscriber has no password.
  r.userPassword = "aa:bb:cc:dd:ee:00";
  CHECK_FALSE(run(r).accept);
  r.userPassword = "anything";
  CHECK(run(r).reason == aaa::policy::RejectReason::kBadPassword);
}

TEST(Policy, ReplyMessageDoesNotTellUnknownUserFromWrongPassword) {
  STRCMP_EQUAL(aaa::policy::rejectReplyMessage(aaa::policy::RejectReason::kUnknownUser),
               aaa::policy::rejectReplyMessage(aaa::policy::RejectReason::kBadPassword));
  STRCMP_EQUAL("Account suspended", aaa::policy::rejectReplyMessage(aaa::policy::RejectReason::kSuspended));
}

TEST(Policy, AccountStateIsOnlyRevealedWithTheRightPassword) {
  // A suspended account with a wrong password reads as a wrong password, not as "suspended".
  CHECK(run(pap("carol", "guess")).reason == aaa::policy::RejectReason::kBadPassword);
  CHECK(run(pap("dave", "guess")).reason == aaa::policy::RejectReason::kBadPassword);
}

TEST(Policy, ExpiryShortensSessionTimeout) {
  aaa::policy::Decision d = run(pap("soon", "soon-pw"));
  CHECK_TRUE(d.accept);
  LONGS_EQUAL(600, d.sessionTimeout);
}

TEST(Policy, MacBindingMustMatchCallingStation) {
  aaa::policy::AccessRequestView r = pap("erin", "erin-pw");
  CHECK(run(r).reason == aaa::policy::RejectReason::kMacMismatch);
  r.callingStationId = "02-00-00-00-00-02";
  CHECK(run(r).reason == aaa::policy::RejectReason::kMacMismatch);
  r.callingStationId = "02-00-00-00-00-01";
  CHECK_TRUE(run(r).accept);
}

TEST(Policy, MacAuthenticationInAnySpelling) {
  for (const char* spelling : {"aa:bb:cc:dd:ee:ff", "AA-BB-CC-DD-EE-FF", "aabb.ccdd.eeff"}) {
    aaa::policy::AccessRequestView r;
    r.userName = spelling;
    r.userPassword = spelling;
    r.callingStationId = spelling;
    r.requestAuthenticator = kRequestAuth;
    aaa::policy::Decision d = run(r);
    CHECK_TRUE(d.accept);
    CHECK(d.method == aaa::policy::AuthMethod::kMac);
  }
  aaa::policy::AccessRequestView unknown;
  unknown.userName = "aa:bb:cc:dd:ee:00";
  unknown.requestAuthenticator = kRequestAuth;
  CHECK(run(unknown).reason == aaa::policy::RejectReason::kUnknownUser);
}

TEST(Policy, ChapWithChallengeAttributeOrRequestAuthenticator) {
  const uint8_t challenge[] = {9, 9, 9, 9, 9, 9, 9, 9};
  auto resp = aaa::auth::chapResponse(42, "alice-pw", challenge, sizeof challenge);
  std::string chap(1, static_cast<char>(42));
  chap.append(reinterpret_cast<const char*>(resp.data()), 16);
  aaa::policy::AccessRequestView r;
  r.userName = "alice";
  r.chapPassword = chap;
  r.chapChallenge = std::string_view(reinterpret_cast<const char*>(challenge), sizeof challenge);
  r.requestAuthenticator = kRequestAuth;
  CHECK_TRUE(run(r).accept);
  // RFC 2865 2.2: without CHAP-Challenge the Request Authenticator is the challenge.
  auto resp2 = aaa::auth::chapResponse(42, "alice-pw", kRequestAuth, 16);
  std::string chap2(1, static_cast<char>(42));
  chap2.append(reinterpret_cast<const char*>(resp2.data()), 16);
  r.chapChallenge.reset();
  r.chapPassword = chap2;
  CHECK_TRUE(run(r).accept);
  r.chapPassword = chap;  // answer to the other challenge
  CHECK(run(r).reason == aaa::policy::RejectReason::kBadPassword);
  // A subscriber stored without cleartext cannot do CHAP.
  r.userName = "hashonly";
  CHECK(run(r).reason == aaa::policy::RejectReason::kMethodNotAllowed);
}

TEST(Policy, MsChapV2AcceptCarriesSuccessAndKeys) {
  uint8_t authChallenge[16], peerChallenge[16];
  std::memset(authChallenge, 0x11, 16);
  std::memset(peerChallenge, 0x22, 16);
  auto nt = aaa::auth::ntPasswordHash("alice-pw");
  auto ntResponse = aaa::auth::generateNtResponse(authChallenge, peerChallenge, "alice", nt);
  std::string value(2, '\0');
  value[0] = 5;
  value.append(reinterpret_cast<const char*>(peerChallenge), 16);
  value.append(8, '\0');
  value.append(reinterpret_cast<const char*>(ntResponse.data()), 24);
  aaa::policy::AccessRequestView r;
  r.userName = "alice";
  r.msChapChallenge = std::string_view(reinterpret_cast<const char*>(authChallenge), 16);
  r.msChap2Response = value;
  r.requestAuthenticator = kRequestAuth;
  aaa::policy::Decision d = run(r);
  CHECK_TRUE(d.accept);
  CHECK(d.method == aaa::policy::AuthMethod::kMsChapV2);
  CHECK_TRUE(d.msChapV2.has_value());
  LONGS_EQUAL(5, d.msChapV2->successValue[0]);
  CHECK_EQUAL('S', static_cast<char>(d.msChapV2->successValue[1]));
  r.userName = "carol";  // right structure, wrong user for this response
  CHECK(run(r).reason == aaa::policy::RejectReason::kBadPassword);
  value.resize(49);
  r.userName = "alice";
  r.msChap2Response = value;
  CHECK(run(r).reason == aaa::policy::RejectReason::kMalformed);
}

TEST(Policy, DisabledMethodsAreRefused) {
  snap->settings.pap = false;
  CHECK(run(pap("alice", "alice-pw")).reason == aaa::policy::RejectReason::kMethodNotAllowed);
  snap->settings.pap = true;
  snap->settings.mac = false;
  aaa::policy::AccessRequestView r;
  r.userName = "aa:bb:cc:dd:ee:ff";
  r.requestAuthenticator = kRequestAuth;
  CHECK(run(r).reason == aaa::policy::RejectReason::kMethodNotAllowed);
}

TEST(Policy, ConcurrentSessionLimitFromTheLedger) {
  uint32_t open = 1;
  aaa::policy::SessionCount count = [&open](std::string_view) { return open; };
  CHECK_TRUE(run(pap("multi", "multi-pw"), count).accept);
  open = 2;
  CHECK(run(pap("multi", "multi-pw"), count).reason == aaa::policy::RejectReason::kTooManySessions);
  CHECK_TRUE(run(pap("alice", "alice-pw"), count).accept);  // gold has no limit
}

TEST(Policy, ReasonsHaveNamesAndMessages) {
  for (int i = 1; i < static_cast<int>(aaa::policy::RejectReason::kCount); ++i) {
    auto r = static_cast<aaa::policy::RejectReason>(i);
    CHECK(std::string(aaa::policy::rejectReasonName(r)) != "unknown");
    CHECK(std::string(aaa::policy::rejectReasonMessage(r)).size() > 3);
  }
}

// The billing part of a decision (evaluateBilling): fair-use rate, quota reject, validity from the
// first login, the time quota in Session-Timeout.
TEST(Policy, BillingSetsRateRemainingAndRejectsWhenUsedUp) {
  aaa::policy::Plan plan;
  plan.id = 7;
  plan.name = "fup";
  plan.downBps = 10000000;
  plan.upBps = 10000000;
  plan.billing.tiers = {*billing::parseFup("1GB:2M/1M"), *billing::parseFup("2GB:block")};
  plan.billing.timeQuota = 3600;
  aaa::policy::Subscriber s = subscriber("alice", "alice-pw", 7);
  s.firstLogin = kNow - 100;
  uint64_t usedBytes = 0, usedSeconds = 0;
  aaa::policy::QuotaLookup lookup = [&](std::string_view, int64_t) {
    billing::QuotaUsage u;
    u.bytes = usedBytes;
    u.seconds = usedSeconds;
    return u;
  };
  aaa::policy::Decision d;
  LONGS_EQUAL(static_cast<int>(aaa::policy::RejectReason::kNone),
              static_cast<int>(aaa::policy::evaluateBilling(s, plan, kNow, lookup, d)));
  CHECK(d.billed);
  CHECK(d.rate == (billing::Rate{10000000, 10000000}));
  LONGS_EQUAL(2000000000, *d.quota.remainingBytes);
  LONGS_EQUAL(3600, d.sessionTimeout);
  usedBytes = 1500000000;
  usedSeconds = 3000;
  d = aaa::policy::Decision{};
  aaa::policy::evaluateBilling(s, plan, kNow, lookup, d);
  CHECK(d.rate == (billing::Rate{2000000, 1000000}));
  LONGS_EQUAL(0, d.quota.tier);
  LONGS_EQUAL(600, d.sessionTimeout);
  usedBytes = 2000000000;
  d = aaa::policy::Decision{};
  LONGS_EQUAL(static_cast<int>(aaa::policy::RejectReason::kDataQuotaUsedUp),
              static_cast<int>(aaa::policy::evaluateBilling(s, plan, kNow, lookup, d)));
  usedBytes = 0;
  usedSeconds = 3600;
  d = aaa::policy::Decision{};
  LONGS_EQUAL(static_cast<int>(aaa::policy::RejectReason::kTimeQuotaUsedUp),
              static_cast<int>(aaa::policy::evaluateBilling(s, plan, kNow, lookup, d)));
}

TEST(Policy, ValidityStartsAtTheFirstLogin) {
  aaa::policy::Plan plan;
  plan.id = 8;
  plan.downBps = plan.upBps = 1000000;
  plan.billing.validitySeconds = 86400;
  aaa::policy::Subscriber s = subscriber("v", "v-pw", 8);
  s.createdAt = kNow - 10 * 86400;  // bought long ago, never used: still valid
  aaa::policy::Decision d;
  LONGS_EQUAL(static_cast<int>(aaa::policy::RejectReason::kNone),
              static_cast<int>(aaa::policy::evaluateBilling(s, plan, kNow, {}, d)));
  CHECK(d.firstLogin);
  LONGS_EQUAL(kNow + 86400, d.validUntil);
  LONGS_EQUAL(86400, d.sessionTimeout);
  s.firstLogin = kNow - 86400;
  d = aaa::policy::Decision{};
  LONGS_EQUAL(static_cast<int>(aaa::policy::RejectReason::kExpired),
              static_cast<int>(aaa::policy::evaluateBilling(s, plan, kNow, {}, d)));
  s.validitySeconds = 2 * 86400;  // a top-up extended it
  d = aaa::policy::Decision{};
  LONGS_EQUAL(static_cast<int>(aaa::policy::RejectReason::kNone),
              static_cast<int>(aaa::policy::evaluateBilling(s, plan, kNow, {}, d)));
  LONGS_EQUAL(86400, d.sessionTimeout);
}

// ADR 0045: an imported crypt hash serves PAP only; CHAP and MS-CHAPv2 are refused with their own
// reason (what `subscriber explain` shows), never as a wrong password.
TEST(Policy, ImportedHashServesPapOnly) {
  aaa::policy::Decision d = run(pap("imported", "crypt-pw"));
  CHECK_TRUE(d.accept);
  CHECK(d.method == aaa::policy::AuthMethod::kPap);
  CHECK(run(pap("imported", "crypt-pW")).reason == aaa::policy::RejectReason::kBadPassword);
  CHECK(run(pap("imported", "")).reason == aaa::policy::RejectReason::kBadPassword);
  auto resp = aaa::auth::chapResponse(7, "crypt-pw", kRequestAuth, 16);
  std::string chap(1, static_cast<char>(7));
  chap.append(reinterpret_cast<const char*>(resp.data()), 16);
  aaa::policy::AccessRequestView r;
  r.userName = "imported";
  r.chapPassword = chap;
  r.requestAuthenticator = kRequestAuth;
  aaa::policy::Decision c = run(r);
  CHECK_FALSE(c.accept);
  CHECK(c.reason == aaa::policy::RejectReason::kPapOnlyCredential);
  STRCMP_EQUAL("pap-only-credential", aaa::policy::rejectReasonName(c.reason));
  CHECK(std::string(aaa::policy::rejectReasonMessage(c.reason)).find("PAP only") != std::string::npos);
  uint8_t authChallenge[16], peerChallenge[16];
  std::memset(authChallenge, 0x11, 16);
  std::memset(peerChallenge, 0x22, 16);
  auto ntResponse = aaa::auth::generateNtResponse(authChallenge, peerChallenge, "imported",
                                                  aaa::auth::ntPasswordHash("crypt-pw"));
  std::string value(2, '\0');
  value[0] = 5;
  value.append(reinterpret_cast<const char*>(peerChallenge), 16);
  value.append(8, '\0');
  value.append(reinterpret_cast<const char*>(ntResponse.data()), 24);
  aaa::policy::AccessRequestView m;
  m.userName = "imported";
  m.msChapChallenge = std::string_view(reinterpret_cast<const char*>(authChallenge), 16);
  m.msChap2Response = value;
  m.requestAuthenticator = kRequestAuth;
  CHECK(run(m).reason == aaa::policy::RejectReason::kPapOnlyCredential);
  // An NT hash alone serves PAP and MS-CHAPv2.
  CHECK_TRUE(run(pap("ntonly", "nt-pw")).accept);
  CHECK(run(pap("ntonly", "nt-pW")).reason == aaa::policy::RejectReason::kBadPassword);
  auto ntResponse2 = aaa::auth::generateNtResponse(authChallenge, peerChallenge, "ntonly", aaa::auth::ntPasswordHash("nt-pw"));
  std::string value2 = value.substr(0, 26);
  value2.append(reinterpret_cast<const char*>(ntResponse2.data()), 24);
  m.userName = "ntonly";
  m.msChap2Response = value2;
  CHECK_TRUE(run(m).accept);
}
