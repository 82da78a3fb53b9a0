#include "edge/radius/session_service.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <ctime>
#include <utility>
#include <vector>

#include "aaa/radius/reply.h"
#include "billing/rating/rules.h"
#include "core/command/bind.h"
#include "core/command_args.h"
#include "core/log.h"
#include "core/units.h"
#include "edge/radius/service_helpers.h"

namespace edge {

namespace {

using aaa::acct::SessionRow;
using aaa::radius::DynAuthKind;
using core::CommandArgs;
using core::ControlReply;
using core::Json;

Json sessionJson(const SessionRow& r) {
  Json j = Json::object();
  j["id"] = r.uid;
  j["acct-session-id"] = r.acctSessionId;
  j["username"] = r.username;
  j["nas"] = r.nas;
  j["nas-port"] = r.nasPort;
  j["nas-port-id"] = r.nasPortId;
  j["framed-ip"] = r.framedIp;
  j["calling-station-id"] = r.callingStationId;
  j["started"] = isoOrEmpty(r.started);
  j["updated"] = isoOrEmpty(r.updated);
  j["session-time"] = r.counters.sessionTime;
  j["input-octets"] = r.counters.inputOctets;
  j["output-octets"] = r.counters.outputOctets;
  j["input-packets"] = r.counters.inputPackets;
  j["output-packets"] = r.counters.outputPackets;
  j["state"] = r.state;
  if (r.state == "closed") {
    j["stopped"] = isoOrEmpty(r.stopped);
    j["close-reason"] = r.closeReason;
  }
  return j;
}

// A page key of session-search as text: "NUMBER:UID", and ":USERNAME" after it in the user sort
// (last, as a name may hold ':'). The uid is hex (aaa::acct::sessionUid).
std::string pageKeyText(const aaa::acct::SessionKey& k) {
  std::string t = std::to_string(k.number) + ":" + k.uid;
  return k.username.empty() ? t : t + ":" + k.username;
}

core::Result<aaa::acct::SessionKey> parsePageKey(const char* field, const std::string& text,
                                                 aaa::acct::SessionQuery::Sort sort) {
  aaa::acct::SessionKey k;
  const size_t colon = text.find(':');
  const size_t second = colon == std::string::npos ? std::string::npos : text.find(':', colon + 1);
  const std::string number = text.substr(0, colon);
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), k.number);
  bool ok = colon != std::string::npos && ec == std::errc() && end == number.data() + number.size() && !number.empty();
  k.uid = ok ? text.substr(colon + 1, second == std::string::npos ? std::string::npos : second - colon - 1) : "";
  ok = ok && !k.uid.empty() &&
       std::all_of(k.uid.begin(), k.uid.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
  if (sort == aaa::acct::SessionQuery::Sort::kUser) {
    ok = ok && second != std::string::npos;
    if (ok) k.username = text.substr(second + 1);
  } else {
    ok = ok && second == std::string::npos;
  }
  if (!ok)
    return core::invalidArgument(std::string(field) + ": '" + text.substr(0, 80) +
                                 "' is not a page key of this sort (take first-key or last-key of a page)");
  return k;
}

// The log line of a CoA or Disconnect sent for billing or a plan change (a command replies instead).
std::function<void(Json)> logDynAuthResult(std::string why, DynAuthKind kind) {
  const char* what = kind == DynAuthKind::kCoa ? "CoA" : "Disconnect";
  return [why = std::move(why), what](Json r) {
    core::logInfo(why, ": ", what, " session=", r.value("id", ""), " user=", r.value("username", ""),
                  " nas=", r.value("nas", ""), r.contains("rate") ? " rate=" + r.value("rate", "") : std::string(),
                  " outcome=", r.value("outcome", ""), " ", r.value("message", ""));
  };
}

}  // namespace

core::Result<std::unique_ptr<SessionService>> SessionService::open(Deps deps) {
  std::unique_ptr<SessionService> s(new SessionService(std::move(deps)));
  core::StoreOptions o = s->d_.acctReadOptions;
  o.readOnly = true;
  EDGE_ASSIGN_OR_RETURN(s->reader_, core::Database::open(o));
  EDGE_ASSIGN_OR_RETURN(s->sweepReader_, core::Database::open(o));
  return s;
}

