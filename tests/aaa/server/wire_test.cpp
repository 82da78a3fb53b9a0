// The auth hot path's wire codec against libfreeradius (the general codec) and pyrad's bytes:
// both must read and write the same packets.
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "aaa/radius/attributes.h"
#include "aaa/radius/dictionary.h"
#include "aaa/radius/packet.h"
#include "aaa/radius/wire.h"
#include "tests/aaa/radius_test_support.h"

#include <CppUTest/TestHarness.h>

namespace {

using namespace aaa::radius;  // NOLINT

// The shared fixture (tests/support/radius_dictionary.h), loaded before main().
using aaa::radius::testing::attributes;
using aaa::radius::testing::dictionary;

std::string str(std::string_view v) { return std::string(v); }

}  // namespace

TEST_GROUP(Wire){};

TEST(Wire, ParsesPyradGoldenVectorLikeLibfreeradius) {
  std::vector<uint8_t> raw = testing::loadVector("access_request_pyrad.hex");
  CHECK(raw.size() > 20);
  wire::HmacMd5 secret(testing::kSecret);
  wire::RequestFields f;
  CHECK(wire::parseAccessRequest(raw.data(), raw.size(), secret, attributes(), f) == wire::ParseResult::kOk);
  core::Result<Packet> lib = decode(raw.data(), raw.size(), testing::kSecret);
  CHECK_TRUE(lib.isOk());
  STRCMP_EQUAL(lib->find(attributes().userName)->value.bytes.c_str(), str(f.view.userName).c_str());
  STRCMP_EQUAL(lib->find(attributes().userPassword)->value.bytes.c_str(), str(*f.view.userPassword).c_str());
  STRCMP_EQUAL("correct horse battery staple", str(*f.view.userPassword).c_str());
  STRCMP_EQUAL(lib->find(attributes().callingStationId)->value.bytes.c_str(), str(*f.view.callingStationId).c_str());
}

TEST(Wire, TamperedOrWrongSecretFailsTheMessageAuthenticator) {
  std::vector<uint8_t> raw = testing::loadVector("access_request_pyrad.hex");
  wire::RequestFields f;
  wire::HmacMd5 wrong("testing124");
  CHECK(wire::parseAccessRequest(raw.data(), raw.size(), wrong, attributes(), f) ==
        wire::ParseResult::kBadMessageAuthenticator);
  raw[raw.size() - 1] ^= 1;
  wire::HmacMd5 secret(testing::kSecret);
  CHECK(wire::parseAccessRequest(raw.data(), raw.size(), secret, attributes(), f) ==
        wire::ParseResult::kBadMessageAuthenticator);
}

TEST(Wire, MalformedAttributeListsAreRefused) {
  std::vector<uint8_t> raw = testing::loadVector("access_request_pyrad.hex");
  wire::HmacMd5 secret(testing::kSecret);
  wire::RequestFields f;
  std::vector<uint8_t> zeroLen = raw;
  zeroLen[21] = 0;
  CHECK(wire::parseAccessRequest(zeroLen.data(), zeroLen.size(), secret, attributes(), f) ==
        wire::ParseResult::kMalformed);
  std::vector<uint8_t> overflow = raw;
  overflow[21] = 250;
  CHECK(wire::parseAccessRequest(overflow.data(), overflow.size(), secret, attributes(), f) ==
        wire::ParseResult::kMalformed);
  const uint8_t* ma;
  int count;
  CHECK_FALSE(wire::walkAttributes(raw.data(), raw.size() - 1, &ma, &count));
}

// Regression (issue 19): a vendor attribute in its vendor's own format (USR: 4-octet type; Lucent:
// 2-octet type and length) made the whole Access-Request malformed.
TEST(Wire, VendorAttributesInOtherFormatsAreSkipped) {
  const std::vector<uint8_t> golden = testing::loadVector("access_request_pyrad.hex");
  wire::HmacMd5 secret(testing::kSecret);
  const std::vector<std::vector<uint8_t>> vsas = {
      // USR (429): type 0x00000001 in 4 octets, then the value; no sub-length at all.
      {26, 14, 0, 0, 0x01, 0xad, 0, 0, 0, 1, 'a', 'b', 'c', 'd'},
      // Lucent (4846): 2-octet type, 1-octet length (their "format=2,1"), value "xy".
      {26, 11, 0, 0, 0x12, 0xee, 0, 5, 5, 'x', 'y'},
      // A common-format vendor whose sub-length runs past the end: not ours to judge.
      {26, 10, 0, 0, 0x37, 0x2a, 1, 40, 'z', 'z'},
  };
  for (const std::vector<uint8_t>& vsa : vsas) {
    std::vector<uint8_t> raw = golden;
    raw.insert(raw.end(), vsa.begin(), vsa.end());
    raw[2] = static_cast<uint8_t>(raw.size() >> 8);
    raw[3] = static_cast<uint8_t>(raw.size());
    const uint8_t* ma = nullptr;
    int count = 0;
    CHECK_TRUE(wire::walkAttributes(raw.data(), raw.size(), &ma, &count));
    LONGS_EQUAL(1, count);
    uint8_t mac[16];
    secret.compute(raw.data(), raw.size(), nullptr, ma, mac);
    std::memcpy(const_cast<uint8_t*>(ma), mac, 16);
    wire::RequestFields f;
    CHECK(wire::parseAccessRequest(raw.data(), raw.size(), secret, attributes(), f) == wire::ParseResult::kOk);
    STRCMP_EQUAL("correct horse battery staple", str(*f.view.userPassword).c_str());
  }
}

