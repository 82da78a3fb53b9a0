#include "mgmt/billing/books.h"

#include <algorithm>

#include "billing/invoicing/creditor_reference.h"

namespace mgmt::billing {

core::Status Books::post(const std::string& kind, const std::string& ref, const std::vector<LedgerLine>& lines) {
  std::map<std::string, int64_t> merged;
  int64_t sum = 0;
  for (const LedgerLine& l : lines) {
    merged[l.account] += l.amount;
    sum += l.amount;
  }
  if (sum != 0) return core::internalError("ledger: " + kind + " " + ref + " does not balance (" + std::to_string(sum) + ")");
  Entry e{kind, ref, {}};
  for (const auto& [account, amount] : merged) {
    if (amount == 0) continue;
    e.lines.push_back(LedgerLine{account, amount});
    if (account.compare(0, 7, "credit:") == 0) queuedCredit_[account.substr(7)] -= amount;
  }
  if (!e.lines.empty()) queued_.push_back(std::move(e));
  return core::Status::ok();
}

core::Result<int64_t> Books::creditOf(const std::string& username) {
  // Every customer's credit in one read per unit of work (a run issues thousands of invoices, and
  // few customers hold credit).
  if (!creditsLoaded_) {
    EDGE_ASSIGN_OR_RETURN(std::vector<LedgerLine> credits, store_.balances(tenantId_, "credit:", true));
    for (const LedgerLine& l : credits)
      if (l.amount != 0) storedCredit_[l.account.substr(7)] = l.amount;
    creditsLoaded_ = true;
  }
  auto stored = storedCredit_.find(username);
  auto q = queuedCredit_.find(username);
  return -(stored == storedCredit_.end() ? 0 : stored->second) + (q == queuedCredit_.end() ? 0 : q->second);
}

core::Status Books::flush() {
  if (queued_.empty()) return core::Status::ok();
  EDGE_ASSIGN_OR_RETURN(int64_t id, store_.takeEntryIds(tenantId_, static_cast<int64_t>(queued_.size())));
  std::map<std::string, int64_t> deltas;
  for (const Entry& e : queued_)
    for (const LedgerLine& l : e.lines) deltas[l.account] += l.amount;
  EDGE_RETURN_IF_ERROR(store_.insertEntries(tenantId_, id, at_, queued_));
  EDGE_RETURN_IF_ERROR(store_.addToBalances(tenantId_, deltas));
  queued_.clear();
  queuedCredit_.clear();
  creditsLoaded_ = false;
  storedCredit_.clear();
  return core::Status::ok();
}

core::Status issueDrafts(BillingStore& store, Books& books, const Settings& settings, std::vector<Invoice>& drafts,
                         int64_t day) {
  if (drafts.empty()) return core::Status::ok();
  const std::string tenantId = drafts.front().tenantId;
  int64_t invoices = 0, notes = 0;
  for (const Invoice& d : drafts) (d.kind == "invoice" ? invoices : notes)++;
  int64_t nextInvoice = 0, nextNote = 0;
  if (invoices > 0) {
    EDGE_ASSIGN_OR_RETURN(nextInvoice, store.takeNumbers(tenantId, "invoice", invoices));
  }
  if (notes > 0) {
    EDGE_ASSIGN_OR_RETURN(nextNote, store.takeNumbers(tenantId, "credit-note", notes));
  }
  for (Invoice& inv : drafts) {
    if (inv.status != "draft") return core::failedPrecondition("invoice '" + inv.id + "' is issued already");
    inv.status = "issued";
    inv.issueDay = day;
    inv.dueDay = day + settings.paymentDays;
    if (inv.kind == "invoice") {
      inv.number = nextInvoice++;
      // The creditor reference names the invoice by its number: unique in the tenant, and what a
      // bank statement brings back (camt.053 matching).
      EDGE_ASSIGN_OR_RETURN(inv.reference, ::billing::creditorReference(std::to_string(*inv.number)));
    } else {
      inv.number = nextNote++;
    }
    // A negative invoice (credits from a plan change outweigh charges) is settled at once: what
    // it gives back goes to the customer's credit.
    const bool negative = inv.total < 0;
    if (negative) inv.paid = inv.total;
    EDGE_RETURN_IF_ERROR(books.post(inv.kind, inv.id,
                                    {{negative ? creditAccount(inv.username) : receivableAccount(inv.username), inv.total},
                                     {"revenue", -inv.net},
                                     {taxAccount(inv.taxRegion), -inv.tax}}));
    if (!negative && inv.total > 0) {
      EDGE_ASSIGN_OR_RETURN(int64_t credit, books.creditOf(inv.username));
      const int64_t use = std::min(credit, inv.total);
      if (use > 0) {
        EDGE_RETURN_IF_ERROR(books.post("credit-applied", inv.id,
                                        {{creditAccount(inv.username), use}, {receivableAccount(inv.username), -use}}));
        inv.paid += use;  // written with the issue below
      }
    }
  }
  // One statement per chunk of invoices (a run issues thousands).
  return store.issue(drafts);
}

core::Status applyCredit(BillingStore& store, Books& books, const std::string& tenantId, const std::string& username) {
  EDGE_ASSIGN_OR_RETURN(int64_t credit, books.creditOf(username));
  if (credit <= 0) return core::Status::ok();
  EDGE_ASSIGN_OR_RETURN(std::vector<Invoice> open, store.openInvoices(tenantId, username));
  for (const Invoice& inv : open) {
    if (credit <= 0) break;
    const int64_t use = std::min(credit, inv.total - inv.paid);
    EDGE_RETURN_IF_ERROR(
        books.post("credit-applied", inv.id, {{creditAccount(username), use}, {receivableAccount(username), -use}}));
    EDGE_RETURN_IF_ERROR(store.addPaid(inv.id, use));
    credit -= use;
  }
  return core::Status::ok();
}

}  // namespace mgmt::billing
