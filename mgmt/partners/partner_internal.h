// Helpers shared by the partners area's files (partner_service.cpp, commission_run.cpp).
#pragma once

#include <map>
#include <string>

#include "billing/commissions/commissions.h"
#include "core/command_args.h"
#include "mgmt/partners/partner_store.h"
#include "mgmt/tenancy/caller.h"

namespace mgmt::partners {

// Who asks, as the partners area sees it.
struct Who {
  bool platform = false;
  std::string tenantId;   // a tenant caller
  std::string partnerId;  // a partner caller
};
Who whoOf(const tenancy::Caller& caller);

// The partner `id` when the caller reaches it; kNotFound (the same words as a missing one) otherwise.
core::Result<Partner> reachablePartner(PartnerStore& st, const Who& who, const std::string& id);
// A partner caller may only read: refused for changes.
core::Status refusePartnerCaller(const Who& who);
// The scope a change works on: '' (platform partners) for the platform without --tenant, else the
// tenant of the arguments; a partner caller is refused.
core::Result<std::string> scopeOf(store::Transaction& tx, const core::CommandArgs& a, const tenancy::Caller& caller,
                                  const Who& who);

core::Json partnerJson(const Partner& p);
// --iban and --bic of partner-add / partner-set into `p`, checked (ISO 13616 mod 97, ISO 9362);
// an empty --iban clears the account. Errors name the key.
core::Status bankAccountArgs(const core::CommandArgs& a, Partner& p);
// A CSV cell: quoted when needed, never a formula in a spreadsheet.
std::string csvField(const std::string& s);
core::Json entryJson(const ::billing::commissions::Entry& e, const std::string& currency);
std::string money(int64_t minor, const std::string& currency);  // "12.34 EUR"

// A partner's plan and tier histories, as the engine asks for them.
class PartnerTerms {
 public:
  static core::Result<PartnerTerms> load(PartnerStore& st, const Partner& p);
  // The plan in force on `day` (an empty plan before the first).
  ::billing::commissions::Plan planAt(int64_t day) const;
  std::string tierAt(int64_t day) const;
  ::billing::commissions::Terms terms(int64_t day, int64_t attributedFrom) const;

 private:
  Partner partner_;
  std::map<int64_t, ::billing::commissions::Plan> plans_;
  std::map<int64_t, std::string> tiers_;
};

// The engine's Books over the store, for one partner.
class StoreBooks : public ::billing::commissions::Books {
 public:
  StoreBooks(PartnerStore& st, std::string partnerId, int64_t at) : st_(st), partnerId_(std::move(partnerId)), at_(at) {}
  core::Result<InvoiceState> invoice(const std::string& invoiceId) override { return st_.invoice(partnerId_, invoiceId); }
  core::Status setInvoice(const std::string& invoiceId, const InvoiceState& s) override {
    return st_.setInvoice(partnerId_, invoiceId, s);
  }
  core::Result<int64_t> volume(int64_t month) override { return st_.volume(partnerId_, month); }
  core::Status setVolume(int64_t month, int64_t v) override { return st_.setVolume(partnerId_, month, v); }
  core::Result<int64_t> exactTotal() override { return st_.exactTotal(partnerId_); }
  core::Status append(const ::billing::commissions::Entry& e) override {
    ++written_;
    return st_.appendEntry(partnerId_, e, at_);
  }
  core::Result<std::vector<::billing::commissions::Entry>> entriesOfInvoice(const std::string& invoiceId) override {
    return st_.entriesOfInvoice(partnerId_, invoiceId);
  }
  core::Result<bool> otherInvoiceAccrued(const std::string& tenantId, const std::string& username, int64_t fromDay,
                                         const std::string& invoiceId) override {
    return st_.otherInvoiceAccrued(partnerId_, tenantId, username, fromDay, invoiceId);
  }
  int64_t written() const { return written_; }

 private:
  PartnerStore& st_;
  std::string partnerId_;
  int64_t at_;
  int64_t written_ = 0;
};

// The statement of `month` (202603) computed from the ledger.
core::Result<Statement> computeStatement(PartnerStore& st, const std::string& partnerId, int64_t month);
core::Json statementJson(const Statement& s, const std::string& currency);

// Reads a day argument ("2026-03-31") or `fallback`.
core::Result<int64_t> dayArg(const core::CommandArgs& a, const char* key, int64_t fallback);
// "2026-03" -> 202603
core::Result<int64_t> monthArg(const core::CommandArgs& a, const char* key);

}  // namespace mgmt::partners
