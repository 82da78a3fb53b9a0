// Cookies: reading the Cookie header (RFC 6265 5.4) and writing Set-Cookie (RFC 6265 4.1) the one
// way every surface does: HttpOnly, SameSite=Strict, Secure when the request came over TLS.
//
// A session cookie carries a random id (128 bits as 32 hex digits) and nothing else: what the id
// stands for lives on the server (SessionTable, or the visitor's device for the captive portal),
// and CSRF tokens are derived from it (csrf.h).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/http_server.h"

namespace core::web {

// The "name=value" pairs of a Cookie header in order: split at ';', leading spaces of each pair
// dropped, split at the first '='; pairs without '=' skipped. Values are not decoded.
std::vector<std::pair<std::string, std::string>> parseCookieHeader(const std::string& header);

// The first value of cookie `name` in a Cookie header that `valid` accepts (any, without `valid`);
// "" when there is none. A browser may send several cookies of one name (other paths, a planted
// one): taking the first well-formed one never lets a malformed one hide a good one.
std::string cookieValue(const std::string& header, const std::string& name,
                        const std::function<bool(const std::string&)>& valid = nullptr);

// 32 hex digits: what session ids look like.
bool isSessionId(const std::string& value);

struct CookieOptions {
  std::string name;
  std::string path = "/";
  int64_t maxAgeSeconds = 0;  // 0: until the browser closes
};

// "NAME=VALUE; Path=/; HttpOnly; SameSite=Strict[; Max-Age=N][; Secure]". The value must be a
// cookie-octet string (session ids are); Secure when `secure` (the request came over TLS).
std::string setCookieValue(const CookieOptions& options, const std::string& value, bool secure);
// The same cookie expired at once (Max-Age=0), for logging out.
std::string expiredCookieValue(const CookieOptions& options, bool secure);

// A visitor's session id in a cookie.
class SessionCookie {
 public:
  explicit SessionCookie(CookieOptions options) : options_(std::move(options)) {}

  const CookieOptions& options() const { return options_; }
  // The request's session id (the first well-formed one), or "".
  std::string idOf(const HttpRequest& request) const;
  // The request's session id; when it has none, a new random one, with its Set-Cookie header added
  // to `response`.
  std::string ensure(const HttpRequest& request, HttpResponse& response) const;
  // A new random id set on `response` (after a login: a new privilege level gets a new id, so an id
  // planted before the login is worth nothing after it).
  std::string renew(const HttpRequest& request, HttpResponse& response) const;
  // Removes the cookie from the browser.
  void clear(const HttpRequest& request, HttpResponse& response) const;

 private:
  CookieOptions options_;
};

}  // namespace core::web
