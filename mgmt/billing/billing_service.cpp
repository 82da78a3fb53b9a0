#include "mgmt/billing/billing_service.h"

#include <algorithm>

#include "billing/invoicing/creditor_reference.h"
#include "billing/invoicing/proration.h"
#include "billing/invoicing/tax.h"
#include "billing/rating/rules.h"
#include "catalog/plan.h"
#include "core/pki.h"
#include "mgmt/billing/billing_internal.h"
#include "mgmt/billing/books.h"
#include "mgmt/catalog/catalog_service.h"
#include "mgmt/catalog/catalog_store.h"
#include "mgmt/tenancy/tenancy_service.h"

namespace mgmt::billing {

using core::CommandArgs;
using core::ControlReply;
using core::Json;
using tenancy::Caller;
using tenancy::Tenant;

// ---- helpers shared by the area's files (billing_internal.h) ----

core::Result<Settings> requireSettings(BillingStore& store, const std::string& tenantId, const std::string& tenantName) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Settings> s, store.settings(tenantId));
  if (!s)
    return core::failedPrecondition("billing is not set up for tenant '" + tenantName +
                                    "': run billing-setup --currency CODE first");
  return *s;
}

core::Result<int64_t> amountArg(const CommandArgs& a, const char* key, const std::string& currency) {
  EDGE_ASSIGN_OR_RETURN(std::string text, a.required(key));
  core::Result<int64_t> minor = ::billing::parseMoney(text, currency);
  if (!minor.isOk()) return core::invalidArgument(std::string(key) + ": " + minor.status().message());
  if (*minor <= 0) return core::invalidArgument(std::string(key) + " '" + text + "': must be more than 0");
  if (*minor > ::billing::kMaxPrice) return core::invalidArgument(std::string(key) + " '" + text + "': too large");
  return *minor;
}

core::Result<int64_t> dayArg(const CommandArgs& a, const char* key, int64_t fallback) {
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> text, a.text(key));
  if (!text) return fallback;
  return ::billing::parseDay(*text, key);
}

::billing::PeriodRule ruleOf(const Subscription& s) {
  return ::billing::PeriodRule{s.startDay, static_cast<unsigned>(s.anchorDay), static_cast<unsigned>(s.periodMonths)};
}

core::Status appendLines(const Subscription& s, const ::billing::Period& p, int64_t from, int64_t to, int sign,
                         int64_t& residual, std::vector<InvoiceLine>& out) {
  if (s.segments.empty()) return core::internalError("subscription '" + s.id + "' has no plan");
  const ::billing::PeriodRule rule = ruleOf(s);
  const int64_t trialEnd = s.startDay + s.trialDays;
  int64_t discountEnd = trialEnd;
  if (s.discountPeriods > 0 && s.discountBp > 0)
    discountEnd = ::billing::periodAfter(rule, ::billing::periodContaining(rule, trialEnd), s.discountPeriods).start;
  std::vector<int64_t> cuts{from, to};
  for (const Segment& g : s.segments) cuts.push_back(g.fromDay);
  cuts.push_back(trialEnd);
  cuts.push_back(discountEnd);
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  for (size_t i = 0; i + 1 < cuts.size(); ++i) {
    const int64_t a = cuts[i], b = cuts[i + 1];
    if (a < from || b > to || a >= b) continue;
    const Segment* seg = &s.segments.front();
    for (const Segment& g : s.segments)
      if (g.fromDay <= a) seg = &g;
    const int64_t factor = a < trialEnd ? 0 : a < discountEnd ? 10000 - s.discountBp : 10000;
    EDGE_ASSIGN_OR_RETURN(__int128 exact,
                          ::billing::exactValue({sign * seg->price, b - a, p.days(), factor}));
    InvoiceLine l;
    l.subscriptionId = s.id;
    l.fromDay = a;
    l.toDay = b;
    l.amount = ::billing::chargeWithResidual(exact, residual);
    l.description = std::string(sign < 0 ? "credit: " : "") + seg->plan + ", " + ::billing::formatDay(a) + " to " +
                    ::billing::formatDay(b - 1);
    if (b - a != p.days()) l.description += " (" + std::to_string(b - a) + " of " + std::to_string(p.days()) + " days)";
    if (factor == 0) l.description += " (trial)";
    else if (factor < 10000) l.description += " (" + ::billing::formatTaxRate(10000 - factor) + "% off)";
    out.push_back(std::move(l));
  }
  return core::Status::ok();
}

