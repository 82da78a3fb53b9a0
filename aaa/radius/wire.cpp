#include "aaa/radius/wire.h"

#include <mbedtls/md5.h>

#include <cstring>

#include "aaa/auth/credentials.h"
#include "aaa/auth/mppe.h"
#include "aaa/auth/pap.h"
#include "core/ids.h"

namespace aaa::radius::wire {

namespace {
constexpr uint8_t kVendorSpecific = 26;
constexpr uint8_t kMessageAuthenticator = 80;

std::string_view sv(const uint8_t* p, size_t n) { return std::string_view(reinterpret_cast<const char*>(p), n); }
}  // namespace

HmacMd5::HmacMd5(const std::string& key) : key_(key) {
  // RFC 2104: keys longer than the block are hashed first; then K xor ipad / K xor opad.
  uint8_t k[64] = {};
  if (key.size() > 64) {
    mbedtls_md5_ret(reinterpret_cast<const unsigned char*>(key.data()), key.size(), k);
  } else {
    std::memcpy(k, key.data(), key.size());
  }
  uint8_t pad[64];
  mbedtls_md5_init(&inner_);
  mbedtls_md5_init(&outer_);
  for (int i = 0; i < 64; ++i) pad[i] = static_cast<uint8_t>(k[i] ^ 0x36);
  mbedtls_md5_starts_ret(&inner_);
  mbedtls_md5_update_ret(&inner_, pad, 64);
  for (int i = 0; i < 64; ++i) pad[i] = static_cast<uint8_t>(k[i] ^ 0x5c);
  mbedtls_md5_starts_ret(&outer_);
  mbedtls_md5_update_ret(&outer_, pad, 64);
}

HmacMd5::~HmacMd5() {
  mbedtls_md5_free(&inner_);
  mbedtls_md5_free(&outer_);
}

void HmacMd5::compute(const uint8_t* data, size_t len, const uint8_t* authenticator, const uint8_t* zeroAt,
                      uint8_t out[16]) const {
  static const uint8_t kZero[16] = {};
  mbedtls_md5_context ctx;
  mbedtls_md5_init(&ctx);
  mbedtls_md5_clone(&ctx, &inner_);
  mbedtls_md5_update_ret(&ctx, data, 4);
  mbedtls_md5_update_ret(&ctx, authenticator ? authenticator : data + 4, 16);
  const uint8_t* p = data + kHeaderLength;
  const uint8_t* end = data + len;
  if (zeroAt != nullptr && zeroAt >= p && zeroAt + 16 <= end) {
    mbedtls_md5_update_ret(&ctx, p, static_cast<size_t>(zeroAt - p));
    mbedtls_md5_update_ret(&ctx, kZero, 16);
    p = zeroAt + 16;
  }
  mbedtls_md5_update_ret(&ctx, p, static_cast<size_t>(end - p));
  uint8_t innerHash[16];
  mbedtls_md5_finish_ret(&ctx, innerHash);
  mbedtls_md5_clone(&ctx, &outer_);
  mbedtls_md5_update_ret(&ctx, innerHash, 16);
  mbedtls_md5_finish_ret(&ctx, out);
  mbedtls_md5_free(&ctx);
}

bool walkAttributes(const uint8_t* data, size_t length, const uint8_t** ma, int* maCount) {
  *ma = nullptr;
  *maCount = 0;
  size_t pos = kHeaderLength;
  while (pos < length) {
    if (length - pos < 2) return false;
    uint8_t len = data[pos + 1];
    if (len < 2 || pos + len > length) return false;
    if (data[pos] == kMessageAuthenticator) {
      if (len != 18) return false;  // RFC 3579 3.2: exactly 16 octets of value
      if (*maCount == 0) *ma = data + pos + 2;
      ++*maCount;
    }
    pos += len;
  }
  return true;
}

ParseResult parseAccessRequest(const uint8_t* data, size_t length, const HmacMd5& secret, const Attributes& a,
                               RequestFields& out) {
  const uint8_t* ma = nullptr;
  int maCount = 0;
  if (!walkAttributes(data, length, &ma, &maCount)) return ParseResult::kMalformed;
  if (maCount > 1) return ParseResult::kBadMessageAuthenticator;
  if (ma != nullptr) {
    uint8_t mac[16];
    secret.compute(data, length, nullptr, ma, mac);
    if (!auth::constantTimeEqual(mac, ma, 16)) return ParseResult::kBadMessageAuthenticator;
  }
  out.view = policy::AccessRequestView();
  out.nasIdentifier = {};
  out.hasNasIdentifier = false;
  out.proxyStateCount = 0;
  out.msChapIdent = 0;
  out.eapLength = 0;
  out.hasEap = false;
  out.state = {};
  out.view.requestAuthenticator = data + 4;
  size_t pos = kHeaderLength;
  while (pos < length) {
    uint8_t type = data[pos];
    uint8_t len = data[pos + 1];
    const uint8_t* value = data + pos + 2;
    size_t vlen = len - 2u;
    pos += len;
    if (type == kVendorSpecific) {
      // RFC 2865 5.26 with the common sub-attribute format (1-octet type and length), which every
      // vendor attribute we read uses (Microsoft, RFC 2548). Other vendors are skipped unread: some
      // use their own formats (USR: 4-octet types, Lucent: 2-octet types and lengths), and a
      // request is not malformed because of an attribute we do not need.
      if (vlen < 6) continue;
      uint32_t vendor = (uint32_t{value[0]} << 24) | (uint32_t{value[1]} << 16) | (uint32_t{value[2]} << 8) | value[3];
      if (vendor != a.msChapChallenge.vendor && vendor != a.msChap2Response.vendor) continue;
      size_t vp = 4;
      while (vp + 2 <= vlen) {
        uint8_t vtype = value[vp];
        uint8_t vl = value[vp + 1];
        if (vl < 2 || vp + vl > vlen) return ParseResult::kMalformed;
        std::string_view v = sv(value + vp + 2, vl - 2u);
        if (vendor == a.msChapChallenge.vendor && vtype == a.msChapChallenge.attr) {
          out.view.msChapChallenge = v;
        } else if (vendor == a.msChap2Response.vendor && vtype == a.msChap2Response.attr) {
          out.view.msChap2Response = v;
          if (!v.empty()) out.msChapIdent = static_cast<uint8_t>(v[0]);
        }
        vp += vl;
      }
      continue;
    }
    std::string_view v = sv(value, vlen);
    if (type == a.userName.attr) {
      out.view.userName = v;
    } else if (type == a.userPassword.attr) {
      size_t plainLen = 0;
      if (!auth::decryptUserPassword(value, vlen, secret.key(), data + 4, out.password, sizeof out.password, &plainLen).isOk())
        return ParseResult::kMalformed;
      out.view.userPassword = std::string_view(out.password, plainLen);
    } else if (type == a.chapPassword.attr) {
      out.view.chapPassword = v;
    } else if (type == a.chapChallenge.attr) {
      out.view.chapChallenge = v;
    } else if (type == a.callingStationId.attr) {
      out.view.callingStationId = v;
    } else if (type == a.nasIdentifier.attr) {
      out.nasIdentifier = v;
      out.hasNasIdentifier = true;
    } else if (type == a.eapMessage.attr) {
      // Fits: the attributes come from one packet of at most kMaxPacket octets.
      std::memcpy(out.eap.data() + out.eapLength, value, vlen);
      out.eapLength += vlen;
      out.hasEap = true;
    } else if (type == a.state.attr) {
      out.state = v;
    } else if (type == a.proxyState.attr) {
      if (out.proxyStateCount == kMaxProxyStates) return ParseResult::kTooManyProxyStates;
      out.proxyStates[out.proxyStateCount++] = v;
    }
  }
  return ParseResult::kOk;
}

namespace {
uint32_t be32(const uint8_t* p) { return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3]; }
}  // namespace

