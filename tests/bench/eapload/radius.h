// eapload's RADIUS side, as a NAS relaying EAP (RFC 3579): the Access-Request around each
// EAP-Response, and the checks of the answer. Packets are written and verified here with radload's
// MD5 / HMAC-MD5 (tests/bench/radload/wire.h), not with our server's codec; the MS-MPPE keys are
// decrypted with aaa/auth/mppe.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/bench/radload/wire.h"

namespace bench::eapload {

using bench::radload::Crypto;

struct NasIdentity {
  uint8_t nasIp[4] = {127, 0, 0, 1};
  uint32_t nasPort = 0;
  std::string callingStationId;  // the supplicant's MAC, "02-00-00-00-12-34"
};

// Access-Request: Message-Authenticator (first), User-Name, NAS-IP-Address, NAS-Port,
// NAS-Port-Type (Wireless-802.11), Calling-Station-Id, Framed-MTU, State (when given), EAP-Message
// (split into 253-octet attributes). Returns false when it would not fit 4096 octets.
bool buildAccessRequest(Crypto& crypto, uint8_t id, const uint8_t requestAuth[16], const std::string& userName,
                        const NasIdentity& nas, const std::string& state, const std::vector<uint8_t>& eap,
                        std::vector<uint8_t>* out);

struct Answer {
  uint8_t code = 0;  // 2 Access-Accept, 3 Access-Reject, 11 Access-Challenge
  std::vector<uint8_t> eap;
  std::string state;
  std::string mppeRecvKey, mppeSendKey;  // decrypted, "" when absent
};

// Verifies one datagram as the answer to our request (identifier, length, Response Authenticator,
// Message-Authenticator, which RFC 3579 3.2 requires with EAP) and reads what the peer needs. False
// with *why set when it is not a valid answer.
bool readAnswer(Crypto& crypto, const std::string& secret, const uint8_t* data, size_t size, uint8_t id,
                const uint8_t requestAuth[16], Answer* out, std::string* why);

}  // namespace bench::eapload
