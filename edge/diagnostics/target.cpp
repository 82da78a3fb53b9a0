#include "edge/diagnostics/target.h"

#include <arpa/inet.h>

namespace edge::diagnostics {

bool isIpAddress(const std::string& text) {
  unsigned char buf[16];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

core::Status validateTarget(const std::string& target) {
  const std::string kind = "give a host name or an IP address";
  if (target.empty()) return core::invalidArgument(kind);
  if (target.size() > 253 + 1) return core::invalidArgument(kind + " (at most 253 characters)");
  if (target[0] == '-') return core::invalidArgument(kind + " (it cannot start with '-')");
  if (target.find('\0') == std::string::npos && isIpAddress(target)) return core::Status::ok();
  std::string name = target;
  if (name.back() == '.') name.pop_back();
  if (name.empty() || name.size() > 253) return core::invalidArgument(kind);
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    size_t len = dot - start;
    if (len == 0 || len > 63) return core::invalidArgument(kind + " (each part between dots is 1 to 63 characters)");
    if (name[start] == '-' || name[dot - 1] == '-')
      return core::invalidArgument(kind + " (a part cannot start or end with '-')");
    for (size_t i = start; i < dot; ++i) {
      char c = name[i];
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      if (!ok) return core::invalidArgument(kind + " (letters, digits, '-' and '.' only)");
    }
    start = dot + 1;
  }
  return core::Status::ok();
}

}  // namespace edge::diagnostics
