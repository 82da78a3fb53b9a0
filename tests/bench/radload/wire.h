// What radload puts on the wire and how it signs it, with nothing but mbedTLS MD5 / HMAC-MD5 (not our
// codec, on purpose): RADIUS codes and attribute types (RFC 2865, 2866, 3579), the clock, a fast
// random generator, and the Crypto of a shared secret. Header-only: all of it is on the per-packet path.
#pragma once

#include <mbedtls/md.h>
#include <mbedtls/md5.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>

namespace bench::radload {

constexpr uint8_t kAccessRequest = 1;
constexpr uint8_t kAccessAccept = 2;
constexpr uint8_t kAccessReject = 3;
constexpr uint8_t kAccountingRequest = 4;
constexpr uint8_t kAccountingResponse = 5;
constexpr uint8_t kAttrUserName = 1;
constexpr uint8_t kAttrUserPassword = 2;
constexpr uint8_t kAttrNasIpAddress = 4;
constexpr uint8_t kAttrNasPort = 5;
constexpr uint8_t kAttrFramedIpAddress = 8;
constexpr uint8_t kAttrCallingStationId = 31;
constexpr uint8_t kAttrAcctStatusType = 40;
constexpr uint8_t kAttrAcctDelayTime = 41;
constexpr uint8_t kAttrAcctInputOctets = 42;
constexpr uint8_t kAttrAcctOutputOctets = 43;
constexpr uint8_t kAttrAcctSessionId = 44;
constexpr uint8_t kAttrAcctSessionTime = 46;
constexpr uint8_t kAttrAcctInputPackets = 47;
constexpr uint8_t kAttrAcctOutputPackets = 48;
constexpr uint8_t kAttrAcctTerminateCause = 49;
constexpr uint8_t kAttrAcctInputGigawords = 52;
constexpr uint8_t kAttrAcctOutputGigawords = 53;
constexpr uint8_t kAttrEventTimestamp = 55;
constexpr uint8_t kAttrNasPortType = 61;
constexpr uint32_t kStatusStart = 1;
constexpr uint32_t kStatusStop = 2;
constexpr uint32_t kStatusInterimUpdate = 3;
constexpr uint32_t kNasPortTypeEthernet = 15;
// Accounting: the NAS's interim interval, as reflected in Acct-Session-Time (seconds).
constexpr uint32_t kInterimIntervalS = 300;
constexpr uint8_t kAttrMessageAuthenticator = 80;
constexpr size_t kHeaderSize = 20;

inline uint64_t nowNs() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

// splitmix64: fast and good enough for picking users and filling Request Authenticators in a
// benchmark (a real client must use a CSPRNG for the authenticator, RFC 2865 3).
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return next() % n; }

 private:
  uint64_t state_;
};

