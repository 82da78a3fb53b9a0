// Insight's daily features from what the platform holds (issue 26): one day of every customer of a
// tenant who holds a subscriber and existed that day, written into insight_customer_days (a quiet day
// too: an empty row says the customer was still there). Filled from real data:
//   usage_mb        octets down + up of the closed sessions that stopped that day, in MB
//   sessions        closed sessions that started that day
//   outage_minutes  minutes of that day an outage alert listing the customer was open (offline box,
//                   device-unreachable; each alert counted, at most 1440)
// The other features (rejects, quota, top-ups, plan changes, late invoices, failed payments, dunning)
// stay 0 here: docs/insight.md "Not yet". Sessions still open are not seen (the box sends closed ones).
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt::insight {

struct CollectReport {
  int64_t customers = 0;  // days written
  int64_t active = 0;     // of them, with a session or an outage
};

// `day` in days since 1970-01-01 UTC; a day collected again is replaced.
core::Result<CollectReport> collectDay(store::Storage& storage, const std::string& tenantId, int32_t day);

}  // namespace mgmt::insight
