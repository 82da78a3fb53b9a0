// Hex helpers shared by the aaa/auth tests.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aaa::auth::testing {

inline int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Hex digits to bytes; spaces are ignored (so RFC listings can be pasted as they are printed).
inline std::vector<uint8_t> fromHex(std::string_view hex) {
  std::vector<uint8_t> out;
  int high = -1;
  for (char c : hex) {
    int v = hexDigit(c);
    if (v < 0) continue;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  return out;
}

template <size_t N>
std::array<uint8_t, N> arrayFromHex(std::string_view hex) {
  std::array<uint8_t, N> out{};
  std::vector<uint8_t> v = fromHex(hex);
  for (size_t i = 0; i < N && i < v.size(); ++i) out[i] = v[i];
  return out;
}

inline std::string stringFromHex(std::string_view hex) {
  std::vector<uint8_t> v = fromHex(hex);
  return std::string(v.begin(), v.end());
}

// Upper-case hex, as the RFCs print it.
inline std::string toHex(const uint8_t* p, size_t n) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[p[i] >> 4]);
    out.push_back(kDigits[p[i] & 0x0F]);
  }
  return out;
}

template <size_t N>
std::string toHex(const std::array<uint8_t, N>& a) {
  return toHex(a.data(), N);
}

inline std::string toHex(const std::vector<uint8_t>& v) { return toHex(v.data(), v.size()); }

// Normalizes any hex spelling to upper case without spaces, for comparisons.
inline std::string upperHex(std::string_view hex) { return toHex(fromHex(hex)); }

}  // namespace aaa::auth::testing
