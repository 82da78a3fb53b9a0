// The appliance's RADIUS service: dictionaries, the in-memory snapshot of NAS clients, plans and
// subscribers (rebuilt from the database when they change), the auth server, and the management
// commands on the control socket (nas-*, plan-*, subscriber-*, stats) that edgectl, the web UI and
// sync all use.
//
// Threading: start()/stop()/applySettings() on the main thread; command handlers one at a time
// (core/control_socket.h: they own the read connection); the auth workers only read the snapshot.
// CoA and Disconnect go through a queue with one worker per NAS (aaa/radius/dynauth_queue.h): no
// handler and no lock waits on a NAS.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "aaa/acct/ledger.h"
#include "aaa/policy/snapshot.h"
#include "aaa/radius/acct_server.h"
#include "aaa/radius/attributes.h"
#include "aaa/radius/dictionary.h"
#include "aaa/radius/dynauth_client.h"
#include "aaa/radius/dynauth_queue.h"
#include "aaa/radius/reply.h"
#include "aaa/radius/server.h"
#include "core/control_socket.h"
#include "core/counters.h"
#include "core/event_bus.h"
#include "core/store.h"
#include "edge/radius/enforcement.h"
#include "edge/radius/quota_service.h"
#include "edge/radius/catalog_service.h"
#include "edge/radius/radius_config.h"
#include "edge/radius/voucher_service.h"

namespace edge {

class RadiusService {
 public:
  RadiusService(core::CounterRegistry& counters, core::EventBus& events);
  ~RadiusService();

  // Loads the dictionaries (once per process) and the snapshot from `reader`, opens the accounting
  // database, then starts the auth and accounting servers. `writer` and `reader` (the appliance
  // database) must outlive the service.
  core::Status start(const RadiusServiceConfig& config, core::Writer& writer, core::Database& reader);
  void stop();
  // Ends CoA/Disconnect at once (exchanges in progress are given up, queued ones not sent), so that
  // a command waiting for a NAS's answer returns: before the control socket stops. stop() calls it.
  void stopDynAuth();
  // Applies the reloadable settings (auth-methods, require-message-authenticator).
  void applySettings(const RadiusConfig& config);
  // Periodic work from the daemon's main loop: closes stale sessions and expired disconnects.
  void tick(int64_t nowUnix);

  void registerCommands(core::command::Table& commands);
  core::Json statusJson() const;
  uint16_t authPort() const { return server_ ? server_->port() : 0; }
  uint16_t acctPort() const { return acctServer_ ? acctServer_->port() : 0; }
  const std::string& listenAddress() const { return config_.listen; }

  // For the built-in gateway (edge/gateway.h), which is a NAS of this server on loopback.
  const aaa::radius::Attributes& attributes() const { return attributes_; }
  // Adds or replaces the NAS client of that name (not a management change: the gateway's own).
  core::Status registerLocalNas(const aaa::policy::NasClient& nas);
  // What an accepted session of `username` would get now, without a password (rebuilding the
  // gateway's kernel state after a restart); nullopt when the subscriber or plan is gone or not allowed.
  struct SessionPolicy {
    aaa::radius::RateLimit rate;
    uint32_t sessionTimeout = 0;  // whole session, from its start
    uint32_t idleTimeout = 0;
    uint32_t interimInterval = 0;
    bool usageMatters = false;  // the plan has a quota or fair use
    std::optional<uint64_t> remainingBytes;
  };
  std::optional<SessionPolicy> sessionPolicy(const std::string& username);

  // The license's subscriber cap, asked by subscriber-import once its rows are validated: `adding` is
  // the number of valid rows naming a subscriber the box does not have yet (rows refused for their
  // content, and existing usernames, never count). Returns the refusal, or nullopt to go ahead.
  // Set before registerCommands(); none = no cap.
  using CapacityCheck = std::function<std::optional<std::string>(size_t adding)>;
  void setCapacityCheck(CapacityCheck check) { capacityCheck_ = std::move(check); }

  // For the health gauges and SNMP (any thread).
  std::shared_ptr<const aaa::policy::Snapshot> snapshot() const { return snapshots_.current(); }
  std::vector<std::pair<std::string, uint32_t>> sessionsByUser() const { return sessionCounts_.byUser(); }
  uint64_t lastJournalCommitMicros() const { return acctWriter_ ? acctWriter_->stats().lastCommitMicros.load() : 0; }
  int64_t journalSeq() const { return ledger_.journalSeq(); }

 private:
  core::ControlReply sessionList(const core::Json& args);
  core::ControlReply sessionShow(const core::Json& args);
  core::ControlReply sessionHistory(const core::Json& args);
  core::ControlReply usage(const core::Json& args);
  core::ControlReply sessionDisconnect(const core::Json& args);
  core::ControlReply sessionCoa(const core::Json& args);
  // Both: queue one request per selected session, then (ControlReply::later, no lock held) wait for
  // the answers up to dynAuthAnswerWait(); what has not come by then is reported "queued".
  core::ControlReply dynAuthCommand(const core::Json& args, aaa::radius::DynAuthKind kind);
  // A control handler that calls one of the command methods above.
  core::command::Table::Handler bind(core::ControlReply (RadiusService::*fn)(const core::Json&));

