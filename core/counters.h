// Counters declared once and read everywhere: the CLI, the web UI, SNMP and /metrics all read the
// same registry, so every number agrees.
//
// Contract: a counter is registered once (at startup, on the control path) with a unique name in
// Prometheus style (lower_snake_case, unit suffix, e.g. radius_auth_requests_total), a help text and
// optional fixed labels (never per-subscriber). Registration returns a reference that stays valid
// for the registry's lifetime; incrementing is a relaxed atomic add, safe from any thread and cheap
// enough for the RADIUS hot path. Gauges are counters that can be set.
//
// Each area declares its counters in one place (a small `<area>_counters.h` struct of handles made
// from the registry) and passes the handles to whatever reads them (SNMP, health), so nothing looks
// a counter up by its name on a hot or periodic path. A name is one family: declaring it again
// with the same help, kind and scale returns the same counter (per label set), declaring it with
// another help, kind or scale is a programming error and throws std::logic_error at startup.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/config.h"

namespace core {

class Counter {
 public:
  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  void set(uint64_t v) { value_.store(v, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

enum class CounterKind { kCounter, kGauge };

struct CounterInfo {
  std::string name;
  std::string help;
  CounterKind kind;
  std::map<std::string, std::string> labels;
  const Counter* counter;
  // The stored integer is in 1/scale of the name's unit (a gauge named ..._seconds holding
  // microseconds has scale 1000000): every reader shows value / scale.
  uint64_t scale = 1;
  double scaled() const { return static_cast<double>(counter->value()) / static_cast<double>(scale); }
};

class CounterRegistry {
 public:
  // Registering the same name and labels twice returns the same counter; registering a name that
  // exists with another help text, kind or scale throws std::logic_error (declared twice).
  Counter& counter(const std::string& name, const std::string& help,
                   const std::map<std::string, std::string>& labels = {});
  Counter& gauge(const std::string& name, const std::string& help,
                 const std::map<std::string, std::string>& labels = {}, uint64_t scale = 1);

  // A consistent list, sorted by name then labels.
  std::vector<CounterInfo> list() const;
  // Value of a registered counter, or -1 when no such counter exists (for tests and the CLI).
  int64_t valueOf(const std::string& name, const std::map<std::string, std::string>& labels = {}) const;
  // The registered counter, or nullptr: for readers that resolve a handle once (SNMP tables of
  // counters another library declares), never for a per-request lookup.
  const Counter* find(const std::string& name, const std::map<std::string, std::string>& labels = {}) const;
  // Grows by one with every new counter: a reader holding unresolved handles resolves them again
  // only when this changed.
  uint64_t generation() const;

 private:
  Counter& add(const std::string& name, const std::string& help, CounterKind kind,
               const std::map<std::string, std::string>& labels, uint64_t scale = 1);
  mutable std::mutex mu_;
  std::deque<Counter> storage_;  // deque: references stay valid as it grows
  std::map<std::pair<std::string, std::map<std::string, std::string>>, CounterInfo> index_;
  std::map<std::string, const CounterInfo*> families_;  // name -> its first declaration
};

// The value as every reader shows it: the integer, or value / scale.
Json counterJson(const CounterInfo& info);

// The registry in the Prometheus text exposition format (version 0.0.4): # HELP and # TYPE once per
// name, one sample per label set, label values and help escaped.
std::string prometheusText(const CounterRegistry& registry);

}  // namespace core
