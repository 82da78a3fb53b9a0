#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "billing/invoicing/calendar.h"
#include "billing/invoicing/creditor_reference.h"
#include "billing/invoicing/proration.h"
#include "billing/invoicing/tax.h"

#include <CppUTest/TestHarness.h>

namespace {

uint64_t seedFor(const char* what) {
  const char* env = std::getenv("BILLING_SEED");
  const uint64_t seed = env != nullptr ? std::strtoull(env, nullptr, 10) : std::random_device{}();
  std::printf("\n%s: seed %llu (BILLING_SEED=%llu repeats it)\n", what, static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(seed));
  return seed;
}

// The reference calendar: days counted by walking the months from 1970 (no formula shared with the
// code under test).
int naiveMonthLength(int64_t y, unsigned m) {
  if (m == 2) return (y % 400 == 0 || (y % 4 == 0 && y % 100 != 0)) ? 29 : 28;
  return (m == 4 || m == 6 || m == 9 || m == 11) ? 30 : 31;
}
int64_t naiveDays(int64_t y, unsigned m, unsigned d) {
  int64_t n = 0;
  for (int64_t yy = 1970; yy < y; ++yy) n += (naiveMonthLength(yy, 2) == 29) ? 366 : 365;
  for (unsigned mm = 1; mm < m; ++mm) n += naiveMonthLength(y, mm);
  return n + d - 1;
}
int64_t naiveBoundary(int64_t monthIndex, unsigned anchor) {
  const int64_t y = monthIndex / 12;
  const unsigned m = static_cast<unsigned>(monthIndex % 12) + 1;
  const int len = naiveMonthLength(y, m);
  return naiveDays(y, m, anchor < static_cast<unsigned>(len) ? anchor : static_cast<unsigned>(len));
}

// Exact fractions for the reference proration.
struct Fraction {
  __int128 num = 0, den = 1;
  void add(__int128 n, __int128 d) {
    num = num * d + n * den;
    den *= d;
    __int128 a = num < 0 ? -num : num, b = den;
    while (b != 0) {
      __int128 t = a % b;
      a = b;
      b = t;
    }
    if (a > 1) {
      num /= a;
      den /= a;
    }
  }
  // floor(num / den + 1/2)
  __int128 roundHalfUp() const {
    __int128 n = 2 * num + den, d = 2 * den;
    __int128 q = n / d;
    if (n % d != 0 && n < 0) --q;
    return q;
  }
};

// The nearest integer to num / den, ties away from zero, by looking at the candidates around it.
int64_t nearest(__int128 num, __int128 den) {
  __int128 q = num / den;
  __int128 best = q;
  for (__int128 c = q - 1; c <= q + 1; ++c) {
    __int128 dc = c * den - num, db = best * den - num;
    if (dc < 0) dc = -dc;
    if (db < 0) db = -db;
    if (dc < db || (dc == db && (c < 0 ? -c : c) > (best < 0 ? -best : best))) best = c;
  }
  return static_cast<int64_t>(best);
}

}  // namespace

TEST_GROUP(CreditorReference) {};

