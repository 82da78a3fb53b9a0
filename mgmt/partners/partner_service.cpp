// Partners, plans and attributions (partner_service.h); the run, ledger, statements and payouts are
// in commission_run.cpp.
#include "mgmt/partners/partner_service.h"

#include <algorithm>
#include <cctype>

#include "billing/invoicing/calendar.h"
#include "billing/rating/rules.h"
#include "core/json.h"
#include "core/pki.h"
#include "mgmt/partners/partner_internal.h"
#include "mgmt/partners/program_service.h"
#include "mgmt/tenancy/tenancy_service.h"

namespace mgmt::partners {

using ::billing::commissions::Entry;
using ::billing::commissions::Plan;
using core::CommandArgs;
using core::ControlReply;
using core::Json;
using tenancy::Caller;
using tenancy::Tenant;

// ---- shared helpers (partner_internal.h) ----

Who whoOf(const Caller& caller) {
  Who w;
  if (caller.tenantId.rfind("partner:", 0) == 0) w.partnerId = caller.tenantId.substr(8);
  else if (caller.tenantId.empty()) w.platform = true;
  else w.tenantId = caller.tenantId;
  return w;
}

core::Result<Partner> reachablePartner(PartnerStore& st, const Who& who, const std::string& id) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Partner> p, st.partner(id));
  const bool reach = p && (who.platform || (!who.tenantId.empty() && p->scope == who.tenantId) ||
                           (!who.partnerId.empty() && p->id == who.partnerId));
  if (!reach) return core::notFound("partner: no partner '" + id + "'");
  return *p;
}

core::Status refusePartnerCaller(const Who& who) {
  if (!who.partnerId.empty()) return core::permissionDenied("a partner reads its own data and changes nothing here");
  return core::Status::ok();
}

std::string money(int64_t minor, const std::string& currency) { return ::billing::formatMoney(minor, currency); }

Json partnerJson(const Partner& p) {
  return Json{{"id", p.id},
              {"level", p.scope.empty() ? "platform" : "tenant"},
              {"tenant", p.scope},
              {"name", p.name},
              {"type", p.type},
              {"tier", p.tier},
              {"status", p.status},
              {"currency", p.currency},
              {"referral-code", p.referralCode},
              {"referral-window-days", p.referralWindowDays},
              {"email", p.email},
              {"iban", p.iban},
              {"bic", p.bic},
              {"hold-days", p.holdDays},
              {"min-payout", money(p.minPayout, p.currency)},
              {"min-payout-minor", p.minPayout}};
}

Json entryJson(const Entry& e, const std::string& currency) {
  return Json{{"seq", e.seq},
              {"kind", ::billing::commissions::entryKindName(e.kind)},
              {"part", e.part},
              {"amount", money(e.amount, currency)},
              {"amount-minor", e.amount},
              {"day", ::billing::formatDay(e.day)},
              {"released", ::billing::formatDay(e.releaseDay)},
              {"tenant", e.tenantId},
              {"username", e.username},
              {"invoice", e.invoiceId},
              {"payment", e.paymentId},
              {"base-minor", e.base},
              {"ref", e.ref}};
}

core::Result<PartnerTerms> PartnerTerms::load(PartnerStore& st, const Partner& p) {
  PartnerTerms t;
  t.partner_ = p;
  EDGE_ASSIGN_OR_RETURN(auto plans, st.partnerPlans(p.id));
  for (const auto& [day, named] : plans) {
    core::Result<Json> spec = core::parseJsonWithComments(named.second, "plan '" + named.first + "'");
    if (!spec.isOk()) return spec.status();
    core::Result<Plan> plan = ::billing::commissions::parsePlan((*spec)["plan"], (*spec)["currency"].get<std::string>());
    if (!plan.isOk()) return core::corrupt("plan '" + named.first + "': " + plan.status().message());
    t.plans_[day] = *plan;
  }
  EDGE_ASSIGN_OR_RETURN(t.tiers_, st.tiers(p.id));
  return t;
}

Plan PartnerTerms::planAt(int64_t day) const {
  auto it = plans_.upper_bound(day);
  if (it == plans_.begin()) return Plan{};
  return std::prev(it)->second;
}

