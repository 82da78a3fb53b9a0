// The commission run, chargebacks, bonuses, the ledger, statements, payouts and verify
// (partner_service.h).
#include <algorithm>
#include <map>
#include <set>

#include "billing/invoicing/calendar.h"
#include "core/pki.h"
#include "mgmt/billing/billing_feed.h"
#include "mgmt/partners/partner_internal.h"
#include "mgmt/partners/partner_service.h"
#include "mgmt/partners/program_service.h"
#include "mgmt/tenancy/tenancy_service.h"
#include "mgmt/tenancy/tenant_store.h"

namespace mgmt::partners {

namespace cm = ::billing::commissions;
using core::CommandArgs;
using core::ControlReply;
using core::Json;
using tenancy::Caller;
using tenancy::Tenant;

namespace {

// Partners and their terms, read once per run (or per command) and kept across its units of work.
class TermsCache {
 public:
  core::Result<const std::pair<Partner, PartnerTerms>*> get(PartnerStore& st, const std::string& partnerId) {
    auto it = cache_.find(partnerId);
    if (it != cache_.end()) return &it->second;
    EDGE_ASSIGN_OR_RETURN(std::optional<Partner> p, st.partner(partnerId));
    if (!p) return core::corrupt("attribution names partner '" + partnerId + "', which does not exist");
    EDGE_ASSIGN_OR_RETURN(PartnerTerms t, PartnerTerms::load(st, *p));
    return &cache_.emplace(partnerId, std::make_pair(*p, t)).first->second;
  }

 private:
  std::map<std::string, std::pair<Partner, PartnerTerms>> cache_;
};

// What the engine keeps for the partners met in one unit of work of the run, read in bulk before
// the page's events and written in bulk after them (ADR 0056): the same reads and writes as
// StoreBooks, without a statement per event. Each partner's entries take their seq numbers and move
// the exact total in memory; flush() writes the entries (COPY on PostgreSQL), the invoice states
// and volumes (multi-row upserts) and each partner's state row.
class UnitBooks {
 public:
  UnitBooks(PartnerStore& st, std::string tenantId, int64_t at) : st_(st), tenantId_(std::move(tenantId)), at_(at) {}

  // The attributions of the page's accounts, in one read per few hundred accounts.
  core::Status loadAttributions(const std::vector<mgmt::billing::InvoiceMoney>& events) {
    std::vector<std::string> users = distinctUsers(events);
    EDGE_ASSIGN_OR_RETURN(std::vector<Attribution> all, st_.attributionsOf(tenantId_, users));
    for (Attribution& a : all) attributions_[a.username][a.fromDay] = std::move(a);
    return core::Status::ok();
  }
  const Attribution* attributionAt(const std::string& username, int64_t day) const {
    auto u = attributions_.find(username);
    if (u == attributions_.end()) return nullptr;
    auto it = u->second.upper_bound(day);
    if (it == u->second.begin()) return nullptr;
    return &std::prev(it)->second;
  }

  // The engine's state of every partner the page's events go to: `invoices` per partner.
  core::Status load(const std::map<std::string, std::vector<std::string>>& invoices,
                    const std::vector<mgmt::billing::InvoiceMoney>& events) {
    for (const auto& [partnerId, ids] : invoices) {
      PartnerBooks& p = partners_.emplace(partnerId, PartnerBooks(*this, partnerId)).first->second;
      EDGE_ASSIGN_OR_RETURN(auto state, st_.state(partnerId));
      p.nextSeq = state.first;
      p.exact = state.second;
      EDGE_ASSIGN_OR_RETURN(p.volumes, st_.volumes(partnerId));
      EDGE_ASSIGN_OR_RETURN(p.invoices, st_.invoiceStates(partnerId, ids));
    }
    if (invoices.empty()) return core::Status::ok();
    EDGE_ASSIGN_OR_RETURN(std::vector<PartnerStore::Accrued> accrued, st_.accruedInvoices(tenantId_, distinctUsers(events)));
    for (const PartnerStore::Accrued& a : accrued) {
      auto p = partners_.find(a.partnerId);
      if (p != partners_.end()) p->second.accrued[a.username][a.invoiceId] = a.lastDay;
    }
    return core::Status::ok();
  }

