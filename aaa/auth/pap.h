// PAP: the User-Password attribute (RFC 2865 5.2) and checking its cleartext against what we store.
//
// The codec (libfreeradius) can decrypt User-Password itself; decryptUserPassword() is here so a
// hot path that parses the wire directly does not need it. Nothing here allocates, logs or throws
// on success; failures of the cipher functions return an InvalidArgument Status (that message is
// the only allocation).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "aaa/auth/credentials.h"
#include "core/status.h"

namespace aaa::auth {

// RFC 2865 5.2: the encrypted value is 16..128 octets, a multiple of 16.
inline constexpr size_t kUserPasswordMinLength = 16;
inline constexpr size_t kUserPasswordMaxLength = 128;

// Decrypts a User-Password value (RFC 2865 5.2) into out[0..*outLen) and strips the trailing NUL
// padding (only trailing NULs: an embedded NUL stays, so it cannot match a stored password, which
// never contains NUL).
// InvalidArgument when len is not a multiple of 16 within 16..128, the secret is empty, or
// outCapacity < len (Internal if MD5 fails, which Debian's software MD5 cannot). On failure *outLen
// is 0 and nothing of the plaintext is left in out.
// A wrong secret is not detectable here: it yields garbage that then fails to match.
core::Status decryptUserPassword(const uint8_t* cipher, size_t len, std::string_view secret,
                                 const uint8_t requestAuthenticator[16], char* out, size_t outCapacity,
                                 size_t* outLen);

// The inverse, for clients and tests: pads the password with NULs to a multiple of 16 (an empty
// password becomes one block) and encrypts it. InvalidArgument when the password is longer than
// 128 octets, the secret is empty or outCapacity is too small (it needs the padded length).
core::Status encryptUserPassword(std::string_view password, std::string_view secret,
                                 const uint8_t requestAuthenticator[16], uint8_t* out, size_t outCapacity,
                                 size_t* outLen);

// True when the cleartext from the packet is the subscriber's password.
// - Stored cleartext present: constant-time compare (time depends on the packet's length only).
// - Otherwise stored NT hash present: compares ntPasswordHash(candidate) in constant time; a
//   candidate that is not valid UTF-8 never matches.
// - Otherwise a stored password hash (imported, PAP only): passwordHashMatches() (password_hash.h).
// - None: false. An empty candidate never matches (MAC authentication does not come here).
bool papMatches(std::string_view cleartextFromPacket, const Credentials& stored) noexcept;

}  // namespace aaa::auth
