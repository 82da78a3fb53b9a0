// Mgmtd: the management plane daemon as an object (main stays thin, tests can drive it).
//
// Lifecycle: start() prepares the data dir, takes the pid file, opens the storage ("storage" in the
// config: SQLite data-dir/mgmt.db by default, or PostgreSQL), loads or creates the CA, server
// certificate and license key, makes the services (Platform), starts the control socket and both
// HTTPS listeners (mgmt/api: device API with client certificates, admin API with bearer tokens);
// run() serves until SIGTERM/SIGINT or "shutdown" and runs the periodic jobs; stop() is idempotent.
// mgmtd keeps no state of its own between requests: everything is in the storage, and the keys in
// data-dir, which several mgmtd may share (ADR 0024).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/command/command.h"
#include "core/control_socket.h"
#include "core/daemon.h"
#include "core/http_server.h"
#include "mgmt/access/web_sessions.h"
#include "mgmt/api/rate_limit.h"
#include "mgmt/api/signup_api.h"
#include "mgmt/app/platform_jobs.h"
#include "mgmt/authority.h"
#include "mgmt/console/console.h"
#include "mgmt/fleet/ticket_keys.h"
#include "mgmt/mgmt_config.h"
#include "mgmt/platform.h"
#include "mgmt/selfcare/selfcare_portal.h"
#include "mgmt/store/sql.h"

namespace mgmt {

extern const char* const kVersion;

class Mgmtd {
 public:
  Mgmtd(std::string configPath, MgmtConfig config);
  ~Mgmtd();

  core::Status start();
  int run();
  void stop();

 private:
  core::Json statusJson();
  console::ConsoleAuth consoleAuth();
  // The platform's periodic jobs (demo expiry, later billing runs), each as a singleton job
  // (Storage::withSingletonLock): with several mgmtd on one PostgreSQL, one runs it at a time.
  void runJobs();

  std::string configPath_;
  MgmtConfig config_;
  core::DaemonLoop loop_;
  core::PidFile pidFile_;
  std::unique_ptr<store::Storage> storage_;
  Authority authority_;
  std::unique_ptr<Platform> platform_;  // the services over storage_
  std::unique_ptr<app::PlatformJobs> platformJobs_;  // mail, provisioning, demo lifecycle (ADR 0029)
  core::command::Table commands_;  // mgmt/mgmt_commands: what mgmtd accepts, from any surface
  core::ControlServer control_;     // serves commands_ to local root
  std::unique_ptr<fleet::TicketKeys> ticketKeys_;  // the device API's TLS ticket keys (ADR 0044)
  std::unique_ptr<core::HttpServer> deviceApi_;
  std::unique_ptr<core::HttpServer> adminApi_;
  std::unique_ptr<api::ApiRateLimiter> rateLimiter_;  // the admin API's rate per token, by tier
  std::unique_ptr<api::SignupGate> signupGate_;       // the public signup's limits per client address
  // A tenant's activity on the admin API extends its demo (mgmt/onboarding): at most every 10 minutes.
  std::mutex activityMu_;
  std::map<std::string, int64_t> lastActivity_;
  void tenantActive(const std::string& tenantId);
  // The console's and the portal's sessions, in the storage (ADR 0051).
  std::unique_ptr<access::StoredSessions> consoleSessions_, selfcareSessions_;
  std::unique_ptr<console::Console> console_;  // the web console, on the admin API's listener (ADR 0030)
  // The subscribers' self-care portal at /selfcare/<tenant>/, on the same listener (ADR 0043).
  std::unique_ptr<selfcare::SelfcareService> selfcareService_;
  std::unique_ptr<selfcare::SelfcarePortal> selfcare_;
  int64_t startedUnix_ = 0;
  int64_t nextJobsAt_ = 0;
  bool started_ = false;
};

}  // namespace mgmt
