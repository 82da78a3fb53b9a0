#include "core/counters.h"

namespace core {

Counter& CounterRegistry::counter(const std::string& name, const std::string& help,
                                  const std::map<std::string, std::string>& labels) {
  return add(name, help, CounterKind::kCounter, labels);
}

Counter& CounterRegistry::gauge(const std::string& name, const std::string& help,
                                const std::map<std::string, std::string>& labels) {
  return add(name, help, CounterKind::kGauge, labels);
}

Counter& CounterRegistry::add(const std::string& name, const std::string& help, CounterKind kind,
                              const std::map<std::string, std::string>& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  auto key = std::make_pair(name, labels);
  auto it = index_.find(key);
  if (it != index_.end()) return const_cast<Counter&>(*it->second.counter);
  storage_.emplace_back();
  Counter& c = storage_.back();
  index_.emplace(key, CounterInfo{name, help, kind, labels, &c});
  return c;
}

std::vector<CounterInfo> CounterRegistry::list() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<CounterInfo> out;
  out.reserve(index_.size());
  for (const auto& [key, info] : index_) out.push_back(info);
  return out;
}

int64_t CounterRegistry::valueOf(const std::string& name, const std::map<std::string, std::string>& labels) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(std::make_pair(name, labels));
  if (it == index_.end()) return -1;
  return static_cast<int64_t>(it->second.counter->value());
}

}  // namespace core
