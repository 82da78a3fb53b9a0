#include "mgmt/billing/platform_billing.h"

#include <algorithm>
#include <map>

#include "billing/invoicing/calendar.h"
#include "billing/rating/rules.h"
#include "mgmt/billing/billing_internal.h"
#include "mgmt/billing/books.h"
#include "mgmt/tenancy/tenancy_service.h"
#include "mgmt/tiers.h"

namespace mgmt::billing {

using core::CommandArgs;
using core::ControlReply;
using core::Json;
using tenancy::Caller;
using tenancy::kPlatformBiller;
using tenancy::Tenant;

namespace {

constexpr int64_t kPlatformPaymentDays = 14;

// The subscription of the tenant in force on `day` or later (not ended by then); nullptr when none.
Subscription* openSubscriptionOf(std::vector<Subscription>& subs, int64_t day) {
  Subscription* open = nullptr;
  for (Subscription& s : subs)
    if ((s.endDay == 0 || s.endDay > day) && (open == nullptr || s.createdAt > open->createdAt)) open = &s;
  return open;
}

core::Result<Segment> tierSegment(const std::string& tierName, int64_t months, int64_t fromDay) {
  const Tier* tier = findTier(tierName);
  if (tier == nullptr) return core::internalError("tier '" + tierName + "' has no price");
  // The price list is code (mgmt/tiers.cpp): its version is 1 until a price changes.
  return Segment{fromDay, tier->name, 1, tier->priceFor(months)};
}

// The biller's row and its settings (USD, 14 days to pay, prices without tax), the first time.
core::Status ensureBiller(store::Transaction& tx, BillingStore& st, int64_t now) {
  EDGE_RETURN_IF_ERROR(tenancy::TenantStore(tx).ensurePlatformBiller(now));
  EDGE_ASSIGN_OR_RETURN(std::optional<Settings> s, st.settings(kPlatformBiller));
  if (s) return core::Status::ok();
  return st.putSettings(kPlatformBiller, Settings{kPlatformCurrency, false, kPlatformPaymentDays});
}

core::Status startSubscription(BillingStore& st, const Tenant& t, int64_t months, int64_t day, int64_t now) {
  Subscription s;
  s.id = newId("sub-");
  s.tenantId = kPlatformBiller;
  s.username = t.id;
  s.periodMonths = months;
  s.anchorDay = 1;  // every tenant on the 1st: the first period is prorated from the start
  s.prepaid = true;
  s.startDay = day;
  s.billedUntil = ::billing::periodContaining(ruleOf(s), day).start;
  s.createdAt = now;
  EDGE_ASSIGN_OR_RETURN(Segment seg, tierSegment(t.tier, months, day));
  s.segments = {seg};
  return st.insertSubscription(s);
}

// `before` changed into `after` from day `from`: adjustment charges for what was billed ahead, the
// segment or end day written, the residual carried (billing_service.cpp's change and cancel).
core::Status applyChange(BillingStore& st, const Subscription& before, Subscription& after, int64_t from,
                         int64_t day, const std::optional<Segment>& segment) {
  std::vector<Charge> adjust;
  EDGE_RETURN_IF_ERROR(adjustmentCharges(before, after, from, day, adjust));
  if (segment) EDGE_RETURN_IF_ERROR(st.putSegment(after.id, *segment));
  if (after.endDay != before.endDay) EDGE_RETURN_IF_ERROR(st.setEndDay(after.id, after.endDay));
  for (const Charge& c : adjust) EDGE_RETURN_IF_ERROR(st.insertCharge(kPlatformBiller, c));
  return st.updateProgress(after.id, after.billedUntil, after.residual);
}

core::Status endSubscription(BillingStore& st, const Subscription& open, int64_t day) {
  Subscription after = open;
  after.endDay = std::max(day, open.startDay);
  return applyChange(st, open, after, after.endDay, day, std::nullopt);
}

const char* periodName(int64_t months) { return months == 12 ? "year" : months == 3 ? "quarter" : "month"; }

std::string usd(int64_t minor) { return ::billing::formatMoney(minor, kPlatformCurrency); }

Json subscriptionView(const Subscription& s) {
  const Segment& seg = s.segments.back();
  Json j{{"id", s.id},
         {"tier", seg.plan},
         {"period", periodName(s.periodMonths)},
         {"price", usd(seg.price)},
         {"price-minor", seg.price},
         {"currency", kPlatformCurrency},
         {"start", ::billing::formatDay(s.startDay)},
         {"billed-until", ::billing::formatDay(s.billedUntil)}};
  Json history = Json::array();
  for (const Segment& g : s.segments)
    history.push_back(Json{{"from", ::billing::formatDay(g.fromDay)}, {"tier", g.plan}, {"price-minor", g.price}});
  j["tiers"] = history;
  if (s.endDay > 0) j["ends"] = ::billing::formatDay(s.endDay);
  return j;
}

// The tenant a platform-* command is about: a tenant caller's own (its `tenant` argument may only
// name itself), or the one a platform caller names.
core::Result<Tenant> customerTenant(store::Transaction& tx, const CommandArgs& a, const Caller& caller) {
  return tenancy::tenantFromArgs(tx, a, caller);
}

}  // namespace

core::Status syncPlatformSubscription(store::Transaction& tx, const Tenant& t, int64_t now) {
  if (t.id == kPlatformBiller) return core::Status::ok();
  const int64_t day = now / 86400;
  BillingStore st(tx);
  EDGE_ASSIGN_OR_RETURN(std::vector<Subscription> subs, st.subscriptions(kPlatformBiller, t.id));
  Subscription* open = openSubscriptionOf(subs, day);
  const bool billable = !t.demo && t.status == "active";
  if (!billable) return open == nullptr ? core::Status::ok() : endSubscription(st, *open, day);
  EDGE_RETURN_IF_ERROR(ensureBiller(tx, st, now));
  if (open == nullptr) {
    // Resumed: on the period it had (monthly or annual); a new tenant: monthly.
    int64_t months = 1, newest = -1;
    for (const Subscription& s : subs)
      if (s.createdAt > newest) newest = s.createdAt, months = s.periodMonths;
    return startSubscription(st, t, months, day, now);
  }
  if (open->segments.empty()) return core::internalError("subscription '" + open->id + "' has no tier");
  if (open->segments.back().plan == t.tier) return core::Status::ok();
  // A tier change from today: the days left of what was billed ahead are credited at the old
  // price and charged at the new one, to the day (the next run invoices the difference).
  const int64_t from = std::max(day, open->startDay);
  EDGE_ASSIGN_OR_RETURN(Segment seg, tierSegment(t.tier, open->periodMonths, from));
  Subscription after = *open;
  while (!after.segments.empty() && after.segments.back().fromDay >= from) after.segments.pop_back();
  after.segments.push_back(seg);
  return applyChange(st, *open, after, from, day, seg);
}

PlatformBillingService::PlatformBillingService(Deps deps) : d_(std::move(deps)) {}

ControlReply PlatformBillingService::show(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant"}));
  Json out;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, customerTenant(tx, a, caller));
        BillingStore st(tx);
        const int64_t day = d_.clock.unixSeconds() / 86400;
        EDGE_ASSIGN_OR_RETURN(std::vector<Subscription> subs, st.subscriptions(kPlatformBiller, t.id));
        const Subscription* open = openSubscriptionOf(subs, day);
        out = Json{{"tenant", t.name}, {"tenant-id", t.id}, {"tier", t.tier}, {"status", t.status},
                   {"demo", t.demo}, {"currency", kPlatformCurrency}, {"billed", open != nullptr}};
        const Tier* tier = findTier(t.tier);
        if (tier != nullptr)
          out["prices"] = Json{{"month", usd(tier->monthlyPriceMinor)}, {"year", usd(tier->annualPriceMinor)}};
        out["subscription"] = open != nullptr ? subscriptionView(*open) : Json();
        EDGE_ASSIGN_OR_RETURN(int64_t owed, st.balance(kPlatformBiller, receivableAccount(t.id)));
        EDGE_ASSIGN_OR_RETURN(int64_t credit, st.balance(kPlatformBiller, creditAccount(t.id)));
        out["owed-minor"] = owed;
        out["credit-minor"] = -credit;
        out["owed"] = usd(owed);
        out["credit"] = usd(-credit);
        // Issued invoices only: drafts are the platform's work in progress.
        EDGE_ASSIGN_OR_RETURN(std::vector<Invoice> invoices, st.invoices(kPlatformBiller, t.id, "issued", 100));
        Json list = Json::array();
        for (const Invoice& inv : invoices) list.push_back(invoiceJson(inv));
        out["invoices"] = list;
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  const std::string text =
      out["billed"].get<bool>()
          ? "tenant '" + out["tenant"].get<std::string>() + "' is billed " +
                out["subscription"]["price"].get<std::string>() + " a " +
                out["subscription"]["period"].get<std::string>() + " (" + out["tier"].get<std::string>() + "); owes " +
                out["owed"].get<std::string>()
          : "tenant '" + out["tenant"].get<std::string>() + "' is not billed (" +
                (out["demo"].get<bool>() ? std::string("a demo") : out["status"].get<std::string>()) + ")";
  return ControlReply::success(text, out);
}

