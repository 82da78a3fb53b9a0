// The auth hot path's own wire codec: parses Access-Request / Status-Server datagrams in place and
// builds replies into a fixed buffer, with mbedTLS MD5 and reusable contexts.
//
// Why a second codec: through libfreeradius 3.2.1 a request costs about 20 us of CPU (OpenSSL 3 EVP
// fetches with locks for every MD5, talloc per attribute, our copies), about what FreeRADIUS itself
// spends; the benchmark target needs a third of that (docs/decisions/0005-auth-wire-fast-path.md).
// Attribute numbers still come from the FreeRADIUS dictionaries (aaa/radius/attributes.h), and the
// general codec (packet.h) stays the one for every other packet. tests/aaa/radius_wire_test.cpp
// checks that both agree on the same bytes.
//
// Contract: parse functions never allocate and never read past `length`; views in RequestFields
// point into the datagram or into RequestFields' own buffers and live as long as both. A Worker owns
// one ReplyBuilder (not thread-safe; one per thread) and an HmacMd5 per NAS secret (immutable once
// built: safe to share).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "aaa/policy/policy.h"
#include "aaa/radius/attributes.h"
#include "aaa/radius/packet.h"

#include <mbedtls/md5.h>

namespace aaa::radius::wire {

constexpr size_t kHeaderLength = 20;
constexpr size_t kMaxPacket = 4096;
constexpr size_t kMaxProxyStates = 16;

// HMAC-MD5 (RFC 2104) keyed with one NAS's shared secret. The key's inner and outer pad blocks are
// hashed once here, so each packet costs only its own blocks (a third fewer MD5 compressions).
class HmacMd5 {
 public:
  explicit HmacMd5(const std::string& key);
  ~HmacMd5();
  HmacMd5(const HmacMd5&) = delete;
  HmacMd5& operator=(const HmacMd5&) = delete;
  // HMAC over the RADIUS packet `data` where the 16 octets at `zeroAt` (if not null) count as zeros
  // and the Authenticator field (offset 4) is replaced by `authenticator` (if not null).
  void compute(const uint8_t* data, size_t len, const uint8_t* authenticator, const uint8_t* zeroAt,
               uint8_t out[16]) const;
  const std::string& key() const { return key_; }

 private:
  std::string key_;
  mbedtls_md5_context inner_;
  mbedtls_md5_context outer_;
};

// Walks the attribute list (RFC 2865 section 5): false when an attribute length is below 2 or runs
// past `length`. Reports where the (first) Message-Authenticator value is, and how many there are.
bool walkAttributes(const uint8_t* data, size_t length, const uint8_t** messageAuthenticator, int* maCount);

struct RequestFields {
  policy::AccessRequestView view;
  std::string_view nasIdentifier;
  bool hasNasIdentifier = false;
  std::array<std::string_view, kMaxProxyStates> proxyStates{};
  size_t proxyStateCount = 0;
  uint8_t msChapIdent = 0;
  char password[129];
  // RFC 3579 3.1: the EAP-Message attributes, concatenated in order (one EAP packet), and State.
  std::array<uint8_t, kMaxPacket> eap;
  size_t eapLength = 0;
  bool hasEap = false;
  std::string_view state;
};

enum class ParseResult { kOk, kMalformed, kBadMessageAuthenticator, kTooManyProxyStates };

// Parses an Access-Request whose structure walkAttributes() accepted. Verifies the
// Message-Authenticator when one is present (its presence policy is the caller's); decrypts
// User-Password (RFC 2865 5.2) into out.password.
ParseResult parseAccessRequest(const uint8_t* data, size_t length, const HmacMd5& secret, const Attributes& a,
                               RequestFields& out);

// An Accounting-Request's fields (RFC 2866 section 5), counters folded to 64 bits with the
// Gigawords attributes (RFC 2869 5.1, 5.2). Views point into the datagram.
struct AccountingFields {
  uint32_t statusType = 0;  // 1 Start, 2 Stop, 3 Interim-Update, 7 Accounting-On, 8 Accounting-Off
  bool hasStatusType = false;
  std::string_view sessionId;
  std::string_view userName;
  std::string_view nasIdentifier;
  std::string_view nasPortId;
  std::string_view callingStationId;
  uint32_t nasPort = 0;
  bool hasNasPort = false;
  uint32_t framedIp = 0;  // host order, 0 = none
  uint32_t sessionTime = 0;
  uint32_t delayTime = 0;
  uint32_t terminateCause = 0;
  uint32_t eventTimestamp = 0;
  uint64_t inputOctets = 0;
  uint64_t outputOctets = 0;
  uint64_t inputPackets = 0;
  uint64_t outputPackets = 0;
};

enum class AcctParseResult { kOk, kMalformed, kBadAuthenticator };

// Verifies the Request Authenticator (RFC 2866 section 3: MD5 over the packet with 16 zero octets
// in its place, then the secret) and a Message-Authenticator if present (computed with 16 zero
// octets as Authenticator, as FreeRADIUS does), then reads the fields.
AcctParseResult parseAccountingRequest(const uint8_t* data, size_t length, const HmacMd5& secret,
                                       const Attributes& a, AccountingFields& out);

// Builds one reply: Message-Authenticator first (RFC 3579 3.2), then attributes, then signs.
class ReplyBuilder {
 public:
  // `messageAuthenticator` false: no Message-Authenticator (Accounting-Response to an
  // Accounting-Request; RFC 2866 has none, and NAS implementations disagree on how to compute it).
  void start(uint8_t code, uint8_t id, bool messageAuthenticator = true);
  // Appends an attribute rendered by reply.h. MS-MPPE-Send/Recv-Key (the only salted attributes of
  // our replies) are encrypted here (RFC 2548 2.4.2). False when it does not fit or cannot be
  // encoded; the builder is then unusable until start().
  bool add(const Attribute& attribute, const Attributes& a, const HmacMd5& secret, const uint8_t requestAuth[16]);
  bool addRaw(uint8_t type, const uint8_t* value, size_t len);
  // Computes the Message-Authenticator (with the request's authenticator in place), then the
  // Response Authenticator (RFC 2865 3). Returns the packet length, 0 after a failed add().
  size_t finish(const HmacMd5& secret, const uint8_t requestAuth[16]);
  const uint8_t* data() const { return buf_.data(); }

 private:
  bool put(uint32_t vendor, uint32_t type, const uint8_t* value, size_t len);
  std::array<uint8_t, kMaxPacket> buf_{};
  size_t len_ = 0;
  bool failed_ = false;
  bool messageAuthenticator_ = true;
};

}  // namespace aaa::radius::wire
