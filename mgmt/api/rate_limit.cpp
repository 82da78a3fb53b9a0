#include "mgmt/api/rate_limit.h"

#include <arpa/inet.h>

#include <cmath>
#include <cstdio>

#include "mgmt/tiers.h"

namespace mgmt::api {

namespace {
const Tier& tierOrFree(const std::string& name) {
  const Tier* t = findTier(name);
  return t != nullptr ? *t : tiers().front();
}

std::string wholeNumber(double v) { return std::to_string(static_cast<int64_t>(v)); }
}  // namespace

core::HttpResponse tooManyRequests(const std::string& message, int64_t retryAfterSeconds) {
  const int64_t wait = retryAfterSeconds < 1 ? 1 : retryAfterSeconds;
  core::HttpResponse r =
      core::HttpResponse::json(429, core::Json{{"error", message}, {"code", "rate-limited"}, {"retry-after", wait}});
  r.headers.emplace_back("Retry-After", std::to_string(wait));
  return r;
}

// TokenBuckets

int64_t TokenBuckets::drawLocked(const std::string& key, double perSecond, double burst, bool take) {
  const core::MonoTime now = clock_.monotonicNow();
  if (now - lastSweep_ > std::chrono::minutes(10)) {
    for (auto it = buckets_.begin(); it != buckets_.end();)
      it = now - it->second.updated > std::chrono::minutes(10) ? buckets_.erase(it) : std::next(it);
    lastSweep_ = now;
  }
  auto it = buckets_.find(key);
  Bucket b{burst, now};
  if (it != buckets_.end()) {
    b = it->second;
    const double seconds = std::chrono::duration<double>(now - b.updated).count();
    b.tokens = std::min(burst, b.tokens + seconds * perSecond);
    b.updated = now;
  }
  if (b.tokens >= 1.0) {
    if (take) {
      b.tokens -= 1.0;
      buckets_[key] = b;
    }
    return 0;
  }
  if (take) buckets_[key] = b;
  const int64_t wait = static_cast<int64_t>(std::ceil((1.0 - b.tokens) / perSecond));
  return wait < 1 ? 1 : wait;
}

int64_t TokenBuckets::take(const std::string& key, double perSecond, double burst) {
  std::lock_guard<std::mutex> lock(mu_);
  return drawLocked(key, perSecond, burst, true);
}

int64_t TokenBuckets::wait(const std::string& key, double perSecond, double burst) {
  std::lock_guard<std::mutex> lock(mu_);
  return drawLocked(key, perSecond, burst, false);
}

// ApiRateLimiter

ApiRateLimiter::ApiRateLimiter(const core::Clock& clock, std::function<std::string(const std::string&)> tierOf)
    : clock_(clock), tierOf_(std::move(tierOf)), buckets_(clock) {}

std::string ApiRateLimiter::tierOf(const std::string& tenantId) {
  const core::MonoTime now = clock_.monotonicNow();
  std::lock_guard<std::mutex> lock(tiersMu_);
  auto it = tiers_.find(tenantId);
  if (it != tiers_.end() && now - it->second.fetched < std::chrono::minutes(1)) return it->second.tier;
  if (tiers_.size() > 10000) tiers_.clear();  // a cache, not a registry of every tenant ever seen
  std::string tier = tierOf_ ? tierOf_(tenantId) : "";
  tiers_[tenantId] = CachedTier{tier, now};
  return tier;
}

std::optional<core::HttpResponse> ApiRateLimiter::admit(const std::string& key, const std::string& tenantId) {
  if (tenantId.empty()) return std::nullopt;
  const Tier& tier = tierOrFree(tierOf(tenantId));
  const int64_t wait = buckets_.take(key, tier.apiPerSecond, tier.apiBurst);
  if (wait == 0) return std::nullopt;
  return tooManyRequests("too many requests for this token: the " + tier.name + " tier allows " +
                             wholeNumber(tier.apiPerSecond) + " a second (bursts of " + wholeNumber(tier.apiBurst) + ")",
                         wait);
}

int64_t ApiRateLimiter::retryAfterSeconds(const std::string& key, const std::string& tenantId) {
  const Tier& tier = tierOrFree(tierOf(tenantId));
  return buckets_.wait(key, tier.apiPerSecond, tier.apiBurst);
}

// AddressRateLimiter

AddressRateLimiter::AddressRateLimiter(const core::Clock& clock, double perHour, double burst, std::string what)
    : perSecond_(perHour / 3600.0), burst_(burst), what_(std::move(what)), buckets_(clock) {}

std::string AddressRateLimiter::keyOf(const std::string& address) {
  in_addr v4{};
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1) return "v4:" + address;
  in6_addr v6{};
  if (inet_pton(AF_INET6, address.c_str(), &v6) == 1) {
    // An IPv4-mapped address (::ffff:a.b.c.d, a dual-stack listener) is that IPv4 address.
    if (IN6_IS_ADDR_V4MAPPED(&v6)) {
      char text[INET_ADDRSTRLEN] = {};
      inet_ntop(AF_INET, &v6.s6_addr[12], text, sizeof text);
      return std::string("v4:") + text;
    }
    for (int i = 8; i < 16; ++i) v6.s6_addr[i] = 0;
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(AF_INET6, &v6, text, sizeof text);
    return std::string("v6:") + text + "/64";
  }
  return address;
}

std::string AddressRateLimiter::refusalText(int64_t wait) const {
  return "too many " + what_ + " from your address: " + wholeNumber(burst_) + " at once, then " +
         wholeNumber(perSecond_ * 3600.0) + " an hour; try again in " + std::to_string(wait) + " seconds";
}

core::HttpResponse AddressRateLimiter::refusal(int64_t wait) const { return tooManyRequests(refusalText(wait), wait); }

int64_t AddressRateLimiter::take(const std::string& address) {
  return buckets_.take(keyOf(address), perSecond_, burst_);
}

std::optional<core::HttpResponse> AddressRateLimiter::admit(const std::string& address) {
  const int64_t wait = take(address);
  if (wait == 0) return std::nullopt;
  return refusal(wait);
}

std::optional<core::HttpResponse> AddressRateLimiter::peek(const std::string& address) {
  const int64_t wait = buckets_.wait(keyOf(address), perSecond_, burst_);
  if (wait == 0) return std::nullopt;
  return refusal(wait);
}

int64_t AddressRateLimiter::retryAfterSeconds(const std::string& address) {
  return buckets_.wait(keyOf(address), perSecond_, burst_);
}

}  // namespace mgmt::api
