#include "aaa/auth/pap.h"

#include "aaa/auth/password_hash.h"

#include <mbedtls/md5.h>
#include <mbedtls/platform_util.h>

#include <cstring>

namespace aaa::auth {
namespace {

// One step of the RFC 2865 5.2 key stream: b = MD5(S + prev), prev being the Request Authenticator
// for the first block and the previous ciphertext block afterwards.
bool keyBlock(std::string_view secret, const uint8_t prev[16], uint8_t b[16]) noexcept {
  mbedtls_md5_context md5;
  mbedtls_md5_init(&md5);
  int rc = mbedtls_md5_starts_ret(&md5);
  rc |= mbedtls_md5_update_ret(&md5, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  rc |= mbedtls_md5_update_ret(&md5, prev, 16);
  rc |= mbedtls_md5_finish_ret(&md5, b);
  mbedtls_md5_free(&md5);
  return rc == 0;
}

}  // namespace

core::Status decryptUserPassword(const uint8_t* cipher, size_t len, std::string_view secret,
                                 const uint8_t requestAuthenticator[16], char* out, size_t outCapacity,
                                 size_t* outLen) {
  *outLen = 0;
  if (len < kUserPasswordMinLength || len > kUserPasswordMaxLength || len % 16 != 0) {
    return core::invalidArgument("User-Password is " + std::to_string(len) +
                                 " octets; RFC 2865 5.2 requires a multiple of 16 within 16..128");
  }
  if (secret.empty()) return core::invalidArgument("the RADIUS shared secret is empty");
  if (outCapacity < len) return core::invalidArgument("User-Password output buffer too small");

  // RFC 2865 5.2: p(i) = c(i) xor MD5(S + c(i-1)), with c(0) = Request Authenticator.
  uint8_t b[16];
  const uint8_t* prev = requestAuthenticator;
  for (size_t off = 0; off < len; off += 16) {
    if (!keyBlock(secret, prev, b)) {
      mbedtls_platform_zeroize(b, sizeof(b));
      mbedtls_platform_zeroize(out, len);
      return core::internalError("MD5 failed while decrypting User-Password");
    }
    for (size_t i = 0; i < 16; ++i) out[off + i] = static_cast<char>(cipher[off + i] ^ b[i]);
    prev = cipher + off;
  }
  mbedtls_platform_zeroize(b, sizeof(b));

  size_t n = len;
  while (n > 0 && out[n - 1] == '\0') --n;  // the NUL padding
  *outLen = n;
  return core::Status::ok();
}

core::Status encryptUserPassword(std::string_view password, std::string_view secret,
                                 const uint8_t requestAuthenticator[16], uint8_t* out, size_t outCapacity,
                                 size_t* outLen) {
  *outLen = 0;
  if (password.size() > kUserPasswordMaxLength) {
    return core::invalidArgument("password longer than the 128 octets of RFC 2865 5.2");
  }
  if (secret.empty()) return core::invalidArgument("the RADIUS shared secret is empty");
  size_t len = password.empty() ? 16 : (password.size() + 15) / 16 * 16;
  if (outCapacity < len) return core::invalidArgument("User-Password output buffer too small");

  // RFC 2865 5.2: c(i) = p(i) xor MD5(S + c(i-1)), c(0) = Request Authenticator.
  uint8_t b[16];
  const uint8_t* prev = requestAuthenticator;
  for (size_t off = 0; off < len; off += 16) {
    if (!keyBlock(secret, prev, b)) {
      mbedtls_platform_zeroize(b, sizeof(b));
      mbedtls_platform_zeroize(out, len);
      return core::internalError("MD5 failed while encrypting User-Password");
    }
    for (size_t i = 0; i < 16; ++i) {
      size_t k = off + i;
      uint8_t p = k < password.size() ? static_cast<uint8_t>(password[k]) : 0;
      out[k] = p ^ b[i];
    }
    prev = out + off;
  }
  mbedtls_platform_zeroize(b, sizeof(b));
  *outLen = len;
  return core::Status::ok();
}

bool papMatches(std::string_view cleartextFromPacket, const Credentials& stored) noexcept {
  if (cleartextFromPacket.empty()) return false;

  if (stored.cleartext) {
    const std::string& want = *stored.cleartext;
    if (want.empty()) return false;
    // Walk the candidate's length only, so the time says nothing about the stored length; the
    // length difference is folded into the result instead of returning early.
    // The stored index wraps around without a branch or a division.
    const size_t n = cleartextFromPacket.size();
    const size_t m = want.size();
    uint8_t diff = static_cast<uint8_t>(n != m);
    size_t j = 0;
    for (size_t i = 0; i < n; ++i) {
      diff |= static_cast<uint8_t>(static_cast<uint8_t>(cleartextFromPacket[i]) ^ static_cast<uint8_t>(want[j]));
      ++j;
      j &= size_t{0} - static_cast<size_t>(j != m);  // j == m -> 0
    }
    return diff == 0;
  }

  if (stored.ntHash) {
    // The NT hash is defined over UTF-16 (RFC 2759 8.3); a candidate that is not UTF-8 has no
    // faithful conversion, so it does not match rather than matching through U+FFFD.
    if (!isValidUtf8(cleartextFromPacket)) return false;
    NtHash candidate = ntPasswordHash(cleartextFromPacket);
    bool ok = constantTimeEqual(candidate.data(), stored.ntHash->data(), candidate.size());
    mbedtls_platform_zeroize(candidate.data(), candidate.size());
    return ok;
  }
  if (!stored.papHash.empty()) return passwordHashMatches(cleartextFromPacket, stored.papHash);
  return false;
}

}  // namespace aaa::auth
