#include "core/web/cookie.h"

#include <string>

#include <CppUTest/TestHarness.h>

using core::HttpRequest;
using core::HttpResponse;
using core::web::CookieOptions;
using core::web::SessionCookie;

namespace {

const std::string kId = "0123456789abcdef0123456789ABCDEF";

std::string setCookieOf(const HttpResponse& r) {
  std::string out;
  for (const auto& [name, value] : r.headers)
    if (name == "Set-Cookie") out += (out.empty() ? "" : "\n") + value;
  return out;
}

HttpRequest withCookie(const std::string& header) {
  HttpRequest r;
  r.headers["cookie"] = header;
  return r;
}

}  // namespace

TEST_GROUP(WebCookie){};

TEST(WebCookie, ParseCookieHeader) {
  auto pairs = core::web::parseCookieHeader("a=1;  b=2; novalue; c==x;d=");
  LONGS_EQUAL(4, pairs.size());
  STRCMP_EQUAL("a", pairs[0].first.c_str());
  STRCMP_EQUAL("1", pairs[0].second.c_str());
  STRCMP_EQUAL("b", pairs[1].first.c_str());
  STRCMP_EQUAL("c", pairs[2].first.c_str());
  STRCMP_EQUAL("=x", pairs[2].second.c_str());
  STRCMP_EQUAL("d", pairs[3].first.c_str());
  STRCMP_EQUAL("", pairs[3].second.c_str());
  CHECK(core::web::parseCookieHeader("").empty());
}

TEST(WebCookie, FirstValidValueOfTheName) {
  using core::web::cookieValue;
  using core::web::isSessionId;
  STRCMP_EQUAL(kId.c_str(), cookieValue("theme=dark; edge_portal=" + kId + "; other=1", "edge_portal", isSessionId).c_str());
  // A malformed (or planted, shorter) one first does not hide the good one.
  STRCMP_EQUAL(kId.c_str(), cookieValue("edge_portal=short; edge_portal=" + kId, "edge_portal", isSessionId).c_str());
  STRCMP_EQUAL("", cookieValue("edge_portal=" + kId + "0", "edge_portal", isSessionId).c_str());
  STRCMP_EQUAL("", cookieValue("xedge_portal=" + kId, "edge_portal", isSessionId).c_str());
  STRCMP_EQUAL("", cookieValue("edge_portal=" + kId.substr(0, 31) + "g", "edge_portal", isSessionId).c_str());
  // A trailing space is part of the value (RFC 6265 sends none): not a session id.
  STRCMP_EQUAL("", cookieValue("edge_portal=" + kId + " ", "edge_portal", isSessionId).c_str());
  // Without a check, the first of the name.
  STRCMP_EQUAL("a", cookieValue("x=a; x=b", "x").c_str());
}

TEST(WebCookie, SetCookieAttributes) {
  CookieOptions o{"edge_portal", "/", 86400};
  STRCMP_EQUAL("edge_portal=" "abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=86400",
               core::web::setCookieValue(o, "abc", false).c_str());
  STRCMP_EQUAL("edge_portal=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=86400; Secure",
               core::web::setCookieValue(o, "abc", true).c_str());
  CookieOptions session{"tech", "/ui", 0};
  STRCMP_EQUAL("tech=abc; Path=/ui; HttpOnly; SameSite=Strict", core::web::setCookieValue(session, "abc", false).c_str());
  STRCMP_EQUAL("tech=; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=0; Secure",
               core::web::expiredCookieValue(session, true).c_str());
}

TEST(WebCookie, SessionCookieKeepsAWellFormedId) {
  SessionCookie cookie({"edge_portal", "/", 86400});
  HttpRequest r = withCookie("edge_portal=" + kId);
  HttpResponse out;
  STRCMP_EQUAL(kId.c_str(), cookie.ensure(r, out).c_str());
  STRCMP_EQUAL("", setCookieOf(out).c_str());  // nothing to set
  STRCMP_EQUAL(kId.c_str(), cookie.idOf(r).c_str());
}

TEST(WebCookie, SessionCookieGivesANewIdToAVisitorWithoutOne) {
  SessionCookie cookie({"edge_portal", "/", 86400});
  for (const std::string& header : {std::string(), std::string("edge_portal=forged"), std::string("other=" + kId)}) {
    HttpRequest r = withCookie(header);
    HttpResponse out;
    std::string id = cookie.ensure(r, out);
    CHECK(core::web::isSessionId(id));
    CHECK(id != kId);
    STRCMP_EQUAL(("edge_portal=" + id + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=86400").c_str(),
                 setCookieOf(out).c_str());
  }
  // Two visitors, two ids.
  HttpResponse a, b;
  CHECK(cookie.ensure(HttpRequest{}, a) != cookie.ensure(HttpRequest{}, b));
}

TEST(WebCookie, SecureOverTls) {
  SessionCookie cookie({"tech", "/", 0});
  HttpRequest r;
  r.tls = true;
  HttpResponse out;
  std::string id = cookie.renew(r, out);
  STRCMP_EQUAL(("tech=" + id + "; Path=/; HttpOnly; SameSite=Strict; Secure").c_str(), setCookieOf(out).c_str());
  HttpResponse gone;
  cookie.clear(r, gone);
  STRCMP_EQUAL("tech=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure", setCookieOf(gone).c_str());
  // renew() always makes a new id, even for a visitor who has one (a login changes the id).
  HttpRequest known = withCookie("tech=" + kId);
  HttpResponse again;
  CHECK(cookie.renew(known, again) != kId);
}
