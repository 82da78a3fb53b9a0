// The RADIUS counters other areas read (the health monitor's alerts, the technician UI's charts), as
// handles (ADR 0017). aaa/radius declares the servers' families once each (AuthCounters,
// AcctCounters: one table of names and help texts); this struct makes the server-wide ones and the
// sessions gauge RadiusService sets, so every reader gets the same counters, and a NAS client's
// request counters are found once and then read through pointers, not looked up by name per sample.
#pragma once

#include <cstdint>
#include <string>

#include "aaa/radius/acct_server.h"
#include "aaa/radius/server.h"
#include "core/counters.h"

namespace edge {

struct RadiusCounters {
  explicit RadiusCounters(core::CounterRegistry& r)
      : auth(aaa::radius::AuthCounters::registerIn(r, "")),
        acct(aaa::radius::AcctCounters::registerIn(r, "")),
        sessionsOnline(r.gauge("radius_sessions_online", "Live sessions in the ledger")) {}

  aaa::radius::AuthCounters auth;  // server-wide: radius_auth_*
  aaa::radius::AcctCounters acct;  // server-wide: radius_acct_*
  core::Counter& sessionsOnline;   // set by RadiusService on each tick
};

// A NAS client's Access- and Accounting-Requests. The servers declare a NAS's counters at its first
// request, so they are looked for (CounterRegistry::find, without declaring them) until found, and
// only when the registry grew since the last look; after that a sample is two atomic loads.
class NasRequestCounters {
 public:
  // The requests of the NAS named `nas` counted so far (0 before its first one). Give the same NAS
  // to one object each time.
  uint64_t requests(const core::CounterRegistry& r, const std::string& nas) {
    if ((auth_ == nullptr || acct_ == nullptr) && r.generation() != generation_) {
      generation_ = r.generation();
      if (auth_ == nullptr) auth_ = aaa::radius::AuthCounters::find(r, &aaa::radius::AuthCounters::accessRequests, nas);
      if (acct_ == nullptr) acct_ = aaa::radius::AcctCounters::find(r, &aaa::radius::AcctCounters::requests, nas);
    }
    return (auth_ != nullptr ? auth_->value() : 0) + (acct_ != nullptr ? acct_->value() : 0);
  }

 private:
  const core::Counter* auth_ = nullptr;
  const core::Counter* acct_ = nullptr;
  uint64_t generation_ = UINT64_MAX;
};

}  // namespace edge
