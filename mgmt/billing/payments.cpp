// Payments, refunds, balances and the books' verification (billing_service.h).
#include <algorithm>

#include "billing/invoicing/creditor_reference.h"
#include "billing/rating/rules.h"
#include "mgmt/billing/billing_internal.h"
#include "mgmt/billing/billing_service.h"
#include "mgmt/billing/books.h"
#include "mgmt/billing/dunning_service.h"
#include "mgmt/catalog/catalog_service.h"
#include "mgmt/tenancy/tenancy_service.h"

namespace mgmt::billing {

using core::CommandArgs;
using core::ControlReply;
using core::Json;
using tenancy::Caller;
using tenancy::Tenant;

namespace {

Json paymentJson(const Payment& p, bool replay) {
  return Json{{"id", p.id},           {"customer", p.username}, {"method", p.method},
              {"amount-minor", p.amount}, {"amount", ::billing::formatMoney(p.amount, p.currency)},
              {"reference", p.reference}, {"key", p.key},           {"day", ::billing::formatDay(p.day)},
              {"replay", replay}};
}

}  // namespace

core::Result<int64_t> applyPayment(BillingStore& st, const Payment& p, const std::optional<Invoice>& named, Books* into) {
  EDGE_ASSIGN_OR_RETURN(bool fresh, st.insertPayment(p));
  if (!fresh) return core::internalError("payment key '" + p.key + "' appeared during the payment");
  // The named invoice first, then the oldest open ones; what is left is the customer's credit.
  std::vector<Invoice> open;
  if (named && named->status == "issued" && named->kind == "invoice" && named->paid < named->total)
    open.push_back(*named);
  // The customer's other open invoices only when the named one does not take it all (a bank import
  // pays thousands of named invoices in one go; this read is the costly part of a payment).
  if (open.empty() || open.front().total - open.front().paid < p.amount) {
    EDGE_ASSIGN_OR_RETURN(std::vector<Invoice> rest, st.openInvoices(p.tenantId, p.username));
    for (Invoice& i : rest)
      if (!named || i.id != named->id) open.push_back(std::move(i));
  }
  std::vector<LedgerLine> lines{{p.method, p.amount}};
  int64_t left = p.amount;
  for (const Invoice& i : open) {
    if (left == 0) break;
    const int64_t use = std::min(left, i.total - i.paid);
    EDGE_RETURN_IF_ERROR(st.insertAllocation(p.id, i.id, use));
    EDGE_RETURN_IF_ERROR(st.addPaid(i.id, use));
    lines.push_back({receivableAccount(p.username), -use});
    left -= use;
  }
  if (left > 0) lines.push_back({creditAccount(p.username), -left});
  if (into != nullptr) {
    EDGE_RETURN_IF_ERROR(into->post("payment", p.id, lines));
  } else {
    Books books(st, p.tenantId, p.createdAt);
    EDGE_RETURN_IF_ERROR(books.post("payment", p.id, lines));
    EDGE_RETURN_IF_ERROR(books.flush());
  }
  // Service comes back in the payment's own unit of work (ADR 0047): the subscriptions it brought
  // back into good standing leave dunning, and their subscriber's new version reaches the boxes.
  EDGE_RETURN_IF_ERROR(restoreAfterPayment(st.transaction(), p.tenantId, p.username, p.createdAt / 86400, p.createdAt));
  return p.amount - left;
}

ControlReply BillingService::addPayment(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "username", "amount", "method", "reference", "key", "date"}));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> username, a.text("username"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> method, a.text("method"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> reference, a.text("reference"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> key, a.text("key"));
  EDGE_ASSIGN_OR_RETURN(int64_t day, dayArg(a, "date", today()));
  const std::string how = method.value_or("cash");
  if (how != "cash" && how != "bank" && how != "online")
    return ControlReply::error(core::invalidArgument("method '" + how + "': expected cash, bank or online"));
  std::string rf;
  if (reference) {
    EDGE_ASSIGN_OR_RETURN(rf, ::billing::parseCreditorReference(*reference));
  }
  if (!username && rf.empty())
    return ControlReply::error(core::invalidArgument("username is required (or a --reference naming an invoice)"));
  Payment p;
  bool replay = false;
  int64_t allocated = 0;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::booksFromArgs(tx, a, caller));
    BillingStore st(tx);
    EDGE_ASSIGN_OR_RETURN(Settings settings, requireSettings(st, t.id, t.name));
    p = Payment{};
    replay = false;
    allocated = 0;
    p.id = newId("pay-");
    p.key = key.value_or(p.id);
    if (key) {
      EDGE_ASSIGN_OR_RETURN(std::optional<Payment> seen, st.paymentByKey(t.id, *key));
      if (seen) {
        p = *seen;
        replay = true;
        return core::Status::ok();
      }
    }
    EDGE_ASSIGN_OR_RETURN(p.amount, amountArg(a, "amount", settings.currency));
    std::optional<Invoice> named;
    if (!rf.empty()) {
      EDGE_ASSIGN_OR_RETURN(named, st.invoiceByReference(t.id, rf));
      if (!named) return core::notFound("reference: no invoice with reference " + rf);
      if (username && *username != named->username)
        return core::invalidArgument("reference " + rf + " is an invoice of another customer");
    }
    p.tenantId = t.id;
    p.username = named ? named->username : *username;
    p.method = how;
    p.currency = settings.currency;
    p.reference = rf;
    p.day = day;
    p.createdAt = d_.clock.unixSeconds();
    EDGE_RETURN_IF_ERROR(customerExists(tx, t.id, p.username).status());
    EDGE_ASSIGN_OR_RETURN(allocated, applyPayment(st, p, named));
    return core::Status::ok();
  }));
  Json j = paymentJson(p, replay);
  if (!replay) {
    j["allocated-minor"] = allocated;
    j["to-credit-minor"] = p.amount - allocated;
  }
  return ControlReply::success((replay ? "payment " + p.id + " was recorded already (key '" + p.key + "')"
                                       : "payment " + p.id + " of " + ::billing::formatMoney(p.amount, p.currency) +
                                             " from '" + p.username + "'"),
                               j);
}

