// What travels inside the TLS tunnel of PEAP and EAP-TTLS:
//   - EAP-TTLS AVPs (RFC 5281 section 10: Diameter AVP format, 4-octet aligned);
//   - EAP-MSCHAPv2 (draft-kamath-pppext-eap-mschapv2-02), PEAPv0's inner method;
//   - PEAP's Result TLV in an EAP-Extensions packet (MS-PEAP 2.2.8.1).
// Parsers take tunnelled bytes (decrypted, but from the peer: untrusted) and never read past the
// input; builders return the bytes to encrypt.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aaa::eap {

// --- EAP-TTLS AVPs (RFC 5281 10.1) ---
inline constexpr uint8_t kAvpFlagVendor = 0x80;
inline constexpr uint8_t kAvpFlagMandatory = 0x40;
inline constexpr uint32_t kVendorMicrosoft = 311;
inline constexpr uint32_t kAvpUserName = 1;           // RADIUS attribute numbers, RFC 5281 10.2
inline constexpr uint32_t kAvpUserPassword = 2;
inline constexpr uint32_t kAvpEapMessage = 79;
inline constexpr uint32_t kAvpMsChapChallenge = 11;   // vendor 311 (RFC 2548)
inline constexpr uint32_t kAvpMsChap2Response = 25;
inline constexpr uint32_t kAvpMsChap2Success = 26;
inline constexpr uint32_t kAvpMsChapError = 2;

struct Avp {
  uint32_t code = 0;
  uint32_t vendor = 0;  // 0 = none
  uint8_t flags = 0;
  std::string_view data;
};

// At most kMaxAvps AVPs; nullopt on a length below the header, past the input, or too many.
inline constexpr size_t kMaxAvps = 32;
std::optional<std::vector<Avp>> parseAvps(std::string_view data);
// One AVP with its padding (the M bit set: we only send what the peer must understand).
std::string buildAvp(uint32_t code, uint32_t vendor, std::string_view data);
// The first AVP with this code and vendor, or nullptr.
const Avp* findAvp(const std::vector<Avp>& avps, uint32_t code, uint32_t vendor = 0);

// --- EAP-MSCHAPv2 (the Type-Data after type 26) ---
inline constexpr uint8_t kMsChapOpChallenge = 1;
inline constexpr uint8_t kMsChapOpResponse = 2;
inline constexpr uint8_t kMsChapOpSuccess = 3;
inline constexpr uint8_t kMsChapOpFailure = 4;

std::string buildMsChapChallenge(uint8_t msId, const uint8_t challenge[16], std::string_view serverName);
std::string buildMsChapSuccess(uint8_t msId, std::string_view message);  // "S=<40 hex> M=..."
std::string buildMsChapFailure(uint8_t msId, std::string_view message);  // "E=691 R=0 C=... V=3 M=..."

struct MsChapResponse {
  uint8_t msId = 0;
  // The RADIUS MS-CHAP2-Response value (RFC 2548 2.3.2) the same fields make: Ident, Flags,
  // Peer-Challenge, Reserved, NT-Response; what aaa/auth/mschap.h verifies.
  std::array<uint8_t, 50> radiusValue{};
  std::string_view name;
};
// The opcode of an EAP-MSCHAPv2 message (nullopt when empty).
std::optional<uint8_t> msChapOpCode(std::string_view typeData);
// A Response (opcode 2) with Value-Size 49; nullopt otherwise.
std::optional<MsChapResponse> parseMsChapResponse(std::string_view typeData);

// --- PEAP Result TLV (MS-PEAP 2.2.8.1), the Type-Data of an EAP-Extensions (33) packet ---
std::string buildResultTlv(bool success);
// The Result TLV's status from a peer's Extensions data: 1 success, 2 failure, nullopt when absent
// or malformed.
std::optional<uint16_t> parseResultTlv(std::string_view typeData);

}  // namespace aaa::eap
