// NtPasswordHash (RFC 2759 8.3) including non-ASCII and invalid UTF-8, and the stored forms.
#include <string>

#include "aaa/auth/credentials.h"
#include "tests/aaa/auth/auth_test_support.h"
#include "tests/aaa/auth/auth_vectors.h"

#include <CppUTest/TestHarness.h>

using namespace aaa::auth;
using namespace aaa::auth::testing;

TEST_GROUP(NtHash){};

// RFC 2759 9.2: Password "clientPass" -> PasswordHash 44EBBA8D5312B8D611474411F56989AE.
TEST(NtHash, Rfc2759Section9_2_NtPasswordHash) {
  STRCMP_EQUAL("44EBBA8D5312B8D611474411F56989AE", toHex(ntPasswordHash("clientPass")).c_str());
}

// Python's UTF-16LE + OpenSSL MD4 (gen_auth_vectors.py): ASCII, Latin-1, Cyrillic, CJK, a code
// point above U+FFFF (surrogate pair), precomposed vs decomposed (no normalization), U+FFFD, and
// passwords longer than the 64-octet buffer through which the UTF-16 form is streamed into MD4.
TEST(NtHash, Rfc2759Section8_3_Utf16leOfNonAscii) {
  for (const auto& v : vectors::kNtHash) {
    std::string password = stringFromHex(v.passwordUtf8Hex);
    STRCMP_EQUAL_TEXT(upperHex(v.ntHashHex).c_str(), toHex(ntPasswordHash(password)).c_str(), v.passwordUtf8Hex);
    auto checked = ntPasswordHashChecked(password);
    CHECK_TRUE_TEXT(checked.isOk(), v.passwordUtf8Hex);
    STRCMP_EQUAL(upperHex(v.ntHashHex).c_str(), toHex(*checked).c_str());
  }
}

TEST(NtHash, EmptyPasswordIsMd4OfNothing) {
  STRCMP_EQUAL("31D6CFE0D16AE931B73C59D7E0C089C0", toHex(ntPasswordHash("")).c_str());
}

TEST(NtHash, InvalidUtf8IsRejectedWhenStoring) {
  const char* bad[] = {
      "\x80",                 // stray continuation byte
      "ab\xC3",               // truncated two-octet sequence
      "\xC0\x80",             // overlong NUL
      "\xC1\xBF",             // overlong
      "\xE0\x9F\xBF",         // overlong below U+0800
      "\xED\xA0\x80",         // surrogate U+D800
      "\xED\xBF\xBF",         // surrogate U+DFFF
      "\xF0\x8F\xBF\xBF",     // overlong below U+10000
      "\xF4\x90\x80\x80",     // above U+10FFFF
      "\xF5\x80\x80\x80",     // invalid lead
      "\xFF",                 // invalid lead
      "\xE2\x82",             // truncated three-octet sequence (euro sign without its last byte)
  };
  for (const char* s : bad) {
    CHECK_FALSE_TEXT(isValidUtf8(s), s);
    auto r = ntPasswordHashChecked(s);
    CHECK_FALSE(r.isOk());
    CHECK_TRUE(r.status().code() == core::Code::kInvalidArgument);
  }
  auto r = ntPasswordHashChecked("ok\xFFok");
  STRCMP_CONTAINS("byte offset 2", r.status().message().c_str());
}

TEST(NtHash, EdgesOfValidUtf8AreAccepted) {
  const char* good[] = {
      "\x7F", "\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF", "\xEE\x80\x80",
      "\xEF\xBF\xBF", "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF",
  };
  for (const char* s : good) CHECK_TRUE_TEXT(isValidUtf8(s), s);
  CHECK_TRUE(isValidUtf8(""));
}

TEST(NtHash, UncheckedVariantHashesInvalidBytesAsReplacementCharacter) {
  // One U+FFFD per offending byte: "\xFF" hashes like "\uFFFD", "\xC0\x80" like two of them.
  CHECK_TRUE(ntPasswordHash("\xFF") == ntPasswordHash("\xEF\xBF\xBD"));
  CHECK_TRUE(ntPasswordHash("a\xC0\x80" "b") == ntPasswordHash("a\xEF\xBF\xBD\xEF\xBF\xBD" "b"));
  CHECK_TRUE(ntPasswordHash("\xE2\x82") == ntPasswordHash("\xEF\xBF\xBD\xEF\xBF\xBD"));
}

TEST_GROUP(Credentials){};

TEST(Credentials, NtHashAlwaysCleartextOnlyWhenChapEnabled) {
  auto withoutChap = credentialsFromPassword("clientPass", /*keepCleartext=*/false);
  CHECK_TRUE(withoutChap.isOk());
  CHECK_TRUE(withoutChap->ntHash.has_value());
  STRCMP_EQUAL("44EBBA8D5312B8D611474411F56989AE", toHex(*withoutChap->ntHash).c_str());
  CHECK_FALSE(withoutChap->cleartext.has_value());

  auto withChap = credentialsFromPassword("clientPass", /*keepCleartext=*/true);
  CHECK_TRUE(withChap.isOk());
  CHECK_TRUE(withChap->ntHash.has_value());
  STRCMP_EQUAL("clientPass", withChap->cleartext->c_str());
}

TEST(Credentials, RefusesPasswordsThatCouldNeverLogIn) {
  CHECK_FALSE(credentialsFromPassword("", true).isOk());
  CHECK_FALSE(credentialsFromPassword(std::string(129, 'a'), true).isOk());
  CHECK_TRUE(credentialsFromPassword(std::string(128, 'a'), true).isOk());
  CHECK_FALSE(credentialsFromPassword(std::string("ab\0cd", 5), true).isOk());
  auto invalid = credentialsFromPassword("secret\xFF", true);
  CHECK_FALSE(invalid.isOk());
  CHECK_TRUE(invalid.status().code() == core::Code::kInvalidArgument);
  // The message never carries the password.
  CHECK_TRUE(invalid.status().message().find("secret") == std::string::npos);
}

TEST(Credentials, ConstantTimeEqual) {
  const uint8_t a[4] = {1, 2, 3, 4};
  const uint8_t b[4] = {1, 2, 3, 5};
  CHECK_TRUE(constantTimeEqual(a, a, 4));
  CHECK_FALSE(constantTimeEqual(a, b, 4));
  CHECK_TRUE(constantTimeEqual(a, b, 3));
  CHECK_TRUE(constantTimeEqual(a, b, 0));
}
