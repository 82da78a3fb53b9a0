// Helpers shared by the billing service's files (billing_service.cpp, billing_run.cpp,
// payments.cpp); not an interface of the area.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "billing/invoicing/calendar.h"
#include "core/command_args.h"
#include "core/json.h"
#include "mgmt/billing/billing_store.h"

namespace mgmt::billing {

// The tenant's settings; kFailedPrecondition telling how to set billing up when there are none.
core::Result<Settings> requireSettings(BillingStore& store, const std::string& tenantId, const std::string& tenantName);

// An amount argument ("12.50") in the currency's minor units, more than 0.
core::Result<int64_t> amountArg(const core::CommandArgs& a, const char* key, const std::string& currency);
// A date argument ("2026-01-31") as a day, or `fallback` when absent.
core::Result<int64_t> dayArg(const core::CommandArgs& a, const char* key, int64_t fallback);

::billing::PeriodRule ruleOf(const Subscription& s);

// The lines of [from, to) of the subscription inside its period `p` (from and to within p): one per
// stretch with the same plan segment and phase, each charged through the subscription's residual
// (`sign` -1 for a credit of what was billed). Trial stretches are lines of 0.
core::Status appendLines(const Subscription& s, const ::billing::Period& p, int64_t from, int64_t to, int sign,
                         int64_t& residual, std::vector<InvoiceLine>& out);

// The tenant's tax rates, read once per unit of work (a run makes thousands of drafts).
class TaxRates {
 public:
  TaxRates(BillingStore& store, std::string tenantId) : store_(store), tenantId_(std::move(tenantId)) {}
  core::Result<int64_t> rateOf(const std::string& region);  // basis points; 0 without a rate

 private:
  BillingStore& store_;
  std::string tenantId_;
  bool loaded_ = false;
  std::map<std::string, int64_t> rates_;
};

// A draft of `lines` for the customer with its tax worked out (the customer's region and status,
// the tenant's rate there and whether its prices include tax). `customer` when the caller read it
// already (the run reads it with the subscription), else it is read here.
core::Result<Invoice> makeDraft(BillingStore& store, TaxRates& rates, const std::string& tenantId,
                                const Settings& settings, const std::string& username,
                                const std::optional<Customer>& customer, const std::vector<InvoiceLine>& lines,
                                int64_t at);

// Records the payment `p` (every field set; its key not taken yet) and applies it: to `named` first
// when it is open, then the customer's oldest open invoices, the rest to credit; its balanced ledger
// entry in the same unit of work (queued on `into` when given, which the caller flushes: many
// payments in one unit then write their entries together). Returns what went to invoices.
// payment-add, provider webhooks and bank lines all pay through here.
class Books;
core::Result<int64_t> applyPayment(BillingStore& store, const Payment& p, const std::optional<Invoice>& named,
                                   Books* into = nullptr);

core::Json invoiceJson(const Invoice& inv);
std::string newId(const char* prefix);

// Whether `username` is a customer of the books `tenantId`: a subscriber of the tenant, or for the
// platform's books (tenancy::kPlatformBiller, ADR 0071) a tenant, by id.
core::Result<bool> customerExists(store::Transaction& tx, const std::string& tenantId, const std::string& username);

// What changing subscription `before` into `after` from day `from` is worth on the periods billed
// already ([from, after.billedUntil)), as one-time charges dated `day`: the stretches billed under
// `before` credited, the same stretches under `after` charged, prorated to the day through the
// residual (kept in `after`). A plan change, a cancellation, the platform's tier change.
core::Status adjustmentCharges(const Subscription& before, Subscription& after, int64_t from, int64_t day,
                               std::vector<Charge>& out);

}  // namespace mgmt::billing