AcctParseResult parseAccountingRequest(const uint8_t* data, size_t length, const HmacMd5& secret,
                                       const Attributes& a, AccountingFields& out) {
  const uint8_t* ma = nullptr;
  int maCount = 0;
  if (!walkAttributes(data, length, &ma, &maCount)) return AcctParseResult::kMalformed;
  static const uint8_t kZero[16] = {};
  // RFC 2866 section 3: Request Authenticator = MD5(Code+Identifier+Length+16 zero octets+
  // request attributes+shared secret).
  uint8_t digest[16];
  mbedtls_md5_context md5;
  mbedtls_md5_init(&md5);
  mbedtls_md5_starts_ret(&md5);
  mbedtls_md5_update_ret(&md5, data, 4);
  mbedtls_md5_update_ret(&md5, kZero, 16);
  mbedtls_md5_update_ret(&md5, data + kHeaderLength, length - kHeaderLength);
  mbedtls_md5_update_ret(&md5, reinterpret_cast<const unsigned char*>(secret.key().data()), secret.key().size());
  mbedtls_md5_finish_ret(&md5, digest);
  mbedtls_md5_free(&md5);
  if (!auth::constantTimeEqual(digest, data + 4, 16)) return AcctParseResult::kBadAuthenticator;
  if (maCount > 1) return AcctParseResult::kBadAuthenticator;
  if (ma != nullptr) {
    uint8_t mac[16];
    secret.compute(data, length, kZero, ma, mac);
    if (!auth::constantTimeEqual(mac, ma, 16)) return AcctParseResult::kBadAuthenticator;
  }
  out = AccountingFields();
  uint32_t inGiga = 0, outGiga = 0, inOct = 0, outOct = 0;
  size_t pos = kHeaderLength;
  while (pos < length) {
    uint8_t type = data[pos];
    uint8_t len = data[pos + 1];
    const uint8_t* v = data + pos + 2;
    size_t vlen = len - 2u;
    pos += len;
    auto num = [&](uint32_t* field) {
      if (vlen != 4) return false;
      *field = be32(v);
      return true;
    };
    bool ok = true;
    if (type == a.acctStatusType.attr) ok = out.hasStatusType = num(&out.statusType);
    else if (type == a.acctSessionId.attr) out.sessionId = sv(v, vlen);
    else if (type == a.userName.attr) out.userName = sv(v, vlen);
    else if (type == a.nasIdentifier.attr) out.nasIdentifier = sv(v, vlen);
    else if (type == a.nasPortId.attr) out.nasPortId = sv(v, vlen);
    else if (type == a.callingStationId.attr) out.callingStationId = sv(v, vlen);
    else if (type == a.nasPort.attr) ok = out.hasNasPort = num(&out.nasPort);
    else if (type == a.framedIpAddress.attr) ok = num(&out.framedIp);
    else if (type == a.acctSessionTime.attr) ok = num(&out.sessionTime);
    else if (type == a.acctDelayTime.attr) ok = num(&out.delayTime);
    else if (type == a.acctTerminateCause.attr) ok = num(&out.terminateCause);
    else if (type == a.eventTimestamp.attr) ok = num(&out.eventTimestamp);
    else if (type == a.acctInputOctets.attr) ok = num(&inOct);
    else if (type == a.acctOutputOctets.attr) ok = num(&outOct);
    else if (type == a.acctInputGigawords.attr) ok = num(&inGiga);
    else if (type == a.acctOutputGigawords.attr) ok = num(&outGiga);
    else if (type == a.acctInputPackets.attr) {
      uint32_t n = 0;
      ok = num(&n);
      out.inputPackets = n;
    } else if (type == a.acctOutputPackets.attr) {
      uint32_t n = 0;
      ok = num(&n);
      out.outputPackets = n;
    }
    if (!ok) return AcctParseResult::kMalformed;  // an integer attribute that is not 4 octets
  }
  out.inputOctets = (uint64_t{inGiga} << 32) | inOct;
  out.outputOctets = (uint64_t{outGiga} << 32) | outOct;
  return AcctParseResult::kOk;
}

