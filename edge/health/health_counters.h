// The health monitor's counters, declared here once (core/counters.h): the monitor sets them, SNMP
// serves them (EDGED-MIB edgedSubscribers, edgedSessions, edgedLicense, edgedJournal) and
// edgectl stats and /metrics list them. The labelled families (per alert, per plan) are declared
// here too and made when a label value first occurs.
#pragma once

#include <string>

#include "core/counters.h"

namespace edge {

struct HealthCounters {
  explicit HealthCounters(core::CounterRegistry& r)
      : registry(r),
        subscribers(r.gauge("edged_subscribers", "Subscribers in any state")),
        subscribersActive(r.gauge("edged_subscribers_active", "Subscribers in state active")),
        subscribersSuspended(r.gauge("edged_subscribers_suspended", "Subscribers in state suspended")),
        subscribersDisabled(r.gauge("edged_subscribers_disabled", "Subscribers in state disabled")),
        licenseState(r.gauge("edged_license_state", "License state: 1 none, 2 valid, 3 expiring, 4 grace, 5 expired")),
        licenseCap(r.gauge("edged_license_subscriber_cap", "Subscribers the license allows (0 = unlimited or none)")),
        licenseExpiry(r.gauge("edged_license_expiry_timestamp_seconds", "When the license expires (0 = no license)")),
        commitSeconds(r.gauge("acct_journal_commit_seconds", "Duration of the last accounting group commit", {},
                              1000000)),  // held in microseconds
        dataFree(r.gauge("edged_data_free_bytes", "Free bytes on the data directory's file system")),
        dataSize(r.gauge("edged_data_size_bytes", "Size of the data directory's file system")) {}

  // edged_alerts_active{alert}: whether the alert's condition holds now.
  core::Counter& alertActive(const std::string& alert) {
    return registry.gauge("edged_alerts_active",
                          "Whether the alert's condition holds now (nas-silent, certificate-*: how many NAS clients, certificates); its "
                          "notification is sent again only after this went back to 0",
                          {{"alert", alert}});
  }
  // edged_alerts_total{alert}: made when the alert is first raised.
  core::Counter& alertsRaised(const std::string& alert) {
    return registry.counter("edged_alerts_total", "Alerts raised (logged, in the event list, sent as notifications)",
                            {{"alert", alert}});
  }
  // radius_plan_sessions_online{plan}: made when the plan is first seen.
  core::Counter& planSessions(const std::string& plan) {
    return registry.gauge("radius_plan_sessions_online", "Live sessions of the plan's subscribers", {{"plan", plan}});
  }

  core::CounterRegistry& registry;
  core::Counter& subscribers;
  core::Counter& subscribersActive;
  core::Counter& subscribersSuspended;
  core::Counter& subscribersDisabled;
  core::Counter& licenseState;
  core::Counter& licenseCap;
  core::Counter& licenseExpiry;
  core::Counter& commitSeconds;  // microseconds
  core::Counter& dataFree;
  core::Counter& dataSize;
};

}  // namespace edge
