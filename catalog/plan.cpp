#include "catalog/plan.h"

#include <optional>
#include <string>
#include <vector>

#include "core/units.h"

namespace catalog {

using core::CommandArgs;

namespace {

// The billing arguments of plan-add and plan-set (see billing/rating/rules.h for the forms).
core::Status applyBillingArgs(const CommandArgs& a, billing::BillingRules& b) {
  core::Result<std::optional<std::string>> currency = a.text("currency");
  if (!currency.isOk()) return currency.status();
  const std::string previousCurrency = b.currency;  // what the stored price's minor units are in
  if (*currency) b.currency = **currency;
  core::Result<std::optional<std::string>> price = a.text("price");
  if (!price.isOk()) return price.status();
  if (*price) {
    if (b.currency.empty()) return core::invalidArgument("price: give the currency too (--currency USD)");
    core::Result<int64_t> minor = billing::parseMoney(**price, b.currency);
    if (!minor.isOk()) return minor.status();
    b.priceMinor = *minor;
  } else if (*currency && b.priceMinor != 0) {
    // Re-read the price in the new currency's decimals: refuse when they differ.
    if (billing::currencyExponent(**currency) != billing::currencyExponent(previousCurrency))
      return core::invalidArgument("currency: give the price again for " + **currency);
  }
  core::Result<std::optional<std::string>> period = a.text("period");
  if (!period.isOk()) return period.status();
  if (*period) {
    core::Result<billing::PeriodSpec> spec = billing::parsePeriod(**period);
    if (!spec.isOk()) return spec.status();
    billing::PeriodAnchor anchor = b.period.anchor;
    b.period = *spec;
    b.period.anchor = anchor;
  }
  core::Result<std::optional<std::string>> anchor = a.text("period-anchor");
  if (!anchor.isOk()) return anchor.status();
  if (*anchor) {
    core::Result<billing::PeriodAnchor> an = billing::parseAnchor(**anchor);
    if (!an.isOk()) return an.status();
    b.period.anchor = *an;
  }
  auto duration = [&](const char* key, uint64_t& field) -> core::Status {
    core::Result<std::optional<std::string>> v = a.text(key);
    if (!v.isOk()) return v.status();
    if (!*v) return core::Status::ok();
    if (**v == "none" || **v == "0") {
      field = 0;
      return core::Status::ok();
    }
    core::Result<uint64_t> d = billing::parseDuration(**v);
    if (!d.isOk()) return core::invalidArgument(std::string(key) + ": " + d.status().message());
    field = *d;
    return core::Status::ok();
  };
  EDGE_RETURN_IF_ERROR(duration("time-quota", b.timeQuota));
  EDGE_RETURN_IF_ERROR(duration("validity", b.validitySeconds));
  core::Result<std::optional<std::string>> quota = a.text("data-quota");
  if (!quota.isOk()) return quota.status();
  if (*quota) {
    if (**quota == "none" || **quota == "0") {
      b.dataQuota = 0;
    } else {
      core::Result<uint64_t> bytes = core::parseSize(**quota);
      if (!bytes.isOk()) return core::invalidArgument("data-quota: " + bytes.status().message());
      b.dataQuota = *bytes;
    }
  }
  core::Result<std::optional<std::vector<std::string>>> fup = a.list("fup");
  if (!fup.isOk()) return fup.status();
  if (*fup) {
    b.tiers.clear();
    for (const std::string& f : **fup) {
      if (f == "none") continue;
      core::Result<billing::FupTier> t = billing::parseFup(f);
      if (!t.isOk()) return t.status();  // names the tier
      b.tiers.push_back(*t);
    }
  }
  core::Result<std::optional<std::vector<std::string>>> windows = a.list("window");
  if (!windows.isOk()) return windows.status();
  if (*windows) {
    b.windows.clear();
    for (const std::string& w : **windows) {
      if (w == "none") continue;
      core::Result<billing::TimeWindow> t = billing::parseWindow(w);
      if (!t.isOk()) return t.status();  // names the window
      b.windows.push_back(*t);
    }
  }
  return core::Status::ok();  // the rules as a whole: validatePlan()
}

}  // namespace

// Built on first use, so a static initializer of another library (a daemon's command table) that
// asks for it gets it whole, whatever order the program's statics are built in.
const std::vector<core::command::Arg>& planArguments() {
  using namespace core::command;
  static const std::vector<Arg> args = {
      text("name", true, kMaxPlanNameLength), text("down", false, 32), text("up", false, 32),
      text("burst-down", false, 32), text("burst-up", false, 32),
      integer("burst-threshold").range(0, kMaxBurstThresholdPercent),
      integer("burst-time").range(0, kMaxBurstTimeSeconds),
      integer("session-timeout").range(0, kMaxPlanTimeoutSeconds),
      integer("idle-timeout").range(0, kMaxPlanTimeoutSeconds), integer("interim").range(0, kMaxInterimSeconds),
      integer("max-sessions").range(0, kMaxPlanSessions), text("ip-pool", false, 64), text("price", false, 32),
      text("currency", false, 8), text("period", false, 16), text("period-anchor", false, 16),
      text("data-quota", false, 32), list("fup"), text("time-quota", false, 32), text("validity", false, 32),
      list("window")};
  return args;
}

core::Status applyPlanArgs(const CommandArgs& a, Plan& p) {
  EDGE_RETURN_IF_ERROR(a.only(planArguments()));
  core::Result<std::optional<std::string>> name = a.text("name");
  if (!name.isOk()) return name.status();
  if (*name) p.name = **name;
  auto rate = [&](const char* key, uint64_t& field) -> core::Status {
    core::Result<std::optional<uint64_t>> v = a.rate(key);
    if (!v.isOk()) return v.status();
    if (*v) field = **v;
    return core::Status::ok();
  };
  // Within the table's range: mgmt's stored specs and sync reach here without a command table.
  auto whole = [&](const char* key, uint32_t& field) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> v, a.integer(key, planArguments()));
    if (v) field = static_cast<uint32_t>(*v);
    return core::Status::ok();
  };
  EDGE_RETURN_IF_ERROR(rate("down", p.downBps));
  EDGE_RETURN_IF_ERROR(rate("up", p.upBps));
  EDGE_RETURN_IF_ERROR(rate("burst-down", p.burstDownBps));
  EDGE_RETURN_IF_ERROR(rate("burst-up", p.burstUpBps));
  EDGE_RETURN_IF_ERROR(whole("burst-threshold", p.burstThresholdPercent));
  EDGE_RETURN_IF_ERROR(whole("burst-time", p.burstTimeSeconds));
  EDGE_RETURN_IF_ERROR(whole("session-timeout", p.sessionTimeout));
  EDGE_RETURN_IF_ERROR(whole("idle-timeout", p.idleTimeout));
  EDGE_RETURN_IF_ERROR(whole("interim", p.interimInterval));
  EDGE_RETURN_IF_ERROR(whole("max-sessions", p.maxSessions));
  core::Result<std::optional<std::string>> pool = a.text("ip-pool");
  if (!pool.isOk()) return pool.status();
  if (*pool) p.ipPool = **pool;
  EDGE_RETURN_IF_ERROR(applyBillingArgs(a, p.billing));
  return validatePlan(p);
}

core::Status validatePlan(const Plan& p) {
  if (p.name.empty()) return core::invalidArgument("name is required");
  if (p.name.size() > kMaxPlanNameLength)
    return core::invalidArgument("name: 1 to " + std::to_string(kMaxPlanNameLength) + " characters");
  EDGE_RETURN_IF_ERROR(billing::validate(p.billing));
  if (p.downBps == 0 || p.upBps == 0) return core::invalidArgument("down and up rates are required (e.g. --down 10M --up 5M)");
  if (p.burstDownBps != 0 && p.burstDownBps < p.downBps)
    return core::invalidArgument("burst-down must be at least the down rate");
  if (p.burstUpBps != 0 && p.burstUpBps < p.upBps) return core::invalidArgument("burst-up must be at least the up rate");
  if (p.interimInterval != 0 && p.interimInterval < kMinInterimSeconds)
    return core::invalidArgument("interim: at least 60 seconds (RFC 2869 5.16), or 0 for none");
  return core::Status::ok();
}

}  // namespace catalog
