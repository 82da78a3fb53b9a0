// Helpers of the policy and reply tests: a fixed "now", a fixed Request Authenticator, and hand-made
// attribute handles (rendering a reply only copies them into the attributes).
#pragma once

#include <cstdint>

#include "aaa/radius/reply.h"

namespace policy_test {

inline constexpr int64_t kNow = 1800000000;

inline constexpr uint8_t kRequestAuth[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

inline aaa::radius::Attributes handles() {
  aaa::radius::Attributes a{};
  uint32_t n = 1;
  for (aaa::radius::AttrRef* r : {&a.mikrotikRateLimit, &a.wisprBandwidthMaxUp, &a.wisprBandwidthMaxDown,
                                  &a.chillispotBandwidthMaxUp, &a.chillispotBandwidthMaxDown, &a.ciscoAvPair,
                                  &a.filterId, &a.sessionTimeout, &a.idleTimeout, &a.acctInterimInterval,
                                  &a.framedIpAddress, &a.framedPool, &a.replyMessage, &a.msChapError,
                                  &a.mikrotikAddressList, &a.wisprRedirectionUrl})
    r->attr = n++;
  return a;
}

}  // namespace policy_test
