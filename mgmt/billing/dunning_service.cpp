#include "mgmt/billing/dunning_service.h"

#include <algorithm>
#include <map>
#include <set>

#include "billing/invoicing/calendar.h"
#include "billing/rating/rules.h"
#include "catalog/subscriber.h"
#include "core/command_args.h"
#include "mgmt/billing/billing_internal.h"
#include "mgmt/billing/billing_store.h"
#include "mgmt/billing/dunning_policy.h"
#include "mgmt/billing/dunning_store.h"
#include "mgmt/catalog/catalog_service.h"
#include "mgmt/catalog/catalog_store.h"
#include "mgmt/customers/customer_store.h"
#include "mgmt/mail/outbox.h"
#include "mgmt/tenancy/tenancy_service.h"

namespace mgmt::billing {

using core::CommandArgs;
using core::ControlReply;
using core::Json;
using tenancy::Caller;
using tenancy::Tenant;

namespace {

core::Status rateOk(const std::string& rate) { return ::billing::parseRatePair(rate).status(); }

core::Result<DunningPolicy> parsePolicy(const std::string& text) {
  return parseDunningPolicy(text, mail::templateNames(), &rateOk);
}

// The tenant's policy as stored; none set: an empty one (dunning off).
core::Result<DunningPolicy> policyOf(DunningStore& st, const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> text, st.policy(tenantId));
  if (!text) return DunningPolicy{};
  core::Result<DunningPolicy> p = parsePolicy(*text);
  if (!p.isOk()) return core::corrupt("the stored dunning policy of tenant " + tenantId + ": " + p.status().message());
  return p;
}

int64_t daysPastDue(const DunningCandidate& c, int64_t day) { return c.oldestDue == 0 ? 0 : day - c.oldestDue; }

DunningStanding standingOf(const DunningCandidate& c) {
  DunningStanding s;
  if (!c.hasState) return s;
  s.step = static_cast<int>(c.state.step);
  s.action = c.state.action;
  s.dunning = c.state.dunning;
  s.rate = c.state.rate;
  s.terminate = c.state.action == "terminate";
  return s;
}

// Why a subscription stands where it does; `cause` ("a payment: ") says what moved it, if not the job.
std::string why(const DunningCandidate& c, int64_t day, const std::string& cause) {
  if (c.oldestDue == 0) return cause + "nothing left open";
  return cause + std::to_string(daysPastDue(c, day)) + " days past due (oldest open invoice due " +
         ::billing::formatDay(c.oldestDue) + ")";
}

// One tenant's unit of work: its policy, the day evaluated, the pay page.
struct Work {
  store::Transaction& tx;
  const Tenant& tenant;
  const DunningPolicy& policy;
  int64_t day = 0, now = 0;
  std::string payUrl;  // "" = keep the one the subscriber carries
  int64_t mailed = 0;
};

// The reminder of the step reached, to the customer's email (none on record: no mail).
core::Status remind(Work& w, const DunningCandidate& c, const DunningStep& step) {
  EDGE_ASSIGN_OR_RETURN(std::optional<customers::Customer> who,
                        customers::CustomerStore(w.tx).findByUsername(w.tenant.id, c.username));
  if (!who || who->email.empty() || !mail::validAddress(who->email)) return core::Status::ok();
  BillingStore books(w.tx);
  EDGE_ASSIGN_OR_RETURN(std::optional<Settings> settings, books.settings(w.tenant.id));
  EDGE_ASSIGN_OR_RETURN(std::vector<Invoice> open, books.openInvoices(w.tenant.id, c.username));
  int64_t owed = 0;
  for (const Invoice& i : open) owed += i.total - i.paid;
  std::string consequence;
  switch (step.action) {
    case DunningAction::kThrottle: consequence = "Until it is paid, your connection is slowed down."; break;
    case DunningAction::kWalled: consequence = "Until it is paid, your connection only reaches the payment page."; break;
    case DunningAction::kSuspend: consequence = "Your service is suspended until it is paid."; break;
    case DunningAction::kTerminate: consequence = "Your service has been ended."; break;
    default: consequence = "Please pay it to keep your service running."; break;
  }
  Json vars{{"customer", who->name.empty() ? c.username : who->name},
            {"days", std::to_string(daysPastDue(c, w.day))},
            {"due", ::billing::formatDay(c.oldestDue)},
            {"owed", ::billing::formatMoney(owed, settings ? settings->currency : "")},
            {"consequence", consequence},
            {"portal-url", w.payUrl}};
  EDGE_RETURN_IF_ERROR(mail::enqueue(w.tx, w.tenant.id, who->email, step.mail, vars, w.now, nullptr, c.username).status());
  ++w.mailed;
  return core::Status::ok();
}

// Moves the subscription from its standing to `to`: the state row, the log, the step's mail when the
// step rose.
core::Status move(Work& w, const DunningCandidate& c, const DunningStanding& to, const std::string& cause) {
  DunningStore st(w.tx);
  const DunningStanding from = standingOf(c);
  if (to.step == 0) {
    EDGE_RETURN_IF_ERROR(st.deleteState(w.tenant.id, c.subscriptionId));
  } else {
    DunningState s;
    s.subscriptionId = c.subscriptionId;
    s.username = c.username;
    s.step = to.step;
    s.action = to.action;
    s.dunning = to.dunning;
    s.rate = to.rate;
    s.pastDueSince = c.oldestDue;
    s.updatedAt = w.now;
    EDGE_RETURN_IF_ERROR(st.putState(w.tenant.id, s));
  }
  DunningLogRow row;
  row.subscriptionId = c.subscriptionId;
  row.username = c.username;
  row.fromStep = from.step;
  row.fromAction = from.action;
  row.toStep = to.step;
  row.toAction = to.action;
  row.day = w.day;
  row.at = w.now;
  row.reason = why(c, w.day, cause);
  EDGE_RETURN_IF_ERROR(st.appendLog(w.tenant.id, row));
  if (to.step > from.step && to.step <= static_cast<int>(w.policy.steps.size())) {
    const DunningStep& step = w.policy.steps[static_cast<size_t>(to.step - 1)];
    if (!step.mail.empty()) EDGE_RETURN_IF_ERROR(remind(w, c, step));
  }
  return core::Status::ok();
}

// The subscriber's dunning fields from the standings of all its subscriptions (the most severe);
// `terminate`: a subscription of it has just entered terminate, so it is disabled. Written only when
// something changes (each write is a new version every box fetches).
core::Status syncSubscriber(Work& w, const std::string& username, bool terminate) {
  catalog::CatalogStore catalog(w.tx);
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> text, catalog.subscriberSpec(w.tenant.id, username));
  if (!text) return core::Status::ok();  // deleted on mgmt: nothing to carry
  Json spec = Json::parse(*text, nullptr, false);
  if (spec.is_discarded() || !spec.is_object()) return core::corrupt("the stored spec of subscriber '" + username + "'");
  EDGE_ASSIGN_OR_RETURN(std::vector<DunningState> states, DunningStore(w.tx).states(w.tenant.id, username));
  std::string dunning, rate;
  for (const DunningState& s : states)
    if (dunningSeverity(s.dunning) > dunningSeverity(dunning) ||
        (dunningSeverity(s.dunning) == dunningSeverity(dunning) && rate.empty())) {
      dunning = s.dunning;
      rate = s.rate;
    }
  auto current = [&spec](const char* key) {
    return spec.contains(key) && spec[key].is_string() ? spec[key].get<std::string>() : std::string();
  };
  std::string url;
  if (!dunning.empty()) url = !w.payUrl.empty() ? w.payUrl : current("dunning-url");
  const bool disable = terminate && current("status") != "disabled";
  if (!disable && current("dunning") == dunning && current("dunning-rate") == rate && current("dunning-url") == url)
    return core::Status::ok();
  // Written as values, '' included: a box applies the whole spec, and '' is what clears (absent
  // would mean "unchanged").
  spec["dunning"] = dunning;
  spec["dunning-rate"] = rate;
  spec["dunning-url"] = url;
  if (disable) spec["status"] = "disabled";
  return catalog::putSubscriber(w.tx, w.tenant, spec, "mgmt", w.now);
}

