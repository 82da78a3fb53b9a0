// policy::authorize with the property the whole product rests on: an accept means a verified
// credential. The input builds an Access-Request against a fixed snapshot of subscribers of every
// kind (cleartext, NT-hash only, passwordless MAC, MAC-named with a password, a phone number that
// parses as a MAC, suspended, MAC-bound); every accept is checked by an oracle that recomputes the
// credential here, independently of the policy code:
//   PAP       the subscriber has a password and the request's password is exactly it
//   CHAP      MD5(ident || password || challenge) equals the response (RFC 1994), recomputed here
//   MS-CHAPv2 the NT-Response equals GenerateNTResponse for the stored password (RFC 2759 8.1)
//   MAC       the subscriber has no password, and the Calling-Station-Id is the MAC in User-Name
//
// Input: a control byte (which subscriber name, which method, which station), then length-prefixed
// fields (1 octet each): user name override, password, CHAP ident+response, challenge, MS-CHAP
// response, calling station.
#include <mbedtls/md5.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aaa/auth/credentials.h"
#include "aaa/auth/mac.h"
#include "aaa/auth/mschap.h"
#include "aaa/policy/policy.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr const char* kTarget = "authorize";
constexpr int64_t kNow = 1800000000;

struct Known {
  std::string name;      // as stored
  std::string password;  // "" = none
  bool keepCleartext = true;
};

const std::vector<Known>& known() {
  static const std::vector<Known> k = {
      {"alice", "alice-pw"},
      {"hashonly", "hash-pw", false},
      {"aa:bb:cc:dd:ee:ff", ""},                  // passwordless: MAC authentication
      {"25:47:12:34:56:78", "phone-pw"},           // 254712345678, a phone number
      {"02:00:00:00:00:aa", "mac-named-pw"},       // MAC-named, with a password
      {"carol", "carol-pw"},                       // suspended
      {"erin", "erin-pw"},                         // bound to 02:00:00:00:00:01
      {"nopw", ""},                                // no password and not a MAC: never accepted
  };
  return k;
}

std::shared_ptr<const aaa::policy::Snapshot> snapshot() {
  static std::shared_ptr<const aaa::policy::Snapshot> snap = [] {
    aaa::policy::SnapshotHolder holder;
    aaa::policy::Plan plan;
    plan.id = 1;
    plan.name = "p";
    plan.downBps = 1000000;
    plan.upBps = 1000000;
    std::vector<aaa::policy::Subscriber> subs;
    int64_t id = 1;
    for (const Known& k : known()) {
      aaa::policy::Subscriber s;
      s.id = id++;
      s.username = k.name;
      s.planId = 1;
      if (!k.password.empty()) {
        aaa::auth::Credentials c = *aaa::auth::credentialsFromPassword(k.password, k.keepCleartext);
        s.ntHash = c.ntHash;
        s.cleartext = c.cleartext.value_or("");
      }
      if (k.name == "carol") s.status = aaa::policy::SubscriberStatus::kSuspended;
      if (k.name == "erin") s.mac = aaa::auth::MacAddress{2, 0, 0, 0, 0, 1};
      subs.push_back(std::move(s));
    }
    holder.publishFull({}, {plan}, std::move(subs));
    return holder.current();
  }();
  return snap;
}

const Known* knownByStoredName(const std::string& stored) {
  for (const Known& k : known())
    if (k.name == stored) return &k;
  return nullptr;
}

struct Reader {
  const uint8_t* p;
  size_t n;
  std::optional<std::string> field() {
    if (n == 0) return std::nullopt;
    size_t len = p[0];
    ++p, --n;
    if (len == 0xff) return std::nullopt;  // "absent"
    if (len > n) len = n;
    std::string out(reinterpret_cast<const char*>(p), len);
    p += len, n -= len;
    return out;
  }
};

