#include "mgmt/onboarding/scenarios.h"

#include <algorithm>
#include <cstdio>
#include <functional>

#include "core/pki.h"
#include "core/sync_wire.h"
#include "mgmt/catalog/catalog_service.h"
#include "mgmt/catalog/catalog_store.h"
#include "mgmt/fleet/fleet_store.h"
#include "mgmt/usage/usage_store.h"

namespace mgmt::onboarding {

using core::Json;

namespace {

// Eight plans from small to large; a scenario takes the first `plans` of them. Built at start-up, not
// on first use (a leak checker would count it in the first test that makes a demo).
const std::vector<Json> kPlanCatalog = {
      Json{{"name", "demo-home-10"}, {"down", "10M"}, {"up", "2M"}, {"price", "9.99"}, {"currency", "USD"}},
      Json{{"name", "demo-home-50"}, {"down", "50M"}, {"up", "10M"}, {"price", "24.99"}, {"currency", "USD"},
           {"data-quota", "500GB"}},
      Json{{"name", "demo-business-100"}, {"down", "100M"}, {"up", "50M"}, {"price", "79.00"}, {"currency", "USD"}},
      Json{{"name", "demo-home-25"}, {"down", "25M"}, {"up", "5M"}, {"price", "14.99"}, {"currency", "USD"}},
      Json{{"name", "demo-fibre-200"}, {"down", "200M"}, {"up", "100M"}, {"price", "49.99"}, {"currency", "USD"},
           {"data-quota", "2TB"}},
      Json{{"name", "demo-student-5"}, {"down", "5M"}, {"up", "1M"}, {"price", "4.99"}, {"currency", "USD"},
           {"data-quota", "50GB"}},
      Json{{"name", "demo-business-500"}, {"down", "500M"}, {"up", "250M"}, {"price", "299.00"}, {"currency", "USD"}},
      Json{{"name", "demo-night-owl"}, {"down", "30M"}, {"up", "5M"}, {"price", "12.00"}, {"currency", "USD"},
           {"data-quota", "100GB"}},
};

const std::vector<Json>& planCatalog() { return kPlanCatalog; }

std::string user(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "demo%05d", i);
  return buf;
}

std::string deviceId(const tenancy::Tenant& t, int i) { return "sample-" + t.id + "-" + std::to_string(i); }

// xorshift: the same tenant gets the same numbers.
struct Random {
  uint64_t seed;
  uint64_t next(uint64_t n) {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed % n;
  }
};

core::Status writePlans(store::Transaction& tx, const tenancy::Tenant& t, const Scenario& s, int64_t now) {
  catalog::CatalogStore store(tx);
  for (int i = 0; i < s.plans; ++i) {
    const Json& plan = planCatalog()[static_cast<size_t>(i)];
    EDGE_RETURN_IF_ERROR(catalog::putPlan(tx, t, plan, now));
    EDGE_RETURN_IF_ERROR(store.markSamplePlan(t.id, plan["name"].get<std::string>()));
  }
  return core::Status::ok();
}

core::Status writeDevices(store::Transaction& tx, const tenancy::Tenant& t, const Scenario& s, int64_t now) {
  fleet::FleetStore store(tx);
  Random rnd{0x51ed27ULL ^ std::hash<std::string>{}(t.id)};
  for (int i = 1; i <= s.devices; ++i) {
    fleet::DeviceRow d;
    d.id = deviceId(t, i);
    d.tenantId = t.id;
    char host[48];
    std::snprintf(host, sizeof host, "pop-%02d.demo", i);
    d.hostname = host;
    d.claimId = "sample";
    d.enrolledAt = now - s.months * 30 * 86400;
    d.certSerial = "sample";
    d.certFingerprint = "sample-" + core::pki::randomHex(8);  // never a real certificate's
    d.certNotBefore = d.enrolledAt;
    d.certNotAfter = d.enrolledAt;  // expired: no box can present it
    d.lastCheckin = now - static_cast<int64_t>(rnd.next(600));
    d.reported = Json{{"version", "demo"}, {"sessions", static_cast<int64_t>(rnd.next(200))}}.dump();
    EDGE_RETURN_IF_ERROR(store.insertDevice(d));
    EDGE_RETURN_IF_ERROR(store.markSampleDevice(d.id));
  }
  return core::Status::ok();
}

// Customers [first, last] with weekly usage over the scenario's months, uploaded by the sample
// devices (seq per device, continuing from the customers before).
core::Status writeCustomers(store::Transaction& tx, const tenancy::Tenant& t, const Scenario& s, int first, int last,
                            int64_t now) {
  catalog::CatalogStore catalogStore(tx);
  usage::UsageStore usage(tx);
  const int weeks = s.months * 30 / 7;
  Random rnd{0x9e3779b97f4a7c15ULL ^ (static_cast<uint64_t>(first) << 20) ^ std::hash<std::string>{}(t.id)};
  std::vector<std::vector<core::sync::UsageRow>> perDevice(static_cast<size_t>(s.devices));
  for (int i = first; i <= last; ++i) {
    const std::string name = user(i);
    const Json& plan = planCatalog()[static_cast<size_t>(i % s.plans)];
    Json spec{{"username", name}, {"password", core::pki::randomHex(6)}, {"plan", plan["name"]}};
    EDGE_RETURN_IF_ERROR(catalog::putSubscriber(tx, t, spec, "mgmt", now));
    EDGE_RETURN_IF_ERROR(catalogStore.markSampleSubscriber(t.id, name));
    const size_t device = static_cast<size_t>(i % s.devices);
    for (int week = weeks; week >= 1; --week) {
      core::sync::UsageRow u;
      // Sequence numbers per device: customer i's weeks, after the customers before it on that device.
      u.seq = static_cast<int64_t>(i) * 1000 + week;
      u.at = now - static_cast<int64_t>(week) * 7 * 86400;
      u.session = "sample-" + name + "-" + std::to_string(week);
      u.username = name;
      u.inputOctets = static_cast<int64_t>(1400000000ULL + rnd.next(5600000000ULL));
      u.outputOctets = static_cast<int64_t>(7000000000ULL + rnd.next(28000000000ULL));
      u.sessionTime = 25200 + static_cast<int64_t>(rnd.next(140000));
      perDevice[device].push_back(std::move(u));
    }
  }
  for (size_t d = 0; d < perDevice.size(); ++d) {
    if (perDevice[d].empty()) continue;
    std::sort(perDevice[d].begin(), perDevice[d].end(),
              [](const core::sync::UsageRow& a, const core::sync::UsageRow& b) { return a.seq < b.seq; });
    EDGE_ASSIGN_OR_RETURN(std::vector<const core::sync::UsageRow*> fresh,
                          usage.insertUsageRows(deviceId(t, static_cast<int>(d) + 1), t.id, perDevice[d]));
    EDGE_RETURN_IF_ERROR(usage.addToTotals(t.id, fresh));
  }
  return core::Status::ok();
}

}  // namespace

