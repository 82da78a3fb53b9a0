#include "mgmt/billing/topup_service.h"

#include <cctype>

#include "billing/rating/rules.h"
#include "core/command_args.h"
#include "core/log.h"
#include "core/units.h"
#include "mgmt/billing/billing_internal.h"
#include "mgmt/billing/books.h"
#include "mgmt/billing/topup_store.h"
#include "mgmt/catalog/catalog_service.h"
#include "mgmt/fleet/fleet_store.h"
#include "mgmt/tenancy/tenancy_service.h"

namespace mgmt::billing {

using core::CommandArgs;
using core::ControlReply;
using core::Json;
using tenancy::Caller;
using tenancy::Tenant;

namespace {

bool productNameOk(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

Json productJson(const TopupProduct& p, const std::string& currency) {
  return Json{{"name", p.name},
              {"description", p.description},
              {"bytes", p.bytes},
              {"seconds", p.seconds},
              {"adds", topupAdds(p.bytes, p.seconds)},
              {"price-minor", p.price},
              {"price", ::billing::formatMoney(p.price, currency)}};
}

Json orderJson(const TopupOrder& o) {
  return Json{{"id", o.id},
              {"customer", o.username},
              {"product", o.product},
              {"adds", topupAdds(o.bytes, o.seconds)},
              {"amount-minor", o.amount},
              {"amount", ::billing::formatMoney(o.amount, o.currency)},
              {"state", o.state},
              {"invoice", o.invoiceId},
              {"payment", o.paymentId},
              {"devices", o.devices},
              {"created", o.createdAt},
              {"paid", o.paidAt}};
}

// The box's "topup" command for a paid order: the order id is the top-up's id there.
std::string topupCommand(const TopupOrder& order) {
  return Json{{"id", order.id}, {"username", order.username}, {"bytes", order.bytes}, {"seconds", order.seconds},
              {"note", "top-up " + order.product + " bought in self-care (" + order.id + ")"}}
      .dump();
}

// The one line of a top-up's invoice.
std::vector<InvoiceLine> topupLines(const std::string& product, int64_t bytes, int64_t seconds, int64_t price, int64_t day) {
  return {InvoiceLine{"Top-up " + product + " (" + topupAdds(bytes, seconds) + ")", "", day, day + 1, price}};
}

}  // namespace

std::string topupAdds(int64_t bytes, int64_t seconds) {
  std::string out;
  if (bytes > 0) out = core::formatSize(static_cast<uint64_t>(bytes));
  if (seconds > 0) out += (out.empty() ? "" : " + ") + ::billing::formatDuration(static_cast<uint64_t>(seconds)) + " online";
  return out;
}

ControlReply TopupService::setProduct(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "name", "bytes", "time", "price", "description"}));
  EDGE_ASSIGN_OR_RETURN(std::string name, a.required("name"));
  if (!productNameOk(name))
    return ControlReply::error(core::invalidArgument("name '" + name.substr(0, 64) + "': 1..64 letters, digits, '-', '_' or '.'"));
  EDGE_ASSIGN_OR_RETURN(std::optional<uint64_t> bytes, a.size("bytes"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> time, a.text("time"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> description, a.text("description"));
  TopupProduct p;
  p.name = name;
  p.description = description.value_or("");
  p.bytes = static_cast<int64_t>(bytes.value_or(0));
  if (time) {
    core::Result<uint64_t> d = ::billing::parseDuration(*time);
    if (!d.isOk()) return ControlReply::error(core::invalidArgument("time: " + d.status().message()));
    p.seconds = static_cast<int64_t>(*d);
  }
  if (p.bytes <= 0 && p.seconds <= 0)
    return ControlReply::error(core::invalidArgument("bytes or time: a top-up adds data (--bytes 5GB) and/or time (--time 2h)"));
  p.updatedAt = d_.clock.unixSeconds();
  std::string currency;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
    BillingStore st(tx);
    EDGE_ASSIGN_OR_RETURN(Settings settings, requireSettings(st, t.id, t.name));
    currency = settings.currency;
    EDGE_ASSIGN_OR_RETURN(p.price, amountArg(a, "price", settings.currency));
    return TopupStore(tx).putProduct(t.id, p);
  }));
  return ControlReply::success("top-up product " + p.name + ": " + topupAdds(p.bytes, p.seconds) + " for " +
                                   ::billing::formatMoney(p.price, currency),
                               productJson(p, currency));
}

