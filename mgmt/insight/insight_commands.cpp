#include "mgmt/insight/insight_commands.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <memory>

#include "core/command_args.h"
#include "core/json.h"
#include "mgmt/insight/daily_run.h"
#include "mgmt/insight/day_collector.h"
#include "mgmt/insight/demo_sample.h"
#include "mgmt/insight/health_service.h"
#include "mgmt/tenancy/tenancy_service.h"
#include "mgmt/tenancy/tenant_store.h"

namespace mgmt::insight {

using core::CommandArgs;
using core::ControlReply;
using core::Json;

namespace {

// The tenant the arguments name, as the caller may see it (kNotFound for another's).
core::Result<std::string> tenantId(store::Storage& storage, const CommandArgs& a, const tenancy::Caller& caller) {
  std::string id;
  EDGE_RETURN_IF_ERROR(storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(tenancy::Tenant t, tenancy::tenantFromArgs(tx, a, caller));
        id = t.id;
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return id;
}

// --day D (days since 1970-01-01) or today by the clock of the caller's request.
core::Result<int32_t> dayOf(const CommandArgs& a) {
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> day, a.integer("day"));
  if (day) return static_cast<int32_t>(*day);
  return static_cast<int32_t>(::time(nullptr) / 86400);
}

Json metricsJson(const Metrics& m) {
  Json bins = Json::array();
  for (const CalibrationBin& b : m.bins) bins.push_back(Json{{"customers", b.count}, {"predicted", b.predicted}, {"observed", b.observed}});
  return Json{{"customers", m.customers}, {"churned", m.churned}, {"auc", m.auc}, {"lift-top-decile", m.lift10},
              {"ece", m.ece}, {"brier", m.brier}, {"calibration", bins}};
}

std::vector<std::string> allTenants(store::Storage& storage) {
  std::vector<std::string> out;
  (void)storage.transact(
      [&out](store::Transaction& tx) -> core::Status {
        out.clear();
        EDGE_ASSIGN_OR_RETURN(std::vector<tenancy::Tenant> list, tenancy::TenantStore(tx).list(""));
        for (const tenancy::Tenant& t : list) out.push_back(t.id);
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly);
  return out;
}

}  // namespace

Json factorJson(const HealthFactor& f) {
  return Json{{"name", f.name}, {"weight", f.weight}, {"known", f.known},
              {"value", std::round(f.value * 100) / 100}, {"points", std::round(f.points * 10) / 10}, {"words", f.words}};
}

void bindHealthCommands(core::command::Table& table, InsightService& insight) {
  store::Storage& storage = insight.storage();
  auto health = std::make_shared<HealthService>(storage, insight.options().atRiskScore);
  table.bind("tenant-health", [health, &table](const Json& args, const core::command::Caller& c) -> ControlReply {
    CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(tenancy::Caller caller, tenancy::callerOf(c));
    if (!caller.platform()) return ControlReply::error(core::permissionDenied("tenant-health is the platform's"));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> only, a.text("tenant"));
    auto pluginOf = [&table](const std::string& command) {
      const core::command::Spec* spec = table.find(command);
      return spec == nullptr ? std::string() : spec->feature;
    };
    EDGE_ASSIGN_OR_RETURN(std::vector<TenantReport> list, health->tenants(only.value_or(""), ::time(nullptr), pluginOf));
    if (only && list.empty()) return ControlReply::error(core::notFound("tenant: no active tenant '" + *only + "'"));
    Json tenants = Json::array();
    int64_t upsell = 0;
    for (const TenantReport& r : list) {
      Json factors = Json::array();
      for (const HealthFactor& f : r.health.factors) factors.push_back(factorJson(f));
      tenants.push_back(Json{{"tenant", r.signals.tenantId},
                             {"name", r.signals.name},
                             {"tier", r.signals.tier},
                             {"known", r.health.known},
                             {"score", r.health.score},
                             {"band", r.health.band},
                             {"weakest", r.health.weakest},
                             {"factors", factors},
                             {"subscribers", r.signals.subscribers},
                             {"subscriber-cap", r.signals.subscriberCap},
                             {"upsell", r.upsell ? Json(*r.upsell) : Json(nullptr)}});
      if (r.upsell) ++upsell;
    }
    return ControlReply::success(std::to_string(list.size()) + " tenant(s) scored, " + std::to_string(upsell) +
                                     " upsell candidate(s)",
                                 Json{{"tenants", tenants}});
  });
  table.bind("demo-insight", [&storage](const Json& args, const core::command::Caller& c) -> ControlReply {
    CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(tenancy::Caller caller, tenancy::callerOf(c));
    if (!caller.platform()) return ControlReply::error(core::permissionDenied("demo-insight is the platform's"));
    DemoSample made;
    EDGE_RETURN_IF_ERROR(storage.transact([&](store::Transaction& tx) -> core::Status {
      EDGE_ASSIGN_OR_RETURN(tenancy::Tenant t, tenancy::tenantFromArgs(tx, a, caller));
      const int64_t now = ::time(nullptr);
      EDGE_ASSIGN_OR_RETURN(made, writeDemoSample(tx, t, static_cast<int32_t>(now / 86400), now));
      return core::Status::ok();
    }));
    return ControlReply::success("sample insight written: " + std::to_string(made.customersAdded) + " customers added, " +
                                     std::to_string(made.histories) + " histories, alert " + std::to_string(made.alertId) +
                                     " with " + std::to_string(made.affected) + " affected and " +
                                     std::to_string(made.notifications) + " notifications; run insight-train and insight-score",
                                 Json{{"customers-added", made.customersAdded}, {"histories", made.histories},
                                      {"alert", made.alertId}, {"affected", made.affected},
                                      {"notifications", made.notifications}, {"maintenance", made.maintenanceId}});
  });
  table.bind("insight-retention", [health, &storage](const Json& args, const core::command::Caller& c) -> ControlReply {
    CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(tenancy::Caller caller, tenancy::callerOf(c));
    EDGE_ASSIGN_OR_RETURN(std::string tenant, tenantId(storage, a, caller));
    EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, a.integer("limit"));
    EDGE_ASSIGN_OR_RETURN(std::vector<RetentionEntry> list, health->retention(tenant, limit.value_or(100)));
    Json customers = Json::array();
    for (const RetentionEntry& e : list)
      customers.push_back(Json{{"customer", e.score.customerId}, {"score", e.score.score}, {"factors", e.score.factors},
                               {"action", e.action}, {"scored-at", e.score.scoredAt}});
    return ControlReply::success(std::to_string(list.size()) + " customer(s) in the top 20% at risk",
                                 Json{{"customers", customers}});
  });
  table.bind("insight-upsell", [health, &storage](const Json& args, const core::command::Caller& c) -> ControlReply {
    CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(tenancy::Caller caller, tenancy::callerOf(c));
    EDGE_ASSIGN_OR_RETURN(std::string tenant, tenantId(storage, a, caller));
    EDGE_ASSIGN_OR_RETURN(int32_t day, dayOf(a));
    EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, a.integer("limit"));
    EDGE_ASSIGN_OR_RETURN(std::vector<CustomerUpsell> list, health->customerUpsell(tenant, day, limit.value_or(100)));
    Json customers = Json::array();
    for (const CustomerUpsell& u : list)
      customers.push_back(Json{{"customer", u.customerId}, {"quota-exhausted", u.exhausted}, {"top-ups", u.topUps},
                               {"why", u.words}, {"action", "offer a plan with a bigger quota"}});
    return ControlReply::success(std::to_string(list.size()) + " customer upsell candidate(s)",
                                 Json{{"customers", customers}});
  });
}