ControlReply BillingService::refund(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "username", "amount", "method", "key", "date"}));
  EDGE_ASSIGN_OR_RETURN(std::string username, a.required("username"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> method, a.text("method"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> key, a.text("key"));
  EDGE_ASSIGN_OR_RETURN(int64_t day, dayArg(a, "date", today()));
  const std::string how = method.value_or("cash");
  if (how != "cash" && how != "bank" && how != "online")
    return ControlReply::error(core::invalidArgument("method '" + how + "': expected cash, bank or online"));
  Payment p;
  bool replay = false;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::booksFromArgs(tx, a, caller));
    BillingStore st(tx);
    EDGE_ASSIGN_OR_RETURN(Settings settings, requireSettings(st, t.id, t.name));
    p = Payment{};
    replay = false;
    p.id = newId("ref-");
    p.key = key.value_or(p.id);
    if (key) {
      EDGE_ASSIGN_OR_RETURN(std::optional<Payment> seen, st.paymentByKey(t.id, *key));
      if (seen) {
        p = *seen;
        replay = true;
        return core::Status::ok();
      }
    }
    EDGE_ASSIGN_OR_RETURN(int64_t amount, amountArg(a, "amount", settings.currency));
    EDGE_RETURN_IF_ERROR(customerExists(tx, t.id, username).status());
    Books books(st, t.id, d_.clock.unixSeconds());
    EDGE_ASSIGN_OR_RETURN(int64_t credit, books.creditOf(username));
    if (amount > credit)
      return core::failedPrecondition("amount: '" + username + "' has " + ::billing::formatMoney(credit, settings.currency) +
                                      " of credit to refund");
    p.tenantId = t.id;
    p.username = username;
    p.method = "refund";
    p.amount = -amount;
    p.currency = settings.currency;
    p.day = day;
    p.createdAt = d_.clock.unixSeconds();
    EDGE_ASSIGN_OR_RETURN(bool fresh, st.insertPayment(p));
    if (!fresh) return core::internalError("refund key '" + p.key + "' appeared during the refund");
    EDGE_RETURN_IF_ERROR(books.post("refund", p.id, {{creditAccount(username), amount}, {how, -amount}}));
    return books.flush();
  }));
  return ControlReply::success(replay ? "refund " + p.id + " was recorded already"
                                      : "refund " + p.id + " of " + ::billing::formatMoney(-p.amount, p.currency) +
                                            " to '" + p.username + "'",
                               paymentJson(p, replay));
}

