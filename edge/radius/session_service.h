// Sessions and their control: session-list/show/history and usage (reads of the accounting
// database), session-disconnect and session-coa (RFC 5176, through one worker per NAS), the CoA
// that follows a plan change, a rate window's boundary or a quota event (edge/radius/enforcement.h),
// and the sweep that closes stale sessions. RadiusService makes one in start() and binds the
// commands to it.
//
// Contract
// - Nothing here waits on a NAS while holding anything others wait for: requests are queued on the
//   NAS's worker (aaa/radius/dynauth_queue.h). A command that waits for the answer returns
//   ControlReply::later, so other commands go on; what has not come by dynAuthAnswerWait() is
//   reported "queued" (unavailable) and its result goes to the log.
// - The sessions a quota event or a user's CoA/Disconnect concerns come from the ledger on the
//   accounting writer's thread (Ledger::userSessions, young sessions included), in one job: no
//   flush and no read connection on that path. Commands and plan changes read on their own read
//   connections after the ledger's overlay is written (settleLedger).
// - An ACKed Disconnect marks the session in the ledger: it closes on the NAS's Stop, or after
//   the grace period (by the sweep).
//
// Threading: the command handlers run one at a time (the command table's lock) and own the command
// read connection; tick() runs on the daemon's main thread and owns the sweep's; enforce() and
// queueUserDynAuth() may come from any thread (the accounting writer's, for quota events).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "aaa/acct/ledger.h"
#include "aaa/policy/policy.h"
#include "aaa/policy/snapshot.h"
#include "aaa/radius/acct_server.h"
#include "aaa/radius/attributes.h"
#include "aaa/radius/dynauth_client.h"
#include "aaa/radius/dynauth_queue.h"
#include "core/clock.h"
#include "core/command/command.h"
#include "core/control_socket.h"
#include "core/counters.h"
#include "core/store.h"
#include "edge/radius/enforcement.h"

namespace edge {

class SessionService {
 public:
  struct Deps {
    core::Writer& acctWriter;  // the accounting database's single writer
    aaa::acct::Ledger& ledger;  // used on acctWriter's thread only
    // How to open read connections of the accounting database (read-only is set here).
    core::StoreOptions acctReadOptions;
    aaa::policy::SnapshotHolder& snapshots;
    const aaa::radius::Attributes& attributes;
    aaa::radius::SessionCounts& sessionCounts;
    core::CounterRegistry& counters;
    const core::Clock& clock;
    int64_t disconnectGraceSeconds = 10;  // after a Disconnect-ACK without Stop
    aaa::radius::RetryPolicy dynAuthPolicy;
    // Period usage for the rate in force (a CoA without a decided rate); none = no quotas.
    aaa::policy::QuotaLookup quotaLookup;
    // usage's "billing" object for a subscriber on its plan; none = left out.
    std::function<core::Json(const aaa::policy::Subscriber&, const aaa::policy::Plan&, int64_t now)> billing;
  };

  // Opens the read connections and starts the CoA/Disconnect queue.
  static core::Result<std::unique_ptr<SessionService>> open(Deps deps);
  ~SessionService();

  // Binds session-list/show/search/history, usage, session-disconnect and session-coa in edged's
  // command table (edge/commands) to this service.
  void registerCommands(core::command::Table& commands);

  core::ControlReply sessionList(const core::Json& args);
  // A page of live sessions with the filter, sort and count (aaa::acct::liveSessionPage).
  core::ControlReply sessionSearch(const core::Json& args);
  core::ControlReply sessionShow(const core::Json& args);
  core::ControlReply sessionHistory(const core::Json& args);
  core::ControlReply usage(const core::Json& args);
  core::ControlReply sessionDisconnect(const core::Json& args);
  core::ControlReply sessionCoa(const core::Json& args);

