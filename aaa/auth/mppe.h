// Encryption of MS-MPPE-Send-Key / MS-MPPE-Recv-Key values (RFC 2548 2.4.2 and 2.4.3).
//
// The codec (libfreeradius, "encrypt=2" in the dictionary) can do this itself; these functions are
// for an encoder that writes the wire directly, and for tests. The salt is an input (no RNG here):
// the caller draws it, with the high bit set, unique among the keys of one packet. No allocation on
// success; failures return a Status (InvalidArgument, or Internal if MD5 fails, which Debian's
// software MD5 cannot).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/status.h"

namespace aaa::auth {

// Value layout: Salt(2) + encrypted String, String = Key-Length(1) + Key + zero padding to a
// multiple of 16. A 16-octet MPPE key gives 2 + 32 = 34 octets.
inline constexpr size_t kMppeSaltLength = 2;
// Longest key whose value still fits one attribute: 2 + 240 <= 253 - 6 (Vendor-Specific header).
inline constexpr size_t kMppeMaxKeyLength = 239;

// Length of the encrypted value for a key of keyLen octets.
constexpr size_t mppeKeyValueLength(size_t keyLen) { return kMppeSaltLength + (1 + keyLen + 15) / 16 * 16; }

// RFC 2548 2.4.2: b(1) = MD5(S + R + A), c(1) = p(1) xor b(1); b(i) = MD5(S + c(i-1)),
// S the shared secret, R the Access-Request's Request Authenticator, A the salt.
// InvalidArgument when keyLen is 0 or above kMppeMaxKeyLength, the secret is empty, the salt's high
// bit is clear (RFC 2548 2.4.2: it MUST be set), or outCapacity < mppeKeyValueLength(keyLen).
core::Status encryptMppeKey(const uint8_t* key, size_t keyLen, std::string_view secret,
                            const uint8_t requestAuthenticator[16], const uint8_t salt[2], uint8_t* out,
                            size_t outCapacity, size_t* outLen);

// The inverse (for tests and a client side). InvalidArgument when the value is shorter than 18
// octets, its encrypted part is not a multiple of 16, the salt's high bit is clear, the decrypted
// Key-Length does not fit, or keyCapacity is too small. A wrong secret usually shows up as an
// impossible Key-Length; padding octets are not checked (RFC 2548 does not ask the receiver to).
core::Status decryptMppeKey(const uint8_t* value, size_t len, std::string_view secret,
                            const uint8_t requestAuthenticator[16], uint8_t* key, size_t keyCapacity, size_t* keyLen);

}  // namespace aaa::auth
