// Edged: the appliance daemon as an object, so main() stays thin and tests can drive it.
//
// Lifecycle: start() prepares the data dir, takes the pid file, opens the database, starts the
// control socket and reports READY to systemd; run() serves until SIGTERM/SIGINT or the "shutdown"
// command; reload() (SIGHUP or "config-reload") re-reads the config file, validates it completely,
// and only then applies it. stop() is idempotent and leaves nothing behind (socket, pid file).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "core/command/command.h"
#include "core/control_socket.h"
#include "core/http_server.h"
#include "core/counters.h"
#include "core/daemon.h"
#include "core/event_bus.h"
#include "core/log.h"
#include "core/status.h"
#include "core/store.h"
#include "edge/app/edge_config.h"
#include "edge/certs/cert_service.h"
#include "edge/gateway/gateway.h"
#include "edge/health/health.h"
#include "edge/license/license_store.h"
#include "edge/netmon/network_poller.h"
#include "edge/radius/radius_service.h"
#include "edge/snmp/snmp_agent.h"
#include "edge/sync/sync_agent.h"
#include "edge/webui/accounts.h"
#include "edge/webui/tls_identity.h"
#include "edge/webui/webui.h"
#include "edge/diagnostics/diagnostics.h"

namespace edge {

extern const char* const kVersion;

class Edged {
 public:
  Edged(std::string configPath, EdgeConfig config);
  ~Edged();

  core::Status start();
  int run();  // returns the process exit code
  core::Status reload();
  void stop();

  core::CounterRegistry& counters() { return counters_; }

 private:
  void registerCommands();
  void subscribeLogging();
  core::Json statusJson();
  // support-bundle (edged_support.cpp): the .tar.gz, gathered from this table's own commands.
  core::ControlReply supportBundle();
  core::Status recordEvent(const std::string& kind, const std::string& detail);
  snmp::MibView snmpView();
  core::Json licenseJson();
  core::ControlReply snmpConfig(const core::Json& args);
  // License enforcement around management commands (cap, features, freeze after grace).
  std::optional<core::ControlReply> licenseGate(const core::command::Spec& spec, const core::Json& args);
  // The subscriber cap: the refusal when `adding` new subscribers would exceed it.
  std::optional<std::string> capRefusal(const core::License& license, size_t adding);
  // Changes made on the box, reported upstream by the sync agent.
  void reportLocalChange(const core::command::Spec& spec, const core::Json& args, const core::ControlReply& reply);
  core::sync::CheckinRequest checkinReport();
  // Starts or stops the SNMP subagent as the config and the license's features say.
  core::Status applySnmpLicense();
  // The technician web UI on its HTTPS listener (edge/webui); the plain admin listener redirects to it.
  core::Status startWebUi();
  std::string webUiUrl() const;

  std::string configPath_;
  std::mutex configMu_;
  EdgeConfig config_;
  core::DaemonLoop loop_;
  core::PidFile pidFile_;
  std::unique_ptr<core::Database> db_;
  std::unique_ptr<core::Writer> writer_;
  core::command::Table commands_;  // edge/commands: what edged accepts, from any surface
  core::ControlServer control_;     // serves commands_ to local root
  std::unique_ptr<core::HttpServer> admin_;  // /metrics
  std::unique_ptr<webui::AccountService> accounts_;  // technician UI accounts (user-* commands)
  std::unique_ptr<webui::WebUi> webui_;
  std::unique_ptr<core::HttpServer> ui_;             // HTTPS: the technician UI and /metrics
  webui::TlsIdentity uiIdentity_;
  core::CounterRegistry counters_;
  core::EventBus events_;
  std::unique_ptr<RadiusService> radius_;
  LicenseStore license_;
  std::unique_ptr<HealthMonitor> health_;
  std::unique_ptr<NetworkPoller> network_;  // the ISP devices polled over SNMP (network.devices)
  std::unique_ptr<snmp::MibCounters> mibCounters_;  // made at start; used by one SNMP agent's thread at a time
  std::shared_ptr<SnmpAgent> snmp_;  // set and reset on the main loop; read through snmp()
  mutable std::mutex snmpMu_;
  std::shared_ptr<SnmpAgent> snmp() const {
    std::lock_guard<std::mutex> lock(snmpMu_);
    return snmp_;
  }
  std::unique_ptr<SyncAgent> sync_;
  std::unique_ptr<Gateway> gateway_;  // gateway.enabled
  std::unique_ptr<diagnostics::Diagnostics> diagnostics_;  // the technician's tests (edge/diagnostics)
  std::unique_ptr<certs::CertificateService> certs_;  // certs, eap-install, eap-crl; certificate alerts
  uint64_t rollbacksReported_ = 0;  // LicenseStore::rollbacks() already counted and recorded
  bool snmpRefusalLogged_ = false;
  // Lines a flood of outside requests causes (RADIUS drops, auth rejects): budgets per second,
  // the rest counted in edged_log_lines_suppressed_total.
  core::LogRateLimit dropLog_{10, 1};
  core::LogRateLimit rejectLog_{20, 1};
  core::Counter& reloads_;
  core::Counter& reloadFailures_;
  core::Counter& controlCommands_;
  core::Counter& licenseRefusals_;
  core::Counter& clockRollbacks_;
  core::Counter& logSuppressed_;
  std::chrono::steady_clock::time_point startedMono_;
  int64_t startedUnix_ = 0;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace edge