// The candidates of one customer moved to where they stand on `w.day`; `downOnly` (a payment) never
// moves one up. Returns how many moved.
core::Result<int64_t> settleCustomer(Work& w, const std::string& username, bool downOnly, const std::string& cause) {
  EDGE_ASSIGN_OR_RETURN(std::vector<DunningCandidate> cs, DunningStore(w.tx).candidates(w.tenant.id, username));
  int64_t moved = 0;
  bool terminate = false;
  for (const DunningCandidate& c : cs) {
    const DunningStanding now = standingOf(c);
    const DunningStanding to = standingAt(w.policy, daysPastDue(c, w.day));
    if (to == now) continue;
    if (downOnly && to.step >= now.step) continue;
    EDGE_RETURN_IF_ERROR(move(w, c, to, cause));
    if (to.terminate && !now.terminate) terminate = true;
    ++moved;
  }
  if (moved > 0) EDGE_RETURN_IF_ERROR(syncSubscriber(w, username, terminate));
  return moved;
}

Json stateJson(const DunningState& s, int64_t today) {
  return Json{{"subscription", s.subscriptionId},
              {"customer", s.username},
              {"step", s.step},
              {"action", s.action},
              {"dunning", s.dunning},
              {"dunning-rate", s.rate},
              {"past-due-since", s.pastDueSince == 0 ? "" : ::billing::formatDay(s.pastDueSince)},
              {"days-past-due", s.pastDueSince == 0 ? 0 : today - s.pastDueSince},
              {"updated-at", s.updatedAt}};
}

