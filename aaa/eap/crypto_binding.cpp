#include "aaa/eap/crypto_binding.h"

#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include <algorithm>
#include <cstring>

namespace aaa::eap {

namespace {

constexpr size_t kSha1 = 20;
constexpr uint8_t kTypePeapOctet = 25;

// HMAC-SHA1(key, parts...) into out[20].
void hmacSha1(std::string_view key, std::initializer_list<std::string_view> parts, uint8_t out[kSha1]) {
  mbedtls_md_context_t ctx;
  mbedtls_md_init(&ctx);
  mbedtls_md_setup(&ctx, mbedtls_md_info_from_type(MBEDTLS_MD_SHA1), 1);
  mbedtls_md_hmac_starts(&ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  for (std::string_view p : parts)
    mbedtls_md_hmac_update(&ctx, reinterpret_cast<const unsigned char*>(p.data()), p.size());
  mbedtls_md_hmac_finish(&ctx, out);
  mbedtls_md_free(&ctx);
}

std::string_view view(const uint8_t* p, size_t n) { return {reinterpret_cast<const char*>(p), n}; }

uint16_t be16(const char* p) {
  return static_cast<uint16_t>((static_cast<uint8_t>(p[0]) << 8) | static_cast<uint8_t>(p[1]));
}

// The TLV with its Compound MAC zeroed, then the EAP type: what the MAC covers.
void compoundMac(std::string_view tlv, const PeapBindingKeys& keys, uint8_t out[kSha1]) {
  std::string covered(tlv.substr(0, kCryptoBindingTlvLength));
  std::fill(covered.begin() + 40, covered.end(), '\0');
  covered.push_back(static_cast<char>(kTypePeapOctet));
  hmacSha1(view(keys.cmk.data(), keys.cmk.size()), {covered}, out);
}

}  // namespace

std::string peapPrfPlus(std::string_view key, std::string_view label, std::string_view seed, size_t length) {
  std::string out;
  uint8_t t[kSha1];
  size_t tLen = 0;
  static const char kZeros[2] = {0, 0};
  for (uint8_t i = 1; out.size() < length; ++i) {
    char counter = static_cast<char>(i);
    hmacSha1(key, {view(t, tLen), label, seed, std::string_view(&counter, 1), std::string_view(kZeros, 2)}, t);
    tLen = kSha1;
    out.append(reinterpret_cast<const char*>(t), std::min(kSha1, length - out.size()));
  }
  mbedtls_platform_zeroize(t, sizeof t);
  return out;
}

PeapBindingKeys peapCompoundKeys(std::string_view tk, std::string_view isk) {
  PeapBindingKeys k;
  std::string imck = peapPrfPlus(tk.substr(0, 40), "Inner Methods Compound Keys", isk, 60);
  std::memcpy(k.ipmk.data(), imck.data(), 40);
  std::memcpy(k.cmk.data(), imck.data() + 40, 20);
  mbedtls_platform_zeroize(imck.data(), imck.size());
  return k;
}

PeapBindingKeys peapFastReconnectKeys(std::string_view tk) {
  PeapBindingKeys k;
  if (tk.size() < 60) return k;
  std::memcpy(k.ipmk.data(), tk.data(), 40);
  std::memcpy(k.cmk.data(), tk.data() + 40, 20);
  return k;
}

std::string peapCompoundMsk(const PeapBindingKeys& keys) {
  // [MS-PEAP] 3.1.5.5.2.2: the label is used with its terminating NUL here (and without it for IPMK).
  static const char kNul = '\0';
  std::string csk = peapPrfPlus(view(keys.ipmk.data(), keys.ipmk.size()), "Session Key Generating Function",
                                std::string_view(&kNul, 1), 128);
  std::string msk = csk.substr(0, 64);
  mbedtls_platform_zeroize(csk.data(), csk.size());
  return msk;
}

std::string buildCryptoBindingTlv(const PeapBindingKeys& keys, const std::array<uint8_t, kBindingNonceLength>& nonce,
                                  uint8_t subType) {
  std::string s;
  s.push_back(0);  // not Mandatory (as Windows and hostapd send it), type 12
  s.push_back(static_cast<char>(kTlvCryptoBinding));
  s.push_back(0);
  s.push_back(56);
  s.push_back(0);  // Reserved
  s.push_back(0);  // Version: PEAPv0
  s.push_back(0);  // RecvVersion
  s.push_back(static_cast<char>(subType));
  s.append(reinterpret_cast<const char*>(nonce.data()), nonce.size());
  s.append(kSha1, '\0');
  uint8_t mac[kSha1];
  compoundMac(s, keys, mac);
  std::memcpy(s.data() + 40, mac, kSha1);
  return s;
}

std::optional<PeapTlvs> parsePeapTlvs(std::string_view d) {
  PeapTlvs out;
  size_t pos = 0;
  while (pos < d.size()) {
    if (d.size() - pos < 4) return std::nullopt;
    bool mandatory = (static_cast<uint8_t>(d[pos]) & 0x80) != 0;
    uint16_t type = be16(d.data() + pos) & 0x3fff;
    size_t len = be16(d.data() + pos + 2);
    if (len > d.size() - pos - 4) return std::nullopt;
    if (type == kTlvResult) {
      if (out.result || len != 2) return std::nullopt;
      out.result = be16(d.data() + pos + 4);
    } else if (type == kTlvCryptoBinding) {
      if (!out.cryptoBinding.empty() || len != kCryptoBindingTlvLength - 4) return std::nullopt;
      out.cryptoBinding = d.substr(pos, kCryptoBindingTlvLength);
    } else if (mandatory && out.unknownMandatory == 0) {
      out.unknownMandatory = type;
    }
    pos += 4 + len;
  }
  return out;
}

BindingCheck verifyCryptoBinding(std::string_view tlv, const PeapBindingKeys& keys) {
  if (tlv.size() != kCryptoBindingTlvLength || be16(tlv.data() + 2) != kCryptoBindingTlvLength - 4)
    return BindingCheck::kLength;
  if (tlv[5] != 0) return BindingCheck::kVersion;
  if (tlv[7] != 1) return BindingCheck::kSubType;
  uint8_t mac[kSha1];
  compoundMac(tlv, keys, mac);
  // Constant time: the MAC is a secret-keyed check.
  uint8_t diff = 0;
  for (size_t i = 0; i < kSha1; ++i) diff |= static_cast<uint8_t>(mac[i] ^ static_cast<uint8_t>(tlv[40 + i]));
  return diff == 0 ? BindingCheck::kOk : BindingCheck::kMac;
}

const char* bindingCheckName(BindingCheck c) {
  switch (c) {
    case BindingCheck::kOk:
      return "ok";
    case BindingCheck::kLength:
      return "Crypto-Binding TLV not 60 octets";
    case BindingCheck::kVersion:
      return "Crypto-Binding TLV version not 0";
    case BindingCheck::kSubType:
      return "Crypto-Binding TLV not a response (SubType 1)";
    case BindingCheck::kMac:
      return "Compound MAC does not verify (the tunnel and the inner method were not run by the same peer)";
  }
  return "?";
}

}  // namespace aaa::eap