  class PartnerBooks : public cm::Books {
   public:
    PartnerBooks(UnitBooks& unit, std::string id) : unit_(unit), id_(std::move(id)) {}
    core::Result<InvoiceState> invoice(const std::string& invoiceId) override {
      auto it = invoices.find(invoiceId);
      return it == invoices.end() ? InvoiceState{} : it->second;
    }
    core::Status setInvoice(const std::string& invoiceId, const InvoiceState& s) override {
      invoices[invoiceId] = s;
      dirtyInvoices.insert(invoiceId);
      return core::Status::ok();
    }
    core::Result<int64_t> volume(int64_t month) override {
      auto it = volumes.find(month);
      return it == volumes.end() ? 0 : it->second;
    }
    core::Status setVolume(int64_t month, int64_t v) override {
      volumes[month] = v;
      dirtyVolumes.insert(month);
      return core::Status::ok();
    }
    core::Result<int64_t> exactTotal() override { return exact; }
    core::Status append(const cm::Entry& e) override {
      cm::Entry x = e;
      x.seq = nextSeq++;
      exact += e.exact;
      if (x.kind == cm::EntryKind::kAccrual && x.tenantId == unit_.tenantId_) {
        int64_t& last = accrued[x.username][x.invoiceId];
        last = std::max(last, x.day);
      }
      unit_.pending_.emplace_back(id_, std::move(x));
      ++unit_.written_;
      return core::Status::ok();
    }
    core::Result<std::vector<cm::Entry>> entriesOfInvoice(const std::string& invoiceId) override {
      EDGE_ASSIGN_OR_RETURN(std::vector<cm::Entry> out, unit_.st_.entriesOfInvoice(id_, invoiceId));
      for (const auto& [partnerId, e] : unit_.pending_)
        if (partnerId == id_ && e.invoiceId == invoiceId) out.push_back(e);
      return out;
    }
    core::Result<bool> otherInvoiceAccrued(const std::string& tenantId, const std::string& username, int64_t fromDay,
                                           const std::string& invoiceId) override {
      if (tenantId != unit_.tenantId_) return unit_.st_.otherInvoiceAccrued(id_, tenantId, username, fromDay, invoiceId);
      auto u = accrued.find(username);
      if (u == accrued.end()) return false;
      for (const auto& [invoice, lastDay] : u->second)
        if (invoice != invoiceId && lastDay >= fromDay) return true;
      return false;
    }

    int64_t nextSeq = 1, exact = 0;
    std::map<int64_t, int64_t> volumes;
    std::map<std::string, InvoiceState> invoices;
    std::set<int64_t> dirtyVolumes;
    std::set<std::string> dirtyInvoices;
    std::map<std::string, std::map<std::string, int64_t>> accrued;  // username -> invoice -> last accrual day

   private:
    UnitBooks& unit_;
    std::string id_;
  };

  PartnerBooks& of(const std::string& partnerId) { return partners_.at(partnerId); }

  core::Status flush() {
    EDGE_RETURN_IF_ERROR(st_.appendEntries(pending_, at_));
    std::vector<PartnerStore::InvoiceRow> rows;
    for (auto& [id, p] : partners_) {
      for (const std::string& invoice : p.dirtyInvoices) rows.push_back({id, invoice, p.invoices[invoice]});
      std::map<int64_t, int64_t> volumes;
      for (int64_t month : p.dirtyVolumes) volumes[month] = p.volumes[month];
      EDGE_RETURN_IF_ERROR(st_.putVolumes(id, volumes));
      EDGE_RETURN_IF_ERROR(st_.setState(id, p.nextSeq, p.exact));
    }
    return st_.putInvoiceStates(rows);
  }
  int64_t written() const { return written_; }

