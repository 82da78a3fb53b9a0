#include "mgmt/billing/billing_feed.h"

namespace mgmt::billing {

using store::Row;

core::Result<std::vector<InvoiceMoney>> invoiceMoneyAfter(store::Transaction& tx, const std::string& tenantId,
                                                          int64_t afterEntry, int64_t limit, int64_t& lastEntry) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> entries,
                        tx.query("SELECT id, at, kind, ref FROM ledger_entries WHERE tenant_id = $1 AND id > $2 "
                                 "ORDER BY id LIMIT $3",
                                 {tenantId, afterEntry, limit}));
  std::vector<InvoiceMoney> out;
  for (const Row& e : entries) {
    lastEntry = e.int64(0);
    const std::string kind = e.text(2), ref = e.text(3);
    if (kind == "payment") {
      EDGE_ASSIGN_OR_RETURN(
          std::vector<Row> rows,
          tx.query("SELECT a.invoice_id, a.amount, p.day, i.username, i.net, i.total, i.issue_day "
                   "FROM payment_allocations a JOIN payments p ON p.id = a.payment_id "
                   "JOIN invoices i ON i.id = a.invoice_id WHERE a.payment_id = $1 ORDER BY a.invoice_id",
                   {ref}));
      for (const Row& r : rows)
        out.push_back({e.int64(0), false, r.text(3), r.text(0), ref, r.int64(2), r.int64(1), r.int64(4), r.int64(5),
                       r.int64(6)});
    } else if (kind == "credit-applied") {
      // The customer's credit (an overpayment, a credited paid invoice) paying this invoice.
      EDGE_ASSIGN_OR_RETURN(
          std::optional<Row> r,
          tx.queryOne("SELECT i.username, i.net, i.total, i.issue_day, l.amount FROM invoices i JOIN ledger_lines l "
                      "ON l.tenant_id = i.tenant_id AND l.entry_id = $2 AND l.account = 'receivable:' || i.username "
                      "WHERE i.tenant_id = $1 AND i.id = $3",
                      {tenantId, e.int64(0), ref}));
      if (r && r->int64(4) < 0)
        out.push_back({e.int64(0), false, r->text(0), ref, "credit:" + std::to_string(e.int64(0)), e.int64(1) / 86400,
                       -r->int64(4), r->int64(1), r->int64(2), r->int64(3)});
    } else if (kind == "credit-note") {
      EDGE_ASSIGN_OR_RETURN(
          std::optional<Row> r,
          tx.queryOne("SELECT n.credits, n.issue_day, i.username, i.net, i.total, i.issue_day FROM invoices n "
                      "JOIN invoices i ON i.id = n.credits WHERE n.tenant_id = $1 AND n.id = $2",
                      {tenantId, ref}));
      if (r) out.push_back({e.int64(0), true, r->text(2), r->text(0), ref, r->int64(1), 0, r->int64(3), r->int64(4), r->int64(5)});
    } else if (kind == "reversal") {
      // A refund or chargeback (ADR 0058): the invoices it reopened (its negative allocations), named
      // by the payment it took back from.
      EDGE_ASSIGN_OR_RETURN(
          std::vector<Row> rows,
          tx.query("SELECT a.invoice_id, -a.amount, p.day, i.username, i.net, i.total, i.issue_day, v.payment_id "
                   "FROM payment_allocations a JOIN payments p ON p.id = a.payment_id "
                   "JOIN payment_reversals v ON v.tenant_id = p.tenant_id AND v.id = p.id "
                   "JOIN invoices i ON i.id = a.invoice_id WHERE a.payment_id = $1 ORDER BY a.invoice_id",
                   {ref}));
      for (const Row& r : rows)
        out.push_back({e.int64(0), true, r.text(3), r.text(0), r.text(7), r.int64(2), r.int64(1), r.int64(4), r.int64(5),
                       r.int64(6)});
    }
  }
  return out;
}

core::Result<int64_t> allocatedAmount(store::Transaction& tx, const std::string& paymentId, const std::string& invoiceId) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx.queryOne("SELECT amount FROM payment_allocations WHERE payment_id = $1 AND invoice_id = $2",
                                    {paymentId, invoiceId}));
  return r ? r->int64(0) : 0;
}

core::Result<bool> moneyOnInvoiceExists(store::Transaction& tx, const std::string& tenantId, const std::string& invoiceId,
                                        const std::string& paymentId) {
  if (paymentId.rfind("credit:", 0) == 0) {
    int64_t entry = 0;
    try {
      entry = std::stoll(paymentId.substr(7));
    } catch (...) {
      return false;
    }
    EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                          tx.queryOne("SELECT 1 FROM ledger_entries WHERE tenant_id = $1 AND id = $2 AND "
                                      "kind = 'credit-applied' AND ref = $3",
                                      {tenantId, entry, invoiceId}));
    return r.has_value();
  }
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx.queryOne("SELECT 1 FROM payment_allocations a JOIN payments p ON p.id = a.payment_id "
                                    "WHERE p.tenant_id = $1 AND a.payment_id = $2 AND a.invoice_id = $3",
                                    {tenantId, paymentId, invoiceId}));
  return r.has_value();
}

}  // namespace mgmt::billing