core::Result<int64_t> TaxRates::rateOf(const std::string& region) {
  if (!loaded_) {
    EDGE_ASSIGN_OR_RETURN(std::vector<TaxRate> all, store_.taxRates(tenantId_));
    for (const TaxRate& r : all) rates_[r.region] = r.rateBp;
    loaded_ = true;
  }
  auto it = rates_.find(region);
  return it == rates_.end() ? 0 : it->second;
}

core::Result<Invoice> makeDraft(BillingStore& store, TaxRates& rates, const std::string& tenantId,
                                const Settings& settings, const std::string& username,
                                const std::optional<Customer>& customer, const std::vector<InvoiceLine>& lines,
                                int64_t at) {
  Invoice inv;
  inv.id = newId("inv-");
  inv.tenantId = tenantId;
  inv.username = username;
  inv.currency = settings.currency;
  inv.pricesIncludeTax = settings.pricesIncludeTax;
  inv.createdAt = at;
  std::optional<Customer> c = customer;
  if (!c) {
    EDGE_ASSIGN_OR_RETURN(c, store.customer(tenantId, username));
  }
  if (c) {
    inv.taxRegion = c->region;
    inv.taxTreatment = c->taxStatus;
  }
  EDGE_ASSIGN_OR_RETURN(inv.taxRateBp, rates.rateOf(inv.taxRegion));
  EDGE_ASSIGN_OR_RETURN(::billing::TaxTreatment treatment, ::billing::parseTaxTreatment(inv.taxTreatment));
  int64_t sum = 0;
  for (const InvoiceLine& l : lines) sum += l.amount;
  const ::billing::Taxed t = ::billing::applyTax(sum, inv.taxRateBp, settings.pricesIncludeTax, treatment);
  inv.net = t.net;
  inv.tax = t.tax;
  inv.total = t.gross;
  return inv;
}

Json invoiceJson(const Invoice& i) {
  Json j{{"id", i.id},
         {"kind", i.kind},
         {"status", i.status},
         {"customer", i.username},
         {"currency", i.currency},
         {"net", ::billing::formatMoney(i.net, "")},
         {"tax", ::billing::formatMoney(i.tax, "")},
         {"total", ::billing::formatMoney(i.total, "")},
         {"paid", ::billing::formatMoney(i.paid, "")},
         {"net-minor", i.net},
         {"tax-minor", i.tax},
         {"total-minor", i.total},
         {"paid-minor", i.paid},
         {"tax-region", i.taxRegion},
         {"tax-rate", ::billing::formatTaxRate(i.taxRateBp)},
         {"tax-treatment", i.taxTreatment},
         {"prices-include-tax", i.pricesIncludeTax}};
  if (i.number) j["number"] = *i.number;
  if (!i.reference.empty()) j["reference"] = ::billing::formatCreditorReference(i.reference);
  if (!i.credits.empty()) j["credits"] = i.credits;
  if (i.credited) j["credited"] = true;
  if (i.issueDay > 0) {
    j["issued"] = ::billing::formatDay(i.issueDay);
    j["due"] = ::billing::formatDay(i.dueDay);
  }
  return j;
}

std::string newId(const char* prefix) { return prefix + core::pki::randomHex(8); }

core::Result<bool> customerExists(store::Transaction& tx, const std::string& tenantId, const std::string& username) {
  if (tenantId != tenancy::kPlatformBiller) return catalog::subscriberExists(tx, tenantId, username);
  // The platform's customers are its tenants, named by id (ADR 0071).
  EDGE_ASSIGN_OR_RETURN(std::optional<Tenant> t, tenancy::TenantStore(tx).byId(username));
  return t.has_value() && t->id != tenancy::kPlatformBiller;
}

// ---- the service ----

