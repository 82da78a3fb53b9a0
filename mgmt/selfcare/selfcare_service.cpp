#include "mgmt/selfcare/selfcare_service.h"

#include <map>
#include <vector>

#include "billing/invoicing/calendar.h"
#include "billing/invoicing/creditor_reference.h"
#include "billing/rating/rules.h"
#include "core/pki.h"
#include "core/units.h"
#include "core/web/csrf.h"
#include "catalog/plan.h"
#include "core/command_args.h"
#include "mgmt/billing/billing_service.h"
#include "mgmt/billing/billing_store.h"
#include "mgmt/billing/collection_service.h"
#include "mgmt/billing/topup_service.h"
#include "mgmt/billing/collection_store.h"
#include "mgmt/billing/invoice_mailer.h"
#include "mgmt/billing/invoice_pdf.h"
#include "mgmt/catalog/catalog_store.h"
#include "mgmt/customers/customer_service.h"
#include "mgmt/customers/customer_store.h"
#include "mgmt/mail/brand.h"
#include "mgmt/mail/outbox.h"
#include "mgmt/tenancy/caller.h"
#include "mgmt/tenancy/tenant_store.h"
#include "mgmt/usage/usage_store.h"

namespace mgmt::selfcare {

namespace {

using core::Json;

Json parseSpec(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  Json j = Json::parse(*text, nullptr, false);
  return j.is_object() ? j : Json(nullptr);
}

std::string textOf(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The customer and its subscriber for a login (a username, or a customer's email).
struct Found {
  std::string username;
  std::optional<customers::Customer> customer;
  Json subscriber;
};

core::Result<std::optional<Found>> findLogin(store::Transaction& tx, const std::string& tenantId,
                                             const std::string& login) {
  if (login.empty() || login.size() > 254) return std::optional<Found>();
  customers::CustomerStore people(tx);
  catalog::CatalogStore catalog(tx);
  Found f;
  if (login.find('@') != std::string::npos) {
    EDGE_ASSIGN_OR_RETURN(f.customer, people.findByEmail(tenantId, login));
    if (!f.customer || f.customer->username.empty()) {
      // An email can also be a username (some ISPs use them as logins).
      EDGE_ASSIGN_OR_RETURN(std::optional<std::string> spec, catalog.subscriberSpec(tenantId, login));
      if (!spec) return std::optional<Found>();
      f.customer.reset();
      f.username = login;
      f.subscriber = parseSpec(spec);
      EDGE_ASSIGN_OR_RETURN(f.customer, people.findByUsername(tenantId, login));
      return std::optional<Found>(std::move(f));
    }
    f.username = f.customer->username;
  } else {
    f.username = login;
    EDGE_ASSIGN_OR_RETURN(f.customer, people.findByUsername(tenantId, login));
  }
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> spec, catalog.subscriberSpec(tenantId, f.username));
  if (!spec) return std::optional<Found>();
  f.subscriber = parseSpec(spec);
  if (f.subscriber.is_null()) return std::optional<Found>();
  return std::optional<Found>(std::move(f));
}

Account accountOf(const std::string& tenantId, const Found& f) {
  Account a;
  a.tenantId = tenantId;
  a.username = f.username;
  if (f.customer) {
    a.customerId = f.customer->id;
    a.email = f.customer->email;
    a.name = f.customer->name;
  }
  return a;
}

}  // namespace

core::Result<TenantView> SelfcareService::tenant(const std::string& key) {
  TenantView v;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(std::optional<tenancy::Tenant> t, tenancy::TenantStore(tx).byKey(key));
        if (!t || t->status != "active") return core::notFound("no self-care portal here");
        EDGE_ASSIGN_OR_RETURN(mail::Brand b, mail::tenantBrand(tx, t->id));
        v.id = t->id;
        v.name = t->name;
        v.displayName = b.name;
        v.primaryColour = b.primaryColour;
        v.accentColour = b.accentColour;
        v.logoUrl = b.logoPath;
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return v;
}

core::Status SelfcareService::brandFor(const Account& account, TenantView& view) {
  return d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(mail::Brand b,
                              mail::customerBrand(tx, account.tenantId, account.username, d_.clock.unixSeconds() / 86400));
        if (b.partnerId.empty()) return core::Status::ok();  // the tenant's: as shown already
        view.displayName = b.name;
        view.primaryColour = b.primaryColour;
        view.accentColour = b.accentColour;
        view.logoUrl = b.logoPath;
        view.partnerId = b.partnerId;
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly);
}

core::Result<std::optional<Account>> SelfcareService::passwordSignIn(const std::string& tenantId,
                                                                     const std::string& login,
                                                                     const std::string& password) {
  std::optional<Account> out;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(std::optional<Found> f, findLogin(tx, tenantId, login));
        if (!f) return core::Status::ok();
        const std::string stored = textOf(f->subscriber, "password");
        const std::string status = textOf(f->subscriber, "status");
        // A subscriber without a password (MAC authentication) cannot sign in by password; a
        // disabled one not at all. Digests are compared so the time does not depend on the prefix.
        if (stored.empty() || password.empty() || status == "disabled") return core::Status::ok();
        if (!core::web::constantTimeEqual(core::pki::sha256Hex(stored), core::pki::sha256Hex(password)))
          return core::Status::ok();
        out = accountOf(tenantId, *f);
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return out;
}

core::Result<std::optional<Account>> SelfcareService::accountFor(const std::string& tenantId,
                                                                 const std::string& login) {
  std::optional<Account> out;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(std::optional<Found> f, findLogin(tx, tenantId, login));
        if (!f || textOf(f->subscriber, "status") == "disabled") return core::Status::ok();
        Account a = accountOf(tenantId, *f);
        if (a.email.empty() || !mail::validAddress(a.email)) return core::Status::ok();
        out = a;
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return out;
}

core::Status SelfcareService::mailCode(const Account& account, const TenantView& tenant, const std::string& code) {
  const int64_t now = d_.clock.unixSeconds();
  return d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    Json vars{{"code", code}, {"minutes", std::to_string(10)}, {"customer", account.name.empty() ? account.username : account.name}};
    return mail::enqueue(tx, tenant.id, account.email, "selfcare-code", vars, now, nullptr, account.username).status();
  });
}

