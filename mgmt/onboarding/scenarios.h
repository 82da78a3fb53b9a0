// Demo scenarios: the one way demo data is made (signup provisioning, `tenant-add --demo`, the demo
// script). Each scenario is a list of steps; a step is one unit of work, so provisioning records its
// progress step by step and resumes after a restart at the first step not done.
//
//   small       50 customers,  3 plans, 10 devices,  3 months of usage history
//   medium     500 customers,  5 plans, 12 devices, 12 months
//   enterprise 2,000 customers, 8 plans (every plan feature: quotas, fair use), 40 devices, 12 months
//
// Every row a scenario writes is a sample (ADR 0029): plans and subscribers through the catalog's own
// rules and marked sample; devices marked sample; usage as if uploaded by those devices. Conversion to
// paid removes exactly those. Resellers: the model has none yet, so medium has none.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "mgmt/store/sql.h"
#include "mgmt/tenancy/tenant_store.h"

namespace mgmt::onboarding {

struct Scenario {
  std::string name;
  int customers = 0, plans = 0, devices = 0, months = 0;
};

const std::vector<Scenario>& scenarios();
const Scenario* findScenario(const std::string& name);
std::string scenarioNames();
// The scenario that fits a business of `customers` (what a signup gets without choosing).
const Scenario& scenarioForSize(int64_t customers);

// Customers written per step (a step is one transaction).
constexpr int kCustomersPerStep = 250;

// The steps of `s`, by name: "plans", "devices", then "customers 1-250", ...
std::vector<std::string> scenarioSteps(const Scenario& s);
// Writes step `index` of `s` for `tenant`, in the caller's unit of work. Deterministic per tenant.
core::Status writeScenarioStep(store::Transaction& tx, const tenancy::Tenant& tenant, const Scenario& s, size_t index,
                               int64_t now);
// Every step at once (tenant-add --demo: in its own transaction).
core::Status writeScenario(store::Transaction& tx, const tenancy::Tenant& tenant, const Scenario& s, int64_t now);

}  // namespace mgmt::onboarding
