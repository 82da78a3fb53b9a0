// Revenue reports over subscriptions (issue 24 "Reports"; docs/billing.md "Revenue: MRR, ARPU,
// churned revenue"; ADR 0072): pure arithmetic over the subscriptions as stored, no I/O.
//
// Definitions (the docs say the same in words):
//  - A subscription's monthly value on a day: the price of its plan segment in force that day,
//    times its phase factor that day (0 in the trial, 10000 - discount during the discount periods,
//    else 10000, in basis points), divided by its period in months (1, 3 or 12): an exact rational
//    kept in 1 / kRevenueScale minor units. A subscription is in force on a day from its start day
//    to the day before its end day (a cancelled one's end day is the first day not served).
//  - A month closes on its last day, or on the report's day for the month holding it.
//  - MRR of a month: the sum of the monthly values in force on its close, rounded half up once.
//  - Paying customers: customers with a positive monthly value on the close; ARPU: the exact MRR
//    divided by them, rounded half up once (0 without one).
//  - Churned revenue of a month: the monthly values, on the previous month's close, of the
//    subscriptions in force then that ended before this close (end day in (previous close, close]),
//    summed then rounded once; the count is of those with a positive value. So
//    MRR = previous MRR - churned + new + expansion - contraction.
//  Money is in the tenant's billing currency's minor units, as the plans are priced (without tax
//  unless the tenant's prices include it).
#pragma once

#include <cstdint>
#include <vector>

#include "mgmt/billing/billing_store.h"

namespace mgmt::billing {

inline constexpr int64_t kRevenueScale = 10000 * 12;  // basis points x months: every value is whole

// The subscription's monthly value on `day` in 1 / kRevenueScale minor units (0 when not in force).
__int128 monthlyValue(const Subscription& s, int64_t day);

struct RevenueMonth {
  int64_t start = 0;  // the month's first day
  int64_t close = 0;  // the day it closes on: its last day, or the report's day
  int64_t mrr = 0, customers = 0, arpu = 0;
  int64_t churned = 0, churnedSubscriptions = 0;
};

// `months` months (1..36) up to and including the month holding `day`, oldest first.
std::vector<RevenueMonth> revenueSeries(const std::vector<Subscription>& subs, int64_t day, int months);

}  // namespace mgmt::billing
