#include "mgmt/insight/health_service.h"

#include <algorithm>
#include <set>

#include "mgmt/access/audit_store.h"
#include "mgmt/billing/dunning_store.h"
#include "mgmt/catalog/catalog_store.h"
#include "mgmt/customers/customer_store.h"
#include "mgmt/fleet/fleet_store.h"
#include "mgmt/monitoring/monitoring_store.h"
#include "mgmt/tenancy/tenant_store.h"
#include "mgmt/tiers.h"

namespace mgmt::insight {

namespace {

constexpr int64_t kMonth = 30 * 86400;

// What one tenant's rows say, read in the caller's unit of work.
core::Result<TenantSignals> signalsOf(store::Transaction& tx, const tenancy::Tenant& t, int64_t now, int atRiskScore,
                                      const std::function<std::string(const std::string&)>& pluginOf) {
  TenantSignals s;
  s.tenantId = t.id;
  s.name = t.name;
  s.tier = t.tier;
  EDGE_ASSIGN_OR_RETURN(std::vector<fleet::DeviceRow> devices, fleet::FleetStore(tx).devices(t.id));
  std::set<std::string> active;
  for (const fleet::DeviceRow& d : devices)
    if (d.status == "active") active.insert(d.id);
  s.boxes = static_cast<int64_t>(active.size());
  EDGE_ASSIGN_OR_RETURN(std::vector<monitoring::Alert> open, monitoring::MonitoringStore(tx).alerts(t.id, "open", 100000));
  std::set<std::string> offline, alarming;
  for (const monitoring::Alert& a : open) {
    if (!active.count(a.deviceId)) continue;
    (a.kind == "offline" ? offline : alarming).insert(a.deviceId);
  }
  for (const std::string& d : offline) alarming.erase(d);  // a silent box counts once, as offline
  s.boxesOffline = static_cast<int64_t>(offline.size());
  s.boxesAlarming = static_cast<int64_t>(alarming.size());
  customers::CustomerStore people(tx);
  EDGE_ASSIGN_OR_RETURN(s.customers, people.count(t.id));
  EDGE_ASSIGN_OR_RETURN(s.customersMonthAgo, people.countCreatedBefore(t.id, now - kMonth));
  EDGE_ASSIGN_OR_RETURN(std::vector<billing::DunningState> dunning, billing::DunningStore(tx).allStates(t.id, 1000000));
  s.inDunning = static_cast<int64_t>(dunning.size());
  EDGE_ASSIGN_OR_RETURN(s.subscribers, catalog::CatalogStore(tx).subscriberCount(t.id));
  s.subscriptions = s.subscribers;
  if (const Tier* tier = findTier(t.tier)) s.subscriberCap = tier->subscriberCap;
  EDGE_ASSIGN_OR_RETURN(InsightStore::ScoreSummary scores, InsightStore(tx).scoreSummary(t.id, atRiskScore));
  s.scored = scores.scored;
  s.atRisk = scores.atRisk;
  s.meanScore = scores.mean;
  if (pluginOf) {
    access::AuditQuery q;
    q.tenantId = t.id;
    q.since = now - kMonth;
    q.limit = 1000;
    EDGE_ASSIGN_OR_RETURN(std::vector<access::AuditRow> rows, access::AuditStore(tx).search(q));
    for (const access::AuditRow& r : rows) {
      if (r.outcome == "ok") continue;
      const std::string plugin = pluginOf(r.command);
      if (plugin.empty()) continue;
      const Tier* tier = findTier(t.tier);
      if (tier == nullptr || !tier->hasPlugin(plugin)) s.askedPlugins.push_back(plugin);
    }
  }
  return s;
}

}  // namespace

core::Result<std::vector<TenantReport>> HealthService::tenants(
    const std::string& onlyTenant, int64_t now, const std::function<std::string(const std::string&)>& pluginOf) {
  std::vector<TenantReport> out;
  EDGE_RETURN_IF_ERROR(storage_.transact(
      [&](store::Transaction& tx) -> core::Status {
        out.clear();
        EDGE_ASSIGN_OR_RETURN(std::vector<tenancy::Tenant> list, tenancy::TenantStore(tx).list(onlyTenant));
        for (const tenancy::Tenant& t : list) {
          if (t.status != "active") continue;
          TenantReport r;
          EDGE_ASSIGN_OR_RETURN(r.signals, signalsOf(tx, t, now, atRiskScore_, pluginOf));
          r.health = tenantHealth(r.signals);
          r.upsell = premiumUpsell(r.signals);
          out.push_back(std::move(r));
        }
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  std::sort(out.begin(), out.end(),
            [](const TenantReport& a, const TenantReport& b) { return a.signals.name < b.signals.name; });
  return out;
}

core::Result<std::vector<RetentionEntry>> HealthService::retention(const std::string& tenantId, int64_t limit) {
  std::vector<RetentionEntry> out;
  EDGE_RETURN_IF_ERROR(storage_.transact(
      [&](store::Transaction& tx) -> core::Status {
        out.clear();
        InsightStore store(tx);
        EDGE_ASSIGN_OR_RETURN(InsightStore::ScoreSummary summary, store.scoreSummary(tenantId, atRiskScore_));
        const int64_t top = std::min(limit, (summary.scored + 4) / 5);
        if (top <= 0) return core::Status::ok();
        EDGE_ASSIGN_OR_RETURN(std::vector<Score> scores, store.atRisk(tenantId, 1, top));
        for (Score& s : scores) {
          RetentionEntry e;
          e.action = retentionAction(s.factors);
          e.score = std::move(s);
          out.push_back(std::move(e));
        }
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return out;
}

core::Result<std::vector<CustomerUpsell>> HealthService::customerUpsell(const std::string& tenantId, int32_t today,
                                                                       int64_t limit) {
  std::vector<CustomerUpsell> out;
  EDGE_RETURN_IF_ERROR(storage_.transact(
      [&](store::Transaction& tx) -> core::Status {
        out.clear();
        return InsightStore(tx).forEachCustomer(tenantId, today - 90, today, [&](History&& h) -> core::Status {
          if (std::optional<CustomerUpsell> u = insight::customerUpsell(h, today)) out.push_back(std::move(*u));
          return core::Status::ok();
        });
      },
      store::Storage::Mode::kReadOnly));
  std::sort(out.begin(), out.end(), [](const CustomerUpsell& a, const CustomerUpsell& b) {
    const int x = a.exhausted + a.topUps, y = b.exhausted + b.topUps;
    return x != y ? x > y : a.customerId < b.customerId;
  });
  if (static_cast<int64_t>(out.size()) > limit) out.resize(static_cast<size_t>(limit));
  return out;
}

}  // namespace mgmt::insight
