#include "edge/radius/quota_service.h"

#include <algorithm>
#include <ctime>
#include <utility>

#include "aaa/auth/mac.h"
#include "aaa/auth/password_hash.h"
#include "aaa/policy/dunning.h"
#include "aaa/policy/store.h"
#include "core/command_args.h"
#include "core/log.h"
#include "core/units.h"
#include "edge/radius/quota_store.h"
#include "edge/radius/service_helpers.h"

namespace edge {

namespace {

using core::CommandArgs;
using core::ControlReply;
using core::Json;
using aaa::policy::Decision;
using aaa::policy::Plan;
using aaa::policy::RejectReason;
using aaa::policy::Subscriber;

std::string rateText(const billing::Rate& r) { return core::formatRate(r.downBps) + "/" + core::formatRate(r.upBps); }

std::string localTime(int64_t unix) {
  if (unix == 0) return "";
  time_t t = static_cast<time_t>(unix);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M %Z", &tm);
  return buf;
}

std::string tierText(const billing::BillingRules& b, int tier) {
  if (tier < 0 || static_cast<size_t>(tier) >= b.tiers.size()) return "";
  return "tier " + std::to_string(tier + 1) + " (" + billing::formatFup(b.tiers[static_cast<size_t>(tier)]) + ")";
}

// Why a decision came out as it did, in sentences (subscriber explain).
std::vector<std::string> explainDecision(const Decision& d, const Subscriber& s, const Plan* plan) {
  std::vector<std::string> out;
  if (plan != nullptr) {
    out.push_back("plan '" + plan->name + "': " + rateText(billing::Rate{plan->downBps, plan->upBps}) +
                  (plan->billing.period.anchor == billing::PeriodAnchor::kSubscriber ? ", period " : ", period ") +
                  billing::formatPeriod(plan->billing.period) +
                  (plan->billing.period.anchor == billing::PeriodAnchor::kSubscriber ? " from the subscriber's start"
                                                                                    : " (calendar)"));
  }
  if (!d.accept && !d.billed) {
    out.push_back(std::string("rejected: ") + aaa::policy::rejectReasonMessage(d.reason));
    if (d.reason == RejectReason::kExpired && s.expiresAt != 0) out.push_back("account expired at " + localTime(s.expiresAt));
    if (d.reason == RejectReason::kPapOnlyCredential)
      out.push_back("the password is stored as a " + aaa::auth::passwordHashScheme(s.papHash) +
                    " hash: PAP only (imported; set a password to allow CHAP and MS-CHAPv2)");
    return out;
  }
  if (d.billed && plan != nullptr) {
    const billing::BillingRules& b = plan->billing;
    if (d.period.end != 0)
      out.push_back("billing period " + localTime(d.period.start) + " to " + localTime(d.period.end));
    if (b.hasQuota() || d.usage.bonusBytes != 0) {
      std::string data = "data counted: " + core::formatSize(d.usage.bytes);
      if (b.dataQuota != 0) data += " of the " + core::formatSize(b.dataQuota) + " quota";
      if (d.usage.bonusBytes != 0) data += ", plus " + core::formatSize(d.usage.bonusBytes) + " topped up";
      if (d.quota.remainingBytes) data += "; " + core::formatSize(*d.quota.remainingBytes) + " left before the stop";
      out.push_back(data);
    }
    if (b.timeQuota != 0) {
      std::string t = "online time: " + billing::formatDuration(d.usage.seconds) + " of " +
                      billing::formatDuration(b.timeQuota);
      if (d.usage.bonusSeconds != 0) t += ", plus " + billing::formatDuration(d.usage.bonusSeconds) + " topped up";
      out.push_back(t);
    }
    if (d.quota.tier >= 0) out.push_back("fair use: " + tierText(b, d.quota.tier) + " in force");
    else if (!b.tiers.empty()) out.push_back("fair use: below the first tier (" + billing::formatFup(b.tiers[0]) + ")");
    if (d.quota.window >= 0 && static_cast<size_t>(d.quota.window) < b.windows.size())
      out.push_back("time window " + billing::formatWindow(b.windows[static_cast<size_t>(d.quota.window)]) +
                    " in force");
    if (d.validUntil != 0)
      out.push_back(std::string(d.firstLogin ? "first login: validity starts, " : "") + "valid until " +
                    localTime(d.validUntil));
  }
  if (d.accept) {
    std::string a = "accepted at rate " + rateText(d.rate);
    if (d.sessionTimeout != 0) a += ", Session-Timeout " + std::to_string(d.sessionTimeout) + " s";
    out.push_back(a);
  } else {
    out.push_back(std::string("rejected: ") + aaa::policy::rejectReasonMessage(d.reason));
  }
  return out;
}

// What a CoA carries: the rate as a NAS reads it (the burst is the plan's business, added back by
// aaa::radius::renderRate when the rate is the plan's own).
aaa::radius::RateLimit rateLimitOf(const billing::Rate& r) {
  aaa::radius::RateLimit out;
  out.downBps = r.downBps;
  out.upBps = r.upBps;
  return out;
}

constexpr uint32_t kAcctStop = aaa::acct::kStop;

}  // namespace

QuotaService::QuotaService(Deps deps) : d_(std::move(deps)), classifierCache_(d_.snapshots) {
  lookup_ = [this](std::string_view username, int64_t periodStart) { return book_.usage(username, periodStart); };
}

core::Status QuotaService::load(core::Database& acct) {
  book_.clear();
  // The longest period is a year (365d): older counters belong to periods that are over.
  int64_t since = d_.clock.unixSeconds() - 400 * 86400;
  core::Result<std::vector<aaa::acct::QuotaRow>> rows = aaa::acct::quotaUsageSince(acct, since);
  if (!rows.isOk()) return rows.status().withContext("loading quota counters");
  for (const aaa::acct::QuotaRow& r : *rows) book_.addUsage(r.username, r.periodStart, r.bytes, r.seconds);
  core::Result<std::vector<TopupSum>> topups = topupsSince(d_.reader, since);
  if (!topups.isOk()) return topups.status().withContext("loading top-ups");
  for (const TopupSum& t : *topups) book_.addBonus(t.username, t.periodStart, t.bytes, t.seconds);
  return core::Status::ok();
}

std::optional<aaa::acct::QuotaSlot> QuotaService::classify(const std::string& username, int64_t at) {
  const aaa::policy::Snapshot& snap = classifierCache_.get();
  const Subscriber* s = snap.findSubscriber(username);
  if (s == nullptr) return std::nullopt;
  const Plan* p = snap.findPlan(s->planId);
  if (p == nullptr || !p->billing.hasQuota()) return std::nullopt;
  billing::Interval period = billing::periodAt(p->billing.period, at, aaa::policy::periodAnchorAt(*s, at));
  return aaa::acct::QuotaSlot{period.start, billing::countsAgainstData(p->billing, at)};
}

void QuotaService::onQuotaMoved(const aaa::acct::LedgerChange& change, const aaa::acct::AcctRecord* record) {
  int64_t now = d_.clock.unixSeconds();
  auto snap = d_.snapshots.current();
  for (const aaa::acct::QuotaDelta& q : change.quota) {
    billing::QuotaBook::Moved moved = book_.addUsage(q.username, q.periodStart, q.bytes, q.seconds);
    const Subscriber* s = snap->findSubscriber(q.username);
    const Plan* plan = s ? snap->findPlan(s->planId) : nullptr;
    if (plan == nullptr) continue;
    const billing::BillingRules& rules = plan->billing;
    billing::Interval period = billing::periodAt(rules.period, now, aaa::policy::periodAnchorAt(*s, now));
    if (period.start != q.periodStart) continue;  // a late record of an earlier period
    billing::Rate base{plan->downBps, plan->upBps};
    // A new period: the NAS may still apply the last period's tier, so compare with that.
    billing::QuotaDecision before =
        billing::evaluate(rules, base, moved.previousPeriod ? *moved.previousPeriod : moved.before, now);
    billing::QuotaDecision after = billing::evaluate(rules, base, moved.after, now);
    if (before.allow == after.allow && before.tier == after.tier) continue;
    Enforcement e;
    e.username = q.username;
    // The record's session, when it is the user's only live one (a Stop's session is over: the
    // session side then finds the others); else every live session, found by the session side.
    if (record != nullptr && record->username == q.username && !record->uid.empty() &&
        record->statusType != kAcctStop && d_.sessionsOnline && d_.sessionsOnline(q.username) == 1)
      e.sessions.push_back(EnforcedSession{record->uid, record->acctSessionId, record->nas, record->nasAddress,
                                           record->framedIp, record->callingStationId});
    after.rate = aaa::policy::dunnedRate(*s, after.rate);  // a throttled subscriber stays at its dunning rate
    if (!after.allow) {
      core::logInfo("quota: ", q.username, " ", after.reason, " (", core::formatSize(moved.after.bytes),
                    " counted this period); disconnecting");
      e.kind = aaa::radius::DynAuthKind::kDisconnect;
      e.why = "quota used up";
    } else {
      core::logInfo("quota: ", q.username, after.tier >= 0 ? " reached fair-use " + tierText(rules, after.tier)
                                                            : std::string(" is back to the full rate"),
                    " at ", core::formatSize(moved.after.bytes), moved.previousPeriod ? " (new period)" : "",
                    "; new rate ", rateText(after.rate));
      e.kind = aaa::radius::DynAuthKind::kCoa;
      e.rate = rateLimitOf(after.rate);
      e.why = "fair-use tier";
    }
    if (d_.enforce) d_.enforce(e);
  }
}

void QuotaService::onAuthorized(const aaa::radius::AuthEvent& e) {
  const Decision* d = e.decision;
  if (d == nullptr || d->subscriber == nullptr) return;  // unknown users are not remembered
  const Subscriber& sub = *d->subscriber;
  int64_t now = d_.clock.unixSeconds();
  // Remembered: rejects and billed decisions (an unbilled accept explains itself from the plan).
  if (e.accepted && !d->billed) {
    lastAuth_.forget(sub.username);
  } else {
    AuthMemory::LastAuth last;
    last.at = now;
    last.nas = std::string(e.nas);
    last.station = std::string(e.callingStationId);
    last.decision = *d;
    if (d->plan != nullptr) last.plan = d->plan->name;
    lastAuth_.remember(sub.username, std::move(last));
  }
  if (!e.accepted || sub.firstLogin != 0) return;
  // A technician's test login (edge/diagnostics) is not the subscriber's first login: no validity starts.
  if (e.nas == "diagnostics") return;
  // Recorded where it changes something: a validity, a subscriber-anchored period, a voucher (not
  // for every subscriber's first login: a million first logins would each rebuild the snapshot).
  bool anchored = d->plan != nullptr && d->plan->billing.period.anchor == billing::PeriodAnchor::kSubscriber &&
                  d->plan->billing.hasQuota();
  if (d->validUntil == 0 && !anchored && sub.voucherBatch == 0) return;

  // The first login: validity and subscriber-anchored periods start now; a voucher is bound to the
  // device that used it first (its Calling-Station-Id MAC).
  if (!firstLogins_.begin(sub.username)) return;
  auto updated = std::make_shared<Subscriber>(sub);
  updated->firstLogin = now;
  if (sub.voucherBatch != 0 && !sub.mac) {
    if (auto mac = aaa::auth::parseMac(e.callingStationId)) updated->mac = *mac;
  }
  d_.snapshots.publishSubscriberChanges({{updated->username, updated}});
  std::string mac = updated->mac ? aaa::auth::formatMac(*updated->mac) : "";
  int64_t id = sub.id;
  std::string username = sub.username;
  core::logInfo("first login: ", username, d->validUntil != 0 ? " valid until " + localTime(d->validUntil) : "",
                mac.empty() || sub.mac ? "" : " (voucher bound to " + mac + ")");
  d_.writer.submit([id, now, mac](core::Database& db) { return recordFirstLogin(db, id, now, mac); },
                   [this, username](const core::Status& s) {
                     if (!s.isOk()) core::logError("recording the first login of ", username, ": ", s.message());
                     firstLogins_.done(username);
                   });
}

Json QuotaService::billingJson(const Subscriber& s, const Plan& plan, int64_t now) const {
  Decision d;
  RejectReason r = aaa::policy::evaluateBilling(s, plan, now, lookup_, d);
  if (s.status != aaa::policy::SubscriberStatus::kActive)
    r = s.status == aaa::policy::SubscriberStatus::kSuspended ? RejectReason::kSuspended : RejectReason::kDisabled;
  else if (r == RejectReason::kNone && s.expiresAt != 0 && s.expiresAt <= now)
    r = RejectReason::kExpired;
  else if (s.dunning == aaa::policy::Dunning::kSuspend)
    r = RejectReason::kSuspendedNonPayment;
  const billing::BillingRules& b = plan.billing;
  Json j = Json::object();
  j["plan"] = plan.name;
  j["state"] = r == RejectReason::kNone ? "allowed" : aaa::policy::rejectReasonMessage(r);
  j["dunning"] = aaa::policy::dunningText(s);  // '' = not dunned (ADR 0048)
  j["price"] = b.priceMinor != 0 ? billing::formatMoney(b.priceMinor, b.currency) + " per " + billing::formatPeriod(b.period)
                                 : "";
  j["rate"] = rateText(d.rate);
  j["first-login"] = isoOrEmpty(s.firstLogin);
  j["valid-until"] = isoOrEmpty(d.validUntil);
  if (!d.billed) return j;
  j["period"] = billing::formatPeriod(b.period);
  j["period-start"] = isoOrEmpty(d.period.start);
  j["resets-at"] = isoOrEmpty(d.period.end);
  j["resets-at-local"] = localTime(d.period.end);
  j["data-used"] = d.usage.bytes;
  j["data-used-text"] = core::formatSize(d.usage.bytes);
  j["data-quota"] = b.dataQuota;
  j["data-topped-up"] = d.usage.bonusBytes;
  j["data-remaining"] = d.quota.remainingBytes ? Json(*d.quota.remainingBytes) : Json(nullptr);
  j["data-remaining-text"] = d.quota.remainingBytes ? core::formatSize(*d.quota.remainingBytes) : "unlimited";
  j["time-used"] = d.usage.seconds;
  j["time-quota"] = b.timeQuota;
  j["time-topped-up"] = d.usage.bonusSeconds;
  j["time-remaining"] = d.quota.remainingSeconds ? Json(*d.quota.remainingSeconds) : Json(nullptr);
  j["time-remaining-text"] = d.quota.remainingSeconds ? billing::formatDuration(*d.quota.remainingSeconds) : "unlimited";
  j["tier"] = d.quota.tier >= 0 ? tierText(b, d.quota.tier) : "full rate";
  j["redirect"] = d.quota.redirect;  // a "redirect" tier is reached: the portal's top-up page (gateway)
  j["window"] = d.quota.window >= 0 ? billing::formatWindow(b.windows[static_cast<size_t>(d.quota.window)]) : "";
  return j;
}

ControlReply QuotaService::topup(const Json& args) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"username", "bytes", "time", "validity", "note", "id"}));
  EDGE_ASSIGN_OR_RETURN(std::string username, a.required("username"));
  EDGE_ASSIGN_OR_RETURN(std::optional<uint64_t> bytes, a.size("bytes"));
  auto duration = [&](const char* key) -> core::Result<std::optional<uint64_t>> {
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> v, a.text(key));
    if (!v) return std::optional<uint64_t>();
    core::Result<uint64_t> d = billing::parseDuration(*v);
    if (!d.isOk()) return core::invalidArgument(std::string(key) + ": " + d.status().message());
    return std::optional<uint64_t>(*d);
  };
  EDGE_ASSIGN_OR_RETURN(std::optional<uint64_t> seconds, duration("time"));
  EDGE_ASSIGN_OR_RETURN(std::optional<uint64_t> validity, duration("validity"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> note, a.text("note"));
  // A top-up bought on mgmt (ADR 0058) carries its order id: applied once, however often it comes.
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> ref, a.text("id"));
  if (ref && ref->empty()) return ControlReply::error(core::invalidArgument("id: empty"));
  uint64_t addBytes = bytes.value_or(0), addSeconds = seconds.value_or(0), addValidity = validity.value_or(0);
  if (addBytes == 0 && addSeconds == 0 && addValidity == 0)
    return ControlReply::error("give what to add: --bytes 5GB, --time 2h and/or --validity 7d");

  auto snap = d_.snapshots.current();
  std::string name = canonicalUsername(username);
  const Subscriber* sub = snap->findSubscriber(name);
  if (sub == nullptr) return ControlReply::error(core::notFound("no subscriber '" + name + "'"));
  const Plan* plan = snap->findPlan(sub->planId);
  if (plan == nullptr) return ControlReply::error("subscriber '" + name + "' has no valid plan");
  const billing::BillingRules& b = plan->billing;
  if (addBytes != 0 && b.dataQuota == 0 && b.tiers.empty())
    return ControlReply::error("plan '" + plan->name + "' has no data quota or fair-use tier: there is nothing to top up");
  if (addSeconds != 0 && b.timeQuota == 0)
    return ControlReply::error("plan '" + plan->name + "' has no time quota: there is nothing to top up");
  uint64_t currentValidity = sub->validitySeconds != 0 ? sub->validitySeconds : b.validitySeconds;
  if (addValidity != 0 && currentValidity == 0)
    return ControlReply::error("plan '" + plan->name + "' has no validity: it never runs out, there is nothing to extend");

  int64_t now = d_.clock.unixSeconds();
  Decision before;
  aaa::policy::evaluateBilling(*sub, *plan, now, lookup_, before);
  billing::Interval period = billing::periodAt(b.period, now, aaa::policy::periodAnchorAt(*sub, now));
  Subscriber updated = *sub;
  if (addValidity != 0) updated.validitySeconds = currentValidity + addValidity;
  TopupRow row{name, period.start, addBytes, addSeconds, addValidity, note.value_or(""), now, ref.value_or("")};
  bool fresh = false;
  EDGE_RETURN_IF_ERROR(d_.writer.submit([&](core::Database& db) -> core::Status {
                                  EDGE_ASSIGN_OR_RETURN(fresh, insertTopup(db, row));
                                  if (fresh && addValidity != 0) return aaa::policy::updateSubscriber(db, updated, now);
                                  return core::Status::ok();
                                }).get());
  if (!fresh) {
    Json j = billingJson(*sub, *plan, now);
    j["replay"] = true;
    return ControlReply::success("top-up " + row.ref + " of " + name + " was applied before: nothing changed", j);
  }
  if (addValidity != 0)
    d_.snapshots.publishSubscriberChanges({{name, std::make_shared<const Subscriber>(updated)}});
  if (addBytes != 0 || addSeconds != 0) book_.addBonus(name, period.start, addBytes, addSeconds);
  Decision after;
  RejectReason r = aaa::policy::evaluateBilling(updated, *plan, now, lookup_, after);
  // Live: sessions slowed down (or stopped) by a fair-use tier get the new rate at once.
  if (r == RejectReason::kNone && before.quota.tier != after.quota.tier && d_.enforce) {
    Enforcement e;
    e.username = name;
    e.kind = aaa::radius::DynAuthKind::kCoa;
    e.rate = rateLimitOf(after.rate);
    e.why = "top-up";
    d_.enforce(e);
  }
  std::string added;
  if (addBytes) added += " +" + core::formatSize(addBytes);
  if (addSeconds) added += " +" + billing::formatDuration(addSeconds) + " online";
  if (addValidity) added += " +" + billing::formatDuration(addValidity) + " validity";
  core::logInfo("top-up: ", name, added, row.note.empty() ? "" : " (" + row.note + ")");
  return ControlReply::success("topped up " + name + ":" + added, billingJson(updated, *plan, now));
}

