#include "mgmt/billing/collection_store.h"

namespace mgmt::billing {

using store::Row;

namespace {

constexpr const char* kLineColumns =
    "tenant_id, ref, import_id, day, amount, currency, name, reference, text, invoice_id, username, confidence, "
    "reasons, state, payment_id";

BankLine lineFrom(const Row& r) {
  BankLine l;
  l.tenantId = r.text(0);
  l.ref = r.text(1);
  l.importId = r.text(2);
  l.day = r.int64(3);
  l.amount = r.int64(4);
  l.currency = r.text(5);
  l.name = r.text(6);
  l.reference = r.text(7);
  l.text = r.text(8);
  l.invoiceId = r.text(9);
  l.username = r.text(10);
  l.confidence = r.int64(11);
  l.reasons = r.text(12);
  l.state = r.text(13);
  l.paymentId = r.text(14);
  return l;
}

}  // namespace

core::Status CollectionStore::putProvider(const std::string& tenantId, const ProviderAccount& a, int64_t at) {
  return tx_
      .exec("INSERT INTO payment_providers (tenant_id, secret_key, webhook_secret, updated_at) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (tenant_id) DO UPDATE SET secret_key = excluded.secret_key, "
            "webhook_secret = excluded.webhook_secret, updated_at = excluded.updated_at",
            {tenantId, a.secretKey, a.webhookSecret, at})
      .status();
}

core::Result<std::optional<ProviderAccount>> CollectionStore::provider(const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne("SELECT secret_key, webhook_secret FROM payment_providers WHERE tenant_id = $1",
                                     {tenantId}));
  if (!r) return std::optional<ProviderAccount>();
  return std::optional<ProviderAccount>(ProviderAccount{r->text(0), r->text(1)});
}

core::Result<std::vector<std::pair<std::string, ProviderAccount>>> CollectionStore::providers() {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query("SELECT tenant_id, secret_key, webhook_secret FROM payment_providers ORDER BY tenant_id", {}));
  std::vector<std::pair<std::string, ProviderAccount>> out;
  for (const Row& r : rows) out.emplace_back(r.text(0), ProviderAccount{r.text(1), r.text(2)});
  return out;
}

core::Result<bool> CollectionStore::replaceProvider(const std::string& tenantId, const ProviderAccount& was,
                                                    const ProviderAccount& now) {
  EDGE_ASSIGN_OR_RETURN(int64_t n, tx_.exec("UPDATE payment_providers SET secret_key = $4, webhook_secret = $5 "
                                            "WHERE tenant_id = $1 AND secret_key = $2 AND webhook_secret = $3",
                                            {tenantId, was.secretKey, was.webhookSecret, now.secretKey, now.webhookSecret}));
  return n == 1;
}

core::Status CollectionStore::insertCheckout(const CheckoutSession& s) {
  return tx_
      .exec("INSERT INTO checkout_sessions (tenant_id, id, invoice_id, amount, currency, url, idempotency_key, "
            "created_at, order_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (tenant_id, id) DO NOTHING",
            {s.tenantId, s.id, s.invoiceId, s.amount, s.currency, s.url, s.key, s.createdAt, s.orderId})
      .status();
}

core::Result<std::optional<CheckoutSession>> CollectionStore::checkout(const std::string& tenantId,
                                                                       const std::string& id) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne("SELECT tenant_id, id, invoice_id, currency, url, idempotency_key, payment_id, "
                                     "amount, created_at, order_id FROM checkout_sessions WHERE tenant_id = $1 AND id = $2",
                                     {tenantId, id}));
  if (!r) return std::optional<CheckoutSession>();
  return std::optional<CheckoutSession>(CheckoutSession{r->text(0), r->text(1), r->text(2), r->text(3), r->text(4),
                                                        r->text(5), r->text(6), r->int64(7), r->int64(8), r->text(9)});
}

core::Status CollectionStore::setCheckoutPayment(const std::string& tenantId, const std::string& id,
                                                 const std::string& paymentId) {
  return tx_
      .exec("UPDATE checkout_sessions SET payment_id = $3 WHERE tenant_id = $1 AND id = $2", {tenantId, id, paymentId})
      .status();
}

core::Result<bool> CollectionStore::takeSignature(const std::string& tenantId, const std::string& signature,
                                                  int64_t signedAt) {
  EDGE_ASSIGN_OR_RETURN(int64_t n, tx_.exec("INSERT INTO webhook_signatures (tenant_id, signature, signed_at) "
                                            "VALUES ($1, $2, $3) ON CONFLICT (tenant_id, signature) DO NOTHING",
                                            {tenantId, signature, signedAt}));
  return n == 1;
}