Json logJson(const DunningLogRow& l) {
  return Json{{"id", l.id},           {"subscription", l.subscriptionId}, {"customer", l.username},
              {"from-step", l.fromStep}, {"from", l.fromAction},           {"to-step", l.toStep},
              {"to", l.toAction},       {"day", ::billing::formatDay(l.day)}, {"at", l.at},
              {"reason", l.reason}};
}

}  // namespace

core::Status restoreAfterPayment(store::Transaction& tx, const std::string& tenantId, const std::string& username,
                                 int64_t day, int64_t now) {
  DunningStore st(tx);
  EDGE_ASSIGN_OR_RETURN(std::vector<DunningState> states, st.states(tenantId, username));
  if (states.empty()) return core::Status::ok();
  EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::loadTenant(tx, tenantId));
  EDGE_ASSIGN_OR_RETURN(DunningPolicy policy, policyOf(st, tenantId));
  Work w{tx, t, policy, day, now, "", 0};
  return settleCustomer(w, username, true, "a payment: ").status();
}

DunningService::DunningService(Deps deps) : d_(std::move(deps)) {}

core::Result<bool> DunningService::tenantInDunning(store::Transaction& tx, const std::string& tenantId) {
  return DunningStore(tx).anyState(tenantId);
}

core::Result<DunningService::Report> DunningService::runTenant(const std::string& tenantId, int64_t day) {
  Report r;
  r.tenants = 1;
  // Who may move: one read (small rows); then each customer again in a write unit of work, where
  // what is read decides (another mgmtd or a payment may have moved it meanwhile).
  std::vector<std::string> due;
  std::string tenantName;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        due.clear();
        r.subscriptions = 0;
        DunningStore st(tx);
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::loadTenant(tx, tenantId));
        tenantName = t.name;
        EDGE_ASSIGN_OR_RETURN(DunningPolicy policy, policyOf(st, tenantId));
        EDGE_ASSIGN_OR_RETURN(std::vector<DunningCandidate> cs, st.candidates(tenantId, ""));
        std::set<std::string> users;
        for (const DunningCandidate& c : cs) {
          ++r.subscriptions;
          if (!(standingAt(policy, daysPastDue(c, day)) == standingOf(c))) users.insert(c.username);
        }
        due.assign(users.begin(), users.end());
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  // The pay page as every box will check it (https, bounded): one it would refuse is not sent.
  std::string url = d_.payUrl ? d_.payUrl(tenantName) : std::string();
  if (!url.empty() && !::catalog::parseSubscriberFields(CommandArgs(Json{{"dunning-url", url}})).isOk()) url.clear();
  // Customers `from`..`to` in one unit of work.
  auto settle = [&](size_t from, size_t to, int64_t& moved, int64_t& mailed) {
    return d_.storage.transact([&](store::Transaction& tx) -> core::Status {
      moved = 0;
      mailed = 0;
      DunningStore st(tx);
      EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::loadTenant(tx, tenantId));
      EDGE_ASSIGN_OR_RETURN(DunningPolicy policy, policyOf(st, tenantId));
      Work w{tx, t, policy, day, d_.clock.unixSeconds(), url, 0};
      for (size_t i = from; i < to; ++i) {
        EDGE_ASSIGN_OR_RETURN(int64_t n, settleCustomer(w, due[i], false, ""));
        moved += n;
      }
      mailed = w.mailed;
      return core::Status::ok();
    });
  };
  constexpr size_t kCustomersPerUnit = 100;
  for (size_t from = 0; from < due.size(); from += kCustomersPerUnit) {
    const size_t to = std::min(due.size(), from + kCustomersPerUnit);
    int64_t moved = 0, mailed = 0;
    core::Status s = settle(from, to, moved, mailed);
    if (s.code() == core::Code::kUnavailable) return s;  // the database: the next run goes on
    if (!s.isOk()) {
      // One customer the unit of work refused (a subscriber spec a box would not take, say) must not
      // hold up the others: each on its own, the failures counted and the first one reported.
      for (size_t i = from; i < to; ++i) {
        int64_t m = 0, n = 0;
        core::Status one = settle(i, i + 1, m, n);
        if (!one.isOk()) {
          if (r.failed++ == 0) r.firstFailure = "'" + due[i] + "': " + one.message();
          continue;
        }
        moved += m;
        mailed += n;
      }
    }
    r.moved += moved;
    r.mailed += mailed;
  }
  return r;
}