 private:
  static std::vector<std::string> distinctUsers(const std::vector<mgmt::billing::InvoiceMoney>& events) {
    std::set<std::string> users;
    for (const auto& ev : events) users.insert(ev.username);
    return std::vector<std::string>(users.begin(), users.end());
  }

  PartnerStore& st_;
  std::string tenantId_;
  int64_t at_;
  std::map<std::string, std::map<int64_t, Attribution>> attributions_;
  std::map<std::string, PartnerBooks> partners_;
  std::vector<std::pair<std::string, cm::Entry>> pending_;
  int64_t written_ = 0;
};

std::string plainAmount(int64_t minor, const std::string& currency) {
  std::string s = money(minor, currency);
  return s.substr(0, s.find(' '));
}

}  // namespace

std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos && (s.empty() || (s[0] != '=' && s[0] != '+' && s[0] != '-' && s[0] != '@')))
    return s;
  std::string out = "\"";
  if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@')) out += "'";  // no formulas in a sheet
  for (char ch : s) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

core::Result<int64_t> PartnerService::runTenant(const std::string& tenantId, int64_t batch) {
  int64_t written = 0;
  TermsCache cache;  // partners' terms, read once for the whole run
  for (;;) {
    int64_t looked = 0, unitWritten = 0;
    EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
      looked = unitWritten = 0;
      PartnerStore st(tx);
      EDGE_ASSIGN_OR_RETURN(int64_t from, st.progress(tenantId));
      int64_t last = from;
      EDGE_ASSIGN_OR_RETURN(std::vector<mgmt::billing::InvoiceMoney> events,
                            mgmt::billing::invoiceMoneyAfter(tx, tenantId, from, batch, last));
      looked = last - from;
      UnitBooks unit(st, tenantId, d_.clock.unixSeconds());
      EDGE_RETURN_IF_ERROR(unit.loadAttributions(events));
      // The partner of each event: the one the account belonged to when the invoice was issued.
      std::vector<const Attribution*> partnerOf(events.size(), nullptr);
      std::map<std::string, std::vector<std::string>> invoices;
      for (size_t i = 0; i < events.size(); ++i) {
        const Attribution* attr = unit.attributionAt(events[i].username, events[i].issueDay);
        if (!attr || attr->partnerId.empty()) continue;
        partnerOf[i] = attr;
        invoices[attr->partnerId].push_back(events[i].invoiceId);
      }
      for (auto& [partnerId, ids] : invoices) {
        EDGE_RETURN_IF_ERROR(cache.get(st, partnerId).status());
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
      }
      EDGE_RETURN_IF_ERROR(unit.load(invoices, events));
      for (size_t i = 0; i < events.size(); ++i) {
        if (!partnerOf[i]) continue;
        const mgmt::billing::InvoiceMoney& ev = events[i];
        const Attribution& attr = *partnerOf[i];
        EDGE_ASSIGN_OR_RETURN(const auto* pt, cache.get(st, attr.partnerId));
        UnitBooks::PartnerBooks& books = unit.of(attr.partnerId);
        if (ev.reversal) {
          const PartnerTerms& terms = pt->second;
          // A credit note (amount 0) reverses the invoice; a refund or chargeback (billing's
          // "reversal", amount > 0) the payment it took back from, as `partner chargeback` does by hand.
          if (ev.amount == 0)
            EDGE_RETURN_IF_ERROR(cm::onReversal(books, [&](int64_t d) { return terms.planAt(d); }, ev.invoiceId, "", 0,
                                                ev.day, "cn:" + ev.paymentId));
          else
            EDGE_RETURN_IF_ERROR(cm::onReversal(books, [&](int64_t d) { return terms.planAt(d); }, ev.invoiceId,
                                                ev.paymentId, ev.amount, ev.day, "cb:" + ev.paymentId));
        } else {
          if (pt->first.status != "active") continue;  // a suspended partner earns nothing meanwhile
          cm::Payment p{tenantId, ev.username, ev.invoiceId, ev.paymentId, ev.day, ev.issueDay, ev.amount, ev.net, ev.total};
          EDGE_RETURN_IF_ERROR(cm::onPayment(books, pt->second.terms(ev.day, attr.fromDay), p));
        }
      }
      EDGE_RETURN_IF_ERROR(unit.flush());
      unitWritten = unit.written();
      if (last != from) EDGE_RETURN_IF_ERROR(st.setProgress(tenantId, last));
      return core::Status::ok();
    }));
    written += unitWritten;
    if (looked < batch) break;
  }
  return written;
}