ControlReply TopupService::listProducts(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant"}));
  Json list = Json::array();
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
        BillingStore st(tx);
        EDGE_ASSIGN_OR_RETURN(Settings settings, requireSettings(st, t.id, t.name));
        EDGE_ASSIGN_OR_RETURN(std::vector<TopupProduct> products, TopupStore(tx).products(t.id));
        list = Json::array();
        for (const TopupProduct& p : products) list.push_back(productJson(p, settings.currency));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success(std::to_string(list.size()) + " top-up products", list);
}

ControlReply TopupService::deleteProduct(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "name"}));
  EDGE_ASSIGN_OR_RETURN(std::string name, a.required("name"));
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
    EDGE_ASSIGN_OR_RETURN(bool gone, TopupStore(tx).deleteProduct(t.id, name));
    if (!gone) return core::notFound("name: no top-up product '" + name.substr(0, 64) + "'");
    return core::Status::ok();
  }));
  return ControlReply::success("top-up product " + name + " removed (orders of it keep what they bought)",
                               Json{{"name", name}});
}

ControlReply TopupService::listOrders(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "username", "state", "limit"}));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> username, a.text("username"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> state, a.text("state"));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, a.integer("limit"));
  if (state && *state != "pending" && *state != "paid")
    return ControlReply::error(core::invalidArgument("state '" + state->substr(0, 16) + "': expected pending or paid"));
  Json list = Json::array();
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
        EDGE_ASSIGN_OR_RETURN(std::vector<TopupOrder> orders,
                              TopupStore(tx).orders(t.id, username.value_or(""), state.value_or(""), limit.value_or(100)));
        list = Json::array();
        for (const TopupOrder& o : orders) list.push_back(orderJson(o));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success(std::to_string(list.size()) + " top-up orders", list);
}

core::Result<Json> TopupService::offer(const std::string& tenantId, const std::string& username) {
  Json out{{"products", Json::array()}, {"online", false}, {"orders", Json::array()}};
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        out["products"] = Json::array();
        out["orders"] = Json::array();
        BillingStore st(tx);
        EDGE_ASSIGN_OR_RETURN(std::optional<Settings> settings, st.settings(tenantId));
        if (!settings) return core::Status::ok();
        EDGE_ASSIGN_OR_RETURN(std::optional<ProviderAccount> acc, CollectionStore(tx).provider(tenantId));
        out["online"] = acc.has_value() && d_.collection.online();  // (its secrets stay sealed: not needed here)
        TopupStore ts(tx);
        EDGE_ASSIGN_OR_RETURN(std::vector<TopupProduct> products, ts.products(tenantId));
        TaxRates rates(st, tenantId);
        for (const TopupProduct& p : products) {
          EDGE_ASSIGN_OR_RETURN(Invoice draft, makeDraft(st, rates, tenantId, *settings, username, std::nullopt,
                                                         topupLines(p.name, p.bytes, p.seconds, p.price, 0), 0));
          Json j = productJson(p, settings->currency);
          j["total"] = ::billing::formatMoney(draft.total, settings->currency);
          out["products"].push_back(std::move(j));
        }
        EDGE_ASSIGN_OR_RETURN(std::vector<TopupOrder> orders, ts.orders(tenantId, username, "paid", 5));
        for (const TopupOrder& o : orders) out["orders"].push_back(orderJson(o));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return out;
}

core::Result<Json> TopupService::buy(const std::string& tenantId, const std::string& username,
                                     const std::string& productName, const std::string& returnUrl) {
  const int64_t now = d_.clock.unixSeconds();
  TopupOrder order;
  ProviderAccount account;
  int64_t total = 0;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    BillingStore st(tx);
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::loadTenant(tx, tenantId));
    EDGE_ASSIGN_OR_RETURN(Settings settings, requireSettings(st, t.id, t.name));
    TopupStore ts(tx);
    EDGE_ASSIGN_OR_RETURN(std::optional<TopupProduct> p, ts.product(tenantId, productName));
    if (!p) return core::notFound("product: no top-up '" + productName.substr(0, 64) + "'");
    EDGE_ASSIGN_OR_RETURN(std::optional<ProviderAccount> acc, d_.collection.account(tx, tenantId));
    if (!acc || !d_.collection.online()) return core::failedPrecondition("tenant '" + t.name + "' takes no card payments");
    account = *acc;
    EDGE_ASSIGN_OR_RETURN(bool exists, catalog::subscriberExists(tx, tenantId, username));
    if (!exists) return core::notFound("username: no subscriber '" + username.substr(0, 64) + "'");
    TaxRates rates(st, tenantId);
    EDGE_ASSIGN_OR_RETURN(Invoice draft, makeDraft(st, rates, tenantId, settings, username, std::nullopt,
                                                   topupLines(p->name, p->bytes, p->seconds, p->price, now / 86400), now));
    total = draft.total;
    order = TopupOrder{};
    order.tenantId = tenantId;
    order.id = newId("top-");
    order.username = username;
    order.product = p->name;
    order.bytes = p->bytes;
    order.seconds = p->seconds;
    order.amount = p->price;
    order.currency = settings.currency;
    order.createdAt = now;
    return ts.insertOrder(order);
  }));
  CollectionService::CheckoutRequest req;
  req.tenantId = tenantId;
  req.orderId = order.id;
  req.clientReference = order.id;
  req.title = "Top-up " + order.product + " (" + topupAdds(order.bytes, order.seconds) + ")";
  req.amount = total;
  req.currency = order.currency;
  req.key = "topup-" + order.id;
  req.metadata = {{"topup-order", order.id}};
  req.successUrl = returnUrl;
  req.cancelUrl = returnUrl;
  EDGE_ASSIGN_OR_RETURN(CheckoutSession s, d_.collection.startCheckout(account, req));
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) { return TopupStore(tx).setOrderCheckout(tenantId, order.id, s.id); }));
  return Json{{"order", order.id}, {"url", s.url}, {"amount", ::billing::formatMoney(total, order.currency)},
              {"product", order.product}, {"adds", topupAdds(order.bytes, order.seconds)}};
}

