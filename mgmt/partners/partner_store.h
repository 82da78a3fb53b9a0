// The partners' tables (mgmt_schema migration 9): partners and their tier history, commission plans
// and which plan a partner is on from which day, attributions (which partner an account belongs to
// from which day), the commission ledger and the state the engine keeps (running exact total, what
// was paid of each attributed invoice, monthly volumes), the run's progress per tenant, payouts and
// statements. The only SQL for them; a thin class over one store::Transaction.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "billing/commissions/commissions.h"
#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt::partners {

struct Partner {
  std::string id;     // "pa-" + 12 hex digits
  std::string scope;  // "" = a platform partner (over tenants); a tenant id = that tenant's reseller
  std::string name, type, tier, status = "active", currency, referralCode, email;
  int64_t holdDays = 30;
  int64_t minPayout = 0;
  int64_t referralWindowDays = 90;  // a referral code attributes within this many days of the click
  int64_t createdAt = 0;
  std::string iban, bic;  // where payouts go (electronic form, checked; "" = not given)
};

struct Attribution {
  std::string tenantId, username, partnerId, source, note;
  int64_t fromDay = 0;
  int64_t createdAt = 0;
};

struct Payout {
  std::string id, partnerId, currency, status, endToEndId;
  int64_t amount = 0, approvedDay = 0, paidDay = 0, createdAt = 0;
  std::string batchId;     // the export batch (pain.001 MsgId) it went out in; "" = not exported
  int64_t exportedAt = 0;  // unix seconds
  std::string bankRef;     // the bank statement line that paid it ("" = marked paid by hand or not paid)
};

// Who pays a scope's payouts: the debtor of pain.001 ('' = the platform, a tenant id = that tenant).
struct PayoutAccount {
  std::string scope, name, iban, bic;
  int64_t updatedAt = 0;
};

struct Statement {
  std::string partnerId;
  int64_t period = 0;  // 202603
  int64_t opening = 0, accrued = 0, clawedBack = 0, bonus = 0, paidOut = 0, closing = 0, onHold = 0, payable = 0;
  bool operator==(const Statement& o) const {
    return partnerId == o.partnerId && period == o.period && opening == o.opening && accrued == o.accrued &&
           clawedBack == o.clawedBack && bonus == o.bonus && paidOut == o.paidOut && closing == o.closing &&
           onHold == o.onHold && payable == o.payable;
  }
};

class PartnerStore {
 public:
  explicit PartnerStore(store::Transaction& tx) : tx_(tx) {}

  core::Status insertPartner(const Partner& p);
  core::Status updatePartner(const Partner& p);  // tier, status, hold, minimum, email, name
  core::Result<std::optional<Partner>> partner(const std::string& id);
  core::Result<std::optional<Partner>> partnerByCode(const std::string& referralCode);
  // scope: nullopt = every partner; "" = platform partners; a tenant id = its resellers.
  core::Result<std::vector<Partner>> partners(const std::optional<std::string>& scope);

  core::Status setTier(const std::string& partnerId, int64_t fromDay, const std::string& tier, const std::string& reason);
  core::Result<std::map<int64_t, std::string>> tiers(const std::string& partnerId);

  core::Status putPlan(const std::string& scope, const std::string& name, const std::string& spec, int64_t at);
  core::Result<std::optional<std::string>> plan(const std::string& scope, const std::string& name);
  core::Result<std::vector<std::pair<std::string, std::string>>> plans(const std::string& scope);
  core::Status assignPlan(const std::string& partnerId, int64_t fromDay, const std::string& plan, const std::string& spec);
  // from day -> (plan name, spec as it was assigned)
  core::Result<std::map<int64_t, std::pair<std::string, std::string>>> partnerPlans(const std::string& partnerId);

  core::Status attribute(const Attribution& a);
  // The attribution in force for the account on `day` (partnerId "" = detached), or nullopt.
  core::Result<std::optional<Attribution>> attributionAt(const std::string& tenantId, const std::string& username, int64_t day);
  // tenantId/username empty: every one of the partner's (partnerId) or of the tenant.
  core::Result<std::vector<Attribution>> attributions(const std::string& tenantId, const std::string& username,
                                                      const std::string& partnerId);