ControlReply PartnerService::run(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "batch"}));
  const Who who = whoOf(caller);
  EDGE_RETURN_IF_ERROR(refusePartnerCaller(who));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> batch, a.integer("batch", 1, 100000));
  std::vector<Tenant> tenants;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        if (who.platform && !a.has("tenant")) {
          EDGE_ASSIGN_OR_RETURN(tenants, tenancy::TenantStore(tx).list(""));
          return core::Status::ok();
        }
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
        tenants = {t};
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  int64_t entries = 0;
  for (const Tenant& t : tenants) {
    core::Status failed;
    EDGE_ASSIGN_OR_RETURN(bool ran, d_.storage.withSingletonLock("commissions:" + t.id, [&]() -> core::Status {
      core::Result<int64_t> n = runTenant(t.id, batch.value_or(2000));
      if (!n.isOk()) return n.status();
      entries += *n;
      return core::Status::ok();
    }));
    if (!ran) return ControlReply::error(core::unavailable("a commission run of '" + t.name + "' is going on; try again"));
  }
  return ControlReply::success("commission run: " + std::to_string(entries) + " ledger entries over " +
                                   std::to_string(tenants.size()) + " tenants",
                               Json{{"entries", entries}, {"tenants", tenants.size()}});
}

ControlReply PartnerService::chargeback(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "payment", "date"}));
  const Who who = whoOf(caller);
  EDGE_RETURN_IF_ERROR(refusePartnerCaller(who));
  EDGE_ASSIGN_OR_RETURN(std::string payment, a.required("payment"));
  EDGE_ASSIGN_OR_RETURN(int64_t day, dayArg(a, "date", today()));
  int64_t back = 0;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
    PartnerStore st(tx);
    EDGE_ASSIGN_OR_RETURN(std::vector<cm::Entry> earned, st.entriesOfPayment(payment));
    // One reversal per (partner, invoice) the payment earned on.
    std::map<std::pair<std::string, std::string>, int64_t> targets;
    for (const cm::Entry& e : earned) {
      if (e.tenantId != t.id) continue;
      std::string partnerId = e.ref.substr(0, e.ref.find('\n'));
      targets[{partnerId, e.invoiceId}] = 0;
    }
    if (targets.empty()) return core::notFound("payment: '" + payment + "' earned no commission in this tenant");
    TermsCache cache;
    for (const auto& [key, unused] : targets) {
      EDGE_ASSIGN_OR_RETURN(const auto* pt, cache.get(st, key.first));
      StoreBooks books(st, key.first, d_.clock.unixSeconds());
      EDGE_ASSIGN_OR_RETURN(int64_t before, st.balance(key.first, INT64_MAX / 2));
      // What the payment put on the invoice: the engine takes it off the invoice's paid amount.
      EDGE_ASSIGN_OR_RETURN(int64_t amount, mgmt::billing::allocatedAmount(tx, payment, key.second));
      const PartnerTerms& terms = pt->second;
      EDGE_RETURN_IF_ERROR(cm::onReversal(books, [&](int64_t d) { return terms.planAt(d); }, key.second, payment, amount,
                                          day, "cb:" + payment));
      EDGE_ASSIGN_OR_RETURN(int64_t after, st.balance(key.first, INT64_MAX / 2));
      back += before - after;
    }
    return core::Status::ok();
  }));
  return ControlReply::success("chargeback of " + payment + ": commission taken back", Json{{"clawed-back-minor", back}});
}

