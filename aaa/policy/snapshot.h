// The immutable in-memory view the RADIUS request path reads: NAS clients, plans and subscribers.
//
// Contract:
//  - A Snapshot never changes after it is published; readers hold a shared_ptr and see one
//    consistent state for the whole request. No locks and no SQL on the request path.
//  - Subscribers live in a large base table (open addressing, built once, O(1) lookup) plus a small
//    overlay of changes made since (copied on every change, so a change costs O(overlay), not
//    O(subscribers)). When the overlay grows past a threshold the publisher folds it into a new base.
//  - SnapshotHolder::current() is lock-free for readers that cache by version (see ReaderCache).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "aaa/policy/model.h"

namespace aaa::policy {

class SubscriberTable {
 public:
  SubscriberTable() = default;
  explicit SubscriberTable(std::vector<Subscriber> subscribers);

  const Subscriber* find(std::string_view username) const;
  size_t size() const { return rows_.size(); }
  const std::vector<Subscriber>& rows() const { return rows_; }

 private:
  std::vector<Subscriber> rows_;
  std::vector<uint32_t> slots_;  // index+1 into rows_, 0 = empty; size is a power of two
  size_t mask_ = 0;
};

// Changes since the base: username -> new value, or nullptr when deleted.
using SubscriberOverlay = std::unordered_map<std::string, std::shared_ptr<const Subscriber>>;

// Server-wide settings that can change on a config reload; they travel with the snapshot so a
// request sees one consistent set.
struct PolicySettings {
  bool pap = true;
  bool chap = true;
  bool msChapV2 = true;
  bool mac = true;
  bool requireMessageAuthenticator = true;  // default for NAS clients without their own setting
  // What an Access-Accept of a walled subscriber (dunning "walled", ADR 0048) adds for an external
  // NAS to wall it by (aaa/radius/reply.h); '' = not sent (config radius.walled-*).
  struct Walled {
    std::string filterId;     // Filter-Id (every vendor profile but accel-ppp, whose Filter-Id is the rate)
    std::string addressList;  // Mikrotik-Address-List (mikrotik)
    std::string url;          // WISPr-Redirection-URL (wispr, chillispot) when the subscriber has no dunning-url
  } walled;
};

class Snapshot {
 public:
  uint64_t version = 0;
  PolicySettings settings;
  std::vector<NasClient> nas;
  std::vector<Plan> plans;
  std::shared_ptr<const SubscriberTable> base = std::make_shared<SubscriberTable>();
  std::shared_ptr<const SubscriberOverlay> overlay = std::make_shared<SubscriberOverlay>();

  // Longest-prefix match of the request's source address; nullptr for an unknown source.
  const NasClient* findNas(const IpAddress& source) const;
  const NasClient* findNasByName(std::string_view name) const;
  const Plan* findPlan(int64_t id) const;
  const Plan* findPlanByName(std::string_view name) const;
  const Subscriber* findSubscriber(std::string_view username) const;
  size_t subscriberCount() const;
  // Calls fn for every subscriber (base rows not shadowed by the overlay, then the overlay's).
  template <class Fn>
  void forEachSubscriber(Fn&& fn) const {
    for (const Subscriber& s : base->rows())
      if (overlay->empty() || overlay->find(s.username) == overlay->end()) fn(s);
    for (const auto& [name, sub] : *overlay)
      if (sub) fn(*sub);
  }

  // Call after filling nas/plans (sorts NAS by prefix length, indexes plans).
  void index();

 private:
  std::unordered_map<int64_t, size_t> planIndex_;
};

// Owns the current snapshot and builds the next one. Writers (the control path) are serialized by a
// mutex; readers never take it.
class SnapshotHolder {
 public:
  SnapshotHolder();

  std::shared_ptr<const Snapshot> current() const { return std::atomic_load(&current_); }
  uint64_t version() const { return version_.load(std::memory_order_acquire); }

  // Replaces everything (startup, full reload from the database).
  void publishFull(std::vector<NasClient> nas, std::vector<Plan> plans, std::vector<Subscriber> subscribers);
  void publishNas(std::vector<NasClient> nas);
  void publishPlans(std::vector<Plan> plans);
  void publishSettings(const PolicySettings& settings);
  // Upserts (value set) and deletes (value null) of subscribers, by username.
  void publishSubscriberChanges(const std::vector<std::pair<std::string, std::shared_ptr<const Subscriber>>>& changes);

  // The overlay is folded into a new base when it exceeds max(kFoldMinimum, base size / 4): single
  // changes stay O(overlay), and a bulk import of N rows costs O(N) in total.
  static constexpr size_t kFoldMinimum = 4096;

 private:
  void publish(std::shared_ptr<Snapshot> next);
  std::shared_ptr<Snapshot> copyCurrent() const;

  std::mutex writeMu_;
  std::shared_ptr<const Snapshot> current_;
  std::atomic<uint64_t> version_{0};
};

// Per-thread cache of the current snapshot: one atomic load of the version per request, and the
// shared_ptr copy only when it changed.
class ReaderCache {
 public:
  explicit ReaderCache(const SnapshotHolder& holder) : holder_(holder) {}
  const Snapshot& get() {
    uint64_t v = holder_.version();
    if (!snapshot_ || v != seen_) {
      snapshot_ = holder_.current();
      seen_ = snapshot_->version;
    }
    return *snapshot_;
  }

 private:
  const SnapshotHolder& holder_;
  std::shared_ptr<const Snapshot> snapshot_;
  uint64_t seen_ = 0;
};

}  // namespace aaa::policy
