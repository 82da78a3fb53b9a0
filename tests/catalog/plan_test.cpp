// Plans: plan-add/plan-set's argument table (unknown arguments, limits), applying onto a stored plan,
// and the one validation of a plan value.
#include <string>

#include "catalog/plan.h"
#include "tests/catalog/catalog_test_support.h"

#include <CppUTest/TestHarness.h>

using core::Code;
using core::Json;

namespace {

using catalog_test::with;

core::Status applyArgs(const Json& args, catalog::Plan& p) { return catalog::applyPlanArgs(core::CommandArgs(args), p); }

core::Result<catalog::Plan> add(const Json& args) {
  catalog::Plan p;
  core::Status s = applyArgs(args, p);
  if (!s.isOk()) return s;
  return p;
}

Json home() { return Json{{"name", "home"}, {"down", "10M"}, {"up", "5M"}}; }

core::Status addStatus(const Json& args) { return add(args).status(); }

}  // namespace

TEST_GROUP(CatalogPlan) {};

TEST(CatalogPlan, AMinimalPlanGetsTheDefaults) {
  core::Result<catalog::Plan> p = add(home());
  CHECK_TRUE_TEXT(p.isOk(), p.status().message().c_str());
  STRCMP_EQUAL("home", p->name.c_str());
  UNSIGNED_LONGS_EQUAL(10000000, p->downBps);
  UNSIGNED_LONGS_EQUAL(5000000, p->upBps);
  UNSIGNED_LONGS_EQUAL(0, p->burstDownBps);
  LONGS_EQUAL(75, p->burstThresholdPercent);
  LONGS_EQUAL(10, p->burstTimeSeconds);
  LONGS_EQUAL(300, p->interimInterval);
  LONGS_EQUAL(0, p->maxSessions);
  LONGS_EQUAL(0, p->billing.priceMinor);
  CHECK_FALSE(p->billing.hasQuota());
}

TEST(CatalogPlan, EveryArgumentLandsInItsField) {
  core::Result<catalog::Plan> p =
      add(Json{{"name", "gold"}, {"down", "50M"}, {"up", uint64_t{20000000}}, {"burst-down", "80M"}, {"burst-up", "30M"},
               {"burst-threshold", "60"}, {"burst-time", 20}, {"session-timeout", "86400"}, {"idle-timeout", "600"},
               {"interim", "120"}, {"max-sessions", "2"}, {"ip-pool", "gold-pool"}, {"price", "19.99"},
               {"currency", "USD"}, {"period", "30d"}, {"period-anchor", "subscriber"}, {"data-quota", "50GB"},
               {"fup", Json::array({"1GB:2M/1M", "2GB:block"})}, {"time-quota", "10h"}, {"validity", "30d"},
               {"window", "00:00-06:00:uncounted"}});
  CHECK_TRUE_TEXT(p.isOk(), p.status().message().c_str());
  UNSIGNED_LONGS_EQUAL(50000000, p->downBps);
  UNSIGNED_LONGS_EQUAL(20000000, p->upBps);
  UNSIGNED_LONGS_EQUAL(80000000, p->burstDownBps);
  UNSIGNED_LONGS_EQUAL(30000000, p->burstUpBps);
  LONGS_EQUAL(60, p->burstThresholdPercent);
  LONGS_EQUAL(20, p->burstTimeSeconds);
  LONGS_EQUAL(86400, p->sessionTimeout);
  LONGS_EQUAL(600, p->idleTimeout);
  LONGS_EQUAL(120, p->interimInterval);
  LONGS_EQUAL(2, p->maxSessions);
  STRCMP_EQUAL("gold-pool", p->ipPool.c_str());
  const billing::BillingRules& b = p->billing;
  LONGS_EQUAL(1999, b.priceMinor);
  STRCMP_EQUAL("USD", b.currency.c_str());
  STRCMP_EQUAL("30d", billing::formatPeriod(b.period).c_str());
  CHECK_TRUE(b.period.anchor == billing::PeriodAnchor::kSubscriber);
  UNSIGNED_LONGS_EQUAL(50000000000ull, b.dataQuota);
  LONGS_EQUAL(2, b.tiers.size());
  STRCMP_EQUAL("2GB:block", billing::formatFup(b.tiers[1]).c_str());
  UNSIGNED_LONGS_EQUAL(36000, b.timeQuota);
  UNSIGNED_LONGS_EQUAL(30 * 86400, b.validitySeconds);
  LONGS_EQUAL(1, b.windows.size());
  CHECK_TRUE(b.windows[0].uncounted);
}

