// Access-Requests (RFC 2865): PAP, Message-Authenticator first (RFC 3579 3.2).
#include <arpa/inet.h>

#include <cstring>

#include "tests/bench/radload/generator.h"

namespace bench::radload {

size_t LoadGenerator::buildRequest(uint8_t id, uint8_t requestAuth[16], uint8_t* out) {
  uint64_t k = random_.below(o_.users);
  for (int i = 0; i < 16; i += 8) {
    uint64_t r = random_.next();
    std::memcpy(requestAuth + i, &r, 8);
  }
  out[0] = kAccessRequest;
  out[1] = id;
  std::memcpy(out + 4, requestAuth, 16);
  size_t p = kHeaderSize;

  // Message-Authenticator first (RFC 3579 3.2; first so the BlastRADIUS prefix attack has
  // nothing to work with). Zero now, signed once the packet is complete.
  out[p] = kAttrMessageAuthenticator;
  out[p + 1] = 18;
  std::memset(out + p + 2, 0, 16);
  size_t maOffset = p + 2;
  p += 18;

  // User-Name = prefix + K.
  out[p] = kAttrUserName;
  size_t n = o_.userPrefix.size();
  std::memcpy(out + p + 2, o_.userPrefix.data(), n);
  n += writeDecimal(k, out + p + 2 + n);
  out[p + 1] = static_cast<uint8_t>(n + 2);
  p += n + 2;

  // User-Password (RFC 2865 5.2): zero-padded to 16, c(1) = p(1) ^ MD5(S + RA),
  // c(i) = p(i) ^ MD5(S + c(i-1)).
  uint8_t plain[128] = {};
  size_t plen = o_.passwordPrefix.size();
  std::memcpy(plain, o_.passwordPrefix.data(), plen);
  plen += writeDecimal(k, plain + plen);
  size_t padded = (plen + 15) / 16 * 16;
  out[p] = kAttrUserPassword;
  out[p + 1] = static_cast<uint8_t>(padded + 2);
  const uint8_t* chain = requestAuth;
  for (size_t off = 0; off < padded; off += 16) {
    uint8_t b[16];
    crypto_.md5SecretThen(chain, b);
    for (size_t i = 0; i < 16; ++i) out[p + 2 + off + i] = static_cast<uint8_t>(plain[off + i] ^ b[i]);
    chain = out + p + 2 + off;
  }
  p += padded + 2;

  out[p] = kAttrNasIpAddress;
  out[p + 1] = 6;
  std::memcpy(out + p + 2, nasIp_, 4);
  p += 6;

  uint32_t port = htonl(static_cast<uint32_t>(k % 65536));
  out[p] = kAttrNasPort;
  out[p + 1] = 6;
  std::memcpy(out + p + 2, &port, 4);
  p += 6;

  // Calling-Station-Id: a MAC derived from K ("02-00-..." is locally administered).
  static const char kHex[] = "0123456789ABCDEF";
  uint8_t* mac = out + p + 2;
  std::memcpy(mac, "02-00-", 6);
  for (int i = 0; i < 4; ++i) {
    auto octet = static_cast<unsigned>((k >> (24 - 8 * i)) & 0xff);
    mac[6 + 3 * i] = static_cast<uint8_t>(kHex[octet >> 4]);
    mac[7 + 3 * i] = static_cast<uint8_t>(kHex[octet & 0xf]);
    if (i < 3) mac[8 + 3 * i] = '-';
  }
  out[p] = kAttrCallingStationId;
  out[p + 1] = 19;
  p += 19;

  out[2] = static_cast<uint8_t>(p >> 8);
  out[3] = static_cast<uint8_t>(p & 0xff);
  // HMAC-MD5 over the whole packet with the value zeroed and the Request Authenticator in place.
  crypto_.hmac(out, p, out + maOffset);
  return p;
}

}  // namespace bench::radload
