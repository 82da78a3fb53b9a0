#include "aaa/auth/chap.h"

#include <mbedtls/md5.h>
#include <mbedtls/platform_util.h>

#include "aaa/auth/credentials.h"

namespace aaa::auth {
namespace {

bool computeResponse(uint8_t ident, std::string_view cleartext, const uint8_t* challenge, size_t challengeLen,
                     uint8_t out[16]) noexcept {
  // RFC 1994 4.1: "the Identifier, followed by the secret, followed by the Challenge Value",
  // hashed with MD5 (Algorithm 5). Streamed, so no concatenation buffer.
  mbedtls_md5_context md5;
  mbedtls_md5_init(&md5);
  int rc = mbedtls_md5_starts_ret(&md5);
  rc |= mbedtls_md5_update_ret(&md5, &ident, 1);
  rc |= mbedtls_md5_update_ret(&md5, reinterpret_cast<const unsigned char*>(cleartext.data()), cleartext.size());
  rc |= mbedtls_md5_update_ret(&md5, challenge, challengeLen);
  rc |= mbedtls_md5_finish_ret(&md5, out);
  mbedtls_md5_free(&md5);
  return rc == 0;
}

}  // namespace

std::array<uint8_t, 16> chapResponse(uint8_t chapIdent, std::string_view cleartext, const uint8_t* challenge,
                                     size_t challengeLen) noexcept {
  std::array<uint8_t, 16> out{};
  if (!computeResponse(chapIdent, cleartext, challenge, challengeLen, out.data())) out.fill(0);
  return out;
}

bool chapMatches(uint8_t chapIdent, const uint8_t response[16], const uint8_t* challenge, size_t challengeLen,
                 std::string_view cleartext) noexcept {
  // An empty challenge would make the response a plain MD5 of the password: replayable, refused.
  // (RFC 2865 5.40 asks for at least 5 octets in CHAP-Challenge; the Request Authenticator has 16.)
  if (response == nullptr || challenge == nullptr || challengeLen == 0 || cleartext.empty()) return false;
  uint8_t expected[16];
  bool ok = computeResponse(chapIdent, cleartext, challenge, challengeLen, expected) &&
            constantTimeEqual(expected, response, sizeof(expected));
  mbedtls_platform_zeroize(expected, sizeof(expected));
  return ok;
}

bool chapPasswordMatches(const uint8_t* chapPassword, size_t chapPasswordLen, const uint8_t* challenge,
                         size_t challengeLen, std::string_view cleartext) noexcept {
  // RFC 2865 5.3: CHAP-Password is CHAP Ident (1 octet) + String (16 octets), length field 19.
  if (chapPassword == nullptr || chapPasswordLen != kChapPasswordLength) return false;
  return chapMatches(chapPassword[0], chapPassword + 1, challenge, challengeLen, cleartext);
}

}  // namespace aaa::auth
