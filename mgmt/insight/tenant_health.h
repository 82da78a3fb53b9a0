// The platform's view of its tenants and a tenant's of its customers, as rules over signals mgmt
// already has (issue 26, ADR 0059; docs/insight.md "Tenant health"). Pure: health_service.h gathers
// the signals from the stores.
//
// Tenant health score 0-100, weighted and explainable: each factor a value 0..1 from one signal, its
// weight, the points it gives (weight x value) and what it says in words. The score is the points over
// the weights of the factors that have data (a tenant without boxes is not judged on its boxes):
//   devices   25  1 - (boxes offline + half the boxes reporting alarms) / boxes
//   payments  25  1 - 5 x the share of subscriptions in a dunning step (20% in dunning: 0)
//   growth    20  0.6 + 8 x the customer growth over 30 days (+5%: 1, flat: 0.6, -7.5%: 0)
//   churn     30  1 - the mean churn score (0-100) of the scored customers / 40
// Bands: 70 and up healthy, 40-69 watch, below 40 at risk.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mgmt/insight/features.h"

namespace mgmt::insight {

struct TenantSignals {
  std::string tenantId, name, tier;
  int64_t boxes = 0, boxesOffline = 0, boxesAlarming = 0;
  int64_t customers = 0, customersMonthAgo = 0;  // customers now, and those created 30 days ago or earlier
  int64_t subscriptions = 0, inDunning = 0;      // subscriptions (customers when unknown) and those in a step
  int64_t scored = 0, atRisk = 0;                // customers with a churn score, those at or above the threshold
  double meanScore = 0;
  int64_t subscribers = 0;
  uint64_t subscriberCap = 0;                    // the tier's, 0 = unlimited
  std::vector<std::string> askedPlugins;         // plugins of a higher tier refused to it in 30 days (one per refusal)
};

struct HealthFactor {
  std::string name;  // devices, payments, growth, churn
  int weight = 0;
  bool known = false;  // false: no data, left out of the score
  double value = 0;    // 0..1
  double points = 0;   // weight x value
  std::string words;
};

struct TenantHealth {
  std::string tenantId, name, tier;
  bool known = false;  // some factor had data
  int score = 0;       // 0-100
  std::string band;    // healthy, watch, at risk; "no data"
  std::vector<HealthFactor> factors;
  std::string weakest;  // the words of the known factor that lost the most points ("" when none lost any)
};

TenantHealth tenantHealth(const TenantSignals& s);

// Why a tenant is a premium upsell candidate (near its tier's cap: 80% or more of it; or asking for a
// higher tier's plugins), in words; nullopt when it is not one.
std::optional<std::string> premiumUpsell(const TenantSignals& s);

// What to do about a customer at risk, from the factors in words the churn model gave
// (churn_model.h): the strongest named cause decides.
std::string retentionAction(const std::string& factors);

// A customer worth offering a bigger plan: still a customer (days through the day before `today`),
// whose quota ran out on 2 or more days, or who bought 2 or more top-ups, in the 90 days before it.
struct CustomerUpsell {
  std::string customerId;
  int exhausted = 0, topUps = 0;
  std::string words;  // "quota ran out 3 times and 2 top-ups in 90 days"
};
std::optional<CustomerUpsell> customerUpsell(const History& h, int32_t today);

}  // namespace mgmt::insight
