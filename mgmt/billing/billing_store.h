// Billing's tables (migration 4): settings and counters per tenant, tax rates, customers' tax data,
// subscriptions and their plan segments, billed periods (the run's idempotency key), one-time
// charges, invoices and their lines, the ledger (entries, lines, running balances), payments and
// their allocations. The only SQL for them; a thin class over one store::Transaction.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt::billing {

struct Settings {
  std::string currency;
  bool pricesIncludeTax = false;
  int64_t paymentDays = 14;
};

struct TaxRate {
  std::string region;
  int64_t rateBp = 0;
  std::string name;
};

struct Customer {
  std::string username;
  std::string region;
  std::string taxStatus = "standard";
  std::string taxId;
};

struct Segment {
  int64_t fromDay = 0;
  std::string plan;
  int64_t planVersion = 0;
  int64_t price = 0;
};

struct Subscription {
  std::string id, tenantId, username;
  int64_t periodMonths = 1, anchorDay = 1;
  bool prepaid = true;
  int64_t startDay = 0, trialDays = 0, discountBp = 0, discountPeriods = 0;
  int64_t endDay = 0;       // 0: open-ended; else the first day not served (cancelled)
  int64_t billedUntil = 0;  // the start of the next period to bill
  int64_t residual = 0;     // billing/invoicing/proration.h
  int64_t createdAt = 0;
  std::vector<Segment> segments;  // by fromDay; the first at startDay
  // The customer's tax data, read with the subscription by dueSubscriptions (nullopt: none set, or
  // not read).
  std::optional<Customer> customer;
};

struct Charge {
  std::string id, username, subscriptionId, description;
  int64_t amount = 0, day = 0;
};

struct InvoiceLine {
  std::string description, subscriptionId;
  int64_t fromDay = 0, toDay = 0, amount = 0;
};

struct Invoice {
  std::string id, tenantId, username;
  std::string kind = "invoice";  // or "credit-note"
  std::string status = "draft";  // or "issued"
  std::optional<int64_t> number;
  std::string currency;
  int64_t net = 0, tax = 0, total = 0, paid = 0;
  std::string taxRegion;
  int64_t taxRateBp = 0;
  std::string taxTreatment = "standard";
  bool pricesIncludeTax = false;
  std::string reference, credits;
  bool credited = false;
  int64_t issueDay = 0, dueDay = 0, createdAt = 0;
};

struct LedgerLine {
  std::string account;
  int64_t amount = 0;  // debit positive, credit negative
};

struct Payment {
  std::string id, tenantId, username, method, currency, reference, key;
  int64_t amount = 0, day = 0, createdAt = 0;
};

class BillingStore {
 public:
  explicit BillingStore(store::Transaction& tx) : tx_(tx) {}
  // The unit of work this store is in (a payment's dunning follow-up shares it).
  store::Transaction& transaction() { return tx_; }

  core::Result<std::optional<Settings>> settings(const std::string& tenantId);
  core::Status putSettings(const std::string& tenantId, const Settings& s);
  // Every billing row of the tenant, children before parents (a demo's purge).
  core::Status deleteTenant(const std::string& tenantId);
  // `n` consecutive numbers of `kind` ("invoice" or "credit-note") for the tenant, the first
  // returned (gapless: the counter moves only in the transaction that issues them).
  core::Result<int64_t> takeNumbers(const std::string& tenantId, const std::string& kind, int64_t n);
  // `n` consecutive ledger entry ids, the first returned.
  core::Result<int64_t> takeEntryIds(const std::string& tenantId, int64_t n);

  core::Status putTaxRate(const std::string& tenantId, const TaxRate& r);
  core::Result<std::optional<TaxRate>> taxRate(const std::string& tenantId, const std::string& region);
  core::Result<std::vector<TaxRate>> taxRates(const std::string& tenantId);

  core::Status putCustomer(const std::string& tenantId, const Customer& c);
  core::Result<std::optional<Customer>> customer(const std::string& tenantId, const std::string& username);

  core::Status insertSubscription(const Subscription& s);
  core::Result<std::optional<Subscription>> subscription(const std::string& tenantId, const std::string& id);
  // `username` "" = every customer; by id.
  core::Result<std::vector<Subscription>> subscriptions(const std::string& tenantId, const std::string& username);
  // Subscriptions with a period possibly due on `day` (billed_until <= day, not ended before it),
  // with id above `afterId`, by id, at most `limit`, with their segments.
  core::Result<std::vector<Subscription>> dueSubscriptions(const std::string& tenantId, int64_t day,
                                                           const std::string& afterId, int64_t limit);
  core::Status updateProgress(const std::string& id, int64_t billedUntil, int64_t residual);
  // The same for many subscriptions (the run), a chunk a statement.
  core::Status updateProgress(const std::vector<Subscription>& subs);
  core::Status setEndDay(const std::string& id, int64_t endDay);
  // Replaces the segments from `fromDay` on with `segment` (a later change supersedes pending ones).
  core::Status putSegment(const std::string& subscriptionId, const Segment& segment);

  // The run's keys (subscription, period start), taken with their invoices.
  struct Claim {
    std::string subscriptionId;
    int64_t periodStart = 0;
    std::string invoiceId;
  };
  // Takes every key or fails the unit of work (kAlreadyExists naming how many were taken already).
  core::Status claimPeriods(const std::vector<Claim>& claims);
  core::Result<int64_t> periodsWithoutInvoice(const std::string& tenantId);

  core::Status insertCharge(const std::string& tenantId, const Charge& c);
  // Charges on no invoice yet, by customer, at most `limit`.
  core::Result<std::vector<Charge>> openCharges(const std::string& tenantId, int64_t limit);
  core::Status attachCharge(const std::string& chargeId, const std::string& invoiceId);

