// Proration to the day, cent-exact over a subscription's life.
//
// The rule (docs/billing.md, "Rounding"): a piece of a billing period is worth
//   price * days / periodDays * factor / 10000
// exactly (factor: 10000 = full price, 8000 = 20 % off, 0 = trial). What is charged is that exact
// value plus the subscription's carried residual, rounded half up (towards +infinity) to a minor
// unit; what rounding left over is the new residual, always in [-1/2, +1/2) of a minor unit. So the
// sum charged over any history equals the rounded sum of the exact values: no cent drifts, neither
// by many small pieces nor by credits (negative pieces) that undo charges.
//
// The residual is an integer in units of 1 / kResidualScale minor units, where kResidualScale is
// 10000 times the least common multiple of every period length in days (months 28..31, quarters
// 89..92, years 365 and 366): every piece's exact value is a whole number of those units.
#pragma once

#include <cstdint>

#include "core/status.h"

namespace billing {

inline constexpr int64_t kPeriodLengthLcm = 134228311455420;  // lcm(28..31, 89..92, 365, 366)
inline constexpr int64_t kResidualScale = 10000 * kPeriodLengthLcm;
inline constexpr int64_t kMaxPrice = 1000000000000;  // minor units per period (10^10 of a 2-decimal currency)

// Whether a period of `days` days is one proration can divide by exactly.
bool isPeriodLength(int64_t days);

struct Piece {
  int64_t priceMinor = 0;  // the whole period's price; negative for a credit
  int64_t days = 0;        // 0..periodDays
  int64_t periodDays = 0;  // the period's length (isPeriodLength)
  int64_t factor = 10000;  // 0..10000
};

// The piece's exact value in 1 / kResidualScale minor units (kInternal for a period length it cannot
// divide by, kInvalidArgument for days or a factor out of range, or a price beyond kMaxPrice).
core::Result<__int128> exactValue(const Piece& piece);

// Charges `exact` (in 1 / kResidualScale minor units) with the carried `residual`: returns the
// amount in minor units and leaves the new residual in `residual`.
int64_t chargeWithResidual(__int128 exact, int64_t& residual);

}  // namespace billing
