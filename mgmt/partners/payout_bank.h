// Partner payouts and the bank (issue 25; docs/partners.md "Payouts to the bank"; ADR 0056): the
// reconciliation of a bank statement's debit line with the payout it paid. Wired into billing's
// statement import (CollectionService::Deps::outgoing) by the platform.
#pragma once

#include <string>

#include "billing/payments/bank_statement.h"
#include "mgmt/billing/collection_service.h"
#include "mgmt/store/sql.h"

namespace mgmt::partners {

// A debit line of `tenantId`'s statement: the payout of one of the tenant's resellers whose
// end-to-end id the line carries, paid when the amount and currency are the payout's and it is
// still approved (marked paid on the line's booking day, the line's ref kept). A line naming an
// unknown payout with our prefix ("E2E-"), a payout of another scope, another amount or currency,
// or a payout already paid is ours but waits in review with the reason. Any other line is not ours.
core::Result<mgmt::billing::OutgoingVerdict> reconcilePayoutLine(store::Transaction& tx, const std::string& tenantId,
                                                                 const ::billing::BankEntry& line,
                                                                 const std::string& lineRef);

}  // namespace mgmt::partners