core::Result<DunningService::Report> DunningService::runAll(int64_t day) {
  std::vector<std::string> tenants;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(tenants, DunningStore(tx).tenantsToRun());
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  Report total;
  for (const std::string& id : tenants) {
    Report r;
    EDGE_ASSIGN_OR_RETURN(bool ran, d_.storage.withSingletonLock("dunning:" + id, [&]() -> core::Status {
      EDGE_ASSIGN_OR_RETURN(r, runTenant(id, day));
      return core::Status::ok();
    }));
    if (!ran) continue;
    total.tenants += 1;
    total.subscriptions += r.subscriptions;
    total.moved += r.moved;
    total.mailed += r.mailed;
    if (total.failed == 0 && r.failed > 0) total.firstFailure = r.firstFailure;
    total.failed += r.failed;
  }
  return total;
}

ControlReply DunningService::getPolicy(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant"}));
  Json out;
  std::string name;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
        name = t.name;
        DunningStore st(tx);
        EDGE_ASSIGN_OR_RETURN(std::optional<std::string> text, st.policy(t.id));
        EDGE_ASSIGN_OR_RETURN(DunningPolicy p, policyOf(st, t.id));
        out = Json{{"tenant", t.name},
                   {"set", text.has_value()},
                   {"steps", dunningPolicyJson(p)},
                   {"default", dunningPolicyJson(defaultDunningPolicy())}};
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  const size_t n = out["steps"].size();
  return ControlReply::success(n == 0 ? "dunning is off for tenant '" + name + "' (dunning-policy set --steps default)"
                                      : std::to_string(n) + " dunning steps for tenant '" + name + "'",
                               out);
}

ControlReply DunningService::setPolicy(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "steps"}));
  EDGE_ASSIGN_OR_RETURN(std::string text, a.required("steps"));
  DunningPolicy p;
  if (text == "default") {
    p = defaultDunningPolicy();
  } else if (text == "off") {
    p = DunningPolicy{};
  } else {
    EDGE_ASSIGN_OR_RETURN(p, parsePolicy(text));
  }
  const std::string stored = dunningPolicyJson(p).dump();
  std::string name;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
    name = t.name;
    return DunningStore(tx).putPolicy(t.id, stored, d_.clock.unixSeconds());
  }));
  return ControlReply::success(
      (p.steps.empty() ? "dunning is off for tenant '" + name + "'"
                       : std::to_string(p.steps.size()) + " dunning steps set for tenant '" + name + "'") +
          "; the next dunning run (every 10 minutes, or dunning-run) applies it",
      Json{{"tenant", name}, {"steps", dunningPolicyJson(p)}});
}

