// PAP: User-Password hiding (RFC 2865 5.2) against pyrad's output, and papMatches() against each
// stored form.
#include <cstring>
#include <string>
#include <vector>

#include "aaa/auth/credentials.h"
#include "aaa/auth/pap.h"
#include "tests/aaa/auth/auth_test_support.h"
#include "tests/aaa/auth/auth_vectors.h"

#include <CppUTest/TestHarness.h>

using namespace aaa::auth;
using namespace aaa::auth::testing;

namespace {

const std::array<uint8_t, 16> kAuthenticator = arrayFromHex<16>(vectors::kRequestAuthenticatorHex);

std::string decrypt(const std::vector<uint8_t>& cipher, std::string_view secret, core::Status* status = nullptr) {
  char out[kUserPasswordMaxLength];
  size_t n = 99;
  core::Status s = decryptUserPassword(cipher.data(), cipher.size(), secret, kAuthenticator.data(), out, sizeof(out), &n);
  if (status != nullptr) *status = s;
  if (!s.isOk()) {
    CHECK_EQUAL(0u, n);
    return "<error>";
  }
  return std::string(out, n);
}

}  // namespace

TEST_GROUP(Pap){};

TEST(Pap, Rfc2865Section5_2_DecryptsPyradVectors) {
  for (const auto& v : vectors::kPap) {
    std::string want = stringFromHex(v.passwordHex);
    STRCMP_EQUAL_TEXT(want.c_str(), decrypt(fromHex(v.cipherHex), v.secret).c_str(), v.passwordHex);
  }
}

TEST(Pap, Rfc2865Section5_2_EncryptsLikePyrad) {
  for (const auto& v : vectors::kPap) {
    std::string password = stringFromHex(v.passwordHex);
    uint8_t out[kUserPasswordMaxLength];
    size_t n = 0;
    CHECK_TRUE(encryptUserPassword(password, v.secret, kAuthenticator.data(), out, sizeof(out), &n).isOk());
    STRCMP_EQUAL_TEXT(upperHex(v.cipherHex).c_str(), toHex(out, n).c_str(), v.passwordHex);
  }
}

TEST(Pap, Rfc2865Section5_2_RoundTripEveryLength) {
  for (size_t len = 0; len <= kUserPasswordMaxLength; ++len) {
    std::string password;
    for (size_t i = 0; i < len; ++i) password.push_back(static_cast<char>('A' + i % 26));
    uint8_t cipher[kUserPasswordMaxLength];
    size_t n = 0;
    CHECK_TRUE(encryptUserPassword(password, "s", kAuthenticator.data(), cipher, sizeof(cipher), &n).isOk());
    CHECK_EQUAL(len == 0 ? 16u : (len + 15) / 16 * 16, n);
    STRCMP_EQUAL(password.c_str(), decrypt(std::vector<uint8_t>(cipher, cipher + n), "s").c_str());
  }
}

TEST(Pap, Rfc2865Section5_2_RejectsBadLengths) {
  for (size_t len : {0u, 1u, 15u, 17u, 31u, 144u, 160u}) {
    core::Status s;
    decrypt(std::vector<uint8_t>(len, 0x41), vectors::kSecret, &s);
    CHECK_FALSE_TEXT(s.isOk(), std::to_string(len).c_str());
    CHECK_TRUE(s.code() == core::Code::kInvalidArgument);
  }
  uint8_t big[kUserPasswordMaxLength + 16];
  size_t n = 0;
  CHECK_FALSE(encryptUserPassword(std::string(129, 'a'), "s", kAuthenticator.data(), big, sizeof(big), &n).isOk());
}

TEST(Pap, RejectsEmptySecretAndSmallBuffer) {
  auto cipher = fromHex(vectors::kPap[0].cipherHex);
  core::Status s;
  decrypt(cipher, "", &s);
  CHECK_FALSE(s.isOk());

  char small[8];
  size_t n = 5;
  CHECK_FALSE(decryptUserPassword(cipher.data(), cipher.size(), vectors::kSecret, kAuthenticator.data(), small,
                                  sizeof(small), &n).isOk());
  CHECK_EQUAL(0u, n);
}