ControlReply PartnerService::bonus(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "partner", "quarter"}));
  const Who who = whoOf(caller);
  EDGE_RETURN_IF_ERROR(refusePartnerCaller(who));
  EDGE_ASSIGN_OR_RETURN(std::string id, a.required("partner"));
  EDGE_ASSIGN_OR_RETURN(std::string q, a.required("quarter"));  // 2026-Q1
  if (q.size() != 7 || q.substr(4, 2) != "-Q" || q[6] < '1' || q[6] > '4')
    return ControlReply::error(core::invalidArgument("quarter: expected a quarter such as 2026-Q1"));
  const int64_t year = std::stoll(q.substr(0, 4));
  const int64_t first = year * 100 + (q[6] - '1') * 3 + 1;
  const int64_t endDay = cm::monthStartDay(cm::nextMonth(cm::nextMonth(cm::nextMonth(first)))) - 1;
  if (endDay >= today()) return ControlReply::error(core::failedPrecondition("quarter: " + q + " is not over yet"));
  Json j;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    PartnerStore st(tx);
    EDGE_ASSIGN_OR_RETURN(Partner p, reachablePartner(st, who, id));
    EDGE_ASSIGN_OR_RETURN(PartnerTerms terms, PartnerTerms::load(st, p));
    StoreBooks books(st, p.id, d_.clock.unixSeconds());
    EDGE_ASSIGN_OR_RETURN(int64_t volume, cm::quarterVolume(books, first));
    const cm::Plan plan = terms.planAt(endDay);
    j = {{"quarter", q}, {"volume", money(volume, p.currency)}, {"target", money(plan.bonusTargetMinor, p.currency)}};
    if (plan.bonusMinor == 0 || volume < plan.bonusTargetMinor) {
      j["bonus"] = money(0, p.currency);
      return core::Status::ok();
    }
    const std::string ref = "bonus:" + q;
    EDGE_ASSIGN_OR_RETURN(std::vector<cm::Entry> done, st.entries(p.id, endDay, endDay, 100000));
    for (const cm::Entry& e : done)
      if (e.ref == ref) {
        j["bonus"] = money(e.amount, p.currency);
        return core::Status::ok();
      }
    cm::Entry e;
    e.kind = cm::EntryKind::kBonus;
    e.part = "bonus";
    e.exact = plan.bonusMinor * cm::kExactPerMinor;
    e.day = endDay;
    e.period = cm::monthOf(endDay);
    e.releaseDay = endDay + p.holdDays;
    e.ref = ref;
    EDGE_RETURN_IF_ERROR(cm::post(books, e));
    j["bonus"] = money(plan.bonusMinor, p.currency);
    return core::Status::ok();
  }));
  return ControlReply::success("quarterly bonus of " + id + " for " + q + ": " + j["bonus"].get<std::string>(), j);
}

ControlReply PartnerService::ledger(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "partner", "from", "to", "limit"}));
  const Who who = whoOf(caller);
  std::string id = who.partnerId;
  if (a.has("partner")) {
    EDGE_ASSIGN_OR_RETURN(id, a.required("partner"));
  }
  if (id.empty()) return ControlReply::error(core::invalidArgument("partner: which partner"));
  EDGE_ASSIGN_OR_RETURN(int64_t from, dayArg(a, "from", 0));
  EDGE_ASSIGN_OR_RETURN(int64_t to, dayArg(a, "to", today() + 36500));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, a.integer("limit", 1, 100000));
  Json out = Json::array();
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        PartnerStore st(tx);
        EDGE_ASSIGN_OR_RETURN(Partner p, reachablePartner(st, who, id));
        EDGE_ASSIGN_OR_RETURN(std::vector<cm::Entry> es, st.entries(p.id, from, to, limit.value_or(1000)));
        for (const cm::Entry& e : es) out.push_back(entryJson(e, p.currency));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success(std::to_string(out.size()) + " entries", Json{{"entries", out}});
}

