// Top-ups bought in self-care (issue 24; docs/billing.md "Top-ups"; ADR 0058): each tenant's catalog
// of top-up products (data and/or online time at a price), the customer's purchase through the
// provider's hosted checkout, and the booking when the provider says it is paid.
//
// Contract:
//  - topup-product-set/-list/-del are commands of the table (billing staff change, everyone reads);
//    a product's price is in the tenant's billing currency, taxed like its plans.
//  - buy() makes a pending order and a checkout for the order's total (tax included); each Buy is a
//    new order (a customer may buy two), and the provider's idempotency key is the order's, so a
//    retried creation gives the first session back.
//  - bookPaid() runs inside the webhook's unit of work (CollectionService::webhook): a paid one-off
//    invoice for the order (a gapless number, the receivable entry, then the payment's entry), the
//    order marked paid, and a "topup" command queued for every active box of the tenant with the
//    order id as the top-up's id, which a box applies once however often the command reaches it.
//    An order is booked at most once (the webhook's event id and the order's state both guard it).
//    Booked while the tenant has no active box, it goes to the first box enrolled later.
#pragma once

#include <string>

#include "core/clock.h"
#include "core/control_socket.h"
#include "mgmt/billing/billing_store.h"
#include "mgmt/billing/collection_service.h"
#include "mgmt/billing/collection_store.h"
#include "mgmt/store/sql.h"
#include "mgmt/tenancy/caller.h"

namespace mgmt::billing {

class TopupService {
 public:
  struct Deps {
    store::Storage& storage;
    const core::Clock& clock;
    CollectionService& collection;
  };
  explicit TopupService(Deps deps) : d_(deps) {}

  core::ControlReply setProduct(const core::Json& args, const tenancy::Caller& caller);     // topup-product-set
  core::ControlReply listProducts(const core::Json& args, const tenancy::Caller& caller);   // topup-product-list
  core::ControlReply deleteProduct(const core::Json& args, const tenancy::Caller& caller);  // topup-product-del
  core::ControlReply listOrders(const core::Json& args, const tenancy::Caller& caller);     // topup-order-list

  // What a customer may buy: {"products": [{"name", "description", "adds", "price", "total"}],
  // "online": whether the tenant takes card payments, "orders": the customer's last orders}.
  core::Result<core::Json> offer(const std::string& tenantId, const std::string& username);
  // A pending order of `product` for the customer and its checkout: {"order", "url", "amount"}.
  // kNotFound: no such product; kFailedPrecondition: no card payments for the tenant; kUnavailable:
  // the provider failed.
  core::Result<core::Json> buy(const std::string& tenantId, const std::string& username, const std::string& product,
                               const std::string& returnUrl);

 private:
  Deps d_;
};

// Books the paid checkout `session` of a top-up order inside the webhook's unit of work: `p` is the
// online payment (every field set but its id's invoice); answers {"order", "invoice", "payment",
// "devices"}.
core::Result<core::Json> bookPaidTopup(store::Transaction& tx, const CheckoutSession& session, Payment p);

// In the unit of work that enrolls `deviceId` (FleetService's `enrolled` hook): queues to it every paid
// order of the tenant that reached no box (booked while the tenant had none), and records that it
// was sent. The box applies each once by the order id, in its period current when it arrives, as a box
// that was offline does. Later boxes do not get them, as boxes enrolled after any booking do not.
core::Status deliverUndeliveredTopups(store::Transaction& tx, const std::string& tenantId, const std::string& deviceId,
                                      int64_t now);

// "5 GB + 2 h online" for a product's or order's amounts.
std::string topupAdds(int64_t bytes, int64_t seconds);

}  // namespace mgmt::billing
