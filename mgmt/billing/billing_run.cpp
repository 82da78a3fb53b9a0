// The billing run, drafts and their finalization, credit notes (billing_service.h).
#include <algorithm>
#include <map>

#include "billing/invoicing/creditor_reference.h"
#include "billing/rating/rules.h"
#include "mgmt/billing/billing_internal.h"
#include "mgmt/billing/billing_service.h"
#include "mgmt/billing/books.h"
#include "mgmt/tenancy/tenancy_service.h"

namespace mgmt::billing {

using core::CommandArgs;
using core::ControlReply;
using core::Json;
using tenancy::Caller;
using tenancy::Tenant;

namespace {

// Whether the period is due on `day`: a prepaid period from its first day, a postpaid one after
// its last.
bool due(const Subscription& s, const ::billing::Period& p, int64_t day) { return s.prepaid ? p.start <= day : p.end <= day; }

}  // namespace

core::Result<BillingService::RunResult> BillingService::runTenant(const std::string& tenantId, int64_t day,
                                                                   bool finalize, int64_t batch) {
  RunResult total;
  std::string cursor;
  for (bool more = true; more;) {
    RunResult r;
    std::string next;
    EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
      r = RunResult{};
      BillingStore st(tx);
      EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::loadTenant(tx, tenantId));
      EDGE_ASSIGN_OR_RETURN(Settings settings, requireSettings(st, t.id, t.name));
      const int64_t at = d_.clock.unixSeconds();
      EDGE_ASSIGN_OR_RETURN(std::vector<Subscription> subs, st.dueSubscriptions(t.id, day, cursor, batch));
      more = static_cast<int64_t>(subs.size()) == batch;
      next = subs.empty() ? cursor : subs.back().id;
      std::vector<Invoice> drafts;
      std::vector<std::vector<InvoiceLine>> draftLines;
      std::vector<BillingStore::Claim> claims;
      TaxRates rates(st, t.id);
      for (Subscription& s : subs) {
        ++r.subscriptions;
        const ::billing::PeriodRule rule = ruleOf(s);
        for (;;) {
          const ::billing::Period p = ::billing::periodContaining(rule, s.billedUntil);
          if (!due(s, p, day) || (s.endDay > 0 && p.start >= s.endDay)) break;
          std::vector<InvoiceLine> lines;
          const int64_t from = std::max(p.start, s.startDay);
          const int64_t to = s.endDay > 0 ? std::min(p.end, s.endDay) : p.end;
          if (from >= to) {  // ended before it began (cancelled on its first day): no day to bill
            s.billedUntil = p.end;
            continue;
          }
          EDGE_RETURN_IF_ERROR(appendLines(s, p, from, to, +1, s.residual, lines));
          EDGE_ASSIGN_OR_RETURN(Invoice inv, makeDraft(st, rates, t.id, settings, s.username, s.customer, lines, at));
          claims.push_back(BillingStore::Claim{s.id, p.start, inv.id});
          drafts.push_back(std::move(inv));
          draftLines.push_back(std::move(lines));
          s.billedUntil = p.end;
        }
      }
      EDGE_RETURN_IF_ERROR(st.updateProgress(subs));
      // The run's keys: one invoice per (subscription, period), whatever ran before. A key taken
      // already fails the whole batch (the subscription would have been moved on with it).
      EDGE_RETURN_IF_ERROR(st.claimPeriods(claims));
      EDGE_RETURN_IF_ERROR(st.insertInvoices(drafts, draftLines));
      // One-time charges (and plan-change adjustments) once the subscriptions are done: one
      // invoice per customer for what is open.
      if (!more) {
        EDGE_ASSIGN_OR_RETURN(std::vector<Charge> open, st.openCharges(t.id, 100000));
        std::map<std::string, std::vector<Charge>> byCustomer;
        for (Charge& c : open)
          if (c.day <= day) byCustomer[c.username].push_back(std::move(c));
        for (const auto& [username, charges] : byCustomer) {
          std::vector<InvoiceLine> lines;
          for (const Charge& c : charges) lines.push_back(InvoiceLine{c.description, c.subscriptionId, c.day, c.day + 1, c.amount});
          EDGE_ASSIGN_OR_RETURN(Invoice inv, makeDraft(st, rates, t.id, settings, username, std::nullopt, lines, at));
          EDGE_RETURN_IF_ERROR(st.insertInvoice(inv, lines));
          for (const Charge& c : charges) EDGE_RETURN_IF_ERROR(st.attachCharge(c.id, inv.id));
          drafts.push_back(std::move(inv));
        }
      }
      r.invoices = static_cast<int64_t>(drafts.size());
      if (finalize) {
        Books books(st, t.id, at);
        EDGE_RETURN_IF_ERROR(issueDrafts(st, books, settings, drafts, day));
        EDGE_RETURN_IF_ERROR(books.flush());
        r.issued = r.invoices;
      }
      return core::Status::ok();
    }));
    cursor = next;
    total.invoices += r.invoices;
    total.issued += r.issued;
    total.subscriptions += r.subscriptions;
  }
  return total;
}

