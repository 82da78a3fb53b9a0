#include "core/web/cookie.h"

#include <algorithm>
#include <cctype>

#include "core/pki.h"

namespace core::web {

std::vector<std::pair<std::string, std::string>> parseCookieHeader(const std::string& header) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t pos = 0;
  while (pos <= header.size()) {
    size_t semi = header.find(';', pos);
    if (semi == std::string::npos) semi = header.size();
    size_t begin = pos;
    while (begin < semi && header[begin] == ' ') ++begin;
    size_t eq = header.find('=', begin);
    if (eq != std::string::npos && eq < semi)
      out.emplace_back(header.substr(begin, eq - begin), header.substr(eq + 1, semi - eq - 1));
    pos = semi + 1;
  }
  return out;
}

std::string cookieValue(const std::string& header, const std::string& name,
                        const std::function<bool(const std::string&)>& valid) {
  for (const auto& [n, v] : parseCookieHeader(header))
    if (n == name && (!valid || valid(v))) return v;
  return "";
}

bool isSessionId(const std::string& v) {
  return v.size() == 32 && std::all_of(v.begin(), v.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

std::string setCookieValue(const CookieOptions& o, const std::string& value, bool secure) {
  std::string out = o.name + "=" + value + "; Path=" + o.path + "; HttpOnly; SameSite=Strict";
  if (o.maxAgeSeconds > 0) out += "; Max-Age=" + std::to_string(o.maxAgeSeconds);
  if (secure) out += "; Secure";
  return out;
}

std::string expiredCookieValue(const CookieOptions& o, bool secure) {
  std::string out = o.name + "=; Path=" + o.path + "; HttpOnly; SameSite=Strict; Max-Age=0";
  if (secure) out += "; Secure";
  return out;
}

std::string SessionCookie::idOf(const HttpRequest& request) const {
  auto it = request.headers.find("cookie");
  return it == request.headers.end() ? "" : cookieValue(it->second, options_.name, isSessionId);
}

std::string SessionCookie::ensure(const HttpRequest& request, HttpResponse& response) const {
  std::string id = idOf(request);
  return id.empty() ? renew(request, response) : id;
}

std::string SessionCookie::renew(const HttpRequest& request, HttpResponse& response) const {
  std::string id = core::pki::randomHex(16);
  response.headers.emplace_back("Set-Cookie", setCookieValue(options_, id, request.tls));
  return id;
}

void SessionCookie::clear(const HttpRequest& request, HttpResponse& response) const {
  response.headers.emplace_back("Set-Cookie", expiredCookieValue(options_, request.tls));
}

}  // namespace core::web