std::array<uint8_t, 16> chapOracle(uint8_t ident, const std::string& password, std::string_view challenge) {
  std::array<uint8_t, 16> out{};
  mbedtls_md5_context c;
  mbedtls_md5_init(&c);
  mbedtls_md5_starts_ret(&c);
  mbedtls_md5_update_ret(&c, &ident, 1);
  mbedtls_md5_update_ret(&c, reinterpret_cast<const unsigned char*>(password.data()), password.size());
  mbedtls_md5_update_ret(&c, reinterpret_cast<const unsigned char*>(challenge.data()), challenge.size());
  mbedtls_md5_finish_ret(&c, out.data());
  mbedtls_md5_free(&c);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const uint8_t kRequestAuth[16] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6};
  const uint8_t control = data[0];
  Reader in{data + 1, size - 1};

  // User-Name: a known subscriber in one of its spellings, or the bytes given.
  static const char* const kSpellings[] = {"alice", "hashonly", "aa:bb:cc:dd:ee:ff", "AABBCCDDEEFF", "254712345678",
                                           "25-47-12-34-56-78", "02:00:00:00:00:AA", "carol", "erin", "nopw"};
  std::optional<std::string> nameOverride = in.field();
  std::string userName = nameOverride ? *nameOverride : kSpellings[control % 10];
  std::optional<std::string> password = in.field();
  std::optional<std::string> chap = in.field();
  std::optional<std::string> challenge = in.field();
  std::optional<std::string> msChap = in.field();
  std::optional<std::string> station = in.field();

  aaa::policy::AccessRequestView r;
  r.userName = userName;
  r.requestAuthenticator = kRequestAuth;
  if (password) r.userPassword = *password;
  if (station) r.callingStationId = *station;
  switch ((control >> 4) & 3) {
    case 1:
      if (chap) r.chapPassword = *chap;
      if (challenge) r.chapChallenge = *challenge;
      break;
    case 2:
      if (msChap) r.msChap2Response = *msChap;
      if (challenge) r.msChapChallenge = *challenge;
      break;
    default: break;
  }
  auto snap = snapshot();
  aaa::policy::Decision d = aaa::policy::authorize(r, *snap, kNow);
  if (!d.accept) return 0;

  FUZZ_CHECK(d.subscriber != nullptr && d.plan != nullptr, "an accept names its subscriber and plan");
  const Known* k = knownByStoredName(d.subscriber->username);
  FUZZ_CHECK(k != nullptr, "accepted an unknown subscriber: " + d.subscriber->username);
  FUZZ_CHECK(d.subscriber->status == aaa::policy::SubscriberStatus::kActive, "accepted a suspended subscriber");
  switch (d.method) {
    case aaa::policy::AuthMethod::kPap:
      FUZZ_CHECK(!k->password.empty(), "PAP accept of a subscriber without a password: " + k->name);
      FUZZ_CHECK(r.userPassword && *r.userPassword == k->password, "PAP accept with another password: " + k->name);
      break;
    case aaa::policy::AuthMethod::kChap: {
      FUZZ_CHECK(!k->password.empty() && k->keepCleartext, "CHAP accept without a stored cleartext: " + k->name);
      FUZZ_CHECK(r.chapPassword && r.chapPassword->size() == 17, "CHAP accept without a 17-octet CHAP-Password");
      std::string_view ch = r.chapChallenge ? *r.chapChallenge
                                            : std::string_view(reinterpret_cast<const char*>(kRequestAuth), 16);
      std::array<uint8_t, 16> want = chapOracle(static_cast<uint8_t>((*r.chapPassword)[0]), k->password, ch);
      FUZZ_CHECK(std::memcmp(want.data(), r.chapPassword->data() + 1, 16) == 0, "CHAP accept with a wrong response");
      break;
    }
    case aaa::policy::AuthMethod::kMsChapV2: {
      FUZZ_CHECK(!k->password.empty(), "MS-CHAPv2 accept of a subscriber without a password");
      FUZZ_CHECK(r.msChap2Response && r.msChap2Response->size() == 50 && r.msChapChallenge &&
                     r.msChapChallenge->size() == 16,
                 "MS-CHAPv2 accept with malformed fields");
      const auto* resp = reinterpret_cast<const uint8_t*>(r.msChap2Response->data());
      aaa::auth::NtHash hash = aaa::auth::ntPasswordHash(k->password);
      std::array<uint8_t, 24> want = aaa::auth::generateNtResponse(
          reinterpret_cast<const uint8_t*>(r.msChapChallenge->data()), resp + 2, r.userName, hash);
      FUZZ_CHECK(std::memcmp(want.data(), resp + 26, 24) == 0, "MS-CHAPv2 accept with a wrong NT-Response");
      break;
    }
    case aaa::policy::AuthMethod::kMac: {
      FUZZ_CHECK(k->password.empty(), "MAC accept of a subscriber with a password: " + k->name);
      std::optional<aaa::auth::MacAddress> nameMac = aaa::auth::parseMac(r.userName);
      std::optional<aaa::auth::MacAddress> stationMac =
          r.callingStationId ? aaa::auth::parseMac(*r.callingStationId) : std::nullopt;
      FUZZ_CHECK(nameMac && stationMac && *nameMac == *stationMac,
                 "MAC accept without the station being that MAC: " + k->name);
      break;
    }
    case aaa::policy::AuthMethod::kNone: fuzz::fail(kTarget, "an accept without a method");
    case aaa::policy::AuthMethod::kEapTls: fuzz::fail(kTarget, "an EAP-TLS accept from authorize() (only authorizeCertificate gives one)");
  }
  if (d.subscriber->mac) {
    std::optional<aaa::auth::MacAddress> stationMac =
        r.callingStationId ? aaa::auth::parseMac(*r.callingStationId) : std::nullopt;
    FUZZ_CHECK(stationMac && *stationMac == *d.subscriber->mac, "a MAC-bound subscriber accepted from another station");
  }
  return 0;
}
