#include "billing/rating/rules.h"

#include <cstdlib>
#include <ctime>
#include <string>

#include <CppUTest/TestHarness.h>

namespace {

using billing::BillingRules;
using billing::FupTier;
using billing::Interval;
using billing::PeriodSpec;
using billing::QuotaUsage;
using billing::Rate;

// Unix time of a local wall-clock time in the current TZ.
int64_t local(int y, int mo, int d, int h = 0, int mi = 0) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_isdst = -1;
  return static_cast<int64_t>(mktime(&tm));
}

void useZone(const char* zone) {
  setenv("TZ", zone, 1);
  tzset();
}

PeriodSpec spec(const std::string& text, billing::PeriodAnchor anchor = billing::PeriodAnchor::kCalendar) {
  core::Result<PeriodSpec> p = billing::parsePeriod(text);
  CHECK_TEXT(p.isOk(), p.status().message().c_str());
  p->anchor = anchor;
  return *p;
}

BillingRules rules(std::initializer_list<const char*> fups, uint64_t dataQuota = 0) {
  BillingRules r;
  for (const char* f : fups) {
    core::Result<FupTier> t = billing::parseFup(f);
    CHECK_TEXT(t.isOk(), t.status().message().c_str());
    r.tiers.push_back(*t);
  }
  r.dataQuota = dataQuota;
  CHECK(billing::validate(r).isOk());
  return r;
}

constexpr uint64_t kGB = 1000000000ull;
const Rate kPlan{10000000, 5000000};

}  // namespace

TEST_GROUP(BillingPeriods) {
  void setup() override { useZone("Europe/Berlin"); }
  void teardown() override { useZone("UTC"); }
};

TEST(BillingPeriods, CalendarMonthFromTheFirstToTheFirstAcrossYearEnd) {
  Interval i = billing::periodAt(spec("month"), local(2026, 12, 31, 23, 59), 0);
  CHECK(i == (Interval{local(2026, 12, 1), local(2027, 1, 1)}));
  i = billing::periodAt(spec("month"), local(2027, 1, 1, 0, 0), 0);
  CHECK(i == (Interval{local(2027, 1, 1), local(2027, 2, 1)}));
}

TEST(BillingPeriods, DaysAcrossDaylightSavingChangesAreLocalMidnightToMidnight) {
  // 2026-03-29: clocks go 02:00 -> 03:00 in Berlin (a 23-hour day); 2026-10-25: 03:00 -> 02:00 (25 h).
  Interval spring = billing::periodAt(spec("day"), local(2026, 3, 29, 12), 0);
  LONGS_EQUAL(23 * 3600, spring.end - spring.start);
  CHECK(spring.start == local(2026, 3, 29));
  Interval autumn = billing::periodAt(spec("day"), local(2026, 10, 25, 12), 0);
  LONGS_EQUAL(25 * 3600, autumn.end - autumn.start);
  // A month holding the change is simply shorter by an hour.
  Interval march = billing::periodAt(spec("month"), local(2026, 3, 15), 0);
  LONGS_EQUAL(31 * 86400 - 3600, march.end - march.start);
}

TEST(BillingPeriods, SubscriberAnchoredMonthsClampToShortMonthsAndLeapDays) {
  const int64_t anchor = local(2027, 1, 31, 14, 30);  // started on the 31st
  auto monthly = spec("month", billing::PeriodAnchor::kSubscriber);
  // February 2028 has 29 days: the period runs from Jan 31 to Feb 29, then Feb 29 to Mar 31.
  CHECK(billing::periodAt(monthly, local(2028, 2, 10), anchor) == (Interval{local(2028, 1, 31), local(2028, 2, 29)}));
  CHECK(billing::periodAt(monthly, local(2028, 2, 29, 8), anchor) == (Interval{local(2028, 2, 29), local(2028, 3, 31)}));
  // 2027 is no leap year: Feb 28.
  CHECK(billing::periodAt(monthly, local(2027, 3, 1), anchor) == (Interval{local(2027, 2, 28), local(2027, 3, 31)}));
  // Before the anchor's day in the month: the period began last month.
  CHECK(billing::periodAt(monthly, local(2027, 4, 30), anchor) == (Interval{local(2027, 4, 30), local(2027, 5, 31)}));
  CHECK(billing::periodAt(monthly, local(2027, 4, 29), anchor) == (Interval{local(2027, 3, 31), local(2027, 4, 30)}));
}

