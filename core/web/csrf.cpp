#include "core/web/csrf.h"

#include "core/html.h"
#include "core/pki.h"

namespace core::web {

bool constantTimeEqual(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

CsrfTokens::CsrfTokens() : key_(core::pki::randomHex(32)) {}

std::string CsrfTokens::tokenFor(const std::string& sessionId) const {
  if (sessionId.empty()) return "";
  return core::pki::hmacSha256Hex(key_, "csrf:" + sessionId);
}

bool CsrfTokens::verify(const std::string& sessionId, const std::string& token) const {
  if (sessionId.empty() || token.empty()) return false;
  return constantTimeEqual(token, tokenFor(sessionId));
}

bool CsrfTokens::verifyForm(const std::string& sessionId, const std::map<std::string, std::string>& form) const {
  auto it = form.find(kCsrfField);
  return it != form.end() && verify(sessionId, it->second);
}

std::string csrfInput(const std::string& token) {
  return "<input type=\"hidden\" name=\"" + std::string(kCsrfField) + "\" value=\"" + htmlEscape(token) + "\">";
}

}  // namespace core::web
