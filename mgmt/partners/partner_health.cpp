#include "mgmt/partners/partner_health.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "billing/invoicing/calendar.h"
#include "core/command_args.h"
#include "mgmt/customers/customer_store.h"
#include "mgmt/insight/health_service.h"
#include "mgmt/insight/insight_store.h"
#include "mgmt/insight/tenant_health.h"
#include "mgmt/partners/partner_internal.h"

namespace mgmt::partners {

using core::CommandArgs;
using core::ControlReply;
using core::Json;

namespace {

constexpr int64_t kMaxHealthAccounts = 1000;

// An account in force for the partner on the day.
struct HealthAccount {
  std::string tenantId, username, source;
  int64_t fromDay = 0;
};

// A customer's churn band: at risk from the threshold of the ISP's own at-risk list, watch from half
// of it, low risk below.
std::string churnBand(int score, int atRiskScore) {
  if (score >= atRiskScore) return "at risk";
  if (score * 2 >= atRiskScore) return "watch";
  return "low risk";
}

// The words of the factors that cost a tenant points, most first (at most three).
std::string tenantFactorWords(const insight::TenantHealth& h) {
  if (!h.known) return "no data yet: no boxes, subscriptions, customers or churn scores";
  std::vector<const insight::HealthFactor*> lost;
  for (const insight::HealthFactor& f : h.factors)
    if (f.known && f.weight - f.points >= 0.5) lost.push_back(&f);
  std::stable_sort(lost.begin(), lost.end(), [](const insight::HealthFactor* a, const insight::HealthFactor* b) {
    return a->weight - a->points > b->weight - b->points;
  });
  std::string out;
  for (size_t i = 0; i < lost.size() && i < 3; ++i) out += (i == 0 ? "" : "; ") + lost[i]->words;
  return out.empty() ? "nothing costs it points" : out;
}

std::string sourceWords(const std::string& source) {
  return source == "referral" ? "referral code" : source == "territory" ? "territory" : "by hand";
}

ControlReply partnerHealth(PartnerService& partners, insight::InsightService& insight, const Json& args,
                           const tenancy::Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "partner", "limit"}));
  const Who who = whoOf(caller);
  std::string id = who.partnerId;
  if (a.has("partner")) {
    EDGE_ASSIGN_OR_RETURN(id, a.required("partner"));
  }
  if (id.empty()) return ControlReply::error(core::invalidArgument("partner: which partner"));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, a.integer("limit", 1, kMaxHealthAccounts));
  const int64_t today = partners.today();
  const int atRiskScore = insight.options().atRiskScore;
  Partner p;
  std::vector<HealthAccount> accounts;
  Json rows = Json::array();
  EDGE_RETURN_IF_ERROR(insight.storage().transact(
      [&](store::Transaction& tx) -> core::Status {
        accounts.clear();
        rows = Json::array();
        PartnerStore st(tx);
        EDGE_ASSIGN_OR_RETURN(p, reachablePartner(st, who, id));
        // The partner's history names every account it ever had; the attribution in force today
        // decides whether the account is still its own.
        EDGE_ASSIGN_OR_RETURN(std::vector<Attribution> history, st.attributions("", "", p.id));
        std::set<std::pair<std::string, std::string>> seen;
        for (const Attribution& h : history) {
          if (!seen.insert({h.tenantId, h.username}).second) continue;
          EDGE_ASSIGN_OR_RETURN(std::optional<Attribution> now, st.attributionAt(h.tenantId, h.username, today));
          if (!now || now->partnerId != p.id || now->tenantId.empty()) continue;
          accounts.push_back({now->tenantId, now->username, now->source, now->fromDay});
        }
        if (p.scope.empty()) return core::Status::ok();  // a platform partner's tenants: below
        customers::CustomerStore people(tx);
        insight::InsightStore scores(tx);
        for (const HealthAccount& acc : accounts) {
          if (acc.tenantId != p.scope) continue;  // a reseller sells inside its own tenant only
          Json row{{"tenant", acc.tenantId},
                   {"account", acc.username},
                   {"username", acc.username},
                   {"from", ::billing::formatDay(acc.fromDay)},
                   {"source", sourceWords(acc.source)},
                   {"known", false},
                   {"risk", -1},
                   {"band", "no score yet"},
                   {"factors", ""},
                   {"action", ""}};
          EDGE_ASSIGN_OR_RETURN(std::optional<customers::Customer> c, people.findByUsername(acc.tenantId, acc.username));
          std::optional<insight::Score> s;
          if (c) {
            EDGE_ASSIGN_OR_RETURN(s, scores.score(acc.tenantId, c->id));
          }
          if (!c) row["factors"] = "no customer record for this subscriber yet";
          else if (!s) row["factors"] = "not scored yet (new, or no usage history)";
          if (s) {
            row["known"] = true;
            row["churn-score"] = s->score;
            row["risk"] = s->score;
            row["band"] = churnBand(s->score, atRiskScore);
            row["factors"] = s->factors.empty() ? "nothing stands out" : s->factors;
            row["action"] = s->score * 2 >= atRiskScore ? insight::retentionAction(s->factors) : "";
            row["scored-at"] = s->scoredAt;
          }
          rows.push_back(std::move(row));
        }
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  if (p.scope.empty()) {
    insight::HealthService health(insight.storage(), atRiskScore);
    std::map<std::string, HealthAccount> tenants;  // the earliest account of each tenant says since when
    for (const HealthAccount& acc : accounts) {
      auto [it, added] = tenants.emplace(acc.tenantId, acc);
      if (!added && acc.fromDay < it->second.fromDay) it->second = acc;
    }
    for (const auto& [tenantId, acc] : tenants) {
      // One tenant by its id, never "" (which lists every tenant); an inactive one is left out.
      if (tenantId.empty()) continue;
      EDGE_ASSIGN_OR_RETURN(std::vector<insight::TenantReport> one, health.tenants(tenantId, ::time(nullptr), nullptr));
      for (const insight::TenantReport& r : one) {
        if (r.signals.tenantId != tenantId) continue;
        Json factors = Json::array();
        for (const insight::HealthFactor& f : r.health.factors)
          factors.push_back(Json{{"name", f.name}, {"weight", f.weight}, {"known", f.known},
                                 {"points", static_cast<double>(static_cast<int64_t>(f.points * 10 + 0.5)) / 10},
                                 {"words", f.words}});
        rows.push_back(Json{{"tenant", tenantId},
                            {"account", r.signals.name},
                            {"name", r.signals.name},
                            {"tier", r.signals.tier},
                            {"from", ::billing::formatDay(acc.fromDay)},
                            {"source", sourceWords(acc.source)},
                            {"known", r.health.known},
                            {"health-score", r.health.score},
                            {"risk", r.health.known ? 100 - r.health.score : -1},
                            {"band", r.health.band},
                            {"factors", tenantFactorWords(r.health)},
                            {"details", factors},
                            {"action", ""}});
      }
    }
  }
  std::vector<Json> sorted(rows.begin(), rows.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const Json& x, const Json& y) {
    const int64_t rx = x["risk"].get<int64_t>(), ry = y["risk"].get<int64_t>();
    if (rx != ry) return rx > ry;
    return x["account"].get<std::string>() < y["account"].get<std::string>();
  });
  Json summary{{"at-risk", 0}, {"watch", 0}, {"fine", 0}, {"no-data", 0}};
  for (const Json& r : sorted) {
    const std::string band = r["band"].get<std::string>();
    const char* key = band == "at risk" ? "at-risk" : band == "watch" ? "watch" : r["known"].get<bool>() ? "fine" : "no-data";
    summary[key] = summary[key].get<int64_t>() + 1;
  }
  const int64_t total = static_cast<int64_t>(sorted.size());
  const int64_t shown = std::min(total, limit.value_or(kMaxHealthAccounts));
  rows = Json::array();
  for (int64_t i = 0; i < shown; ++i) rows.push_back(std::move(sorted[static_cast<size_t>(i)]));
  const bool platform = p.scope.empty();
  return ControlReply::success(std::to_string(total) + (platform ? " tenant(s)" : " customer(s)") + " of " + p.name + ", " +
                                   std::to_string(summary["at-risk"].get<int64_t>()) + " at risk",
                               Json{{"partner", p.id},
                                    {"level", platform ? "platform" : "tenant"},
                                    {"at-risk-score", atRiskScore},
                                    {"accounts", rows},
                                    {"total", total},
                                    {"summary", summary}});
}

}  // namespace

void bindPartnerHealthCommands(core::command::Table& table, PartnerService& partners, insight::InsightService& insight) {
  table.bind("partner-health", [&partners, &insight](const Json& args, const core::command::Caller& c) -> ControlReply {
    // As partner_commands.cpp's scoped(): a non-platform caller without a scope is refused, never
    // taken for the platform.
    if (!c.role.empty() && c.role.rfind("platform-", 0) != 0 && c.scope.empty())
      return ControlReply::error(core::permissionDenied("a tenant or partner caller without a scope"));
    return partnerHealth(partners, insight, args, tenancy::Caller{c.scope});
  });
}

}  // namespace mgmt::partners