SessionService::SessionService(Deps deps) : d_(std::move(deps)) {
  dynauth_ = std::make_unique<aaa::radius::DynAuthClient>(d_.attributes, d_.counters, d_.dynAuthPolicy, d_.clock);
  dynauthQueue_ = std::make_unique<aaa::radius::DynAuthQueue>(*dynauth_, d_.counters);
}

SessionService::~SessionService() {
  stopDynAuth();
  // Writer jobs and callbacks of ours (user sessions, the sweep) may still be queued.
  core::Status s = d_.acctWriter.flush();
  (void)s;
  dynauthQueue_.reset();
  dynauth_.reset();
}

void SessionService::stopDynAuth() {
  {
    std::lock_guard<std::mutex> lock(stopMu_);
    stopping_ = true;
  }
  dynauthQueue_->stop();
}

std::chrono::milliseconds SessionService::dynAuthAnswerWait() const {
  // One whole retry schedule (10 s by default) and a margin: an answer that comes at all comes by
  // then, unless the NAS's worker is still busy with earlier requests.
  return dynauth_->policy().maxDuration + std::chrono::milliseconds(2000);
}

core::Status SessionService::settleLedger() {
  return d_.acctWriter.submit([this](core::Database& db) { return d_.ledger.flushAll(db); }).get();
}

void SessionService::registerCommands(core::command::Table& c) {
  core::command::bindMethods(c, this, {
      {"session-list", &SessionService::sessionList},
      {"session-show", &SessionService::sessionShow},
      {"session-search", &SessionService::sessionSearch},
      {"session-history", &SessionService::sessionHistory},
      {"usage", &SessionService::usage},
      {"session-disconnect", &SessionService::sessionDisconnect},
      {"session-coa", &SessionService::sessionCoa},
  });
}

ControlReply SessionService::sessionList(const Json& args) {
  EDGE_RETURN_IF_ERROR(settleLedger());
  CommandArgs a(args);
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> user, a.text("user"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> nas, a.text("nas"));
  EDGE_ASSIGN_OR_RETURN(std::vector<SessionRow> rows,
                        aaa::acct::liveSessions(*reader_, user.value_or(""), nas.value_or("")));
  Json list = Json::array();
  for (const auto& r : rows) list.push_back(sessionJson(r));
  return ControlReply::success(std::to_string(list.size()) + " live sessions", list);
}