TEST(CatalogPlan, UnknownArgumentsAreRefused) {
  core::Status s = addStatus(with(home(), "speed", "1M"));
  CHECK_TRUE(s.code() == Code::kInvalidArgument);
  STRCMP_CONTAINS("unknown argument 'speed' (known: name, down, up, burst-down,", s.message().c_str());
  // Subscriber arguments are not plan arguments.
  STRCMP_CONTAINS("unknown argument 'plan'", addStatus(with(home(), "plan", "home")).message().c_str());
}

TEST(CatalogPlan, ANameAndBothRatesAreRequired) {
  Json args = home();
  args.erase("name");
  CHECK_STATUS(Code::kInvalidArgument, "name is required", addStatus(args));
  CHECK_STATUS(Code::kInvalidArgument, "name is required", addStatus(with(home(), "name", "")));
  CHECK_STATUS(Code::kInvalidArgument, "down and up rates are required (e.g. --down 10M --up 5M)",
               addStatus(Json{{"name", "q"}, {"down", "1M"}}));
  CHECK_STATUS(Code::kInvalidArgument, "down and up rates are required (e.g. --down 10M --up 5M)",
               addStatus(Json{{"name", "q"}, {"up", "1M"}}));
}

TEST(CatalogPlan, EachArgumentsFormIsNamed) {
  STRCMP_CONTAINS("down: '10Q' is not a valid rate", addStatus(with(home(), "down", "10Q")).message().c_str());
  STRCMP_CONTAINS("data-quota: ", addStatus(with(home(), "data-quota", "lots")).message().c_str());
  STRCMP_CONTAINS("period 'fortnight' is not one of", addStatus(with(home(), "period", "fortnight")).message().c_str());
  STRCMP_CONTAINS("window '0:00-06:00:uncounted': expected HH:MM-HH:MM",
                  addStatus(with(home(), "window", "0:00-06:00:uncounted")).message().c_str());
  STRCMP_CONTAINS("time-quota: ", addStatus(with(home(), "time-quota", "soon")).message().c_str());
  CHECK_STATUS(Code::kInvalidArgument, "ip-pool: expected text, got boolean", addStatus(with(home(), "ip-pool", true)));
  CHECK_STATUS(Code::kInvalidArgument, "burst-time: 'ten' is not a whole number",
               addStatus(with(home(), "burst-time", "ten")));
}

TEST(CatalogPlan, LimitsOfTheIntegerArguments) {
  struct Limit {
    const char* key;
    int64_t max;
  };
  for (Limit l : {Limit{"burst-threshold", catalog::kMaxBurstThresholdPercent},
                  Limit{"burst-time", catalog::kMaxBurstTimeSeconds},
                  Limit{"session-timeout", catalog::kMaxPlanTimeoutSeconds},
                  Limit{"idle-timeout", catalog::kMaxPlanTimeoutSeconds},
                  Limit{"interim", catalog::kMaxInterimSeconds}, Limit{"max-sessions", catalog::kMaxPlanSessions}}) {
    core::Status atMax = addStatus(with(home(), l.key, l.max));
    CHECK_TRUE_TEXT(atMax.isOk(), (std::string(l.key) + ": " + atMax.message()).c_str());
    core::Status over = addStatus(with(home(), l.key, std::to_string(l.max + 1)));
    CHECK_TRUE(over.code() == Code::kInvalidArgument);
    STRCMP_EQUAL((std::string(l.key) + ": " + std::to_string(l.max + 1) + " is out of range 0.." + std::to_string(l.max))
                     .c_str(),
                 over.message().c_str());
    core::Status negative = addStatus(with(home(), l.key, -1));
    CHECK_TRUE(negative.code() == Code::kInvalidArgument);
  }
  LONGS_EQUAL(100, catalog::kMaxBurstThresholdPercent);
  LONGS_EQUAL(31 * 86400, catalog::kMaxPlanTimeoutSeconds);
  // A name of 64 characters, not 65.
  CHECK_TRUE(addStatus(with(home(), "name", std::string(catalog::kMaxPlanNameLength, 'n'))).isOk());
  CHECK_STATUS(Code::kInvalidArgument, "name: 1 to 64 characters", addStatus(with(home(), "name", std::string(65, 'n'))));
}