std::string PartnerTerms::tierAt(int64_t day) const {
  auto it = tiers_.upper_bound(day);
  if (it == tiers_.begin()) return partner_.tier;
  return std::prev(it)->second;
}

billing::commissions::Terms PartnerTerms::terms(int64_t day, int64_t attributedFrom) const {
  ::billing::commissions::Terms t;
  t.plan = planAt(day);
  t.monthPlan = planAt(::billing::commissions::monthStartDay(::billing::commissions::monthOf(day)));
  t.tier = tierAt(day);
  t.holdDays = partner_.holdDays;
  t.attributedFrom = attributedFrom;
  return t;
}

core::Result<Statement> computeStatement(PartnerStore& st, const std::string& partnerId, int64_t month) {
  const int64_t from = ::billing::commissions::monthStartDay(month);
  const int64_t to = ::billing::commissions::monthStartDay(::billing::commissions::nextMonth(month)) - 1;
  Statement s;
  s.partnerId = partnerId;
  s.period = month;
  EDGE_ASSIGN_OR_RETURN(s.opening, st.balance(partnerId, from - 1));
  EDGE_ASSIGN_OR_RETURN(auto sums, st.sumsByKind(partnerId, from, to));
  s.accrued = sums["accrual"];
  s.clawedBack = sums["clawback"];
  s.bonus = sums["bonus"];
  s.paidOut = sums["payout"];
  s.closing = s.opening + s.accrued + s.clawedBack + s.bonus + s.paidOut;
  EDGE_ASSIGN_OR_RETURN(s.onHold, st.onHold(partnerId, to));
  s.payable = s.closing - s.onHold;
  return s;
}

Json statementJson(const Statement& s, const std::string& c) {
  char period[48];
  std::snprintf(period, sizeof period, "%04lld-%02lld", static_cast<long long>(s.period / 100),
                static_cast<long long>(s.period % 100));
  return Json{{"partner", s.partnerId},       {"period", period},
              {"opening", money(s.opening, c)}, {"accrued", money(s.accrued, c)},
              {"clawed-back", money(s.clawedBack, c)}, {"bonus", money(s.bonus, c)},
              {"paid-out", money(s.paidOut, c)}, {"closing", money(s.closing, c)},
              {"on-hold", money(s.onHold, c)},  {"payable", money(s.payable, c)},
              {"minor", {{"opening", s.opening}, {"accrued", s.accrued}, {"clawed-back", s.clawedBack},
                         {"bonus", s.bonus}, {"paid-out", s.paidOut}, {"closing", s.closing},
                         {"on-hold", s.onHold}, {"payable", s.payable}}}};
}

core::Result<int64_t> dayArg(const CommandArgs& a, const char* key, int64_t fallback) {
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> text, a.text(key));
  if (!text) return fallback;
  return ::billing::parseDay(*text, key);
}

core::Result<int64_t> monthArg(const CommandArgs& a, const char* key) {
  EDGE_ASSIGN_OR_RETURN(std::string text, a.required(key));
  core::Result<int64_t> day = ::billing::parseDay(text + "-01", key);
  if (text.size() != 7 || !day.isOk()) return core::invalidArgument(std::string(key) + ": expected a month such as 2026-03");
  return ::billing::commissions::monthOf(*day);
}

// ---- the service ----

namespace {

bool isCurrency(const std::string& c) {
  return c.size() == 3 && std::all_of(c.begin(), c.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; });
}

core::Result<Json> specArg(const Json& args) {
  if (!args.contains("spec")) return core::invalidArgument("spec: give the plan, e.g. {\"rate-bp\": 1000}");
  const Json& s = args["spec"];
  if (s.is_object()) {
    if (core::jsonDepth(s) > 4) return core::invalidArgument("spec: nested too deep");
    return s;
  }
  if (!s.is_string()) return core::invalidArgument("spec: expected a JSON object");
  core::Result<Json> parsed = core::parseJsonWithComments(s.get<std::string>(), "spec", core::JsonLimits{8192, 4});
  if (!parsed.isOk()) return parsed.status();
  return *parsed;
}