core::Result<Json> SelfcareService::dashboard(const Account& account) {
  Json out = Json::object();
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        catalog::CatalogStore catalog(tx);
        EDGE_ASSIGN_OR_RETURN(std::optional<std::string> subText, catalog.subscriberSpec(account.tenantId, account.username));
        Json sub = parseSpec(subText);
        uint64_t quota = 0;
        out["plan"] = nullptr;
        if (sub.is_object()) {
          const std::string planName = textOf(sub, "plan");
          EDGE_ASSIGN_OR_RETURN(std::optional<std::string> planText, catalog.planSpec(account.tenantId, planName));
          Json plan = parseSpec(planText);
          if (plan.is_object()) {
            Json p{{"name", planName}, {"down", textOf(plan, "down")}, {"up", textOf(plan, "up")}};
            const std::string price = textOf(plan, "price");
            if (!price.empty()) p["price"] = price + " " + textOf(plan, "currency");
            const std::string q = textOf(plan, "data-quota");
            if (!q.empty()) {
              core::Result<uint64_t> parsed = core::parseSize(q);
              if (parsed.isOk()) quota = *parsed;
            }
            out["plan"] = p;
          }
        }
        // Usage from the sessions the boxes uploaded, per UTC day of their start.
        const int64_t today = d_.clock.unixSeconds() / 86400;
        const int64_t first = today - kUsageDays + 1;
        std::vector<int64_t> perDay(kUsageDays, 0);
        EDGE_ASSIGN_OR_RETURN(std::vector<usage::SessionRow> sessions,
                              usage::UsageStore(tx).sessions(account.tenantId, account.username, 2000));
        int64_t used30 = 0;
        for (const usage::SessionRow& s : sessions) {
          const int64_t day = s.summary.started / 86400;
          const int64_t octets = s.summary.inputOctets + s.summary.outputOctets;
          if (day > today - 30) used30 += octets;
          if (day >= first && day <= today) perDay[static_cast<size_t>(day - first)] += octets;
        }
        Json usage = Json::array();
        for (int i = 0; i < kUsageDays; ++i)
          usage.push_back({{"day", ::billing::formatDay(first + i)}, {"octets", perDay[static_cast<size_t>(i)]}});
        out["usage"] = usage;
        out["used-octets"] = used30;
        out["quota-octets"] = quota;
        // Balance from the ledger (ADR 0033): what is owed and the credit.
        billing::BillingStore books(tx);
        EDGE_ASSIGN_OR_RETURN(std::optional<billing::Settings> settings, books.settings(account.tenantId));
        out["currency"] = settings ? settings->currency : "";
        if (settings) {
          EDGE_ASSIGN_OR_RETURN(int64_t owed, books.balance(account.tenantId, "receivable:" + account.username));
          EDGE_ASSIGN_OR_RETURN(int64_t credit, books.balance(account.tenantId, "credit:" + account.username));
          out["owed"] = ::billing::formatMoney(owed, settings->currency);
          out["credit"] = ::billing::formatMoney(-credit, settings->currency);
          out["owes"] = owed > 0;
        }
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return out;
}