ControlReply BillingService::run(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "date", "finalize", "batch"}));
  EDGE_ASSIGN_OR_RETURN(int64_t day, dayArg(a, "date", today()));
  EDGE_ASSIGN_OR_RETURN(std::optional<bool> finalize, a.boolean("finalize"));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> batch, a.integer("batch", 1, 5000));
  std::string tenantId, tenantName;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::booksFromArgs(tx, a, caller));
        tenantId = t.id;
        tenantName = t.name;
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  // One run per tenant at a time (every mgmtd): a second waits for nothing and says so.
  RunResult r;
  EDGE_ASSIGN_OR_RETURN(bool ran, d_.storage.withSingletonLock("billing-run:" + tenantId, [&]() -> core::Status {
    EDGE_ASSIGN_OR_RETURN(r, runTenant(tenantId, day, finalize.value_or(false), batch.value_or(200)));
    return core::Status::ok();
  }));
  if (!ran)
    return ControlReply::error(core::failedPrecondition("a billing run of tenant '" + tenantName + "' is in progress"));
  return ControlReply::success(std::to_string(r.invoices) + " invoices (" + std::to_string(r.issued) +
                                   " issued) for tenant '" + tenantName + "' as of " + ::billing::formatDay(day),
                               Json{{"invoices", r.invoices}, {"issued", r.issued}, {"subscriptions", r.subscriptions},
                                    {"date", ::billing::formatDay(day)}});
}

ControlReply BillingService::listInvoices(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "username", "status", "limit"}));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> username, a.text("username"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> status, a.text("status"));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, a.integer("limit", 1, 100000));
  if (status && *status != "draft" && *status != "issued")
    return ControlReply::error(core::invalidArgument("status '" + *status + "': expected draft or issued"));
  Json list = Json::array();
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::booksFromArgs(tx, a, caller));
        EDGE_ASSIGN_OR_RETURN(std::vector<Invoice> rows, BillingStore(tx).invoices(t.id, username.value_or(""),
                                                                                   status.value_or(""), limit.value_or(100)));
        list = Json::array();
        for (const Invoice& i : rows) list.push_back(invoiceJson(i));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success(std::to_string(list.size()) + " invoices", list);
}

ControlReply BillingService::showInvoice(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "invoice"}));
  EDGE_ASSIGN_OR_RETURN(std::string id, a.required("invoice"));
  Json view;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::booksFromArgs(tx, a, caller));
        BillingStore st(tx);
        EDGE_ASSIGN_OR_RETURN(std::optional<Invoice> inv, st.invoice(t.id, id));
        if (!inv) return core::notFound("invoice: no invoice '" + id + "'");
        EDGE_ASSIGN_OR_RETURN(std::vector<InvoiceLine> lines, st.lines(id));
        view = invoiceJson(*inv);
        Json ls = Json::array();
        for (const InvoiceLine& l : lines)
          ls.push_back(Json{{"description", l.description}, {"amount", ::billing::formatMoney(l.amount, "")},
                            {"amount-minor", l.amount}});
        view["lines"] = ls;
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success("invoice " + id, view);
}

