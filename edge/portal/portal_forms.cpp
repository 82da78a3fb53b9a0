#include "edge/portal/portal_forms.h"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace edge::portal {

std::string urlDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::map<std::string, std::string> formFields(const std::string& body) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos <= body.size()) {
    size_t amp = body.find('&', pos);
    if (amp == std::string::npos) amp = body.size();
    std::string pair = body.substr(pos, amp - pos);
    auto eq = pair.find('=');
    if (eq != std::string::npos) out[urlDecode(pair.substr(0, eq))] = urlDecode(pair.substr(eq + 1));
    pos = amp + 1;
  }
  return out;
}

std::string portalCookie(const std::string& cookieHeader) {
  std::string prefix = std::string(kCookieName) + "=";
  std::istringstream in(cookieHeader);
  std::string part;
  while (std::getline(in, part, ';')) {
    while (!part.empty() && part.front() == ' ') part.erase(0, 1);
    if (part.rfind(prefix, 0) == 0) {
      std::string v = part.substr(prefix.size());
      if (v.size() == 32 && std::all_of(v.begin(), v.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
        return v;
    }
  }
  return "";
}

}  // namespace edge::portal
