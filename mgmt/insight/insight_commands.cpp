#include "mgmt/insight/insight_commands.h"

#include <ctime>

#include "core/command_args.h"
#include "core/json.h"
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

void bindInsightCommands(core::command::Table& table, InsightService& insight) {
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