namespace {

// The plan's price per period and its catalog version, in the tenant's currency.
core::Result<Segment> planSegment(store::Transaction& tx, const std::string& tenantId, const std::string& plan,
                                  const Settings& settings, int64_t fromDay) {
  EDGE_ASSIGN_OR_RETURN(std::vector<catalog::StoredSpec> plans, catalog::CatalogStore(tx).plans(tenantId));
  for (const catalog::StoredSpec& stored : plans) {
    Json spec = Json::parse(stored.spec, nullptr, false);
    if (!spec.is_object() || spec.value("name", "") != plan) continue;
    ::catalog::Plan p;
    EDGE_RETURN_IF_ERROR(::catalog::applyPlanArgs(CommandArgs(spec), p));
    if (p.billing.priceMinor > 0 && p.billing.currency != settings.currency)
      return core::failedPrecondition("plan '" + plan + "' is priced in " + p.billing.currency + ", billing in " +
                                      settings.currency);
    if (p.billing.priceMinor > ::billing::kMaxPrice)
      return core::invalidArgument("plan '" + plan + "': its price is too large to bill");
    return Segment{fromDay, plan, stored.version, p.billing.priceMinor};
  }
  return core::notFound("plan: no plan '" + plan + "'");
}

core::Status requireCustomer(store::Transaction& tx, const std::string& tenantId, const std::string& username) {
  EDGE_ASSIGN_OR_RETURN(bool exists, customerExists(tx, tenantId, username));
  if (!exists)
    return core::notFound(tenantId == tenancy::kPlatformBiller ? "customer: no tenant '" + username + "'"
                                                               : "customer: no subscriber '" + username + "'");
  return core::Status::ok();
}

Json subscriptionJson(const Subscription& s) {
  Json segs = Json::array();
  for (const Segment& g : s.segments)
    segs.push_back(Json{{"from", ::billing::formatDay(g.fromDay)}, {"plan", g.plan}, {"plan-version", g.planVersion},
                        {"price-minor", g.price}});
  static const char* kPeriods[] = {"", "month", "", "quarter", "", "", "", "", "", "", "", "", "year"};
  Json j{{"id", s.id},
         {"customer", s.username},
         {"period", kPeriods[s.periodMonths]},
         {"anchor-day", s.anchorDay},
         {"mode", s.prepaid ? "prepaid" : "postpaid"},
         {"start", ::billing::formatDay(s.startDay)},
         {"trial-days", s.trialDays},
         {"discount", ::billing::formatTaxRate(s.discountBp)},
         {"discount-periods", s.discountPeriods},
         {"billed-until", ::billing::formatDay(s.billedUntil)},
         {"plans", segs}};
  if (s.endDay > 0) j["ends"] = ::billing::formatDay(s.endDay);
  return j;
}

}  // namespace

// What changing `before` into `after` on [from, billed_until) is worth, as charges: credits of the
// stretches billed under `before`, charges of the same stretches under `after`, through the
// residual (kept in `after`).
core::Status adjustmentCharges(const Subscription& before, Subscription& after, int64_t from, int64_t day,
                               std::vector<Charge>& out) {
  const ::billing::PeriodRule rule = ruleOf(after);
  int64_t residual = after.residual;
  for (int64_t at = std::max(from, after.startDay); at < after.billedUntil;) {
    const ::billing::Period p = ::billing::periodContaining(rule, at);
    std::vector<InvoiceLine> lines;
    const int64_t oldEnd = before.endDay > 0 ? std::min(before.endDay, p.end) : p.end;
    const int64_t newEnd = after.endDay > 0 ? std::min(after.endDay, p.end) : p.end;
    if (at < oldEnd) EDGE_RETURN_IF_ERROR(appendLines(before, p, at, oldEnd, -1, residual, lines));
    if (at < newEnd) EDGE_RETURN_IF_ERROR(appendLines(after, p, at, newEnd, +1, residual, lines));
    for (const InvoiceLine& l : lines)
      out.push_back(Charge{newId("chg-"), after.username, after.id, l.description, l.amount, day});
    at = p.end;
  }
  after.residual = residual;
  return core::Status::ok();
}



