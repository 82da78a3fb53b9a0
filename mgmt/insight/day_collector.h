// Insight's daily features from what the platform holds (issue 26): one day of every customer of a
// tenant who holds a subscriber and existed that day, written into insight_customer_days (a quiet day
// too: an empty row says the customer was still there). Filled from real data:
//   usage_mb        octets down + up of the closed sessions that stopped that day, in MB
//   sessions        closed sessions that started that day
//   outage_minutes  minutes of that day an outage alert listing the customer was open (offline box,
//                   device-unreachable; each alert counted, at most 1440)
//   top_ups         top-ups the customer's subscriber paid for that day (self-care, ADR 0058)
//   dunning_step    the highest dunning step of the customer's subscriptions when the day is
//                   collected (ADR 0047; the job collects the night after: the day's last standing)
// The other features (rejects, quota, plan changes, late invoices, failed payments) stay 0 here:
// docs/insight.md "Not yet". Sessions still open count when they close (the box sends closed ones).
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt::insight {

struct CollectReport {
  int64_t customers = 0;  // days written
  int64_t active = 0;     // of them, with anything that day (a session, an outage, a top-up, dunning)
};

// `day` in days since 1970-01-01 UTC; a day collected again is replaced.
core::Result<CollectReport> collectDay(store::Storage& storage, const std::string& tenantId, int32_t day);

}  // namespace mgmt::insight
