#include "core/web/csrf.h"

#include <cctype>
#include <map>
#include <string>

#include "core/pki.h"

#include <CppUTest/TestHarness.h>

using core::web::CsrfTokens;

namespace {
const std::string kSession = "0123456789abcdef0123456789abcdef";
const std::string kOther = "fedcba9876543210fedcba9876543210";
}  // namespace

TEST_GROUP(WebCsrf){};

TEST(WebCsrf, TokenIsTheHmacOfTheSession) {
  CsrfTokens t("key-one");
  std::string token = t.tokenFor(kSession);
  LONGS_EQUAL(64, token.size());
  STRCMP_EQUAL(core::pki::hmacSha256Hex("key-one", "csrf:" + kSession).c_str(), token.c_str());
  STRCMP_EQUAL(token.c_str(), t.tokenFor(kSession).c_str());  // nothing stored: the same token again
  CHECK(token != t.tokenFor(kOther));
  CHECK(token != CsrfTokens("key-two").tokenFor(kSession));
  STRCMP_EQUAL("", t.tokenFor("").c_str());
}

TEST(WebCsrf, AcceptsItsOwnToken) {
  CsrfTokens t;
  CHECK_TRUE(t.verify(kSession, t.tokenFor(kSession)));
  CHECK_TRUE(t.verifyForm(kSession, {{"csrf", t.tokenFor(kSession)}, {"username", "alice"}}));
}

TEST(WebCsrf, RefusesEverythingElse) {
  CsrfTokens t;
  const std::string good = t.tokenFor(kSession);
  CHECK_FALSE(t.verify(kSession, ""));
  CHECK_FALSE(t.verify("", good));
  CHECK_FALSE(t.verify("", t.tokenFor("")));
  CHECK_FALSE(t.verify(kOther, good));                                  // another visitor's cookie
  CHECK_FALSE(t.verify(kSession, t.tokenFor(kOther)));                  // another visitor's token
  CHECK_FALSE(t.verify(kSession, CsrfTokens().tokenFor(kSession)));     // another key (a restart)
  CHECK_FALSE(t.verify(kSession, good.substr(0, 63)));                  // cut
  CHECK_FALSE(t.verify(kSession, good + "0"));                          // longer
  std::string flipped = good;
  flipped[10] = flipped[10] == '0' ? '1' : '0';
  CHECK_FALSE(t.verify(kSession, flipped));
  std::string upper = good;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper != good) CHECK_FALSE(t.verify(kSession, upper));
  CHECK_FALSE(t.verifyForm(kSession, {{"username", "alice"}}));        // no field
  CHECK_FALSE(t.verifyForm(kSession, {{"CSRF", good}}));                // another name
}

TEST(WebCsrf, ConstantTimeEqual) {
  CHECK_TRUE(core::web::constantTimeEqual("", ""));
  CHECK_TRUE(core::web::constantTimeEqual("abc", "abc"));
  CHECK_FALSE(core::web::constantTimeEqual("abc", "abd"));
  CHECK_FALSE(core::web::constantTimeEqual("abc", "ab"));
  CHECK_FALSE(core::web::constantTimeEqual(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(WebCsrf, HiddenInput) {
  STRCMP_EQUAL("<input type=\"hidden\" name=\"csrf\" value=\"ab&quot;c\">", core::web::csrfInput("ab\"c").c_str());
}