// The scope a change names: a platform caller's --tenant (a reseller of that tenant) or none (a
// platform partner); a tenant caller's own tenant.
std::string newReferralCode() {
  std::string hex = core::pki::randomHex(5);
  for (char& ch : hex) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return "R" + hex;
}

}  // namespace

core::Result<std::string> scopeOf(store::Transaction& tx, const CommandArgs& a, const Caller& caller, const Who& who) {
  EDGE_RETURN_IF_ERROR(refusePartnerCaller(who));
  if (who.platform && !a.has("tenant")) return std::string();
  EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
  return t.id;
}

ControlReply PartnerService::add(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "name", "type", "tier", "currency", "email", "hold-days", "min-payout",
                               "referral-window-days", "iban", "bic"}));
  const Who who = whoOf(caller);
  Partner p;
  EDGE_ASSIGN_OR_RETURN(p.name, a.required("name"));
  if (p.name.empty() || p.name.size() > 128) return ControlReply::error(core::invalidArgument("name: 1..128 characters"));
  EDGE_ASSIGN_OR_RETURN(p.type, a.required("type"));
  if (!::billing::commissions::isPartnerType(p.type))
    return ControlReply::error(core::invalidArgument(
        "type: one of authorized-dealer, value-added-reseller, system-integrator, distributor, technology-partner, "
        "referral-partner, white-label, franchise"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> tier, a.text("tier"));
  p.tier = tier.value_or("bronze");
  if (!::billing::commissions::isTier(p.tier))
    return ControlReply::error(core::invalidArgument("tier: one of bronze, silver, gold, platinum"));
  EDGE_ASSIGN_OR_RETURN(p.currency, a.required("currency"));
  if (!isCurrency(p.currency)) return ControlReply::error(core::invalidArgument("currency: an ISO 4217 code such as EUR"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> email, a.text("email"));
  p.email = email.value_or("");
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> hold, a.integer("hold-days", 0, 365));
  p.holdDays = hold.value_or(30);
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> window, a.integer("referral-window-days", 1, 365));
  p.referralWindowDays = window.value_or(90);
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> minimum, a.text("min-payout"));
  if (minimum) {
    core::Result<int64_t> m = ::billing::parseMoney(*minimum, p.currency);
    if (!m.isOk() || *m < 0) return ControlReply::error(core::invalidArgument("min-payout: an amount such as 50.00"));
    p.minPayout = *m;
  }
  EDGE_RETURN_IF_ERROR(bankAccountArgs(a, p));
  p.id = "pa-" + core::pki::randomHex(6);
  p.referralCode = newReferralCode();
  p.createdAt = d_.clock.unixSeconds();
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(p.scope, scopeOf(tx, a, caller, who));
    PartnerStore st(tx);
    EDGE_ASSIGN_OR_RETURN(std::vector<Partner> same, st.partners(p.scope));
    for (const Partner& o : same)
      if (o.name == p.name) return core::alreadyExists("name: a partner '" + p.name + "' exists already");
    EDGE_RETURN_IF_ERROR(st.insertPartner(p));
    return st.setTier(p.id, p.createdAt / 86400, p.tier, "created");
  }));
  return ControlReply::success("partner " + p.id + " '" + p.name + "' added (referral code " + p.referralCode + ")",
                               partnerJson(p));
}