ControlReply PartnerService::statement(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "partner", "period"}));
  const Who who = whoOf(caller);
  std::string id = who.partnerId;
  if (a.has("partner")) {
    EDGE_ASSIGN_OR_RETURN(id, a.required("partner"));
  }
  if (id.empty()) return ControlReply::error(core::invalidArgument("partner: which partner"));
  EDGE_ASSIGN_OR_RETURN(int64_t month, monthArg(a, "period"));
  const bool closed = cm::monthStartDay(cm::nextMonth(month)) <= today();
  Json j;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    PartnerStore st(tx);
    EDGE_ASSIGN_OR_RETURN(Partner p, reachablePartner(st, who, id));
    EDGE_ASSIGN_OR_RETURN(Statement s, computeStatement(st, p.id, month));
    if (closed) {
      // A closed month's statement is written once; later reads show what was stated.
      EDGE_ASSIGN_OR_RETURN(bool fresh, st.insertStatement(s, d_.clock.unixSeconds()));
      if (!fresh) {
        EDGE_ASSIGN_OR_RETURN(std::vector<Statement> all, st.statements(p.id));
        for (const Statement& x : all)
          if (x.period == month) s = x;
      }
    }
    j = statementJson(s, p.currency);
    j["closed"] = closed;
    EDGE_ASSIGN_OR_RETURN(std::vector<cm::Entry> es,
                          st.entries(p.id, cm::monthStartDay(month), cm::monthStartDay(cm::nextMonth(month)) - 1, 100000));
    j["lines"] = Json::array();
    for (const cm::Entry& e : es) j["lines"].push_back(entryJson(e, p.currency));
    return core::Status::ok();
  }));
  return ControlReply::success("statement " + j["period"].get<std::string>() + " of " + id + ": closing " +
                                   j["closing"].get<std::string>(),
                               j);
}

ControlReply PartnerService::approvePayout(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "partner", "date"}));
  const Who who = whoOf(caller);
  EDGE_RETURN_IF_ERROR(refusePartnerCaller(who));
  EDGE_ASSIGN_OR_RETURN(std::string id, a.required("partner"));
  EDGE_ASSIGN_OR_RETURN(int64_t day, dayArg(a, "date", today()));
  Payout po;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    PartnerStore st(tx);
    EDGE_ASSIGN_OR_RETURN(Partner p, reachablePartner(st, who, id));
    // Not before the partner accepted the current agreement (program_service.h).
    EDGE_RETURN_IF_ERROR(requireCurrentAgreement(tx, p.id));
    EDGE_ASSIGN_OR_RETURN(int64_t balance, st.balance(p.id, day));
    EDGE_ASSIGN_OR_RETURN(int64_t hold, st.onHold(p.id, day));
    const int64_t payable = balance - hold;
    if (payable <= 0 || payable < p.minPayout)
      return core::failedPrecondition("partner: " + money(std::max<int64_t>(payable, 0), p.currency) +
                                      " is payable, below the minimum payout of " + money(p.minPayout, p.currency));
    po = Payout{"po-" + core::pki::randomHex(6), p.id, p.currency, "approved", "", payable, day, 0, d_.clock.unixSeconds(), "", 0, ""};
    po.endToEndId = "E2E-" + po.id.substr(3);
    EDGE_RETURN_IF_ERROR(st.insertPayout(po));
    cm::Entry e;
    e.kind = cm::EntryKind::kPayout;
    e.part = "payout";
    e.amount = -payable;
    e.day = day;
    e.period = cm::monthOf(day);
    e.releaseDay = day;
    e.paymentId = po.id;
    e.ref = "payout:" + po.id;
    StoreBooks books(st, p.id, po.createdAt);
    return cm::post(books, e);
  }));
  return ControlReply::success("payout " + po.id + " of " + money(po.amount, po.currency) + " approved",
                               Json{{"id", po.id}, {"amount", money(po.amount, po.currency)}, {"amount-minor", po.amount},
                                    {"end-to-end-id", po.endToEndId}});
}