BillingService::BillingService(Deps deps) : d_(std::move(deps)) {}

ControlReply BillingService::setup(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "currency", "prices-include-tax", "payment-days"}));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> currency, a.text("currency"));
  EDGE_ASSIGN_OR_RETURN(std::optional<bool> inclusive, a.boolean("prices-include-tax"));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> days, a.integer("payment-days", 0, 365));
  Settings s;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::booksFromArgs(tx, a, caller));
    BillingStore st(tx);
    EDGE_ASSIGN_OR_RETURN(std::optional<Settings> old, st.settings(t.id));
    s = old.value_or(Settings{});
    if (currency) {
      if (::billing::parseMoney("0", *currency).status().code() != core::Code::kOk)
        return core::invalidArgument("currency '" + *currency + "': expected an ISO 4217 code such as USD, EUR, KES");
      if (old && old->currency != *currency) {
        EDGE_ASSIGN_OR_RETURN(std::vector<Invoice> any, st.invoices(t.id, "", "", 1));
        if (!any.empty())
          return core::failedPrecondition("currency: tenant '" + t.name + "' has invoices in " + old->currency);
      }
      s.currency = *currency;
    }
    if (s.currency.empty()) return core::invalidArgument("currency is required (--currency CODE)");
    if (inclusive) s.pricesIncludeTax = *inclusive;
    if (days) s.paymentDays = *days;
    return st.putSettings(t.id, s);
  }));
  return ControlReply::success("billing in " + s.currency,
                               Json{{"currency", s.currency}, {"prices-include-tax", s.pricesIncludeTax},
                                    {"payment-days", s.paymentDays}});
}

ControlReply BillingService::setTaxRate(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "region", "rate", "name"}));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> region, a.text("region"));
  EDGE_ASSIGN_OR_RETURN(std::string rateText, a.required("rate"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> name, a.text("name"));
  EDGE_ASSIGN_OR_RETURN(int64_t bp, ::billing::parseTaxRate(rateText));
  TaxRate r{region.value_or(""), bp, name.value_or("")};
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::booksFromArgs(tx, a, caller));
    return BillingStore(tx).putTaxRate(t.id, r);
  }));
  return ControlReply::success("tax rate " + ::billing::formatTaxRate(bp) + "% for region '" + r.region + "'");
}

ControlReply BillingService::listTaxRates(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant"}));
  Json list = Json::array();
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::booksFromArgs(tx, a, caller));
        EDGE_ASSIGN_OR_RETURN(std::vector<TaxRate> rates, BillingStore(tx).taxRates(t.id));
        list = Json::array();
        for (const TaxRate& r : rates)
          list.push_back(Json{{"region", r.region}, {"rate", ::billing::formatTaxRate(r.rateBp)}, {"name", r.name}});
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success(std::to_string(list.size()) + " tax rates", list);
}

ControlReply BillingService::setCustomer(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "username", "region", "tax", "tax-id"}));
  EDGE_ASSIGN_OR_RETURN(std::string username, a.required("username"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> region, a.text("region"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> tax, a.text("tax"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> taxId, a.text("tax-id"));
  if (tax) EDGE_RETURN_IF_ERROR(::billing::parseTaxTreatment(*tax).status());
  Customer c;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::booksFromArgs(tx, a, caller));
    EDGE_RETURN_IF_ERROR(requireCustomer(tx, t.id, username));
    BillingStore st(tx);
    EDGE_ASSIGN_OR_RETURN(std::optional<Customer> old, st.customer(t.id, username));
    c = old.value_or(Customer{username, "", "standard", ""});
    if (region) c.region = *region;
    if (tax) c.taxStatus = *tax;
    if (taxId) c.taxId = *taxId;
    if (c.taxStatus == "reverse-charge" && c.taxId.empty())
      return core::invalidArgument("tax-id: a reverse-charge customer needs its tax id (--tax-id)");
    return st.putCustomer(t.id, c);
  }));
  return ControlReply::success("customer '" + username + "': region '" + c.region + "', tax " + c.taxStatus,
                               Json{{"customer", username}, {"region", c.region}, {"tax", c.taxStatus}, {"tax-id", c.taxId}});
}

