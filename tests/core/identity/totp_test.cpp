// TOTP codes (RFC 6238 appendix B's SHA-1 vectors, 6 of their 8 digits), base32 (RFC 4648 10),
// the otpauth URI and the QR code's SVG.
#include <string>

#include "core/identity/totp.h"

#include <CppUTest/TestHarness.h>

TEST_GROUP(Totp){};

TEST(Totp, TheRfc6238VectorsGiveTheirLastSixDigits) {
  const std::string secret = "12345678901234567890";  // RFC 6238 appendix B, HMAC-SHA1
  struct {
    int64_t t;
    const char* code;
  } vectors[] = {{59, "287082"},         {1111111109, "081804"}, {1111111111, "050471"},
                 {1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"}};
  for (const auto& v : vectors) {
    core::Result<std::string> c = core::identity::totpCode(secret, v.t);
    CHECK_TRUE(c.isOk());
    STRCMP_EQUAL(v.code, c->c_str());
    // The same code is the step of t; its neighbours' steps are accepted, farther ones are not.
    std::optional<int64_t> step = core::identity::totpStep(secret, v.code, v.t);
    CHECK_TRUE(step.has_value());
    LONGS_EQUAL(v.t / 30, *step);
    CHECK_TRUE(core::identity::totpStep(secret, v.code, v.t + 30).has_value());
    LONGS_EQUAL(v.t / 30, *core::identity::totpStep(secret, v.code, v.t + 30));
    CHECK_FALSE(core::identity::totpStep(secret, v.code, v.t + 90).has_value());
  }
  CHECK_FALSE(core::identity::totpStep(secret, "28708", 59).has_value());
  CHECK_FALSE(core::identity::totpStep(secret, "2870822", 59).has_value());
  CHECK_FALSE(core::identity::totpStep(secret, "28708a", 59).has_value());
  CHECK_FALSE(core::identity::totpStep("", "287082", 59).has_value());
}

TEST(Totp, Base32RoundTripsAndTakesWhatPeopleType) {
  STRCMP_EQUAL("MZXW6YTBOI", core::identity::toBase32("foobar").c_str());  // RFC 4648 10, unpadded
  core::Result<std::string> back = core::identity::fromBase32("mzxw 6ytb oi");
  CHECK_TRUE(back.isOk());
  STRCMP_EQUAL("foobar", back->c_str());
  CHECK_FALSE(core::identity::fromBase32("not base32!").isOk());
  CHECK_FALSE(core::identity::fromBase32("").isOk());
  std::string secret = core::identity::newTotpSecret();
  LONGS_EQUAL(20, secret.size());
  CHECK_TRUE(secret != core::identity::newTotpSecret());
  core::Result<std::string> again = core::identity::fromBase32(core::identity::toBase32(secret));
  CHECK_TRUE(again.isOk());
  CHECK_TRUE(*again == secret);
}

TEST(Totp, TheUriAndItsQrCode) {
  std::string uri = core::identity::otpauthUri("edged 0.1", "ana@x", "foobar");
  STRCMP_EQUAL("otpauth://totp/edged%200.1:ana%40x?secret=MZXW6YTBOI&issuer=edged%200.1&algorithm=SHA1&digits=6&period=30",
               uri.c_str());
  core::Result<std::string> svg = core::identity::qrSvg(uri, "QR <code>");
  CHECK_TRUE(svg.isOk());
  STRCMP_CONTAINS("<svg xmlns=\"http://www.w3.org/2000/svg\"", svg->c_str());
  STRCMP_CONTAINS("aria-label=\"QR &lt;code&gt;\"", svg->c_str());
  STRCMP_CONTAINS("h1v1h-1z", svg->c_str());
  // Too long for any QR code (version 40-M holds 2331 bytes).
  CHECK_FALSE(core::identity::qrSvg(std::string(4000, 'x'), "x").isOk());
}
