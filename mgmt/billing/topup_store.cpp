#include "mgmt/billing/topup_store.h"

namespace mgmt::billing {

using store::Row;

namespace {

constexpr const char* kOrderColumns =
    "tenant_id, id, username, product, bytes, seconds, amount, currency, checkout_id, state, invoice_id, payment_id, "
    "devices, created_at, paid_at";

TopupOrder orderFrom(const Row& r) {
  TopupOrder o;
  o.tenantId = r.text(0);
  o.id = r.text(1);
  o.username = r.text(2);
  o.product = r.text(3);
  o.bytes = r.int64(4);
  o.seconds = r.int64(5);
  o.amount = r.int64(6);
  o.currency = r.text(7);
  o.checkoutId = r.text(8);
  o.state = r.text(9);
  o.invoiceId = r.text(10);
  o.paymentId = r.text(11);
  o.devices = r.int64(12);
  o.createdAt = r.int64(13);
  o.paidAt = r.int64(14);
  return o;
}

}  // namespace

core::Status TopupStore::putProduct(const std::string& tenantId, const TopupProduct& p) {
  return tx_
      .exec("INSERT INTO topup_products (tenant_id, name, description, bytes, seconds, price, updated_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant_id, name) DO UPDATE SET "
            "description = excluded.description, bytes = excluded.bytes, seconds = excluded.seconds, "
            "price = excluded.price, updated_at = excluded.updated_at",
            {tenantId, p.name, p.description, p.bytes, p.seconds, p.price, p.updatedAt})
      .status();
}

core::Result<bool> TopupStore::deleteProduct(const std::string& tenantId, const std::string& name) {
  EDGE_ASSIGN_OR_RETURN(int64_t n, tx_.exec("DELETE FROM topup_products WHERE tenant_id = $1 AND name = $2", {tenantId, name}));
  return n > 0;
}

core::Result<std::optional<TopupProduct>> TopupStore::product(const std::string& tenantId, const std::string& name) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne("SELECT name, description, bytes, seconds, price, updated_at FROM topup_products "
                                     "WHERE tenant_id = $1 AND name = $2",
                                     {tenantId, name}));
  if (!r) return std::optional<TopupProduct>();
  return std::optional<TopupProduct>(TopupProduct{r->text(0), r->text(1), r->int64(2), r->int64(3), r->int64(4), r->int64(5)});
}

core::Result<std::vector<TopupProduct>> TopupStore::products(const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query("SELECT name, description, bytes, seconds, price, updated_at FROM topup_products "
                                  "WHERE tenant_id = $1 ORDER BY price, name",
                                  {tenantId}));
  std::vector<TopupProduct> out;
  for (const Row& r : rows) out.push_back(TopupProduct{r.text(0), r.text(1), r.int64(2), r.int64(3), r.int64(4), r.int64(5)});
  return out;
}

core::Status TopupStore::insertOrder(const TopupOrder& o) {
  return tx_
      .exec(std::string("INSERT INTO topup_orders (") + kOrderColumns +
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            {o.tenantId, o.id, o.username, o.product, o.bytes, o.seconds, o.amount, o.currency, o.checkoutId, o.state,
             o.invoiceId, o.paymentId, o.devices, o.createdAt, o.paidAt})
      .status();
}

core::Status TopupStore::setOrderCheckout(const std::string& tenantId, const std::string& id, const std::string& checkoutId) {
  return tx_
      .exec("UPDATE topup_orders SET checkout_id = $3 WHERE tenant_id = $1 AND id = $2", {tenantId, id, checkoutId})
      .status();
}

core::Result<std::optional<TopupOrder>> TopupStore::order(const std::string& tenantId, const std::string& id) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne(std::string("SELECT ") + kOrderColumns +
                                         " FROM topup_orders WHERE tenant_id = $1 AND id = $2",
                                     {tenantId, id}));
  if (!r) return std::optional<TopupOrder>();
  return std::optional<TopupOrder>(orderFrom(*r));
}

core::Result<bool> TopupStore::markPaid(const TopupOrder& o) {
  EDGE_ASSIGN_OR_RETURN(int64_t n,
                        tx_.exec("UPDATE topup_orders SET state = 'paid', invoice_id = $3, payment_id = $4, devices = $5, "
                                 "paid_at = $6 WHERE tenant_id = $1 AND id = $2 AND state = 'pending'",
                                 {o.tenantId, o.id, o.invoiceId, o.paymentId, o.devices, o.paidAt}));
  return n == 1;
}

core::Result<std::vector<TopupOrder>> TopupStore::orders(const std::string& tenantId, const std::string& username,
                                                         const std::string& state, int64_t limit) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query(std::string("SELECT ") + kOrderColumns +
                                      " FROM topup_orders WHERE tenant_id = $1 AND ($2 = '' OR username = $2) AND "
                                      "($3 = '' OR state = $3) ORDER BY created_at DESC, id LIMIT $4",
                                  {tenantId, username, state, limit}));
  std::vector<TopupOrder> out;
  for (const Row& r : rows) out.push_back(orderFrom(r));
  return out;
}

core::Result<std::vector<TopupOrder>> TopupStore::undelivered(const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query(std::string("SELECT ") + kOrderColumns +
                                      " FROM topup_orders WHERE tenant_id = $1 AND state = 'paid' AND devices = 0 "
                                      "ORDER BY paid_at, id",
                                  {tenantId}));
  std::vector<TopupOrder> out;
  for (const Row& r : rows) out.push_back(orderFrom(r));
  return out;
}

core::Status TopupStore::setDevices(const std::string& tenantId, const std::string& id, int64_t devices) {
  return tx_
      .exec("UPDATE topup_orders SET devices = $3 WHERE tenant_id = $1 AND id = $2", {tenantId, id, devices})
      .status();
}

}  // namespace mgmt::billing