ControlReply BillingService::addSubscription(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "username", "plan", "period", "anchor-day", "mode", "start", "trial-days",
                               "discount", "discount-periods"}));
  EDGE_ASSIGN_OR_RETURN(std::string username, a.required("username"));
  EDGE_ASSIGN_OR_RETURN(std::string plan, a.required("plan"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> period, a.text("period"));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> anchor, a.integer("anchor-day", 1, 31));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> mode, a.text("mode"));
  EDGE_ASSIGN_OR_RETURN(int64_t start, dayArg(a, "start", today()));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> trial, a.integer("trial-days", 0, 366));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> discount, a.text("discount"));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> discountPeriods, a.integer("discount-periods", 0, 120));
  Subscription s;
  s.id = newId("sub-");
  s.username = username;
  const std::string p = period.value_or("month");
  if (p == "month") s.periodMonths = 1;
  else if (p == "quarter") s.periodMonths = 3;
  else if (p == "year") s.periodMonths = 12;
  else return ControlReply::error(core::invalidArgument("period '" + p + "': expected month, quarter or year"));
  const std::string m = mode.value_or("prepaid");
  if (m != "prepaid" && m != "postpaid")
    return ControlReply::error(core::invalidArgument("mode '" + m + "': expected prepaid or postpaid"));
  s.prepaid = m == "prepaid";
  s.startDay = start;
  int64_t y;
  unsigned mo, d;
  ::billing::civilFromDays(start, y, mo, d);
  s.anchorDay = anchor.value_or(d);
  s.trialDays = trial.value_or(0);
  if (discount) {
    EDGE_ASSIGN_OR_RETURN(s.discountBp, ::billing::parseTaxRate(*discount));
    if (s.discountBp == 10000) return ControlReply::error(core::invalidArgument("discount '100': use trial-days"));
  }
  s.discountPeriods = discountPeriods.value_or(s.discountBp > 0 ? 1 : 0);
  s.billedUntil = ::billing::periodContaining(ruleOf(s), start).start;
  s.createdAt = d_.clock.unixSeconds();
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::booksFromArgs(tx, a, caller));
    s.tenantId = t.id;
    BillingStore st(tx);
    EDGE_ASSIGN_OR_RETURN(Settings settings, requireSettings(st, t.id, t.name));
    EDGE_RETURN_IF_ERROR(requireCustomer(tx, t.id, username));
    EDGE_ASSIGN_OR_RETURN(Segment seg, planSegment(tx, t.id, plan, settings, start));
    s.segments = {seg};
    return st.insertSubscription(s);
  }));
  return ControlReply::success("subscription " + s.id + " of '" + username + "' to '" + plan + "'", subscriptionJson(s));
}

ControlReply BillingService::listSubscriptions(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "username"}));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> username, a.text("username"));
  Json list = Json::array();
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::booksFromArgs(tx, a, caller));
        EDGE_ASSIGN_OR_RETURN(std::vector<Subscription> subs, BillingStore(tx).subscriptions(t.id, username.value_or("")));
        list = Json::array();
        for (const Subscription& s : subs) list.push_back(subscriptionJson(s));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success(std::to_string(list.size()) + " subscriptions", list);
}

namespace {

// "now" (the given date) or "end-of-term" (the end of the period holding it).
core::Result<int64_t> effectiveDay(const CommandArgs& a, const Subscription& s, int64_t date) {
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> at, a.text("at"));
  const std::string when = at.value_or("now");
  if (when == "now") return std::max(date, s.startDay);
  if (when == "end-of-term") return ::billing::periodContaining(ruleOf(s), std::max(date, s.startDay)).end;
  return core::invalidArgument("at '" + when + "': expected now or end-of-term");
}

}  // namespace

