#include "tests/bench/eapload/radius.h"

#include <cstring>

#include "aaa/auth/mppe.h"

namespace bench::eapload {

namespace {
constexpr uint8_t kAccessRequest = 1;
constexpr uint8_t kAccessAccept = 2;
constexpr uint8_t kAccessReject = 3;
constexpr uint8_t kAccessChallenge = 11;
constexpr uint8_t kUserName = 1;
constexpr uint8_t kNasIpAddress = 4;
constexpr uint8_t kNasPort = 5;
constexpr uint8_t kFramedMtu = 12;
constexpr uint8_t kState = 24;
constexpr uint8_t kVendorSpecific = 26;
constexpr uint8_t kCallingStationId = 31;
constexpr uint8_t kNasPortType = 61;
constexpr uint8_t kEapMessage = 79;
constexpr uint8_t kMessageAuthenticator = 80;
constexpr uint32_t kVendorMicrosoft = 311;
constexpr uint8_t kMsMppeSendKey = 16;
constexpr uint8_t kMsMppeRecvKey = 17;
constexpr uint32_t kWireless80211 = 19;
constexpr size_t kMaxPacket = 4096;

void put(std::vector<uint8_t>& p, uint8_t type, const uint8_t* v, size_t n) {
  p.push_back(type);
  p.push_back(static_cast<uint8_t>(n + 2));
  p.insert(p.end(), v, v + n);
}
void putString(std::vector<uint8_t>& p, uint8_t type, const std::string& s) {
  put(p, type, reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
void putInt(std::vector<uint8_t>& p, uint8_t type, uint32_t v) {
  uint8_t b[4] = {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 8),
                  static_cast<uint8_t>(v)};
  put(p, type, b, 4);
}
}  // namespace

bool buildAccessRequest(Crypto& crypto, uint8_t id, const uint8_t requestAuth[16], const std::string& userName,
                        const NasIdentity& nas, const std::string& state, const std::vector<uint8_t>& eap,
                        std::vector<uint8_t>* out) {
  std::vector<uint8_t>& p = *out;
  p.clear();
  p.reserve(64 + userName.size() + state.size() + eap.size() + eap.size() / 253 * 2 + 64);
  p.push_back(kAccessRequest);
  p.push_back(id);
  p.push_back(0);
  p.push_back(0);
  p.insert(p.end(), requestAuth, requestAuth + 16);
  static const uint8_t kZero[16] = {};
  put(p, kMessageAuthenticator, kZero, 16);  // value at offset 22
  putString(p, kUserName, userName);
  put(p, kNasIpAddress, nas.nasIp, 4);
  putInt(p, kNasPort, nas.nasPort);
  putInt(p, kNasPortType, kWireless80211);
  putString(p, kCallingStationId, nas.callingStationId);
  putInt(p, kFramedMtu, 1400);
  if (!state.empty()) putString(p, kState, state);
  for (size_t off = 0; off < eap.size(); off += 253) put(p, kEapMessage, eap.data() + off, std::min<size_t>(253, eap.size() - off));
  if (p.size() > kMaxPacket) return false;
  p[2] = static_cast<uint8_t>(p.size() >> 8);
  p[3] = static_cast<uint8_t>(p.size() & 0xff);
  crypto.hmac(p.data(), p.size(), p.data() + 22);  // RFC 3579 3.2, with the value zeroed
  return true;
}

bool readAnswer(Crypto& crypto, const std::string& secret, const uint8_t* data, size_t size, uint8_t id,
                const uint8_t requestAuth[16], Answer* out, std::string* why) {
  *out = Answer{};
  if (size < 20) return *why = "shorter than a header", false;
  size_t len = (size_t{data[2]} << 8) | data[3];
  if (len < 20 || len > size) return *why = "bad Length", false;
  if (data[1] != id) return *why = "another identifier", false;
  uint8_t code = data[0];
  if (code != kAccessAccept && code != kAccessReject && code != kAccessChallenge) return *why = "unexpected code", false;
  uint8_t expect[16];
  crypto.responseAuthenticator(data, len, requestAuth, expect);
  if (!bench::radload::constantTimeEqual(expect, data + 4, 16)) return *why = "bad Response Authenticator", false;
  // Message-Authenticator: HMAC-MD5 over the reply with the Request Authenticator in its header and
  // the value zeroed (RFC 3579 3.2).
  std::vector<uint8_t> copy(data, data + len);
  std::memcpy(copy.data() + 4, requestAuth, 16);
  size_t maAt = 0;
  for (size_t pos = 20; pos < len;) {
    if (len - pos < 2) return *why = "truncated attribute", false;
    uint8_t type = data[pos], alen = data[pos + 1];
    if (alen < 2 || pos + alen > len) return *why = "bad attribute length", false;
    const uint8_t* v = data + pos + 2;
    size_t vlen = alen - 2u;
    if (type == kMessageAuthenticator) {
      if (vlen != 16 || maAt != 0) return *why = "bad or repeated Message-Authenticator", false;
      maAt = pos + 2;
      std::memset(copy.data() + maAt, 0, 16);
    } else if (type == kEapMessage) {
      out->eap.insert(out->eap.end(), v, v + vlen);
    } else if (type == kState) {
      out->state.assign(reinterpret_cast<const char*>(v), vlen);
    } else if (type == kVendorSpecific && vlen >= 6) {
      uint32_t vendor = (uint32_t{v[0]} << 24) | (uint32_t{v[1]} << 16) | (uint32_t{v[2]} << 8) | v[3];
      if (vendor == kVendorMicrosoft) {
        for (size_t q = 4; q + 2 <= vlen;) {
          uint8_t st = v[q], sl = v[q + 1];
          if (sl < 2 || q + sl > vlen) return *why = "bad Microsoft attribute", false;
          if (st == kMsMppeSendKey || st == kMsMppeRecvKey) {
            uint8_t key[64];
            size_t klen = 0;
            core::Status s = aaa::auth::decryptMppeKey(v + q + 2, sl - 2u, secret, requestAuth, key, sizeof key, &klen);
            if (!s.isOk()) return *why = "MS-MPPE key does not decrypt", false;
            (st == kMsMppeSendKey ? out->mppeSendKey : out->mppeRecvKey).assign(reinterpret_cast<const char*>(key), klen);
          }
          q += sl;
        }
      }
    }
    pos += alen;
  }
  if (maAt == 0) return *why = "no Message-Authenticator", false;
  uint8_t mac[16];
  crypto.hmac(copy.data(), copy.size(), mac);
  if (!bench::radload::constantTimeEqual(mac, data + maAt, 16)) return *why = "bad Message-Authenticator", false;
  out->code = code;
  return true;
}

}  // namespace bench::eapload