  // The engine's state for one partner.
  core::Result<int64_t> exactTotal(const std::string& partnerId);
  core::Status appendEntry(const std::string& partnerId, const ::billing::commissions::Entry& e, int64_t at);
  core::Result<std::vector<::billing::commissions::Entry>> entries(const std::string& partnerId, int64_t fromDay,
                                                                 int64_t toDay, int64_t limit);
  core::Result<std::vector<::billing::commissions::Entry>> entriesOfInvoice(const std::string& partnerId,
                                                                          const std::string& invoiceId);
  core::Result<std::vector<::billing::commissions::Entry>> entriesOfPayment(const std::string& paymentId);
  core::Result<bool> otherInvoiceAccrued(const std::string& partnerId, const std::string& tenantId,
                                         const std::string& username, int64_t fromDay, const std::string& invoiceId);
  core::Result<::billing::commissions::Books::InvoiceState> invoice(const std::string& partnerId, const std::string& invoiceId);
  core::Status setInvoice(const std::string& partnerId, const std::string& invoiceId,
                          const ::billing::commissions::Books::InvoiceState& s);
  core::Result<int64_t> volume(const std::string& partnerId, int64_t month);
  core::Status setVolume(const std::string& partnerId, int64_t month, int64_t volume);

  // The commission run's unit of work in bulk (a few statements per page of billing events, none
  // per event; ADR 0056): the attributions of the page's accounts; per account and partner, each
  // invoice that earned an accrual with its last accrual's day; a partner's invoice states for the
  // given invoices, its monthly volumes, and its (next seq, exact total); then the page's entries
  // (COPY / multi-row INSERT), invoice states and volumes (multi-row upserts) and states.
  core::Result<std::vector<Attribution>> attributionsOf(const std::string& tenantId, const std::vector<std::string>& usernames);
  struct Accrued {
    std::string partnerId, username, invoiceId;
    int64_t lastDay = 0;
  };
  core::Result<std::vector<Accrued>> accruedInvoices(const std::string& tenantId, const std::vector<std::string>& usernames);
  core::Result<std::map<std::string, ::billing::commissions::Books::InvoiceState>> invoiceStates(
      const std::string& partnerId, const std::vector<std::string>& invoiceIds);
  core::Result<std::map<int64_t, int64_t>> volumes(const std::string& partnerId);
  core::Result<std::pair<int64_t, int64_t>> state(const std::string& partnerId);  // next seq, exact total
  // `e.seq` already set.
  core::Status appendEntries(const std::vector<std::pair<std::string, ::billing::commissions::Entry>>& entries, int64_t at);
  struct InvoiceRow {
    std::string partnerId, invoiceId;
    ::billing::commissions::Books::InvoiceState state;
  };
  core::Status putInvoiceStates(const std::vector<InvoiceRow>& rows);
  core::Status putVolumes(const std::string& partnerId, const std::map<int64_t, int64_t>& volumes);
  core::Status setState(const std::string& partnerId, int64_t nextSeq, int64_t exactTotal);

  core::Result<int64_t> progress(const std::string& tenantId);
  core::Status setProgress(const std::string& tenantId, int64_t lastEntry);

  // Sums of the ledger: every entry through `day`; what is still on hold on `day`.
  core::Result<int64_t> balance(const std::string& partnerId, int64_t throughDay);
  core::Result<int64_t> onHold(const std::string& partnerId, int64_t day);
  // Sums of a month by kind (accrual, clawback, bonus, payout).
  core::Result<std::map<std::string, int64_t>> sumsByKind(const std::string& partnerId, int64_t fromDay, int64_t toDay);
  // Ledger checks: seq numbers 1..n without a gap, the sum of exact contributions.
  core::Result<std::pair<int64_t, int64_t>> seqRange(const std::string& partnerId);  // count, max
  core::Result<std::pair<int64_t, int64_t>> sums(const std::string& partnerId);      // amounts, exacts

  core::Status insertPayout(const Payout& p);
  core::Result<std::optional<Payout>> payout(const std::string& id);
  core::Status markPaid(const std::string& id, int64_t day);
  core::Result<std::vector<Payout>> payouts(const std::string& partnerId, const std::string& status);
  // Payouts to the bank (ADR 0056).
  core::Result<std::optional<Payout>> payoutByEndToEnd(const std::string& endToEndId);
  core::Result<std::vector<Payout>> payoutsOfBatch(const std::string& batchId);
  core::Status setBatch(const std::string& payoutId, const std::string& batchId, int64_t at);
  core::Status markPaidByBank(const std::string& payoutId, int64_t day, const std::string& bankRef);
  core::Status putPayoutAccount(const PayoutAccount& a);
  core::Result<std::optional<PayoutAccount>> payoutAccount(const std::string& scope);

  // Inserted once (a closed month's statement is never rewritten); false when it was there.
  core::Result<bool> insertStatement(const Statement& s, int64_t at);
  core::Result<std::vector<Statement>> statements(const std::string& partnerId);

  // A tenant's resellers with everything they earned, its plans, attributions and run progress (a
  // demo's purge). Platform partners and their ledgers stay (their entries name the tenant's
  // invoices as history).
  core::Status deleteTenant(const std::string& tenantId);

 private:
  store::Transaction& tx_;
};

}  // namespace mgmt::partners