  // Sessions selected by an "id" or "user" argument.
  core::Result<std::vector<aaa::acct::SessionRow>> selectSessions(const core::Json& args);
  // Brings the ledger's views (live counters, daily usage) up to date before a read connection
  // looks at them.
  core::Status settleLedger();
  // Queues one Disconnect-Request or CoA-Request for `session` on its NAS's worker; `done` gets the
  // result as JSON (outcome ack|nak|timeout|error, message, job, ...), on that worker after the
  // exchange (an ACKed Disconnect marked in the ledger first), or at once when nothing was sent.
  // Returns the job id, 0 when `done` already ran. A CoA carries `rate` when billing already decided
  // it (a quota event); without one, the rate in force now (the plan's, or its tier's or window's).
  uint64_t submitDynAuth(const aaa::acct::SessionRow& session, aaa::radius::DynAuthKind kind,
                         std::function<void(core::Json)> done,
                         const std::optional<aaa::radius::RateLimit>& rate = std::nullopt);
  // How long a command waits for its NAS's answer before it reports the request as queued.
  std::chrono::milliseconds dynAuthAnswerWait() const;
  // Queues a CoA with the rate in force for every live session of the given plans' subscribers
  // (after plan-set, at a window boundary); a background thread sends them and logs the results.
  // `db` is the calling thread's read connection of the accounting database.
  void queuePlanCoa(core::Database& db, const std::set<int64_t>& planIds, const std::string& why);
  // From tick(): a rate window of a plan began or ended since the last check -> CoA for its sessions.
  void checkWindowBoundaries(int64_t now);
  // Queues a CoA (the subscriber's current rate) or Disconnect for every live session of `username`.
  void queueUserDynAuth(const std::string& username, aaa::radius::DynAuthKind kind, const std::string& why);
  // A quota event (edge/radius/enforcement.h), decided once by billing: each session it names is
  // queued on its NAS's worker at once with the decided rate (no SQL read, no second evaluation);
  // when it names none, the CoA thread finds the user's live sessions and sends them the same.
  void enforce(const Enforcement& e);
  void coaLoop();

  core::Status write(core::Writer::Job job);
  bool keepCleartext() const;

  core::CounterRegistry& counters_;
  core::EventBus& events_;
  RadiusConfig config_;
  AccountingConfig accounting_;
  core::Writer* writer_ = nullptr;
  core::Database* reader_ = nullptr;
  std::optional<aaa::radius::Dictionary> dictionary_;
  aaa::radius::Attributes attributes_;
  aaa::policy::SnapshotHolder snapshots_;
  std::unique_ptr<aaa::radius::AuthServer> server_;
  std::unique_ptr<core::Writer> acctWriter_;
  aaa::acct::Ledger ledger_;  // on acctWriter_'s thread only
  std::unique_ptr<core::Database> acctReader_;
  std::unique_ptr<core::Database> sweepReader_;  // the main thread's: finds stale sessions
  aaa::radius::SessionCounts sessionCounts_;
  std::unique_ptr<aaa::radius::AcctServer> acctServer_;
  int64_t lastSweep_ = 0;
  // Stale sessions are closed kStaleClosesPerJob per writer job, one job after the other.
  static constexpr size_t kStaleClosesPerJob = 64;
  std::atomic<bool> sweepClosing_{false};  // a sweep's jobs are still being written
  void closeExpiredFrom(std::shared_ptr<const std::vector<std::string>> uids, size_t from, int64_t now);
  int64_t lastWindowCheck_ = 0;
  std::unique_ptr<aaa::radius::DynAuthClient> dynauth_;
  std::unique_ptr<aaa::radius::DynAuthQueue> dynauthQueue_;  // one worker per NAS
  std::mutex coaMu_;
  std::condition_variable coaWake_;
  struct CoaJob {
    std::optional<aaa::acct::SessionRow> session;  // one session; else every live session of `username`
    std::string username;
    aaa::radius::DynAuthKind kind = aaa::radius::DynAuthKind::kCoa;
    std::string why;  // for the log
    std::optional<aaa::radius::RateLimit> rate;  // CoA: decided by billing already; else the rate in force
  };
  // Planned on coaThread_ (which sessions, which rate) and sent by dynauthQueue_.
  std::deque<CoaJob> coaQueue_;
  std::unique_ptr<core::Database> coaReader_;  // the CoA thread's: finds a subscriber's sessions

  CapacityCheck capacityCheck_;
  std::unique_ptr<CatalogService> catalog_;  // made by start()
  std::unique_ptr<VoucherService> vouchers_;  // made by start()
  // Quotas, top-ups, explain, first logins (quota_service.h); made by start().
  std::unique_ptr<QuotaService> quota_;
  std::string tenantName_;
  bool coaStopping_ = false;
  std::thread coaThread_;
  std::vector<core::EventBus::SubscriptionId> subscriptions_;
};

}  // namespace edge
