#include "catalog/ip.h"

#include <arpa/inet.h>

#include <cstring>

namespace catalog {

namespace {
constexpr uint8_t kV4Mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
}

bool IpAddress::isV4() const { return std::memcmp(bytes.data(), kV4Mapped, 12) == 0; }

uint32_t IpAddress::v4() const {
  return (uint32_t{bytes[12]} << 24) | (uint32_t{bytes[13]} << 16) | (uint32_t{bytes[14]} << 8) | bytes[15];
}

IpAddress IpAddress::fromV4(uint32_t v) {
  IpAddress ip;
  std::memcpy(ip.bytes.data(), kV4Mapped, 12);
  ip.bytes[12] = static_cast<uint8_t>(v >> 24);
  ip.bytes[13] = static_cast<uint8_t>(v >> 16);
  ip.bytes[14] = static_cast<uint8_t>(v >> 8);
  ip.bytes[15] = static_cast<uint8_t>(v);
  return ip;
}

std::optional<IpAddress> parseIp(std::string_view text) {
  std::string s(text);
  in_addr v4;
  if (::inet_pton(AF_INET, s.c_str(), &v4) == 1) return IpAddress::fromV4(ntohl(v4.s_addr));
  IpAddress ip;
  if (::inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) == 1) return ip;
  return std::nullopt;
}

std::string formatIp(const IpAddress& ip) {
  char buf[INET6_ADDRSTRLEN];
  if (ip.isV4()) {
    in_addr a;
    a.s_addr = htonl(ip.v4());
    ::inet_ntop(AF_INET, &a, buf, sizeof buf);
  } else {
    ::inet_ntop(AF_INET6, ip.bytes.data(), buf, sizeof buf);
  }
  return buf;
}

bool IpPrefix::contains(const IpAddress& ip) const {
  int full = length / 8, rest = length % 8;
  if (std::memcmp(ip.bytes.data(), address.bytes.data(), static_cast<size_t>(full)) != 0) return false;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (ip.bytes[static_cast<size_t>(full)] & mask) == (address.bytes[static_cast<size_t>(full)] & mask);
}

std::optional<IpPrefix> parsePrefix(std::string_view text, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<IpPrefix> {
    if (error) *error = "'" + std::string(text) + "' " + why;
    return std::nullopt;
  };
  auto slash = text.find('/');
  std::optional<IpAddress> ip = parseIp(text.substr(0, slash));
  if (!ip) return fail("is not an IP address or prefix (e.g. 192.0.2.1, 192.0.2.0/24, 2001:db8::/32)");
  IpPrefix p;
  p.address = *ip;
  int max = ip->isV4() ? 32 : 128;
  int len = max;
  if (slash != std::string_view::npos) {
    std::string_view l = text.substr(slash + 1);
    if (l.empty() || l.size() > 3) return fail("has a bad prefix length");
    len = 0;
    for (char c : l) {
      if (c < '0' || c > '9') return fail("has a bad prefix length");
      len = len * 10 + (c - '0');
    }
    if (len > max) return fail("has a prefix length over " + std::to_string(max));
  }
  p.length = ip->isV4() ? len + 96 : len;
  // Host bits must be zero, or the operator probably typed something else than they meant.
  IpPrefix check = p;
  for (int bit = p.length; bit < 128; ++bit)
    if (check.address.bytes[static_cast<size_t>(bit / 8)] & (0x80 >> (bit % 8)))
      return fail("has host bits set (did you mean " + formatIp(p.address) + "/" + std::to_string(max) + "?)");
  return p;
}

std::string formatPrefix(const IpPrefix& p) {
  bool v4 = p.address.isV4();
  int len = v4 ? p.length - 96 : p.length;
  if (len == (v4 ? 32 : 128)) return formatIp(p.address);
  return formatIp(p.address) + "/" + std::to_string(len);
}

}  // namespace catalog