ControlReply BillingService::changeSubscription(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "subscription", "plan", "at", "date", "preview"}));
  EDGE_ASSIGN_OR_RETURN(std::string id, a.required("subscription"));
  EDGE_ASSIGN_OR_RETURN(std::string plan, a.required("plan"));
  EDGE_ASSIGN_OR_RETURN(int64_t date, dayArg(a, "date", today()));
  EDGE_ASSIGN_OR_RETURN(std::optional<bool> previewArg, a.boolean("preview"));
  const bool preview = previewArg.value_or(false);
  Subscription after;
  std::vector<Charge> adjust;
  Invoice taxed;
  int64_t amount = 0, from = 0;
  bool planFollows = false, unchanged = false;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::booksFromArgs(tx, a, caller));
        BillingStore st(tx);
        EDGE_ASSIGN_OR_RETURN(Settings settings, requireSettings(st, t.id, t.name));
        EDGE_ASSIGN_OR_RETURN(std::optional<Subscription> before, st.subscription(t.id, id));
        if (!before) return core::notFound("subscription: no subscription '" + id + "'");
        if (before->endDay > 0 && before->endDay <= date)
          return core::failedPrecondition("subscription '" + id + "' has ended");
        EDGE_ASSIGN_OR_RETURN(from, effectiveDay(a, *before, date));
        EDGE_ASSIGN_OR_RETURN(Segment seg, planSegment(tx, t.id, plan, settings, from));
        after = *before;
        adjust.clear();
        amount = 0;
        // On that plan from that day already, with nothing pending after: nothing to change (a
        // second submit of the same change, even concurrent, writes nothing).
        unchanged = !before->segments.empty() && before->segments.back().fromDay <= from &&
                    before->segments.back().plan == plan && before->segments.back().price == seg.price;
        if (unchanged) {
          taxed.currency = settings.currency;
          return core::Status::ok();
        }
        while (!after.segments.empty() && after.segments.back().fromDay >= from) after.segments.pop_back();
        after.segments.push_back(seg);
        // Periods already billed from `from` on (prepaid, or a run ahead) are corrected by charges:
        // the old plan's stretch credited, the new one's charged, both prorated to the day.
        EDGE_RETURN_IF_ERROR(adjustmentCharges(*before, after, from, date, adjust));
        // The tax these lines carry on an invoice of their own (the customer's region and status).
        std::vector<InvoiceLine> lines;
        for (const Charge& c : adjust) {
          InvoiceLine l;
          l.amount = c.amount;
          lines.push_back(l);
          amount += c.amount;
        }
        TaxRates rates(st, t.id);
        EDGE_ASSIGN_OR_RETURN(taxed, makeDraft(st, rates, t.id, settings, before->username, std::nullopt, lines, 0));
        if (preview) return core::Status::ok();  // the same numbers, nothing written
        EDGE_RETURN_IF_ERROR(st.putSegment(id, seg));
        for (const Charge& c : adjust) EDGE_RETURN_IF_ERROR(st.insertCharge(t.id, c));
        // A change from today (or earlier) is the subscriber's plan on the boxes at once, through the
        // catalog's change feed like subscriber-set; one at the end of the term is billing only.
        EDGE_ASSIGN_OR_RETURN(std::optional<std::string> spec,
                              catalog::CatalogStore(tx).subscriberSpec(t.id, before->username));
        planFollows = from <= today() && spec.has_value();
        if (planFollows) {
          Json j = Json::parse(*spec, nullptr, false);
          if (!j.is_object()) return core::internalError("subscriber '" + before->username + "': unreadable spec");
          if (j.value("plan", "") != plan) {
            j["plan"] = plan;
            EDGE_RETURN_IF_ERROR(catalog::putSubscriber(tx, t, j, "mgmt", d_.clock.unixSeconds()));
          }
        }
        return st.updateProgress(id, after.billedUntil, after.residual);
      },
      preview ? store::Storage::Mode::kReadOnly : store::Storage::Mode::kReadWrite));
  Json j = subscriptionJson(after);
  Json lines = Json::array();
  for (const Charge& c : adjust)
    lines.push_back(Json{{"description", c.description}, {"amount", ::billing::formatMoney(c.amount, "")},
                         {"amount-minor", c.amount}});
  j["adjustment-minor"] = amount;
  j["adjustment-lines"] = lines;
  j["effective"] = ::billing::formatDay(from);
  j["currency"] = taxed.currency;
  j["net-minor"] = taxed.net;
  j["tax-minor"] = taxed.tax;
  j["total-minor"] = taxed.total;
  j["net"] = ::billing::formatMoney(taxed.net, "");
  j["tax"] = ::billing::formatMoney(taxed.tax, "");
  j["total"] = ::billing::formatMoney(taxed.total, "");
  j["tax-rate"] = ::billing::formatTaxRate(taxed.taxRateBp);
  j["preview"] = preview;
  j["unchanged"] = unchanged;
  if (unchanged)
    return ControlReply::success("subscription " + id + " is on '" + plan + "' from " + ::billing::formatDay(from) +
                                     " already: nothing changed",
                                 j);
  if (!preview) j["subscriber-plan-changed"] = planFollows;
  return ControlReply::success(std::string(preview ? "preview: " : "") + "subscription " + id + " on '" + plan +
                                   "' from " + ::billing::formatDay(from) + " (" + std::to_string(adjust.size()) +
                                   " adjustment lines, " + ::billing::formatMoney(amount, "") + " before tax, " +
                                   ::billing::formatMoney(taxed.total, taxed.currency) + " with tax)",
                               j);
}

