// CHAP (RFC 1994 4.1, RFC 2865 5.3 / 2.2) against responses computed by Python's hashlib.
#include <string>
#include <vector>

#include "aaa/auth/chap.h"
#include "tests/aaa/auth/auth_test_support.h"
#include "tests/aaa/auth/auth_vectors.h"

#include <CppUTest/TestHarness.h>

using namespace aaa::auth;
using namespace aaa::auth::testing;

TEST_GROUP(Chap){};

TEST(Chap, Rfc1994Section4_1_ResponseIsMd5OfIdentPasswordChallenge) {
  for (const auto& v : vectors::kChap) {
    std::string password = stringFromHex(v.passwordHex);
    auto challenge = fromHex(v.challengeHex);
    auto response = chapResponse(static_cast<uint8_t>(v.ident), password, challenge.data(), challenge.size());
    STRCMP_EQUAL_TEXT(upperHex(v.responseHex).c_str(), toHex(response).c_str(), v.passwordHex);
    auto want = fromHex(v.responseHex);
    CHECK_TRUE(chapMatches(static_cast<uint8_t>(v.ident), want.data(), challenge.data(), challenge.size(), password));
  }
}

TEST(Chap, Rfc2865Section5_3_ChapPasswordAttribute) {
  const auto& v = vectors::kChap[0];
  auto challenge = fromHex(v.challengeHex);
  std::vector<uint8_t> attr{static_cast<uint8_t>(v.ident)};
  for (uint8_t b : fromHex(v.responseHex)) attr.push_back(b);
  CHECK_EQUAL(kChapPasswordLength, attr.size());
  CHECK_TRUE(chapPasswordMatches(attr.data(), attr.size(), challenge.data(), challenge.size(), "hello"));

  // Truncated and over-long values.
  CHECK_FALSE(chapPasswordMatches(attr.data(), 16, challenge.data(), challenge.size(), "hello"));
  CHECK_FALSE(chapPasswordMatches(attr.data(), 0, challenge.data(), challenge.size(), "hello"));
  attr.push_back(0);
  CHECK_FALSE(chapPasswordMatches(attr.data(), attr.size(), challenge.data(), challenge.size(), "hello"));
  CHECK_FALSE(chapPasswordMatches(nullptr, 17, challenge.data(), challenge.size(), "hello"));
}

TEST(Chap, Rfc2865Section2_2_RequestAuthenticatorAsChallenge) {
  // kChap[2] was computed with the Request Authenticator as the challenge (no CHAP-Challenge).
  const auto& v = vectors::kChap[2];
  auto ra = fromHex(vectors::kRequestAuthenticatorHex);
  auto response = fromHex(v.responseHex);
  CHECK_TRUE(chapMatches(0xFF, response.data(), ra.data(), ra.size(), "correct horse battery staple"));
}

TEST(Chap, Rfc1994Section4_1_WrongIdentPasswordOrChallengeFails) {
  const auto& v = vectors::kChap[0];
  auto challenge = fromHex(v.challengeHex);
  auto response = fromHex(v.responseHex);
  CHECK_TRUE(chapMatches(0x2A, response.data(), challenge.data(), challenge.size(), "hello"));
  CHECK_FALSE(chapMatches(0x2B, response.data(), challenge.data(), challenge.size(), "hello"));  // ident
  CHECK_FALSE(chapMatches(0x2A, response.data(), challenge.data(), challenge.size(), "hellO"));  // password
  CHECK_FALSE(chapMatches(0x2A, response.data(), challenge.data(), challenge.size(), "hello "));
  CHECK_FALSE(chapMatches(0x2A, response.data(), challenge.data(), challenge.size() - 1, "hello"));  // challenge
  auto other = challenge;
  other[0] ^= 0x80;
  CHECK_FALSE(chapMatches(0x2A, response.data(), other.data(), other.size(), "hello"));
  auto flipped = response;
  flipped[15] ^= 0x01;
  CHECK_FALSE(chapMatches(0x2A, flipped.data(), challenge.data(), challenge.size(), "hello"));
}

TEST(Chap, EmptyChallengeOrPasswordNeverMatches) {
  // With no challenge the "response" would be MD5(ident || password): replayable; refused.
  auto response = chapResponse(1, "hello", nullptr, 0);
  CHECK_FALSE(chapMatches(1, response.data(), nullptr, 0, "hello"));
  const uint8_t challenge[5] = {1, 2, 3, 4, 5};
  auto emptyPassword = chapResponse(1, "", challenge, sizeof(challenge));
  CHECK_FALSE(chapMatches(1, emptyPassword.data(), challenge, sizeof(challenge), ""));
}
