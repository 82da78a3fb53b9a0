// The tables of top-ups bought in self-care (migration 22, ADR 0058): each tenant's catalog of
// top-up products and the orders customers place for them. The only SQL for them; a thin class over
// one store::Transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt::billing {

struct TopupProduct {
  std::string name, description;
  int64_t bytes = 0, seconds = 0;  // what it adds to the current period (at least one of them)
  int64_t price = 0;               // minor units of the tenant's billing currency, tax as its plans
  int64_t updatedAt = 0;
};

struct TopupOrder {
  std::string tenantId, id, username, product;
  int64_t bytes = 0, seconds = 0, amount = 0;  // copied from the product when ordered
  std::string currency, checkoutId;
  std::string state = "pending";               // or "paid"
  std::string invoiceId, paymentId;            // set when paid
  int64_t devices = 0;                         // boxes it was sent to
  int64_t createdAt = 0, paidAt = 0;
};

class TopupStore {
 public:
  explicit TopupStore(store::Transaction& tx) : tx_(tx) {}

  core::Status putProduct(const std::string& tenantId, const TopupProduct& p);
  // False when there was none.
  core::Result<bool> deleteProduct(const std::string& tenantId, const std::string& name);
  core::Result<std::optional<TopupProduct>> product(const std::string& tenantId, const std::string& name);
  // By price then name.
  core::Result<std::vector<TopupProduct>> products(const std::string& tenantId);

  core::Status insertOrder(const TopupOrder& o);
  core::Status setOrderCheckout(const std::string& tenantId, const std::string& id, const std::string& checkoutId);
  core::Result<std::optional<TopupOrder>> order(const std::string& tenantId, const std::string& id);
  // False when the order was paid already (nothing written).
  core::Result<bool> markPaid(const TopupOrder& o);
  // `username` "" = every customer; newest first, at most `limit`.
  core::Result<std::vector<TopupOrder>> orders(const std::string& tenantId, const std::string& username,
                                               const std::string& state, int64_t limit);
  // Paid orders that reached no box (booked while the tenant had no active one), oldest first.
  core::Result<std::vector<TopupOrder>> undelivered(const std::string& tenantId);
  // Records the boxes a paid order has been sent to.
  core::Status setDevices(const std::string& tenantId, const std::string& id, int64_t devices);

 private:
  store::Transaction& tx_;
};

}  // namespace mgmt::billing
