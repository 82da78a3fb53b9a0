// The platform's and a tenant's insight lists over mgmt's storage (issue 26, ADR 0059): every
// tenant's health score with its factors (tenant_health.h) and the premium upsell candidates, from
// the boxes and their open alerts (fleet, monitoring), customers and their growth, subscriptions in
// dunning (billing), the churn scores (insight) and refusals of a higher tier's plugins (the audit
// log); a tenant's retention list (the top 20% of its scored customers, with a suggested action) and
// its customer upsell candidates (from the daily features). Reads only, through each area's store;
// the command layer decides who may ask.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "mgmt/insight/insight_store.h"
#include "mgmt/insight/tenant_health.h"
#include "mgmt/store/sql.h"

namespace mgmt::insight {

struct TenantReport {
  TenantSignals signals;
  TenantHealth health;
  std::optional<std::string> upsell;  // why it is a premium upsell candidate
};

struct RetentionEntry {
  Score score;
  std::string action;
};

class HealthService {
 public:
  HealthService(store::Storage& storage, int atRiskScore) : storage_(storage), atRiskScore_(atRiskScore) {}

  // Every tenant's (or one's: `onlyTenant`), by name. `pluginOf` names the plugin a command needs
  // ("" for none): a refused command that needs one its tier lacks counts as asking for it.
  core::Result<std::vector<TenantReport>> tenants(const std::string& onlyTenant, int64_t now,
                                                 const std::function<std::string(const std::string&)>& pluginOf);
  // The top 20% (rounded up) of the tenant's scored customers, highest first, at most `limit`; a
  // customer scoring 0 (no risk) is never listed.
  core::Result<std::vector<RetentionEntry>> retention(const std::string& tenantId, int64_t limit);
  // Customers with repeated quota exhaustion or top-ups in the 90 days before `today`, most first.
  core::Result<std::vector<CustomerUpsell>> customerUpsell(const std::string& tenantId, int32_t today, int64_t limit);

 private:
  store::Storage& storage_;
  int atRiskScore_;
};

}  // namespace mgmt::insight
