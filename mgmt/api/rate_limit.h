// Rates on the admin API's listener, all drawn from one kind of token bucket (TokenBuckets):
//  - ApiRateLimiter: per principal key (a token or sign-in session id), sized by the tier of the
//    key's tenant (mgmt/tiers.h: apiPerSecond, apiBurst). Platform callers (no tenant) are not
//    limited here.
//  - AddressRateLimiter: per client address, for the public routes where nobody is signed in (the
//    signup): an IPv4 address is one bucket, an IPv6 address counts by its /64 (one subscriber's
//    network hands out a whole /64, so counting single addresses would limit nothing).
// A request that finds its bucket empty gets 429 with Retry-After (whole seconds until a request
// fits) and a JSON error. Thread-safe; buckets idle for ten minutes (or full again) are forgotten.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/http_server.h"

namespace mgmt::api {

// Token buckets by key: `take` draws one token from the key's bucket (a new bucket starts full);
// each refills at `perSecond` up to `burst`.
class TokenBuckets {
 public:
  explicit TokenBuckets(const core::Clock& clock) : clock_(clock) {}

  // 0: a token was taken; otherwise the whole seconds (>= 1) until one is there (none taken).
  int64_t take(const std::string& key, double perSecond, double burst);
  // The same without taking: 0 when a request would fit now.
  int64_t wait(const std::string& key, double perSecond, double burst);

 private:
  struct Bucket {
    double tokens = 0;
    core::MonoTime updated;
  };
  int64_t drawLocked(const std::string& key, double perSecond, double burst, bool take);

  const core::Clock& clock_;
  std::mutex mu_;
  std::map<std::string, Bucket> buckets_;
  core::MonoTime lastSweep_{};
};

class ApiRateLimiter {
 public:
  // `tierOf(tenantId)`: the tenant's tier name ("" when unknown: the free tier's rate). Asked at most
  // once a minute per tenant.
  ApiRateLimiter(const core::Clock& clock, std::function<std::string(const std::string& tenantId)> tierOf);

  // nullopt: go ahead (one request taken from the bucket); otherwise the 429 to send.
  std::optional<core::HttpResponse> admit(const std::string& key, const std::string& tenantId);
  // Seconds until `key` may send again (0: now); for tests.
  int64_t retryAfterSeconds(const std::string& key, const std::string& tenantId);

 private:
  struct CachedTier {
    std::string tier;
    core::MonoTime fetched;
  };
  std::string tierOf(const std::string& tenantId);

  const core::Clock& clock_;
  std::function<std::string(const std::string&)> tierOf_;
  TokenBuckets buckets_;
  std::mutex tiersMu_;
  std::map<std::string, CachedTier> tiers_;
};

class AddressRateLimiter {
 public:
  // `perHour` requests an hour per address (or /64) after a first `burst`; `what` names the limit in
  // the error ("signups").
  AddressRateLimiter(const core::Clock& clock, double perHour, double burst, std::string what);

  // nullopt: go ahead (one request taken); otherwise the 429 to send.
  std::optional<core::HttpResponse> admit(const std::string& address);
  // The same as a number: 0 when one request was taken, otherwise the seconds to wait.
  int64_t take(const std::string& address);
  // What admit() says when take() gave `wait` seconds.
  std::string refusalText(int64_t wait) const;
  // The 429 an admit() would send now, without taking a request (a route's admission, before the
  // body is read); nullopt when a request fits.
  std::optional<core::HttpResponse> peek(const std::string& address);
  // Seconds until `address` may send again (0: now).
  int64_t retryAfterSeconds(const std::string& address);
  // The bucket an address counts in: "v4:203.0.113.7", "v6:2001:db8:0:1::/64"; the text itself for
  // something that is not an address.
  static std::string keyOf(const std::string& address);

 private:
  core::HttpResponse refusal(int64_t wait) const;

  double perSecond_, burst_;
  std::string what_;
  TokenBuckets buckets_;
};

// The 429 every limit answers: {"error", "code": "unavailable", "retry-after"} and a Retry-After header.
core::HttpResponse tooManyRequests(const std::string& message, int64_t retryAfterSeconds);

}  // namespace mgmt::api