ControlReply BillingService::cancelSubscription(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "subscription", "at", "date"}));
  EDGE_ASSIGN_OR_RETURN(std::string id, a.required("subscription"));
  EDGE_ASSIGN_OR_RETURN(int64_t date, dayArg(a, "date", today()));
  Subscription after;
  int64_t amount = 0, end = 0;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::booksFromArgs(tx, a, caller));
    BillingStore st(tx);
    EDGE_RETURN_IF_ERROR(requireSettings(st, t.id, t.name).status());
    EDGE_ASSIGN_OR_RETURN(std::optional<Subscription> before, st.subscription(t.id, id));
    if (!before) return core::notFound("subscription: no subscription '" + id + "'");
    EDGE_ASSIGN_OR_RETURN(end, effectiveDay(a, *before, date));
    if (before->endDay > 0 && before->endDay <= end)
      return core::failedPrecondition("subscription '" + id + "' ends on " + ::billing::formatDay(before->endDay) +
                                      " already");
    after = *before;
    after.endDay = end;
    std::vector<Charge> adjust;
    EDGE_RETURN_IF_ERROR(adjustmentCharges(*before, after, end, date, adjust));
    EDGE_RETURN_IF_ERROR(st.setEndDay(id, end));
    for (const Charge& c : adjust) {
      EDGE_RETURN_IF_ERROR(st.insertCharge(t.id, c));
      amount += c.amount;
    }
    return st.updateProgress(id, after.billedUntil, after.residual);
  }));
  Json j = subscriptionJson(after);
  j["adjustment-minor"] = amount;
  return ControlReply::success("subscription " + id + " ends on " + ::billing::formatDay(end) + " (credit " +
                                   ::billing::formatMoney(-amount, "") + ")",
                               j);
}

ControlReply BillingService::addCharge(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "username", "description", "amount", "date"}));
  EDGE_ASSIGN_OR_RETURN(std::string username, a.required("username"));
  EDGE_ASSIGN_OR_RETURN(std::string description, a.required("description"));
  EDGE_ASSIGN_OR_RETURN(int64_t day, dayArg(a, "date", today()));
  Charge c{newId("chg-"), username, "", description, 0, day};
  std::string currency;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::booksFromArgs(tx, a, caller));
    BillingStore st(tx);
    EDGE_ASSIGN_OR_RETURN(Settings settings, requireSettings(st, t.id, t.name));
    currency = settings.currency;
    EDGE_ASSIGN_OR_RETURN(c.amount, amountArg(a, "amount", settings.currency));
    EDGE_RETURN_IF_ERROR(requireCustomer(tx, t.id, username));
    return st.insertCharge(t.id, c);
  }));
  return ControlReply::success("charge " + c.id + " of " + ::billing::formatMoney(c.amount, currency) + " for '" +
                                   username + "' (on the next billing run's invoice)",
                               Json{{"id", c.id}, {"amount-minor", c.amount}});
}

}  // namespace mgmt::billing
