// Sample insight for a demo tenant (issue 26; `mgmtctl insight demo`, scripts/demo), so that its
// Customer insight, Alerts and Notifications pages are not empty: a customer record for each of its
// sample subscribers that has none ("Sample customer demo00001", an example.invalid address, every
// fourth with a phone and SMS as their channel); 400 days of daily features for every customer from
// the documented generator (generator.h: the same mechanism the model's backtest uses), and the
// generator's leavers under ids of their own ("left-N", no customer record) to learn from; one past
// outage of the box serving the most subscribers (an offline alert three days ago, closed after
// 2 h 40 min, its impact stored) with the notifications it would have sent (marked sent: nothing is
// mailed or texted); and a planned maintenance of that box in a week. Demo tenants only
// (kFailedPrecondition otherwise); written once (kAlreadyExists the second time). Train and score
// afterwards (insight-train, insight-score) for the scores.
#pragma once

#include <cstdint>

#include "core/status.h"
#include "mgmt/store/sql.h"
#include "mgmt/tenancy/tenant_store.h"

namespace mgmt::insight {

struct DemoSample {
  int64_t customersAdded = 0, histories = 0, alertId = 0, affected = 0, notifications = 0, maintenanceId = 0;
};

// `today` in days since 1970-01-01; `now` Unix seconds.
core::Result<DemoSample> writeDemoSample(store::Transaction& tx, const tenancy::Tenant& tenant, int32_t today,
                                         int64_t now);

}  // namespace mgmt::insight
