// Refunds started from mgmt (issue 24; docs/billing.md "Refunds from mgmt"; ADR 0066): refund-create
// asks the provider for the refund (its /v1/refunds with an idempotency key) and books it once by the
// provider's refund id: the payment's reversal, as the provider's refund webhook would book it (ADR
// 0058: the same refund id through either path books once), and a credit note for the part the
// payment had paid on invoices, whose credit settles what the reversal reopened.
#include <algorithm>
#include <cctype>

#include "billing/invoicing/tax.h"
#include "billing/rating/rules.h"
#include "core/command_args.h"
#include "core/web/form.h"
#include "mgmt/billing/billing_internal.h"
#include "mgmt/billing/books.h"
#include "mgmt/billing/collection_service.h"
#include "mgmt/billing/collection_store.h"
#include "mgmt/billing/refunds.h"
#include "mgmt/billing/reversals.h"
#include "mgmt/tenancy/tenancy_service.h"

namespace mgmt::billing {

using core::CommandArgs;
using core::ControlReply;
using core::Json;
using tenancy::Caller;
using tenancy::Tenant;

namespace {

bool refundKeyOk(const std::string& k) {
  if (k.empty() || k.size() > 64) return false;
  for (char c : k)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

// A credit note of `gross` (tax included) against the issued invoice `inv`, its tax the invoice's share
// (half away from zero, like invoice tax), numbered from the tenant's credit-note series in this unit
// of work. Its amount goes to the customer's credit; applyCredit then settles open invoices with it.
core::Result<Invoice> issueRefundCreditNote(BillingStore& st, Books& books, const Invoice& inv, int64_t gross,
                                            const std::string& reference, const std::string& description, int64_t now) {
  const int64_t day = now / 86400;
  const int64_t tax = inv.total != 0 ? ::billing::divRoundHalfAway(static_cast<__int128>(gross) * inv.tax, inv.total) : 0;
  const int64_t net = gross - tax;
  const std::vector<InvoiceLine> lines{InvoiceLine{description, "", day, day + 1, -(inv.pricesIncludeTax ? gross : net)}};
  Invoice note = inv;
  note.id = newId("cn-");
  note.kind = "credit-note";
  note.status = "draft";
  note.number.reset();
  note.net = -net;
  note.tax = -tax;
  note.total = -gross;
  note.paid = note.total;  // settled by the entry below
  note.reference = reference;
  note.credits = inv.id;
  note.credited = false;
  note.createdAt = now;
  EDGE_RETURN_IF_ERROR(st.insertInvoice(note, lines));
  EDGE_ASSIGN_OR_RETURN(int64_t number, st.takeNumbers(inv.tenantId, "credit-note", 1));
  note.status = "issued";
  note.number = number;
  note.issueDay = day;
  note.dueDay = day;
  EDGE_RETURN_IF_ERROR(st.issue(note));
  EDGE_RETURN_IF_ERROR(books.post("credit-note", note.id,
                                  {{"revenue", net}, {taxAccount(inv.taxRegion), tax}, {creditAccount(inv.username), -gross}}));
  return note;
}

}  // namespace

core::Result<RefundPlan> planRefund(store::Transaction& tx, const std::string& tenantId, const std::string& paymentId,
                                    std::optional<int64_t> amount, const std::string& currency) {
  BillingStore st(tx);
  CollectionStore cs(tx);
  EDGE_ASSIGN_OR_RETURN(std::optional<Payment> p, st.payment(tenantId, paymentId));
  if (!p || p->amount <= 0) return core::notFound("payment: no payment '" + paymentId.substr(0, 64) + "'");
  if (p->key.rfind("online:", 0) != 0)
    return core::failedPrecondition("payment '" + p->id + "' was not paid online (" + p->method +
                                    "): give the money back at the desk");
  RefundPlan plan;
  plan.original = *p;
  EDGE_ASSIGN_OR_RETURN(int64_t already, cs.reversed(tenantId, p->id));
  const int64_t left = p->amount - already;
  if (left <= 0) return core::failedPrecondition("payment '" + p->id + "' has nothing left to refund");
  plan.amount = amount.value_or(left);
  if (plan.amount <= 0) return core::invalidArgument("amount: more than 0 is needed");
  if (plan.amount > left)
    return core::invalidArgument("amount: at most " + ::billing::formatMoney(left, currency) + " of payment '" + p->id +
                                 "' is left to refund");
  // The reversal takes what the payment left as credit first, then reopens its invoices (newest
  // first): the credit note covers the part taken from invoices, against the newest of them.
  EDGE_ASSIGN_OR_RETURN(auto standing, cs.standingAllocations(tenantId, p->id));
  int64_t onInvoices = 0;
  for (const auto& s : standing) onInvoices += s.second;
  plan.invoicePart = std::max<int64_t>(0, plan.amount - std::max<int64_t>(0, left - onInvoices));
  if (plan.invoicePart > 0 && !standing.empty()) {
    plan.creditInvoice = standing.front().first;
    EDGE_ASSIGN_OR_RETURN(std::optional<Invoice> inv, st.invoice(tenantId, plan.creditInvoice));
    if (!inv) return core::internalError("invoice " + plan.creditInvoice + " of payment " + p->id + " is gone");
    EDGE_ASSIGN_OR_RETURN(int64_t credited, st.creditedAmount(tenantId, inv->id));
    plan.invoicePart = std::max<int64_t>(0, std::min(plan.invoicePart, inv->credited ? 0 : inv->total - credited));
  } else {
    plan.invoicePart = 0;
  }
  return plan;
}

core::Result<Json> bookRefund(store::Transaction& tx, const RefundPlan& plan, const std::string& refundId, int64_t now) {
  BillingStore st(tx);
  const std::string& tenantId = plan.original.tenantId;
  EDGE_ASSIGN_OR_RETURN(Json reversal, reversePayment(tx, plan.original, "refund", refundId, plan.amount, now));
  Json out{{"refund", refundId},
           {"payment", plan.original.id},
           {"amount-minor", plan.amount},
           {"reversal", reversal.value("reversal", std::string())},
           {"credit-note", nullptr}};
  const std::string reference = "refund:" + refundId;
  EDGE_ASSIGN_OR_RETURN(std::optional<Invoice> note, st.creditNoteByReference(tenantId, reference));
  if (!note && plan.invoicePart > 0 && !plan.creditInvoice.empty()) {
    EDGE_ASSIGN_OR_RETURN(std::optional<Invoice> inv, st.invoice(tenantId, plan.creditInvoice));
    if (!inv) return core::internalError("invoice " + plan.creditInvoice + " vanished");
    Books books(st, tenantId, now);
    EDGE_ASSIGN_OR_RETURN(Invoice issued, issueRefundCreditNote(st, books, *inv, plan.invoicePart, reference,
                                                                "refund " + refundId + " of payment " + plan.original.id +
                                                                    (plan.reason.empty() ? "" : ": " + plan.reason),
                                                                now));
    EDGE_RETURN_IF_ERROR(applyCredit(st, books, tenantId, inv->username));
    EDGE_RETURN_IF_ERROR(books.flush());
    note = issued;
  }
  if (note) out["credit-note"] = invoiceJson(*note);
  return out;
}

ControlReply CollectionService::refund(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "payment", "amount", "key", "reason"}));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> reason, a.text("reason"));
  if (reason && reason->size() > 200) return ControlReply::error(core::invalidArgument("reason: at most 200 characters"));
  EDGE_ASSIGN_OR_RETURN(std::string paymentId, a.required("payment"));
  EDGE_ASSIGN_OR_RETURN(std::string key, a.required("key"));
  if (!refundKeyOk(key))
    return ControlReply::error(core::invalidArgument("key '" + key.substr(0, 64) + "': 1..64 letters, digits, '-', '_' or '.'"));
  if (!online()) return ControlReply::error(core::failedPrecondition("online payments are off: set payments.provider-url in mgmtd's config"));

  ProviderAccount account;
  Settings settings;
  RefundPlan plan;
  std::optional<Json> replay;  // the refund this key booked before
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
        BillingStore st(tx);
        EDGE_ASSIGN_OR_RETURN(settings, requireSettings(st, t.id, t.name));
        // The same key again (a form submitted twice, a retry after a lost answer): the first refund,
        // not a new plan (a payment refunded in full has nothing left to plan).
        replay.reset();
        EDGE_ASSIGN_OR_RETURN(std::optional<CollectionStore::RefundRequest> seen, CollectionStore(tx).refundRequest(t.id, key));
        if (seen) {
          if (seen->paymentId != paymentId)
            return core::invalidArgument("key '" + key + "': used before for payment '" + seen->paymentId + "'");
          EDGE_ASSIGN_OR_RETURN(std::optional<Invoice> note, st.creditNoteByReference(t.id, "refund:" + seen->refundId));
          replay = Json{{"refund", seen->refundId},
                        {"payment", seen->paymentId},
                        {"amount-minor", seen->amount},
                        {"amount", ::billing::formatMoney(seen->amount, settings.currency)},
                        {"credit-note", note ? invoiceJson(*note) : Json(nullptr)},
                        {"booked", true},
                        {"replay", true}};
          return core::Status::ok();
        }
        EDGE_ASSIGN_OR_RETURN(std::optional<ProviderAccount> acc, this->account(tx, t.id));
        if (!acc) return core::failedPrecondition("tenant '" + t.name + "' has no payment provider account");
        account = *acc;
        std::optional<int64_t> amount;
        if (a.has("amount")) {
          EDGE_ASSIGN_OR_RETURN(int64_t v, amountArg(a, "amount", settings.currency));
          amount = v;
        }
        EDGE_ASSIGN_OR_RETURN(plan, planRefund(tx, t.id, paymentId, amount, settings.currency));
        plan.reason = reason.value_or("");
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));

  if (replay)
    return ControlReply::success("refund " + (*replay)["refund"].get<std::string>() + " of " +
                                     (*replay)["amount"].get<std::string>() + " was booked before with key '" + key + "'",
                                 *replay);

  // The provider: the same key gives its first refund back (a retry after a lost answer or a crash).
  using core::web::urlEncode;
  const std::string& tenantId = plan.original.tenantId;
  const std::string form = "payment_intent=" + urlEncode(plan.original.key.substr(7)) +
                           "&amount=" + std::to_string(plan.amount) + "&metadata%5Btenant%5D=" + urlEncode(tenantId) +
                           "&metadata%5Bpayment%5D=" + urlEncode(plan.original.id) + "&metadata%5Bkey%5D=" + urlEncode(key) +
                           (plan.reason.empty() ? "" : "&metadata%5Breason%5D=" + urlEncode(plan.reason));
  EDGE_ASSIGN_OR_RETURN(Json r, providerPost(account, "/v1/refunds", form, "refund-" + tenantId + "-" + key, "the refund"));
  if (!r.is_object() || !r["id"].is_string() || r["id"].get<std::string>().empty() || r["id"].get<std::string>().size() > 255)
    return ControlReply::error(core::Status(core::Code::kUnavailable, "payment provider: a refund answer without an id"));
  const std::string refundId = r["id"].get<std::string>();
  const std::string status = r.value("status", std::string());
  if (r["amount"].is_number_integer()) plan.amount = std::min(plan.amount, r["amount"].get<int64_t>());
  plan.invoicePart = std::min(plan.invoicePart, plan.amount);
  if (status != "succeeded") {
    if (status == "pending")
      return ControlReply::success("refund " + refundId + " is pending at the provider: run the same refund again (same --key) "
                                   "once it succeeds to book it",
                                   Json{{"refund", refundId}, {"status", status}, {"booked", false}});
    return ControlReply::error(core::failedPrecondition("the provider's refund " + refundId + " is " +
                                                        (status.empty() ? "in no state" : status)));
  }

  // Booked once by the refund id (the webhook may have booked the reversal first).
  const int64_t now = d_.clock.unixSeconds();
  Json out;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(out, bookRefund(tx, plan, refundId, now));
    EDGE_RETURN_IF_ERROR(CollectionStore(tx).insertRefundRequest(
        plan.original.tenantId, key, CollectionStore::RefundRequest{plan.original.id, refundId, plan.amount}, now));
    return core::Status::ok();
  }));
  out["amount"] = ::billing::formatMoney(plan.amount, settings.currency);
  out["booked"] = true;
  std::string text = "refund " + refundId + " of " + out["amount"].get<std::string>() + " from payment " + plan.original.id;
  if (out["credit-note"].is_object())
    text += ": credit note " + out["credit-note"].value("number", Json(0)).dump() + " for " +
            ::billing::formatMoney(-out["credit-note"].value("total-minor", int64_t{0}), settings.currency);
  return ControlReply::success(text, out);
}

}  // namespace mgmt::billing