ControlReply PartnerService::set(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "partner", "name", "tier", "status", "email", "hold-days", "min-payout",
                               "referral-window-days", "date", "reason", "iban", "bic"}));
  const Who who = whoOf(caller);
  EDGE_RETURN_IF_ERROR(refusePartnerCaller(who));
  EDGE_ASSIGN_OR_RETURN(std::string id, a.required("partner"));
  EDGE_ASSIGN_OR_RETURN(int64_t day, dayArg(a, "date", today()));
  Partner p;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    PartnerStore st(tx);
    EDGE_ASSIGN_OR_RETURN(p, reachablePartner(st, who, id));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> name, a.text("name"));
    if (name) {
      if (name->empty() || name->size() > 128) return core::invalidArgument("name: 1..128 characters");
      p.name = *name;
    }
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> status, a.text("status"));
    if (status) {
      if (*status != "active" && *status != "suspended") return core::invalidArgument("status: active or suspended");
      p.status = *status;
    }
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> email, a.text("email"));
    if (email) p.email = *email;
    EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> hold, a.integer("hold-days", 0, 365));
    if (hold) p.holdDays = *hold;
    EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> window, a.integer("referral-window-days", 1, 365));
    if (window) p.referralWindowDays = *window;
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> minimum, a.text("min-payout"));
    if (minimum) {
      core::Result<int64_t> m = ::billing::parseMoney(*minimum, p.currency);
      if (!m.isOk() || *m < 0) return core::invalidArgument("min-payout: an amount such as 50.00");
      p.minPayout = *m;
    }
    EDGE_RETURN_IF_ERROR(bankAccountArgs(a, p));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> tier, a.text("tier"));
    if (tier) {
      if (!::billing::commissions::isTier(*tier)) return core::invalidArgument("tier: one of bronze, silver, gold, platinum");
      EDGE_ASSIGN_OR_RETURN(std::optional<std::string> reason, a.text("reason"));
      EDGE_RETURN_IF_ERROR(st.setTier(p.id, day, *tier, reason.value_or("by hand")));
      if (day <= today()) p.tier = *tier;
    }
    return st.updatePartner(p);
  }));
  return ControlReply::success("partner " + p.id + " changed", partnerJson(p));
}

ControlReply PartnerService::list(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant"}));
  const Who who = whoOf(caller);
  Json out = Json::array();
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        PartnerStore st(tx);
        std::vector<Partner> ps;
        if (!who.partnerId.empty()) {
          EDGE_ASSIGN_OR_RETURN(Partner p, reachablePartner(st, who, who.partnerId));
          ps.push_back(p);
        } else if (who.platform && !a.has("tenant")) {
          EDGE_ASSIGN_OR_RETURN(ps, st.partners(std::nullopt));
        } else {
          EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
          EDGE_ASSIGN_OR_RETURN(ps, st.partners(t.id));
        }
        out = Json::array();
        for (const Partner& p : ps) {
          out.push_back(partnerJson(p));
          out.back().update(certificationJson(tx, p.id, today()));  // "expired" shows in the list
        }
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success(std::to_string(out.size()) + " partners", Json{{"partners", out}});
}

ControlReply PartnerService::show(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "partner", "date"}));
  const Who who = whoOf(caller);
  std::string id = who.partnerId;
  if (a.has("partner")) {
    EDGE_ASSIGN_OR_RETURN(id, a.required("partner"));
  }
  if (id.empty()) return ControlReply::error(core::invalidArgument("partner: which partner"));
  EDGE_ASSIGN_OR_RETURN(int64_t day, dayArg(a, "date", today()));
  Json j;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        PartnerStore st(tx);
        EDGE_ASSIGN_OR_RETURN(Partner p, reachablePartner(st, who, id));
        j = partnerJson(p);
        j.update(certificationJson(tx, p.id, today()));
        EDGE_ASSIGN_OR_RETURN(int64_t balance, st.balance(p.id, day));
        EDGE_ASSIGN_OR_RETURN(int64_t hold, st.onHold(p.id, day));
        EDGE_ASSIGN_OR_RETURN(std::vector<Payout> approved, st.payouts(p.id, "approved"));
        EDGE_ASSIGN_OR_RETURN(std::vector<Payout> paid, st.payouts(p.id, "paid"));
        int64_t approvedSum = 0, paidSum = 0;
        for (const Payout& x : approved) approvedSum += x.amount;
        for (const Payout& x : paid) paidSum += x.amount;
        // Visits through the referral link within the attribution window (ADR 0065): the leads' first stage.
        EDGE_ASSIGN_OR_RETURN(int64_t visits, ProgramStore(tx).visits(p.id, day - p.referralWindowDays + 1));
        j["referral-visits"] = visits;
        j["earnings"] = {{"on-hold", money(hold, p.currency)},
                         {"payable", money(balance - hold, p.currency)},
                         {"approved", money(approvedSum, p.currency)},
                         {"paid", money(paidSum, p.currency)},
                         {"minor", {{"on-hold", hold}, {"payable", balance - hold}, {"approved", approvedSum}, {"paid", paidSum}}}};
        EDGE_ASSIGN_OR_RETURN(auto plans, st.partnerPlans(p.id));
        j["plans"] = Json::array();
        for (const auto& [from, named] : plans)
          j["plans"].push_back({{"from", ::billing::formatDay(from)}, {"plan", named.first}});
        EDGE_ASSIGN_OR_RETURN(auto tiers, st.tiers(p.id));
        j["tiers"] = Json::array();
        for (const auto& [from, tier] : tiers) j["tiers"].push_back({{"from", ::billing::formatDay(from)}, {"tier", tier}});
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success(j["name"].get<std::string>(), j);
}

