#include "mgmt/insight/features.h"

#include <algorithm>
#include <cmath>

namespace mgmt::insight {

const char* dayFeatureName(int feature) {
  static const char* const kNames[kDayFeatureCount] = {
      "usage_mb", "sessions", "rejects", "quota_exhausted", "top_ups", "plan_up",
      "plan_down", "invoice_late", "payment_failed", "dunning_step", "outage_minutes"};
  return feature >= 0 && feature < kDayFeatureCount ? kNames[feature] : "unknown";
}

const char* windowFeatureName(int feature) {
  static const char* const kNames[kWindowFeatureCount] = {
      "usage_trend", "session_trend", "rejects_90d", "quota_exhausted_90d", "top_ups_90d",
      "downgrades_90d", "upgrades_90d", "late_invoices_180d", "failed_payments_90d", "dunning_max_60d",
      "outage_minutes_180d", "tenure", "usage_level", "usage_trend_14d", "usage_vs_baseline"};
  return feature >= 0 && feature < kWindowFeatureCount ? kNames[feature] : "unknown";
}

std::string packDay(const Day& day) {
  int last = kDayFeatureCount;
  while (last > 0 && day[last - 1] == 0) --last;
  std::string out;
  for (int i = 0; i < last; ++i) {
    uint32_t v = day[i];
    do {
      uint8_t b = v & 0x7f;
      v >>= 7;
      out.push_back(static_cast<char>(v != 0 ? (b | 0x80) : b));
    } while (v != 0);
  }
  return out;
}

core::Result<Day> unpackDay(std::string_view packed) {
  Day day{};
  size_t pos = 0;
  for (int i = 0; i < kDayFeatureCount && pos < packed.size(); ++i) {
    uint32_t v = 0;
    int shift = 0;
    while (true) {
      if (pos >= packed.size()) return core::invalidArgument("insight day: truncated value of " + std::string(dayFeatureName(i)));
      const uint8_t b = static_cast<uint8_t>(packed[pos++]);
      v |= static_cast<uint32_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) break;
      shift += 7;
      if (shift > 14) return core::invalidArgument("insight day: value of " + std::string(dayFeatureName(i)) + " too long");
    }
    if (v > 0xffff) return core::invalidArgument("insight day: value of " + std::string(dayFeatureName(i)) + " past 65535");
    day[i] = static_cast<uint16_t>(v);
  }
  // A newer release may have appended features this one does not know: they are ignored only if
  // they are well-formed varints, so a corrupt blob is not mistaken for a newer one.
  while (pos < packed.size()) {
    int bytes = 0;
    while (pos < packed.size() && (static_cast<uint8_t>(packed[pos]) & 0x80) != 0) {
      ++pos;
      if (++bytes > 2) return core::invalidArgument("insight day: trailing value too long");
    }
    if (pos >= packed.size()) return core::invalidArgument("insight day: truncated trailing value");
    ++pos;
  }
  return day;
}

namespace {

// Sum of feature f over days [from, to) clipped to the history.
int64_t sumOver(const History& h, int f, int32_t from, int32_t to) {
  from = std::max(from, h.firstDay);
  to = std::min(to, h.endDay());
  int64_t s = 0;
  for (int32_t d = from; d < to; ++d) s += h.days[d - h.firstDay][f];
  return s;
}

int64_t maxOver(const History& h, int f, int32_t from, int32_t to) {
  from = std::max(from, h.firstDay);
  to = std::min(to, h.endDay());
  int64_t m = 0;
  for (int32_t d = from; d < to; ++d) m = std::max<int64_t>(m, h.days[d - h.firstDay][f]);
  return m;
}

// Days of [from, to) the history covers.
int32_t covered(const History& h, int32_t from, int32_t to) {
  return std::max(0, std::min(to, h.endDay()) - std::max(from, h.firstDay));
}

// log ratio of the last 30 days' rate to the 60 before's, both per 30 days; 0 when either window is
// missing (a new customer has no trend).
double trend(double recent, int32_t recentDays, double prior, int32_t priorDays, double smooth) {
  if (recentDays < 7 || priorDays < 14) return 0;
  const double r = recent * 30.0 / recentDays, p = prior * 30.0 / priorDays;
  return std::log((r + smooth) / (p + smooth));
}

}  // namespace

