// Money the payment provider takes back from an online payment (issue 24; docs/billing.md
// "Refunds and disputes"; ADR 0058): a refund, a dispute's chargeback, and the money a won dispute
// brings back. Each runs inside the webhook's unit of work (CollectionService::webhook).
#pragma once

#include <cstdint>
#include <string>

#include "core/json.h"
#include "core/status.h"
#include "mgmt/billing/billing_store.h"
#include "mgmt/store/sql.h"

namespace mgmt::billing {

// Takes `amount` back from the online payment `original` as a reversal of `kind` ("refund" or
// "chargeback") with the provider's id `providerRef`: a negative payment (key "<kind>:<ref>"; the
// same ref again changes nothing) that takes first what the payment left as the customer's credit
// (as far as the credit is still there), then reopens the invoices the payment paid, newest first
// (negative allocations: their balance is open again, dunning sees it), and books anything left as
// the customer's debt on the credit account. One balanced ledger entry of kind "reversal"; never
// more than what the payment still has (amount is capped; 0 left = nothing written). Answers
// {"reversal", "amount-minor", "reopened": [{"invoice", "amount-minor"}], "from-credit-minor"}.
core::Result<core::Json> reversePayment(store::Transaction& tx, const Payment& original, const std::string& kind,
                                        const std::string& providerRef, int64_t amount, int64_t now);

}  // namespace mgmt::billing
