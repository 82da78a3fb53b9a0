// The admin API's rate per token, by the tier of the token's tenant (mgmt/tiers.h: apiPerSecond,
// apiBurst): a token bucket per principal key (a token or sign-in session id). A request that finds
// its bucket empty gets 429 with Retry-After (whole seconds until a request fits). Platform callers
// (no tenant) are not limited here. Thread-safe; buckets idle for ten minutes are forgotten.
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
  struct Bucket {
    double tokens = 0;
    core::MonoTime updated;
  };
  struct CachedTier {
    std::string tier;
    core::MonoTime fetched;
  };
  std::string tierLocked(const std::string& tenantId, core::MonoTime now);
  void refill(Bucket& b, double rate, double burst, core::MonoTime now);

  const core::Clock& clock_;
  std::function<std::string(const std::string&)> tierOf_;
  std::mutex mu_;
  std::map<std::string, Bucket> buckets_;
  std::map<std::string, CachedTier> tiers_;
  core::MonoTime lastSweep_{};
};

}  // namespace mgmt::api
