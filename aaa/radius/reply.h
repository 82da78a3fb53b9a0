// Renders authorization Decisions into reply attributes, per NAS vendor profile.
//
// Rates are stored in bit/s and rendered as each vendor expects:
//   mikrotik    Mikrotik-Rate-Limit "up/down [burst-up/burst-down threshold-up/threshold-down time/time]"
//               (rx/tx from the router's side: rx is the subscriber's upload)
//   wispr       WISPr-Bandwidth-Max-Up / -Down in bit/s
//   chillispot  ChilliSpot-Bandwidth-Max-Up / -Down in kbit/s
//   cisco       Cisco-AVPair "ip:qos-policy-in=add-class(sub,(class-default),police(...))" (upload)
//               and "ip:qos-policy-out=..." (download): ISG RADIUS-based policing
//   accel-ppp   Filter-Id "down/up" in kbit/s (accel-ppp shaper, attr=Filter-Id)
//   generic     no rate attribute
// The remaining data quota of a billed plan (billing/rating/rules.h) goes as Mikrotik-Total-Limit with
// -Gigawords (mikrotik) or ChilliSpot-Max-Total-Octets (chillispot, 32 bits: capped at 4 GiB - 1,
// the Interim-Update enforcement covers the rest); the remaining time shortens Session-Timeout.
// A walled subscriber's accept (dunning, ADR 0048) adds what the NAS walls it by, each when configured
// (radius.walled-*): Filter-Id (every profile but accel-ppp, whose Filter-Id is the rate),
// Mikrotik-Address-List (mikrotik), WISPr-Redirection-URL with the subscriber's dunning-url or else
// radius.walled-url (wispr, chillispot).
// The caller puts Message-Authenticator first and appends the request's Proxy-State attributes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "aaa/policy/policy.h"
#include "aaa/radius/attributes.h"
#include "aaa/radius/packet.h"

namespace aaa::radius {

// Reply attributes of an accepted request (without Message-Authenticator and Proxy-State).
std::vector<Attribute> renderAccept(const policy::Decision& decision, policy::VendorProfile vendor, const Attributes& a);
// Reply attributes of a rejected request: Reply-Message with the reason (and MS-CHAP-Error for
// MS-CHAPv2 so the client shows "wrong password" instead of a generic failure).
std::vector<Attribute> renderReject(const policy::Decision& decision, const Attributes& a, uint8_t msChapIdent = 0);

// The rate attributes alone (Access-Accept, and CoA with a new rate). `rate` is the plan's own rate
// (with its burst) or a fair-use tier's or window's (without burst).
std::vector<Attribute> renderRate(const policy::Plan& plan, const billing::Rate& rate, policy::VendorProfile vendor,
                                  const Attributes& a);
std::vector<Attribute> renderRate(const policy::Plan& plan, policy::VendorProfile vendor, const Attributes& a);
// The remaining-volume attribute(s) of the vendor, for `bytes` left.
std::vector<Attribute> renderRemaining(uint64_t bytes, policy::VendorProfile vendor, const Attributes& a);

// "10M", "512k", "1500": MikroTik's rate syntax.
std::string mikrotikRate(uint64_t bitsPerSecond);

// A Mikrotik-Rate-Limit read back by a NAS (the built-in gateway is a MikroTik-profile NAS):
// "up/down [burst-up/burst-down threshold-up/threshold-down time/time]", rates as "10M", "512k",
// "1500" (k, M and G are powers of 1000). nullopt when the text is not of that form.
struct RateLimit {
  uint64_t upBps = 0;
  uint64_t downBps = 0;
  uint64_t burstUpBps = 0;    // 0: no burst
  uint64_t burstDownBps = 0;
  uint32_t burstSeconds = 0;
};
std::optional<RateLimit> parseMikrotikRateLimit(const std::string& text);

}  // namespace aaa::radius
