#include "core/web/form.h"

#include <string>

#include <CppUTest/TestHarness.h>

using core::web::Field;
using core::web::FieldErrors;
using core::web::parseForm;
using core::web::renderField;
using core::web::urlDecode;
using core::web::urlEncode;

TEST_GROUP(WebForm){};

TEST(WebForm, UrlDecode) {
  STRCMP_EQUAL("a b", urlDecode("a+b").c_str());
  STRCMP_EQUAL("AB", urlDecode("%41%42").c_str());
  STRCMP_EQUAL("\xc3\xa4", urlDecode("%C3%a4").c_str());
  // Not an escape: kept as it is.
  STRCMP_EQUAL("%zz", urlDecode("%zz").c_str());
  STRCMP_EQUAL("%4", urlDecode("%4").c_str());
  STRCMP_EQUAL("50%", urlDecode("50%").c_str());
  STRCMP_EQUAL("%%41", urlDecode("%%2541").c_str());
  // A NUL octet decodes to a NUL inside the string (the caller's checks see it).
  std::string nul = urlDecode("a%00b");
  LONGS_EQUAL(3, nul.size());
  CHECK_EQUAL('\0', nul[1]);
}

TEST(WebForm, UrlEncodeRoundTripsEveryOctet) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  std::string encoded = urlEncode(all);
  CHECK(encoded.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%+") == std::string::npos);
  CHECK(urlDecode(encoded) == all);
  STRCMP_EQUAL("a+b%26c%3Dd", urlEncode("a b&c=d").c_str());
}

TEST(WebForm, ParseFormPairs) {
  auto f = parseForm("username=alice&password=p%C3%A4ss+word%21&accept=yes");
  LONGS_EQUAL(3, f.size());
  STRCMP_EQUAL("alice", f["username"].c_str());
  STRCMP_EQUAL("p\xc3\xa4ss word!", f["password"].c_str());
  STRCMP_EQUAL("yes", f["accept"].c_str());
}

TEST(WebForm, ParseFormEdgeCases) {
  CHECK(parseForm("").empty());
  CHECK(parseForm("&&&").empty());
  CHECK(parseForm("novalue&alsonone").empty());  // pairs without '=' are skipped
  auto f = parseForm("a=1&a=2&=empty&b=&c=x=y&d=%26%3D&novalue");
  STRCMP_EQUAL("2", f["a"].c_str());      // the last of a repeated name
  STRCMP_EQUAL("empty", f[""].c_str());   // an empty name is a name
  CHECK(f.count("b") == 1 && f["b"].empty());
  STRCMP_EQUAL("x=y", f["c"].c_str());    // split at the first '='
  STRCMP_EQUAL("&=", f["d"].c_str());     // encoded separators are data
  CHECK(f.count("novalue") == 0);
  LONGS_EQUAL(5, f.size());
  // Encoded names decode too.
  STRCMP_EQUAL("v", parseForm("user+name=v")["user name"].c_str());
}

TEST(WebForm, FieldErrorsKeepTheFirstMessage) {
  FieldErrors e;
  CHECK(e.empty());
  e.add("username", "A username is required.");
  e.add("username", "A username has 3 to 64 characters.");
  e.add("password", "Too short.");
  LONGS_EQUAL(2, e.size());
  STRCMP_EQUAL("A username is required.", e.of("username").c_str());
  STRCMP_EQUAL("", e.of("plan").c_str());
}

TEST(WebForm, RenderFieldWithoutError) {
  Field f;
  f.name = "username";
  f.id = "u";
  f.label = "Username";
  f.value = "al\"ice<";
  f.attributes = {{"autocomplete", "username"}, {"required", ""}};
  STRCMP_EQUAL(
      "<label for=\"u\">Username</label><input id=\"u\" type=\"text\" name=\"username\" value=\"al&quot;ice&lt;\" "
      "autocomplete=\"username\" required>",
      renderField(f).c_str());
}

TEST(WebForm, RenderFieldErrorSitsNextToTheField) {
  Field f;
  f.name = "password";
  f.type = "password";
  f.label = "Password";
  f.value = "secret-typed-before";
  f.error = "A password has <8> characters & more.";
  std::string html = renderField(f);
  // The id defaults to the name; the message is tied to the input for screen readers.
  STRCMP_EQUAL(
      "<label for=\"password\">Password</label><input id=\"password\" type=\"password\" name=\"password\" "
      "aria-invalid=\"true\" aria-describedby=\"password-error\"><p class=\"field-error\" id=\"password-error\">"
      "A password has &lt;8&gt; characters &amp; more.</p>",
      html.c_str());
  // A typed password never comes back in a page.
  CHECK(html.find("secret-typed-before") == std::string::npos);
}