TEST(BillingPeriods, WeeksStartOnMondayOrOnTheSubscribersDay) {
  // 2026-11-21 is a Saturday.
  CHECK(billing::periodAt(spec("week"), local(2026, 11, 21, 18), 0) == (Interval{local(2026, 11, 16), local(2026, 11, 23)}));
  auto weekly = spec("week", billing::PeriodAnchor::kSubscriber);
  const int64_t anchor = local(2026, 11, 4, 9);  // a Wednesday
  CHECK(billing::periodAt(weekly, local(2026, 11, 21, 18), anchor) == (Interval{local(2026, 11, 18), local(2026, 11, 25)}));
}

TEST(BillingPeriods, NDayPeriodsCountFromTheAnchor) {
  auto thirty = spec("30d", billing::PeriodAnchor::kSubscriber);
  const int64_t anchor = local(2026, 10, 1, 15);
  CHECK(billing::periodAt(thirty, local(2026, 10, 30, 23), anchor) == (Interval{local(2026, 10, 1), local(2026, 10, 31)}));
  CHECK(billing::periodAt(thirty, local(2026, 10, 31, 0), anchor) == (Interval{local(2026, 10, 31), local(2026, 11, 30)}));
}

TEST_GROUP(BillingQuota) {
  void setup() override { useZone("UTC"); }
};

TEST(BillingQuota, TiersStepDownThenBlockAtTheExactByte) {
  BillingRules r = rules({"1GB:2M/1M", "2GB:block"});
  const int64_t now = local(2026, 11, 21, 12);
  billing::QuotaDecision d = billing::evaluate(r, kPlan, QuotaUsage{kGB - 1, 0, 0, 0}, now);
  CHECK(d.allow);
  LONGS_EQUAL(-1, d.tier);
  CHECK(d.rate == kPlan);
  CHECK(*d.remainingBytes == 2 * kGB - (kGB - 1));
  d = billing::evaluate(r, kPlan, QuotaUsage{kGB, 0, 0, 0}, now);
  CHECK(d.allow);
  LONGS_EQUAL(0, d.tier);
  CHECK(d.rate == (Rate{2000000, 1000000}));
  d = billing::evaluate(r, kPlan, QuotaUsage{2 * kGB - 1, 0, 0, 0}, now);
  CHECK(d.allow);
  CHECK(*d.remainingBytes == 1);
  d = billing::evaluate(r, kPlan, QuotaUsage{2 * kGB, 0, 0, 0}, now);
  CHECK_FALSE(d.allow);
  STRCMP_EQUAL("data quota used up", d.reason.c_str());
  CHECK(*d.remainingBytes == 0);
}

TEST(BillingQuota, SixtyFourBitCountersPastFourGiB) {
  BillingRules r = rules({"5GiB:1M/1M"}, 8ull << 30);
  const int64_t now = local(2026, 11, 21, 12);
  billing::QuotaDecision d = billing::evaluate(r, kPlan, QuotaUsage{(5ull << 30) + 1, 0, 0, 0}, now);
  LONGS_EQUAL(0, d.tier);
  CHECK(*d.remainingBytes == (3ull << 30) - 1);
  d = billing::evaluate(r, kPlan, QuotaUsage{(8ull << 30), 0, 0, 0}, now);
  CHECK_FALSE(d.allow);
}

TEST(BillingQuota, TopUpsMoveEveryThresholdAndRestoreTheRate) {
  BillingRules r = rules({"1GB:2M/1M", "2GB:block"});
  const int64_t now = local(2026, 11, 21, 12);
  CHECK_FALSE(billing::evaluate(r, kPlan, QuotaUsage{2 * kGB, 0, 0, 0}, now).allow);
  billing::QuotaDecision d = billing::evaluate(r, kPlan, QuotaUsage{2 * kGB, 0, 5 * kGB, 0}, now);
  CHECK(d.allow);
  LONGS_EQUAL(-1, d.tier);
  CHECK(d.rate == kPlan);
  CHECK(*d.remainingBytes == 5 * kGB);
}

TEST(BillingQuota, TimeQuotaRejectsAndLimitsTheSession) {
  BillingRules r;
  r.timeQuota = 10 * 3600;
  const int64_t now = local(2026, 11, 21, 12);
  billing::QuotaDecision d = billing::evaluate(r, kPlan, QuotaUsage{0, 9 * 3600, 0, 0}, now);
  CHECK(d.allow);
  CHECK(*d.remainingSeconds == 3600);
  d = billing::evaluate(r, kPlan, QuotaUsage{0, 10 * 3600, 0, 0}, now);
  CHECK_FALSE(d.allow);
  STRCMP_EQUAL("time quota used up", d.reason.c_str());
  CHECK(billing::evaluate(r, kPlan, QuotaUsage{0, 10 * 3600, 0, 1800}, now).allow);
}

