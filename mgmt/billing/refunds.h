// Refunds started from mgmt (issue 24; docs/billing.md "Refunds from mgmt"; ADR 0066). refund-create
// (CollectionService::refund) plans the refund in one unit of work, asks the provider for it with an
// idempotency key, then books the provider's refund in another: these are the two units.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/json.h"
#include "core/status.h"
#include "mgmt/billing/billing_store.h"
#include "mgmt/store/sql.h"

namespace mgmt::billing {

struct RefundPlan {
  Payment original;            // the online payment (key "online:<intent>")
  int64_t amount = 0;          // what goes back to the customer
  int64_t invoicePart = 0;     // of it, what the payment had paid on invoices: the credit note's amount
  std::string creditInvoice;   // the invoice the credit note credits (the newest the payment paid)
  std::string reason;          // why (refund-create --reason): on the credit note's line, to the provider
};

// What refunding `amount` (nullopt: all that is left) of the tenant's payment `paymentId` means.
// kNotFound: no such payment; kFailedPrecondition: not an online payment, or nothing left;
// kInvalidArgument: more than is left ("amount: at most ..."). The reversal takes what the payment
// left as credit first (ADR 0058), so only the rest is credited, and never more than the invoice
// has not been credited yet.
core::Result<RefundPlan> planRefund(store::Transaction& tx, const std::string& tenantId, const std::string& paymentId,
                                    std::optional<int64_t> amount, const std::string& currency);

// Books the provider's succeeded refund `refundId` of the plan, once: the payment's reversal (key
// "refund:<id>", which the provider's refund webhook may have booked already) and, unless issued
// before (its reference is "refund:<id>"), a credit note of `invoicePart` against `creditInvoice`
// (its tax the invoice's share, half away from zero) whose credit settles the customer's open
// invoices (what the reversal reopened). Issued invoices are not changed. Answers {"refund",
// "payment", "amount-minor", "reversal", "credit-note": the note's JSON or null}.
core::Result<core::Json> bookRefund(store::Transaction& tx, const RefundPlan& plan, const std::string& refundId,
                                    int64_t now);

}  // namespace mgmt::billing
