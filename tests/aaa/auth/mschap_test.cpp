// MS-CHAPv2 (RFC 2759 9.2 vectors), its RADIUS attributes (RFC 2548 2.3) and the MPPE keys
// (RFC 3079 3.5.3 vectors).
#include <string>
#include <vector>

#include "aaa/auth/credentials.h"
#include "aaa/auth/mschap.h"
#include "tests/aaa/auth/auth_test_support.h"
#include "tests/aaa/auth/auth_vectors.h"

#include <CppUTest/TestHarness.h>

using namespace aaa::auth;
using namespace aaa::auth::testing;

namespace {

// RFC 2759 9.2.
constexpr const char* kUserName = "User";
constexpr const char* kPassword = "clientPass";
const auto kAuthChallenge = arrayFromHex<16>("5B 5D 7C 7D 7B 3F 2F 3E 3C 2C 60 21 32 26 26 28");
const auto kPeerChallenge = arrayFromHex<16>("21 40 23 24 25 5E 26 2A 28 29 5F 2B 3A 33 7C 7E");
constexpr const char* kChallengeHash = "D02E4386BCE91226";
constexpr const char* kPasswordHash = "44EBBA8D5312B8D611474411F56989AE";
constexpr const char* kNtResponse = "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF";
constexpr const char* kPasswordHashHash = "41C00C584BD2D91C4017A2A12FA59F3F";
constexpr const char* kAuthenticatorResponse = "S=407A5589115FD0D6209F510FE9C04566932CDA56";
// RFC 3079 3.5.3 (128-bit key).
constexpr const char* kMasterKey = "FDECE3717A8C838CB388E527AE3CDD31";
constexpr const char* kSendStartKey128 = "8B7CDC149B993A1BA118CB153F56DCCB";

// The MS-CHAP2-Response attribute value a peer would send for the RFC 2759 9.2 exchange.
std::vector<uint8_t> rfcResponseAttribute(uint8_t ident = 0x07) {
  std::vector<uint8_t> v(kMsChap2ResponseLength, 0x00);  // Flags and Reserved stay zero
  v[0] = ident;
  for (size_t i = 0; i < 16; ++i) v[2 + i] = kPeerChallenge[i];
  auto nt = fromHex(kNtResponse);
  for (size_t i = 0; i < kNtResponseLength; ++i) v[26 + i] = nt[i];
  return v;
}

NtHash rfcHash() { return ntPasswordHash(kPassword); }

std::string str(const std::array<char, 42>& a) { return std::string(a.begin(), a.end()); }

}  // namespace

TEST_GROUP(MsChapV2){};

TEST(MsChapV2, Rfc2759Section9_2_ChallengeHash) {
  STRCMP_EQUAL(kChallengeHash, toHex(challengeHash(kPeerChallenge.data(), kAuthChallenge.data(), kUserName)).c_str());
}

TEST(MsChapV2, Rfc2759Section9_2_PasswordHash) { STRCMP_EQUAL(kPasswordHash, toHex(rfcHash()).c_str()); }

TEST(MsChapV2, Rfc2759Section9_2_ChallengeResponse) {
  auto challenge = arrayFromHex<8>(kChallengeHash);
  STRCMP_EQUAL(kNtResponse, toHex(challengeResponse(challenge.data(), rfcHash())).c_str());
}

TEST(MsChapV2, Rfc2759Section9_2_NtResponse) {
  auto nt = generateNtResponse(kAuthChallenge.data(), kPeerChallenge.data(), kUserName, rfcHash());
  STRCMP_EQUAL(kNtResponse, toHex(nt).c_str());
}

TEST(MsChapV2, Rfc2759Section9_2_PasswordHashHash) {
  STRCMP_EQUAL(kPasswordHashHash, toHex(hashNtPasswordHash(rfcHash())).c_str());
}

TEST(MsChapV2, Rfc2759Section9_2_AuthenticatorResponse) {
  auto nt = arrayFromHex<24>(kNtResponse);
  auto s = generateAuthenticatorResponse(rfcHash(), nt.data(), kPeerChallenge.data(), kAuthChallenge.data(), kUserName);
  STRCMP_EQUAL(kAuthenticatorResponse, str(s).c_str());
}

