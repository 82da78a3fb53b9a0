// The shadow check's RadiusAsk (import/verify.h): a RADIUS client for exactly what the check sends
// and compares, on core, aaa_auth (User-Password hiding, CHAP) and mbedTLS (MD5, HMAC-MD5) only, so
// edgectl and mgmtctl run the same check (mgmtctl may not reach `aaa`, libfreeradius or talloc,
// ADR 0015; docs/decisions/0060-shadow-check-client.md says why this is not the `aaa` codec).
//
// - Sends an Access-Request (RFC 2865 4.1): Message-Authenticator first (RFC 3579 3.2, BlastRADIUS),
//   User-Name, User-Password (PAP, RFC 2865 5.2) or CHAP-Password + CHAP-Challenge (5.3, 5.40),
//   NAS-IP-Address, Service-Type Framed-User and the bound MAC as Calling-Station-Id; three tries
//   within the timeout on one UDP socket.
// - Takes an answer only with the request's identifier, an Access-Accept, -Reject or -Challenge
//   code, a valid Response Authenticator (RFC 2865 3) and, when present, a valid
//   Message-Authenticator; its attributes must be well formed (lengths, the integer and address
//   sizes the compared attributes have).
// - Reads from an Accept what the check compares: Mikrotik-Rate-Limit (vendor 14988, 8),
//   WISPr-Bandwidth-Max-Up/-Down (vendor 14122, 7 and 8), Session-Timeout (27), Idle-Timeout (28),
//   Acct-Interim-Interval (85), Framed-IP-Address (8). Attribute numbers are RFC and vendor
//   constants, so no dictionary is loaded.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "import/verify.h"

namespace importer {

// The exchange over UDP.
RadiusAsk radiusClient();

// The parts, for tests and the fuzz harness (tests/fuzz/shadow_answer_fuzz.cpp).
inline constexpr size_t kRadiusMaxPacket = 4096;

struct AccessRequestWire {
  std::vector<uint8_t> bytes;
  uint8_t id = 0;
  std::array<uint8_t, 16> authenticator{};
};
// Builds and signs the request for `q` with this identifier, Request Authenticator and, for CHAP,
// challenge and CHAP ident. InvalidArgument naming the field that does not fit (a username or MAC
// over 253 octets, a password over 128, an empty secret, a NAS-IP that is not IPv4).
core::Result<AccessRequestWire> encodeAccessRequest(const VerifyRequest& q, const std::string& secret, uint8_t id,
                                                    const std::array<uint8_t, 16>& authenticator,
                                                    const std::array<uint8_t, 16>& chapChallenge, uint8_t chapIdent);

// Checks an answer to `request` (see above) and summarizes it as the check compares it.
// InvalidArgument saying what is wrong with it (too short, another identifier or code, a Response
// Authenticator or Message-Authenticator that does not verify, a malformed attribute).
core::Result<VerifyAnswer> decodeAnswer(const uint8_t* data, size_t length, const AccessRequestWire& request,
                                        const std::string& secret);

}  // namespace importer