ControlReply PartnerService::markPaid(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "payout", "date"}));
  const Who who = whoOf(caller);
  EDGE_RETURN_IF_ERROR(refusePartnerCaller(who));
  EDGE_ASSIGN_OR_RETURN(std::string id, a.required("payout"));
  EDGE_ASSIGN_OR_RETURN(int64_t day, dayArg(a, "date", today()));
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    PartnerStore st(tx);
    EDGE_ASSIGN_OR_RETURN(std::optional<Payout> po, st.payout(id));
    if (!po) return core::notFound("payout: no payout '" + id + "'");
    core::Result<Partner> p = reachablePartner(st, who, po->partnerId);
    if (!p.isOk()) return core::notFound("payout: no payout '" + id + "'");
    if (po->status == "paid") return core::Status::ok();
    return st.markPaid(id, day);
  }));
  return ControlReply::success("payout " + id + " marked paid");
}

ControlReply PartnerService::payouts(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "partner", "status", "format"}));
  const Who who = whoOf(caller);
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> status, a.text("status"));
  if (status && *status != "approved" && *status != "paid")
    return ControlReply::error(core::invalidArgument("status: approved or paid"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> format, a.text("format"));
  if (format && *format != "json" && *format != "csv") return ControlReply::error(core::invalidArgument("format: json or csv"));
  Json out = Json::array();
  std::string csv = "payout,partner,name,amount,currency,status,approved,paid,end_to_end_id\n";
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        PartnerStore st(tx);
        std::vector<Partner> reach;
        std::string id = who.partnerId;
        if (a.has("partner")) {
          EDGE_ASSIGN_OR_RETURN(id, a.required("partner"));
        }
        if (!id.empty()) {
          EDGE_ASSIGN_OR_RETURN(Partner p, reachablePartner(st, who, id));
          reach.push_back(p);
        } else if (who.platform && !a.has("tenant")) {
          EDGE_ASSIGN_OR_RETURN(reach, st.partners(std::nullopt));
        } else {
          EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
          EDGE_ASSIGN_OR_RETURN(reach, st.partners(t.id));
        }
        for (const Partner& p : reach) {
          EDGE_ASSIGN_OR_RETURN(std::vector<Payout> ps, st.payouts(p.id, status.value_or("")));
          for (const Payout& x : ps) {
            out.push_back({{"id", x.id}, {"partner", x.partnerId}, {"amount", money(x.amount, x.currency)},
                           {"amount-minor", x.amount}, {"status", x.status},
                           {"approved", ::billing::formatDay(x.approvedDay)},
                           {"paid", x.paidDay ? ::billing::formatDay(x.paidDay) : ""}, {"end-to-end-id", x.endToEndId},
                           {"batch", x.batchId}, {"bank-ref", x.bankRef}});
            csv += x.id + "," + p.id + "," + csvField(p.name) + "," + plainAmount(x.amount, x.currency) + "," + x.currency +
                   "," + x.status + "," + ::billing::formatDay(x.approvedDay) + "," +
                   (x.paidDay ? ::billing::formatDay(x.paidDay) : "") + "," + x.endToEndId + "\n";
          }
        }
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  if (format.value_or("json") == "csv") return ControlReply::success(csv, Json{{"csv", csv}});
  return ControlReply::success(std::to_string(out.size()) + " payouts", Json{{"payouts", out}});
}

