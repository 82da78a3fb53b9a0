#include "core/identity/lockout.h"

#include <algorithm>

namespace core::identity {

int64_t Lockout::lockedFor(const std::string& key, int64_t now) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.lockedUntil <= now) return 0;
  return it->second.lockedUntil - now;
}

int64_t Lockout::failure(const std::string& key, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= policy_.maxKeys) {
      auto oldest = std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
        return a.second.lastFailure < b.second.lastFailure;
      });
      entries_.erase(oldest);
    }
    it = entries_.emplace(key, Entry{}).first;
  }
  Entry& e = it->second;
  if (e.failures > 0 && now - e.lastFailure >= policy_.forgetSeconds && e.lockedUntil <= now) e = Entry{};
  e.failures += 1;
  e.lastFailure = now;
  int64_t seconds = lockSeconds(policy_, e.failures);
  if (seconds > 0) e.lockedUntil = now + seconds;
  return seconds;
}

int64_t lockSeconds(const LockoutPolicy& policy, int64_t failures) {
  int64_t over = failures - policy.freeFailures;
  if (over <= 0) return 0;
  // 30 s, 60 s, 120 s, ... up to the ceiling (the shift is capped so it cannot overflow).
  int64_t seconds = policy.firstLockSeconds << std::min<int64_t>(over - 1, 20);
  return std::min(seconds, policy.maxLockSeconds);
}

void Lockout::success(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(key);
}

int Lockout::failures(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  return it == entries_.end() ? 0 : it->second.failures;
}

}  // namespace core::identity
