// Revenue reports (revenue.h): MRR, paying customers, ARPU and churned revenue by month.
#include "mgmt/billing/revenue.h"

#include <algorithm>
#include <set>
#include <string>

#include "billing/invoicing/calendar.h"

namespace mgmt::billing {

namespace {

// The phase factor on `day` (basis points), as appendLines bills it: trial 0, then the discount for
// its periods after the trial's period, then full price.
int64_t revenueFactorAt(const Subscription& s, int64_t day) {
  const int64_t trialEnd = s.startDay + s.trialDays;
  if (day < trialEnd) return 0;
  if (s.discountPeriods > 0 && s.discountBp > 0) {
    const ::billing::PeriodRule rule{s.startDay, static_cast<unsigned>(s.anchorDay), static_cast<unsigned>(s.periodMonths)};
    const int64_t discountEnd = ::billing::periodAfter(rule, ::billing::periodContaining(rule, trialEnd), s.discountPeriods).start;
    if (day < discountEnd) return 10000 - s.discountBp;
  }
  return 10000;
}

int64_t revenueRound(__int128 exact, __int128 divisor) {  // half up, both > 0 (exact >= 0)
  return static_cast<int64_t>((2 * exact + divisor) / (2 * divisor));
}

int64_t revenueMonthStart(int64_t day, int back) {
  int64_t y;
  unsigned m, d;
  ::billing::civilFromDays(day, y, m, d);
  int64_t index = y * 12 + (m - 1) - back;
  return ::billing::daysFromCivil(index / 12, static_cast<unsigned>(index % 12 + 1), 1);
}

}  // namespace

__int128 monthlyValue(const Subscription& s, int64_t day) {
  if (day < s.startDay || (s.endDay > 0 && day >= s.endDay) || s.segments.empty() || s.periodMonths <= 0) return 0;
  const Segment* seg = &s.segments.front();
  for (const Segment& g : s.segments)
    if (g.fromDay <= day) seg = &g;
  return static_cast<__int128>(seg->price) * revenueFactorAt(s, day) * (12 / s.periodMonths);
}

std::vector<RevenueMonth> revenueSeries(const std::vector<Subscription>& subs, int64_t day, int months) {
  std::vector<RevenueMonth> out;
  for (int back = months - 1; back >= 0; --back) {
    RevenueMonth m;
    m.start = revenueMonthStart(day, back);
    m.close = back == 0 ? day : std::min(revenueMonthStart(day, back - 1) - 1, day);
    const int64_t previousClose = m.start - 1;
    __int128 mrr = 0, churned = 0;
    std::set<std::string> paying;
    for (const Subscription& s : subs) {
      const __int128 v = monthlyValue(s, m.close);
      if (v > 0) {
        mrr += v;
        paying.insert(s.username);
      }
      // In force at the previous close, and not at this one because it ended.
      if (s.endDay > previousClose && s.endDay <= m.close) {
        const __int128 was = monthlyValue(s, previousClose);
        if (was > 0) {
          churned += was;
          ++m.churnedSubscriptions;
        }
      }
    }
    m.mrr = revenueRound(mrr, kRevenueScale);
    m.customers = static_cast<int64_t>(paying.size());
    m.arpu = paying.empty() ? 0 : revenueRound(mrr, static_cast<__int128>(kRevenueScale) * m.customers);
    m.churned = revenueRound(churned, kRevenueScale);
    out.push_back(m);
  }
  return out;
}

}  // namespace mgmt::billing