ControlReply PartnerService::setPlan(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "name", "currency", "spec"}));
  const Who who = whoOf(caller);
  EDGE_ASSIGN_OR_RETURN(std::string name, a.required("name"));
  if (name.empty() || name.size() > 64) return ControlReply::error(core::invalidArgument("name: 1..64 characters"));
  EDGE_ASSIGN_OR_RETURN(std::string currency, a.required("currency"));
  if (!isCurrency(currency)) return ControlReply::error(core::invalidArgument("currency: an ISO 4217 code such as EUR"));
  EDGE_ASSIGN_OR_RETURN(Json spec, specArg(args));
  EDGE_ASSIGN_OR_RETURN(Plan plan, ::billing::commissions::parsePlan(spec, currency));
  const Json stored{{"currency", currency}, {"plan", ::billing::commissions::planJson(plan, currency)}};
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(std::string scope, scopeOf(tx, a, caller, who));
    return PartnerStore(tx).putPlan(scope, name, stored.dump(), d_.clock.unixSeconds());
  }));
  return ControlReply::success("commission plan '" + name + "' saved (partners on it get it from their next assignment)",
                               stored);
}

ControlReply PartnerService::listPlans(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant"}));
  const Who who = whoOf(caller);
  Json out = Json::array();
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(std::string scope, scopeOf(tx, a, caller, who));
        EDGE_ASSIGN_OR_RETURN(auto plans, PartnerStore(tx).plans(scope));
        for (const auto& [name, spec] : plans) {
          core::Result<Json> j = core::parseJsonWithComments(spec, "plan");
          if (!j.isOk()) return j.status();
          out.push_back({{"name", name}, {"currency", (*j)["currency"]}, {"spec", (*j)["plan"]}});
        }
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success(std::to_string(out.size()) + " plans", Json{{"plans", out}});
}

ControlReply PartnerService::assignPlan(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "partner", "plan", "date"}));
  const Who who = whoOf(caller);
  EDGE_RETURN_IF_ERROR(refusePartnerCaller(who));
  EDGE_ASSIGN_OR_RETURN(std::string id, a.required("partner"));
  EDGE_ASSIGN_OR_RETURN(std::string name, a.required("plan"));
  EDGE_ASSIGN_OR_RETURN(int64_t day, dayArg(a, "date", today()));
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    PartnerStore st(tx);
    EDGE_ASSIGN_OR_RETURN(Partner p, reachablePartner(st, who, id));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> spec, st.plan(p.scope, name));
    if (!spec) return core::notFound("plan: no commission plan '" + name + "' for this partner's level");
    core::Result<Json> j = core::parseJsonWithComments(*spec, "plan");
    if (!j.isOk()) return j.status();
    if ((*j)["currency"] != p.currency)
      return core::invalidArgument("plan: '" + name + "' is in " + (*j)["currency"].get<std::string>() +
                                   ", the partner is paid in " + p.currency);
    // The plan as it is today is copied: changing the plan later does not rewrite what was earned.
    return st.assignPlan(p.id, day, name, *spec);
  }));
  return ControlReply::success("partner " + id + " is on plan '" + name + "' from " + ::billing::formatDay(day));
}

