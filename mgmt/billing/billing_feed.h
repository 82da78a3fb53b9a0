// What other areas read from a tenant's billing, in the order it happened: the money that landed
// on invoices (payments' allocations, credit applied at issue or later), the credit notes that
// reversed invoices and the refunds and chargebacks that took a payment's money back off them.
// Driven by the tenant's ledger entry ids, which are consecutive and taken in the transaction that
// writes the business row (ADR 0033): a reader keeping the last id it took misses nothing and takes
// nothing twice. The partners' commission run is the reader (ADR 0041).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt::billing {

struct InvoiceMoney {
  int64_t entryId = 0;
  // A credit note on invoiceId (paymentId = the credit note, amount 0), or money the provider took
  // back from a payment (a refund or chargeback, ADR 0058: paymentId = the payment it took from,
  // amount = what it reopened on invoiceId, > 0).
  bool reversal = false;
  std::string username, invoiceId, paymentId;  // paymentId: the payment, or "credit:<entry id>"
  int64_t day = 0;        // the payment's day; the credit note's issue day; the entry's day for credit
  int64_t amount = 0;     // onto the invoice; a reversal: taken off it (0 for a credit note)
  int64_t net = 0, total = 0, issueDay = 0;  // the invoice's
};

// The tenant's entries after `afterEntry` (at most `limit` entries; fewer = the end), as money
// events; `lastEntry` is set to the last entry id looked at (unchanged when none).
core::Result<std::vector<InvoiceMoney>> invoiceMoneyAfter(store::Transaction& tx, const std::string& tenantId,
                                                          int64_t afterEntry, int64_t limit, int64_t& lastEntry);

// What payment `paymentId` allocated to `invoiceId` (0 when nothing).
core::Result<int64_t> allocatedAmount(store::Transaction& tx, const std::string& paymentId, const std::string& invoiceId);
// Whether the money an InvoiceMoney named still exists in billing: the payment's allocation to the
// invoice, or ("credit:<entry>") the credit-applied entry on it.
core::Result<bool> moneyOnInvoiceExists(store::Transaction& tx, const std::string& tenantId, const std::string& invoiceId,
                                        const std::string& paymentId);

}  // namespace mgmt::billing
