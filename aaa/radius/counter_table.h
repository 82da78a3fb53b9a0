// The RADIUS servers' counter families as tables (RFC 4669 and RFC 4671 counters and ours): each
// family's name and help written once, from which a set of handles is declared (the totals, or a
// NAS client's with the label nas) or looked for without declaring it (core/counters.h, ADR 0017).
#pragma once

#include <cstddef>
#include <map>
#include <string>

#include "core/counters.h"

namespace aaa::radius {

// One family of a handles struct (AuthCounters, AcctCounters): its member, its name after the
// prefix, its help.
template <class Counters>
struct CounterName {
  core::Counter* Counters::*member;
  const char* name;
  const char* help;
};

// "radius_auth_access_requests_total" (the totals) or "radius_auth_client_access_requests_total"
// with {nas: nasName}, for area "auth".
inline std::string counterFamily(const char* area, const char* name, const std::string& nasName) {
  return std::string("radius_") + area + (nasName.empty() ? "_" : "_client_") + name;
}
inline std::map<std::string, std::string> counterLabels(const std::string& nasName) {
  if (nasName.empty()) return {};
  return {{"nas", nasName}};
}

// Declares every family of `table` (again: the same counters) and returns their handles.
template <class Counters, size_t N>
Counters declareCounters(core::CounterRegistry& r, const CounterName<Counters> (&table)[N], const char* area,
                         const std::string& nasName) {
  const std::map<std::string, std::string> labels = counterLabels(nasName);
  Counters out;
  for (const CounterName<Counters>& c : table) out.*c.member = &r.counter(counterFamily(area, c.name, nasName), c.help, labels);
  return out;
}

// The counter of `which` as declared so far, or nullptr; declares nothing.
template <class Counters, size_t N>
const core::Counter* findCounter(const core::CounterRegistry& r, const CounterName<Counters> (&table)[N],
                                 const char* area, core::Counter* Counters::*which, const std::string& nasName) {
  for (const CounterName<Counters>& c : table)
    if (c.member == which) return r.find(counterFamily(area, c.name, nasName), counterLabels(nasName));
  return nullptr;
}

}  // namespace aaa::radius