core::Result<Json> SelfcareService::invoices(const Account& account) {
  Json list = Json::array();
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        billing::BillingStore books(tx);
        EDGE_ASSIGN_OR_RETURN(std::vector<billing::Invoice> all,
                              books.invoices(account.tenantId, account.username, "issued", 200));
        for (const billing::Invoice& i : all) {
          if (i.username != account.username || i.tenantId != account.tenantId) continue;  // the store's filter, again
          const int64_t open = i.kind == "invoice" && !i.credited ? i.total - i.paid : 0;
          Json j{{"id", i.id},
                 {"kind", i.kind},
                 {"credit-note", i.kind == "credit-note"},
                 {"number", i.number.value_or(0)},
                 {"issued", i.issueDay > 0 ? ::billing::formatDay(i.issueDay) : ""},
                 {"due", i.dueDay > 0 ? ::billing::formatDay(i.dueDay) : ""},
                 {"total", ::billing::formatMoney(i.total, i.currency)},
                 {"paid", ::billing::formatMoney(i.paid, i.currency)},
                 {"open", open > 0},
                 {"left", ::billing::formatMoney(open > 0 ? open : 0, i.currency)},
                 {"credited", i.credited},
                 {"reference", i.reference.empty() ? "" : ::billing::formatCreditorReference(i.reference)}};
          list.push_back(j);
        }
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  bool online = false;
  if (d_.collection) {
    EDGE_RETURN_IF_ERROR(d_.storage.transact(
        [&](store::Transaction& tx) -> core::Status {
          EDGE_ASSIGN_OR_RETURN(std::optional<billing::ProviderAccount> acc,
                                billing::CollectionStore(tx).provider(account.tenantId));
          online = acc.has_value();
          return core::Status::ok();
        },
        store::Storage::Mode::kReadOnly));
  }
  return Json{{"invoices", list}, {"online", online}};
}

core::Result<Json> SelfcareService::checkout(const Account& account, const std::string& invoiceId,
                                             const std::string& returnUrl) {
  // Whose invoice it is, first: the command would take any of the tenant's invoices.
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(std::optional<billing::Invoice> inv, billing::BillingStore(tx).invoice(account.tenantId, invoiceId));
        if (!inv || inv->username != account.username || inv->tenantId != account.tenantId || inv->status != "issued" ||
            inv->kind != "invoice")
          return core::notFound("no such invoice");
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  if (!d_.collection) return core::failedPrecondition("online payments are off");
  Json args{{"tenant", account.tenantId}, {"invoice", invoiceId}};
  if (!returnUrl.empty()) {
    args["success-url"] = returnUrl;
    args["cancel-url"] = returnUrl;
  }
  core::ControlReply reply = d_.collection->createCheckout(args, tenancy::Caller{account.tenantId});
  if (!reply.ok()) return core::Status(reply.code, reply.text);
  return reply.arguments;
}

core::Result<Json> SelfcareService::topups(const Account& account) {
  if (!d_.topups) return Json{{"products", Json::array()}, {"online", false}, {"orders", Json::array()}};
  return d_.topups->offer(account.tenantId, account.username);
}

core::Result<Json> SelfcareService::buyTopup(const Account& account, const std::string& product,
                                             const std::string& returnUrl) {
  if (!d_.topups || !d_.collection) return core::failedPrecondition("online payments are off");
  return d_.topups->buy(account.tenantId, account.username, product, returnUrl);
}

core::Result<Json> SelfcareService::planChoices(const Account& account) {
  const int64_t today = d_.clock.unixSeconds() / 86400;
  Json out{{"subscription", nullptr}, {"current", ""}, {"plans", Json::array()}, {"currency", ""}};
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        out["plans"] = Json::array();
        billing::BillingStore books(tx);
        EDGE_ASSIGN_OR_RETURN(std::optional<billing::Settings> settings, books.settings(account.tenantId));
        if (!settings) return core::Status::ok();
        out["currency"] = settings->currency;
        EDGE_ASSIGN_OR_RETURN(std::vector<billing::Subscription> subs, books.subscriptions(account.tenantId, account.username));
        for (const billing::Subscription& s : subs) {
          if (s.username != account.username || (s.endDay > 0 && s.endDay <= today) || s.segments.empty()) continue;
          out["subscription"] = s.id;
          std::string current = s.segments.front().plan;
          for (const billing::Segment& g : s.segments)
            if (g.fromDay <= today) current = g.plan;
          out["current"] = current;
          break;
        }
        if (out["subscription"].is_null()) return core::Status::ok();
        EDGE_ASSIGN_OR_RETURN(std::vector<catalog::StoredSpec> plans, catalog::CatalogStore(tx).plans(account.tenantId));
        for (const catalog::StoredSpec& stored : plans) {
          Json spec = Json::parse(stored.spec, nullptr, false);
          if (!spec.is_object()) continue;
          ::catalog::Plan p;
          if (!::catalog::applyPlanArgs(core::CommandArgs(spec), p).isOk()) continue;
          const std::string name = textOf(spec, "name");
          if (name == out["current"] || p.billing.priceMinor <= 0 || p.billing.currency != settings->currency) continue;
          out["plans"].push_back(Json{{"name", name},
                                      {"price", ::billing::formatMoney(p.billing.priceMinor, settings->currency)},
                                      {"down", textOf(spec, "down")},
                                      {"up", textOf(spec, "up")}});
        }
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return out;
}