TEST(CreditorReference, PublishedExamplesAreValidAndComputed) {
  // ISO 11649's example as python-stdnum and the EPC documents quote it; RF712348231 from a SEPA
  // implementation guide (xmldation); RF185390075470Y from stdnum's doctests.
  STRCMP_EQUAL("RF18539007547034", billing::creditorReference("539007547034")->c_str());
  STRCMP_EQUAL("RF712348231", billing::creditorReference("2348231")->c_str());
  STRCMP_EQUAL("RF185390075470Y", billing::creditorReference("5390075470y")->c_str());
  STRCMP_EQUAL("RF18539007547034", billing::parseCreditorReference("rf18 5390 0754 7034")->c_str());
  STRCMP_EQUAL("RF18 5390 0754 7034", billing::formatCreditorReference("RF18539007547034").c_str());
  // A wrong check digit, a swapped pair, a bad character, a body too long: refused.
  CHECK_FALSE(billing::parseCreditorReference("RF17 5390 0754 7034").isOk());
  CHECK_FALSE(billing::parseCreditorReference("RF18 5390 0754 7043").isOk());
  CHECK_FALSE(billing::parseCreditorReference("RF18 5390-0754").isOk());
  // 01 passes the mod-97 test whenever 98 does, but is never a computed check: refused (fuzzing).
  STRCMP_EQUAL("RF980621824", billing::creditorReference("0621824")->c_str());
  CHECK_FALSE(billing::parseCreditorReference("RF010621824").isOk());
  CHECK_FALSE(billing::creditorReference("1234567890123456789012").isOk());
  CHECK_FALSE(billing::creditorReference("").isOk());
  // Check digits below 10 keep their leading zero, and every computed reference parses back.
  bool sawLeadingZero = false;
  for (int i = 1; i < 3000; ++i) {
    std::string ref = *billing::creditorReference(std::to_string(i));
    sawLeadingZero = sawLeadingZero || ref[2] == '0';
    CHECK_EQUAL(ref, *billing::parseCreditorReference(ref));
  }
  CHECK(sawLeadingZero);
}

TEST_GROUP(Calendar) {};

TEST(Calendar, DaysAndDates) {
  LONGS_EQUAL(0, billing::daysFromCivil(1970, 1, 1));
  LONGS_EQUAL(20454, *billing::parseDay("2026-01-01", "date"));
  STRCMP_EQUAL("2024-02-29", billing::formatDay(*billing::parseDay("2024-02-29", "date")).c_str());
  core::Result<int64_t> bad = billing::parseDay("2025-02-29", "start");
  CHECK(core::Code::kInvalidArgument == bad.status().code());
  CHECK(bad.status().message().find("start '2025-02-29'") != std::string::npos);
  CHECK_FALSE(billing::parseDay("2025-1-01", "date").isOk());
  std::mt19937_64 rng(seedFor("Calendar.DaysAndDates"));
  for (int i = 0; i < 2000; ++i) {
    int64_t y = 1970 + static_cast<int64_t>(rng() % 200);
    unsigned m = 1 + static_cast<unsigned>(rng() % 12);
    unsigned d = 1 + static_cast<unsigned>(rng() % naiveMonthLength(y, m));
    LONGS_EQUAL(naiveDays(y, m, d), billing::daysFromCivil(y, m, d));
  }
}

TEST(Calendar, EveryPeriodLengthIsOneProrationDividesBy) {
  // Every anchor day, period and starting month over a 12-year window (leap years included).
  for (unsigned months : {1u, 3u, 12u})
    for (unsigned anchor = 1; anchor <= 31; ++anchor)
      for (unsigned startMonth = 1; startMonth <= 12; ++startMonth) {
        billing::PeriodRule rule{billing::daysFromCivil(2023, startMonth, 1), anchor, months};
        billing::Period p = billing::periodContaining(rule, rule.startDay);
        for (int i = 0; i < 150 / static_cast<int>(months); ++i) {
          CHECK_TEXT(billing::isPeriodLength(p.days()), ("period of " + std::to_string(p.days()) + " days").c_str());
          billing::Period next = billing::periodAfter(rule, p, 1);
          LONGS_EQUAL(p.end, next.start);
          CHECK(billing::periodContaining(rule, p.end - 1) == p);
          CHECK(billing::periodAfter(rule, next, -1) == p);
          p = next;
        }
      }
}

TEST(Calendar, PeriodsMatchANaiveCalendar) {
  std::mt19937_64 rng(seedFor("Calendar.PeriodsMatchANaiveCalendar"));
  for (int i = 0; i < 3000; ++i) {
    const unsigned months = std::vector<unsigned>{1, 3, 12}[rng() % 3];
    const unsigned anchor = 1 + static_cast<unsigned>(rng() % 31);
    const int64_t start = naiveDays(2020, 1, 1) + static_cast<int64_t>(rng() % 3000);
    const int64_t day = start + static_cast<int64_t>(rng() % 2000);
    int64_t y;
    unsigned m, d;
    billing::civilFromDays(start, y, m, d);
    const int64_t base = y * 12 + (m - 1);
    int64_t k = -2;
    while (naiveBoundary(base + (k + 1) * months, anchor) <= day) ++k;
    billing::Period p = billing::periodContaining(billing::PeriodRule{start, anchor, months}, day);
    LONGS_EQUAL(naiveBoundary(base + k * months, anchor), p.start);
    LONGS_EQUAL(naiveBoundary(base + (k + 1) * months, anchor), p.end);
  }
}