TEST(Pap, Rfc2865Section5_2_WrongSecretOrAuthenticatorGivesGarbage) {
  auto cipher = fromHex(vectors::kPap[0].cipherHex);
  CHECK_TRUE(decrypt(cipher, "testing124") != "hello");
  char out[16];
  size_t n = 0;
  auto other = kAuthenticator;
  other[15] ^= 1;
  CHECK_TRUE(decryptUserPassword(cipher.data(), cipher.size(), vectors::kSecret, other.data(), out, sizeof(out), &n).isOk());
  CHECK_TRUE(std::string(out, n) != "hello");
}

TEST(Pap, Rfc2865Section5_2_OnlyTrailingNulsAreStripped) {
  // "ab\0cd" + padding: the embedded NUL stays, so it cannot match "ab".
  uint8_t cipher[16];
  size_t n = 0;
  CHECK_TRUE(encryptUserPassword(std::string("ab\0cd", 5), "s", kAuthenticator.data(), cipher, sizeof(cipher), &n).isOk());
  std::string plain = decrypt(std::vector<uint8_t>(cipher, cipher + n), "s");
  CHECK_EQUAL(5u, plain.size());
  CHECK_TRUE(plain == std::string("ab\0cd", 5));
}

TEST_GROUP(PapMatches){};

TEST(PapMatches, AgainstCleartext) {
  Credentials c;
  c.cleartext = "correct horse";
  CHECK_TRUE(papMatches("correct horse", c));
  CHECK_FALSE(papMatches("correct horsE", c));
  CHECK_FALSE(papMatches("correct hors", c));     // prefix
  CHECK_FALSE(papMatches("correct horse!", c));   // longer
  CHECK_FALSE(papMatches("correct horsecorrect horse", c));  // the wrap-around must not hide this
  CHECK_FALSE(papMatches("", c));
}

TEST(PapMatches, AgainstNtHashOnly) {
  auto c = credentialsFromPassword("pässwörd", /*keepCleartext=*/false);
  CHECK_TRUE(c.isOk());
  CHECK_TRUE(papMatches("pässwörd", *c));
  CHECK_FALSE(papMatches("passwörd", *c));
  CHECK_FALSE(papMatches("PÄSSWÖRD", *c));
  CHECK_FALSE(papMatches("", *c));
}

TEST(PapMatches, InvalidUtf8NeverMatchesAnNtHash) {
  // U+FFFD is a legal password; a packet carrying the invalid byte 0xFF must not match it even
  // though the lenient ntPasswordHash() maps 0xFF to U+FFFD.
  auto c = credentialsFromPassword("\xEF\xBF\xBD", false);
  CHECK_TRUE(c.isOk());
  CHECK_TRUE(papMatches("\xEF\xBF\xBD", *c));
  CHECK_FALSE(papMatches("\xFF", *c));
}

TEST(PapMatches, NothingStoredMatchesNothing) {
  Credentials none;
  CHECK_FALSE(papMatches("anything", none));
  Credentials emptyCleartext;
  emptyCleartext.cleartext = "";
  CHECK_FALSE(papMatches("", emptyCleartext));
  CHECK_FALSE(papMatches("x", emptyCleartext));
}

TEST(PapMatches, DecryptedPyradPasswordMatchesStoredCredentials) {
  // The whole PAP path: wire value -> cleartext -> stored form.
  const auto& v = vectors::kPap[3];  // "pässwörd ünïcødé"
  auto cipher = fromHex(v.cipherHex);
  char out[kUserPasswordMaxLength];
  size_t n = 0;
  CHECK_TRUE(decryptUserPassword(cipher.data(), cipher.size(), v.secret, kAuthenticator.data(), out, sizeof(out), &n).isOk());
  auto stored = credentialsFromPassword(stringFromHex(v.passwordHex), false);
  CHECK_TRUE(stored.isOk());
  CHECK_TRUE(papMatches(std::string_view(out, n), *stored));
}