TEST(BillingQuota, UncountedWindowsAreFreeAndSetTheirRate) {
  BillingRules r = rules({"1GB:block"});
  core::Result<billing::TimeWindow> night = billing::parseWindow("00:00-06:00:uncounted");
  core::Result<billing::TimeWindow> evening = billing::parseWindow("18:00-23:00:4M/2M");
  CHECK(night.isOk() && evening.isOk());
  r.windows = {*night, *evening};
  CHECK_FALSE(billing::countsAgainstData(r, local(2026, 11, 21, 3)));
  CHECK(billing::countsAgainstData(r, local(2026, 11, 21, 6)));
  // Blocked by day, free at night; the evening window caps the rate.
  CHECK_FALSE(billing::evaluate(r, kPlan, QuotaUsage{kGB, 0, 0, 0}, local(2026, 11, 21, 12)).allow);
  billing::QuotaDecision d = billing::evaluate(r, kPlan, QuotaUsage{kGB, 0, 0, 0}, local(2026, 11, 21, 5, 59));
  CHECK(d.allow);
  LONGS_EQUAL(0, d.window);
  d = billing::evaluate(r, kPlan, QuotaUsage{0, 0, 0, 0}, local(2026, 11, 21, 19));
  CHECK(d.rate == (Rate{4000000, 2000000}));
  // A window that wraps past midnight.
  core::Result<billing::TimeWindow> late = billing::parseWindow("22:00-02:00:uncounted");
  CHECK(late->contains(23 * 60) && late->contains(60) && !late->contains(2 * 60));
}

TEST(BillingQuota, ParsersSayWhatIsWrong) {
  CHECK(billing::parseFup("1GB:2M/1M").isOk());
  core::Result<FupTier> bad = billing::parseFup("1GB:fast");
  CHECK_FALSE(bad.isOk());
  STRCMP_CONTAINS("DOWN/UP", bad.status().message().c_str());
  CHECK_FALSE(billing::parseWindow("25:00-06:00:uncounted").isOk());
  CHECK_FALSE(billing::parsePeriod("fortnight").isOk());
  CHECK(billing::parsePeriod("30d")->days == 30);
  CHECK(*billing::parseDuration("10h") == 36000);
  CHECK_FALSE(billing::parseDuration("10x").isOk());
  CHECK(*billing::parseMoney("19.99", "USD") == 1999);
  CHECK(*billing::parseMoney("500", "JPY") == 500);
  CHECK_FALSE(billing::parseMoney("1.5", "JPY").isOk());
  CHECK_FALSE(billing::parseMoney("19.999", "USD").isOk());
  CHECK(*billing::parseMoney("1.250", "KWD") == 1250);
  STRCMP_EQUAL("19.99 USD", billing::formatMoney(1999, "USD").c_str());
  STRCMP_EQUAL("0.05 EUR", billing::formatMoney(5, "EUR").c_str());
  BillingRules r;
  r.tiers = {*billing::parseFup("2GB:block"), *billing::parseFup("3GB:1M/1M")};
  CHECK_FALSE(billing::validate(r).isOk());
  r.tiers = {*billing::parseFup("2GB:1M/1M"), *billing::parseFup("1GB:1M/1M")};
  CHECK_FALSE(billing::validate(r).isOk());
}

TEST(BillingQuota, StoredRulesTakeWholeNumbersOnly) {
  // Found by tests/fuzz/units_fuzz.cpp: a float beyond 2^64 in "data-quota" was cast (undefined
  // behaviour), a negative one wrapped, 1.5 became 1.
  for (const char* bad : {R"({"data-quota": 8.9e75})", R"({"data-quota": -1})", R"({"time-quota": 1.5})",
                          R"({"price": 1e300})", R"({"validity": "30d"})", R"({"price": 18446744073709551615})"}) {
    core::Result<BillingRules> r = billing::rulesFromJson(core::Json::parse(bad));
    CHECK_FALSE_TEXT(r.isOk(), bad);
  }
  core::Result<BillingRules> ok =
      billing::rulesFromJson(core::Json::parse(R"({"price": 100, "currency": "USD", "data-quota": 5000000000})"));
  CHECK_TRUE_TEXT(ok.isOk(), ok.status().message().c_str());
  CHECK_EQUAL(5000000000ULL, ok->dataQuota);
  CHECK_EQUAL(100, ok->priceMinor);
}
