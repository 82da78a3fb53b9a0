// A synthetic history for insight's tests, benches and the demo (issue 26, ADR 0042): customers of
// several tenants over ~18 months, their daily features (features.h), and churn. Churn comes from a
// latent state the model never sees: each customer has a satisfaction that episodes push down
// (outages in their area, a stretch of money trouble, a competitor's offer, a bad line) and that
// drives both what can be observed (usage, sessions, rejects, late payments, downgrades...) and a
// daily churn hazard, with noise and a floor of churn nothing predicts (people move house). The
// mechanism is written out in docs/insight.md. Deterministic for a seed: customer i of tenant t is
// the same whatever else is generated, so a bench can make a million customers in chunks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mgmt/insight/features.h"

namespace mgmt::insight {

// What pushed a customer towards leaving (ground truth, for tests that check the factors).
enum class Cause { kNone = 0, kOutage, kMoney, kCompetitor, kLine };
const char* causeName(Cause cause);

struct GeneratorConfig {
  uint64_t seed = 1;
  int tenants = 3;
  int customersPerTenant = 2000;
  int32_t firstDay = 20089;  // 2025-01-01
  int32_t days = 540;        // ~18 months
};

struct Tenant {
  std::string id;
  int index = 0;
  double baseHazard = 0;   // the tenant's daily churn floor
  double outageRate = 0;   // outages per area per day
  double priceFactor = 1;  // how much money trouble weighs here
  int areas = 0;
  // outageMinutes[area][day - firstDay]
  std::vector<std::vector<uint16_t>> outageMinutes;
};

struct Generated {
  History history;
  int32_t churnDay = -1;          // the day the subscription ended; -1 = still a customer at the end
  Cause cause = Cause::kNone;     // the episode behind most of the satisfaction lost before churn
  double causeShare = 0;          // that episode's share of the loss over the 90 days before churn
};

class Generator {
 public:
  explicit Generator(GeneratorConfig config);
  const GeneratorConfig& config() const { return config_; }
  const std::vector<Tenant>& tenants() const { return tenants_; }
  // Customer `index` of tenant `tenant` (ids "c<index>").
  Generated customer(int tenant, int index) const;
  // Every customer of every tenant.
  std::vector<Generated> all() const;

 private:
  GeneratorConfig config_;
  std::vector<Tenant> tenants_;
};

}  // namespace mgmt::insight