ControlReply PartnerService::attribute(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "username", "partner", "code", "clicked", "date", "note", "detach"}));
  const Who who = whoOf(caller);
  EDGE_RETURN_IF_ERROR(refusePartnerCaller(who));
  EDGE_ASSIGN_OR_RETURN(std::string username, a.required("username"));
  EDGE_ASSIGN_OR_RETURN(int64_t day, dayArg(a, "date", today()));
  EDGE_ASSIGN_OR_RETURN(std::optional<bool> detach, a.boolean("detach"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> note, a.text("note"));
  if (a.has("partner") + a.has("code") + detach.value_or(false) != 1)
    return ControlReply::error(core::invalidArgument("partner: give one of --partner, --code or --detach true"));
  Attribution at;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
    PartnerStore st(tx);
    at = Attribution{t.id, username, "", "hand", note.value_or(""), day, d_.clock.unixSeconds()};
    std::optional<Partner> p;
    if (a.has("partner")) {
      EDGE_ASSIGN_OR_RETURN(std::string id, a.required("partner"));
      EDGE_ASSIGN_OR_RETURN(p, st.partner(id));
      if (!p) return core::notFound("partner: no partner '" + id + "'");
    } else if (a.has("code")) {
      EDGE_ASSIGN_OR_RETURN(std::string code, a.required("code"));
      EDGE_ASSIGN_OR_RETURN(p, st.partnerByCode(code));
      if (!p) return core::notFound("code: no partner has the referral code '" + code + "'");
      EDGE_ASSIGN_OR_RETURN(int64_t clicked, dayArg(a, "clicked", day));
      if (day < clicked || day - clicked > p->referralWindowDays)
        return core::failedPrecondition("clicked: the referral was used " + std::to_string(day - clicked) +
                                        " days before; the window is " + std::to_string(p->referralWindowDays) + " days");
      at.source = "referral";
    }
    if (p) {
      // A tenant's account goes to its own resellers; the platform's partners are the platform's to give.
      const bool fits = p->scope == t.id || (p->scope.empty() && who.platform);
      if (!fits) return core::notFound("partner: no partner '" + p->id + "'");
      if (p->status != "active") return core::failedPrecondition("partner: '" + p->id + "' is suspended");
      at.partnerId = p->id;
    }
    return st.attribute(at);
  }));
  return ControlReply::success(at.partnerId.empty() ? "'" + username + "' belongs to no partner from " + ::billing::formatDay(day)
                                                    : "'" + username + "' is " + at.partnerId + "'s from " +
                                                          ::billing::formatDay(day) + " (" + at.source + ")");
}

ControlReply PartnerService::attributions(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "username", "partner"}));
  const Who who = whoOf(caller);
  Json out = Json::array();
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        PartnerStore st(tx);
        EDGE_ASSIGN_OR_RETURN(std::optional<std::string> username, a.text("username"));
        std::vector<Attribution> rows;
        if (!who.partnerId.empty() || a.has("partner")) {
          std::string id = who.partnerId;
          if (a.has("partner")) {
            EDGE_ASSIGN_OR_RETURN(id, a.required("partner"));
          }
          EDGE_ASSIGN_OR_RETURN(Partner p, reachablePartner(st, who, id));
          EDGE_ASSIGN_OR_RETURN(rows, st.attributions("", username.value_or(""), p.id));
        } else {
          EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
          EDGE_ASSIGN_OR_RETURN(rows, st.attributions(t.id, username.value_or(""), ""));
        }
        // "current": this row is the account's attribution in force today (a later row, a detach
        // included, ends it; a row dated after today has not begun).
        const int64_t day = today();
        for (const Attribution& x : rows) {
          EDGE_ASSIGN_OR_RETURN(std::optional<Attribution> now, st.attributionAt(x.tenantId, x.username, day));
          const bool current = now && now->partnerId == x.partnerId && now->fromDay == x.fromDay && !x.partnerId.empty();
          out.push_back({{"tenant", x.tenantId}, {"username", x.username}, {"partner", x.partnerId},
                         {"from", ::billing::formatDay(x.fromDay)}, {"source", x.source}, {"note", x.note},
                         {"current", current}});
        }
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success(std::to_string(out.size()) + " attributions", Json{{"attributions", out}});
}

}  // namespace mgmt::partners