  // Queues a CoA with the rate in force for every live session of the given plans' subscribers
  // (after plan-set, from the command thread); the results go to the log.
  void planChanged(const std::set<int64_t>& planIds, const std::string& why);
  // Queues a CoA (the subscriber's current rate) or Disconnect for every live session of `username`.
  // `report`, when given, gets each session's result (as logged) on its NAS's worker, or a result
  // with outcome "none" when the subscriber has no live session.
  void queueUserDynAuth(const std::string& username, aaa::radius::DynAuthKind kind, const std::string& why,
                        std::function<void(const core::Json&)> report = nullptr);
  // A quota event decided by billing: the sessions it names get the request with its rate at once;
  // when it names none, every live session of its user (found by the ledger, as above).
  void enforce(const Enforcement& e);

  // The main loop's periodic work (every few seconds at most): a rate window's boundary -> CoA for
  // its plans' sessions; stale sessions and expired Disconnect graces closed.
  void tick(int64_t now);
  // Writes the ledger's overlay so read connections see every session and counter.
  core::Status settleLedger();
  // Ends CoA/Disconnect at once: exchanges in progress are given up, queued ones not sent, new ones
  // refused. Before the control socket stops (a command waiting for a NAS returns).
  void stopDynAuth();
  // How long a command waits for its NAS's answer before it reports the request as queued.
  std::chrono::milliseconds dynAuthAnswerWait() const;

 private:
  explicit SessionService(Deps deps);

  core::ControlReply dynAuthCommand(const core::Json& args, aaa::radius::DynAuthKind kind);
  // Sessions selected by an "id" or "user" argument.
  core::Result<std::vector<aaa::acct::SessionRow>> selectSessions(const core::Json& args);
  // Queues one Disconnect-Request or CoA-Request for `session` on its NAS's worker; `done` gets the
  // result as JSON (outcome ack|nak|timeout|error, message, job, ...), on that worker after the
  // exchange (an ACKed Disconnect marked in the ledger first), or at once when nothing was sent.
  // A CoA carries `rate` when billing decided it; without one, the rate in force now. Returns the
  // job id, 0 when `done` already ran.
  uint64_t submitDynAuth(const aaa::acct::SessionRow& session, aaa::radius::DynAuthKind kind,
                         std::function<void(core::Json)> done,
                         const std::optional<aaa::radius::RateLimit>& rate = std::nullopt);
  // The user's live sessions, found by the ledger in one writer job, each queued with `rate`.
  void queueUserSessions(const std::string& username, aaa::radius::DynAuthKind kind, const std::string& why,
                         const std::optional<aaa::radius::RateLimit>& rate,
                         std::function<void(const core::Json&)> report = nullptr);
  // The CoA of a plan or window change, on the calling thread's read connection `db`.
  void queuePlanCoa(core::Database& db, const std::set<int64_t>& planIds, const std::string& why);
  void checkWindowBoundaries(int64_t now);
  void closeExpiredFrom(std::shared_ptr<const std::vector<std::string>> uids, size_t from, int64_t now);

  Deps d_;
  std::unique_ptr<core::Database> reader_;       // the command handlers'
  std::unique_ptr<core::Database> sweepReader_;  // tick()'s: stale sessions, window CoA
  std::unique_ptr<aaa::radius::DynAuthClient> dynauth_;
  std::unique_ptr<aaa::radius::DynAuthQueue> dynauthQueue_;  // one worker per NAS
  std::mutex stopMu_;  // held while submitting, so stopDynAuth() cannot pass a submit in progress
  bool stopping_ = false;
  int64_t lastSweep_ = 0;
  int64_t lastWindowCheck_ = 0;
  // Stale sessions are closed kStaleClosesPerJob per writer job, one job after the other.
  static constexpr size_t kStaleClosesPerJob = 64;
  std::atomic<bool> sweepClosing_{false};  // a sweep's jobs are still being written
  // session-search's sessions per NAS, read at most every kPerNasSeconds (command handlers only).
  static constexpr int64_t kPerNasSeconds = 5;
  std::vector<std::pair<std::string, int64_t>> perNas_;
  int64_t perNasAt_ = 0;
};

}  // namespace edge