ControlReply SessionService::sessionSearch(const Json& args) {
  CommandArgs a(args);
  aaa::acct::SessionQuery q;
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> user, a.text("user"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> nas, a.text("nas"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> ip, a.text("ip"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> mac, a.text("mac"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> sort, a.text("sort"));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, a.integer("limit"));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> offset, a.integer("offset"));
  q.user = user.value_or("");
  q.nas = nas.value_or("");
  q.ip = ip.value_or("");
  q.mac = mac.value_or("");
  std::string by = sort.value_or("started");
  if (by == "bytes") q.sort = aaa::acct::SessionQuery::Sort::kBytes;
  else if (by == "user") q.sort = aaa::acct::SessionQuery::Sort::kUser;
  else if (by != "started") return ControlReply::error("sort: '" + by + "' is not one of: started, bytes, user");
  q.limit = limit.value_or(50);
  q.offset = offset.value_or(0);
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> after, a.text("after"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> before, a.text("before"));
  if (after && before) return ControlReply::error("give after or before, not both");
  if (after) {
    EDGE_ASSIGN_OR_RETURN(q.after, parsePageKey("after", *after, q.sort));
  }
  if (before) {
    EDGE_ASSIGN_OR_RETURN(q.before, parsePageKey("before", *before, q.sort));
  }
  EDGE_RETURN_IF_ERROR(settleLedger());
  EDGE_ASSIGN_OR_RETURN(aaa::acct::SessionPage page, aaa::acct::liveSessionPage(*reader_, q));
  // The count per NAS (a scan of every live session) is read at most every kPerNasSeconds: a screen's
  // drop-down, not a figure anything decides on.
  int64_t now = d_.clock.unixSeconds();
  if (perNasAt_ == 0 || now - perNasAt_ >= kPerNasSeconds || now < perNasAt_) {
    EDGE_ASSIGN_OR_RETURN(perNas_, aaa::acct::liveSessionsPerNas(*reader_));
    perNasAt_ = now;
  }
  const auto& perNas = perNas_;
  Json list = Json::array();
  for (const auto& r : page.rows) list.push_back(sessionJson(r));
  Json nasCounts = Json::array();
  int64_t online = 0;
  for (const auto& [name, n] : perNas) {
    nasCounts.push_back(Json{{"nas", name}, {"sessions", n}});
    online += n;
  }
  Json out = Json::object();
  out["total"] = page.total;
  out["online"] = online;
  out["offset"] = q.offset;
  out["sort"] = by;
  out["per-nas"] = nasCounts;
  out["sessions"] = list;
  // The keys of the page's ends: the previous page is the one before the first row, the next the
  // one after the last (session-search --before / --after).
  if (!page.rows.empty()) {
    out["first-key"] = pageKeyText(aaa::acct::sessionKeyOf(page.rows.front(), q.sort));
    out["last-key"] = pageKeyText(aaa::acct::sessionKeyOf(page.rows.back(), q.sort));
  }
  return ControlReply::success(std::to_string(list.size()) + " of " + std::to_string(page.total) + " live sessions", out);
}

ControlReply SessionService::sessionShow(const Json& args) {
  EDGE_RETURN_IF_ERROR(settleLedger());
  EDGE_ASSIGN_OR_RETURN(std::string id, CommandArgs(args).required("id"));
  EDGE_ASSIGN_OR_RETURN(SessionRow row, aaa::acct::findSession(*reader_, id));
  return ControlReply::success("session " + row.uid, sessionJson(row));
}

ControlReply SessionService::sessionHistory(const Json& args) {
  EDGE_RETURN_IF_ERROR(settleLedger());
  CommandArgs a(args);
  EDGE_ASSIGN_OR_RETURN(std::string user, a.required("user"));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, a.integer("limit"));
  EDGE_ASSIGN_OR_RETURN(std::vector<SessionRow> rows,
                        aaa::acct::sessionHistory(*reader_, canonicalUsername(user), limit.value_or(50)));
  Json list = Json::array();
  for (const auto& r : rows) list.push_back(sessionJson(r));
  return ControlReply::success(std::to_string(list.size()) + " closed sessions", list);
}