ControlReply PlatformBillingService::showInvoice(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "invoice"}));
  EDGE_ASSIGN_OR_RETURN(std::string id, a.required("invoice"));
  Json view;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, customerTenant(tx, a, caller));
        BillingStore st(tx);
        EDGE_ASSIGN_OR_RETURN(std::optional<Invoice> inv, st.invoice(kPlatformBiller, id));
        // Another tenant's invoice, or a draft, is answered like one that does not exist.
        if (!inv || inv->username != t.id || inv->status != "issued")
          return core::notFound("invoice: no invoice '" + id + "'");
        EDGE_ASSIGN_OR_RETURN(std::vector<InvoiceLine> lines, st.lines(id));
        view = invoiceJson(*inv);
        view["tenant"] = t.name;
        Json ls = Json::array();
        for (const InvoiceLine& l : lines)
          ls.push_back(Json{{"description", l.description}, {"amount", usd(l.amount)}, {"amount-minor", l.amount}});
        view["lines"] = ls;
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success("invoice " + std::to_string(view.value("number", 0)) + " of the platform to '" +
                                   view["tenant"].get<std::string>() + "'",
                               view);
}

ControlReply PlatformBillingService::setPeriod(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "period"}));
  EDGE_ASSIGN_OR_RETURN(std::string period, a.required("period"));
  int64_t months = 0;
  if (period == "month") months = 1;
  else if (period == "year") months = 12;
  else return ControlReply::error(core::invalidArgument("period '" + period + "': expected month or year"));
  const int64_t now = d_.clock.unixSeconds();
  const int64_t day = now / 86400;
  std::string name;
  bool unchanged = false;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, customerTenant(tx, a, caller));
    name = t.name;
    BillingStore st(tx);
    EDGE_ASSIGN_OR_RETURN(std::vector<Subscription> subs, st.subscriptions(kPlatformBiller, t.id));
    Subscription* open = openSubscriptionOf(subs, day);
    if (open == nullptr)
      return core::failedPrecondition("tenant: '" + t.name + "' is not billed (a demo or suspended tenant)");
    unchanged = open->periodMonths == months;
    if (unchanged) return core::Status::ok();
    // The current subscription ends today (what it billed ahead is credited to the day); the new
    // one bills from today on the new period.
    EDGE_RETURN_IF_ERROR(endSubscription(st, *open, day));
    return startSubscription(st, t, months, day, now);
  }));
  return ControlReply::success(unchanged ? "tenant '" + name + "' is billed by the " + period + " already"
                                         : "tenant '" + name + "' is billed by the " + period + " from today",
                               Json{{"tenant", name}, {"period", period}, {"unchanged", unchanged}});
}