ControlReply BillingService::finalize(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "invoice", "date"}));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> id, a.text("invoice"));
  EDGE_ASSIGN_OR_RETURN(int64_t day, dayArg(a, "date", today()));
  int64_t issued = 0;
  for (bool more = true; more;) {
    EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
      EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::booksFromArgs(tx, a, caller));
      BillingStore st(tx);
      EDGE_ASSIGN_OR_RETURN(Settings settings, requireSettings(st, t.id, t.name));
      std::vector<Invoice> drafts;
      if (id) {
        EDGE_ASSIGN_OR_RETURN(std::optional<Invoice> inv, st.invoice(t.id, *id));
        if (!inv) return core::notFound("invoice: no invoice '" + *id + "'");
        if (inv->status != "draft") return core::failedPrecondition("invoice '" + *id + "' is issued already");
        drafts.push_back(*inv);
        more = false;
      } else {
        EDGE_ASSIGN_OR_RETURN(drafts, st.drafts(t.id, 500));
        more = drafts.size() == 500;
      }
      Books books(st, t.id, d_.clock.unixSeconds());
      EDGE_RETURN_IF_ERROR(issueDrafts(st, books, settings, drafts, day));
      EDGE_RETURN_IF_ERROR(books.flush());
      issued += static_cast<int64_t>(drafts.size());
      return core::Status::ok();
    }));
  }
  return ControlReply::success(std::to_string(issued) + " invoices issued", Json{{"issued", issued}});
}

ControlReply BillingService::creditNote(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "invoice", "date"}));
  EDGE_ASSIGN_OR_RETURN(std::string id, a.required("invoice"));
  EDGE_ASSIGN_OR_RETURN(int64_t day, dayArg(a, "date", today()));
  Invoice note;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::booksFromArgs(tx, a, caller));
    BillingStore st(tx);
    EDGE_ASSIGN_OR_RETURN(Settings settings, requireSettings(st, t.id, t.name));
    EDGE_ASSIGN_OR_RETURN(std::optional<Invoice> inv, st.invoice(t.id, id));
    if (!inv || inv->kind != "invoice") return core::notFound("invoice: no invoice '" + id + "'");
    if (inv->status != "issued") return core::failedPrecondition("invoice '" + id + "' is a draft: it can still change");
    if (inv->credited) return core::failedPrecondition("invoice '" + id + "' has a credit note already");
    EDGE_ASSIGN_OR_RETURN(int64_t refunded, st.creditedAmount(t.id, id));
    if (refunded > 0)
      return core::failedPrecondition("invoice '" + id + "' has refund credit notes already (" +
                                      ::billing::formatMoney(refunded, inv->currency) +
                                      "): refund the rest of its payment instead");
    if (inv->total < 0) return core::failedPrecondition("invoice '" + id + "' is a credit itself");
    EDGE_ASSIGN_OR_RETURN(std::vector<InvoiceLine> lines, st.lines(id));
    for (InvoiceLine& l : lines) {
      l.amount = -l.amount;
      l.description = "reverses: " + l.description;
    }
    note = *inv;
    note.id = newId("cn-");
    note.kind = "credit-note";
    note.status = "draft";
    note.number.reset();
    note.net = -inv->net;
    note.tax = -inv->tax;
    note.total = -inv->total;
    note.paid = note.total;  // settled by the entry below
    note.reference.clear();
    note.credits = inv->id;
    note.createdAt = d_.clock.unixSeconds();
    EDGE_RETURN_IF_ERROR(st.insertInvoice(note, lines));
    EDGE_ASSIGN_OR_RETURN(int64_t number, st.takeNumbers(t.id, "credit-note", 1));
    note.status = "issued";
    note.number = number;
    note.issueDay = day;
    note.dueDay = day;
    EDGE_RETURN_IF_ERROR(st.issue(note));
    // What was still open leaves the receivable; what was paid becomes the customer's credit.
    Books books(st, t.id, d_.clock.unixSeconds());
    EDGE_RETURN_IF_ERROR(books.post("credit-note", note.id,
                                    {{"revenue", inv->net},
                                     {taxAccount(inv->taxRegion), inv->tax},
                                     {receivableAccount(inv->username), -(inv->total - inv->paid)},
                                     {creditAccount(inv->username), -inv->paid}}));
    EDGE_RETURN_IF_ERROR(st.markCredited(inv->id));
    EDGE_RETURN_IF_ERROR(applyCredit(st, books, t.id, inv->username));
    (void)settings;
    return books.flush();
  }));
  return ControlReply::success("credit note " + std::to_string(note.number.value_or(0)) + " reverses invoice " + id,
                               invoiceJson(note));
}

}  // namespace mgmt::billing
