// CSRF tokens (OWASP "HMAC-based token" pattern): a form's token is the HMAC-SHA256 of the visitor's
// session id under a key made at start, so nothing is stored per visitor, a token is worth nothing
// with another session's cookie, and a restart invalidates every open form (the page says so and
// the next one works). Compared in constant time.
#pragma once

#include <map>
#include <string>
#include <utility>

namespace core::web {

// The name of the hidden field every form carries.
inline constexpr const char* kCsrfField = "csrf";

// Whether a == b, in time that depends only on the lengths.
bool constantTimeEqual(const std::string& a, const std::string& b);

class CsrfTokens {
 public:
  CsrfTokens();                                 // a new random key
  explicit CsrfTokens(std::string key) : key_(std::move(key)) {}  // tests

  // 64 hex digits; "" for an empty session id (no session, no token).
  std::string tokenFor(const std::string& sessionId) const;
  // Whether `token` is the token of `sessionId`; never for an empty session id or token.
  bool verify(const std::string& sessionId, const std::string& token) const;
  // Whether a posted form's kCsrfField is the token of `sessionId`.
  bool verifyForm(const std::string& sessionId, const std::map<std::string, std::string>& form) const;

 private:
  std::string key_;
};

// <input type="hidden" name="csrf" value="TOKEN">
std::string csrfInput(const std::string& token);

}  // namespace core::web
