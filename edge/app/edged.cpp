#include "edge/app/edged.h"

#include <unordered_set>

#include <unistd.h>

#include <fstream>
#include <iterator>

#include "core/clock.h"
#include "core/license.h"
#include "core/log.h"
#include "core/web/page.h"
#include "edge/app/edge_schema.h"
#include "edge/app/event_log.h"
#include "edge/app/support_bundle.h"
#include "edge/commands/edge_commands.h"
#include "edge/radius/radius_counters.h"

namespace edge {

const char* const kVersion = "0.1.0";

namespace {

core::StoreOptions storeOptions(const EdgeConfig& config) {
  core::StoreOptions o;
  o.path = config.databasePath();
  o.synchronous =
      config.database.synchronous == "normal" ? core::StoreOptions::Synchronous::kNormal : core::StoreOptions::Synchronous::kFull;
  o.busyTimeoutMs = static_cast<int>(config.database.busyTimeoutMs);
  o.migrations = edgeMigrations();
  return o;
}

std::string parentDir(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

Edged::Edged(std::string configPath, EdgeConfig config)
    : configPath_(std::move(configPath)),
      config_(std::move(config)),
      commands_(edgeRoles(), edgeCommandSpecs()),
      control_(commands_),
      reloads_(counters_.counter("edged_config_reloads_total", "Configuration reloads applied")),
      reloadFailures_(counters_.counter("edged_config_reload_failures_total",
                                        "Configuration reloads refused (the running config was kept)")),
      controlCommands_(counters_.counter("edged_control_commands_total", "Commands received on the control socket")),
      licenseRefusals_(counters_.counter("edged_license_refusals_total",
                                         "Management changes refused by the license (cap, feature, frozen after grace)")),
      clockRollbacks_(counters_.counter("edged_clock_rollbacks_total",
                                        "Times the wall clock was found set back behind the latest time the box had seen")),
      logSuppressed_(counters_.counter("edged_log_lines_suppressed_total",
                                       "Log lines about auth rejects and RADIUS drops not written (over their budget "
                                       "of lines a second)")) {}

Edged::~Edged() { stop(); }

core::Status Edged::start() {
  // Signals first: every thread started below inherits the blocked mask.
  EDGE_RETURN_IF_ERROR(loop_.init());
  core::Logger::instance().setLevel(*core::parseLogLevel(config_.logLevel));

  EDGE_RETURN_IF_ERROR(core::ensureWritableDir(config_.dataDir, 0750, "data-dir"));
  EDGE_RETURN_IF_ERROR(core::ensureWritableDir(parentDir(config_.pidFile), 0755, "pid-file folder"));
  EDGE_RETURN_IF_ERROR(core::ensureWritableDir(parentDir(config_.controlSocket), 0750, "control-socket folder"));
  EDGE_RETURN_IF_ERROR(pidFile_.acquire(config_.pidFile, "edged"));

  core::StoreOptions options = storeOptions(config_);
  core::Result<std::unique_ptr<core::Writer>> writer = core::Writer::open(options);
  if (!writer.isOk()) return writer.status();
  writer_ = std::move(*writer);
  options.readOnly = true;
  core::Result<std::unique_ptr<core::Database>> reader = core::Database::open(options);
  if (!reader.isOk()) return reader.status();
  db_ = std::move(*reader);

  subscribeLogging();
  radius_ = std::make_unique<RadiusService>(counters_, events_);
  // An `eap install` a stop interrupted is completed or undone before EAP reads its files.
  EDGE_RETURN_IF_ERROR(certs::CertificateService::finishInterruptedInstall(config_.radius.eapCertificate,
                                                                           config_.radius.eapKey)
                           .withContext("radius.eap-key"));
  EDGE_RETURN_IF_ERROR(radius_->start(config_.radiusService(), *writer_, *db_));

  core::Status licensed = license_.open(config_.dataDir, config_.license.trustedKey);
  if (!licensed.isOk()) core::logError("license: ", licensed.message(), "; running without a license");
  startedMono_ = std::chrono::steady_clock::now();
  health_ = std::make_unique<HealthMonitor>(counters_, events_, *radius_, license_);
  health_->configure(config_.alerts, config_.dataDir);
  if (!config_.network.devices.empty()) {  // a thread of its own, never a RADIUS thread (ADR 0062)
    network_ = std::make_unique<NetworkPoller>(counters_, config_.network, config_.dataDir, NetworkPoller::defaultProgram());
    EDGE_RETURN_IF_ERROR(network_->start());
    health_->setNetworkSource([this] { return network_->snapshot(); });
  }
  mibCounters_ = std::make_unique<snmp::MibCounters>(
      counters_, snmp::EdgedHandles::of(health_->counters(), health_->syncCounters(), health_->gatewayGauges(),
                                       aaa::eap::EapCounters::registerIn(counters_),
                                       aaa::radius::RadsecCounters::registerIn(counters_)));

  SyncOptions syncOptions;
  syncOptions.dataDir = config_.dataDir;
  syncOptions.databasePath = config_.databasePath();
  syncOptions.databaseMigrations = edgeMigrations();
  syncOptions.accountingDatabasePath = config_.accountingDatabasePath();
  syncOptions.version = kVersion;
  syncOptions.versionFile = config_.sync.versionFile;
  syncOptions.maxBackoffSeconds = config_.sync.maxBackoff;
  syncOptions.usageBatch = config_.sync.usageBatch;
  syncOptions.outboxLimit = config_.sync.outboxLimit;
  // The UI's certificate is read before the sync agent runs: a renewal replaces device.pem and its
  // key one file after the other, and reading the pair in between would give a mismatched identity.
  EDGE_RETURN_IF_ERROR(SyncAgent::finishInterruptedRenewal(config_.dataDir).withContext("sync"));
  EDGE_ASSIGN_OR_RETURN(uiIdentity_, webui::loadTlsIdentity(config_.dataDir, core::SystemClock::instance().unixSeconds()));
  // Before the sync agent: its check-ins bring the central technicians (ADR 0046).
  EDGE_ASSIGN_OR_RETURN(accounts_, webui::AccountService::open(*writer_));
  // Before the sync agent: it installs EAP's certificate from the management plane (ADR 0069).
  {
    certs::CertificateDeps d;
    d.paths = [this] {
      std::lock_guard<std::mutex> lock(configMu_);
      const RadiusConfig& r = config_.radius;
      return certs::CertificatePaths{r.eapCertificate, r.eapKey,   r.eapCa,          r.eapCrl,
                                     r.radsecCertificate, r.radsecCa, r.radsecCrl, config_.dataDir,
                                     config_.alerts.certificateWarningDays};
    };
    d.uiCertificatePem = [this] { return uiIdentity_.certPem; };
    d.reload = [this] {
      std::lock_guard<std::mutex> lock(configMu_);
      return radius_->reloadCertificates(config_.radius);
    };
    d.record = [this](const std::string& kind, const std::string& detail) {
      core::logInfo(kind, ": ", detail);
      core::Status s = recordEvent(kind, detail);
      if (!s.isOk()) core::logError("recording ", kind, ": ", s.message());
    };
    d.now = [] { return core::SystemClock::instance().unixSeconds(); };
    certs_ = std::make_unique<certs::CertificateService>(std::move(d));
    certs_->registerCommands(commands_);
    health_->setCertificateCheck([this](int64_t now) {
      std::vector<CertificateFinding> out;
      for (const certs::Finding& f : certs_->findings(now)) out.push_back({f.name, f.expired, f.text});
      return out;
    });
  }
  sync_ = std::make_unique<SyncAgent>(
      syncOptions, *writer_, license_, counters_,
      [this](const std::string& command, const core::Json& args) {
        return control_.handle(core::Json{{"command", command}, {"arguments", args}});
      },
      [this] { return checkinReport(); });
  sync_->onCentralAccounts([this](const std::string& version, const std::vector<core::sync::CentralAccount>& list) {
    return accounts_->replaceCentral(version, list);
  });
  sync_->onEapCertificate(SyncAgent::EapHooks{
      [this] {
        certs::EapIssuance i = certs_->eapIssuance();
        return SyncAgent::EapState{i.enabled, i.fromMgmt, i.renewAt};
      },
      [this](const std::string& certificate, const std::string& key) -> core::Status {
        // The same command as `edgectl eap install` (checked, written atomically, reloaded).
        core::Json r = control_.handle(core::Json{{"command", "eap-install"},
                                                  {"arguments", {{"certificate", certificate}, {"key", key}}}});
        if (r.value("result", -1) == core::kControlSuccess) return core::Status::ok();
        core::Status s = core::failedPrecondition(r.value("text", std::string("eap-install failed")));
        (void)recordEvent("eap-certificate-not-installed", "from the management plane: " + s.message());
        return s;
      }});
  EDGE_RETURN_IF_ERROR(sync_->start().withContext("sync"));
  health_->setUsageAcknowledged([this] { return sync_->usageWatermark(); });
  EDGE_RETURN_IF_ERROR(applySnmpLicense().withContext("snmp"));
  // Alerts: logged, kept in the event list, sent as notifications.
  events_.subscribe<Alert>([this](const Alert& a) {
    core::logWarning("alert ", alertKindName(a.kind), ": ", a.text);
    core::Status s = recordEvent(std::string("alert ") + alertKindName(a.kind), a.text);
    if (!s.isOk()) core::logError("recording an alert: ", s.message());
    if (auto agent = snmp()) agent->notify(a);
  });
  // Dunning (ADR 0048): each change and each CoA/Disconnect it caused, in the event list.
  events_.subscribe<DunningEvent>([this](const DunningEvent& e) {
    core::Status s = recordEvent(e.kind, e.detail);
    if (!s.isOk()) core::logError("recording ", e.kind, ": ", s.message());
  });

  registerCommands();
  radius_->setCapacityCheck([this](size_t adding) -> std::optional<std::string> {
    std::optional<core::License> l = license_.current();
    if (!l) return std::nullopt;  // a standalone box
    std::optional<std::string> refusal = capRefusal(*l, adding);
    if (refusal) licenseRefusals_.inc();
    return refusal;
  });
  radius_->registerCommands(commands_);
  accounts_->registerCommands(commands_);
  {
    diagnostics::DiagnosticsDeps d;
    d.radius = radius_.get();
    d.events = &events_;
    d.dataDir = config_.dataDir;
    d.mgmt = [this] {
      diagnostics::MgmtEndpoint m;
      core::Json s = sync_->statusJson();
      m.url = s.value("url", "");
      std::ifstream ca(config_.dataDir + "/sync/mgmt-ca.pem");
      if (!m.url.empty() && ca) m.caPem.assign(std::istreambuf_iterator<char>(ca), std::istreambuf_iterator<char>());
      return m;
    };
    d.dynauthPorts = [this] {
      std::vector<uint16_t> ports;
      if (auto snap = radius_->snapshot())
        for (const auto& n : snap->nas) ports.push_back(n.coaPort);
      return ports;
    };
    diagnostics_ = std::make_unique<diagnostics::Diagnostics>(std::move(d));
    EDGE_RETURN_IF_ERROR(diagnostics_->start());
    diagnostics_->registerCommands(commands_);
  }
  std::string unbound = commands_.unbound();
  if (!unbound.empty()) return core::internalError("commands declared in edge/commands without a handler: " + unbound);
  commands_.intercept(
      [this](const core::command::Spec& spec, const core::Json& args) { return licenseGate(spec, args); },
      [this](const core::command::Spec& spec, const core::Json& args, const core::ControlReply& reply) {
        reportLocalChange(spec, args, reply);
      });
  // Before the control socket opens: when edgectl can talk to edged, the portal answers.
  if (config_.gateway.enabled) {
    std::optional<core::License> l = license_.current();
    if (l && !l->hasFeature(core::kFeatureCaptivePortal)) {
      core::logError("gateway: the captive portal is not part of the ", l->tier, " tier's license: the gateway is off");
      (void)recordEvent("gateway-off", "not part of the " + l->tier + " tier's license");
    } else {
      gateway_ = std::make_unique<Gateway>(config_.gateway, config_.dataDir, config_.accountingDatabasePath(),
                                          *radius_, control_, counters_);
      EDGE_RETURN_IF_ERROR(gateway_->start());
    }
  }
  control_.countIn(counters_, "edged_control");

  core::HttpServerOptions adminOptions;
  adminOptions.name = "admin HTTP";
  adminOptions.listen = config_.admin.listen;
  adminOptions.port = static_cast<uint16_t>(config_.admin.port);
  adminOptions.maxBodyBytes = 64 * 1024;
  admin_ = std::make_unique<core::HttpServer>(adminOptions);
  admin_->route("GET", "/metrics", [this](const core::HttpRequest&) {
    core::HttpResponse r;
    r.contentType = "text/plain; version=0.0.4; charset=utf-8";
    r.body = core::prometheusText(counters_);
    return r;
  });
  EDGE_RETURN_IF_ERROR(startWebUi());
  for (const char* path : {"/", "/login"}) {
    // The UI is HTTPS only: its entry points on plain HTTP redirect there (same host name as asked).
    admin_->route("GET", path, [this](const core::HttpRequest& r) {
      std::string host = r.headers.count("host") ? r.headers.at("host") : "";
      size_t colon = host.rfind(':');
      if (colon != std::string::npos && host.find(']', colon) == std::string::npos) host.resize(colon);
      std::string url = host.empty() ? webUiUrl() : "https://" + host + ":" + std::to_string(ui_->port()) + "/";
      return core::web::redirect(301, url, "The technician UI is on HTTPS");
    });
  }
  EDGE_RETURN_IF_ERROR(admin_->start().withContext("admin.listen/admin.port"));

  startedUnix_ = core::SystemClock::instance().unixSeconds();
  started_ = true;
  EDGE_RETURN_IF_ERROR(recordEvent("started", std::string("edged ") + kVersion + ", pid " + std::to_string(::getpid())));
  // The control socket opens last: when edgectl can talk to edged, every listener is up and the
  // start is in edge.db (a kill -9 right after `edgectl status` answered leaves a "started" event).
  EDGE_RETURN_IF_ERROR(control_.start(config_.controlSocket));
  core::logInfo("edged ", kVersion, " started: data-dir ", config_.dataDir, ", control socket ", config_.controlSocket,
                ", database schema v", db_->schemaVersion());
  core::sdNotify("READY=1\nSTATUS=serving");
  return core::Status::ok();
}

int Edged::run() {
  for (;;) {
    switch (loop_.wait(1000)) {
      case core::DaemonLoop::Event::kStop:
        core::logInfo("edged stopping");
        return 0;
      case core::DaemonLoop::Event::kReload: {
        core::Status s = reload();
        if (!s.isOk()) core::logError("config reload refused, keeping the running config: ", s.message());
        break;
      }
      case core::DaemonLoop::Event::kTick: {
        int64_t now = core::SystemClock::instance().unixSeconds();
        if (radius_) radius_->tick(now);
        if (gateway_) gateway_->tick();
        if (health_) health_->tick(now);
        if (webui_) webui_->tick(now);
        license_.observeClock(now);
        if (core::Status s = applySnmpLicense(); !s.isOk()) core::logError("snmp: ", s.message());
        if (uint64_t seen = license_.rollbacks(); seen > rollbacksReported_) {
          clockRollbacks_.inc(seen - rollbacksReported_);
          rollbacksReported_ = seen;
          std::string text = "the clock is " + std::to_string(license_.rollbackSeconds()) +
                             " s behind the latest time this box has seen: licenses are judged at that time";
          core::logError("clock: ", text);
          (void)recordEvent("clock-rollback", text);
        }
        break;
      }
    }
  }
}

core::Status Edged::reload() {
  core::sdNotify("RELOADING=1");
  core::Status result;
  {
    std::lock_guard<std::mutex> lock(configMu_);
    // Staging: the new file is read and validated completely before anything changes.
    core::Result<EdgeConfig> staged = loadEdgeConfig(configPath_);
    if (!staged.isOk()) {
      result = staged.status();
    } else {
      result = checkReloadable(config_, *staged);
      // The EAP and RadSec files are read (and a bad one refuses the reload) before anything changes.
      if (result.isOk() && radius_) result = radius_->reloadCertificates(staged->radius);
      if (result.isOk()) {
        // Commit.
        config_ = std::move(*staged);
        core::Logger::instance().setLevel(*core::parseLogLevel(config_.logLevel));
        if (radius_) radius_->applySettings(config_.radius);
        if (gateway_) gateway_->applySettings(config_.gateway);
        if (health_) health_->configure(config_.alerts, config_.dataDir);
      }
    }
  }
  if (result.isOk()) {
    reloads_.inc();
    core::logInfo("config reloaded from ", configPath_);
    (void)recordEvent("config-reloaded", configPath_);
  } else {
    reloadFailures_.inc();
    (void)recordEvent("config-refused", result.message());
  }
  core::sdNotify("READY=1");
  return result;
}

void Edged::stop() {
  // Also after a start that failed midway: whatever did start (RADIUS threads, the gateway) stops
  // here, in order, before the members it uses are destroyed.
  if (stopped_) return;
  stopped_ = true;
  const bool wasStarted = started_;
  started_ = false;
  if (wasStarted) core::sdNotify("STOPPING=1");
  if (snmp_) snmp_->stop();
  if (network_) network_->stop();
  if (sync_) sync_->stop();
  if (gateway_) gateway_->stop();
  // A command waiting for a NAS's answer returns at once; then the control socket can stop.
  if (radius_) radius_->stopDynAuth();
  // Diagnostics runs end (their children killed), so an edgectl waiting for one returns too.
  if (diagnostics_) diagnostics_->stop();
  control_.stop();
  if (admin_) admin_->stop();
  if (ui_) ui_->stop();
  if (radius_) radius_->stop();
  if (wasStarted) {
    core::Status s = recordEvent("stopped", "clean shutdown");
    if (!s.isOk()) core::logError("recording the stop event: ", s.message());
  }
  db_.reset();
  if (writer_) writer_->stop();
  writer_.reset();
  pidFile_.release();
  if (wasStarted) core::logInfo("edged stopped");
}

core::Status Edged::recordEvent(const std::string& kind, const std::string& detail) {
  if (!writer_) return core::failedPrecondition("database is not open");
  std::string at = core::formatRfc3339(core::SystemClock::instance().wallNow());
  std::future<core::Status> done = writer_->submit([at, kind, detail](core::Database& db) -> core::Status {
    core::Result<core::Statement> st = db.prepare("INSERT INTO events(at, kind, detail) VALUES (?, ?, ?)");
    if (!st.isOk()) return st.status();
    return st->bindText(1, at).bindText(2, kind).bindText(3, detail).run();
  });
  return done.get().withContext("recording event " + kind);
}

core::Json Edged::statusJson() {
  EdgeConfig config;
  {
    std::lock_guard<std::mutex> lock(configMu_);
    config = config_;
  }
  core::Json counters = core::Json::object();
  for (const core::CounterInfo& c : counters_.list()) {
    // Labelled counters are keyed Prometheus-style: radius_auth_rejects_by_reason_total{reason="expired"}.
    std::string key = c.name;
    if (!c.labels.empty()) {
      key += "{";
      bool first = true;
      for (const auto& [k, v] : c.labels) {
        key += (first ? "" : ",") + k + "=\"" + v + "\"";
        first = false;
      }
      key += "}";
    }
    counters[key] = core::counterJson(c);
  }
  const core::WriterStats& ws = writer_->stats();
  core::Json out = core::Json::object();
  out["version"] = kVersion;
  out["pid"] = ::getpid();
  out["uptime-seconds"] =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - startedMono_).count();
  out["started-at"] = core::formatRfc3339(core::WallTime(std::chrono::seconds(startedUnix_)));
  out["config-file"] = configPath_;
  out["data-dir"] = config.dataDir;
  out["control-socket"] = config.controlSocket;
  std::string host = config.admin.listen.find(':') != std::string::npos ? "[" + config.admin.listen + "]" : config.admin.listen;
  out["metrics-url"] = admin_ ? "http://" + host + ":" + std::to_string(admin_->port()) + "/metrics" : "";
  out["ui-url"] = ui_ ? webUiUrl() : "";
  out["ui-certificate"] = core::Json{{"sha256-fingerprint", uiIdentity_.fingerprint},
                                     {"source", uiIdentity_.source},
                                     {"not-after", core::formatRfc3339(core::WallTime(std::chrono::seconds(uiIdentity_.notAfter)))}};
  out["log-level"] = config.logLevel;
  out["database"] = core::Json{{"path", config.databasePath()},
                               {"schema-version", db_->schemaVersion()},
                               {"synchronous", config.database.synchronous},
                               {"batches", ws.batches.load()},
                               {"writes", ws.jobs.load()},
                               {"write-failures", ws.jobFailures.load()},
                               {"last-commit-us", ws.lastCommitMicros.load()}};
  if (radius_) out["radius"] = radius_->statusJson();
  if (gateway_) out["gateway"] = gateway_->statusJson();
  std::shared_ptr<SnmpAgent> agent = snmp();
  out["snmp"] = core::Json{{"enabled", config.snmp.enabled},
                           {"agentx-socket", config.snmp.agentxSocket},
                           {"running", agent != nullptr},  // off when the license lacks snmp
                           {"connected", agent && agent->connected()},
                           {"trap-receivers", config.snmp.trapReceivers}};
  out["license"] = licenseJson();
  out["counters"] = counters;
  return out;
}

void Edged::subscribeLogging() {
  // Rejects are logged with the request's label and the reason (never a password); accepts only at
  // debug level (they are counted either way). Names and stations come from outside: cut and
  // escaped. Rejects and drops can come in floods (a misconfigured NAS, an attack): each has a
  // budget of lines a second; the counters have every one.
  events_.subscribe<aaa::radius::AuthEvent>([this](const aaa::radius::AuthEvent& e) {
    if (e.accepted) {
      core::logDebug("auth accept: nas=", e.nas, " id=", static_cast<int>(e.packetId), " user=", core::logSafe(e.userName),
                     " method=", aaa::policy::authMethodName(e.method), " station=", core::logSafe(e.callingStationId));
      return;
    }
    uint64_t held = 0;
    if (!rejectLog_.allow(core::SystemClock::instance().unixSeconds(), &held)) {
      logSuppressed_.inc();
      return;
    }
    core::logInfo("auth reject: nas=", e.nas, " id=", static_cast<int>(e.packetId), " user=", core::logSafe(e.userName),
                  " method=", aaa::policy::authMethodName(e.method), " station=", core::logSafe(e.callingStationId),
                  " reason=", aaa::policy::rejectReasonName(e.reason),
                  e.detail.empty() ? std::string() : " " + core::logSafe(e.detail, 160),
                  held ? " (" + std::to_string(held) + " auth reject lines before this one not logged)" : std::string());
  });
  events_.subscribe<aaa::radius::AuthDropEvent>([this](const aaa::radius::AuthDropEvent& e) {
    uint64_t held = 0;
    if (!dropLog_.allow(core::SystemClock::instance().unixSeconds(), &held)) {
      logSuppressed_.inc();
      return;
    }
    core::logWarning("radius drop: from=", e.source, " nas=", e.nas.empty() ? std::string_view("(unknown)") : e.nas,
                     " reason=", e.reason,
                     held ? " (" + std::to_string(held) + " drop lines before this one not logged; see edgectl stats)"
                          : std::string());
  });
}

void Edged::registerCommands() {
  commands_.bind("status", [this](const core::Json&, const core::command::Caller&) {
                             controlCommands_.inc();
                             return core::ControlReply::success("edged is running", statusJson());
                           });
  commands_.bind("config-get", [this](const core::Json&, const core::command::Caller&) {
                             controlCommands_.inc();
                             std::lock_guard<std::mutex> lock(configMu_);
                             return core::ControlReply::success("running configuration",
                                                                edgeConfigTable().toJson(config_));
                           });
  commands_.bind("config-reload", [this](const core::Json&, const core::command::Caller&) {
                             controlCommands_.inc();
                             core::Status s = reload();
                             if (!s.isOk()) return core::ControlReply::error("reload refused: " + s.message());
                             return core::ControlReply::success("configuration reloaded from " + configPath_);
                           });
  commands_.bind("config-show", [this](const core::Json&, const core::command::Caller&) {
                             controlCommands_.inc();
                             std::lock_guard<std::mutex> lock(configMu_);
                             return core::ControlReply::success("running configuration, secrets redacted",
                                                                redactSecrets(edgeConfigTable().toJson(config_)));
                           });
  commands_.bind("support-bundle", [this](const core::Json&, const core::command::Caller&) {
                             controlCommands_.inc();
                             return supportBundle();
                           });
  commands_.bind("events", [this](const core::Json& args, const core::command::Caller&) -> core::ControlReply {
                             controlCommands_.inc();
                             // 1..100000: the spec's range, checked by the table (a number or its text).
                             EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> given, core::CommandArgs(args).integer("limit"));
                             const int64_t limit = given.value_or(50);
                             EventFilter filter;
                             filter.limit = limit;
                             core::CommandArgs a(args);
                             EDGE_ASSIGN_OR_RETURN(std::optional<std::string> kind, a.text("kind"));
                             EDGE_ASSIGN_OR_RETURN(std::optional<std::string> search, a.text("search"));
                             EDGE_ASSIGN_OR_RETURN(std::optional<std::string> since, a.text("since"));
                             filter.kind = kind.value_or("");
                             filter.search = search.value_or("");
                             if (since && !since->empty()) {
                               EDGE_ASSIGN_OR_RETURN(filter.since, normalizeSince(*since));
                             }
                             if (args.is_object() && args.contains("after") && args["after"].is_number_integer())
                               filter.after = args["after"].get<int64_t>();
                             // The control thread owns the read connection; the writer has its own.
                             EDGE_ASSIGN_OR_RETURN(core::Json rows, readEvents(*db_, filter));
                             return core::ControlReply::success(std::to_string(rows.size()) + " events", rows);
                           });
  commands_.bind("firmware-report", [this](const core::Json& args, const core::command::Caller&) -> core::ControlReply {
                             controlCommands_.inc();
                             core::CommandArgs a(args);
                             EDGE_ASSIGN_OR_RETURN(std::optional<std::string> outcome, a.text("outcome"));
                             EDGE_ASSIGN_OR_RETURN(std::optional<std::string> version, a.text("version"));
                             EDGE_ASSIGN_OR_RETURN(std::optional<std::string> slot, a.text("slot"));
                             EDGE_ASSIGN_OR_RETURN(std::optional<std::string> reason, a.text("reason"));
                             const std::string o = outcome.value_or("");
                             if (o != "installed" && o != "booted" && o != "committed" && o != "rolled-back" &&
                                 o != "refused")
                               return core::invalidArgument(
                                   "outcome: one of installed, booted, committed, rolled-back, refused");
                             if (slot.value_or("") != "a" && slot.value_or("") != "b") return core::invalidArgument("slot: a or b");
                             std::string detail = version.value_or("") + " slot " + slot.value_or("") +
                                                  (reason && !reason->empty() ? ": " + *reason : std::string());
                             EDGE_RETURN_IF_ERROR(recordEvent("firmware-" + o, detail));
                             return core::ControlReply::success("firmware " + o + " recorded");
                           });
  commands_.bind("license-show", [this](const core::Json&, const core::command::Caller&) {
                             controlCommands_.inc();
                             core::Json j = licenseJson();
                             return core::ControlReply::success("license: " + j["state"].get<std::string>(), j);
                           });
  commands_.bind("license-install", [this](const core::Json& args, const core::command::Caller&) {
        controlCommands_.inc();
        if (!args.is_object() || !args.contains("document") || !args["document"].is_string())
          return core::ControlReply::error("document (the license file's text) is required");
        core::Result<core::License> l = license_.install(args["document"].get<std::string>());
        if (!l.isOk()) {
          (void)recordEvent("license-refused", l.status().message());
          return core::ControlReply::error("license refused: " + l.status().message());
        }
        (void)recordEvent("license-installed", l->id + " for " + l->tenant + ", tier " + l->tier);
        core::logInfo("license ", l->id, " installed for ", l->tenant, ", tier ", l->tier);
        return core::ControlReply::success("license " + l->id + " installed", licenseJson());
      });
  commands_.bind("snmp-config", [this](const core::Json& args, const core::command::Caller&) {
        controlCommands_.inc();
        return snmpConfig(args);
      });
  commands_.bind("enroll", [this](const core::Json& args, const core::command::Caller&) {
        if (!args.is_object() || !args.contains("token") || !args["token"].is_string())
          return core::ControlReply::error("token is required (edgectl enroll TOKEN)");
        bool force = args.contains("force") && (args["force"] == true || args["force"] == "true" || args["force"] == "yes");
        // The EAP certificate: issued by the management plane (the default when EAP is on) or kept.
        std::string eap = args.value("eap-certificate", std::string("mgmt"));
        if (eap != "mgmt" && eap != "keep")
          return core::ControlReply::error("eap-certificate: expected mgmt (issued by the management plane) or keep");
        // The exchanges with the management plane take seconds: outside the handlers' lock.
        return core::ControlReply::later([this, token = args["token"].get<std::string>(), force, keep = eap == "keep"] {
          core::Result<core::Json> r = sync_->enroll(token, force, keep);
          if (!r.isOk()) return core::ControlReply::error(r.status().withContext("enrollment failed"));
          (void)recordEvent("enrolled", "device " + (*r)["device-id"].get<std::string>() + " of tenant " +
                                            (*r)["tenant"].get<std::string>());
          return core::ControlReply::success("enrolled as device " + (*r)["device-id"].get<std::string>() +
                                                 " of tenant '" + (*r)["tenant"].get<std::string>() + "'; syncing now",
                                             *r);
        });
      });
  commands_.bind("gateway-clients", [this](const core::Json&, const core::command::Caller&) {
    if (!gateway_) return core::ControlReply::error(core::failedPrecondition("the gateway is not enabled on this box"));
    core::Json j = gateway_->clientsJson();
    return core::ControlReply::success(std::to_string(j["clients"].size()) + " gateway clients", j);
  });
  commands_.bind("sync-status", [this](const core::Json&, const core::command::Caller&) {
                             core::Json j = sync_->statusJson();
                             return core::ControlReply::success(j["summary"].get<std::string>(), j);
                           });
  commands_.bind("sync-now", [this](const core::Json&, const core::command::Caller&) {
    sync_->wake();
    return core::ControlReply::success("sync cycle started; see edgectl sync status");
  });
  commands_.bind("shutdown", [this](const core::Json&, const core::command::Caller&) {
    controlCommands_.inc();
    loop_.requestStop();
    return core::ControlReply::success("edged is shutting down");
  });
}

void Edged::reportLocalChange(const core::command::Spec& spec, const core::Json& args, const core::ControlReply& reply) {
  if (!spec.upstream || !sync_ || reply.result != core::kControlSuccess || SyncAgent::applyingCentralChange()) return;
  const std::string& command = spec.name;
  if (command == "subscriber-add") {
    sync_->recordLocalChange("subscriber-added", args);
  } else if (command == "subscriber-import" && args.contains("rows") && args["rows"].is_array()) {
    // Each imported row is a box-made subscriber, as if added one by one; refused rows are not
    // (the reply names them by line; a row's line is its own or its place in the batch).
    std::unordered_set<int64_t> refused;
    for (const core::Json& e : reply.arguments.value("errors", core::Json::array()))
      if (e.contains("line") && e["line"].is_number_integer()) refused.insert(e["line"].get<int64_t>());
    const core::Json& rows = args["rows"];
    for (size_t i = 0; i < rows.size(); ++i) {
      if (!rows[i].is_object()) continue;
      int64_t line = rows[i].contains("line") && rows[i]["line"].is_number_integer() ? rows[i]["line"].get<int64_t>()
                                                                                    : static_cast<int64_t>(i + 1);
      if (refused.count(line) != 0) continue;
      core::Json row = rows[i];
      row.erase("line");
      sync_->recordLocalChange("subscriber-added", row);
    }
  } else if (command == "eap-install" || command == "eap-crl") {  // what was installed, never the key
    sync_->recordLocalChange("tech-action", core::Json{{"command", command},
                                                       {"arguments", reply.arguments.value("installed", core::Json::object())},
                                                       {"result", reply.text}});
  } else if (command == "firmware-report") {  // the health gate's outcome (docs/firmware.md)
    sync_->recordLocalChange("firmware-outcome", args);
  } else {  // a technician's action, for mgmt's record
    core::Json data = args.is_object() ? args : core::Json::object();
    if (data.contains("password")) data["password"] = "(set)";
    sync_->recordLocalChange("tech-action", core::Json{{"command", command}, {"arguments", data}, {"result", reply.text}});
  }
}

core::sync::CheckinRequest Edged::checkinReport() {
  core::sync::CheckinRequest r;
  auto snap = radius_->snapshot();
  r.subscribers = static_cast<int64_t>(snap->subscriberCount());
  int64_t sessions = 0;
  for (const auto& [user, n] : radius_->sessionsByUser()) sessions += n;
  r.sessions = sessions;
  r.backlog = radius_->journalSeq();
  r.uptime = core::SystemClock::instance().unixSeconds() - startedUnix_;
  core::Json lic = licenseJson();
  r.licenseState = lic["state"].get<std::string>();
  r.health = core::Json{{"nas-clients", snap->nas.size()},
                        {"plans", snap->plans.size()},
                        {"clock-rollback-seconds", license_.rollbackSeconds()},
                        {"snmp", snmp() != nullptr}};
  // The alerts whose condition holds now: mgmt opens a fleet alarm for the box while any does (ADR 0054).
  r.health["alerts"] = health_ ? core::Json(health_->activeAlerts()) : core::Json::array();
  // The ISP's network devices the box polls: mgmt keeps the latest and alerts per device (ADR 0062).
  if (network_) r.health["network"] = network_->report();
  return r;
}

core::Status Edged::startWebUi() {
  webui::WebUiHost host;
  host.commands = &commands_;
  host.accounts = accounts_.get();
  host.audit = [this](const std::string& kind, const std::string& detail) {
    core::Status s = recordEvent(kind, detail);
    if (!s.isOk()) core::logError("recording a UI audit event: ", s.message());
  };
  if (diagnostics_) {
    host.followRun = [this](const std::string& id, const std::string& owner,
                            std::function<bool(const std::string&, const std::string&)> sink) {
      return diagnostics_->follow(id, owner, std::move(sink));
    };
  }
  host.sample = [radius = RadiusCounters(counters_)] {
    // Server-wide totals, by handle: the servers count each request of a NAS client in its NAS's
    // counter and in the total at once, so a total is the sum over every NAS.
    webui::Sample s;
    s.sessionsOnline = static_cast<int64_t>(radius.sessionsOnline.value());
    s.authRequests = static_cast<int64_t>(radius.auth.accessRequests->value());
    s.acctRequests = static_cast<int64_t>(radius.acct.requests->value());
    return s;
  };
  webui::WebUiOptions options;
  options.title = "edged " + std::string(kVersion);
  options.gateway = config_.gateway.enabled;  // the Gateway page and its nav link
  webui_ = std::make_unique<webui::WebUi>(host, options);
  EDGE_RETURN_IF_ERROR(webui_->init().withContext("technician UI"));

  core::HttpServerOptions o;
  o.name = "technician UI (HTTPS)";
  o.listen = config_.admin.listen;
  o.port = static_cast<uint16_t>(config_.admin.httpsPort);
  o.maxBodyBytes = 64 * 1024;
  o.tlsCertPem = uiIdentity_.certPem;
  o.tlsKeyPem = uiIdentity_.keyPem;
  // A Disconnect waits for the NAS (up to 12 s): other pages must not wait behind it.
  o.threadPerConnection = true;
  ui_ = std::make_unique<core::HttpServer>(o);
  ui_->route("GET", "/metrics", [this](const core::HttpRequest&) {
    core::HttpResponse r;
    r.contentType = "text/plain; version=0.0.4; charset=utf-8";
    r.body = core::prometheusText(counters_);
    return r;
  });
  webui_->addRoutes(*ui_);
  EDGE_RETURN_IF_ERROR(ui_->start().withContext("admin.listen/admin.https-port"));
  webui_->tick(core::SystemClock::instance().unixSeconds());
  return core::Status::ok();
}

std::string Edged::webUiUrl() const {
  const std::string& listen = config_.admin.listen;
  std::string host = listen.find(':') != std::string::npos ? "[" + listen + "]" : listen;
  return "https://" + host + ":" + std::to_string(ui_ ? ui_->port() : 0) + "/";
}

}  // namespace edge