ControlReply SessionService::usage(const Json& args) {
  EDGE_RETURN_IF_ERROR(settleLedger());
  CommandArgs a(args);
  EDGE_ASSIGN_OR_RETURN(std::string user, a.required("user"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> period, a.text("period"));
  std::string p = period.value_or("month");
  int64_t now = d_.clock.unixSeconds();
  time_t t = static_cast<time_t>(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  if (p == "month") tm.tm_mday = 1;
  else if (p != "day") return ControlReply::error("period: '" + p + "' is not one of: day, month");
  int64_t from = static_cast<int64_t>(timegm(&tm));
  std::string name = canonicalUsername(user);
  EDGE_ASSIGN_OR_RETURN(aaa::acct::Counters c, aaa::acct::usageBetween(*reader_, name, from, now + 1));
  Json j = Json::object();
  j["username"] = name;
  j["period"] = p;
  j["from"] = isoOrEmpty(from);
  j["to"] = isoOrEmpty(now);
  j["input-octets"] = c.inputOctets;
  j["output-octets"] = c.outputOctets;
  j["total-octets"] = c.inputOctets + c.outputOctets;
  j["input-packets"] = c.inputPackets;
  j["output-packets"] = c.outputPackets;
  j["session-time"] = c.sessionTime;
  // Per day, for a chart (at most 31 rows).
  EDGE_ASSIGN_OR_RETURN(std::vector<aaa::acct::DayUsage> days, aaa::acct::dailyUsage(*reader_, name, from, now + 1));
  Json perDay = Json::array();
  for (const aaa::acct::DayUsage& d : days)
    perDay.push_back(Json{{"day", isoOrEmpty(d.dayStart)}, {"day-start", d.dayStart},
                          {"input-octets", d.counters.inputOctets}, {"output-octets", d.counters.outputOctets},
                          {"session-time", d.counters.sessionTime}});
  j["days"] = perDay;
  j["sessions-online"] = d_.sessionCounts.count(name);
  auto snap = d_.snapshots.current();
  const aaa::policy::Subscriber* sub = snap->findSubscriber(name);
  const aaa::policy::Plan* plan = sub ? snap->findPlan(sub->planId) : nullptr;
  if (plan != nullptr && d_.billing) j["billing"] = d_.billing(*sub, *plan, now);
  return ControlReply::success("usage of " + name + " this " + p, j);
}

core::Result<std::vector<SessionRow>> SessionService::selectSessions(const Json& args) {
  CommandArgs a(args);
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> id, a.text("id"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> user, a.text("user"));
  if (id.has_value() == user.has_value()) return core::invalidArgument("give either id or user");
  EDGE_RETURN_IF_ERROR(settleLedger());  // sessions that just started are in the overlay only
  if (id) {
    EDGE_ASSIGN_OR_RETURN(SessionRow row, aaa::acct::findSession(*reader_, *id));
    if (row.state == "closed") return core::failedPrecondition("session " + row.uid + " is already closed");
    return std::vector<SessionRow>{row};
  }
  EDGE_ASSIGN_OR_RETURN(std::vector<SessionRow> rows, aaa::acct::liveSessions(*reader_, canonicalUsername(*user), ""));
  if (rows.empty()) return core::notFound("no live session of '" + *user + "'");
  return rows;
}

uint64_t SessionService::submitDynAuth(const SessionRow& session, DynAuthKind kind, std::function<void(Json)> done,
                                       const std::optional<aaa::radius::RateLimit>& rate) {
  using aaa::radius::Attribute;
  using aaa::radius::Value;
  const aaa::radius::Attributes& attrs = d_.attributes;
  Json out = Json::object();
  out["id"] = session.uid;
  out["username"] = session.username;
  out["nas"] = session.nas;
  auto failNow = [&](const std::string& message) -> uint64_t {
    out["outcome"] = "error";
    out["message"] = message;
    done(std::move(out));
    return 0;
  };
  auto snap = d_.snapshots.current();
  const aaa::policy::NasClient* nas = snap->findNasByName(session.nas);
  if (nas == nullptr) return failNow("NAS '" + session.nas + "' is no longer a client");
  if (session.nasAddress.empty()) return failNow("the session has no NAS address");
  aaa::radius::DynAuthTarget target;
  target.address = session.nasAddress;
  target.port = nas->coaPort;
  target.secret = nas->secret;
  target.nasName = nas->name;
  target.requireReplyMessageAuthenticator =
      nas->requireMessageAuthenticator.value_or(snap->settings.requireMessageAuthenticator);
  // RFC 5176 3: identify the session as precisely as the NAS may need it.
  std::vector<Attribute> identity;
  identity.push_back(Attribute{attrs.userName, Value::string(session.username), 0});
  identity.push_back(Attribute{attrs.acctSessionId, Value::string(session.acctSessionId), 0});
  if (auto ip = aaa::policy::parseIp(session.nasAddress); ip && ip->isV4())
    identity.push_back(Attribute{attrs.nasIpAddress, Value::ipv4(ip->v4()), 0});
  if (!nas->nasIdentifier.empty()) identity.push_back(Attribute{attrs.nasIdentifier, Value::string(nas->nasIdentifier), 0});
  if (auto ip = aaa::policy::parseIp(session.framedIp); ip && ip->isV4())
    identity.push_back(Attribute{attrs.framedIpAddress, Value::ipv4(ip->v4()), 0});
  if (!session.callingStationId.empty())
    identity.push_back(Attribute{attrs.callingStationId, Value::string(session.callingStationId), 0});
  std::vector<Attribute> changes;
  if (kind == DynAuthKind::kCoa) {
    const aaa::policy::Subscriber* sub = snap->findSubscriber(session.username);
    const aaa::policy::Plan* plan = sub ? snap->findPlan(sub->planId) : nullptr;
    if (plan == nullptr) return failNow("no plan for '" + session.username + "'");
    // The rate billing decided (a quota event), else the one in force now: the plan's, or its
    // fair-use tier's or window's.
    billing::Rate r;
    if (rate) {
      r = billing::Rate{rate->downBps, rate->upBps};
    } else {
      aaa::policy::Decision d;
      aaa::policy::evaluateBilling(*sub, *plan, d_.clock.unixSeconds(), d_.quotaLookup, d);
      r = d.rate;
    }
    out["rate"] = core::formatRate(r.downBps) + "/" + core::formatRate(r.upBps);
    changes = aaa::radius::renderRate(*plan, r, nas->vendor, attrs);
    if (changes.empty())
      return failNow("the NAS's vendor profile (" + std::string(aaa::policy::vendorProfileName(nas->vendor)) +
                     ") has no rate attribute to change");
  }
  // On the NAS's worker once the exchange ended (or at once if the queue refused it).
  auto finish = [this, out, uid = session.uid, kind, done = std::move(done)](
                    uint64_t job, const aaa::radius::DynAuthResult& r) mutable {
    out["job"] = job;
    out["outcome"] = aaa::radius::dynAuthOutcomeName(r.outcome);
    out["error-cause"] = r.errorCause;
    out["error-cause-text"] = r.errorCauseText;
    out["attempts"] = r.attempts;
    out["elapsed-ms"] = r.elapsed.count();
    out["message"] = r.message;
    if (kind == DynAuthKind::kDisconnect && r.outcome == aaa::radius::DynAuthOutcome::kAck) {
      // The ledger follows the NAS: the session closes on its Stop, or after the grace period.
      int64_t deadline = d_.clock.unixSeconds() + d_.disconnectGraceSeconds;
      core::Status s = d_.acctWriter.submit([this, uid, deadline](core::Database& db) {
                           return d_.ledger.markDisconnecting(db, uid, deadline);
                         }).get();
      if (!s.isOk()) out["message"] = "ACK received, but marking the session failed: " + s.message();
    }
    done(std::move(out));
  };
  std::lock_guard<std::mutex> lock(stopMu_);
  if (stopping_) {
    aaa::radius::DynAuthResult stopped;
    stopped.outcome = aaa::radius::DynAuthOutcome::kError;
    stopped.message = "the service is stopping";
    finish(0, stopped);
    return 0;
  }
  core::Result<uint64_t> job =
      dynauthQueue_->submit(std::move(target), kind, std::move(identity), std::move(changes), std::move(finish));
  return job.isOk() ? *job : 0;
}

ControlReply SessionService::dynAuthCommand(const Json& args, DynAuthKind kind) {
  const bool disconnect = kind == DynAuthKind::kDisconnect;
  EDGE_ASSIGN_OR_RETURN(std::optional<bool> waitArg, CommandArgs(args).boolean("wait"));
  const bool wait = waitArg.value_or(true);
  Json selector = args;
  selector.erase("wait");
  EDGE_ASSIGN_OR_RETURN(std::vector<SessionRow> rows, selectSessions(selector));

  // The answers, filled in by the NAS workers while (or after) the command waits for them.
  struct Batch {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<Json> results;
    size_t left = 0;
  };
  auto batch = std::make_shared<Batch>();
  batch->results.resize(rows.size());
  batch->left = rows.size();
  const char* what = disconnect ? "disconnect" : "coa";
  for (size_t i = 0; i < rows.size(); ++i) {
    const SessionRow& row = rows[i];
    {
      std::lock_guard<std::mutex> lock(batch->mu);
      batch->results[i] = Json{{"id", row.uid}, {"username", row.username}, {"nas", row.nas}, {"outcome", "queued"}};
    }
    uint64_t job = submitDynAuth(row, kind, [batch, i, what](Json r) {
      // Logged when it comes, also when the command stopped waiting for it.
      core::logInfo(what, ": session=", r.value("id", ""), " user=", r.value("username", ""),
                    " nas=", r.value("nas", ""), " job=", r.value("job", 0), " outcome=", r.value("outcome", ""),
                    " ", r.value("message", ""));
      std::lock_guard<std::mutex> lock(batch->mu);
      batch->results[i] = std::move(r);
      --batch->left;
      batch->cv.notify_all();
    });
    std::lock_guard<std::mutex> lock(batch->mu);
    if (job != 0 && batch->results[i].value("outcome", "") == "queued") batch->results[i]["job"] = job;
  }

  auto answer = [batch, disconnect, total = rows.size()]() {
    std::lock_guard<std::mutex> lock(batch->mu);
    size_t acked = 0, queued = 0;
    Json results = Json::array();
    for (const Json& r : batch->results) {
      std::string outcome = r.value("outcome", "");
      acked += outcome == "ack" ? 1 : 0;
      queued += outcome == "queued" ? 1 : 0;
      results.push_back(r);
    }
    std::string text = std::to_string(acked) + " of " + std::to_string(total) + " session(s) " +
                       (disconnect ? "disconnected" : "changed");
    if (queued > 0)
      text += "; " + std::to_string(queued) + " still queued for a busy or silent NAS (the result goes to the log)";
    if (acked == total) return ControlReply::success(text, results);
    // Still queued: the NAS did not answer in time, a retry may work; otherwise it refused (NAK).
    return ControlReply::error(queued > 0 ? core::unavailable(text) : core::failedPrecondition(text), results);
  };
  if (!wait) {
    std::lock_guard<std::mutex> lock(batch->mu);
    Json results = Json::array();
    for (const Json& r : batch->results) results.push_back(r);
    return ControlReply::success(std::to_string(rows.size()) + " " +
                                     (disconnect ? "Disconnect-Request(s)" : "CoA-Request(s)") +
                                     " queued (results go to the log)",
                                 results);
  }
  // The wait for the NAS, with no lock held: other commands and the portal go on meanwhile.
  return ControlReply::later([batch, answer, limit = dynAuthAnswerWait()] {
    {
      std::unique_lock<std::mutex> lock(batch->mu);
      batch->cv.wait_for(lock, limit, [&] { return batch->left == 0; });
    }
    return answer();
  });
}

ControlReply SessionService::sessionDisconnect(const Json& args) { return dynAuthCommand(args, DynAuthKind::kDisconnect); }

ControlReply SessionService::sessionCoa(const Json& args) { return dynAuthCommand(args, DynAuthKind::kCoa); }

void SessionService::planChanged(const std::set<int64_t>& planIds, const std::string& why) {
  queuePlanCoa(*reader_, planIds, why);
}

void SessionService::queuePlanCoa(core::Database& db, const std::set<int64_t>& planIds, const std::string& why) {
  auto snap = d_.snapshots.current();
  core::Status settled = settleLedger();  // young sessions too (ADR 0011)
  if (!settled.isOk()) {
    core::logError(why, ": writing the ledger's live sessions: ", settled.message());
    return;
  }
  core::Result<std::vector<SessionRow>> rows = aaa::acct::liveSessions(db, "", "");
  if (!rows.isOk()) {
    core::logError(why, ": listing live sessions: ", rows.status().message());
    return;
  }
  size_t queued = 0;
  for (const SessionRow& row : *rows) {
    const aaa::policy::Subscriber* sub = snap->findSubscriber(row.username);
    if (sub == nullptr || planIds.count(sub->planId) == 0) continue;
    // Queued on the session's NAS worker: nothing here waits on a NAS.
    submitDynAuth(row, DynAuthKind::kCoa, logDynAuthResult(why, DynAuthKind::kCoa));
    ++queued;
  }
  if (queued > 0) core::logInfo(why, ": CoA queued for ", queued, " live session(s)");
}

void SessionService::checkWindowBoundaries(int64_t now) {
  // A time-of-day window with its own rate starting or ending changes the rate in force: the
  // sessions of its plans get a CoA (checked every few seconds, so within seconds of the boundary).
  if (lastWindowCheck_ == 0 || now < lastWindowCheck_) {
    lastWindowCheck_ = now;
    return;
  }
  std::set<int64_t> changed;
  for (const aaa::policy::Plan& p : d_.snapshots.current()->plans) {
    bool rated = false;
    for (const billing::TimeWindow& w : p.billing.windows) rated = rated || w.rate.has_value();
    if (!rated) continue;
    const billing::TimeWindow* before = billing::windowAt(p.billing, lastWindowCheck_);
    const billing::TimeWindow* after = billing::windowAt(p.billing, now);
    if (before != after) changed.insert(p.id);
  }
  lastWindowCheck_ = now;
  if (!changed.empty()) queuePlanCoa(*sweepReader_, changed, "time window");
}

void SessionService::queueUserDynAuth(const std::string& username, DynAuthKind kind, const std::string& why,
                                      std::function<void(const core::Json&)> report) {
  queueUserSessions(username, kind, why, std::nullopt, std::move(report));
}

void SessionService::enforce(const Enforcement& e) {
  std::optional<aaa::radius::RateLimit> rate;
  if (e.kind == DynAuthKind::kCoa) rate = e.rate;
  if (e.sessions.empty()) {
    queueUserSessions(e.username, e.kind, e.why, rate);
    return;
  }
  for (const EnforcedSession& k : e.sessions) {
    SessionRow row;
    row.uid = k.uid;
    row.acctSessionId = k.acctSessionId;
    row.username = e.username;
    row.nas = k.nas;
    row.nasAddress = k.nasAddress;
    row.framedIp = k.framedIp;
    row.callingStationId = k.callingStationId;
    submitDynAuth(row, e.kind, logDynAuthResult(e.why, e.kind), rate);
  }
}

void SessionService::queueUserSessions(const std::string& username, DynAuthKind kind, const std::string& why,
                                       const std::optional<aaa::radius::RateLimit>& rate,
                                       std::function<void(const core::Json&)> report) {
  // The user's sessions as the ledger knows them now, young ones too (ADR 0011), found on the
  // writer's thread in one job; then queued on their NAS workers. Neither the caller (possibly the
  // writer's thread itself, after a commit) nor the writer waits on anything.
  auto found = std::make_shared<std::vector<SessionRow>>();
  d_.acctWriter.submit(
      [this, username, found](core::Database& db) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(*found, d_.ledger.userSessions(db, username));
        return core::Status::ok();
      },
      [this, username, kind, why, rate, found, report](const core::Status& s) {
        if (!s.isOk()) {
          core::logError(why, ": finding the sessions of ", username, ": ", s.message());
          if (report) report(Json{{"username", username}, {"outcome", "error"}, {"message", s.message()}});
          return;
        }
        if (found->empty() && report) report(Json{{"username", username}, {"outcome", "none"}, {"message", "no live session"}});
        for (const SessionRow& row : *found) {
          std::function<void(Json)> logged = logDynAuthResult(why, kind);
          if (report)
            logged = [logged, report](Json r) {
              logged(r);
              report(r);
            };
          submitDynAuth(row, kind, std::move(logged), rate);
        }
      });
}

void SessionService::tick(int64_t now) {
  if (now - lastSweep_ < 5) return;
  lastSweep_ = now;
  checkWindowBoundaries(now);
  // Candidates come from a read connection: the writer (which acknowledges accounting) only
  // closes the few sessions found, never scans the live table.
  core::Result<std::vector<std::string>> expired = aaa::acct::expiredSessions(*sweepReader_, now, 1000);
  if (!expired.isOk()) {
    core::logError("looking for stale sessions: ", expired.status().message());
    return;
  }
  if (expired->empty() || sweepClosing_.exchange(true)) return;
  closeExpiredFrom(std::make_shared<std::vector<std::string>>(std::move(*expired)), 0, now);
}

void SessionService::closeExpiredFrom(std::shared_ptr<const std::vector<std::string>> uids, size_t from, int64_t now) {
  // A few sessions per job, the next job submitted when this one settled: the accounting records
  // in the same batch wait for a handful of closes, never for a whole sweep (a NAS that rebooted
  // without Accounting-On leaves thousands of sessions going stale at the same moment).
  const size_t to = std::min(uids->size(), from + kStaleClosesPerJob);
  auto chunk = std::make_shared<std::vector<std::string>>(uids->begin() + static_cast<std::ptrdiff_t>(from),
                                                          uids->begin() + static_cast<std::ptrdiff_t>(to));
  auto change = std::make_shared<aaa::acct::LedgerChange>();
  d_.acctWriter.submit(
      [this, now, change, chunk](core::Database& db) { return d_.ledger.closeExpired(db, *chunk, now, change.get()); },
      [this, uids, to, now, change](const core::Status& s) {
        if (!s.isOk()) {
          core::logError("closing stale sessions: ", s.message());
        } else {
          d_.sessionCounts.apply(*change);
          if (!change->closed.empty())
            core::logInfo("closed ", change->closed.size(), " stale or disconnected session(s)");
        }
        if (s.isOk() && to < uids->size()) {
          closeExpiredFrom(uids, to, now);  // refused at once (and so ends here) when the writer stops
        } else {
          sweepClosing_.store(false);
        }
      });
}

}  // namespace edge