TEST(Wire, RandomRequestsEncodedByLibfreeradiusParseTheSame) {
  std::mt19937 rng(12345);
  const Attributes& a = attributes();
  for (int i = 0; i < 500; ++i) {
    std::string user = "user" + std::to_string(rng() % 100000);
    std::string password(1 + rng() % 60, 'x');
    for (char& c : password) c = static_cast<char>('!' + rng() % 90);
    std::string secret = "s" + std::to_string(rng());
    Packet p;
    p.code = PacketCode::kAccessRequest;
    p.id = static_cast<uint8_t>(rng());
    for (auto& b : p.authenticator) b = static_cast<uint8_t>(rng());
    p.attributes.push_back(Attribute{a.messageAuthenticator, Value::octets(std::string(16, '\0')), 0});
    p.attributes.push_back(Attribute{a.userName, Value::string(user), 0});
    p.attributes.push_back(Attribute{a.userPassword, Value::string(password), 0});
    p.attributes.push_back(Attribute{a.callingStationId, Value::string("02-00-00-00-00-" + std::to_string(i % 90 + 10)), 0});
    int proxies = static_cast<int>(rng() % 3);
    for (int k = 0; k < proxies; ++k)
      p.attributes.push_back(Attribute{a.proxyState, Value::octets("ps" + std::to_string(k)), 0});
    core::Result<std::vector<uint8_t>> raw = encode(p, secret);
    CHECK_TRUE(raw.isOk());
    wire::HmacMd5 key(secret);
    wire::RequestFields f;
    CHECK(wire::parseAccessRequest(raw->data(), raw->size(), key, a, f) == wire::ParseResult::kOk);
    STRCMP_EQUAL(user.c_str(), str(f.view.userName).c_str());
    STRCMP_EQUAL(password.c_str(), str(*f.view.userPassword).c_str());
    LONGS_EQUAL(proxies, f.proxyStateCount);
    for (int k = 0; k < proxies; ++k) STRCMP_EQUAL(("ps" + std::to_string(k)).c_str(), str(f.proxyStates[k]).c_str());
  }
}

TEST(Wire, RepliesBuiltHereDecodeWithLibfreeradius) {
  const Attributes& a = attributes();
  std::string secret = "reply-secret";
  Authenticator requestAuth;
  for (size_t i = 0; i < 16; ++i) requestAuth[i] = static_cast<uint8_t>(i * 7);
  std::string sendKey(16, '\x11'), recvKey(16, '\x22');
  std::vector<Attribute> attrs = {
      {a.sessionTimeout, Value::uint32(7200), 0},
      {a.framedIpAddress, Value::ipv4(100, 64, 0, 10), 0},
      {a.mikrotikRateLimit, Value::string("10M/20M"), 0},
      {a.wisprBandwidthMaxDown, Value::uint32(20000000), 0},
      {a.msMppeSendKey, Value::octets(sendKey), 0},
      {a.msMppeRecvKey, Value::octets(recvKey), 0},
      {a.replyMessage, Value::string("Welcome"), 0},
  };
  wire::HmacMd5 key(secret);
  wire::ReplyBuilder out;
  out.start(2, 77);
  for (const Attribute& attr : attrs) CHECK_TRUE(out.add(attr, a, key, requestAuth.data()));
  CHECK_TRUE(out.addRaw(static_cast<uint8_t>(a.proxyState.attr), reinterpret_cast<const uint8_t*>("px"), 2));
  size_t n = out.finish(key, requestAuth.data());
  CHECK(n > 20);
  LONGS_EQUAL(80, out.data()[20]);  // Message-Authenticator first
  // libfreeradius verifies the Response Authenticator and the Message-Authenticator and decrypts
  // the MPPE keys.
  core::Result<Packet> lib = decode(out.data(), n, secret, &requestAuth);
  CHECK_TRUE(lib.isOk());
  LONGS_EQUAL(77, lib->id);
  LONGS_EQUAL(7200, lib->find(a.sessionTimeout)->value.number);
  LONGS_EQUAL(0x6440000a, lib->find(a.framedIpAddress)->value.number);
  STRCMP_EQUAL("10M/20M", lib->find(a.mikrotikRateLimit)->value.bytes.c_str());
  LONGS_EQUAL(20000000, lib->find(a.wisprBandwidthMaxDown)->value.number);
  CHECK(lib->find(a.msMppeSendKey)->value.bytes == sendKey);
  CHECK(lib->find(a.msMppeRecvKey)->value.bytes == recvKey);
  STRCMP_EQUAL("px", lib->find(a.proxyState)->value.bytes.c_str());
  core::Result<MessageAuthenticatorCheck> check = verifyMessageAuthenticator(out.data(), n, secret, &requestAuth);
  CHECK_TRUE(check.isOk());
  CHECK(*check == MessageAuthenticatorCheck::kValid);
  // A wrong request authenticator must fail the Response Authenticator check.
  Authenticator other = requestAuth;
  other[0] ^= 1;
  CHECK_FALSE(decode(out.data(), n, secret, &other).isOk());
}

TEST(Wire, OversizedRepliesFailInsteadOfTruncating) {
  const Attributes& a = attributes();
  wire::HmacMd5 key("k");
  wire::ReplyBuilder out;
  out.start(2, 1);
  std::string big(253, 'x');
  bool ok = true;
  for (int i = 0; i < 20 && ok; ++i) ok = out.add(Attribute{a.replyMessage, Value::string(big), 0}, a, key, nullptr);
  CHECK_FALSE(ok);
  uint8_t auth[16] = {};
  LONGS_EQUAL(0, out.finish(key, auth));
}
