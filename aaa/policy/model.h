// The AAA data model as the request path sees it: NAS clients, plans and subscribers.
// Plain values; the durable copies live in SQLite (aaa/policy/store.h), the request path reads them
// from an immutable Snapshot (aaa/policy/snapshot.h).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "aaa/auth/credentials.h"
#include "aaa/auth/mac.h"
#include "billing/rating/rules.h"

namespace aaa::policy {

// How a NAS wants rates and limits in its Access-Accept (see aaa/radius/reply.h).
enum class VendorProfile { kGeneric, kMikrotik, kWispr, kChillispot, kCisco, kAccelPpp };

const char* vendorProfileName(VendorProfile v);
std::optional<VendorProfile> parseVendorProfile(std::string_view name);

// An IPv4 or IPv6 address; IPv4 is held as an IPv4-mapped IPv6 address (::ffff:a.b.c.d).
struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  bool isV4() const;
  uint32_t v4() const;  // host order; only when isV4()
  static IpAddress fromV4(uint32_t hostOrder);
  bool operator==(const IpAddress& o) const { return bytes == o.bytes; }
};

// "192.0.2.1", "2001:db8::1".
std::optional<IpAddress> parseIp(std::string_view text);
std::string formatIp(const IpAddress& ip);

struct IpPrefix {
  IpAddress address;
  int length = 128;  // in IPv6 terms: an IPv4 /24 is stored as /120
  bool contains(const IpAddress& ip) const;
};

// "192.0.2.0/24", "192.0.2.7" (a host), "2001:db8::/32". Host bits must be zero.
std::optional<IpPrefix> parsePrefix(std::string_view text, std::string* error = nullptr);
std::string formatPrefix(const IpPrefix& p);

struct NasClient {
  int64_t id = 0;
  std::string name;
  IpPrefix prefix;
  std::string secret;
  VendorProfile vendor = VendorProfile::kGeneric;
  uint16_t coaPort = 3799;               // RFC 5176 section 2.3
  std::string nasIdentifier;             // optional: when set, requests must carry it
  std::optional<bool> requireMessageAuthenticator;  // unset: the server default
};

struct Plan {
  int64_t id = 0;
  std::string name;
  uint64_t downBps = 0;        // subscriber's download (NAS transmit) rate
  uint64_t upBps = 0;          // subscriber's upload
  uint64_t burstDownBps = 0;   // 0: no burst
  uint64_t burstUpBps = 0;
  uint32_t burstThresholdPercent = 75;  // burst until the average reaches this share of the rate
  uint32_t burstTimeSeconds = 10;
  uint32_t sessionTimeout = 0;  // seconds, 0 = none
  uint32_t idleTimeout = 0;
  uint32_t interimInterval = 300;
  uint32_t maxSessions = 0;     // 0 = unlimited
  std::string ipPool;           // optional Framed-Pool
  billing::BillingRules billing;  // price, period, quotas, fair use, windows, validity
};

enum class SubscriberStatus : uint8_t { kActive = 0, kSuspended = 1, kDisabled = 2 };
const char* subscriberStatusName(SubscriberStatus s);
std::optional<SubscriberStatus> parseSubscriberStatus(std::string_view name);

using MacAddress = auth::MacAddress;
using NtHash = auth::NtHash;

struct Subscriber {
  int64_t id = 0;
  std::string username;
  // Credentials in the forms the enabled methods need (docs/decisions/0002-subscriber-credentials.md):
  // the NT hash serves PAP and MS-CHAPv2; the cleartext is kept only when CHAP is enabled.
  std::optional<NtHash> ntHash;
  std::string cleartext;
  int64_t planId = 0;
  SubscriberStatus status = SubscriberStatus::kActive;
  int64_t expiresAt = 0;  // Unix seconds, 0 = never
  std::optional<MacAddress> mac;
  std::optional<IpAddress> staticIp;
  int64_t createdAt = 0;   // Unix seconds
  int64_t firstLogin = 0;  // Unix seconds of the first Access-Accept, 0 = never logged in
  uint64_t validitySeconds = 0;  // from the first login, overriding the plan's (vouchers, top-ups); 0 = the plan's
  int64_t voucherBatch = 0;      // the voucher batch it came from; 0 = not a voucher
  // The start of subscriber-anchored billing periods: the first login, else the creation.
  int64_t periodAnchor() const { return firstLogin != 0 ? firstLogin : createdAt; }
};

}  // namespace aaa::policy