TEST(CatalogPlan, TheWholePlanIsChecked) {
  CHECK_STATUS(Code::kInvalidArgument, "burst-down must be at least the down rate",
               addStatus(with(home(), "burst-down", "5M")));
  CHECK_STATUS(Code::kInvalidArgument, "burst-up must be at least the up rate", addStatus(with(home(), "burst-up", "1M")));
  CHECK_TRUE(addStatus(with(home(), "burst-down", "10M")).isOk());  // equal to the rate is allowed
  CHECK_STATUS(Code::kInvalidArgument, "interim: at least 60 seconds (RFC 2869 5.16), or 0 for none",
               addStatus(with(home(), "interim", "59")));
  CHECK_TRUE(addStatus(with(home(), "interim", "0")).isOk());
  CHECK_TRUE(addStatus(with(home(), "interim", "60")).isOk());
  // Billing rules are checked as a whole too, naming the argument.
  CHECK_STATUS(Code::kInvalidArgument, "price: give the currency too (--currency USD)", addStatus(with(home(), "price", "5")));
  CHECK_STATUS(Code::kInvalidArgument, "fup: nothing can follow '2GB:block' (access ends there)",
               addStatus(with(home(), "fup", Json::array({"2GB:block", "3GB:1M/1M"}))));
  STRCMP_CONTAINS("fup: tiers must ascend",
                  addStatus(with(home(), "fup", Json::array({"2GB:1M/1M", "1GB:512k/512k"}))).message().c_str());
  STRCMP_CONTAINS("JPY has 0 decimal place(s)",
                  addStatus(with(with(home(), "price", "5.5"), "currency", "JPY")).message().c_str());
}

TEST(CatalogPlan, ASetChangesOnlyWhatItNames) {
  catalog::Plan p = *add(with(with(home(), "fup", Json::array({"1GB:2M/1M", "2GB:block"})), "session-timeout", "3600"));
  p.id = 7;
  core::Status s = applyArgs(Json{{"name", "home"}, {"up", "8M"}, {"fup", "5GB:block"}}, p);
  CHECK_TRUE_TEXT(s.isOk(), s.message().c_str());
  LONGS_EQUAL(7, p.id);
  UNSIGNED_LONGS_EQUAL(10000000, p.downBps);  // kept
  UNSIGNED_LONGS_EQUAL(8000000, p.upBps);     // changed
  LONGS_EQUAL(3600, p.sessionTimeout);        // kept
  LONGS_EQUAL(1, p.billing.tiers.size());     // a list given again replaces the list
  STRCMP_EQUAL("5GB:block", billing::formatFup(p.billing.tiers[0]).c_str());
  s = applyArgs(Json{{"name", "home"}, {"fup", "none"}, {"window", "none"}, {"data-quota", "none"}}, p);
  CHECK_TRUE_TEXT(s.isOk(), s.message().c_str());
  CHECK_TRUE(p.billing.tiers.empty());
  // A set that would break the plan is refused, and names why.
  CHECK_STATUS(Code::kInvalidArgument, "burst-down must be at least the down rate",
               applyArgs(Json{{"name", "home"}, {"burst-down", "1M"}}, p));
}

TEST(CatalogPlan, ValidatePlanChecksAValueBuiltInCode) {
  catalog::Plan p = *add(home());
  CHECK_TRUE(catalog::validatePlan(p).isOk());
  catalog::Plan noRate = p;
  noRate.upBps = 0;
  CHECK_STATUS(Code::kInvalidArgument, "down and up rates are required (e.g. --down 10M --up 5M)",
               catalog::validatePlan(noRate));
  catalog::Plan badBilling = p;
  badBilling.billing.priceMinor = 100;
  CHECK_STATUS(Code::kInvalidArgument, "currency: required with a price", catalog::validatePlan(badBilling));
}

TEST(CatalogPlan, ANewCurrencyWithOtherDecimalsNeedsThePriceAgain) {
  core::Result<catalog::Plan> p = add(with(with(home(), "price", "19.99"), "currency", "USD"));
  CHECK_TRUE_TEXT(p.isOk(), p.status().message().c_str());
  LONGS_EQUAL(1999, p->billing.priceMinor);
  // 1999 cents are not 1999 yen: a currency with other decimals is refused without a new price.
  catalog::Plan yen = *p;
  core::Status s = applyArgs(Json{{"currency", "JPY"}}, yen);
  CHECK_FALSE(s.isOk());
  STRCMP_EQUAL("currency: give the price again for JPY", s.message().c_str());
  // With the price, or to a currency with the same decimals, it is taken.
  CHECK_TRUE(applyArgs(Json{{"currency", "JPY"}, {"price", "2000"}}, yen).isOk());
  LONGS_EQUAL(2000, yen.billing.priceMinor);
  STRCMP_EQUAL("JPY", yen.billing.currency.c_str());
  catalog::Plan euro = *p;
  CHECK_TRUE(applyArgs(Json{{"currency", "EUR"}}, euro).isOk());
  LONGS_EQUAL(1999, euro.billing.priceMinor);
  STRCMP_EQUAL("EUR", euro.billing.currency.c_str());
}