ControlReply QuotaService::explain(const Json& args) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"username"}));
  EDGE_ASSIGN_OR_RETURN(std::string username, a.required("username"));
  auto snap = d_.snapshots.current();
  std::string name = canonicalUsername(username);
  const Subscriber* sub = snap->findSubscriber(name);
  if (sub == nullptr) return ControlReply::error(core::notFound("no subscriber '" + name + "'"));
  const Plan* plan = snap->findPlan(sub->planId);
  Json out = Json::object();
  out["username"] = name;
  std::optional<AuthMemory::LastAuth> last = lastAuth_.find(name);
  Json lines = Json::array();
  if (last) {
    const Decision& d = last->decision;
    const Plan* then = snap->findPlanByName(last->plan);
    Json j = Json::object();
    j["at"] = isoOrEmpty(last->at);
    j["nas"] = last->nas;
    j["calling-station-id"] = last->station;
    j["method"] = aaa::policy::authMethodName(d.method);
    j["result"] = d.accept ? "accept" : "reject";
    j["reason"] = d.accept ? "" : aaa::policy::rejectReasonName(d.reason);
    j["reply-message"] = d.accept ? "" : aaa::policy::rejectReasonMessage(d.reason);
    j["rate"] = d.accept ? rateText(d.rate) : "";
    j["session-timeout"] = d.sessionTimeout;
    j["tier"] = d.billed && d.quota.tier >= 0 && then ? tierText(then->billing, d.quota.tier) : "";
    j["data-counted"] = d.usage.bytes;
    j["time-counted"] = d.usage.seconds;
    j["remaining-data"] = d.quota.remainingBytes ? Json(*d.quota.remainingBytes) : Json(nullptr);
    j["remaining-time"] = d.quota.remainingSeconds ? Json(*d.quota.remainingSeconds) : Json(nullptr);
    j["valid-until"] = isoOrEmpty(d.validUntil);
    out["last-authentication"] = j;
    lines.push_back("last authentication " + localTime(last->at) + " from NAS '" + last->nas + "'" +
                    (last->station.empty() ? "" : " (station " + last->station + ")") + " by " +
                    aaa::policy::authMethodName(d.method) + ":");
    for (const std::string& l : explainDecision(d, *sub, then ? then : plan)) lines.push_back("  " + l);
  } else {
    lines.push_back("no reject or billed authentication of " + name +
                    " remembered since edged started (an accept on a plan without billing rules gets the plan's rate)");
  }
  // Dunning (ADR 0048) decides before the plan: suspended, walled or throttled for non-payment.
  out["dunning"] = catalog::dunningName(sub->dunning);
  if (sub->dunning != aaa::policy::Dunning::kNone) lines.push_back("dunning: " + aaa::policy::dunningText(*sub));
  if (plan != nullptr) {
    int64_t now = d_.clock.unixSeconds();
    out["now"] = billingJson(*sub, *plan, now);
    lines.push_back("now: " + out["now"]["state"].get<std::string>() + ", rate " + out["now"]["rate"].get<std::string>() +
                    (out["now"].contains("resets-at-local") ? ", period resets " + out["now"]["resets-at-local"].get<std::string>()
                                                            : std::string()));
  }
  // The last refused logins, in words ("why can't this customer log in").
  Json rejects = Json::array();
  for (const AuthMemory::Reject& r : lastAuth_.rejects(name))
    rejects.push_back(Json{{"at", isoOrEmpty(r.at)}, {"nas", r.nas}, {"calling-station-id", r.station},
                           {"reason", aaa::policy::rejectReasonName(r.reason)},
                           {"reply-message", aaa::policy::rejectReasonMessage(r.reason)}});
  out["recent-rejects"] = rejects;
  out["explanation"] = lines;
  return ControlReply::success("why " + name + " got what they got", out);
}


void QuotaService::registerCommands(core::command::Table& c) {
  c.bind("subscriber-topup", [this](const Json& args, const core::command::Caller&) { return topup(args); });
  c.bind("subscriber-explain", [this](const Json& args, const core::command::Caller&) { return explain(args); });
}

}  // namespace edge
