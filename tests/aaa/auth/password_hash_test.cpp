// Imported password hashes (aaa/auth/password_hash.h): every scheme against a vector made by an
// independent implementation for the password "correct horse" (openssl passwd -1/-5/-6, python3's
// crypt module over libxcrypt for $y$ and $2b$, python3's hashlib for the digests, openssl's MD4 over
// iconv's UTF-16LE for the NT hash); wrong passwords, truncated and malformed hashes never match.
#include <string>
#include <vector>

#include "aaa/auth/pap.h"
#include "aaa/auth/password_hash.h"

#include <CppUTest/TestHarness.h>

using namespace aaa::auth;

namespace {

const char* const kPlainPassword = "correct horse";

struct Vector {
  const char* attribute;
  const char* value;
  const char* scheme;
};

// Salt of the salted digests: 01 02 03 04 "salt".
const Vector kVectors[] = {
    {"Crypt-Password", "$1$abcdefgh$y6iHhJNbuC0xpbk0w9pm80", "crypt"},
    {"Crypt-Password", "$5$saltsalt$myjXcpMpE2Ofk7fj9hqyNYSn6lmWG4Mqnjx.KIRRr4/", "crypt"},
    {"Crypt-Password",
     "$6$saltsalt$hRM5XZ86KXEw9UOmjigeVqFgULtFB2sgpC9lXQDfMib3Zgw7mEiUvBJI2EplzfAqxL5Vvwp2scFtv/uamSo5z0", "crypt"},
    {"Crypt-Password", "$y$j9T$abcdefghijklmnop$0Hi8KsZH/hAMRN9Bam6ce3nmi5QAIz3R/KeaXG/c7p9", "crypt"},
    {"Crypt-Password", "$2b$05$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2", "crypt"},
    {"MD5-Password", "3cb4e732631f47e6eb961f34554b7cde", "md5"},
    {"MD5-Password", "PLTnMmMfR+brlh80VUt83g==", "md5"},
    {"SMD5-Password", "QTPG23vqlADZzK7fJw8CzQECAwRzYWx0", "smd5"},
    {"SHA-Password", "2f9e53523b62abc141a2b4d6019d23cba835dbd0", "sha1"},
    {"SHA1-Password", "L55TUjtiq8FBorTWAZ0jy6g129A=", "sha1"},
    {"SSHA-Password", "/ZQqiNB0KY5DsMfhXruKYQL/lEABAgMEc2FsdA==", "ssha1"},
    {"SHA2-Password", "be678ecb0e1e13fd0c1440995f43225ca83aeb66717e8ea790b867f2", "sha224"},
    {"SHA2-Password", "4104d36f8da2c254349f85836793ebe029e0c957063a34c91c2e9203187b5631", "sha256"},
    {"SHA-256-Password", "4104d36f8da2c254349f85836793ebe029e0c957063a34c91c2e9203187b5631", "sha256"},
    {"SHA2-Password",
     "02b20a6f2ebb1360a9a60f4cf90857363ed419c022b121567ce5f91c6e39664fb78fd60234c4a58b5bfc7145ae983292", "sha384"},
    {"SHA-512-Password",
     "56b698defedb5a435b634afe3320bbaf3fdcd920b6c503a446fc7b7a776b298d479d1ba6a8b617808eb0bf579ce9a95d668347bcab7149085ac93cb27995197b",
     "sha512"},
    {"SSHA2-256-Password", "Vza+E+vCJkKPAonMCUUfHmQKII3Scy/uHWuBMJ5gYR4BAgMEc2FsdA==", "ssha256"},
    {"SSHA2-512-Password",
     "XsxgEht7JsCz3QMOnxsxCj78be6nSkmmvmM9JMlFLvEt3nkQyfS8RqU9Bm0XVBsT4yIursfy+a0lNXT7BxAiUAECAwRzYWx0", "ssha512"},
    {"Password-With-Header", "{SSHA}/ZQqiNB0KY5DsMfhXruKYQL/lEABAgMEc2FsdA==", "ssha1"},
    {"Password-With-Header", "{ssha224}6KVTSeU1Ll87QG8scvgnJNyihJ0iSv4Aop9srAECAwRzYWx0", "ssha224"},
    {"Password-With-Header", "{ssha384}PaVQp/YF7xs3MWmRl2EVaeudHpgs6SJg0kH2Jv8WL/pErQ3gdz875TeRvl4YeycYAQIDBHNhbHQ=",
     "ssha384"},
    {"Password-With-Header", "{MD5}PLTnMmMfR+brlh80VUt83g==", "md5"},
    {"Password-With-Header", "{crypt}$6$saltsalt$hRM5XZ86KXEw9UOmjigeVqFgULtFB2sgpC9lXQDfMib3Zgw7mEiUvBJI2EplzfAqxL5Vvwp2scFtv/uamSo5z0",
     "crypt"},
};

std::string stored(const Vector& v) {
  core::Result<std::string> r = passwordHashFromAttribute(v.attribute, v.value);
  if (!r.isOk()) FAIL((std::string(v.attribute) + " " + v.value + ": " + r.status().message()).c_str());
  return *r;
}

}  // namespace

TEST_GROUP(PasswordHash){};

