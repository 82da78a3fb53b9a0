#include "aaa/auth/mppe.h"

#include <mbedtls/md5.h>
#include <mbedtls/platform_util.h>

#include <cstring>

namespace aaa::auth {
namespace {

// b = MD5(S + first + second); RFC 2548 2.4.2 uses (R, A) for the first block and (c(i-1)) after.
bool keyBlock(std::string_view secret, const uint8_t* first, size_t firstLen, const uint8_t* second,
              size_t secondLen, uint8_t b[16]) noexcept {
  mbedtls_md5_context md5;
  mbedtls_md5_init(&md5);
  int rc = mbedtls_md5_starts_ret(&md5);
  rc |= mbedtls_md5_update_ret(&md5, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  rc |= mbedtls_md5_update_ret(&md5, first, firstLen);
  if (secondLen > 0) rc |= mbedtls_md5_update_ret(&md5, second, secondLen);
  rc |= mbedtls_md5_finish_ret(&md5, b);
  mbedtls_md5_free(&md5);
  return rc == 0;
}

}  // namespace

core::Status encryptMppeKey(const uint8_t* key, size_t keyLen, std::string_view secret,
                            const uint8_t requestAuthenticator[16], const uint8_t salt[2], uint8_t* out,
                            size_t outCapacity, size_t* outLen) {
  *outLen = 0;
  if (keyLen == 0 || keyLen > kMppeMaxKeyLength) {
    return core::invalidArgument("MPPE key of " + std::to_string(keyLen) + " octets; 1.." +
                                 std::to_string(kMppeMaxKeyLength) + " fit one attribute");
  }
  if (secret.empty()) return core::invalidArgument("the RADIUS shared secret is empty");
  if ((salt[0] & 0x80) == 0) {
    return core::invalidArgument("MPPE salt without its high bit set (RFC 2548 2.4.2 requires it)");
  }
  const size_t total = mppeKeyValueLength(keyLen);
  if (outCapacity < total) return core::invalidArgument("MPPE key output buffer too small");

  // RFC 2548 2.4.2: P = Key-Length + Key + zero padding; encrypted in 16-octet blocks after the salt.
  const size_t plainLen = total - kMppeSaltLength;
  out[0] = salt[0];
  out[1] = salt[1];
  uint8_t* c = out + kMppeSaltLength;
  uint8_t b[16];
  for (size_t off = 0; off < plainLen; off += 16) {
    bool ok = off == 0 ? keyBlock(secret, requestAuthenticator, 16, salt, kMppeSaltLength, b)
                       : keyBlock(secret, c + off - 16, 16, nullptr, 0, b);
    if (!ok) {
      mbedtls_platform_zeroize(b, sizeof(b));
      mbedtls_platform_zeroize(out, total);
      return core::internalError("MD5 failed while encrypting an MPPE key");
    }
    for (size_t i = 0; i < 16; ++i) {
      size_t k = off + i;  // position in P
      uint8_t p = k == 0 ? static_cast<uint8_t>(keyLen) : (k - 1 < keyLen ? key[k - 1] : 0);
      c[k] = p ^ b[i];
    }
  }
  mbedtls_platform_zeroize(b, sizeof(b));
  *outLen = total;
  return core::Status::ok();
}

core::Status decryptMppeKey(const uint8_t* value, size_t len, std::string_view secret,
                            const uint8_t requestAuthenticator[16], uint8_t* key, size_t keyCapacity, size_t* keyLen) {
  *keyLen = 0;
  if (len < kMppeSaltLength + 16 || (len - kMppeSaltLength) % 16 != 0) {
    return core::invalidArgument("MPPE key value of " + std::to_string(len) +
                                 " octets; RFC 2548 2.4.2 needs 2 + a multiple of 16");
  }
  if (secret.empty()) return core::invalidArgument("the RADIUS shared secret is empty");
  if ((value[0] & 0x80) == 0) return core::invalidArgument("MPPE salt without its high bit set");

  const uint8_t* salt = value;
  const uint8_t* c = value + kMppeSaltLength;
  const size_t plainLen = len - kMppeSaltLength;
  uint8_t b[16];
  size_t declared = 0;
  core::Status status;
  for (size_t off = 0; off < plainLen && status.isOk(); off += 16) {
    bool ok = off == 0 ? keyBlock(secret, requestAuthenticator, 16, salt, kMppeSaltLength, b)
                       : keyBlock(secret, c + off - 16, 16, nullptr, 0, b);
    if (!ok) {
      status = core::internalError("MD5 failed while decrypting an MPPE key");
      break;
    }
    for (size_t i = 0; i < 16; ++i) {
      size_t k = off + i;
      uint8_t p = c[k] ^ b[i];
      if (k == 0) {
        declared = p;
        if (declared == 0 || declared > plainLen - 1) {
          status = core::invalidArgument("MPPE Key-Length does not fit the value (wrong secret?)");
          break;
        }
        if (declared > keyCapacity) {
          status = core::invalidArgument("MPPE key output buffer too small");
          break;
        }
      } else if (k - 1 < declared) {
        key[k - 1] = p;
      }
    }
  }
  mbedtls_platform_zeroize(b, sizeof(b));
  if (!status.isOk()) {
    mbedtls_platform_zeroize(key, declared < keyCapacity ? declared : keyCapacity);
    return status;
  }
  *keyLen = declared;
  return core::Status::ok();
}

}  // namespace aaa::auth
