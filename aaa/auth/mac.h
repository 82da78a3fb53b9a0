// MAC addresses for MAC authentication (Calling-Station-Id, User-Name of MAC-auth requests).
//
// NAS vendors spell MACs differently; lookups in the subscriber snapshot should key on the parsed
// 6 octets, never on the text. parseMac() is allocation-free; formatMac() returns a std::string
// (17 characters: one allocation) and is meant for storage, display and logs.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aaa::auth {

using MacAddress = std::array<uint8_t, 6>;

// Accepts, in upper, lower or mixed case:
//   aa:bb:cc:dd:ee:ff   aa-bb-cc-dd-ee-ff   (6 groups of 2 digits, one separator kind throughout)
//   aabb.ccdd.eeff      aabb-ccdd-eeff      (3 groups of 4 digits: Cisco, Huawei)
//   aabbccddeeff        (12 digits)
// Anything else (surrounding spaces, mixed separators, one-digit groups, a ":SSID" suffix) is
// nullopt. Called-Station-Id "MAC:SSID" must be split by the caller.
std::optional<MacAddress> parseMac(std::string_view text) noexcept;

// Canonical form: lower case, colon separated ("aa:bb:cc:dd:ee:ff").
std::string formatMac(const MacAddress& mac);

}  // namespace aaa::auth
