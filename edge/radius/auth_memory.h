// What the quota side remembers of authorizations, in memory (QuotaService): the last billed or
// rejected decision per subscriber (subscriber-explain), and the first logins whose write is under
// way (one write per subscriber at a time). Each class is thread-safe with one mutex of its own:
// the auth threads write, the command thread reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "aaa/policy/policy.h"

namespace edge {

class AuthMemory {
 public:
  struct LastAuth {
    int64_t at = 0;
    std::string nas;
    std::string station;
    aaa::policy::Decision decision;  // subscriber and plan pointers cleared, no key material
    std::string plan;                // the plan's name then
  };
  // A refused login, kept apart from the last decision so that a later accept does not hide it.
  struct Reject {
    int64_t at = 0;
    std::string nas;
    std::string station;
    aaa::policy::RejectReason reason{};
  };
  static constexpr size_t kRejectsKept = 5;  // per subscriber, newest first

  // At most `limit` subscribers are remembered: past it the memory starts over (bounded on a box
  // with millions of subscribers).
  explicit AuthMemory(size_t limit = 200000) : limit_(limit) {}

  // Keeps `last` for `username`; the decision's pointers and MS-CHAPv2 keys are dropped here.
  void remember(const std::string& username, LastAuth last);
  void forget(const std::string& username);
  std::optional<LastAuth> find(const std::string& username) const;
  // The last kRejectsKept rejects of `username`, newest first (remember() records them; forget()
  // keeps them).
  std::vector<Reject> rejects(const std::string& username) const;

 private:
  size_t limit_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, LastAuth> last_;
  std::unordered_map<std::string, std::vector<Reject>> rejects_;
};

// The subscribers whose first login is being written.
class FirstLogins {
 public:
  // True when the caller is first: it writes, and calls done() once the write settled.
  bool begin(const std::string& username);
  void done(const std::string& username);

 private:
  std::mutex mu_;
  std::unordered_set<std::string> pending_;
};

}  // namespace edge
