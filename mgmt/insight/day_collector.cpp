#include "mgmt/insight/day_collector.h"

#include <algorithm>
#include <map>
#include <vector>

#include "mgmt/billing/dunning_store.h"
#include "mgmt/billing/topup_store.h"
#include "mgmt/customers/customer_store.h"
#include "mgmt/insight/features.h"
#include "mgmt/insight/insight_store.h"
#include "mgmt/monitoring/monitoring_store.h"
#include "mgmt/usage/usage_store.h"

namespace mgmt::insight {

core::Result<CollectReport> collectDay(store::Storage& storage, const std::string& tenantId, int32_t day) {
  const int64_t from = static_cast<int64_t>(day) * 86400, to = from + 86400;
  CollectReport report;
  EDGE_RETURN_IF_ERROR(storage.transact([&](store::Transaction& tx) -> core::Status {
    report = CollectReport{};
    std::map<std::string, Day> days;  // by username
    auto cap = [](int64_t v, int64_t max) { return static_cast<uint16_t>(std::clamp<int64_t>(v, 0, max)); };
    EDGE_ASSIGN_OR_RETURN(std::vector<usage::UsageStore::DayActivity> activity,
                          usage::UsageStore(tx).dayActivity(tenantId, from, to));
    for (const usage::UsageStore::DayActivity& a : activity) {
      Day& d = days[a.username];
      d[kUsageMb] = cap(a.octets / 1000000, 65535);
      d[kSessions] = cap(a.sessionsStarted, 65535);
    }
    EDGE_ASSIGN_OR_RETURN(auto outages, monitoring::MonitoringStore(tx).outageSeconds(tenantId, from, to));
    std::map<std::string, int64_t> outageSeconds;
    for (const auto& [user, seconds] : outages) outageSeconds[user] += seconds;
    for (const auto& [user, seconds] : outageSeconds) days[user][kOutageMinutes] = cap((seconds + 59) / 60, 1440);
    // Top-ups paid that day (self-care, ADR 0058): the newest orders first, those of the day and the
    // day after are all among them unless a tenant sells more than kRecentOrders in that time.
    constexpr int64_t kRecentOrders = 50000;
    EDGE_ASSIGN_OR_RETURN(std::vector<billing::TopupOrder> orders,
                          billing::TopupStore(tx).orders(tenantId, "", "paid", kRecentOrders));
    std::map<std::string, int64_t> topUps;
    for (const billing::TopupOrder& o : orders)
      if (o.paidAt >= from && o.paidAt < to) ++topUps[o.username];
    for (const auto& [user, n] : topUps) days[user][kTopUps] = cap(n, 65535);
    // The dunning step each customer stands at (ADR 0047) when the day is collected: its highest over
    // its subscriptions. Collected the night after, it is the day's last standing.
    EDGE_ASSIGN_OR_RETURN(std::vector<billing::DunningState> standings,
                          billing::DunningStore(tx).allStates(tenantId, 1000000));
    for (const billing::DunningState& st : standings)
      if (st.step > 0) days[st.username][kDunningStep] = std::max(days[st.username][kDunningStep], cap(st.step, 3));
    // Every customer holding a subscriber who existed that day, a page at a time.
    customers::CustomerStore customers(tx);
    InsightStore insight(tx);
    constexpr int64_t kPage = 1000;
    for (int64_t offset = 0;; offset += kPage) {
      EDGE_ASSIGN_OR_RETURN(std::vector<customers::Customer> page, customers.search(tenantId, {}, kPage, offset));
      for (const customers::Customer& c : page) {
        if (c.username.empty() || c.createdAt >= to) continue;
        auto it = days.find(c.username);
        const Day d = it == days.end() ? Day{} : it->second;
        EDGE_RETURN_IF_ERROR(insight.putCustomerDays(tenantId, c.id, day, {d}));
        ++report.customers;
        if (it != days.end()) ++report.active;
      }
      if (static_cast<int64_t>(page.size()) < kPage) break;
    }
    return core::Status::ok();
  }));
  return report;
}

}  // namespace mgmt::insight
