#include "billing/invoicing/proration.h"

#include <string>

namespace billing {

bool isPeriodLength(int64_t days) {
  return (days >= 28 && days <= 31) || (days >= 89 && days <= 92) || days == 365 || days == 366;
}

core::Result<__int128> exactValue(const Piece& p) {
  if (!isPeriodLength(p.periodDays))
    return core::internalError("proration: a period of " + std::to_string(p.periodDays) + " days");
  if (p.days < 0 || p.days > p.periodDays) return core::invalidArgument("proration: days out of the period");
  if (p.factor < 0 || p.factor > 10000) return core::invalidArgument("proration: factor out of 0..10000");
  if (p.priceMinor > kMaxPrice || p.priceMinor < -kMaxPrice)
    return core::invalidArgument("proration: a price beyond " + std::to_string(kMaxPrice) + " minor units");
  // price * days * factor * (L / periodDays): |price| <= 1e12, days <= 366, factor <= 1e4 and
  // L / periodDays < 5e12: below 2e31, far inside __int128.
  return static_cast<__int128>(p.priceMinor) * p.days * p.factor * (kPeriodLengthLcm / p.periodDays);
}

int64_t chargeWithResidual(__int128 exact, int64_t& residual) {
  const __int128 total = exact + residual;
  const __int128 scale = kResidualScale;
  // floor((total + scale / 2) / scale): half up, towards +infinity.
  __int128 shifted = total + scale / 2;
  __int128 q = shifted / scale;
  if (shifted % scale != 0 && shifted < 0) --q;
  residual = static_cast<int64_t>(total - q * scale);
  return static_cast<int64_t>(q);
}

}  // namespace billing
