// IP addresses and prefixes as catalog values: a NAS client's source prefix, a subscriber's static
// address. Pure parsing and formatting (inet_pton/inet_ntop), no allocation beyond the texts.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace catalog {

// An IPv4 or IPv6 address; IPv4 is held as an IPv4-mapped IPv6 address (::ffff:a.b.c.d).
struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  bool isV4() const;
  uint32_t v4() const;  // host order; only when isV4()
  static IpAddress fromV4(uint32_t hostOrder);
  bool operator==(const IpAddress& o) const { return bytes == o.bytes; }
};

// "192.0.2.1", "2001:db8::1".
std::optional<IpAddress> parseIp(std::string_view text);
std::string formatIp(const IpAddress& ip);

struct IpPrefix {
  IpAddress address;
  int length = 128;  // in IPv6 terms: an IPv4 /24 is stored as /120
  bool contains(const IpAddress& ip) const;
};

// "192.0.2.0/24", "192.0.2.7" (a host), "2001:db8::/32". Host bits must be zero. `error` gets a
// sentence quoting the input ("'10.0.0.1/33' has a prefix length over 32").
std::optional<IpPrefix> parsePrefix(std::string_view text, std::string* error = nullptr);
std::string formatPrefix(const IpPrefix& p);

}  // namespace catalog