ControlReply DunningService::run(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "date"}));
  EDGE_ASSIGN_OR_RETURN(int64_t day, dayArg(a, "date", today()));
  Report r;
  if (caller.platform() && !args.contains("tenant")) {
    EDGE_ASSIGN_OR_RETURN(r, runAll(day));
  } else {
    std::string id, name;
    EDGE_RETURN_IF_ERROR(d_.storage.transact(
        [&](store::Transaction& tx) -> core::Status {
          EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
          id = t.id;
          name = t.name;
          return core::Status::ok();
        },
        store::Storage::Mode::kReadOnly));
    EDGE_ASSIGN_OR_RETURN(bool ran, d_.storage.withSingletonLock("dunning:" + id, [&]() -> core::Status {
      EDGE_ASSIGN_OR_RETURN(r, runTenant(id, day));
      return core::Status::ok();
    }));
    if (!ran) return ControlReply::error(core::failedPrecondition("a dunning run of tenant '" + name + "' is in progress"));
  }
  Json out{{"tenants", r.tenants}, {"subscriptions", r.subscriptions}, {"moved", r.moved},
           {"mailed", r.mailed},   {"failed", r.failed},               {"date", ::billing::formatDay(day)}};
  if (r.failed > 0) out["first-failure"] = r.firstFailure;
  return ControlReply::success(std::to_string(r.moved) + " subscriptions moved, " + std::to_string(r.mailed) +
                                   " reminders as of " + ::billing::formatDay(day) +
                                   (r.failed > 0 ? "; " + std::to_string(r.failed) + " customers failed, first " +
                                                       r.firstFailure
                                                 : std::string()),
                               out);
}

ControlReply DunningService::status(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "username", "subscription", "limit"}));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> username, a.text("username"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> subscription, a.text("subscription"));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, a.integer("limit", 1, 10000));
  Json out;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
        DunningStore st(tx);
        std::string user = username.value_or("");
        if (subscription) {
          // The subscription must be the tenant's: another tenant's id is not found, like a missing one.
          EDGE_ASSIGN_OR_RETURN(std::optional<Subscription> s, BillingStore(tx).subscription(t.id, *subscription));
          if (!s) return core::notFound("subscription: no subscription '" + *subscription + "'");
          if (!user.empty() && user != s->username)
            return core::invalidArgument("subscription '" + *subscription + "' is not one of '" + user + "'");
          user = s->username;
        } else if (!user.empty()) {
          EDGE_ASSIGN_OR_RETURN(bool exists, catalog::subscriberExists(tx, t.id, user));
          if (!exists) return core::notFound("username: no subscriber '" + user + "' in tenant '" + t.name + "'");
        }
        std::vector<DunningState> states;
        if (user.empty()) {
          EDGE_ASSIGN_OR_RETURN(states, st.allStates(t.id, limit.value_or(1000)));
        } else {
          EDGE_ASSIGN_OR_RETURN(states, st.states(t.id, user));
        }
        Json list = Json::array();
        for (const DunningState& s : states)
          if (!subscription || s.subscriptionId == *subscription) list.push_back(stateJson(s, today()));
        EDGE_ASSIGN_OR_RETURN(std::vector<DunningLogRow> log,
                              st.log(t.id, user, subscription.value_or(""), limit.value_or(100)));
        Json logList = Json::array();
        for (const DunningLogRow& l : log) logList.push_back(logJson(l));
        out = Json{{"tenant", t.name}, {"in-dunning", list}, {"log", logList}};
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success(std::to_string(out["in-dunning"].size()) + " subscriptions in dunning", out);
}

namespace {

using Serve = ControlReply (DunningService::*)(const Json&, const Caller&);

core::command::Table::Handler scoped(DunningService& s, Serve serve) {
  return tenancy::scoped([&s, serve](const Json& args, const tenancy::Caller& c) { return (s.*serve)(args, c); });
}

}  // namespace

void bindDunningCommands(core::command::Table& table, DunningService& s) {
  table.bind("dunning-policy-get", scoped(s, &DunningService::getPolicy));
  table.bind("dunning-policy-set", scoped(s, &DunningService::setPolicy));
  table.bind("dunning-run", scoped(s, &DunningService::run));
  table.bind("dunning-status", scoped(s, &DunningService::status));
}

}  // namespace mgmt::billing
