#include "aaa/policy/snapshot.h"

#include <algorithm>
#include <functional>

namespace aaa::policy {

namespace {
size_t hashName(std::string_view s) { return std::hash<std::string_view>{}(s); }
}  // namespace

SubscriberTable::SubscriberTable(std::vector<Subscriber> subscribers) : rows_(std::move(subscribers)) {
  // Load factor at most 1/2 keeps probe sequences short.
  size_t cap = 16;
  while (cap < rows_.size() * 2) cap <<= 1;
  slots_.assign(cap, 0);
  mask_ = cap - 1;
  for (size_t i = 0; i < rows_.size(); ++i) {
    size_t pos = hashName(rows_[i].username) & mask_;
    while (slots_[pos] != 0) {
      // A duplicate username keeps the later row (the loader never produces one; be safe anyway).
      if (rows_[slots_[pos] - 1].username == rows_[i].username) break;
      pos = (pos + 1) & mask_;
    }
    slots_[pos] = static_cast<uint32_t>(i + 1);
  }
}

const Subscriber* SubscriberTable::find(std::string_view username) const {
  if (slots_.empty()) return nullptr;
  size_t pos = hashName(username) & mask_;
  for (;;) {
    uint32_t slot = slots_[pos];
    if (slot == 0) return nullptr;
    const Subscriber& s = rows_[slot - 1];
    if (s.username == username) return &s;
    pos = (pos + 1) & mask_;
  }
}

const NasClient* Snapshot::findNas(const IpAddress& source) const {
  // Sorted longest prefix first by index(): the first match is the most specific.
  for (const NasClient& n : nas)
    if (n.prefix.contains(source)) return &n;
  return nullptr;
}

const NasClient* Snapshot::findNasByName(std::string_view name) const {
  for (const NasClient& n : nas)
    if (n.name == name) return &n;
  return nullptr;
}

const Plan* Snapshot::findPlan(int64_t id) const {
  auto it = planIndex_.find(id);
  return it == planIndex_.end() ? nullptr : &plans[it->second];
}

const Plan* Snapshot::findPlanByName(std::string_view name) const {
  for (const Plan& p : plans)
    if (p.name == name) return &p;
  return nullptr;
}

const Subscriber* Snapshot::findSubscriber(std::string_view username) const {
  if (!overlay->empty()) {
    auto it = overlay->find(std::string(username));
    if (it != overlay->end()) return it->second.get();  // nullptr when deleted
  }
  return base->find(username);
}

size_t Snapshot::subscriberCount() const {
  size_t n = base->size();
  for (const auto& [name, sub] : *overlay) {
    bool inBase = base->find(name) != nullptr;
    if (sub && !inBase) ++n;
    if (!sub && inBase) --n;
  }
  return n;
}

void Snapshot::index() {
  std::stable_sort(nas.begin(), nas.end(),
                   [](const NasClient& a, const NasClient& b) { return a.prefix.length > b.prefix.length; });
  planIndex_.clear();
  for (size_t i = 0; i < plans.size(); ++i) planIndex_[plans[i].id] = i;
}

SnapshotHolder::SnapshotHolder() : current_(std::make_shared<Snapshot>()) {}

std::shared_ptr<Snapshot> SnapshotHolder::copyCurrent() const { return std::make_shared<Snapshot>(*current()); }

void SnapshotHolder::publish(std::shared_ptr<Snapshot> next) {
  next->version = version_.load() + 1;
  next->index();
  std::atomic_store(&current_, std::shared_ptr<const Snapshot>(std::move(next)));
  version_.fetch_add(1, std::memory_order_release);
}

void SnapshotHolder::publishFull(std::vector<NasClient> nas, std::vector<Plan> plans,
                                 std::vector<Subscriber> subscribers) {
  std::lock_guard<std::mutex> lock(writeMu_);
  auto next = std::make_shared<Snapshot>();
  next->nas = std::move(nas);
  next->plans = std::move(plans);
  next->base = std::make_shared<SubscriberTable>(std::move(subscribers));
  next->settings = current()->settings;
  publish(std::move(next));
}

void SnapshotHolder::publishNas(std::vector<NasClient> nas) {
  std::lock_guard<std::mutex> lock(writeMu_);
  auto next = copyCurrent();
  next->nas = std::move(nas);
  publish(std::move(next));
}

void SnapshotHolder::publishPlans(std::vector<Plan> plans) {
  std::lock_guard<std::mutex> lock(writeMu_);
  auto next = copyCurrent();
  next->plans = std::move(plans);
  publish(std::move(next));
}

void SnapshotHolder::publishSettings(const PolicySettings& settings) {
  std::lock_guard<std::mutex> lock(writeMu_);
  auto next = copyCurrent();
  next->settings = settings;
  publish(std::move(next));
}

void SnapshotHolder::publishSubscriberChanges(
    const std::vector<std::pair<std::string, std::shared_ptr<const Subscriber>>>& changes) {
  if (changes.empty()) return;
  std::lock_guard<std::mutex> lock(writeMu_);
  auto next = copyCurrent();
  auto overlay = std::make_shared<SubscriberOverlay>(*next->overlay);
  for (const auto& [name, sub] : changes) (*overlay)[name] = sub;
  if (overlay->size() < std::max(kFoldMinimum, next->base->size() / 4)) {
    next->overlay = std::move(overlay);
  } else {
    // Fold: a new base with the overlay applied, and an empty overlay.
    std::vector<Subscriber> rows;
    rows.reserve(next->base->size() + overlay->size());
    for (const Subscriber& s : next->base->rows())
      if (overlay->find(s.username) == overlay->end()) rows.push_back(s);
    for (const auto& [name, sub] : *overlay)
      if (sub) rows.push_back(*sub);
    next->base = std::make_shared<SubscriberTable>(std::move(rows));
    next->overlay = std::make_shared<SubscriberOverlay>();
  }
  publish(std::move(next));
}

}  // namespace aaa::policy
