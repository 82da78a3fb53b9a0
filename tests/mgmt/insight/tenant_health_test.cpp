// The tenant health score, premium upsell and retention rules (mgmt/insight/tenant_health.h): the
// score is the known factors' points over their weights, each factor says in words what it saw, a
// factor without data is left out, and the suggested action follows the strongest named cause.
#include "mgmt/insight/tenant_health.h"
#include "mgmt/tiers.h"
#include "CppUTest/TestHarness.h"  // last

using mgmt::insight::TenantSignals;

namespace {
const bool kWarm = !mgmt::tiers().empty();  // the price list is built once, before the leak checks
}

TEST_GROUP(TenantHealth){};

TEST(TenantHealth, ScoreIsTheKnownFactorsPointsOverTheirWeights) {
  TenantSignals s;
  s.boxes = 4;
  s.boxesOffline = 1;            // devices: 1 - 1/4 = 0.75 -> 18.75 of 25
  s.customers = 100;
  s.subscriptions = 100;
  s.inDunning = 2;               // payments: 1 - 5 x 0.02 = 0.9 -> 22.5 of 25
  s.customersMonthAgo = 100;     // growth: flat 0.6 -> 12 of 20
  s.scored = 100;
  s.meanScore = 10;              // churn: 1 - 10/40 = 0.75 -> 22.5 of 30
  mgmt::insight::TenantHealth h = mgmt::insight::tenantHealth(s);
  CHECK_TRUE(h.known);
  CHECK_EQUAL(76, h.score);      // 75.75
  STRCMP_EQUAL("healthy", h.band.c_str());
  LONGS_EQUAL(4, h.factors.size());
  STRCMP_EQUAL("1 box of 4 offline", h.factors[0].words.c_str());
  STRCMP_EQUAL("2 of 100 subscriptions in dunning (2%)", h.factors[1].words.c_str());
  STRCMP_EQUAL("customers +0% in 30 days (100 to 100)", h.factors[2].words.c_str());
  STRCMP_EQUAL("growth", h.factors[2].name.c_str());
  // The weakest: the factor that lost the most points (growth lost 8).
  STRCMP_EQUAL(h.factors[2].words.c_str(), h.weakest.c_str());
}

TEST(TenantHealth, FactorsWithoutDataAreLeftOutAndBadSignalsGiveAtRisk) {
  TenantSignals s;
  s.customers = 80;
  s.customersMonthAgo = 100;     // -20%: growth 0
  s.subscriptions = 80;
  s.inDunning = 20;              // 25% in dunning: payments 0
  mgmt::insight::TenantHealth h = mgmt::insight::tenantHealth(s);
  CHECK_FALSE(h.factors[0].known);  // no boxes
  CHECK_FALSE(h.factors[3].known);  // no scores
  CHECK_EQUAL(0, h.score);
  STRCMP_EQUAL("at risk", h.band.c_str());
  TenantSignals none;
  mgmt::insight::TenantHealth empty = mgmt::insight::tenantHealth(none);
  CHECK_FALSE(empty.known);
  STRCMP_EQUAL("no data", empty.band.c_str());
}

TEST(TenantHealth, PremiumUpsellNearTheCapOrAskingForAHigherTiersPlugin) {
  TenantSignals s;
  s.tier = "basic";
  s.subscriberCap = 100;
  s.subscribers = 79;
  CHECK_FALSE(mgmt::insight::premiumUpsell(s).has_value());
  s.subscribers = 80;
  STRCMP_EQUAL("uses 80 of the 100 subscribers its basic tier allows", mgmt::insight::premiumUpsell(s)->c_str());
  s.subscribers = 1;
  s.askedPlugins = {"snmp-monitoring", "snmp-monitoring"};
  std::optional<std::string> why = mgmt::insight::premiumUpsell(s);
  CHECK_TRUE(why.has_value());
  STRCMP_CONTAINS("asked for snmp-monitoring", why->c_str());
  STRCMP_CONTAINS("2 times in 30 days", why->c_str());
}

TEST(TenantHealth, TheSuggestedActionFollowsTheStrongestNamedCause) {
  STRCMP_CONTAINS("service credit", mgmt::insight::retentionAction("24 hours of outage in 180 days, usage -40% in 30 days").c_str());
  STRCMP_CONTAINS("payment plan", mgmt::insight::retentionAction("reached dunning step 2 and 24 hours of outage in 180 days").c_str());
  STRCMP_CONTAINS("technician", mgmt::insight::retentionAction("12 rejected logins in 90 days").c_str());
  STRCMP_CONTAINS("loyalty discount", mgmt::insight::retentionAction("usage -70% in 30 days").c_str());
  STRCMP_EQUAL("call to ask how the service is doing", mgmt::insight::retentionAction("").c_str());
}

TEST(TenantHealth, CustomerUpsellNeedsTwoExhaustionsOrTopUpsIn90Days) {
  mgmt::insight::History h;
  h.customerId = "c1";
  h.firstDay = 1000;
  h.days.resize(200);
  h.days[10][mgmt::insight::kQuotaExhausted] = 1;   // day 1010: older than 90 days before 1200
  h.days[150][mgmt::insight::kQuotaExhausted] = 1;
  CHECK_FALSE(mgmt::insight::customerUpsell(h, 1200).has_value());
  h.days[160][mgmt::insight::kQuotaExhausted] = 1;
  h.days[161][mgmt::insight::kTopUps] = 1;
  std::optional<mgmt::insight::CustomerUpsell> u = mgmt::insight::customerUpsell(h, 1200);
  CHECK_TRUE(u.has_value());
  CHECK_EQUAL(2, u->exhausted);
  CHECK_EQUAL(1, u->topUps);
  STRCMP_EQUAL("quota ran out 2 times and 1 top-up in 90 days", u->words.c_str());
}