core::Result<std::optional<std::string>> CollectionStore::eventPayment(const std::string& tenantId,
                                                                       const std::string& eventId) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne("SELECT payment_id FROM webhook_events WHERE tenant_id = $1 AND event_id = $2",
                                     {tenantId, eventId}));
  if (!r) return std::optional<std::string>();
  return std::optional<std::string>(r->text(0));
}

core::Status CollectionStore::insertEvent(const std::string& tenantId, const std::string& eventId,
                                          const std::string& type, const std::string& paymentId, int64_t at) {
  return tx_
      .exec("INSERT INTO webhook_events (tenant_id, event_id, type, payment_id, received_at) VALUES ($1, $2, $3, $4, $5)",
            {tenantId, eventId, type, paymentId, at})
      .status();
}

core::Result<int64_t> CollectionStore::eventCount(const std::string& tenantId) {
  return tx_.queryInt64("SELECT count(*) FROM webhook_events WHERE tenant_id = $1", {tenantId});
}

core::Status CollectionStore::insertStatement(const std::string& tenantId, const std::string& id,
                                              const std::string& format, const std::string& statementId,
                                              int64_t lines, int64_t at) {
  return tx_
      .exec("INSERT INTO bank_statements (tenant_id, id, format, statement_id, lines, imported_at) "
            "VALUES ($1, $2, $3, $4, $5, $6)",
            {tenantId, id, format, statementId, lines, at})
      .status();
}

core::Result<bool> CollectionStore::insertLine(const BankLine& l) {
  EDGE_ASSIGN_OR_RETURN(int64_t n,
                        tx_.exec(std::string("INSERT INTO bank_lines (") + kLineColumns +
                                     ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) "
                                     "ON CONFLICT (tenant_id, ref) DO NOTHING",
                                 {l.tenantId, l.ref, l.importId, l.day, l.amount, l.currency, l.name, l.reference,
                                  l.text, l.invoiceId, l.username, l.confidence, l.reasons, l.state, l.paymentId}));
  return n == 1;
}

core::Result<std::optional<BankLine>> CollectionStore::line(const std::string& tenantId, const std::string& ref) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne(std::string("SELECT ") + kLineColumns +
                                         " FROM bank_lines WHERE tenant_id = $1 AND ref = $2",
                                     {tenantId, ref}));
  if (!r) return std::optional<BankLine>();
  return std::optional<BankLine>(lineFrom(*r));
}

core::Result<std::vector<BankLine>> CollectionStore::lines(const std::string& tenantId, const std::string& state,
                                                           int64_t limit) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        state.empty()
                            ? tx_.query(std::string("SELECT ") + kLineColumns +
                                            " FROM bank_lines WHERE tenant_id = $1 ORDER BY day, ref LIMIT $2",
                                        {tenantId, limit})
                            : tx_.query(std::string("SELECT ") + kLineColumns +
                                            " FROM bank_lines WHERE tenant_id = $1 AND state = $2 ORDER BY day, ref "
                                            "LIMIT $3",
                                        {tenantId, state, limit}));
  std::vector<BankLine> out;
  for (const Row& r : rows) out.push_back(lineFrom(r));
  return out;
}

core::Status CollectionStore::decideLine(const std::string& tenantId, const std::string& ref, const std::string& state,
                                         const std::string& invoiceId, const std::string& username,
                                         const std::string& paymentId) {
  return tx_
      .exec("UPDATE bank_lines SET state = $3, invoice_id = $4, username = $5, payment_id = $6 "
            "WHERE tenant_id = $1 AND ref = $2",
            {tenantId, ref, state, invoiceId, username, paymentId})
      .status();
}

core::Result<std::vector<::billing::OpenInvoice>> CollectionStore::openInvoices(const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      tx_.query("SELECT i.id, i.username, i.reference, COALESCE(c.name, ''), i.total - i.paid, i.currency "
                "FROM invoices i LEFT JOIN (SELECT username, min(name) AS name FROM customers "
                "WHERE tenant_id = $1 AND username <> '' GROUP BY username) c ON c.username = i.username "
                "WHERE i.tenant_id = $1 AND i.status = 'issued' AND i.kind = 'invoice' AND i.credited = 0 "
                "AND i.paid < i.total ORDER BY i.number",
                {tenantId}));
  std::vector<::billing::OpenInvoice> out;
  out.reserve(rows.size());
  for (const Row& r : rows)
    out.push_back(::billing::OpenInvoice{r.text(0), r.text(1), r.text(2), r.text(3), r.int64(4), r.text(5)});
  return out;
}

core::Status CollectionStore::insertReversal(const Reversal& r) {
  return tx_
      .exec("INSERT INTO payment_reversals (tenant_id, id, payment_id, kind, provider_ref, amount, created_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7)",
            {r.tenantId, r.id, r.paymentId, r.kind, r.providerRef, r.amount, r.createdAt})
      .status();
}

