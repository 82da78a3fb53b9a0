#include "billing/rating/quota_book.h"

#include <functional>

namespace billing {

QuotaBook::Shard& QuotaBook::shardOf(std::string_view username) const {
  return shards_[std::hash<std::string_view>{}(username) % kShards];
}

QuotaUsage QuotaBook::view(const Entry& e, int64_t periodStart) {
  QuotaUsage u;
  if (e.used.periodStart == periodStart) {
    u.bytes = e.used.bytes;
    u.seconds = e.used.seconds;
  }
  if (e.bonus.periodStart == periodStart) {
    u.bonusBytes = e.bonus.bytes;
    u.bonusSeconds = e.bonus.seconds;
  }
  return u;
}

QuotaUsage QuotaBook::usage(std::string_view username, int64_t periodStart) const {
  Shard& shard = shardOf(username);
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.entries.find(std::string(username));
  if (it == shard.entries.end()) return QuotaUsage{};
  return view(it->second, periodStart);
}

QuotaBook::Moved QuotaBook::add(std::string_view username, int64_t periodStart, uint64_t bytes, uint64_t seconds,
                                bool bonus) {
  Shard& shard = shardOf(username);
  std::lock_guard<std::mutex> lock(shard.mu);
  Entry& e = shard.entries[std::string(username)];
  Moved m;
  m.before = view(e, periodStart);
  Counts& c = bonus ? e.bonus : e.used;
  if (periodStart > c.periodStart) {  // a new period
    if (c.periodStart != 0) m.previousPeriod = view(e, c.periodStart);
    c = Counts{periodStart, 0, 0};
  }
  if (periodStart == c.periodStart) {  // else a late count of an older period: not in memory
    c.bytes += bytes;
    c.seconds += seconds;
  }
  m.after = view(e, periodStart);
  return m;
}

QuotaBook::Moved QuotaBook::addUsage(std::string_view username, int64_t periodStart, uint64_t bytes, uint64_t seconds) {
  return add(username, periodStart, bytes, seconds, false);
}

QuotaBook::Moved QuotaBook::addBonus(std::string_view username, int64_t periodStart, uint64_t bytes, uint64_t seconds) {
  return add(username, periodStart, bytes, seconds, true);
}

void QuotaBook::clear() {
  for (Shard& s : shards_) {
    std::lock_guard<std::mutex> lock(s.mu);
    s.entries.clear();
  }
}

size_t QuotaBook::size() const {
  size_t n = 0;
  for (Shard& s : shards_) {
    std::lock_guard<std::mutex> lock(s.mu);
    n += s.entries.size();
  }
  return n;
}

}  // namespace billing
