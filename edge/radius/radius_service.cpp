#include "edge/radius/radius_service.h"

#include <chrono>
#include <ctime>
#include <set>
#include <thread>

#include "aaa/auth/mac.h"
#include "aaa/policy/store.h"
#include "aaa/radius/reply.h"
#include "catalog/nas.h"
#include "catalog/plan.h"
#include "catalog/subscriber.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/units.h"
#include "core/command_args.h"
#include "edge/radius/service_helpers.h"

namespace edge {

namespace {

using core::ControlReply;
using core::Json;
using core::CommandArgs;
aaa::policy::PolicySettings settingsOf(const RadiusConfig& c) {
  aaa::policy::PolicySettings s;
  s.pap = s.chap = s.msChapV2 = s.mac = false;
  for (const std::string& m : c.authMethods) {
    if (m == "pap") s.pap = true;
    if (m == "chap") s.chap = true;
    if (m == "mschapv2") s.msChapV2 = true;
    if (m == "mac") s.mac = true;
  }
  s.requireMessageAuthenticator = c.requireMessageAuthenticator;
  return s;
}


Json sessionJson(const aaa::acct::SessionRow& r) {
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

// The log line of a CoA or Disconnect sent for billing or a plan change (a command replies instead).
std::function<void(Json)> logDynAuthResult(std::string why, aaa::radius::DynAuthKind kind) {
  const char* what = kind == aaa::radius::DynAuthKind::kCoa ? "CoA" : "Disconnect";
  return [why = std::move(why), what](Json r) {
    core::logInfo(why, ": ", what, " session=", r.value("id", ""), " user=", r.value("username", ""),
                  " nas=", r.value("nas", ""), r.contains("rate") ? " rate=" + r.value("rate", "") : std::string(),
                  " outcome=", r.value("outcome", ""), " ", r.value("message", ""));
  };
}

}  // namespace

RadiusService::RadiusService(core::CounterRegistry& counters, core::EventBus& events)
    : counters_(counters), events_(events) {}

RadiusService::~RadiusService() { stop(); }

core::Status RadiusService::start(const RadiusServiceConfig& serviceConfig, core::Writer& writer, core::Database& reader) {
  const RadiusConfig& config = serviceConfig.radius;
  config_ = config;
  accounting_ = serviceConfig.accounting;
  tenantName_ = serviceConfig.billing.tenantName;
  writer_ = &writer;
  reader_ = &reader;
  vouchers_ = std::make_unique<VoucherService>(VoucherService::Deps{
      writer, reader, snapshots_, core::SystemClock::instance(), tenantName_,
      [this](std::string_view username) { return sessionCounts_.count(username); },
      [this](const std::string& username) {
        queueUserDynAuth(username, aaa::radius::DynAuthKind::kDisconnect, "voucher revoked");
      },
      [this](size_t adding) -> std::optional<std::string> { return capacityCheck_ ? capacityCheck_(adding) : std::nullopt; },
      [this] { return keepCleartext(); }});
  catalog_ = std::make_unique<CatalogService>(CatalogService::Deps{
      writer, reader, snapshots_, core::SystemClock::instance(), counters_,
      [this](size_t adding) -> std::optional<std::string> { return capacityCheck_ ? capacityCheck_(adding) : std::nullopt; },
      [this] { return keepCleartext(); },
      // Live sessions of a changed plan get its rate by CoA (on the command's read connection).
      [this](const std::set<int64_t>& planIds) { queuePlanCoa(*acctReader_, planIds, "plan change"); },
      // A subscriber's change applies to its next session, as before the split (no CoA).
      nullptr});
  quota_ = std::make_unique<QuotaService>(QuotaService::Deps{
      writer, reader, snapshots_, core::SystemClock::instance(),
      [this](std::string_view username) { return sessionCounts_.count(username); },
      [this](const Enforcement& e) { enforce(e); }});
  core::Result<aaa::radius::Dictionary> dict = aaa::radius::Dictionary::load(config.dictionaryDir);
  if (!dict.isOk()) return dict.status().withContext("radius.dictionary-dir");
  dictionary_ = *dict;
  core::Result<aaa::radius::Attributes> attrs = aaa::radius::Attributes::resolve(*dictionary_);
  if (!attrs.isOk()) return attrs.status().withContext("radius.dictionary-dir");
  attributes_ = *attrs;

  auto started = std::chrono::steady_clock::now();
  core::Result<std::vector<aaa::policy::NasClient>> nas = aaa::policy::loadNas(reader);
  if (!nas.isOk()) return nas.status().withContext("loading NAS clients");
  core::Result<std::vector<aaa::policy::Plan>> plans = aaa::policy::loadPlans(reader);
  if (!plans.isOk()) return plans.status().withContext("loading plans");
  core::Result<std::vector<aaa::policy::Subscriber>> subs = aaa::policy::loadSubscribers(reader);
  if (!subs.isOk()) return subs.status().withContext("loading subscribers");
  size_t subscriberCount = subs->size();
  snapshots_.publishSettings(settingsOf(config));
  snapshots_.publishFull(std::move(*nas), std::move(*plans), std::move(*subs));
  auto loadMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  counters_.gauge("radius_snapshot_load_seconds", "Time to load NAS clients, plans and subscribers at start", {},
                  1000)  // held in milliseconds
      .set(static_cast<uint64_t>(loadMs));

  // The accounting database: always synchronous=FULL, because an Accounting-Response promises the
  // record is durable (RFC 2866 2).
  core::StoreOptions acctOptions;
  acctOptions.path = serviceConfig.accountingDatabasePath;
  acctOptions.synchronous = core::StoreOptions::Synchronous::kFull;
  acctOptions.busyTimeoutMs = static_cast<int>(serviceConfig.busyTimeoutMs);
  acctOptions.migrations = aaa::acct::migrations();
  // Measured (docs/benchmarks.md): checkpoints must not run inside the acknowledging COMMIT, and the
  // page cache must stay small. SQLite 3.40's B-tree balance parks a page at the pending-byte page
  // number (262,145 with 4 KiB pages) while it reorders new pages, so nearly every commit ends
  // with a scan of the whole page cache (pcache1TruncateUnsafe): with 128 MiB that scan was a
  // quarter of the writer's CPU and the p99 at half peak 24 ms; with 16 MiB it is 8 ms.
  acctOptions.cacheKiB = 16384;
  // Group commit under moderate load too (a batch of a few records would pay a whole COMMIT).
  acctOptions.commitDelayMicros = 1000;
  acctOptions.backgroundCheckpoint = true;
  core::Result<std::unique_ptr<core::Writer>> acctWriter = core::Writer::open(acctOptions);
  if (!acctWriter.isOk()) return acctWriter.status();
  acctWriter_ = std::move(*acctWriter);
  acctOptions.readOnly = true;
  core::Result<std::unique_ptr<core::Database>> acctReader = core::Database::open(acctOptions);
  if (!acctReader.isOk()) return acctReader.status();
  acctReader_ = std::move(*acctReader);
  core::Result<std::unique_ptr<core::Database>> sweepReader = core::Database::open(acctOptions);
  if (!sweepReader.isOk()) return sweepReader.status();
  sweepReader_ = std::move(*sweepReader);
  // Per-period quota counters follow the plans' billing rules (on the acct writer's thread).
  ledger_.setQuotaClassifier(
      [this](const std::string& username, int64_t at) { return quota_->classify(username, at); });
  // The journal past the views' watermark is replayed (after a crash: the last seconds of
  // Interim-Updates), and the views written, before anything is served.
  ledger_.invalidate();
  core::Status replayed = acctWriter_->submit([this](core::Database& db) { return ledger_.flushAll(db); }).get();
  if (!replayed.isOk()) return replayed.withContext("replaying the accounting journal");
  // Busy periods bring the views up to date a few entries per record; the writer's idle moments
  // write the rest in small chunks, so a burst's leftovers are not paid for by the next burst.
  acctWriter_->setIdleWork([this] { return ledger_.flushDue(); },
                           [this](core::Database& db) { return ledger_.flushOld(db, 128); },
                           std::chrono::milliseconds(250));
  core::Result<std::vector<std::pair<std::string, uint32_t>>> counts = aaa::acct::liveSessionCounts(*acctReader_);
  if (!counts.isOk()) return counts.status().withContext("loading live sessions");
  sessionCounts_.reset(*counts);
  EDGE_RETURN_IF_ERROR(quota_->load(*acctReader_));
  core::Result<std::unique_ptr<core::Database>> coaReader = core::Database::open(acctOptions);
  if (!coaReader.isOk()) return coaReader.status();
  coaReader_ = std::move(*coaReader);
  subscriptions_.push_back(events_.subscribe<aaa::radius::AcctEvent>([this](const aaa::radius::AcctEvent& e) {
    if (e.change != nullptr && !e.change->quota.empty()) quota_->onQuotaMoved(*e.change, e.record);
  }));
  subscriptions_.push_back(events_.subscribe<aaa::radius::AuthEvent>(
      [this](const aaa::radius::AuthEvent& e) { quota_->onAuthorized(e); }));

  int threads = config.threads > 0 ? static_cast<int>(config.threads)
                                   : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  aaa::radius::AuthServerConfig sc;
  sc.listen = config.listen;
  sc.port = static_cast<uint16_t>(config.authPort);
  sc.threads = threads;
  server_ = std::make_unique<aaa::radius::AuthServer>(
      sc, snapshots_, attributes_, counters_, &events_,
      [this](std::string_view username) { return sessionCounts_.count(username); }, quota_->lookup());
  EDGE_RETURN_IF_ERROR(server_->start());

  aaa::radius::AcctServerConfig ac;
  ac.listen = config.listen;
  ac.port = static_cast<uint16_t>(config.acctPort);
  ac.threads = threads;
  ac.staleMultiplier = accounting_.staleMultiplier;
  ac.staleDefaultSeconds = accounting_.staleDefaultSeconds;
  acctServer_ = std::make_unique<aaa::radius::AcctServer>(ac, snapshots_, attributes_, *acctWriter_, ledger_,
                                                          sessionCounts_, counters_, &events_);
  EDGE_RETURN_IF_ERROR(acctServer_->start());
  counters_.gauge("radius_sessions_online", "Live sessions in the ledger");
  dynauth_ = std::make_unique<aaa::radius::DynAuthClient>(attributes_, counters_);
  dynauthQueue_ = std::make_unique<aaa::radius::DynAuthQueue>(*dynauth_, counters_);
  coaStopping_ = false;
  coaThread_ = std::thread([this] { coaLoop(); });
  core::logInfo("RADIUS listening on ", config.listen, " auth ", server_->port(), ", accounting ",
                acctServer_->port(), " (", threads, " threads each); ", subscriberCount, " subscribers loaded in ",
                loadMs, " ms; ", sessionCounts_.total(), " sessions online");
  return core::Status::ok();
}

void RadiusService::stopDynAuth() {
  if (dynauthQueue_) dynauthQueue_->stop();
}

void RadiusService::stop() {
  {
    std::lock_guard<std::mutex> lock(coaMu_);
    coaStopping_ = true;
    coaQueue_.clear();
  }
  coaWake_.notify_all();
  if (coaThread_.joinable()) coaThread_.join();
  // After the planner (which submits) and before the ledger's writer (which an ACK's callback uses).
  stopDynAuth();
  dynauthQueue_.reset();
  for (core::EventBus::SubscriptionId id : subscriptions_) events_.unsubscribe(id);
  subscriptions_.clear();
  if (server_) server_->stop();
  server_.reset();
  if (acctServer_) acctServer_->stop();
  if (acctWriter_) {
    core::Status s = settleLedger();  // not needed for safety (the journal is replayed), but tidy
    if (!s.isOk()) core::logError("writing the ledger's views at stop: ", s.message());
    acctWriter_->stop();
  }
  // Only now: the writer's batch hook belongs to the accounting server, and settling runs a batch.
  acctServer_.reset();
  acctReader_.reset();
  sweepReader_.reset();
  coaReader_.reset();
  acctWriter_.reset();
}

void RadiusService::tick(int64_t now) {
  counters_.gauge("radius_sessions_online", "Live sessions in the ledger").set(sessionCounts_.total());
  if (!acctWriter_ || now - lastSweep_ < 5) return;
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

void RadiusService::closeExpiredFrom(std::shared_ptr<const std::vector<std::string>> uids, size_t from, int64_t now) {
  // A few sessions per job, the next job submitted when this one settled: the accounting records
  // in the same batch wait for a handful of closes, never for a whole sweep (a NAS that rebooted
  // without Accounting-On leaves thousands of sessions going stale at the same moment).
  const size_t to = std::min(uids->size(), from + kStaleClosesPerJob);
  auto chunk = std::make_shared<std::vector<std::string>>(uids->begin() + static_cast<std::ptrdiff_t>(from),
                                                          uids->begin() + static_cast<std::ptrdiff_t>(to));
  auto change = std::make_shared<aaa::acct::LedgerChange>();
  acctWriter_->submit(
      [this, now, change, chunk](core::Database& db) { return ledger_.closeExpired(db, *chunk, now, change.get()); },
      [this, uids, to, now, change](const core::Status& s) {
        if (!s.isOk()) {
          core::logError("closing stale sessions: ", s.message());
        } else {
          sessionCounts_.apply(*change);
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

void RadiusService::applySettings(const RadiusConfig& config) {
  config_.authMethods = config.authMethods;
  config_.requireMessageAuthenticator = config.requireMessageAuthenticator;
  snapshots_.publishSettings(settingsOf(config));
}

bool RadiusService::keepCleartext() const {
  for (const std::string& m : config_.authMethods)
    if (m == "chap") return true;
  return false;
}

core::Json RadiusService::statusJson() const {
  auto snap = snapshots_.current();
  Json j = Json::object();
  j["listen"] = config_.listen;
  j["auth-port"] = authPort();
  j["acct-port"] = acctServer_ ? acctServer_->port() : 0;
  j["sessions-online"] = sessionCounts_.total();
  j["nas-clients"] = snap->nas.size();
  j["plans"] = snap->plans.size();
  j["subscribers"] = snap->subscriberCount();
  j["auth-methods"] = config_.authMethods;
  j["require-message-authenticator"] = config_.requireMessageAuthenticator;
  if (acctWriter_) {
    const core::WriterStats& ws = acctWriter_->stats();
    j["accounting-database"] = Json{{"path", acctWriter_->path()},
                                    {"synchronous", "full"},
                                    {"batches", ws.batches.load()},
                                    {"writes", ws.jobs.load()},
                                    {"write-failures", ws.jobFailures.load()},
                                    {"last-batch-jobs", ws.lastBatchJobs.load()},
                                    {"last-commit-us", ws.lastCommitMicros.load()},
                                    {"ledger-pending-sessions", ledger_.pendingSessions()},
                                    {"ledger-pending-usage", ledger_.pendingUsage()},
                                    {"ledger-replays", ledger_.rebuilds()}};
  }
  return j;
}

core::Status RadiusService::settleLedger() {
  return acctWriter_->submit([this](core::Database& db) { return ledger_.flushAll(db); }).get();
}

core::Status RadiusService::write(core::Writer::Job job) { return writer_->submit(std::move(job)).get(); }

core::command::Table::Handler RadiusService::bind(ControlReply (RadiusService::*fn)(const Json&)) {
  return [this, fn](const Json& args, const core::command::Caller&) { return (this->*fn)(args); };
}

void RadiusService::registerCommands(core::command::Table& c) {
  // The catalog's commands go to catalog_ (edge/radius/catalog_service.h).
  using Method = ControlReply (CatalogService::*)(const Json&);
  const std::pair<const char*, Method> catalogCommands[] = {
      {"nas-add", &CatalogService::nasAdd},
      {"nas-list", &CatalogService::nasList},
      {"nas-del", &CatalogService::nasDel},
      {"plan-add", &CatalogService::planAdd},
      {"plan-set", &CatalogService::planSet},
      {"plan-list", &CatalogService::planList},
      {"plan-del", &CatalogService::planDel},
      {"subscriber-add", &CatalogService::subscriberAdd},
      {"subscriber-set", &CatalogService::subscriberSet},
      {"subscriber-del", &CatalogService::subscriberDel},
      {"subscriber-show", &CatalogService::subscriberShow},
      {"subscriber-list", &CatalogService::subscriberList},
      {"subscriber-import", &CatalogService::subscriberImport},
      {"stats", &CatalogService::stats},
  };
  for (const auto& [name, fn] : catalogCommands)
    c.bind(name, [this, fn = fn](const Json& args, const core::command::Caller&) { return (catalog_.get()->*fn)(args); });
  c.bind("session-list", bind(&RadiusService::sessionList));
  c.bind("session-show", bind(&RadiusService::sessionShow));
  c.bind("session-history", bind(&RadiusService::sessionHistory));
  c.bind("usage", bind(&RadiusService::usage));
  c.bind("session-disconnect", bind(&RadiusService::sessionDisconnect));
  c.bind("session-coa", bind(&RadiusService::sessionCoa));
  // Quotas and vouchers (quota_service.h, voucher_service.h): made by start(), which runs first.
  quota_->registerCommands(c);
  vouchers_->registerCommands(c);
}

core::Status RadiusService::registerLocalNas(const aaa::policy::NasClient& nas) {
  return catalog_->registerLocalNas(nas);
}

std::optional<RadiusService::SessionPolicy> RadiusService::sessionPolicy(const std::string& username) {
  auto snap = snapshots_.current();
  const aaa::policy::Subscriber* sub = snap->findSubscriber(username);
  const aaa::policy::Plan* plan = sub ? snap->findPlan(sub->planId) : nullptr;
  if (plan == nullptr || sub->status != aaa::policy::SubscriberStatus::kActive) return std::nullopt;
  aaa::policy::Decision d;
  d.subscriber = sub;
  d.plan = plan;
  if (aaa::policy::evaluateBilling(*sub, *plan, core::SystemClock::instance().unixSeconds(), quota_->lookup(), d) !=
      aaa::policy::RejectReason::kNone)
    return std::nullopt;
  SessionPolicy p;
  billing::Rate rate = d.rate.downBps || d.rate.upBps ? d.rate : billing::Rate{plan->downBps, plan->upBps};
  std::vector<aaa::radius::Attribute> attrs =
      aaa::radius::renderRate(*plan, rate, aaa::policy::VendorProfile::kMikrotik, attributes_);
  if (!attrs.empty())
    if (auto r = aaa::radius::parseMikrotikRateLimit(attrs[0].value.bytes)) p.rate = *r;
  p.sessionTimeout = plan->sessionTimeout;
  p.idleTimeout = plan->idleTimeout;
  p.interimInterval = plan->interimInterval;
  p.usageMatters = plan->billing.hasQuota();
  if (d.billed) p.remainingBytes = d.quota.remainingBytes;
  return p;
}

ControlReply RadiusService::sessionList(const Json& args) {
  core::Status settled = settleLedger();
  if (!settled.isOk()) return fail(settled);
  CommandArgs a(args);
  core::Status s = a.only({"user", "nas"});
  if (!s.isOk()) return fail(s);
  core::Result<std::optional<std::string>> user = a.text("user");
  core::Result<std::optional<std::string>> nas = a.text("nas");
  if (!user.isOk()) return fail(user.status());
  if (!nas.isOk()) return fail(nas.status());
  core::Result<std::vector<aaa::acct::SessionRow>> rows =
      aaa::acct::liveSessions(*acctReader_, user->value_or(""), nas->value_or(""));
  if (!rows.isOk()) return fail(rows.status());
  Json list = Json::array();
  for (const auto& r : *rows) list.push_back(sessionJson(r));
  return ControlReply::success(std::to_string(list.size()) + " live sessions", list);
}

ControlReply RadiusService::sessionShow(const Json& args) {
  core::Status settled = settleLedger();
  if (!settled.isOk()) return fail(settled);
  CommandArgs a(args);
  core::Status s = a.only({"id"});
  if (!s.isOk()) return fail(s);
  core::Result<std::string> id = a.required("id");
  if (!id.isOk()) return fail(id.status());
  core::Result<aaa::acct::SessionRow> row = aaa::acct::findSession(*acctReader_, *id);
  if (!row.isOk()) return fail(row.status());
  return ControlReply::success("session " + row->uid, sessionJson(*row));
}

ControlReply RadiusService::sessionHistory(const Json& args) {
  core::Status settled = settleLedger();
  if (!settled.isOk()) return fail(settled);
  CommandArgs a(args);
  core::Status s = a.only({"user", "limit"});
  if (!s.isOk()) return fail(s);
  core::Result<std::string> user = a.required("user");
  if (!user.isOk()) return fail(user.status());
  core::Result<std::optional<int64_t>> limit = a.integer("limit", 1, 100000);
  if (!limit.isOk()) return fail(limit.status());
  core::Result<std::vector<aaa::acct::SessionRow>> rows =
      aaa::acct::sessionHistory(*acctReader_, canonicalUsername(*user), limit->value_or(50));
  if (!rows.isOk()) return fail(rows.status());
  Json list = Json::array();
  for (const auto& r : *rows) list.push_back(sessionJson(r));
  return ControlReply::success(std::to_string(list.size()) + " closed sessions", list);
}

ControlReply RadiusService::usage(const Json& args) {
  core::Status settled = settleLedger();
  if (!settled.isOk()) return fail(settled);
  CommandArgs a(args);
  core::Status s = a.only({"user", "period"});
  if (!s.isOk()) return fail(s);
  core::Result<std::string> user = a.required("user");
  if (!user.isOk()) return fail(user.status());
  core::Result<std::optional<std::string>> period = a.text("period");
  if (!period.isOk()) return fail(period.status());
  std::string p = period->value_or("month");
  int64_t now = core::SystemClock::instance().unixSeconds();
  time_t t = static_cast<time_t>(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  if (p == "month") tm.tm_mday = 1;
  else if (p != "day") return ControlReply::error("period: '" + p + "' is not one of: day, month");
  int64_t from = static_cast<int64_t>(timegm(&tm));
  std::string name = canonicalUsername(*user);
  core::Result<aaa::acct::Counters> c = aaa::acct::usageBetween(*acctReader_, name, from, now + 1);
  if (!c.isOk()) return fail(c.status());
  Json j = Json::object();
  j["username"] = name;
  j["period"] = p;
  j["from"] = isoOrEmpty(from);
  j["to"] = isoOrEmpty(now);
  j["input-octets"] = c->inputOctets;
  j["output-octets"] = c->outputOctets;
  j["total-octets"] = c->inputOctets + c->outputOctets;
  j["input-packets"] = c->inputPackets;
  j["output-packets"] = c->outputPackets;
  j["session-time"] = c->sessionTime;
  j["sessions-online"] = sessionCounts_.count(name);
  auto snap = snapshots_.current();
  const aaa::policy::Subscriber* sub = snap->findSubscriber(name);
  const aaa::policy::Plan* plan = sub ? snap->findPlan(sub->planId) : nullptr;
  if (plan != nullptr) j["billing"] = quota_->billingJson(*sub, *plan, now);
  return ControlReply::success("usage of " + name + " this " + p, j);
}

core::Result<std::vector<aaa::acct::SessionRow>> RadiusService::selectSessions(const Json& args) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"id", "user"}));
  core::Result<std::optional<std::string>> id = a.text("id");
  core::Result<std::optional<std::string>> user = a.text("user");
  if (!id.isOk()) return id.status();
  if (!user.isOk()) return user.status();
  if (id->has_value() == user->has_value()) return core::invalidArgument("give either id or user");
  EDGE_RETURN_IF_ERROR(settleLedger());  // sessions that just started are in the overlay only
  if (*id) {
    core::Result<aaa::acct::SessionRow> row = aaa::acct::findSession(*acctReader_, **id);
    if (!row.isOk()) return row.status();
    if (row->state == "closed") return core::failedPrecondition("session " + row->uid + " is already closed");
    return std::vector<aaa::acct::SessionRow>{*row};
  }
  core::Result<std::vector<aaa::acct::SessionRow>> rows =
      aaa::acct::liveSessions(*acctReader_, canonicalUsername(**user), "");
  if (!rows.isOk()) return rows.status();
  if (rows->empty()) return core::notFound("no live session of '" + **user + "'");
  return rows;
}

std::chrono::milliseconds RadiusService::dynAuthAnswerWait() const {
  // One whole retry schedule (10 s by default) and a margin: an answer that comes at all comes by
  // then, unless the NAS's worker is still busy with earlier requests.
  return dynauth_->policy().maxDuration + std::chrono::milliseconds(2000);
}

uint64_t RadiusService::submitDynAuth(const aaa::acct::SessionRow& session, aaa::radius::DynAuthKind kind,
                                      std::function<void(Json)> done,
                                      const std::optional<aaa::radius::RateLimit>& rate) {
  using aaa::radius::Attribute;
  using aaa::radius::Value;
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
  auto snap = snapshots_.current();
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
  identity.push_back(Attribute{attributes_.userName, Value::string(session.username), 0});
  identity.push_back(Attribute{attributes_.acctSessionId, Value::string(session.acctSessionId), 0});
  if (auto ip = aaa::policy::parseIp(session.nasAddress); ip && ip->isV4())
    identity.push_back(Attribute{attributes_.nasIpAddress, Value::ipv4(ip->v4()), 0});
  if (!nas->nasIdentifier.empty())
    identity.push_back(Attribute{attributes_.nasIdentifier, Value::string(nas->nasIdentifier), 0});
  if (auto ip = aaa::policy::parseIp(session.framedIp); ip && ip->isV4())
    identity.push_back(Attribute{attributes_.framedIpAddress, Value::ipv4(ip->v4()), 0});
  if (!session.callingStationId.empty())
    identity.push_back(Attribute{attributes_.callingStationId, Value::string(session.callingStationId), 0});
  std::vector<Attribute> changes;
  if (kind == aaa::radius::DynAuthKind::kCoa) {
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
      aaa::policy::evaluateBilling(*sub, *plan, core::SystemClock::instance().unixSeconds(), quota_->lookup(), d);
      r = d.rate;
    }
    out["rate"] = core::formatRate(r.downBps) + "/" + core::formatRate(r.upBps);
    changes = aaa::radius::renderRate(*plan, r, nas->vendor, attributes_);
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
    if (kind == aaa::radius::DynAuthKind::kDisconnect && r.outcome == aaa::radius::DynAuthOutcome::kAck) {
      // The ledger follows the NAS: the session closes on its Stop, or after the grace period.
      int64_t deadline = core::SystemClock::instance().unixSeconds() + accounting_.disconnectGraceSeconds;
      core::Status s = acctWriter_->submit([this, uid, deadline](core::Database& db) {
                          return ledger_.markDisconnecting(db, uid, deadline);
                        }).get();
      if (!s.isOk()) out["message"] = "ACK received, but marking the session failed: " + s.message();
    }
    done(std::move(out));
  };
  core::Result<uint64_t> job =
      dynauthQueue_->submit(std::move(target), kind, std::move(identity), std::move(changes), std::move(finish));
  return job.isOk() ? *job : 0;
}

ControlReply RadiusService::dynAuthCommand(const Json& args, aaa::radius::DynAuthKind kind) {
  const bool disconnect = kind == aaa::radius::DynAuthKind::kDisconnect;
  CommandArgs a(args);
  core::Status s = a.only({"id", "user", "wait"});
  if (!s.isOk()) return fail(s);
  core::Result<std::optional<bool>> waitArg = a.boolean("wait");
  if (!waitArg.isOk()) return fail(waitArg.status());
  const bool wait = waitArg->value_or(true);
  Json selector = args;
  selector.erase("wait");
  core::Result<std::vector<aaa::acct::SessionRow>> rows = selectSessions(selector);
  if (!rows.isOk()) return fail(rows.status());

  // The answers, filled in by the NAS workers while (or after) the command waits for them.
  struct Batch {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<Json> results;
    size_t left = 0;
  };
  auto batch = std::make_shared<Batch>();
  batch->results.resize(rows->size());
  batch->left = rows->size();
  const char* what = disconnect ? "disconnect" : "coa";
  for (size_t i = 0; i < rows->size(); ++i) {
    const aaa::acct::SessionRow& row = (*rows)[i];
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

  auto answer = [batch, disconnect, total = rows->size()]() {
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
    return ControlReply::success(std::to_string(rows->size()) + " " +
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

ControlReply RadiusService::sessionDisconnect(const Json& args) {
  return dynAuthCommand(args, aaa::radius::DynAuthKind::kDisconnect);
}

ControlReply RadiusService::sessionCoa(const Json& args) { return dynAuthCommand(args, aaa::radius::DynAuthKind::kCoa); }

void RadiusService::queuePlanCoa(core::Database& db, const std::set<int64_t>& planIds, const std::string& why) {
  auto snap = snapshots_.current();
  core::Status settled = settleLedger();  // young sessions too (ADR 0011)
  if (!settled.isOk()) {
    core::logError(why, ": writing the ledger's live sessions: ", settled.message());
    return;
  }
  core::Result<std::vector<aaa::acct::SessionRow>> rows = aaa::acct::liveSessions(db, "", "");
  if (!rows.isOk()) {
    core::logError(why, ": listing live sessions: ", rows.status().message());
    return;
  }
  size_t queued = 0;
  {
    std::lock_guard<std::mutex> lock(coaMu_);
    if (coaStopping_) return;
    for (const auto& row : *rows) {
      const aaa::policy::Subscriber* sub = snap->findSubscriber(row.username);
      if (sub == nullptr || planIds.count(sub->planId) == 0) continue;
      coaQueue_.push_back(CoaJob{row, row.username, aaa::radius::DynAuthKind::kCoa, why, std::nullopt});
      ++queued;
    }
  }
  if (queued > 0) {
    core::logInfo(why, ": CoA queued for ", queued, " live session(s)");
    coaWake_.notify_all();
  }
}

void RadiusService::checkWindowBoundaries(int64_t now) {
  // A time-of-day window with its own rate starting or ending changes the rate in force: the
  // sessions of its plans get a CoA (checked every few seconds, so within seconds of the boundary).
  if (lastWindowCheck_ == 0 || now < lastWindowCheck_) {
    lastWindowCheck_ = now;
    return;
  }
  std::set<int64_t> changed;
  for (const aaa::policy::Plan& p : snapshots_.current()->plans) {
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

void RadiusService::queueUserDynAuth(const std::string& username, aaa::radius::DynAuthKind kind,
                                     const std::string& why) {
  {
    std::lock_guard<std::mutex> lock(coaMu_);
    if (coaStopping_) return;
    coaQueue_.push_back(CoaJob{std::nullopt, username, kind, why, std::nullopt});
  }
  coaWake_.notify_all();
}

void RadiusService::enforce(const Enforcement& e) {
  std::optional<aaa::radius::RateLimit> rate;
  if (e.kind == aaa::radius::DynAuthKind::kCoa) rate = e.rate;
  if (e.sessions.empty()) {
    {
      std::lock_guard<std::mutex> lock(coaMu_);
      if (coaStopping_) return;
      coaQueue_.push_back(CoaJob{std::nullopt, e.username, e.kind, e.why, rate});
    }
    coaWake_.notify_all();
    return;
  }
  // Held while submitting: stop() marks coaStopping_ under it before it drops dynauthQueue_.
  std::lock_guard<std::mutex> lock(coaMu_);
  if (coaStopping_) return;
  for (const EnforcedSession& k : e.sessions) {
    aaa::acct::SessionRow row;
    row.uid = k.uid;
    row.acctSessionId = k.acctSessionId;
    row.username = e.username;
    row.nas = k.nas;
    row.nasAddress = k.nasAddress;
    row.framedIp = k.framedIp;
    row.callingStationId = k.callingStationId;
    // Queued on the session's NAS worker: the caller (the acct writer's thread) never waits on a NAS.
    submitDynAuth(row, e.kind, logDynAuthResult(e.why, e.kind), rate);
  }
}

void RadiusService::coaLoop() {
  for (;;) {
    CoaJob job;
    {
      std::unique_lock<std::mutex> lock(coaMu_);
      coaWake_.wait(lock, [this] { return coaStopping_ || !coaQueue_.empty(); });
      if (coaStopping_) return;
      job = std::move(coaQueue_.front());
      coaQueue_.pop_front();
    }
    std::vector<aaa::acct::SessionRow> targets;
    if (job.session) {
      targets.push_back(*job.session);
    } else {
      // The user's sessions as of now, young ones too (ADR 0011).
      std::string username = job.username;
      core::Status settled =
          acctWriter_->submit([this, username](core::Database& db) { return ledger_.flushUser(db, username); }).get();
      if (!settled.isOk()) {
        core::logError(job.why, ": writing the sessions of ", job.username, ": ", settled.message());
        continue;
      }
      core::Result<std::vector<aaa::acct::SessionRow>> rows = aaa::acct::liveSessions(*coaReader_, job.username, "");
      if (!rows.isOk()) {
        core::logError(job.why, ": listing the sessions of ", job.username, ": ", rows.status().message());
        continue;
      }
      targets = std::move(*rows);
    }
    // Queued on each session's NAS worker: this thread never waits on a NAS.
    for (const aaa::acct::SessionRow& row : targets) {
      submitDynAuth(row, job.kind, logDynAuthResult(job.why, job.kind), job.rate);
    }
  }
}

}  // namespace edge
