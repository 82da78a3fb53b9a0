#include "mgmt/api/rate_limit.h"

#include <cmath>

#include "mgmt/tiers.h"

namespace mgmt::api {

namespace {
const Tier& tierOrFree(const std::string& name) {
  const Tier* t = findTier(name);
  return t != nullptr ? *t : tiers().front();
}
}  // namespace

ApiRateLimiter::ApiRateLimiter(const core::Clock& clock, std::function<std::string(const std::string&)> tierOf)
    : clock_(clock), tierOf_(std::move(tierOf)) {}

std::string ApiRateLimiter::tierLocked(const std::string& tenantId, core::MonoTime now) {
  auto it = tiers_.find(tenantId);
  if (it != tiers_.end() && now - it->second.fetched < std::chrono::minutes(1)) return it->second.tier;
  std::string tier = tierOf_ ? tierOf_(tenantId) : "";
  tiers_[tenantId] = CachedTier{tier, now};
  return tier;
}

void ApiRateLimiter::refill(Bucket& b, double rate, double burst, core::MonoTime now) {
  const double seconds = std::chrono::duration<double>(now - b.updated).count();
  b.tokens = std::min(burst, b.tokens + seconds * rate);
  b.updated = now;
}

std::optional<core::HttpResponse> ApiRateLimiter::admit(const std::string& key, const std::string& tenantId) {
  if (tenantId.empty()) return std::nullopt;
  const core::MonoTime now = clock_.monotonicNow();
  std::lock_guard<std::mutex> lock(mu_);
  if (now - lastSweep_ > std::chrono::minutes(10)) {
    for (auto it = buckets_.begin(); it != buckets_.end();)
      it = now - it->second.updated > std::chrono::minutes(10) ? buckets_.erase(it) : std::next(it);
    tiers_.clear();
    lastSweep_ = now;
  }
  const std::string tierName = tierLocked(tenantId, now);
  const Tier& tier = tierOrFree(tierName);
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{tier.apiBurst, now});
  Bucket& b = it->second;
  if (!fresh) refill(b, tier.apiPerSecond, tier.apiBurst, now);
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  const int64_t wait = static_cast<int64_t>(std::ceil((1.0 - b.tokens) / tier.apiPerSecond));
  core::HttpResponse r = core::HttpResponse::json(
      429, core::Json{{"error", "too many requests for this token: the " + tier.name + " tier allows " +
                                    std::to_string(static_cast<int64_t>(tier.apiPerSecond)) + " a second (bursts of " +
                                    std::to_string(static_cast<int64_t>(tier.apiBurst)) + ")"},
                      {"code", "unavailable"},
                      {"retry-after", wait}});
  r.headers.emplace_back("Retry-After", std::to_string(wait < 1 ? 1 : wait));
  return r;
}

int64_t ApiRateLimiter::retryAfterSeconds(const std::string& key, const std::string& tenantId) {
  const core::MonoTime now = clock_.monotonicNow();
  std::lock_guard<std::mutex> lock(mu_);
  const Tier& tier = tierOrFree(tierLocked(tenantId, now));
  auto it = buckets_.find(key);
  if (it == buckets_.end()) return 0;
  refill(it->second, tier.apiPerSecond, tier.apiBurst, now);
  if (it->second.tokens >= 1.0) return 0;
  return static_cast<int64_t>(std::ceil((1.0 - it->second.tokens) / tier.apiPerSecond));
}

}  // namespace mgmt::api