const std::vector<Scenario> kScenarios = {
    {"small", 50, 3, 10, 3},
    {"medium", 500, 5, 12, 12},
    {"enterprise", 2000, 8, 40, 12},
};

const std::vector<Scenario>& scenarios() { return kScenarios; }

const Scenario* findScenario(const std::string& name) {
  for (const Scenario& s : scenarios())
    if (s.name == name) return &s;
  return nullptr;
}

std::string scenarioNames() {
  std::string out;
  for (const Scenario& s : scenarios()) out += (out.empty() ? "" : ", ") + s.name;
  return out;
}

const Scenario& scenarioForSize(int64_t customers) {
  if (customers <= 200) return scenarios()[0];
  if (customers <= 1500) return scenarios()[1];
  return scenarios()[2];
}

std::vector<std::string> scenarioSteps(const Scenario& s) {
  std::vector<std::string> steps = {"plans", "devices"};
  for (int first = 1; first <= s.customers; first += kCustomersPerStep) {
    const int last = std::min(s.customers, first + kCustomersPerStep - 1);
    steps.push_back("customers " + std::to_string(first) + "-" + std::to_string(last));
  }
  return steps;
}

core::Status writeScenarioStep(store::Transaction& tx, const tenancy::Tenant& tenant, const Scenario& s, size_t index,
                               int64_t now) {
  if (index == 0) return writePlans(tx, tenant, s, now);
  if (index == 1) return writeDevices(tx, tenant, s, now);
  const int first = static_cast<int>(index - 2) * kCustomersPerStep + 1;
  if (first > s.customers) return core::invalidArgument("scenario '" + s.name + "' has no step " + std::to_string(index));
  return writeCustomers(tx, tenant, s, first, std::min(s.customers, first + kCustomersPerStep - 1), now);
}

core::Status writeScenario(store::Transaction& tx, const tenancy::Tenant& tenant, const Scenario& s, int64_t now) {
  const size_t n = scenarioSteps(s).size();
  for (size_t i = 0; i < n; ++i) EDGE_RETURN_IF_ERROR(writeScenarioStep(tx, tenant, s, i, now));
  return core::Status::ok();
}

}  // namespace mgmt::onboarding
