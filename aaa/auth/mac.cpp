#include "aaa/auth/mac.h"
#include "core/ids.h"

#include <cstddef>

namespace aaa::auth {
namespace {


// Reads 12 hex digits from `text`, where a separator `sep` must appear after every `group` digits
// (group 12: no separator).
std::optional<MacAddress> parseGrouped(std::string_view text, size_t group, char sep) noexcept {
  const size_t separators = 12 / group - 1;
  if (text.size() != 12 + separators) return std::nullopt;
  MacAddress mac{};
  size_t digits = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    // Position i holds a separator when it follows a complete group: i = k*(group+1) - 1.
    if (group < 12 && (i + 1) % (group + 1) == 0) {
      if (text[i] != sep) return std::nullopt;
      continue;
    }
    int v = core::hexValue(text[i]);
    if (v < 0) return std::nullopt;
    mac[digits / 2] = static_cast<uint8_t>((mac[digits / 2] << 4) | v);
    ++digits;
  }
  return mac;
}

}  // namespace

std::optional<MacAddress> parseMac(std::string_view text) noexcept {
  switch (text.size()) {
    case 17:  // aa:bb:cc:dd:ee:ff or aa-bb-cc-dd-ee-ff
      if (text[2] != ':' && text[2] != '-') return std::nullopt;
      return parseGrouped(text, 2, text[2]);
    case 14:  // aabb.ccdd.eeff or aabb-ccdd-eeff
      if (text[4] != '.' && text[4] != '-') return std::nullopt;
      return parseGrouped(text, 4, text[4]);
    case 12:
      return parseGrouped(text, 12, '\0');
    default:
      return std::nullopt;
  }
}

std::string formatMac(const MacAddress& mac) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(17, ':');
  for (size_t i = 0; i < mac.size(); ++i) {
    out[3 * i] = kHex[mac[i] >> 4];
    out[3 * i + 1] = kHex[mac[i] & 0x0F];
  }
  return out;
}

}  // namespace aaa::auth