ControlReply PlatformBillingService::list(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({}));
  if (!caller.platform()) return ControlReply::error(core::permissionDenied("the tenants' bills are the platform's"));
  Json out = Json::array();
  int64_t mrr = 0;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        out = Json::array();
        mrr = 0;
        const int64_t day = d_.clock.unixSeconds() / 86400;
        EDGE_ASSIGN_OR_RETURN(std::vector<Tenant> tenants, tenancy::TenantStore(tx).list(""));
        BillingStore st(tx);
        EDGE_ASSIGN_OR_RETURN(std::vector<Subscription> subs, st.subscriptions(kPlatformBiller, ""));
        std::map<std::string, std::vector<Subscription>> byTenant;
        for (Subscription& s : subs) byTenant[s.username].push_back(std::move(s));
        EDGE_ASSIGN_OR_RETURN(std::vector<LedgerLine> owed, st.balances(kPlatformBiller, "receivable:"));
        std::map<std::string, int64_t> owedBy;
        for (const LedgerLine& l : owed) owedBy[l.account.substr(11)] = l.amount;
        for (const Tenant& t : tenants) {
          Json j{{"tenant", t.name}, {"tenant-id", t.id}, {"tier", t.tier}, {"status", t.status}, {"demo", t.demo}};
          const Subscription* open = openSubscriptionOf(byTenant[t.id], day);
          j["billed"] = open != nullptr;
          if (open != nullptr) {
            const Segment& seg = open->segments.back();
            j["period"] = periodName(open->periodMonths);
            j["price"] = usd(seg.price);
            j["price-minor"] = seg.price;
            mrr += seg.price / open->periodMonths;
          }
          j["owed-minor"] = owedBy[t.id];
          j["owed"] = usd(owedBy[t.id]);
          out.push_back(std::move(j));
        }
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success(std::to_string(out.size()) + " tenants, " + usd(mrr) + " a month", out);
}

