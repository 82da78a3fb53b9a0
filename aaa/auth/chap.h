// CHAP (RFC 1994, carried in RADIUS by RFC 2865 5.3 CHAP-Password and 5.40 CHAP-Challenge).
//
// The response is MD5(ident || password || challenge) (RFC 1994 4.1), so checking it needs the
// cleartext password (see aaa/auth/credentials.h). The challenge is the CHAP-Challenge attribute
// when the request has one, otherwise the Request Authenticator (RFC 2865 2.2). Pure functions: no
// allocation, no logging, no exceptions.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace aaa::auth {

// CHAP-Password value (RFC 2865 5.3): CHAP Ident (1) + Response (16).
inline constexpr size_t kChapPasswordLength = 17;

// RFC 1994 4.1: MD5(ident || secret || challenge).
std::array<uint8_t, 16> chapResponse(uint8_t chapIdent, std::string_view cleartext, const uint8_t* challenge,
                                     size_t challengeLen) noexcept;

// True when `response` is the CHAP response for this ident, challenge and password; the compare is
// constant-time. False when the challenge is empty or null, or the password is empty.
bool chapMatches(uint8_t chapIdent, const uint8_t response[16], const uint8_t* challenge, size_t challengeLen,
                 std::string_view cleartext) noexcept;

// The same from the raw CHAP-Password attribute value; false unless it is exactly 17 octets.
bool chapPasswordMatches(const uint8_t* chapPassword, size_t chapPasswordLen, const uint8_t* challenge,
                         size_t challengeLen, std::string_view cleartext) noexcept;

}  // namespace aaa::auth