ControlReply PartnerService::verify(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant"}));
  const Who who = whoOf(caller);
  EDGE_RETURN_IF_ERROR(refusePartnerCaller(who));
  Json problems = Json::array();
  int64_t partnersChecked = 0, statementsChecked = 0, entriesChecked = 0;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        PartnerStore st(tx);
        std::vector<Partner> ps;
        if (who.platform && !a.has("tenant")) {
          EDGE_ASSIGN_OR_RETURN(ps, st.partners(std::nullopt));
        } else {
          EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
          EDGE_ASSIGN_OR_RETURN(ps, st.partners(t.id));
        }
        for (const Partner& p : ps) {
          ++partnersChecked;
          auto problem = [&](const std::string& what) { problems.push_back(p.id + ": " + what); };
          // The ledger: seq 1..n without a gap; the amounts are the rounded exact total.
          EDGE_ASSIGN_OR_RETURN(auto range, st.seqRange(p.id));
          if (range.first != range.second)
            problem(std::to_string(range.first) + " entries numbered up to " + std::to_string(range.second));
          EDGE_ASSIGN_OR_RETURN(auto sums, st.sums(p.id));
          EDGE_ASSIGN_OR_RETURN(int64_t exact, st.exactTotal(p.id));
          if (sums.second != exact) problem("the entries' exact contributions do not add up to the running total");
          EDGE_ASSIGN_OR_RETURN(std::vector<cm::Entry> es, st.entries(p.id, INT64_MIN / 2, INT64_MAX / 2, INT64_MAX / 2));
          int64_t payouts = 0;
          for (const cm::Entry& e : es) {
            ++entriesChecked;
            if (e.kind == cm::EntryKind::kPayout) payouts += e.amount;
            if (e.kind != cm::EntryKind::kAccrual) continue;
            // Traced to billing: the money this entry was computed from exists there.
            EDGE_ASSIGN_OR_RETURN(bool traced, mgmt::billing::moneyOnInvoiceExists(tx, e.tenantId, e.invoiceId, e.paymentId));
            if (!traced) problem("entry " + std::to_string(e.seq) + " names invoice " + e.invoiceId + " and payment " +
                                 e.paymentId + ", which billing does not have");
          }
          if (cm::roundExact(exact) + payouts != sums.first)
            problem("the entries sum to " + money(sums.first, p.currency) + ", the rounded total says " +
                    money(cm::roundExact(exact) + payouts, p.currency));
          // Every stated month, again from the ledger.
          EDGE_ASSIGN_OR_RETURN(std::vector<Statement> stated, st.statements(p.id));
          for (const Statement& s : stated) {
            ++statementsChecked;
            EDGE_ASSIGN_OR_RETURN(Statement again, computeStatement(st, p.id, s.period));
            if (!(again == s))
              problem("statement " + std::to_string(s.period) + " says closing " + money(s.closing, p.currency) +
                      ", the ledger gives " + money(again.closing, p.currency));
          }
          EDGE_ASSIGN_OR_RETURN(std::vector<Payout> all, st.payouts(p.id, ""));
          int64_t approved = 0;
          for (const Payout& x : all) approved += x.amount;
          if (approved != -payouts) problem("payouts total " + money(approved, p.currency) + ", the ledger has " + money(-payouts, p.currency));
        }
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  Json j{{"partners", partnersChecked}, {"entries", entriesChecked}, {"statements", statementsChecked}, {"problems", problems}};
  if (!problems.empty())
    return ControlReply::error(core::corrupt(std::to_string(problems.size()) + " problems: " + problems[0].get<std::string>()), j);
  return ControlReply::success("partners verified: " + std::to_string(partnersChecked) + " partners, " +
                                   std::to_string(entriesChecked) + " entries, " + std::to_string(statementsChecked) +
                                   " statements",
                               j);
}

}  // namespace mgmt::partners