Window windowAt(const History& h, int32_t at) {
  Window w;
  const int32_t d30 = covered(h, at - 30, at), dPrior = covered(h, at - 90, at - 30);
  const double u30 = static_cast<double>(sumOver(h, kUsageMb, at - 30, at));
  const double uPrior = static_cast<double>(sumOver(h, kUsageMb, at - 90, at - 30));
  const double s30 = static_cast<double>(sumOver(h, kSessions, at - 30, at));
  const double sPrior = static_cast<double>(sumOver(h, kSessions, at - 90, at - 30));
  w.usage30 = d30 > 0 ? u30 * 30.0 / d30 : 0;
  w.usagePrior30 = dPrior > 0 ? uPrior * 30.0 / dPrior : 0;
  w.sessions30 = d30 > 0 ? s30 * 30.0 / d30 : 0;
  w.sessionsPrior30 = dPrior > 0 ? sPrior * 30.0 / dPrior : 0;
  w.rejects90 = sumOver(h, kRejects, at - 90, at);
  w.quota90 = sumOver(h, kQuotaExhausted, at - 90, at);
  w.topUps90 = sumOver(h, kTopUps, at - 90, at);
  w.downgrades90 = sumOver(h, kPlanDown, at - 90, at);
  w.upgrades90 = sumOver(h, kPlanUp, at - 90, at);
  w.late180 = sumOver(h, kInvoiceLate, at - 180, at);
  w.failed90 = sumOver(h, kPaymentFailed, at - 90, at);
  w.dunning60 = maxOver(h, kDunningStep, at - 60, at);
  w.outage180 = sumOver(h, kOutageMinutes, at - 180, at);
  w.tenureDays = std::max<int64_t>(0, at - h.joinedDay);

  w.x[kUsageTrend] = trend(u30, d30, uPrior, dPrior, 300.0);
  w.x[kSessionTrend] = trend(s30, d30, sPrior, dPrior, 3.0);
  w.x[kRejects90] = std::log1p(static_cast<double>(w.rejects90));
  w.x[kQuota90] = std::log1p(static_cast<double>(w.quota90));
  w.x[kTopUps90] = std::log1p(static_cast<double>(w.topUps90));
  w.x[kDowngrades90] = static_cast<double>(w.downgrades90);
  w.x[kUpgrades90] = static_cast<double>(w.upgrades90);
  w.x[kLate180] = static_cast<double>(w.late180);
  w.x[kFailed90] = static_cast<double>(w.failed90);
  w.x[kDunning60] = static_cast<double>(w.dunning60);
  w.x[kOutage180] = std::log1p(static_cast<double>(w.outage180) / 60.0);
  // Capped at 180 days: a history read back from storage over the last 180 days says no more.
  w.x[kTenure] = std::log1p(static_cast<double>(std::min<int64_t>(w.tenureDays, 180)));
  w.x[kUsageLevel] = std::log1p(d30 > 0 ? u30 / d30 : 0.0);
  const int32_t d14 = covered(h, at - 14, at);
  const double u14 = static_cast<double>(sumOver(h, kUsageMb, at - 14, at));
  w.usage14 = d14 > 0 ? u14 * 30.0 / d14 : 0;
  w.x[kUsageTrend14] = trend(u14, d14, uPrior, dPrior, 300.0);
  const int32_t dBase = covered(h, at - 180, at - 90);
  const double uBase = static_cast<double>(sumOver(h, kUsageMb, at - 180, at - 90));
  w.usageBaseline30 = dBase > 0 ? uBase * 30.0 / dBase : 0;
  w.x[kUsageVsBaseline] = trend(u30, d30, uBase, dBase, 300.0);
  return w;
}

}  // namespace mgmt::insight