core::Result<Json> SelfcareService::changePlan(const Account& account, const std::string& plan, bool preview) {
  EDGE_ASSIGN_OR_RETURN(Json choices, planChoices(account));
  if (choices["subscription"].is_null())
    return core::failedPrecondition("you have no subscription whose plan can be changed here");
  if (plan == choices["current"]) return Json{{"unchanged", true}, {"plan", plan}};
  bool offered = false;
  for (const Json& p : choices["plans"]) offered = offered || p["name"] == plan;
  if (!offered) return core::invalidArgument("plan: choose one of the plans listed");
  // The operator's command, for a caller scoped to this tenant, on this customer's own subscription.
  billing::BillingService engine(billing::BillingService::Deps{d_.storage, d_.clock});
  Json args{{"tenant", account.tenantId}, {"subscription", choices["subscription"]}, {"plan", plan}};
  if (preview) args["preview"] = true;
  core::ControlReply reply = engine.changeSubscription(args, tenancy::Caller{account.tenantId});
  if (!reply.ok()) return core::Status(reply.code, reply.text);
  Json out = reply.arguments;
  out["plan"] = plan;
  return out;
}

core::Result<std::pair<std::string, std::string>> SelfcareService::invoicePdf(const Account& account,
                                                                              const std::string& invoiceId) {
  billing::InvoiceDocument doc;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(std::optional<billing::Invoice> inv, billing::BillingStore(tx).invoice(account.tenantId, invoiceId));
        // Another customer's invoice is "not found", exactly like one that does not exist.
        if (!inv || inv->username != account.username || inv->tenantId != account.tenantId || inv->status != "issued")
          return core::notFound("no such invoice");
        EDGE_ASSIGN_OR_RETURN(doc, billing::invoiceDocument(tx, *inv));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  // Rendered outside the transaction (milliseconds of cairo, ADR 0040).
  EDGE_ASSIGN_OR_RETURN(std::string pdf, billing::renderInvoicePdf(doc));
  const std::string name = (doc.kind == "credit-note" ? "credit-note-" : "invoice-") + std::to_string(doc.number) + ".pdf";
  return std::make_pair(name, std::move(pdf));
}

core::Result<Json> SelfcareService::contact(const Account& account) {
  Json out{{"name", ""}, {"email", ""}, {"phone", ""}, {"address", ""}};
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(std::optional<customers::Customer> c,
                              customers::CustomerStore(tx).findByUsername(account.tenantId, account.username));
        if (c) out = Json{{"name", c->name}, {"email", c->email}, {"phone", c->phone}, {"address", c->address}};
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return out;
}

core::Status SelfcareService::updateContact(const Account& account, const Json& fields) {
  Json given = Json::object();
  for (const char* key : {"email", "phone", "address"}) {
    auto it = fields.find(key);
    if (it == fields.end()) continue;
    if (!it->is_string()) return core::invalidArgument(std::string(key) + ": give a text");
    given[key] = *it;
  }
  EDGE_RETURN_IF_ERROR(customers::validateFields(given));
  const int64_t now = d_.clock.unixSeconds();
  return d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    customers::CustomerStore people(tx);
    EDGE_ASSIGN_OR_RETURN(std::optional<customers::Customer> c, people.findByUsername(account.tenantId, account.username));
    customers::Customer row;
    if (c) {
      row = *c;
    } else {
      row.tenantId = account.tenantId;
      row.id = "cu-" + core::pki::randomHex(6);
      row.name = account.username;
      row.username = account.username;
      row.createdAt = now;
    }
    if (given.contains("email")) row.email = given["email"].get<std::string>();
    if (given.contains("phone")) row.phone = given["phone"].get<std::string>();
    if (given.contains("address")) row.address = given["address"].get<std::string>();
    row.updatedAt = now;
    return people.put(row);
  });
}

}  // namespace mgmt::selfcare