ControlReply PlatformBillingService::run(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"date"}));
  if (!caller.platform()) return ControlReply::error(core::permissionDenied("the platform's billing run is the platform's"));
  EDGE_ASSIGN_OR_RETURN(int64_t day, dayArg(a, "date", d_.billing.today()));
  bool exists = false;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(std::optional<Tenant> biller, tenancy::TenantStore(tx).byId(kPlatformBiller));
        exists = biller.has_value();
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  if (!exists) return ControlReply::success("the platform bills no tenant yet", Json{{"invoices", 0}, {"issued", 0}});
  // One run at a time (every mgmtd), under the lock billing-run takes for the same books.
  BillingService::RunResult r;
  EDGE_ASSIGN_OR_RETURN(bool ran, d_.storage.withSingletonLock(std::string("billing-run:") + kPlatformBiller,
                                                               [&]() -> core::Status {
                                                                 EDGE_ASSIGN_OR_RETURN(
                                                                     r, d_.billing.runTenant(kPlatformBiller, day, true));
                                                                 return core::Status::ok();
                                                               }));
  if (!ran) return ControlReply::error(core::failedPrecondition("a billing run of the platform is in progress"));
  return ControlReply::success(std::to_string(r.issued) + " platform invoices issued as of " + ::billing::formatDay(day),
                               Json{{"invoices", r.invoices}, {"issued", r.issued}, {"subscriptions", r.subscriptions}});
}

core::Result<BillingService::RunResult> PlatformBillingService::runDue() {
  ControlReply r = run(Json::object(), Caller{});
  if (r.code == core::Code::kFailedPrecondition) return BillingService::RunResult{};  // another one runs it
  if (!r.ok()) return core::Status(r.code, r.text);
  BillingService::RunResult out;
  out.invoices = r.arguments.value("invoices", int64_t{0});
  out.issued = r.arguments.value("issued", int64_t{0});
  out.subscriptions = r.arguments.value("subscriptions", int64_t{0});
  return out;
}

namespace {

using PlatformServe = ControlReply (PlatformBillingService::*)(const Json&, const Caller&);

core::command::Table::Handler platformBillingHandler(PlatformBillingService& s, PlatformServe serve) {
  return tenancy::scoped([&s, serve](const Json& args, const Caller& c) { return (s.*serve)(args, c); });
}

}  // namespace

void bindPlatformBillingCommands(core::command::Table& table, PlatformBillingService& s) {
  table.bind("platform-subscription-show", platformBillingHandler(s, &PlatformBillingService::show));
  table.bind("platform-invoice-show", platformBillingHandler(s, &PlatformBillingService::showInvoice));
  table.bind("platform-subscription-set", platformBillingHandler(s, &PlatformBillingService::setPeriod));
  table.bind("platform-billing-list", platformBillingHandler(s, &PlatformBillingService::list));
  table.bind("platform-billing-run", platformBillingHandler(s, &PlatformBillingService::run));
}

}  // namespace mgmt::billing