TEST(MsChapV2, Rfc2759Section4_DomainPrefixIsNotHashed) {
  STRCMP_EQUAL("User", std::string(msChapUserName("EXAMPLE\\User")).c_str());
  STRCMP_EQUAL("User", std::string(msChapUserName("User")).c_str());
  STRCMP_EQUAL("User@realm", std::string(msChapUserName("User@realm")).c_str());
  STRCMP_EQUAL("", std::string(msChapUserName("DOMAIN\\")).c_str());
  auto nt = generateNtResponse(kAuthChallenge.data(), kPeerChallenge.data(), "EXAMPLE\\User", rfcHash());
  STRCMP_EQUAL(kNtResponse, toHex(nt).c_str());
  auto attr = rfcResponseAttribute();
  CHECK_TRUE(MsChapV2Verdict::kAccept == verifyMsChapV2(attr.data(), attr.size(), kAuthChallenge.data(), 16,
                                                       "EXAMPLE\\User", rfcHash(), nullptr));
}

TEST(MsChapV2, Rfc3079Section3_5_3_MasterKey) {
  auto nt = arrayFromHex<24>(kNtResponse);
  auto master = getMasterKey(hashNtPasswordHash(rfcHash()), nt.data());
  STRCMP_EQUAL(kMasterKey, toHex(master).c_str());
}

TEST(MsChapV2, Rfc3079Section3_5_3_SendStartKey128IsTheServerSendKey) {
  auto master = arrayFromHex<16>(kMasterKey);
  STRCMP_EQUAL(kSendStartKey128, toHex(getAsymmetricStartKey(master, /*isSend=*/true, /*isServer=*/true)).c_str());
  // The RFC does not print the other direction: hashlib's value (gen_auth_vectors.py).
  STRCMP_EQUAL(upperHex(vectors::kRfc3079ServerRecvKeyHex).c_str(),
               toHex(getAsymmetricStartKey(master, /*isSend=*/false, /*isServer=*/true)).c_str());
  // RFC 3079 3.4: the server's send key is the client's receive key, and the other way round.
  CHECK_TRUE(getAsymmetricStartKey(master, true, true) == getAsymmetricStartKey(master, false, false));
  CHECK_TRUE(getAsymmetricStartKey(master, false, true) == getAsymmetricStartKey(master, true, false));
  CHECK_FALSE(getAsymmetricStartKey(master, true, true) == getAsymmetricStartKey(master, false, true));
}

TEST_GROUP(MsChapV2Radius){};

TEST(MsChapV2Radius, Rfc2548Section2_3_AcceptBuildsSuccessAndMppeKeys) {
  auto attr = rfcResponseAttribute(0x07);
  MsChapV2Accept accept;
  auto verdict = verifyMsChapV2(attr.data(), attr.size(), kAuthChallenge.data(), kAuthChallenge.size(), kUserName,
                                rfcHash(), &accept);
  CHECK_TRUE(verdict == MsChapV2Verdict::kAccept);
  // RFC 2548 2.3.3: Ident of the response, then the 42-character authenticator response.
  CHECK_EQUAL(0x07, accept.successValue[0]);
  STRCMP_EQUAL(kAuthenticatorResponse,
               std::string(accept.successValue.begin() + 1, accept.successValue.end()).c_str());
  CHECK_EQUAL(43u, accept.successValue.size());
  STRCMP_EQUAL(kSendStartKey128, toHex(accept.mppeSendKey).c_str());
  STRCMP_EQUAL(upperHex(vectors::kRfc3079ServerRecvKeyHex).c_str(), toHex(accept.mppeRecvKey).c_str());
}

TEST(MsChapV2Radius, Rfc2759Section9_2_WrongPasswordIsRejected) {
  auto attr = rfcResponseAttribute();
  MsChapV2Accept accept;
  accept.mppeSendKey.fill(0xAA);
  auto verdict = verifyMsChapV2(attr.data(), attr.size(), kAuthChallenge.data(), 16, kUserName,
                                ntPasswordHash("clientPasS"), &accept);
  CHECK_TRUE(verdict == MsChapV2Verdict::kReject);
  // Nothing of an Accept is left behind.
  CHECK_TRUE(accept.mppeSendKey == MppeKey{});
  CHECK_EQUAL(0, accept.successValue[1]);
}

TEST(MsChapV2Radius, Rfc2759Section9_2_WrongUserNameOrChallengeIsRejected) {
  auto attr = rfcResponseAttribute();
  CHECK_TRUE(MsChapV2Verdict::kReject ==
             verifyMsChapV2(attr.data(), attr.size(), kAuthChallenge.data(), 16, "user", rfcHash(), nullptr));
  auto challenge = kAuthChallenge;
  challenge[0] ^= 0x01;
  CHECK_TRUE(MsChapV2Verdict::kReject ==
             verifyMsChapV2(attr.data(), attr.size(), challenge.data(), 16, kUserName, rfcHash(), nullptr));
  // A tampered peer challenge or NT-Response.
  auto tampered = attr;
  tampered[2] ^= 0x01;
  CHECK_TRUE(MsChapV2Verdict::kReject ==
             verifyMsChapV2(tampered.data(), tampered.size(), kAuthChallenge.data(), 16, kUserName, rfcHash(), nullptr));
  tampered = attr;
  tampered[49] ^= 0x80;
  CHECK_TRUE(MsChapV2Verdict::kReject ==
             verifyMsChapV2(tampered.data(), tampered.size(), kAuthChallenge.data(), 16, kUserName, rfcHash(), nullptr));
}