inline size_t writeDecimal(uint64_t v, uint8_t* out) {
  uint8_t tmp[20];
  size_t n = 0;
  do {
    tmp[n++] = static_cast<uint8_t>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (size_t i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
  return n;
}

// MD5 and HMAC-MD5 on mbedTLS 2.28's non-deprecated (*_ret) MD5 API. HMAC (RFC 2104) is composed
// here so the inner and outer pad blocks of the secret are hashed once, not per packet: that saves
// two of the six MD5 blocks a packet costs, and radload must stay well ahead of the server it loads.
// selfTest() checks the composition against mbedtls_md_hmac and RFC 2202's vector.
class Crypto {
 public:
  explicit Crypto(const std::string& secret) : secret_(secret) {
    uint8_t key[64] = {};
    if (secret.size() > sizeof key) {
      mbedtls_md5_ret(reinterpret_cast<const uint8_t*>(secret.data()), secret.size(), key);
    } else {
      std::memcpy(key, secret.data(), secret.size());
    }
    uint8_t pad[64];
    mbedtls_md5_init(&inner_);
    mbedtls_md5_init(&outer_);
    for (size_t i = 0; i < sizeof pad; ++i) pad[i] = static_cast<uint8_t>(key[i] ^ 0x36);
    mbedtls_md5_starts_ret(&inner_);
    mbedtls_md5_update_ret(&inner_, pad, sizeof pad);
    for (size_t i = 0; i < sizeof pad; ++i) pad[i] = static_cast<uint8_t>(key[i] ^ 0x5c);
    mbedtls_md5_starts_ret(&outer_);
    mbedtls_md5_update_ret(&outer_, pad, sizeof pad);
  }
  ~Crypto() {
    mbedtls_md5_free(&inner_);
    mbedtls_md5_free(&outer_);
  }
  Crypto(const Crypto&) = delete;
  Crypto& operator=(const Crypto&) = delete;

  // MD5(secret + block): the User-Password keystream (RFC 2865 5.2).
  void md5SecretThen(const uint8_t* block, uint8_t out[16]) {
    mbedtls_md5_context c;
    mbedtls_md5_init(&c);
    mbedtls_md5_starts_ret(&c);
    mbedtls_md5_update_ret(&c, reinterpret_cast<const uint8_t*>(secret_.data()), secret_.size());
    mbedtls_md5_update_ret(&c, block, 16);
    mbedtls_md5_finish_ret(&c, out);
    mbedtls_md5_free(&c);
  }

  // MD5(code+id+length + requestAuth + attributes + secret): the Response Authenticator (RFC 2865 3).
  void responseAuthenticator(const uint8_t* packet, size_t length, const uint8_t requestAuth[16],
                             uint8_t out[16]) {
    mbedtls_md5_context c;
    mbedtls_md5_init(&c);
    mbedtls_md5_starts_ret(&c);
    mbedtls_md5_update_ret(&c, packet, 4);
    mbedtls_md5_update_ret(&c, requestAuth, 16);
    mbedtls_md5_update_ret(&c, packet + kHeaderSize, length - kHeaderSize);
    mbedtls_md5_update_ret(&c, reinterpret_cast<const uint8_t*>(secret_.data()), secret_.size());
    mbedtls_md5_finish_ret(&c, out);
    mbedtls_md5_free(&c);
  }

  // MD5(code+id+length + 16 zero octets + attributes + secret): the Accounting-Request's Request
  // Authenticator (RFC 2866 3), written into the header.
  void signAccountingRequest(uint8_t* packet, size_t length) {
    static const uint8_t kZero[16] = {};
    mbedtls_md5_context c;
    mbedtls_md5_init(&c);
    mbedtls_md5_starts_ret(&c);
    mbedtls_md5_update_ret(&c, packet, 4);
    mbedtls_md5_update_ret(&c, kZero, 16);
    mbedtls_md5_update_ret(&c, packet + kHeaderSize, length - kHeaderSize);
    mbedtls_md5_update_ret(&c, reinterpret_cast<const uint8_t*>(secret_.data()), secret_.size());
    mbedtls_md5_finish_ret(&c, packet + 4);
    mbedtls_md5_free(&c);
  }

  // HMAC-MD5(secret, packet) over the packet as given (the caller zeroed the Message-Authenticator
  // value and put the right authenticator in the header, RFC 3579 3.2).
  void hmac(const uint8_t* packet, size_t length, uint8_t out[16]) {
    uint8_t innerHash[16];
    mbedtls_md5_context c;
    mbedtls_md5_init(&c);
    mbedtls_md5_clone(&c, &inner_);
    mbedtls_md5_update_ret(&c, packet, length);
    mbedtls_md5_finish_ret(&c, innerHash);
    mbedtls_md5_clone(&c, &outer_);
    mbedtls_md5_update_ret(&c, innerHash, sizeof innerHash);
    mbedtls_md5_finish_ret(&c, out);
    mbedtls_md5_free(&c);
  }

  // The composed HMAC against mbedTLS's own and against RFC 2202 test case 2.
  static bool selfTest(const std::string& secret) {
    static const uint8_t kRfc2202[16] = {0x75, 0x0c, 0x78, 0x3e, 0x6a, 0xb0, 0xb5, 0x03,
                                         0xea, 0xa8, 0x6e, 0x31, 0x0a, 0x5d, 0xb7, 0x38};
    const std::string data = "what do ya want for nothing?";
    const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
    uint8_t ours[16], theirs[16];
    Crypto(std::string("Jefe")).hmac(bytes, data.size(), ours);
    if (std::memcmp(ours, kRfc2202, 16) != 0) return false;
    Crypto(secret).hmac(bytes, data.size(), ours);
    if (mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_MD5), reinterpret_cast<const uint8_t*>(secret.data()),
                        secret.size(), bytes, data.size(), theirs) != 0)
      return false;
    return std::memcmp(ours, theirs, 16) == 0;
  }

 private:
  std::string secret_;
  mbedtls_md5_context inner_;  // MD5 state after (key ^ ipad)
  mbedtls_md5_context outer_;  // MD5 state after (key ^ opad)
};

inline bool constantTimeEqual(const uint8_t* a, const uint8_t* b, size_t n) {
  uint8_t d = 0;
  for (size_t i = 0; i < n; ++i) d |= static_cast<uint8_t>(a[i] ^ b[i]);
  return d == 0;
}

}  // namespace bench::radload
