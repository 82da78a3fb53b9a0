// Password hashes brought from another RADIUS server (issue 30, ADR 0045): a PAP-only stored form.
//
// FreeRADIUS keeps passwords as crypt(3) strings (Crypt-Password), unsalted or salted digests
// (MD5-, SMD5-, SHA-/SHA1-, SSHA-, SHA2-*, SSHA2-*-Password, hex or base64) or any of those behind a
// "{header}" (Password-With-Header). None of them can answer CHAP or MS-CHAPv2 (ADR 0002): they can
// only check a password PAP sends. We keep them in one canonical text, the stored form:
//
//   {crypt}<the crypt(3) string>            $1$ (MD5), $5$ (SHA-256), $6$ (SHA-512), $y$ (yescrypt),
//                                           $2b$ (bcrypt), whatever this libxcrypt computes
//   {md5|sha1|sha224|sha256|sha384|sha512}<base64 of the digest>
//   {smd5|ssha1|ssha224|ssha256|ssha384|ssha512}<base64 of digest || salt>   digest of password||salt
//
// An NT hash ({nt}, NT-Password) is not this form: it is the subscriber's NT hash (credentials.h),
// which also serves MS-CHAPv2. A cleartext ({clear}, Cleartext-Password) is a password.
//
// Parsing refuses anything that could not verify a password: an unknown header, a digest of the
// wrong length, a salted digest without salt, bad hex or base64, a crypt string this libcrypt does
// not compute back to the same length and prefix (truncated, unknown method, a locked "!"/"*"
// entry). Messages name what is wrong and never contain the hash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "aaa/auth/credentials.h"
#include "core/status.h"

namespace aaa::auth {

// Longest stored form we take (a yescrypt or $6$ string is ~110 characters; a salted SHA-512 with a
// 64-byte salt is ~180 in base64).
inline constexpr size_t kMaxPasswordHashBytes = 512;

// The canonical stored form of a Password-With-Header value ("{SSHA}...", "{crypt}$6$...",
// "{md5}<hex>", case-insensitive header; a value without a header is a crypt string, as FreeRADIUS
// reads it). InvalidArgument naming the problem. "{nt}"/"{nthash}"/"{x-nthash}" and
// "{clear}"/"{cleartext}" are refused with a message saying which argument takes them.
core::Result<std::string> passwordHashFromHeader(std::string_view value);

// The canonical stored form of a FreeRADIUS check attribute holding a hash: Crypt-Password,
// MD5-Password, SMD5-Password, SHA-Password, SHA1-Password, SSHA-Password, SHA2-Password (the length
// says which), SHA-256-Password, SHA-512-Password, SSHA2-256-Password, SSHA2-512-Password,
// Password-With-Header. Digests may be hex or base64, as FreeRADIUS takes them.
core::Result<std::string> passwordHashFromAttribute(std::string_view attribute, std::string_view value);

// The stored form's scheme ("crypt", "ssha256", ...), or "" when `stored` is not a stored form.
std::string passwordHashScheme(std::string_view stored);

// True when `candidate` (the password PAP sent) is the password `stored` was made from. `stored`
// must be a canonical stored form; anything else (truncated, malformed, empty) never matches. The
// comparison of the computed and stored values is constant-time; the work depends on the stored
// form (its rounds and salt), not on how close the candidate is. An empty candidate never matches.
bool passwordHashMatches(std::string_view candidate, std::string_view stored) noexcept;

// The NT hash of an NT-Password value (32 hex digits, or "0x" + 32 hex digits, as FreeRADIUS
// writes it); InvalidArgument otherwise. Never contains the value in its message.
core::Result<std::string> ntHashHexFromAttribute(std::string_view value);

// The NT hash given as 32 hex digits (the subscriber argument `nt-hash`); nullopt otherwise.
std::optional<NtHash> parseNtHashHex(std::string_view hex) noexcept;

}  // namespace aaa::auth
