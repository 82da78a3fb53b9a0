// PEAPv0 crypto binding ([MS-PEAP] 2.2.8.3 Crypto-Binding TLV, 3.1.5.5 key derivations): proof,
// inside the tunnel, that the TLS tunnel and the inner EAP-MSCHAPv2 were run by the same two ends, so
// an attacker who relays a peer's inner authentication through a tunnel of his own cannot finish
// the login (Windows clients can require it; wpa_supplicant does with phase1 "crypto_binding=2").
//
//   TK        = the first 60 octets of TLS-PRF(master, "client EAP encryption", randoms)
//   ISK       = the inner method's key: for EAP-MSCHAPv2 the server's MS-MPPE-Recv-Key | Send-Key
//               (16 + 16 octets, RFC 3079)
//   IPMK|CMK  = PRF+(TK[0..40), "Inner Methods Compound Keys" | ISK, 60)   (40 + 20 octets)
//               fast reconnect (a resumed TLS session, no inner method): IPMK|CMK = TK
//   Compound MAC = HMAC-SHA1(CMK, the 60-octet TLV with its MAC zeroed | 25 (EAP type PEAP))
//   MSK       = PRF+(IPMK, "Session Key Generating Function" | 0x00, 128)[0..64) once the peer's
//               binding verified (the TLS MSK otherwise)
// PRF+(K, S, n) = T1 | T2 | ...; Ti = HMAC-SHA1(K, Ti-1 | S | i | 0x00 | 0x00) (PEAPv0's form).
//
// The parser takes tunnelled bytes from the peer (decrypted, untrusted) and never reads past them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aaa::eap {

inline constexpr uint16_t kTlvResult = 3;
inline constexpr uint16_t kTlvCryptoBinding = 12;
inline constexpr size_t kCryptoBindingTlvLength = 60;  // 4 header + 56 value
inline constexpr size_t kBindingNonceLength = 32;

struct PeapBindingKeys {
  std::array<uint8_t, 40> ipmk{};
  std::array<uint8_t, 20> cmk{};
};

// PEAPv0's PRF+ over HMAC-SHA1 (S = label | seed).
std::string peapPrfPlus(std::string_view key, std::string_view label, std::string_view seed, size_t length);
// tk: at least 60 octets; isk: the inner method's 32 octets (all zero for a method without keys).
PeapBindingKeys peapCompoundKeys(std::string_view tk, std::string_view isk);
// A resumed session (fast reconnect, [MS-PEAP] 3.2.5.5): no inner method ran, IPMK|CMK = TK.
PeapBindingKeys peapFastReconnectKeys(std::string_view tk);
// The 64-octet MSK of a login whose binding verified.
std::string peapCompoundMsk(const PeapBindingKeys& keys);

// The server's Crypto-Binding TLV (SubType 0, Request), to send after the Result TLV.
std::string buildCryptoBindingTlv(const PeapBindingKeys& keys, const std::array<uint8_t, kBindingNonceLength>& nonce,
                                  uint8_t subType = 0);

// The TLVs of a peer's EAP-Extensions (type 33) answer.
struct PeapTlvs {
  std::optional<uint16_t> result;   // the Result TLV's status (1 success, 2 failure)
  std::string_view cryptoBinding;   // the whole Crypto-Binding TLV, header included ("" = none)
  uint16_t unknownMandatory = 0;    // the type of a mandatory TLV we do not know (0 = none)
};
// nullopt when a TLV runs past the data, octets are left over, or a Result or Crypto-Binding TLV
// comes twice or has the wrong length.
std::optional<PeapTlvs> parsePeapTlvs(std::string_view typeData);

enum class BindingCheck { kOk, kLength, kVersion, kSubType, kMac };
// The peer's Crypto-Binding TLV (Response): 60 octets, Version 0, SubType 1, and the Compound MAC
// under our CMK. The MAC covers the nonce, and the CMK is this conversation's alone, so the nonce
// itself is not compared (peers differ on echoing it unchanged).
BindingCheck verifyCryptoBinding(std::string_view tlv, const PeapBindingKeys& keys);
const char* bindingCheckName(BindingCheck c);

}  // namespace aaa::eap