core::Result<Json> bookPaidTopup(store::Transaction& tx, const CheckoutSession& session, Payment p) {
  TopupStore ts(tx);
  BillingStore st(tx);
  EDGE_ASSIGN_OR_RETURN(std::optional<TopupOrder> found, ts.order(session.tenantId, session.orderId));
  if (!found) return core::internalError("checkout " + session.id + ": its top-up order is gone");
  TopupOrder order = *found;
  if (order.state != "pending") return core::internalError("top-up order " + order.id + " was paid by another event");
  EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::loadTenant(tx, session.tenantId));
  EDGE_ASSIGN_OR_RETURN(Settings settings, requireSettings(st, t.id, t.name));
  // A paid one-off invoice: drafted, issued with the next number, then paid, all in this unit.
  const int64_t day = p.createdAt / 86400;
  TaxRates rates(st, t.id);
  const std::vector<InvoiceLine> lines = topupLines(order.product, order.bytes, order.seconds, order.amount, day);
  EDGE_ASSIGN_OR_RETURN(Invoice draft, makeDraft(st, rates, t.id, settings, order.username, std::nullopt, lines, p.createdAt));
  EDGE_RETURN_IF_ERROR(st.insertInvoice(draft, lines));
  std::vector<Invoice> drafts{draft};
  Books books(st, t.id, p.createdAt);
  EDGE_RETURN_IF_ERROR(issueDrafts(st, books, settings, drafts, day));
  EDGE_RETURN_IF_ERROR(books.flush());
  EDGE_ASSIGN_OR_RETURN(std::optional<Invoice> issued, st.invoice(t.id, draft.id));
  if (!issued) return core::internalError("the top-up's invoice " + draft.id + " vanished");
  p.username = order.username;
  p.reference = issued->reference;
  EDGE_RETURN_IF_ERROR(applyPayment(st, p, issued).status());
  // To every box of the tenant: each applies it once by the order id (ADR 0058). With none, the
  // order waits (devices 0) for the first box enrolled (deliverUndeliveredTopups).
  EDGE_ASSIGN_OR_RETURN(std::vector<int64_t> queued,
                        fleet::FleetStore(tx).queueForActiveDevices(t.id, "topup", topupCommand(order), p.createdAt));
  order.invoiceId = issued->id;
  order.paymentId = p.id;
  order.devices = static_cast<int64_t>(queued.size());
  order.paidAt = p.createdAt;
  EDGE_ASSIGN_OR_RETURN(bool marked, ts.markPaid(order));
  if (!marked) return core::internalError("top-up order " + order.id + " was paid meanwhile");
  return Json{{"order", order.id}, {"invoice", issued->id}, {"payment", p.id}, {"devices", order.devices}};
}

core::Status deliverUndeliveredTopups(store::Transaction& tx, const std::string& tenantId, const std::string& deviceId,
                                      int64_t now) {
  TopupStore ts(tx);
  EDGE_ASSIGN_OR_RETURN(std::vector<TopupOrder> orders, ts.undelivered(tenantId));
  fleet::FleetStore fleet(tx);
  for (const TopupOrder& o : orders) {
    EDGE_RETURN_IF_ERROR(fleet.queueForDevice(tenantId, deviceId, "topup", topupCommand(o), now).status());
    EDGE_RETURN_IF_ERROR(ts.setDevices(tenantId, o.id, 1));
  }
  return core::Status::ok();
}

}  // namespace mgmt::billing