TEST_GROUP(Proration) {};

TEST(Proration, TheRuleOnKnownCases) {
  int64_t residual = 0;
  // 10.00 for 10 of 30 days: 3.333... -> 3.33, residual +1/3 cent.
  LONGS_EQUAL(333, billing::chargeWithResidual(*billing::exactValue({1000, 10, 30, 10000}), residual));
  // Twice more: 3.3333 + 0.0033 -> 3.34 (the carried thirds), then 3.33: 10.00 in all, none lost.
  LONGS_EQUAL(334, billing::chargeWithResidual(*billing::exactValue({1000, 10, 30, 10000}), residual));
  LONGS_EQUAL(333, billing::chargeWithResidual(*billing::exactValue({1000, 10, 30, 10000}), residual));
  LONGS_EQUAL(0, residual);
  // A credit for the same 10 days undoes it to the cent; 20 % off a full month.
  LONGS_EQUAL(-333, billing::chargeWithResidual(*billing::exactValue({-1000, 10, 30, 10000}), residual));
  LONGS_EQUAL(800, billing::chargeWithResidual(*billing::exactValue({1000, 31, 31, 8000}), residual));
  // Exactly half a cent rounds up (towards +infinity).
  residual = 0;
  LONGS_EQUAL(1, billing::chargeWithResidual(billing::kResidualScale / 2, residual));
  LONGS_EQUAL(-billing::kResidualScale / 2, residual);
  residual = 0;
  LONGS_EQUAL(0, billing::chargeWithResidual(-billing::kResidualScale / 2, residual));
  // Lengths it cannot divide by, days past the period, prices beyond the limit: refused.
  CHECK(core::Code::kInternal == billing::exactValue({1000, 3, 27, 10000}).status().code());
  CHECK(core::Code::kInvalidArgument == billing::exactValue({1000, 32, 31, 10000}).status().code());
  CHECK(core::Code::kInvalidArgument == billing::exactValue({billing::kMaxPrice + 1, 1, 31, 10000}).status().code());
}

TEST(Proration, RandomHistoriesAreCentExactAgainstExactFractions) {
  std::mt19937_64 rng(seedFor("Proration.RandomHistories"));
  const int64_t lengths[] = {28, 29, 30, 31, 89, 90, 91, 92, 365, 366};
  for (int history = 0; history < 300; ++history) {
    int64_t residual = 0, charged = 0;
    Fraction exact;
    const int steps = 1 + static_cast<int>(rng() % 200);
    for (int i = 0; i < steps; ++i) {
      billing::Piece p;
      p.periodDays = lengths[rng() % 10];
      p.days = static_cast<int64_t>(rng() % (p.periodDays + 1));
      p.priceMinor = static_cast<int64_t>(rng() % 10000000) * (rng() % 4 == 0 ? -1 : 1);  // credits too
      p.factor = std::vector<int64_t>{10000, 0, 8000, 5000, 3333, 9999}[rng() % 6];
      const int64_t amount = billing::chargeWithResidual(*billing::exactValue(p), residual);
      const __int128 before = exact.roundHalfUp();
      exact.add(static_cast<__int128>(p.priceMinor) * p.days * p.factor, static_cast<__int128>(p.periodDays) * 10000);
      // Each charge is what moves the rounded exact total: the running sum never drifts a cent.
      CHECK_EQUAL(static_cast<int64_t>(exact.roundHalfUp() - before), amount);
      charged += amount;
      CHECK(2 * static_cast<__int128>(residual) >= -static_cast<__int128>(billing::kResidualScale));
      CHECK(2 * static_cast<__int128>(residual) < static_cast<__int128>(billing::kResidualScale));
    }
    CHECK_EQUAL(static_cast<int64_t>(exact.roundHalfUp()), charged);
  }
}

