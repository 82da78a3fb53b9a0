#include "edge/radius/radius_service.h"

#include <chrono>
#include <set>
#include <thread>

#include "aaa/policy/dunning.h"
#include "aaa/policy/store.h"
#include "aaa/radius/reply.h"
#include "core/clock.h"
#include "core/log.h"
#include "edge/radius/radius_counters.h"

namespace edge {

namespace {

using core::ControlReply;
using core::Json;
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
  s.walled = {c.walledFilterId, c.walledAddressList, c.walledUrl};
  return s;
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
  vouchers_ = std::make_unique<VoucherService>(VoucherService::Deps{
      writer, reader, snapshots_, core::SystemClock::instance(), tenantName_,
      [this](std::string_view username) { return sessionCounts_.count(username); },
      [this](const std::string& username) {
        sessions_->queueUserDynAuth(username, aaa::radius::DynAuthKind::kDisconnect, "voucher revoked");
      },
      [this](size_t adding) -> std::optional<std::string> { return capacityCheck_ ? capacityCheck_(adding) : std::nullopt; },
      [this] { return keepCleartext(); }});
  catalog_ = std::make_unique<CatalogService>(CatalogService::Deps{
      writer, reader, snapshots_, core::SystemClock::instance(), counters_,
      [this](size_t adding) -> std::optional<std::string> { return capacityCheck_ ? capacityCheck_(adding) : std::nullopt; },
      [this] { return keepCleartext(); },
      // Live sessions of a changed plan get its rate by CoA (on the command's read connection).
      [this](const std::set<int64_t>& planIds) { sessions_->planChanged(planIds, "plan change"); },
      // Other subscriber changes apply from the subscriber's next request (no Disconnect, no CoA).
      nullptr,
      // A subscriber moved to another plan: its live sessions get the new plan's rate by CoA, as a
      // plan-set gives a plan's sessions (queued per NAS; the command does not wait for the NAS).
      [this](const std::string& username) {
        sessions_->queueUserDynAuth(username, aaa::radius::DynAuthKind::kCoa, "subscriber plan change");
      },
      // Dunning (ADR 0048) acts on live sessions at once: a CoA with the new rate (throttle, restore),
      // a Disconnect into the walled or suspended state (or out of the walled one).
      [this](const aaa::policy::Subscriber& before, const aaa::policy::Subscriber& after) {
        dunningChanged(before, after);
      }});
  quota_ = std::make_unique<QuotaService>(QuotaService::Deps{
      writer, reader, snapshots_, core::SystemClock::instance(),
      [this](std::string_view username) { return sessionCounts_.count(username); },
      [this](const Enforcement& e) { sessions_->enforce(e); }});
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
  // Read at start only (the live sessions' counts, the quota book); the sessions' service has its own.
  EDGE_ASSIGN_OR_RETURN(std::unique_ptr<core::Database> startReader, core::Database::open(acctOptions));
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
  core::Result<std::vector<std::pair<std::string, uint32_t>>> counts = aaa::acct::liveSessionCounts(*startReader);
  if (!counts.isOk()) return counts.status().withContext("loading live sessions");
  sessionCounts_.reset(*counts);
  EDGE_RETURN_IF_ERROR(quota_->load(*startReader));
  EDGE_ASSIGN_OR_RETURN(
      sessions_, SessionService::open(SessionService::Deps{
                     *acctWriter_, ledger_, acctOptions, snapshots_, attributes_, sessionCounts_, counters_,
                     core::SystemClock::instance(), accounting_.disconnectGraceSeconds, aaa::radius::RetryPolicy{},
                     quota_->lookup(), [this](const aaa::policy::Subscriber& s, const aaa::policy::Plan& plan,
                                              int64_t now) { return quota_->billingJson(s, plan, now); }}));
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
  if (!config.eapCertificate.empty()) {
    aaa::eap::EapServerConfig ec;
    ec.tls.certificateFile = config.eapCertificate;
    ec.tls.keyFile = config.eapKey;
    ec.tls.caFile = config.eapCa;
    ec.tls.crlFile = config.eapCrl;
    ec.firstMethod = config.eapFirstMethod == "tls"    ? aaa::eap::kTypeTls
                     : config.eapFirstMethod == "ttls" ? aaa::eap::kTypeTtls
                                                       : aaa::eap::kTypePeap;
    ec.maxConversations = static_cast<size_t>(config.eapMaxConversations);
    ec.maxConversationsPerNas = static_cast<size_t>(config.eapMaxConversationsPerNas);
    ec.timeoutSeconds = static_cast<int>(config.eapTimeoutSeconds);
    ec.fragmentSize = static_cast<size_t>(config.eapFragmentSize);
    ec.resumptionSeconds = static_cast<int>(config.eapResumptionSeconds);
    ec.resumptionMaxSessions = static_cast<size_t>(config.eapResumptionMaxSessions);
    ec.requirePeapCryptoBinding = config.eapPeapCryptoBinding == "required";
    core::Result<std::unique_ptr<aaa::eap::EapServer>> eap = aaa::eap::EapServer::create(ec, counters_);
    if (!eap.isOk()) return eap.status().withContext("radius");
    eapServer_ = std::move(*eap);
    server_->setEap(eapServer_.get());
    core::logInfo("EAP (", config.eapCa.empty() ? "PEAP, EAP-TTLS" : "EAP-TLS, PEAP, EAP-TTLS", ") on the auth port; first method ",
                  config.eapFirstMethod);
  }
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
  if (!config.radsecCertificate.empty()) {
    aaa::radius::RadsecServerConfig rc;
    rc.listen = config.listen;
    rc.port = static_cast<uint16_t>(config.radsecPort);
    rc.certificateFile = config.radsecCertificate;
    rc.keyFile = config.radsecKey;
    rc.caFile = config.radsecCa;
    rc.crlFile = config.radsecCrl;
    rc.maxConnections = static_cast<int>(config.radsecMaxConnections);
    rc.maxConnectionsPerNas = static_cast<int>(config.radsecMaxConnectionsPerNas);
    rc.idleTimeoutSeconds = static_cast<int>(config.radsecIdleTimeoutSeconds);
    rc.handshakeTimeoutSeconds = static_cast<int>(config.radsecHandshakeTimeoutSeconds);
    subscriptions_.push_back(events_.subscribe<aaa::radius::RadsecEvent>([](const aaa::radius::RadsecEvent& e) {
      core::logWarning("RadSec ", e.peer, e.nas.empty() ? "" : " (NAS ", e.nas, e.nas.empty() ? "" : ")", ": ",
                       e.what);
    }));
    radsecServer_ = std::make_unique<aaa::radius::RadsecServer>(rc, snapshots_, *server_, *acctServer_, counters_,
                                                                &events_);
    core::Status s = radsecServer_->start();
    if (!s.isOk()) return s.withContext("radius");
    core::logInfo("RadSec (RADIUS over TLS) listening on ", config.listen, " port ", radsecServer_->port());
  }
  sessionsOnline_ = &RadiusCounters(counters_).sessionsOnline;  // once (radius_counters.h declares it)
  core::logInfo("RADIUS listening on ", config.listen, " auth ", server_->port(), ", accounting ",
                acctServer_->port(), " (", threads, " threads each); ", subscriberCount, " subscribers loaded in ",
                loadMs, " ms; ", sessionCounts_.total(), " sessions online");
  return core::Status::ok();
}

void RadiusService::stopDynAuth() {
  if (sessions_) sessions_->stopDynAuth();
}

void RadiusService::stop() {
  // Before the ledger's writer, which an ACK's callback uses.
  stopDynAuth();
  for (core::EventBus::SubscriptionId id : subscriptions_) events_.unsubscribe(id);
  subscriptions_.clear();
  // RadSec first: its connections feed the auth and accounting servers.
  if (radsecServer_) radsecServer_->stop();
  radsecServer_.reset();
  if (server_) server_->stop();
  server_.reset();
  eapServer_.reset();
  if (acctServer_) acctServer_->stop();
  if (acctWriter_) {
    // Not needed for safety (the journal is replayed), but tidy.
    core::Status s = acctWriter_->submit([this](core::Database& db) { return ledger_.flushAll(db); }).get();
    if (!s.isOk()) core::logError("writing the ledger's views at stop: ", s.message());
    acctWriter_->stop();
  }
  // Only now: the writer's batch hook belongs to the accounting server, and settling runs a batch.
  acctServer_.reset();
  sessions_.reset();  // after the writer drained the jobs it submitted
  acctWriter_.reset();
}

void RadiusService::tick(int64_t now) {
  if (sessionsOnline_ != nullptr) sessionsOnline_->set(sessionCounts_.total());
  if (sessions_) sessions_->tick(now);
}

void RadiusService::applySettings(const RadiusConfig& config) {
  config_.authMethods = config.authMethods;
  config_.requireMessageAuthenticator = config.requireMessageAuthenticator;
  snapshots_.publishSettings(settingsOf(config));
}

core::Status RadiusService::reloadCertificates(const RadiusConfig& config) {
  // Both are read before either is used: a bad file refuses the reload and changes nothing.
  std::shared_ptr<const aaa::eap::TlsContext> eap;
  if (eapServer_) {
    aaa::eap::TlsServerConfig files{config.eapCertificate, config.eapKey, config.eapCa, config.eapCrl};
    EDGE_ASSIGN_OR_RETURN(eap, eapServer_->loadTls(files));
  }
  if (radsecServer_) {
    aaa::radius::RadsecServerConfig files;
    files.certificateFile = config.radsecCertificate;
    files.keyFile = config.radsecKey;
    files.caFile = config.radsecCa;
    files.crlFile = config.radsecCrl;
    EDGE_RETURN_IF_ERROR(radsecServer_->reloadTls(files));
  }
  if (eapServer_) eapServer_->useTls(std::move(eap));
  return core::Status::ok();
}

void RadiusService::dunningChanged(const aaa::policy::Subscriber& before, const aaa::policy::Subscriber& after) {
  const aaa::policy::DunningAction action = aaa::policy::dunningActionOnChange(before, after);
  const std::string& user = after.username;
  std::string state = after.dunning == aaa::policy::Dunning::kNone
                          ? std::string(before.dunning == aaa::policy::Dunning::kNone ? "not dunned" : "dunning ended")
                          : aaa::policy::dunningText(after);
  std::string what = action == aaa::policy::DunningAction::kCoa          ? "; CoA for the live sessions"
                     : action == aaa::policy::DunningAction::kDisconnect ? "; Disconnect for the live sessions"
                                                                         : "";
  core::logInfo("dunning: ", user, ": ", state, what);
  events_.publish(DunningEvent{"dunning", user + ": " + state + what});
  if (action == aaa::policy::DunningAction::kNone) return;
  const auto kind = action == aaa::policy::DunningAction::kCoa ? aaa::radius::DynAuthKind::kCoa
                                                               : aaa::radius::DynAuthKind::kDisconnect;
  sessions_->queueUserDynAuth(user, kind, "dunning", [this, kind](const Json& r) {
    std::string detail = r.value("username", std::string()) + ": " +
                         (kind == aaa::radius::DynAuthKind::kCoa ? "CoA" : "Disconnect");
    if (r.contains("nas")) detail += " nas=" + r.value("nas", std::string());
    if (r.contains("id")) detail += " session=" + r.value("id", std::string());
    if (r.contains("rate")) detail += " rate=" + r.value("rate", std::string());
    detail += " outcome=" + r.value("outcome", std::string());
    std::string message = r.value("message", std::string());
    if (!message.empty()) detail += " (" + message + ")";
    events_.publish(DunningEvent{"dunning-coa", detail});
  });
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
  j["radsec-port"] = radsecServer_ ? radsecServer_->port() : 0;  // 0: RadSec off
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

void RadiusService::registerCommands(core::command::Table& c) {
  // The catalog's commands go to catalog_ (edge/radius/catalog_service.h).
  catalog_->registerCommands(c);
  // The sessions' commands go to sessions_ (edge/radius/session_service.h).
  sessions_->registerCommands(c);
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
  // Suspended or walled for non-payment (ADR 0048): not a client of the gateway.
  if (sub->dunning == aaa::policy::Dunning::kSuspend || sub->dunning == aaa::policy::Dunning::kWalled) return std::nullopt;
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

}  // namespace edge
