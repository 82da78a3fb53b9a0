// payment-list and payment-show (billing_service.h): what the console's payments pages read. A
// payment's refundable part is what refund-create would take: an online payment's amount less what
// refunds and chargebacks took back already; a desk or bank payment is given back at the desk
// (refund-add, from the customer's credit), so it has none online.
#include <algorithm>

#include "billing/rating/rules.h"
#include "core/command_args.h"
#include "mgmt/billing/billing_internal.h"
#include "mgmt/billing/billing_service.h"
#include "mgmt/billing/collection_store.h"
#include "mgmt/tenancy/tenancy_service.h"

namespace mgmt::billing {

using core::CommandArgs;
using core::ControlReply;
using core::Json;
using tenancy::Caller;
using tenancy::Tenant;

namespace {

Json receivedJson(const Payment& p, int64_t reversed) {
  const bool online = p.key.rfind("online:", 0) == 0;
  const int64_t refundable = online ? std::max<int64_t>(0, p.amount - reversed) : 0;
  return Json{{"id", p.id},
              {"customer", p.username},
              {"method", p.method},
              {"amount-minor", p.amount},
              {"amount", ::billing::formatMoney(p.amount, p.currency)},
              {"currency", p.currency},
              {"reference", p.reference},
              {"day", ::billing::formatDay(p.day)},
              {"online", online},
              {"refunded-minor", reversed},
              {"refunded", ::billing::formatMoney(reversed, p.currency)},
              {"refundable-minor", refundable},
              {"refundable", ::billing::formatMoney(refundable, p.currency)}};
}

}  // namespace

ControlReply BillingService::listPayments(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "username", "limit"}));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> username, a.text("username"));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, a.integer("limit", 1, 10000));
  Json list = Json::array();
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
        EDGE_ASSIGN_OR_RETURN(std::vector<CollectionStore::Received> rows,
                              CollectionStore(tx).receivedPayments(t.id, username.value_or(""), limit.value_or(200)));
        list = Json::array();
        for (const CollectionStore::Received& r : rows) list.push_back(receivedJson(r.payment, r.reversed));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success(std::to_string(list.size()) + " payments", list);
}

ControlReply BillingService::showPayment(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "payment"}));
  EDGE_ASSIGN_OR_RETURN(std::string id, a.required("payment"));
  Json out;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
        BillingStore st(tx);
        CollectionStore cs(tx);
        EDGE_ASSIGN_OR_RETURN(std::optional<Payment> p, st.payment(t.id, id));
        // Another tenant's payment is the same answer as none (tenantFromArgs scoped the lookup).
        if (!p || p->amount <= 0) return core::notFound("payment: no payment '" + id.substr(0, 64) + "'");
        EDGE_ASSIGN_OR_RETURN(int64_t reversed, cs.reversed(t.id, p->id));
        out = receivedJson(*p, reversed);
        EDGE_ASSIGN_OR_RETURN(auto standing, cs.standingAllocations(t.id, p->id));
        Json invoices = Json::array();
        for (const auto& [invoiceId, amount] : standing) {
          EDGE_ASSIGN_OR_RETURN(std::optional<Invoice> inv, st.invoice(t.id, invoiceId));
          Json j{{"invoice", invoiceId}, {"paid-minor", amount}, {"paid", ::billing::formatMoney(amount, p->currency)}};
          if (inv && inv->number) j["number"] = *inv->number;
          invoices.push_back(std::move(j));
        }
        out["invoices"] = invoices;
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success("payment " + out["id"].get<std::string>() + " of " + out["amount"].get<std::string>() + " from '" +
                                   out["customer"].get<std::string>() + "', " + out["refundable"].get<std::string>() +
                                   " refundable online",
                               out);
}

}  // namespace mgmt::billing
