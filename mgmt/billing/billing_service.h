// Billing for each tenant's customers (issue 24; docs/billing.md; ADR 0033): settings (currency,
// prices with or without tax, payment terms), tax rates by region and customers' tax status,
// subscriptions to plans with phases (trial, discount, evergreen), periods (month, quarter, year)
// on an anchor day, prepaid or postpaid, changes and cancellations now or at the end of the term;
// one-time charges; billing runs that make draft invoices, finalized with gapless numbers; credit
// notes; payments (cash desk, bank), overpayment to credit, refunds; balances; verify.
//
// Contract:
//  - Money is integer minor units of the tenant's currency (billing/rating's parseMoney/formatMoney).
//  - A billing run is idempotent by (subscription, period): the key is taken in the transaction
//    that writes the invoice and moves the subscription on, so running twice, concurrently, or
//    again after a crash never makes a second invoice for a period.
//  - Numbers are taken from the tenant's counter in the transaction that issues: gapless per tenant
//    and kind. Issued invoices are never edited: a credit note reverses one.
//  - Every money movement is a balanced ledger entry written in the transaction of its business row.
//  - A payment with an idempotency key is applied once; the same key answers the first outcome.
//  - A tenant caller reaches only its own tenant (tenancy::tenantFromArgs); customers are the
//    tenant's subscribers.
#pragma once

#include <cstdint>
#include <string>

#include "core/clock.h"
#include "core/control_socket.h"
#include "mgmt/store/sql.h"
#include "mgmt/tenancy/caller.h"

namespace mgmt::billing {

class BillingService {
 public:
  struct Deps {
    store::Storage& storage;
    const core::Clock& clock;
  };

  explicit BillingService(Deps deps);

  core::ControlReply setup(const core::Json& args, const tenancy::Caller& caller);           // billing-setup
  core::ControlReply setTaxRate(const core::Json& args, const tenancy::Caller& caller);      // tax-rate-set
  core::ControlReply listTaxRates(const core::Json& args, const tenancy::Caller& caller);    // tax-rate-list
  core::ControlReply setCustomer(const core::Json& args, const tenancy::Caller& caller);     // billing-customer-set
  core::ControlReply addSubscription(const core::Json& args, const tenancy::Caller& caller); // subscription-add
  core::ControlReply listSubscriptions(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply changeSubscription(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply cancelSubscription(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply addCharge(const core::Json& args, const tenancy::Caller& caller);       // charge-add

  core::ControlReply run(const core::Json& args, const tenancy::Caller& caller);            // billing-run
  core::ControlReply listInvoices(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply showInvoice(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply finalize(const core::Json& args, const tenancy::Caller& caller);       // invoice-finalize
  core::ControlReply creditNote(const core::Json& args, const tenancy::Caller& caller);     // credit-note-add

  core::ControlReply addPayment(const core::Json& args, const tenancy::Caller& caller);     // payment-add
  core::ControlReply refund(const core::Json& args, const tenancy::Caller& caller);         // refund-add
  core::ControlReply balances(const core::Json& args, const tenancy::Caller& caller);       // billing-balance
  core::ControlReply verify(const core::Json& args, const tenancy::Caller& caller);         // billing-verify
  // billing-aging (reports.cpp): what customers owe on issued invoices at a day, by how long it is
  // overdue (not yet due, 1-30, 31-60, 61-90, over 90 days), per customer and in total; --format csv
  // answers the same table as CSV text (a cell that a spreadsheet would run as a formula is quoted).
  core::ControlReply aging(const core::Json& args, const tenancy::Caller& caller);
  // billing-tax-report (reports.cpp): invoices and credit notes issued in [from, to), summed by tax
  // region, rate and treatment (credit notes count negative), with the totals; --format csv likewise.
  core::ControlReply taxReport(const core::Json& args, const tenancy::Caller& caller);
  // billing-revenue (reports.cpp, revenue.h): MRR, paying customers, ARPU and churned revenue for
  // each of the last --months months (default 12) up to --date; --format csv likewise.
  core::ControlReply revenue(const core::Json& args, const tenancy::Caller& caller);
  // payment-list / payment-show (payment_views.cpp): the tenant's payments received (newest first,
  // with what was refunded of each), and one payment with the invoices it paid and what is left to
  // refund online (refund-create's limit).
  core::ControlReply listPayments(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply showPayment(const core::Json& args, const tenancy::Caller& caller);

  // The billing run of one tenant as of `day`: every due period of every subscription becomes a
  // draft (issued too when `finalize`), then the open one-time charges; `batch` subscriptions per
  // unit of work. Stops at the first failure: what was committed stays, a run again goes on.
  struct RunResult {
    int64_t invoices = 0;  // made by this run
    int64_t issued = 0;
    int64_t subscriptions = 0;  // looked at
  };
  core::Result<RunResult> runTenant(const std::string& tenantId, int64_t day, bool finalize, int64_t batch = 200);

  int64_t today() const { return d_.clock.unixSeconds() / 86400; }

 private:
  Deps d_;
};

}  // namespace mgmt::billing
