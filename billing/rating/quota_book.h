// The current billing period's counters of every subscriber with a quota, in memory, for the
// request path: fed by committed accounting (the ledger's quota deltas, aaa/acct/ledger.h) and by
// top-ups; loaded from the accounting database (`quota_usage`) and the appliance database
// (`topups`) at start. Thread-safe; lookups take one shard's mutex.
//
// One entry per subscriber and kind (usage, top-ups), for the newest period seen: counts for a
// newer period replace the entry, counts for an older one (a late Stop) do not touch it.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "billing/rating/rules.h"

namespace billing {

class QuotaBook {
 public:
  // What `username` used and was given in the period starting at `periodStart`.
  QuotaUsage usage(std::string_view username, int64_t periodStart) const;
  // Adds used octets and seconds; returns the period's usage before and after.
  struct Moved {
    QuotaUsage before;
    QuotaUsage after;
    // When these counts opened a new period: what the previous period had (its tier may still be
    // in force on the NAS).
    std::optional<QuotaUsage> previousPeriod;
  };
  Moved addUsage(std::string_view username, int64_t periodStart, uint64_t bytes, uint64_t seconds);
  // Adds top-up octets and seconds.
  Moved addBonus(std::string_view username, int64_t periodStart, uint64_t bytes, uint64_t seconds);
  void clear();
  size_t size() const;

 private:
  struct Counts {
    int64_t periodStart = 0;
    uint64_t bytes = 0;
    uint64_t seconds = 0;
  };
  struct Entry {
    Counts used;
    Counts bonus;
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, Entry> entries;
  };
  static QuotaUsage view(const Entry& e, int64_t periodStart);
  Moved add(std::string_view username, int64_t periodStart, uint64_t bytes, uint64_t seconds, bool bonus);
  Shard& shardOf(std::string_view username) const;

  static constexpr size_t kShards = 16;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace billing