void ReplyBuilder::start(uint8_t code, uint8_t id, bool messageAuthenticator) {
  buf_[0] = code;
  buf_[1] = id;
  len_ = kHeaderLength;
  failed_ = false;
  messageAuthenticator_ = messageAuthenticator;
  if (!messageAuthenticator) return;
  // Message-Authenticator first (RFC 3579 3.2; BlastRADIUS guidance): zeros until finish().
  buf_[len_] = kMessageAuthenticator;
  buf_[len_ + 1] = 18;
  std::memset(buf_.data() + len_ + 2, 0, 16);
  len_ += 18;
}

bool ReplyBuilder::put(uint32_t vendor, uint32_t type, const uint8_t* value, size_t len) {
  if (failed_) return false;
  if (vendor == 0) {
    if (type > 255 || len > 253 || len_ + 2 + len > kMaxPacket) return failed_ = true, false;
    buf_[len_] = static_cast<uint8_t>(type);
    buf_[len_ + 1] = static_cast<uint8_t>(2 + len);
    std::memcpy(buf_.data() + len_ + 2, value, len);
    len_ += 2 + len;
    return true;
  }
  // Vendor-Specific with the common format; extended (RFC 6929) vendors are not used in replies.
  if (vendor > 0xffffff || type > 255 || len > 247 || len_ + 8 + len > kMaxPacket) return failed_ = true, false;
  uint8_t* p = buf_.data() + len_;
  p[0] = kVendorSpecific;
  p[1] = static_cast<uint8_t>(8 + len);
  p[2] = static_cast<uint8_t>(vendor >> 24);
  p[3] = static_cast<uint8_t>(vendor >> 16);
  p[4] = static_cast<uint8_t>(vendor >> 8);
  p[5] = static_cast<uint8_t>(vendor);
  p[6] = static_cast<uint8_t>(type);
  p[7] = static_cast<uint8_t>(2 + len);
  std::memcpy(p + 8, value, len);
  len_ += 8 + len;
  return true;
}