void bindInsightCommands(core::command::Table& table, InsightService& insight) {
  bindHealthCommands(table, insight);
  store::Storage& storage = insight.storage();
  table.bind("insight-train", [&insight, &storage](const Json& args, const core::command::Caller& c) -> ControlReply {
    CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(tenancy::Caller caller, tenancy::callerOf(c));
    if (!caller.platform()) return ControlReply::error(core::permissionDenied("insight-train is the platform's"));
    EDGE_ASSIGN_OR_RETURN(int32_t day, dayOf(a));
    EDGE_ASSIGN_OR_RETURN(TrainReport r, insight.train(allTenants(storage), day, ::time(nullptr)));
    return ControlReply::success("trained the prior on " + std::to_string(r.examples) + " examples and " +
                                     std::to_string(r.tenants) + " tenant models",
                                 Json{{"tenants", r.tenants}, {"examples", r.examples}, {"customers", r.customers}});
  });
  table.bind("insight-collect", [&storage](const Json& args, const core::command::Caller& c) -> ControlReply {
    CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(tenancy::Caller caller, tenancy::callerOf(c));
    EDGE_ASSIGN_OR_RETURN(std::string tenant, tenantId(storage, a, caller));
    EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> given, a.integer("day"));
    const int32_t day = given ? static_cast<int32_t>(*given) : static_cast<int32_t>(::time(nullptr) / 86400 - 1);
    EDGE_ASSIGN_OR_RETURN(CollectReport r, collectDay(storage, tenant, day));
    return ControlReply::success("day " + std::to_string(day) + ": features of " + std::to_string(r.customers) +
                                     " customers written, " + std::to_string(r.active) + " with activity",
                                 Json{{"day", day}, {"customers", r.customers}, {"active", r.active}});
  });
  table.bind("insight-runs", [&insight](const Json& args, const core::command::Caller& c) -> ControlReply {
    CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(tenancy::Caller caller, tenancy::callerOf(c));
    if (!caller.platform()) return ControlReply::error(core::permissionDenied("insight-runs is the platform's"));
    EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, a.integer("limit"));
    const int64_t now = ::time(nullptr);
    EDGE_ASSIGN_OR_RETURN(DailyInsight::Schedule s, DailyInsight(insight).schedule(now, limit.value_or(14)));
    Json runs = Json::array();
    for (const InsightRun& r : s.runs)
      runs.push_back(Json{{"day", r.day}, {"started-at", r.startedAt}, {"finished-at", r.finishedAt},
                          {"attempts", r.attempts}, {"outcome", r.outcome}, {"detail", r.detail}});
    std::string text = !s.enabled ? "the daily run is off (insight.daily)"
                                  : "the daily run starts at " + s.dailyAt + " UTC; next in " +
                                        std::to_string(std::max<int64_t>(0, s.nextRunAt - now) / 60) + " min";
    if (!s.runs.empty()) text += "; last: day " + std::to_string(s.runs[0].day) + " " + s.runs[0].outcome;
    return ControlReply::success(text, Json{{"enabled", s.enabled}, {"daily-at", s.dailyAt},
                                            {"next-run-at", s.nextRunAt}, {"runs", runs}});
  });
  table.bind("insight-score", [&insight, &storage](const Json& args, const core::command::Caller& c) -> ControlReply {
    CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(tenancy::Caller caller, tenancy::callerOf(c));
    EDGE_ASSIGN_OR_RETURN(std::string tenant, tenantId(storage, a, caller));
    EDGE_ASSIGN_OR_RETURN(int32_t day, dayOf(a));
    EDGE_ASSIGN_OR_RETURN(int64_t n, insight.score(tenant, day, ::time(nullptr)));
    return ControlReply::success("scored " + std::to_string(n) + " customers", Json{{"scored", n}});
  });
  table.bind("insight-backtest", [&insight, &storage](const Json& args, const core::command::Caller& c) -> ControlReply {
    CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(tenancy::Caller caller, tenancy::callerOf(c));
    std::vector<std::string> tenants;
    if (a.has("tenant") || !caller.platform()) {
      EDGE_ASSIGN_OR_RETURN(std::string tenant, tenantId(storage, a, caller));
      tenants.push_back(tenant);
    } else {
      tenants = allTenants(storage);
    }
    EDGE_ASSIGN_OR_RETURN(int32_t day, dayOf(a));
    EDGE_ASSIGN_OR_RETURN(BacktestReport r, insight.backtest(tenants, day));
    Json perTenant = Json::object();
    for (const auto& [t, m] : r.tenants) perTenant[t] = metricsJson(m);
    return ControlReply::success(r.text(), Json{{"overall", metricsJson(r.overall)}, {"tenants", perTenant},
                                                {"training-examples", r.trainingExamples}});
  });
  table.bind("insight-at-risk", [&insight, &storage](const Json& args, const core::command::Caller& c) -> ControlReply {
    CommandArgs a(args);
    EDGE_ASSIGN_OR_RETURN(tenancy::Caller caller, tenancy::callerOf(c));
    EDGE_ASSIGN_OR_RETURN(std::string tenant, tenantId(storage, a, caller));
    EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, a.integer("limit"));
    EDGE_ASSIGN_OR_RETURN(std::vector<Score> list, insight.atRisk(tenant, limit.value_or(100)));
    Json customers = Json::array();
    for (const Score& s : list)
      customers.push_back(Json{{"customer", s.customerId}, {"score", s.score}, {"factors", s.factors}, {"scored-at", s.scoredAt}});
    return ControlReply::success(std::to_string(list.size()) + " customers at risk", Json{{"customers", customers}});
  });
}

}  // namespace mgmt::insight