  core::Status insertInvoice(const Invoice& inv, const std::vector<InvoiceLine>& lines);
  // Many drafts with their lines, in multi-row INSERTs (the billing run).
  core::Status insertInvoices(const std::vector<Invoice>& invoices, const std::vector<std::vector<InvoiceLine>>& lines);
  core::Result<std::optional<Invoice>> invoice(const std::string& tenantId, const std::string& id);
  core::Result<std::optional<Invoice>> invoiceByReference(const std::string& tenantId, const std::string& reference);
  // Filters may be ""; drafts first, then by issue day and number, newest first, at most `limit`.
  core::Result<std::vector<Invoice>> invoices(const std::string& tenantId, const std::string& username,
                                              const std::string& status, int64_t limit);
  core::Result<std::vector<InvoiceLine>> lines(const std::string& invoiceId);
  // Drafts by id, at most `limit`.
  core::Result<std::vector<Invoice>> drafts(const std::string& tenantId, int64_t limit);
  core::Status issue(const Invoice& inv);  // status, number, reference, days of an issued invoice
  // The same for many drafts, a chunk a statement; kFailedPrecondition if one is not a draft.
  core::Status issue(const std::vector<Invoice>& invoices);
  core::Status addPaid(const std::string& invoiceId, int64_t amount);
  core::Status markCredited(const std::string& invoiceId);
  // The customer's issued invoices with something left to pay, oldest number first.
  core::Result<std::vector<Invoice>> openInvoices(const std::string& tenantId, const std::string& username);
  // What issued invoices (not credit notes) leave open, summed by customer and due day, by customer
  // then due day: {username, due day, open amount}.
  struct OpenByDue {
    std::string username;
    int64_t dueDay = 0, open = 0;
  };
  core::Result<std::vector<OpenByDue>> openByDueDay(const std::string& tenantId);
  // Issued invoices and credit notes with an issue day in [fromDay, toDay), summed by tax region,
  // rate and treatment (credit notes negative as stored), by region, rate, treatment.
  struct TaxSum {
    std::string region, treatment;
    int64_t rateBp = 0, net = 0, tax = 0, documents = 0;
  };
  core::Result<std::vector<TaxSum>> taxSums(const std::string& tenantId, int64_t fromDay, int64_t toDay);

  // Entries with consecutive ids from `firstId`, and their lines, in multi-row INSERTs of at most
  // kRowsPerInsert rows (a handful of statement texts, each prepared once per connection); the
  // balances move by addToBalances (once per account for many entries).
  struct Entry {
    std::string kind, ref;
    std::vector<LedgerLine> lines;
  };
  core::Status insertEntries(const std::string& tenantId, int64_t firstId, int64_t at, const std::vector<Entry>& entries);
  static constexpr size_t kRowsPerInsert = 64;
  core::Status addToBalances(const std::string& tenantId, const std::map<std::string, int64_t>& deltas);
  core::Result<int64_t> balance(const std::string& tenantId, const std::string& account);
  // Accounts starting with `prefix` (not "") with their balances, by account (a range of the key);
  // `nonZero`: only those with a balance.
  core::Result<std::vector<LedgerLine>> balances(const std::string& tenantId, const std::string& prefix,
                                                 bool nonZero = false);

  // Whether the key was new (false: the payment with this key exists; nothing written).
  core::Result<bool> insertPayment(const Payment& p);
  core::Result<std::optional<Payment>> paymentByKey(const std::string& tenantId, const std::string& key);
  core::Result<std::optional<Payment>> payment(const std::string& tenantId, const std::string& id);
  // The credit note issued for a refund started from mgmt (its reference is "refund:<provider id>").
  core::Result<std::optional<Invoice>> creditNoteByReference(const std::string& tenantId, const std::string& reference);
  // What credit notes have credited of the invoice so far (minor units, positive).
  core::Result<int64_t> creditedAmount(const std::string& tenantId, const std::string& invoiceId);
  core::Status insertAllocation(const std::string& paymentId, const std::string& invoiceId, int64_t amount);

  // For verify: entries whose lines do not sum to zero; accounts whose balance differs from the
  // sum of their lines; issued numbers of `kind` (count, min, max); issued invoices without an
  // entry; customers whose receivable differs from what their invoices leave open.
  core::Result<int64_t> unbalancedEntries(const std::string& tenantId);
  core::Result<std::vector<std::string>> balanceMismatches(const std::string& tenantId);
  struct Numbers {
    int64_t count = 0, min = 0, max = 0, next = 0;
  };
  core::Result<Numbers> numbers(const std::string& tenantId, const std::string& kind);
  core::Result<int64_t> issuedWithoutEntry(const std::string& tenantId);
  core::Result<std::vector<std::string>> receivableMismatches(const std::string& tenantId);

  // Mailing issued invoices (invoice_mailer.h): tenants whose newest invoice number is above their
  // mailed-through mark (none yet: 0), at most `limit`.
  struct MailingDue {
    std::string tenantId;
    int64_t mailedThrough = 0, lastIssued = 0;
  };
  core::Result<std::vector<MailingDue>> mailingDue(int64_t limit);
  // Issued documents of `kind` numbered in (after, upTo], by number.
  core::Result<std::vector<Invoice>> issuedByNumber(const std::string& tenantId, const std::string& kind, int64_t after,
                                                    int64_t upTo);
  core::Result<std::optional<Invoice>> issuedInvoice(const std::string& tenantId, const std::string& kind, int64_t number);
  // Moves the tenant's mark from `from` to `to`; false when it was not at `from` (moved already).
  core::Result<bool> moveMailedThrough(const std::string& tenantId, int64_t from, int64_t to, int64_t now);

 private:
  store::Transaction& tx_;
};

}  // namespace mgmt::billing