bool ReplyBuilder::addRaw(uint8_t type, const uint8_t* value, size_t len) { return put(0, type, value, len); }

bool ReplyBuilder::add(const Attribute& attr, const Attributes& a, const HmacMd5& secret,
                       const uint8_t requestAuth[16]) {
  const AttrRef& r = attr.ref;
  const Value& v = attr.value;
  if (r == a.msMppeSendKey || r == a.msMppeRecvKey) {
    uint8_t salt[2];
    core::secureRandom(salt, 2);
    salt[0] |= 0x80;  // RFC 2548 2.4.2: the high bit of the salt is set
    if (r == a.msMppeRecvKey) salt[1] ^= 1;  // distinct from the Send-Key's salt in the same packet
    uint8_t enc[256];
    size_t encLen = 0;
    if (!auth::encryptMppeKey(reinterpret_cast<const uint8_t*>(v.bytes.data()), v.bytes.size(), secret.key(), requestAuth, salt,
                              enc, sizeof enc, &encLen)
             .isOk())
      return failed_ = true, false;
    return put(r.vendor, r.attr, enc, encLen);
  }
  uint8_t num[8];
  switch (r.type) {
    case AttrType::kString:
    case AttrType::kOctets:
      if (v.bytes.empty()) return failed_ = true, false;  // RFC 2865 5: no empty values
      return put(r.vendor, r.attr, reinterpret_cast<const uint8_t*>(v.bytes.data()), v.bytes.size());
    case AttrType::kInteger:
    case AttrType::kDate:
    case AttrType::kIpAddr: {
      uint32_t n = static_cast<uint32_t>(v.number);
      num[0] = static_cast<uint8_t>(n >> 24);
      num[1] = static_cast<uint8_t>(n >> 16);
      num[2] = static_cast<uint8_t>(n >> 8);
      num[3] = static_cast<uint8_t>(n);
      return put(r.vendor, r.attr, num, 4);
    }
    default:
      return failed_ = true, false;  // not produced by reply.h
  }
}

size_t ReplyBuilder::finish(const HmacMd5& secret, const uint8_t requestAuth[16]) {
  if (failed_) return 0;
  buf_[2] = static_cast<uint8_t>(len_ >> 8);
  buf_[3] = static_cast<uint8_t>(len_);
  // RFC 3579 3.2: the Message-Authenticator of a reply is computed with the Request Authenticator in
  // the Authenticator field, before the Response Authenticator is.
  if (messageAuthenticator_) {
    uint8_t* ma = buf_.data() + kHeaderLength + 2;
    std::memset(ma, 0, 16);
    uint8_t mac[16];
    secret.compute(buf_.data(), len_, requestAuth, nullptr, mac);
    std::memcpy(ma, mac, 16);
  }
  // RFC 2865 3: ResponseAuth = MD5(Code + ID + Length + RequestAuth + Attributes + Secret).
  mbedtls_md5_context md5;
  mbedtls_md5_init(&md5);
  mbedtls_md5_starts_ret(&md5);
  mbedtls_md5_update_ret(&md5, buf_.data(), 4);
  mbedtls_md5_update_ret(&md5, requestAuth, 16);
  mbedtls_md5_update_ret(&md5, buf_.data() + kHeaderLength, len_ - kHeaderLength);
  mbedtls_md5_update_ret(&md5, reinterpret_cast<const unsigned char*>(secret.key().data()), secret.key().size());
  mbedtls_md5_finish_ret(&md5, buf_.data() + 4);
  mbedtls_md5_free(&md5);
  return len_;
}

}  // namespace aaa::radius::wire