TEST(MsChapV2Radius, Rfc2548Section2_3_2_IdentIsEchoedNotAuthenticated) {
  // The Ident is not covered by the NT-Response: any value verifies, and the Success value echoes it.
  auto attr = rfcResponseAttribute(0xC4);
  MsChapV2Accept accept;
  CHECK_TRUE(MsChapV2Verdict::kAccept ==
             verifyMsChapV2(attr.data(), attr.size(), kAuthChallenge.data(), 16, kUserName, rfcHash(), &accept));
  CHECK_EQUAL(0xC4, accept.successValue[0]);
}

TEST(MsChapV2Radius, Rfc2548Section2_3_2_TruncatedOrLongValuesAreMalformed) {
  auto attr = rfcResponseAttribute();
  for (size_t len : {0u, 1u, 26u, 49u}) {
    CHECK_TRUE_TEXT(MsChapV2Verdict::kMalformed == verifyMsChapV2(attr.data(), len, kAuthChallenge.data(), 16,
                                                                  kUserName, rfcHash(), nullptr),
                    std::to_string(len).c_str());
  }
  attr.push_back(0);
  CHECK_TRUE(MsChapV2Verdict::kMalformed ==
             verifyMsChapV2(attr.data(), attr.size(), kAuthChallenge.data(), 16, kUserName, rfcHash(), nullptr));
  attr.pop_back();
  CHECK_TRUE(MsChapV2Verdict::kMalformed ==
             verifyMsChapV2(nullptr, 50, kAuthChallenge.data(), 16, kUserName, rfcHash(), nullptr));
  // MS-CHAP-Challenge must be 16 octets for v2 (8 is MS-CHAPv1's).
  CHECK_TRUE(MsChapV2Verdict::kMalformed ==
             verifyMsChapV2(attr.data(), attr.size(), kAuthChallenge.data(), 8, kUserName, rfcHash(), nullptr));
  CHECK_TRUE(MsChapV2Verdict::kMalformed ==
             verifyMsChapV2(attr.data(), attr.size(), kAuthChallenge.data(), 15, kUserName, rfcHash(), nullptr));
  CHECK_TRUE(MsChapV2Verdict::kMalformed ==
             verifyMsChapV2(attr.data(), attr.size(), nullptr, 16, kUserName, rfcHash(), nullptr));
}

TEST(MsChapV2Radius, Rfc2548Section2_3_2_ParseFields) {
  auto attr = rfcResponseAttribute(0x09);
  attr[1] = 0x00;
  auto r = parseMsChap2Response(attr.data(), attr.size());
  CHECK_TRUE(r.has_value());
  CHECK_EQUAL(0x09, r->ident);
  CHECK_TRUE(r->peerChallenge == kPeerChallenge);
  STRCMP_EQUAL(kNtResponse, toHex(r->ntResponse).c_str());
  CHECK_FALSE(parseMsChap2Response(attr.data(), 49).has_value());
}

TEST(MsChapV2Radius, Rfc2759Section6_ErrorValue) {
  auto v = msChapV2ErrorValue(0x07, MsChapErrorCode::kAuthenticationFailure, kAuthChallenge.data(),
                              "Authentication failed");
  CHECK_EQUAL(0x07, v.bytes[0]);
  std::string text(v.bytes.begin() + 1, v.bytes.begin() + static_cast<long>(v.size));
  STRCMP_EQUAL("E=691 R=0 C=5B5D7C7D7B3F2F3E3C2C602132262628 V=3 M=Authentication failed", text.c_str());

  auto bare = msChapV2ErrorValue(0x01, MsChapErrorCode::kAccountDisabled, kAuthChallenge.data(), "");
  STRCMP_EQUAL("E=647 R=0 C=5B5D7C7D7B3F2F3E3C2C602132262628 V=3",
               std::string(bare.bytes.begin() + 1, bare.bytes.begin() + static_cast<long>(bare.size)).c_str());

  // A long message is cut at the attribute limit.
  auto longOne = msChapV2ErrorValue(0x01, MsChapErrorCode::kAuthenticationFailure, kAuthChallenge.data(),
                                    std::string(400, 'm'));
  CHECK_EQUAL(253u, longOne.size);
}
