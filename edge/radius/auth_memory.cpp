#include "edge/radius/auth_memory.h"

#include <utility>

namespace edge {

void AuthMemory::remember(const std::string& username, LastAuth last) {
  last.decision.subscriber = nullptr;
  last.decision.plan = nullptr;
  last.decision.msChapV2.reset();  // never keep key material
  std::lock_guard<std::mutex> lock(mu_);
  if (!last.decision.accept) {
    if (rejects_.size() >= limit_ && rejects_.find(username) == rejects_.end()) rejects_.clear();
    std::vector<Reject>& list = rejects_[username];
    list.insert(list.begin(), Reject{last.at, last.nas, last.station, last.decision.reason});
    if (list.size() > kRejectsKept) list.resize(kRejectsKept);
  }
  if (last_.size() >= limit_ && last_.find(username) == last_.end()) last_.clear();
  last_[username] = std::move(last);
}

std::vector<AuthMemory::Reject> AuthMemory::rejects(const std::string& username) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = rejects_.find(username);
  return it == rejects_.end() ? std::vector<Reject>{} : it->second;
}

void AuthMemory::forget(const std::string& username) {
  std::lock_guard<std::mutex> lock(mu_);
  last_.erase(username);
}

std::optional<AuthMemory::LastAuth> AuthMemory::find(const std::string& username) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = last_.find(username);
  if (it == last_.end()) return std::nullopt;
  return it->second;
}

bool FirstLogins::begin(const std::string& username) {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_.insert(username).second;
}

void FirstLogins::done(const std::string& username) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.erase(username);
}

}  // namespace edge
