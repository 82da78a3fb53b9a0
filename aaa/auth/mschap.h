// MS-CHAPv2 (RFC 2759) as carried by RADIUS (RFC 2548), and the MPPE keys derived from it
// (RFC 3079 section 3).
//
// The server holds the subscriber's NT hash (aaa/auth/credentials.h), never needs the cleartext.
// verifyMsChapV2() is the one call the RADIUS server makes: it checks MS-CHAP2-Response against
// MS-CHAP-Challenge and, on success, builds the MS-CHAP2-Success value and the 128-bit MPPE keys.
// The lower-level functions carry the names of RFC 2759 8 and RFC 3079 3 and are exposed for the
// test vectors and for any peer-side code.
//
// Everything here is allocation-free, noexcept, and never logs. Inputs that are arrays of a fixed
// size in the RFC are taken as pointers to that many octets (the caller guarantees the size; the
// functions that take a length check it).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "aaa/auth/credentials.h"

namespace aaa::auth {

inline constexpr size_t kMsChapChallengeLength = 16;  // MS-CHAP-Challenge for v2 (RFC 2548 2.3.2)
inline constexpr size_t kMsChap2ResponseLength = 50;  // MS-CHAP2-Response value (RFC 2548 2.3.2)
inline constexpr size_t kMsChap2SuccessLength = 43;   // MS-CHAP2-Success value: Ident + 42 chars
inline constexpr size_t kNtResponseLength = 24;
inline constexpr size_t kMppeKeyLength = 16;          // 128-bit MPPE keys (RFC 3079 3.3, 3.5.3)

using MppeKey = std::array<uint8_t, kMppeKeyLength>;

// The user name ChallengeHash uses: "excluding any prepended domain name" (RFC 2759 4, 8.2), i.e.
// everything after the first backslash of "DOMAIN\user"; the name unchanged when it has none.
// A realm suffix ("user@realm") is part of the name and stays.
std::string_view msChapUserName(std::string_view userName) noexcept;

// RFC 2759 8.2 ChallengeHash: SHA1(PeerChallenge || AuthenticatorChallenge || UserName)[0..8),
// with msChapUserName(userName) as UserName.
std::array<uint8_t, 8> challengeHash(const uint8_t peerChallenge[16], const uint8_t authenticatorChallenge[16],
                                     std::string_view userName) noexcept;

// RFC 2759 8.4 HashNtPasswordHash: MD4(PasswordHash).
NtHash hashNtPasswordHash(const NtHash& passwordHash) noexcept;

// RFC 2759 8.5 ChallengeResponse: the hash padded with zeros to 21 octets, split into three 7-octet
// DES keys (8.6 DesEncrypt, parity bits inserted), each encrypting the 8-octet challenge.
std::array<uint8_t, kNtResponseLength> challengeResponse(const uint8_t challenge[8], const NtHash& passwordHash) noexcept;

// RFC 2759 8.1 GenerateNTResponse, from the NT hash instead of the password (8.3 is applied by the
// caller, once, when storing).
std::array<uint8_t, kNtResponseLength> generateNtResponse(const uint8_t authenticatorChallenge[16],
                                                          const uint8_t peerChallenge[16], std::string_view userName,
                                                          const NtHash& passwordHash) noexcept;

// RFC 2759 8.7 GenerateAuthenticatorResponse: "S=" followed by 40 upper-case hex digits (no NUL).
std::array<char, 42> generateAuthenticatorResponse(const NtHash& passwordHash, const uint8_t ntResponse[24],
                                                   const uint8_t peerChallenge[16],
                                                   const uint8_t authenticatorChallenge[16],
                                                   std::string_view userName) noexcept;

// RFC 3079 3.4 GetMasterKey: SHA1(PasswordHashHash || NTResponse || Magic1)[0..16).
MppeKey getMasterKey(const NtHash& passwordHashHash, const uint8_t ntResponse[24]) noexcept;

// RFC 3079 3.4 GetAsymmetricStartKey for 128-bit keys (SessionKeyLength 16; the 40/56-bit variants
// are not offered). On the server, MS-MPPE-Send-Key is (isSend=true, isServer=true) and
// MS-MPPE-Recv-Key is (isSend=false, isServer=true).
MppeKey getAsymmetricStartKey(const MppeKey& masterKey, bool isSend, bool isServer) noexcept;

// MS-CHAP2-Response value (RFC 2548 2.3.2): Ident(1) Flags(1) Peer-Challenge(16) Reserved(8)
// NT-Response(24).
struct MsChap2Response {
  uint8_t ident = 0;
  uint8_t flags = 0;
  std::array<uint8_t, 16> peerChallenge{};
  std::array<uint8_t, kNtResponseLength> ntResponse{};
};

// nullopt unless the value is exactly 50 octets. Flags and Reserved "MUST be zero" for the sender;
// as a receiver we ignore them (they are not covered by the NT-Response, so checking buys nothing).
std::optional<MsChap2Response> parseMsChap2Response(const uint8_t* value, size_t len) noexcept;

enum class MsChapV2Verdict {
  kAccept,
  kReject,     // well-formed, wrong password (or user name, or challenge)
  kMalformed,  // MS-CHAP2-Response not 50 octets or MS-CHAP-Challenge not 16: count it, reject it
};

// What an Access-Accept needs after a successful MS-CHAPv2 check.
struct MsChapV2Accept {
  // MS-CHAP2-Success value (RFC 2548 2.3.3): the response's Ident, then "S=<40 hex>" (RFC 2759 5).
  std::array<uint8_t, kMsChap2SuccessLength> successValue{};
  // Cleartext MPPE keys from the server's point of view; the encoder encrypts them into
  // MS-MPPE-Send-Key / MS-MPPE-Recv-Key (RFC 2548 2.4.2, see aaa/auth/mppe.h).
  MppeKey mppeSendKey{};
  MppeKey mppeRecvKey{};
};

// Checks an MS-CHAP2-Response value against the MS-CHAP-Challenge value, the request's User-Name
// (domain prefix stripped as in msChapUserName) and the stored NT hash; the NT-Response compare is
// constant-time. On kAccept, fills *accept when it is not null; on other verdicts leaves it zeroed.
MsChapV2Verdict verifyMsChapV2(const uint8_t* msChap2Response, size_t responseLen, const uint8_t* msChapChallenge,
                               size_t challengeLen, std::string_view userName, const NtHash& ntHash,
                               MsChapV2Accept* accept) noexcept;

// RFC 2759 6 failure codes.
enum class MsChapErrorCode : uint16_t {
  kRestrictedLogonHours = 646,
  kAccountDisabled = 647,
  kPasswordExpired = 648,
  kNoDialinPermission = 649,
  kAuthenticationFailure = 691,
  kChangingPassword = 709,
};

// MS-CHAP-Error value (RFC 2548 2.3.5): Ident(1) + "E=<code> R=0 C=<32 hex> V=3[ M=<message>]"
// (RFC 2759 6). R=0: RADIUS has no round trip for a retry. C= is the authenticator challenge in
// upper-case hex. The message is cut so the value fits one attribute (253 octets).
struct MsChapErrorValue {
  std::array<uint8_t, 253> bytes{};
  size_t size = 0;
};
MsChapErrorValue msChapV2ErrorValue(uint8_t ident, MsChapErrorCode code, const uint8_t authenticatorChallenge[16],
                                    std::string_view message) noexcept;

}  // namespace aaa::auth
