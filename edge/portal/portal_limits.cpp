#include "edge/portal/portal_limits.h"

#include <algorithm>

namespace edge {

namespace {
constexpr int64_t kLoginWindow = 60;
}  // namespace

bool WindowCounter::below(const std::string& key, int64_t now, int64_t window, int64_t limit, int64_t* retryAfter) {
  auto it = events_.find(key);
  if (it == events_.end()) return limit > 0;
  std::deque<int64_t>& q = it->second;
  while (!q.empty() && q.front() <= now - window) q.pop_front();
  if (static_cast<int64_t>(q.size()) < limit) return true;
  if (retryAfter != nullptr) *retryAfter = q.empty() ? window : std::max<int64_t>(1, q.front() + window - now);
  return false;
}

void WindowCounter::add(const std::string& key, int64_t now, int64_t window, int64_t limit) {
  auto it = events_.find(key);
  if (it == events_.end()) {
    if (events_.size() >= maxKeys_) makeRoom(now, window);
    it = events_.emplace(key, std::deque<int64_t>()).first;
  }
  std::deque<int64_t>& q = it->second;
  q.push_back(now);
  while (static_cast<int64_t>(q.size()) > std::max<int64_t>(limit, 1)) q.pop_front();
}

void WindowCounter::makeRoom(int64_t now, int64_t window) {
  // A flood of new keys (forged MACs) forgets the stale ones first, then the one idle longest:
  // never everything at once (which would release every device being held back).
  for (auto it = events_.begin(); it != events_.end();) {
    if (it->second.empty() || it->second.back() <= now - window) it = events_.erase(it);
    else ++it;
  }
  if (events_.size() < maxKeys_) return;
  auto stalest = events_.begin();
  for (auto it = events_.begin(); it != events_.end(); ++it)
    if (it->second.back() < stalest->second.back()) stalest = it;
  events_.erase(stalest);
}

const char* portalLimitName(PortalLimit limit) {
  switch (limit) {
    case PortalLimit::kNone: return "none";
    case PortalLimit::kDevice: return "device";
    case PortalLimit::kAddress: return "address";
    case PortalLimit::kTotal: return "total";
  }
  return "none";
}

PortalLimit PortalLimits::loginAllowed(const std::string& mac, const std::string& address, int64_t now,
                                       int64_t* retryAfter) {
  const int64_t limit = settings_.loginAttempts;
  if (!mac.empty() && !loginMacs_.below(mac, now, kLoginWindow, limit, retryAfter)) return PortalLimit::kDevice;
  if (!loginAddresses_.below(address, now, kLoginWindow, limit, retryAfter)) return PortalLimit::kAddress;
  return PortalLimit::kNone;
}

void PortalLimits::loginFailed(const std::string& mac, const std::string& address, int64_t now) {
  if (!mac.empty()) loginMacs_.add(mac, now, kLoginWindow, settings_.loginAttempts);
  loginAddresses_.add(address, now, kLoginWindow, settings_.loginAttempts);
}

PortalLimit PortalLimits::takeSignup(const std::string& mac, const std::string& address, int64_t now,
                                     int64_t* retryAfter) {
  const int64_t window = settings_.signupWindow;
  const int64_t perDevice = settings_.signupPerDevice;
  if (!mac.empty() && !signupMacs_.below(mac, now, window, perDevice, retryAfter)) return PortalLimit::kDevice;
  if (!signupAddresses_.below(address, now, window, perDevice, retryAfter)) return PortalLimit::kAddress;
  if (!signupTotal_.below("", now, window, settings_.signupTotal, retryAfter)) return PortalLimit::kTotal;
  if (!mac.empty()) signupMacs_.add(mac, now, window, perDevice);
  signupAddresses_.add(address, now, window, perDevice);
  signupTotal_.add("", now, window, settings_.signupTotal);
  return PortalLimit::kNone;
}

}  // namespace edge
