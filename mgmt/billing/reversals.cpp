#include "mgmt/billing/reversals.h"

#include <algorithm>

#include "mgmt/billing/billing_internal.h"
#include "mgmt/billing/books.h"
#include "mgmt/billing/collection_store.h"

namespace mgmt::billing {

using core::Json;

core::Result<Json> reversePayment(store::Transaction& tx, const Payment& original, const std::string& kind,
                                  const std::string& providerRef, int64_t amount, int64_t now) {
  BillingStore st(tx);
  CollectionStore cs(tx);
  const std::string key = kind + ":" + providerRef;
  EDGE_ASSIGN_OR_RETURN(std::optional<Payment> seen, st.paymentByKey(original.tenantId, key));
  if (seen) return Json{{"reversal", seen->id}, {"amount-minor", -seen->amount}, {"duplicate", true}};
  EDGE_ASSIGN_OR_RETURN(int64_t already, cs.reversed(original.tenantId, original.id));
  amount = std::min(amount, original.amount - already);
  if (amount <= 0) return Json{{"reversal", ""}, {"amount-minor", 0}, {"note", "nothing of the payment is left to take back"}};
  Payment r;
  r.id = newId("rev-");
  r.tenantId = original.tenantId;
  r.username = original.username;
  r.method = "refund";  // money out, like a refund at the desk; payment_reversals says which kind
  r.currency = original.currency;
  r.reference = original.id;
  r.key = key;
  r.amount = -amount;
  r.day = now / 86400;
  r.createdAt = now;
  EDGE_ASSIGN_OR_RETURN(bool fresh, st.insertPayment(r));
  if (!fresh) return core::internalError("reversal key '" + key + "' appeared during the reversal");
  EDGE_RETURN_IF_ERROR(cs.insertReversal(Reversal{r.tenantId, r.id, original.id, kind, providerRef, amount, now}));

  // What the payment still stands on: invoices (newest first), the rest went to credit.
  EDGE_ASSIGN_OR_RETURN(auto standing, cs.standingAllocations(original.tenantId, original.id));
  int64_t onInvoices = 0;
  for (const auto& s : standing) onInvoices += s.second;
  Books books(st, r.tenantId, now);
  EDGE_ASSIGN_OR_RETURN(int64_t credit, books.creditOf(r.username));
  const int64_t creditPart = std::max<int64_t>(0, original.amount - already - onInvoices);
  const int64_t fromCredit = std::min({amount, creditPart, std::max<int64_t>(0, credit)});
  int64_t left = amount - fromCredit, reopened = 0;
  Json reopenedJson = Json::array();
  for (const auto& [invoiceId, has] : standing) {
    if (left == 0) break;
    const int64_t use = std::min(left, has);
    EDGE_RETURN_IF_ERROR(st.insertAllocation(r.id, invoiceId, -use));
    EDGE_RETURN_IF_ERROR(st.addPaid(invoiceId, -use));
    reopenedJson.push_back(Json{{"invoice", invoiceId}, {"amount-minor", use}});
    reopened += use;
    left -= use;
  }
  // Whatever is still left (the credit it made was spent on other invoices meanwhile) is owed on
  // the customer's credit account: a later payment settles it first.
  EDGE_RETURN_IF_ERROR(books.post("reversal", r.id,
                                  {{original.method, -amount},
                                   {receivableAccount(r.username), reopened},
                                   {creditAccount(r.username), fromCredit + left}}));
  EDGE_RETURN_IF_ERROR(books.flush());
  return Json{{"reversal", r.id}, {"kind", kind}, {"payment", original.id}, {"amount-minor", amount},
              {"reopened", reopenedJson}, {"from-credit-minor", fromCredit}, {"owed-on-credit-minor", left}};
}

}  // namespace mgmt::billing
