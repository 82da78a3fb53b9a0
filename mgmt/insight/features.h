// Insight's inputs (issue 26, ADR 0042): what a customer did on one day, packed compactly for the
// store, and the window features the churn model reads at a point in time. Pure: no storage, no
// clock. A day's values are small non-negative integers (megabytes, counts, minutes, a step).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace mgmt::insight {

// One customer's day. The order is the packed order: append new features at the end only.
enum DayFeature : int {
  kUsageMb = 0,      // megabytes down + up
  kSessions,         // sessions started
  kRejects,          // Access-Rejects (wrong password, suspended, equipment)
  kQuotaExhausted,   // 1 on the day the quota ran out
  kTopUps,           // top-ups bought
  kPlanUp,           // upgrades to a dearer plan
  kPlanDown,         // downgrades
  kInvoiceLate,      // invoices paid after their due date, on the day they were paid
  kPaymentFailed,    // payment attempts that failed
  kDunningStep,      // the dunning step the customer is at (0 = none, 1-3)
  kOutageMinutes,    // minutes of outage on the devices serving the customer
  kDayFeatureCount
};
using Day = std::array<uint16_t, kDayFeatureCount>;
const char* dayFeatureName(int feature);

// A day as stored: each value as an unsigned LEB128 varint, trailing zeros left out (a quiet day is
// a few bytes). unpackDay reads what an older release packed (fewer features: zeros) and refuses a
// truncated or over-long blob.
std::string packDay(const Day& day);
core::Result<Day> unpackDay(std::string_view packed);

// A customer's history: days[i] is day firstDay + i (days since 1970-01-01 UTC); the customer is
// active through firstDay + days.size() - 1. joinedDay may be earlier than firstDay (retention).
struct History {
  std::string tenantId, customerId;
  int32_t joinedDay = 0;
  int32_t firstDay = 0;
  std::vector<Day> days;
  int32_t endDay() const { return firstDay + static_cast<int32_t>(days.size()); }  // one past the last
};

// What the model reads about a customer as of day `at` (days before `at` only).
enum WindowFeature : int {
  kUsageTrend = 0,   // log((usage last 30 d + c) / (usage of the 60 d before, per 30 d + c))
  kSessionTrend,     // the same for sessions
  kRejects90,        // log(1 + rejects in 90 d)
  kQuota90,          // log(1 + quota exhaustions in 90 d)
  kTopUps90,         // log(1 + top-ups in 90 d)
  kDowngrades90,     // downgrades in 90 d
  kUpgrades90,       // upgrades in 90 d
  kLate180,          // invoices paid late in 180 d
  kFailed90,         // failed payments in 90 d
  kDunning60,        // highest dunning step in 60 d
  kOutage180,        // log(1 + outage hours in 180 d)
  kTenure,           // log(1 + days since joining, at most 180)
  kUsageLevel,       // log(1 + mean daily MB in 30 d)
  kUsageTrend14,     // the usage trend of the last 14 d against the same 60 d (a recent drop)
  kUsageVsBaseline,  // usage of the last 30 d against the 90 d before those 60 d (a long decline)
  kWindowFeatureCount
};
const char* windowFeatureName(int feature);

// The raw counts behind the features, kept for the factors' words.
struct Window {
  double usage30 = 0, usagePrior30 = 0;  // MB in the last 30 d; per 30 d over the 60 d before
  double usage14 = 0;                    // MB in the last 14 d, per 30 d
  double usageBaseline30 = 0;            // MB per 30 d over [at - 180, at - 90)
  double sessions30 = 0, sessionsPrior30 = 0;
  int64_t rejects90 = 0, quota90 = 0, topUps90 = 0, downgrades90 = 0, upgrades90 = 0;
  int64_t late180 = 0, failed90 = 0, dunning60 = 0, outage180 = 0, tenureDays = 0;
  std::array<double, kWindowFeatureCount> x{};
};
// The customer's window as of `at` (which must be > firstDay: at least one day seen).
Window windowAt(const History& h, int32_t at);

// Whether the customer was active on the day before `at` and so can be scored then.
inline bool activeAt(const History& h, int32_t at) { return at > h.firstDay && at <= h.endDay(); }

}  // namespace mgmt::insight