TEST_GROUP(Tax) {};

TEST(Tax, KnownCasesAndTreatments) {
  using billing::TaxTreatment;
  billing::Taxed t = billing::applyTax(1000, 1600, false, TaxTreatment::kStandard);
  LONGS_EQUAL(1000, t.net);
  LONGS_EQUAL(160, t.tax);
  LONGS_EQUAL(1160, t.gross);
  t = billing::applyTax(1160, 1600, true, TaxTreatment::kStandard);
  LONGS_EQUAL(1000, t.net);
  LONGS_EQUAL(160, t.tax);
  t = billing::applyTax(1160, 1600, true, TaxTreatment::kReverseCharge);
  LONGS_EQUAL(1000, t.net);
  LONGS_EQUAL(0, t.tax);
  LONGS_EQUAL(1000, t.gross);
  t = billing::applyTax(1000, 1600, false, TaxTreatment::kExempt);
  LONGS_EQUAL(0, t.tax);
  LONGS_EQUAL(1000, t.gross);
  // 7.7 % of 0.65 = 0.05005 -> 0.05; of 0.50 = 0.0385 -> 0.04; half a cent away from zero both ways.
  LONGS_EQUAL(5, billing::applyTax(65, 770, false, TaxTreatment::kStandard).tax);
  LONGS_EQUAL(1, billing::applyTax(25, 200, false, TaxTreatment::kStandard).tax);
  LONGS_EQUAL(-1, billing::applyTax(-25, 200, false, TaxTreatment::kStandard).tax);
  LONGS_EQUAL(770, *billing::parseTaxRate("7.7"));
  LONGS_EQUAL(825, *billing::parseTaxRate("8.25"));
  LONGS_EQUAL(0, *billing::parseTaxRate("0"));
  STRCMP_EQUAL("7.7", billing::formatTaxRate(770).c_str());
  STRCMP_EQUAL("8.05", billing::formatTaxRate(805).c_str());
  CHECK_FALSE(billing::parseTaxRate("100.01").isOk());
  CHECK_FALSE(billing::parseTaxRate("7.777").isOk());
  CHECK_FALSE(billing::parseTaxRate("-1").isOk());
  CHECK_FALSE(billing::parseTaxTreatment("zero").isOk());
}

TEST(Tax, RandomAmountsMatchTheNearestCentAndCreditsMirror) {
  std::mt19937_64 rng(seedFor("Tax.RandomAmounts"));
  for (int i = 0; i < 20000; ++i) {
    const int64_t amount = static_cast<int64_t>(rng() % 100000000) - 50000000;
    const int64_t rate = static_cast<int64_t>(rng() % 10001);
    billing::Taxed ex = billing::applyTax(amount, rate, false, billing::TaxTreatment::kStandard);
    LONGS_EQUAL(nearest(static_cast<__int128>(amount) * rate, 10000), ex.tax);
    LONGS_EQUAL(amount + ex.tax, ex.gross);
    billing::Taxed in = billing::applyTax(amount, rate, true, billing::TaxTreatment::kStandard);
    LONGS_EQUAL(nearest(static_cast<__int128>(amount) * 10000, 10000 + rate), in.net);
    LONGS_EQUAL(amount, in.net + in.tax);
    // The credit note of the same amount is the exact mirror.
    billing::Taxed cn = billing::applyTax(-amount, rate, rng() % 2 == 0, billing::TaxTreatment::kStandard);
    billing::Taxed same = billing::applyTax(amount, rate, cn.gross == -amount, billing::TaxTreatment::kStandard);
    LONGS_EQUAL(-same.tax, cn.tax);
    LONGS_EQUAL(-same.net, cn.net);
  }
}
