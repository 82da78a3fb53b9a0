// MS-MPPE-Send-Key / MS-MPPE-Recv-Key encryption (RFC 2548 2.4.2) against an implementation written
// from the RFC with Python's hashlib (pyrad 2.1's SaltCrypt fails on Python 3).
#include <string>
#include <vector>

#include "aaa/auth/mppe.h"
#include "aaa/auth/mschap.h"
#include "tests/aaa/auth/auth_test_support.h"
#include "tests/aaa/auth/auth_vectors.h"

#include <CppUTest/TestHarness.h>

using namespace aaa::auth;
using namespace aaa::auth::testing;

namespace {
const std::array<uint8_t, 16> kMppeAuthenticator = arrayFromHex<16>(vectors::kRequestAuthenticatorHex);
}

TEST_GROUP(Mppe){};

TEST(Mppe, Rfc2548Section2_4_2_EncryptsLikeTheReference) {
  for (const auto& v : vectors::kMppe) {
    auto key = fromHex(v.keyHex);
    auto salt = fromHex(v.saltHex);
    uint8_t out[64];
    size_t n = 0;
    CHECK_TRUE(encryptMppeKey(key.data(), key.size(), vectors::kSecret, kMppeAuthenticator.data(), salt.data(), out,
                              sizeof(out), &n).isOk());
    CHECK_EQUAL(mppeKeyValueLength(key.size()), n);
    STRCMP_EQUAL_TEXT(upperHex(v.valueHex).c_str(), toHex(out, n).c_str(), v.keyHex);
  }
}

TEST(Mppe, Rfc2548Section2_4_2_SixteenOctetKeyIsThirtyFourOctets) { CHECK_EQUAL(34u, mppeKeyValueLength(16)); }

TEST(Mppe, Rfc2548Section2_4_2_DecryptsTheReference) {
  for (const auto& v : vectors::kMppe) {
    auto value = fromHex(v.valueHex);
    uint8_t key[64];
    size_t n = 0;
    CHECK_TRUE(decryptMppeKey(value.data(), value.size(), vectors::kSecret, kMppeAuthenticator.data(), key, sizeof(key), &n)
                   .isOk());
    STRCMP_EQUAL(upperHex(v.keyHex).c_str(), toHex(key, n).c_str());
  }
}

TEST(Mppe, Rfc2548Section2_4_2_RoundTripOfLongKeys) {
  for (size_t len : {size_t{1}, size_t{15}, size_t{16}, size_t{31}, size_t{32}, size_t{100}, kMppeMaxKeyLength}) {
    std::vector<uint8_t> key(len);
    for (size_t i = 0; i < len; ++i) key[i] = static_cast<uint8_t>(i * 7 + 3);
    const uint8_t salt[2] = {0x9A, 0x01};
    uint8_t value[256];
    size_t n = 0;
    CHECK_TRUE(encryptMppeKey(key.data(), len, "s", kMppeAuthenticator.data(), salt, value, sizeof(value), &n).isOk());
    CHECK_TRUE(n <= 247);  // fits a Vendor-Specific attribute
    uint8_t back[256];
    size_t m = 0;
    CHECK_TRUE(decryptMppeKey(value, n, "s", kMppeAuthenticator.data(), back, sizeof(back), &m).isOk());
    CHECK_TRUE(std::vector<uint8_t>(back, back + m) == key);
  }
}

TEST(Mppe, Rfc2548Section2_4_2_SaltHighBitIsRequired) {
  auto key = fromHex(vectors::kMppe[0].keyHex);
  const uint8_t salt[2] = {0x7F, 0xFF};
  uint8_t out[64];
  size_t n = 0;
  auto s = encryptMppeKey(key.data(), key.size(), vectors::kSecret, kMppeAuthenticator.data(), salt, out, sizeof(out), &n);
  CHECK_FALSE(s.isOk());
  CHECK_TRUE(s.code() == core::Code::kInvalidArgument);
  CHECK_EQUAL(0u, n);

  auto value = fromHex(vectors::kMppe[0].valueHex);
  value[0] &= 0x7F;
  uint8_t back[64];
  CHECK_FALSE(decryptMppeKey(value.data(), value.size(), vectors::kSecret, kMppeAuthenticator.data(), back, sizeof(back), &n)
                  .isOk());
}