core::Result<int64_t> CollectionStore::reversed(const std::string& tenantId, const std::string& paymentId) {
  return tx_.queryInt64("SELECT COALESCE(sum(amount), 0) FROM payment_reversals WHERE tenant_id = $1 AND payment_id = $2",
                        {tenantId, paymentId});
}

core::Result<std::vector<std::pair<std::string, int64_t>>> CollectionStore::standingAllocations(
    const std::string& tenantId, const std::string& paymentId) {
  EDGE_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      tx_.query("SELECT a.invoice_id, sum(a.amount), max(i.number) FROM payment_allocations a "
                "JOIN invoices i ON i.id = a.invoice_id WHERE a.payment_id = $2 OR a.payment_id IN "
                "(SELECT id FROM payment_reversals WHERE tenant_id = $1 AND payment_id = $2) "
                "GROUP BY a.invoice_id HAVING sum(a.amount) > 0 ORDER BY max(i.number) DESC, a.invoice_id",
                {tenantId, paymentId}));
  std::vector<std::pair<std::string, int64_t>> out;
  for (const Row& r : rows) out.emplace_back(r.text(0), r.int64(1));
  return out;
}

core::Result<std::vector<CollectionStore::Received>> CollectionStore::receivedPayments(const std::string& tenantId,
                                                                                    const std::string& username,
                                                                                    int64_t limit) {
  EDGE_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      tx_.query("SELECT p.id, p.tenant_id, p.username, p.method, p.currency, p.reference, p.idempotency_key, p.amount, "
                "p.day, p.created_at, (SELECT COALESCE(sum(r.amount), 0) FROM payment_reversals r "
                "WHERE r.tenant_id = p.tenant_id AND r.payment_id = p.id) "
                "FROM payments p WHERE p.tenant_id = $1 AND ($2 = '' OR p.username = $2) AND p.amount > 0 "
                "ORDER BY p.day DESC, p.created_at DESC, p.id LIMIT $3",
                {tenantId, username, limit}));
  std::vector<Received> out;
  for (const Row& r : rows)
    out.push_back(Received{Payment{r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5), r.text(6), r.int64(7),
                                   r.int64(8), r.int64(9)},
                           r.int64(10)});
  return out;
}

core::Result<std::optional<CollectionStore::RefundRequest>> CollectionStore::refundRequest(const std::string& tenantId,
                                                                                        const std::string& key) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne("SELECT payment_id, refund_id, amount FROM refund_requests "
                                     "WHERE tenant_id = $1 AND request_key = $2",
                                     {tenantId, key}));
  if (!r) return std::optional<RefundRequest>();
  return std::optional<RefundRequest>(RefundRequest{r->text(0), r->text(1), r->int64(2)});
}

core::Status CollectionStore::insertRefundRequest(const std::string& tenantId, const std::string& key,
                                                  const RefundRequest& r, int64_t at) {
  return tx_
      .exec("INSERT INTO refund_requests (tenant_id, request_key, payment_id, refund_id, amount, created_at) "
            "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, request_key) DO NOTHING",
            {tenantId, key, r.paymentId, r.refundId, r.amount, at})
      .status();
}

core::Result<int64_t> CollectionStore::purgeWebhooks(int64_t eventsBefore, int64_t signaturesBefore, int64_t limit) {
  // By the received/signed time index, a bounded batch each (the job comes back for the rest).
  EDGE_ASSIGN_OR_RETURN(int64_t events,
                        tx_.exec("DELETE FROM webhook_events WHERE (tenant_id, event_id) IN (SELECT tenant_id, event_id "
                                 "FROM webhook_events WHERE received_at < $1 ORDER BY received_at LIMIT $2)",
                                 {eventsBefore, limit}));
  EDGE_ASSIGN_OR_RETURN(int64_t signatures,
                        tx_.exec("DELETE FROM webhook_signatures WHERE (tenant_id, signature) IN (SELECT tenant_id, "
                                 "signature FROM webhook_signatures WHERE signed_at < $1 ORDER BY signed_at LIMIT $2)",
                                 {signaturesBefore, limit}));
  return events + signatures;
}

core::Status CollectionStore::deleteTenant(const std::string& tenantId) {
  for (const char* table : {"bank_lines", "bank_statements", "webhook_signatures", "webhook_events", "refund_requests",
                            "payment_reversals", "topup_orders", "topup_products", "checkout_sessions",
                            "payment_providers"})
    EDGE_RETURN_IF_ERROR(
        tx_.exec(std::string("DELETE FROM ") + table + " WHERE tenant_id = $1", {tenantId}).status());
  return core::Status::ok();
}

}  // namespace mgmt::billing
