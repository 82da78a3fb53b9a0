// Billing rules of a plan as pure functions: billing periods, data and time quotas, fair-use tiers,
// time-of-day windows and top-ups. No I/O, no clock: the caller passes `now` and the usage.
//
// Local time is the process's time zone (the box's configured zone: TZ, set once at start before
// any thread), through localtime_r/mktime, so periods follow the zone's DST changes: a "day" is
// from local midnight to local midnight (23 or 25 hours on a change day).
//
// Money is integer minor units (cents) with the currency's ISO 4217 exponent; never floating point.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/status.h"

namespace billing {

struct Rate {
  uint64_t downBps = 0;  // subscriber's download
  uint64_t upBps = 0;
  bool operator==(const Rate& o) const { return downBps == o.downBps && upBps == o.upBps; }
};

enum class PeriodUnit { kDay, kWeek, kMonth, kDays };
enum class PeriodAnchor { kCalendar, kSubscriber };

struct PeriodSpec {
  PeriodUnit unit = PeriodUnit::kMonth;
  uint32_t days = 0;  // kDays only
  PeriodAnchor anchor = PeriodAnchor::kCalendar;
};

// A fair-use tier: once the period's counted bytes reach `afterBytes`, the rate becomes `rate`
// (kRate), or access ends (kBlock), or only the portal's top-up page is reachable (kRedirect,
// gateway mode; a NAS of our own treats it as a block).
struct FupTier {
  enum class Kind { kRate, kBlock, kRedirect };
  uint64_t afterBytes = 0;
  Kind kind = Kind::kRate;
  Rate rate;
};

// A daily window [start, end) in local minutes since midnight; end <= start wraps past midnight.
// Traffic inside an `uncounted` window is not counted against the data quota (and a data block does
// not apply there); a window with a rate sets the rate inside it.
struct TimeWindow {
  uint32_t startMinute = 0;
  uint32_t endMinute = 0;
  bool uncounted = false;
  std::optional<Rate> rate;
  bool contains(uint32_t minuteOfDay) const;
};

struct BillingRules {
  int64_t priceMinor = 0;  // price per period in minor units of `currency`
  std::string currency;    // ISO 4217, "" when free
  PeriodSpec period;
  uint64_t dataQuota = 0;        // bytes per period; 0 = unlimited (tiers may still block)
  uint64_t timeQuota = 0;        // online seconds per period; 0 = unlimited
  uint64_t validitySeconds = 0;  // from first login; 0 = no validity limit
  std::vector<FupTier> tiers;    // ascending afterBytes
  std::vector<TimeWindow> windows;

  bool hasQuota() const { return dataQuota > 0 || timeQuota > 0 || !tiers.empty(); }
};

// [start, end) in Unix seconds.
struct Interval {
  int64_t start = 0;
  int64_t end = 0;
  bool operator==(const Interval& o) const { return start == o.start && end == o.end; }
};

// The period holding `now`. `anchor` (Unix seconds) is the subscriber's start (first login, else
// creation), used with PeriodAnchor::kSubscriber: monthly periods then start on the anchor's day of
// the month (the 31st becomes the month's last day), weekly and N-day periods count from the
// anchor's local midnight. Calendar N-day periods count from 1970-01-01 (local).
Interval periodAt(const PeriodSpec& spec, int64_t now, int64_t anchor);

// The window active at `now` (local), if any (the first that matches).
const TimeWindow* windowAt(const BillingRules& rules, int64_t now);

// What a subscriber used in the current period, and what was topped up for it.
struct QuotaUsage {
  uint64_t bytes = 0;    // counted octets, in + out
  uint64_t seconds = 0;  // online seconds
  uint64_t bonusBytes = 0;
  uint64_t bonusSeconds = 0;
};

struct QuotaDecision {
  bool allow = true;
  bool redirect = false;  // kRedirect tier reached (allow stays false for a NAS)
  std::string reason;     // why not allowed: "data quota used up", "time quota used up"
  Rate rate;              // the rate to apply now
  int tier = -1;          // the fair-use tier in force (index into tiers), -1 = full rate
  int window = -1;        // the active window (index into windows), -1 = none
  // Until the hard stop (a block or redirect tier, or the data quota), including top-ups; unset
  // when there is none. The NAS can enforce it exactly (Mikrotik-Total-Limit, ...).
  std::optional<uint64_t> remainingBytes;
  std::optional<uint64_t> remainingSeconds;
};

// The pure quota decision: base rate from the plan, usage of the current period, `now` for windows.
QuotaDecision evaluate(const BillingRules& rules, const Rate& planRate, const QuotaUsage& usage, int64_t now);

// Counted or not: usage at `at` inside an uncounted window is not counted against the data quota.
bool countsAgainstData(const BillingRules& rules, int64_t at);

// Parsers for what operators type (each error quotes the input and says what is expected).
core::Result<PeriodSpec> parsePeriod(const std::string& text);            // month|week|day|30d
core::Result<PeriodAnchor> parseAnchor(const std::string& text);          // calendar|subscriber
core::Result<FupTier> parseFup(const std::string& text);                  // 1GB:2M/1M | 2GB:block | 2GB:redirect
core::Result<TimeWindow> parseWindow(const std::string& text);            // 00:00-06:00:uncounted | 22:00-06:00:20M/10M
core::Result<uint64_t> parseDuration(const std::string& text);            // 90s, 45m, 10h, 30d, 2w
core::Result<int64_t> parseMoney(const std::string& amount, const std::string& currency);  // "19.99", "USD" -> 1999
core::Result<Rate> parseRatePair(const std::string& text);                // 2M/1M (both above zero)
// Tiers must ascend strictly, nothing may follow a block or redirect tier, and a data quota must
// not lie below a rate tier it would make unreachable.
core::Status validate(const BillingRules& rules);

// The stored and shown form: {"price": 1999, "currency": "USD", "period": "month", "period-anchor":
// "calendar", "data-quota": 0, "time-quota": 0, "validity": 0, "fup": ["1GB:2M/1M", "2GB:block"],
// "windows": ["00:00-06:00:uncounted"]}; absent keys take the defaults.
core::Json rulesToJson(const BillingRules& rules);
core::Result<BillingRules> rulesFromJson(const core::Json& json);

std::string formatPeriod(const PeriodSpec& spec);
std::string formatFup(const FupTier& tier);
std::string formatWindow(const TimeWindow& window);
std::string formatRatePair(const Rate& rate);                         // "2M/1M"
std::string formatDuration(uint64_t seconds);
std::string formatMoney(int64_t minor, const std::string& currency);  // "19.99 USD"
int currencyExponent(const std::string& currency);                   // 2, or 0 (JPY), 3 (BHD)

}  // namespace billing
