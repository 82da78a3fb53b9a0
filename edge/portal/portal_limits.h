// The captive portal's limits on outside clients (docs/gateway.md, "Limits"): failed logins per
// device and per address, signups per device and per address and in total, each in a sliding
// window. The Gateway owns one PortalLimits and guards it with its mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>

namespace edge {

// Events per key (a MAC, an address, "" for all) in a sliding window of seconds. Bounded: at most
// maxKeys keys (beyond, keys whose events all left the window are forgotten, then the stalest), and
// only the newest `limit` events of a key are kept (all a decision needs). Not thread-safe.
class WindowCounter {
 public:
  explicit WindowCounter(size_t maxKeys = 65536) : maxKeys_(maxKeys) {}

  // Whether `key` had fewer than `limit` events in (now - window, now]; when not, `*retryAfter`
  // gets the seconds until the oldest of them leaves the window.
  bool below(const std::string& key, int64_t now, int64_t window, int64_t limit, int64_t* retryAfter);
  // One more event of `key` at `now` (keeping at most `limit` of them; `window` as for below()).
  void add(const std::string& key, int64_t now, int64_t window, int64_t limit);
  size_t keys() const { return events_.size(); }

 private:
  void makeRoom(int64_t now, int64_t window);

  size_t maxKeys_;
  std::map<std::string, std::deque<int64_t>> events_;
};

struct PortalLimitSettings {
  int64_t loginAttempts = 5;      // failed logins per device (MAC) and per address, per minute
  int64_t signupPerDevice = 5;    // signup attempts per device (MAC) and per address, per window
  int64_t signupTotal = 50;       // signup attempts of all devices together, per window
  int64_t signupWindow = 3600;    // seconds
};

// What a refusal was about (for the visitor's message and the counter's label).
enum class PortalLimit { kNone, kDevice, kAddress, kTotal };
const char* portalLimitName(PortalLimit limit);  // "device", "address", "total"

class PortalLimits {
 public:
  void configure(const PortalLimitSettings& settings) { settings_ = settings; }
  const PortalLimitSettings& settings() const { return settings_; }

  // Logins: refused while the device's MAC or the address has loginAttempts failures in the last
  // minute. `mac` may be empty (unknown yet).
  PortalLimit loginAllowed(const std::string& mac, const std::string& address, int64_t now, int64_t* retryAfter);
  void loginFailed(const std::string& mac, const std::string& address, int64_t now);

  // Signups: checks the device's MAC, its address and the total, and when all allow it, counts
  // the attempt in all three at once (so concurrent attempts cannot pass together).
  PortalLimit takeSignup(const std::string& mac, const std::string& address, int64_t now, int64_t* retryAfter);

 private:
  PortalLimitSettings settings_;
  WindowCounter loginMacs_, loginAddresses_;
  WindowCounter signupMacs_, signupAddresses_, signupTotal_{1};
};

}  // namespace edge
