// Partners and resellers, their commission plans, attributions, the commission ledger, statements and
// payouts (issue 25; docs/partners.md; ADR 0041). The arithmetic is billing/commissions; this is
// the service behind the command table.
//
// Contract:
//  - Two levels: a platform partner (scope "") brings tenants and is managed by the platform; a
//    tenant's reseller (scope = the tenant) sells to that tenant's customers and is managed by the
//    tenant (and the platform). An account is (tenant, username): a tenant's customer, or, for the
//    platform's own books, a tenant as the platform's customer.
//  - Who reaches what: the platform every partner; a tenant caller only its own resellers and
//    accounts (another tenant's partner is kNotFound, the same as one that does not exist); a
//    partner caller (Caller "partner:<id>") only itself, read-only: its ledger, statements,
//    payouts, attributions.
//  - Commission accrues only on money actually paid (billing's payments and credit applied to
//    invoices), read in the tenant's ledger order by commission-run; the run's progress moves in the
//    transaction that writes what it earned, so running again, concurrently or after kill -9 never
//    counts an event twice. The partner is the one the account is attributed to on the invoice's
//    issue day.
//  - Credit notes (from billing) and chargebacks (commission-chargeback) claw back what the money
//    earned, as negative entries released at once: netted against future earnings. A payout only
//    ever pays what is payable (past the hold period, net of clawbacks) and at least the partner's
//    minimum; nothing paid out is taken back.
//  - The ledger is append-only; statements of closed months are written once; partners-verify
//    recomputes every statement and the ledger's totals and traces each entry to billing.
#pragma once

#include <string>

#include "core/clock.h"
#include "core/control_socket.h"
#include "mgmt/store/sql.h"
#include "mgmt/tenancy/caller.h"

namespace mgmt::partners {

class PartnerService {
 public:
  struct Deps {
    store::Storage& storage;
    const core::Clock& clock;
  };
  explicit PartnerService(Deps deps) : d_(deps) {}

  core::ControlReply add(const core::Json& args, const tenancy::Caller& caller);         // partner-add
  core::ControlReply set(const core::Json& args, const tenancy::Caller& caller);         // partner-set
  core::ControlReply list(const core::Json& args, const tenancy::Caller& caller);        // partner-list
  core::ControlReply show(const core::Json& args, const tenancy::Caller& caller);        // partner-show
  core::ControlReply setPlan(const core::Json& args, const tenancy::Caller& caller);     // commission-plan-set
  core::ControlReply listPlans(const core::Json& args, const tenancy::Caller& caller);   // commission-plan-list
  core::ControlReply assignPlan(const core::Json& args, const tenancy::Caller& caller);  // partner-plan
  core::ControlReply attribute(const core::Json& args, const tenancy::Caller& caller);   // attribution-set
  core::ControlReply attributions(const core::Json& args, const tenancy::Caller& caller);// attribution-list

  core::ControlReply run(const core::Json& args, const tenancy::Caller& caller);         // commission-run
  core::ControlReply chargeback(const core::Json& args, const tenancy::Caller& caller);  // commission-chargeback
  core::ControlReply bonus(const core::Json& args, const tenancy::Caller& caller);       // partner-bonus
  core::ControlReply ledger(const core::Json& args, const tenancy::Caller& caller);      // partner-ledger
  core::ControlReply statement(const core::Json& args, const tenancy::Caller& caller);   // partner-statement
  core::ControlReply approvePayout(const core::Json& args, const tenancy::Caller& caller);// payout-approve
  core::ControlReply markPaid(const core::Json& args, const tenancy::Caller& caller);    // payout-paid
  core::ControlReply payouts(const core::Json& args, const tenancy::Caller& caller);     // payout-list (CSV too)
  // Payouts to the bank (payout_bank.cpp; ADR 0056): the account a scope pays from, and the batch of
  // approved payouts not exported yet as ISO 20022 pain.001.001.03 or CSV (each payout goes out in
  // one batch only; --batch writes a batch again as it was).
  core::ControlReply setPayoutAccount(const core::Json& args, const tenancy::Caller& caller);  // payout-account-set
  core::ControlReply exportPayouts(const core::Json& args, const tenancy::Caller& caller);     // payout-export
  core::ControlReply verify(const core::Json& args, const tenancy::Caller& caller);      // partners-verify
  // White label (partner_brand.cpp; ADR 0064): a partner's name, colours and logo. A partner's own
  // people may change their partner's (the one change they make); the tier gate needs white-label.
  core::ControlReply showBrand(const core::Json& args, const tenancy::Caller& caller);      // partner-brand-show
  core::ControlReply setBrand(const core::Json& args, const tenancy::Caller& caller);       // partner-brand-set
  core::ControlReply setBrandLogo(const core::Json& args, const tenancy::Caller& caller);   // partner-brand-logo-set
  core::ControlReply clearBrandLogo(const core::Json& args, const tenancy::Caller& caller); // partner-brand-logo-clear
  // The scope of a partner ("" a platform partner, else its tenant): the tier gate of a partner caller.
  core::Result<std::string> scopeOfPartner(const std::string& partnerId);

  // The commission run of one tenant: every billing event after the tenant's progress, `batch`
  // ledger entries per unit of work. Returns the entries written.
  core::Result<int64_t> runTenant(const std::string& tenantId, int64_t batch = 2000);

  int64_t today() const { return d_.clock.unixSeconds() / 86400; }

 private:
  Deps d_;
};

}  // namespace mgmt::partners