ControlReply BillingService::balances(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "username"}));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> username, a.text("username"));
  Json list = Json::array();
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::booksFromArgs(tx, a, caller));
        BillingStore st(tx);
        EDGE_ASSIGN_OR_RETURN(Settings settings, requireSettings(st, t.id, t.name));
        std::map<std::string, std::pair<int64_t, int64_t>> byCustomer;  // receivable, credit
        if (username) {
          EDGE_ASSIGN_OR_RETURN(int64_t r, st.balance(t.id, receivableAccount(*username)));
          EDGE_ASSIGN_OR_RETURN(int64_t c, st.balance(t.id, creditAccount(*username)));
          byCustomer[*username] = {r, -c};
        } else {
          EDGE_ASSIGN_OR_RETURN(std::vector<LedgerLine> rs, st.balances(t.id, "receivable:"));
          EDGE_ASSIGN_OR_RETURN(std::vector<LedgerLine> cs, st.balances(t.id, "credit:"));
          for (const LedgerLine& l : rs) byCustomer[l.account.substr(11)].first = l.amount;
          for (const LedgerLine& l : cs) byCustomer[l.account.substr(7)].second = -l.amount;
        }
        list = Json::array();
        for (const auto& [user, v] : byCustomer)
          list.push_back(Json{{"customer", user},
                              {"owed-minor", v.first},
                              {"credit-minor", v.second},
                              {"balance-minor", v.first - v.second},
                              {"balance", ::billing::formatMoney(v.first - v.second, settings.currency)}});
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success(std::to_string(list.size()) + " customers", list);
}

ControlReply BillingService::verify(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant"}));
  Json report;
  std::vector<std::string> problems;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        problems.clear();
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::booksFromArgs(tx, a, caller));
        BillingStore st(tx);
        EDGE_RETURN_IF_ERROR(requireSettings(st, t.id, t.name).status());
        EDGE_ASSIGN_OR_RETURN(int64_t unbalanced, st.unbalancedEntries(t.id));
        if (unbalanced > 0) problems.push_back(std::to_string(unbalanced) + " ledger entries do not balance");
        EDGE_ASSIGN_OR_RETURN(std::vector<std::string> accounts, st.balanceMismatches(t.id));
        for (const std::string& acc : accounts) problems.push_back("account " + acc + ": balance differs from its entries");
        report = Json::object();
        for (const char* kind : {"invoice", "credit-note"}) {
          EDGE_ASSIGN_OR_RETURN(BillingStore::Numbers n, st.numbers(t.id, kind));
          const bool gapless = n.count == 0 ? n.next <= 1 : (n.min == 1 && n.max == n.count && n.next == n.max + 1);
          if (!gapless)
            problems.push_back(std::string(kind) + " numbers are not 1.." + std::to_string(n.count) + " (min " +
                               std::to_string(n.min) + ", max " + std::to_string(n.max) + ", next " +
                               std::to_string(n.next) + ")");
          report[std::string(kind) + "s"] = n.count;
        }
        EDGE_ASSIGN_OR_RETURN(int64_t unposted, st.issuedWithoutEntry(t.id));
        if (unposted > 0) problems.push_back(std::to_string(unposted) + " issued invoices have no ledger entry");
        EDGE_ASSIGN_OR_RETURN(std::vector<std::string> customers, st.receivableMismatches(t.id));
        for (const std::string& c : customers)
          problems.push_back("customer '" + c + "': receivable differs from its open invoices");
        EDGE_ASSIGN_OR_RETURN(int64_t orphans, st.periodsWithoutInvoice(t.id));
        if (orphans > 0) problems.push_back(std::to_string(orphans) + " billed periods have no invoice");
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  report["problems"] = problems;
  if (!problems.empty()) {
    ControlReply r = ControlReply::error(core::corrupt("billing-verify: " + problems.front() +
                                                       (problems.size() > 1 ? " (and " + std::to_string(problems.size() - 1) + " more)" : "")));
    r.arguments = report;
    return r;
  }
  return ControlReply::success("books balance; invoice numbers 1.." + report["invoices"].dump() + " without a gap", report);
}

}  // namespace mgmt::billing