TEST(PasswordHash, EveryVectorAcceptsItsPasswordOnly) {
  for (const Vector& v : kVectors) {
    std::string s = stored(v);
    STRCMP_EQUAL(v.scheme, passwordHashScheme(s).c_str());
    CHECK_TEXT(passwordHashMatches(kPlainPassword, s), v.value);
    CHECK_TEXT(!passwordHashMatches("correct horsE", s), v.value);
    CHECK_TEXT(!passwordHashMatches("correct hors", s), v.value);
    CHECK_TEXT(!passwordHashMatches("correct horse ", s), v.value);
    CHECK_TEXT(!passwordHashMatches("", s), v.value);
    CHECK_TEXT(!passwordHashMatches(std::string("correct horse\0x", 15), s), v.value);
  }
}

TEST(PasswordHash, PapMatchesAStoredHashOnlyWhenNoOtherFormIsThere) {
  std::string s = stored(kVectors[2]);
  Credentials c;
  c.papHash = s;
  CHECK(papMatches(kPlainPassword, c));
  CHECK(!papMatches("wrong", c));
  CHECK(!papMatches("", c));
}

TEST(PasswordHash, TruncatedOrMalformedHashesAreRefusedAndNeverMatch) {
  for (const Vector& v : kVectors) {
    std::string value = v.value;
    for (size_t cut : {size_t{1}, size_t{2}, size_t{5}, value.size() / 2}) {
      if (cut >= value.size()) continue;
      std::string truncated = value.substr(0, value.size() - cut);
      core::Result<std::string> r = passwordHashFromAttribute(v.attribute, truncated);
      // What still parses (base64 without its padding; a salted digest cut at a base64 quantum,
      // which reads as a shorter salt) is either the same stored form or one the password does not
      // match: a cut hash never accepts.
      if (r.isOk() && *r != stored(v)) CHECK_TEXT(!passwordHashMatches(kPlainPassword, *r), truncated.c_str());
    }
    // The stored form cut short never matches, whatever was cut.
    std::string s = stored(v);
    for (size_t keep : {size_t{0}, size_t{1}, s.size() / 2, s.size() - 2, s.size() - 1}) CHECK_TEXT(!passwordHashMatches(kPlainPassword, s.substr(0, keep)), s.c_str());
  }
  for (const char* bad : {"", "{", "{md5", "{md5}", "{md5}!!!!", "{sha9}abcd", "{crypt}", "{crypt}$6$", "{crypt}$6$saltsalt$",
                          "{crypt}!$6$saltsalt$x", "{crypt}*", "{crypt}$9$abc$def", "{ssha}AAAA", "{ssha2}AAAA",
                          "$1$abcdefgh$y6iHhJNbuC0xpbk0w9pm8", "{sha256}4104d36f",
                          // unbounded or unknown costs: refused before anything is computed
                          "$6$rounds=999999999$saltsalt$x", "$2b$31$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2",
                          "_J9..saltHashHashHas", "$md5$rounds=999999$salt$x", "$y$jZT$abc$def", "$7$abc$def"}) {
    CHECK_TEXT(!passwordHashFromHeader(bad).isOk(), bad);
    CHECK_TEXT(!passwordHashMatches(kPlainPassword, bad), bad);
  }
  // A hand-made stored form with a wrong-length digest is not a stored form: it never matches.
  CHECK(!passwordHashMatches(kPlainPassword, "{md5}PLTnMmMfR+brlh80VUt8"));
  CHECK(!passwordHashMatches(kPlainPassword, "{unknown}PLTnMmMfR+brlh80VUt83g=="));
}

TEST(PasswordHash, ErrorsNameTheProblemNotTheHash) {
  core::Result<std::string> r = passwordHashFromAttribute("MD5-Password", "3cb4e732631f47e6eb961f34554b7c");
  CHECK(!r.isOk());
  CHECK(r.status().message().find("md5") != std::string::npos);
  CHECK(r.status().message().find("3cb4e7") == std::string::npos);
  core::Result<std::string> nt = passwordHashFromHeader("{nt}cfc43211ba8dc470832267827cac1407");
  CHECK(!nt.isOk());
  CHECK(nt.status().message().find("nt-hash") != std::string::npos);
  CHECK(!passwordHashFromAttribute("LM-Password", "aad3b435b51404eeaad3b435b51404ee").isOk());
}

TEST(PasswordHash, NtPasswordIsTheNtHash) {
  core::Result<std::string> hex = ntHashHexFromAttribute("0xCFC43211BA8DC470832267827CAC1407");
  CHECK(hex.isOk());
  STRCMP_EQUAL("cfc43211ba8dc470832267827cac1407", hex->c_str());
  std::optional<NtHash> h = parseNtHashHex(*hex);
  CHECK(h.has_value());
  CHECK(*h == ntPasswordHash(kPlainPassword));
  CHECK(!ntHashHexFromAttribute("cfc43211ba8dc470832267827cac140").isOk());
  CHECK(!ntHashHexFromAttribute("cfc43211ba8dc470832267827cac140g").isOk());
  CHECK(!parseNtHashHex("cfc43211ba8dc470832267827cac14070").has_value());
}