TEST(Mppe, Rfc2548Section2_4_2_SaltAndAuthenticatorChangeTheCiphertext) {
  auto key = fromHex(vectors::kMppe[0].keyHex);
  const uint8_t saltA[2] = {0x80, 0x01};
  const uint8_t saltB[2] = {0x80, 0x02};
  uint8_t a[34], b[34], c[34];
  size_t n = 0;
  CHECK_TRUE(encryptMppeKey(key.data(), 16, "s", kMppeAuthenticator.data(), saltA, a, sizeof(a), &n).isOk());
  CHECK_TRUE(encryptMppeKey(key.data(), 16, "s", kMppeAuthenticator.data(), saltB, b, sizeof(b), &n).isOk());
  auto other = kMppeAuthenticator;
  other[0] ^= 1;
  CHECK_TRUE(encryptMppeKey(key.data(), 16, "s", other.data(), saltA, c, sizeof(c), &n).isOk());
  CHECK_FALSE(toHex(a + 2, 32) == toHex(b + 2, 32));
  CHECK_FALSE(toHex(a + 2, 32) == toHex(c + 2, 32));
}

TEST(Mppe, Rfc2548Section2_4_2_BadInputs) {
  const uint8_t salt[2] = {0x80, 0x01};
  uint8_t key[16] = {};
  uint8_t out[64];
  size_t n = 0;
  CHECK_FALSE(encryptMppeKey(key, 0, "s", kMppeAuthenticator.data(), salt, out, sizeof(out), &n).isOk());
  CHECK_FALSE(encryptMppeKey(key, 16, "", kMppeAuthenticator.data(), salt, out, sizeof(out), &n).isOk());
  CHECK_FALSE(encryptMppeKey(key, 16, "s", kMppeAuthenticator.data(), salt, out, 33, &n).isOk());
  std::vector<uint8_t> big(kMppeMaxKeyLength + 1);
  uint8_t wide[300];
  CHECK_FALSE(encryptMppeKey(big.data(), big.size(), "s", kMppeAuthenticator.data(), salt, wide, sizeof(wide), &n).isOk());

  auto value = fromHex(vectors::kMppe[0].valueHex);
  uint8_t back[64];
  for (size_t len : {0u, 2u, 17u, 33u, 35u}) {
    CHECK_FALSE_TEXT(decryptMppeKey(value.data(), len, vectors::kSecret, kMppeAuthenticator.data(), back, sizeof(back), &n)
                         .isOk(),
                     std::to_string(len).c_str());
  }
  CHECK_FALSE(decryptMppeKey(value.data(), value.size(), vectors::kSecret, kMppeAuthenticator.data(), back, 15, &n).isOk());
}

TEST(Mppe, Rfc2548Section2_4_2_WrongSecretIsUsuallyDetected) {
  // A wrong secret decrypts Key-Length to garbage; with 32 encrypted octets only a declared length of
  // 1..31 passes, so most secrets are caught and none yields the right key.
  auto value = fromHex(vectors::kMppe[0].valueHex);
  uint8_t back[64];
  size_t n = 0;
  auto s = decryptMppeKey(value.data(), value.size(), "testing124", kMppeAuthenticator.data(), back, sizeof(back), &n);
  if (s.isOk()) {
    CHECK_FALSE(toHex(back, n) == upperHex(vectors::kMppe[0].keyHex));
  } else {
    CHECK_EQUAL(0u, n);
  }
}

TEST(Mppe, Rfc3079AndRfc2548_ServerKeysFromMsChapV2EncryptAndDecrypt) {
  // The path the encoder takes: keys from verifyMsChapV2() -> two attributes with distinct salts.
  const auto auth = arrayFromHex<16>("5B5D7C7D7B3F2F3E3C2C602132262628");
  // MS-CHAP2-Response: Ident 1, Flags 0, Peer-Challenge, 8 reserved zeros, NT-Response (RFC 2759 9.2).
  auto attr = fromHex("01 00 21402324255E262A28295F2B3A337C7E 0000000000000000"
                      "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF");
  MsChapV2Accept accept;
  CHECK_TRUE(MsChapV2Verdict::kAccept ==
             verifyMsChapV2(attr.data(), attr.size(), auth.data(), 16, "User", ntPasswordHash("clientPass"), &accept));
  const uint8_t sendSalt[2] = {0x80, 0x01};
  uint8_t sendValue[34];
  size_t n = 0;
  CHECK_TRUE(encryptMppeKey(accept.mppeSendKey.data(), 16, vectors::kSecret, kMppeAuthenticator.data(), sendSalt,
                            sendValue, sizeof(sendValue), &n).isOk());
  STRCMP_EQUAL(upperHex(vectors::kMppe[0].valueHex).c_str(), toHex(sendValue, n).c_str());
  const uint8_t recvSalt[2] = {0x80, 0x02};
  uint8_t recvValue[34];
  CHECK_TRUE(encryptMppeKey(accept.mppeRecvKey.data(), 16, vectors::kSecret, kMppeAuthenticator.data(), recvSalt,
                            recvValue, sizeof(recvValue), &n).isOk());
  STRCMP_EQUAL(upperHex(vectors::kMppe[1].valueHex).c_str(), toHex(recvValue, n).c_str());
}
