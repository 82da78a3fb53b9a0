// The double-entry books of one tenant inside one unit of work: entries are queued balanced (their
// lines sum to zero, or the entry is refused as kInternal) and written by flush() with consecutive
// ids from the tenant's counter and one balance update per account touched. Issuing invoices
// (numbers, creditor references, the receivable entry, credit applied) lives here too, so the
// billing run, finalize and payments post the same way.
//
// Accounts: "receivable:<customer>" (what the customer owes, debit), "credit:<customer>" (what we
// owe the customer: overpayments, credit notes of paid invoices; credit balance), "revenue",
// "tax:<region>", and the money accounts "cash", "bank", "online".
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "mgmt/billing/billing_store.h"

namespace mgmt::billing {

inline std::string receivableAccount(const std::string& username) { return "receivable:" + username; }
inline std::string creditAccount(const std::string& username) { return "credit:" + username; }
inline std::string taxAccount(const std::string& region) { return "tax:" + (region.empty() ? "default" : region); }

class Books {
 public:
  Books(BillingStore& store, std::string tenantId, int64_t at) : store_(store), tenantId_(std::move(tenantId)), at_(at) {}

  // Queues one entry; lines of the same account are merged, zero lines dropped.
  core::Status post(const std::string& kind, const std::string& ref, const std::vector<LedgerLine>& lines);
  // The customer's credit available (what credit:<customer> holds, as a positive amount), the
  // stored balance plus what is queued.
  core::Result<int64_t> creditOf(const std::string& username);
  core::Status flush();

 private:
  using Entry = BillingStore::Entry;
  BillingStore& store_;
  std::string tenantId_;
  int64_t at_;
  std::vector<Entry> queued_;
  std::map<std::string, int64_t> queuedCredit_;  // by username: what queued entries add to credit
  bool creditsLoaded_ = false;
  std::map<std::string, int64_t> storedCredit_;  // by username: credit:<user> balances not zero
};

// Issues `drafts` (all of one tenant): consecutive numbers of their kind, an RF creditor reference
// for invoices, issue and due days, the entry (receivable or, for a negative total, credit against
// revenue and tax), then the customer's available credit applied to it. Written through `books`
// (the caller flushes).
core::Status issueDrafts(BillingStore& store, Books& books, const Settings& settings, std::vector<Invoice>& drafts,
                         int64_t day);

// Applies the customer's available credit to its open invoices, oldest first.
core::Status applyCredit(BillingStore& store, Books& books, const std::string& tenantId, const std::string& username);

}  // namespace mgmt::billing
