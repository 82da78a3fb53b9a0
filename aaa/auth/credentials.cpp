#include "aaa/auth/credentials.h"

// mbedTLS 2.28's constant_time.h, unlike its other headers, has no extern "C" guard.
extern "C" {
#include <mbedtls/constant_time.h>
}
#include <mbedtls/md4.h>
#include <mbedtls/platform_util.h>

namespace aaa::auth {
namespace {

constexpr uint32_t kReplacementCharacter = 0xFFFD;

// Decodes one well-formed UTF-8 sequence at the start of p[0..n) (Unicode 15, table 3-7).
// Returns the number of bytes consumed and the code point, or 0 when the bytes there are not the
// start of a well-formed sequence (stray continuation byte, overlong form, surrogate, > U+10FFFF,
// truncated sequence).
size_t decodeUtf8(const uint8_t* p, size_t n, uint32_t* codePoint) noexcept {
  const uint8_t b0 = p[0];
  if (b0 < 0x80) {
    *codePoint = b0;
    return 1;
  }
  size_t len = 0;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  uint32_t cp = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;  // overlong below U+0800
    if (b0 == 0xED) hi = 0x9F;  // surrogates U+D800..U+DFFF
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;  // overlong below U+10000
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;  // 0x80..0xC1 (continuation or overlong lead), 0xF5..0xFF
  }
  if (n < len) return 0;
  if (p[1] < lo || p[1] > hi) return 0;
  cp = (cp << 6) | (p[1] & 0x3F);
  for (size_t i = 2; i < len; ++i) {
    if (p[i] < 0x80 || p[i] > 0xBF) return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  *codePoint = cp;
  return len;
}

// Offset of the first byte that does not start a well-formed sequence, or npos.
size_t firstInvalidUtf8(std::string_view text) noexcept {
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  size_t i = 0;
  while (i < text.size()) {
    uint32_t cp = 0;
    size_t used = decodeUtf8(p + i, text.size() - i, &cp);
    if (used == 0) return i;
    i += used;
  }
  return std::string_view::npos;
}

}  // namespace

bool isValidUtf8(std::string_view text) noexcept { return firstInvalidUtf8(text) == std::string_view::npos; }

NtHash ntPasswordHash(std::string_view passwordUtf8) noexcept {
  // RFC 2759 8.3: NtPasswordHash = MD4(password as UTF-16 "Unicode" little-endian, no terminator).
  // The UTF-16LE form is streamed into MD4 through a small stack buffer: no allocation, no limit.
  NtHash out{};
  mbedtls_md4_context md4;
  mbedtls_md4_init(&md4);
  int rc = mbedtls_md4_starts_ret(&md4);

  uint8_t buf[64];
  size_t used = 0;
  auto put16 = [&](uint32_t unit) {
    if (used + 2 > sizeof(buf)) {
      rc |= mbedtls_md4_update_ret(&md4, buf, used);
      used = 0;
    }
    buf[used++] = static_cast<uint8_t>(unit & 0xFF);
    buf[used++] = static_cast<uint8_t>(unit >> 8);
  };

  const auto* p = reinterpret_cast<const uint8_t*>(passwordUtf8.data());
  size_t i = 0;
  while (i < passwordUtf8.size()) {
    uint32_t cp = 0;
    size_t n = decodeUtf8(p + i, passwordUtf8.size() - i, &cp);
    if (n == 0) {  // not UTF-8: one replacement character per offending byte (see header)
      cp = kReplacementCharacter;
      n = 1;
    }
    i += n;
    if (cp >= 0x10000) {  // RFC 2781 2.1: surrogate pair
      cp -= 0x10000;
      put16(0xD800 | (cp >> 10));
      put16(0xDC00 | (cp & 0x3FF));
    } else {
      put16(cp);
    }
  }
  if (used > 0) rc |= mbedtls_md4_update_ret(&md4, buf, used);
  rc |= mbedtls_md4_finish_ret(&md4, out.data());
  mbedtls_md4_free(&md4);  // zeroizes the context
  mbedtls_platform_zeroize(buf, sizeof(buf));
  // The software MD4 of Debian's mbedTLS (MBEDTLS_MD4_ALT off) cannot fail. Were an alternative
  // implementation to fail, return a fixed value rather than a partial digest.
  if (rc != 0) out.fill(0xFF);
  return out;
}

core::Result<NtHash> ntPasswordHashChecked(std::string_view passwordUtf8) {
  size_t bad = firstInvalidUtf8(passwordUtf8);
  if (bad != std::string_view::npos) {
    return core::invalidArgument("password is not valid UTF-8 (byte offset " + std::to_string(bad) + ")");
  }
  return ntPasswordHash(passwordUtf8);
}

core::Result<Credentials> credentialsFromPassword(std::string_view passwordUtf8, bool keepCleartext) {
  if (passwordUtf8.empty()) return core::invalidArgument("password is empty");
  if (passwordUtf8.size() > kMaxPasswordBytes) {
    return core::invalidArgument("password is " + std::to_string(passwordUtf8.size()) +
                                 " bytes, longer than the " + std::to_string(kMaxPasswordBytes) +
                                 " RADIUS PAP can carry (RFC 2865 5.2)");
  }
  if (passwordUtf8.find('\0') != std::string_view::npos) {
    return core::invalidArgument("password contains a NUL character");
  }
  auto hash = ntPasswordHashChecked(passwordUtf8);
  if (!hash.isOk()) return hash.status();
  Credentials c;
  c.ntHash = *hash;
  if (keepCleartext) c.cleartext = std::string(passwordUtf8);
  return c;
}

bool constantTimeEqual(const uint8_t* a, const uint8_t* b, size_t n) noexcept {
  return mbedtls_ct_memcmp(a, b, n) == 0;
}

}  // namespace aaa::auth
