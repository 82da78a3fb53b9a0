#include "mgmt/billing/billing_feed.h"

#include <map>

namespace mgmt::billing {

using store::Row;

core::Result<std::vector<InvoiceMoney>> invoiceMoneyAfter(store::Transaction& tx, const std::string& tenantId,
                                                          int64_t afterEntry, int64_t limit, int64_t& lastEntry) {
  // A page is read in at most five statements whatever its size: the entries, then the money of
  // each kind joined over the page's id range (no statement per entry).
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> entries,
                        tx.query("SELECT id, kind FROM ledger_entries WHERE tenant_id = $1 AND id > $2 "
                                 "ORDER BY id LIMIT $3",
                                 {tenantId, afterEntry, limit}));
  if (entries.empty()) return std::vector<InvoiceMoney>();
  const int64_t first = entries.front().int64(0), last = entries.back().int64(0);
  bool payments = false, credits = false, notes = false, reversals = false;
  for (const Row& e : entries) {
    const std::string kind = e.text(1);
    payments |= kind == "payment";
    credits |= kind == "credit-applied";
    notes |= kind == "credit-note";
    reversals |= kind == "reversal";
  }
  std::map<int64_t, std::vector<InvoiceMoney>> byEntry;
  if (payments) {
    EDGE_ASSIGN_OR_RETURN(
        std::vector<Row> rows,
        tx.query("SELECT e.id, e.ref, a.invoice_id, a.amount, p.day, i.username, i.net, i.total, i.issue_day "
                 "FROM ledger_entries e JOIN payment_allocations a ON a.payment_id = e.ref "
                 "JOIN payments p ON p.id = a.payment_id JOIN invoices i ON i.id = a.invoice_id "
                 "WHERE e.tenant_id = $1 AND e.id >= $2 AND e.id <= $3 AND e.kind = 'payment' "
                 "ORDER BY e.id, a.invoice_id",
                 {tenantId, first, last}));
    for (const Row& r : rows)
      byEntry[r.int64(0)].push_back({r.int64(0), false, r.text(5), r.text(2), r.text(1), r.int64(4), r.int64(3),
                                     r.int64(6), r.int64(7), r.int64(8)});
  }
  if (credits) {
    // The customer's credit (an overpayment, a credited paid invoice) paying this invoice.
    EDGE_ASSIGN_OR_RETURN(
        std::vector<Row> rows,
        tx.query("SELECT e.id, e.at, e.ref, i.username, i.net, i.total, i.issue_day, l.amount "
                 "FROM ledger_entries e JOIN invoices i ON i.tenant_id = e.tenant_id AND i.id = e.ref "
                 "JOIN ledger_lines l ON l.tenant_id = e.tenant_id AND l.entry_id = e.id "
                 "AND l.account = 'receivable:' || i.username "
                 "WHERE e.tenant_id = $1 AND e.id >= $2 AND e.id <= $3 AND e.kind = 'credit-applied' ORDER BY e.id",
                 {tenantId, first, last}));
    for (const Row& r : rows)
      if (r.int64(7) < 0)
        byEntry[r.int64(0)].push_back({r.int64(0), false, r.text(3), r.text(2), "credit:" + std::to_string(r.int64(0)),
                                       r.int64(1) / 86400, -r.int64(7), r.int64(4), r.int64(5), r.int64(6)});
  }
  if (notes) {
    EDGE_ASSIGN_OR_RETURN(
        std::vector<Row> rows,
        tx.query("SELECT e.id, e.ref, n.credits, n.issue_day, i.username, i.net, i.total, i.issue_day "
                 "FROM ledger_entries e JOIN invoices n ON n.tenant_id = e.tenant_id AND n.id = e.ref "
                 "JOIN invoices i ON i.id = n.credits "
                 "WHERE e.tenant_id = $1 AND e.id >= $2 AND e.id <= $3 AND e.kind = 'credit-note' ORDER BY e.id",
                 {tenantId, first, last}));
    for (const Row& r : rows)
      byEntry[r.int64(0)].push_back({r.int64(0), true, r.text(4), r.text(2), r.text(1), r.int64(3), 0, r.int64(5),
                                     r.int64(6), r.int64(7)});
  }
  if (reversals) {
    // A refund or chargeback (ADR 0058): the invoices it reopened (its negative allocations), named
    // by the payment it took back from.
    EDGE_ASSIGN_OR_RETURN(
        std::vector<Row> rows,
        tx.query("SELECT e.id, v.payment_id, a.invoice_id, -a.amount, p.day, i.username, i.net, i.total, i.issue_day "
                 "FROM ledger_entries e JOIN payment_allocations a ON a.payment_id = e.ref "
                 "JOIN payments p ON p.id = a.payment_id JOIN invoices i ON i.id = a.invoice_id "
                 "JOIN payment_reversals v ON v.tenant_id = e.tenant_id AND v.id = e.ref "
                 "WHERE e.tenant_id = $1 AND e.id >= $2 AND e.id <= $3 AND e.kind = 'reversal' "
                 "ORDER BY e.id, a.invoice_id",
                 {tenantId, first, last}));
    for (const Row& r : rows)
      byEntry[r.int64(0)].push_back({r.int64(0), true, r.text(5), r.text(2), r.text(1), r.int64(4), r.int64(3),
                                     r.int64(6), r.int64(7), r.int64(8)});
  }
  lastEntry = last;
  std::vector<InvoiceMoney> out;
  for (auto& [id, money] : byEntry)
    for (InvoiceMoney& m : money) out.push_back(std::move(m));
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
