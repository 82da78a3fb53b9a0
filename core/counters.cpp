#include "core/counters.h"

#include <cstdio>
#include <stdexcept>

namespace core {

Counter& CounterRegistry::counter(const std::string& name, const std::string& help,
                                  const std::map<std::string, std::string>& labels) {
  return add(name, help, CounterKind::kCounter, labels);
}

Counter& CounterRegistry::gauge(const std::string& name, const std::string& help,
                                const std::map<std::string, std::string>& labels, uint64_t scale) {
  return add(name, help, CounterKind::kGauge, labels, scale);
}

Counter& CounterRegistry::add(const std::string& name, const std::string& help, CounterKind kind,
                              const std::map<std::string, std::string>& labels, uint64_t scale) {
  std::lock_guard<std::mutex> lock(mu_);
  if (scale == 0) scale = 1;
  auto family = families_.find(name);
  if (family != families_.end()) {
    const CounterInfo& first = *family->second;
    if (first.help != help || first.kind != kind || first.scale != scale)
      throw std::logic_error("counter " + name + " is declared twice with a different " +
                             (first.kind != kind ? "type" : first.help != help ? "help text" : "scale") +
                             " (declare it once, in the area that owns it)");
  }
  auto key = std::make_pair(name, labels);
  auto it = index_.find(key);
  if (it != index_.end()) return const_cast<Counter&>(*it->second.counter);
  storage_.emplace_back();
  Counter& c = storage_.back();
  auto added = index_.emplace(key, CounterInfo{name, help, kind, labels, &c, scale}).first;
  if (family == families_.end()) families_.emplace(name, &added->second);  // map nodes do not move
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

const Counter* CounterRegistry::find(const std::string& name,
                                     const std::map<std::string, std::string>& labels) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(std::make_pair(name, labels));
  return it == index_.end() ? nullptr : it->second.counter;
}

uint64_t CounterRegistry::generation() const {
  std::lock_guard<std::mutex> lock(mu_);
  return storage_.size();
}

namespace {
std::string escape(const std::string& v, bool quote) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (quote && c == '"') out += "\\\"";
    else out += c;
  }
  return out;
}
}  // namespace

Json counterJson(const CounterInfo& info) {
  if (info.scale == 1) return Json(info.counter->value());
  return Json(info.scaled());
}

std::string prometheusText(const CounterRegistry& registry) {
  std::string out;
  std::string current;
  for (const CounterInfo& c : registry.list()) {
    if (c.name != current) {
      current = c.name;
      out += "# HELP " + c.name + " " + escape(c.help, false) + "\n";
      out += "# TYPE " + c.name + (c.kind == CounterKind::kGauge ? " gauge\n" : " counter\n");
    }
    out += c.name;
    if (!c.labels.empty()) {
      out += "{";
      bool first = true;
      for (const auto& [k, v] : c.labels) {
        out += (first ? "" : ",") + k + "=\"" + escape(v, true) + "\"";
        first = false;
      }
      out += "}";
    }
    if (c.scale == 1) {
      out += " " + std::to_string(c.counter->value()) + "\n";
    } else {
      char buf[32];
      std::snprintf(buf, sizeof buf, " %.9g\n", c.scaled());
      out += buf;
    }
  }
  return out;
}

}  // namespace core
