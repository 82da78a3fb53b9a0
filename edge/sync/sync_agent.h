// The sync agent: the box's side of the management plane (core/sync_wire.h). Always initiated by
// the box, over mbedTLS with the box's own certificate (core/https_client.h).
//
//  - enroll(token): checks the management plane's CA against the token's pinned fingerprint, makes
//    the box's key (it never leaves data-dir/sync, mode 0600) and a CSR, and receives the device
//    certificate (90 days) and the tenant's license.
//  - Then one thread runs a cycle every poll interval (set by mgmt): renew the certificate at two
//    thirds of its life; check in (reported state -> license, commands); pull plan and subscriber
//    changes by cursor and apply them through the box's own commands (so the box's rules, the
//    license cap and freeze apply to them too); push the outbox (changes made on the box); push the
//    usage journal in batches with an idempotency key. A failed cycle backs off exponentially with
//    jitter (5 s doubling to sync.max-backoff). The box never stops serving because mgmt is gone.
//  - EAP's server certificate (ADR 0069): with EAP on, enrollment also sends a CSR of a second key made
//    here (unless the operator keeps his own certificate) and installs the certificate mgmt issues
//    through `eap-install`, the same path as `edgectl eap install`. While the installed one is
//    mgmt's, it is renewed with the device certificate at two thirds of its life. A failure is
//    reported (log, status "eap-certificate", event) and the certificate in use stays; it is tried
//    again an hour later.
//  - Progress is durable (edge.db sync_state): watermarks move only after mgmt acknowledged, so a
//    crash repeats an upload and never skips one; mgmt ignores what it has (keyed by sequence).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/control_socket.h"
#include "core/counters.h"
#include "core/https_client.h"
#include "core/store.h"
#include "core/sync_wire.h"
#include "edge/license/license_store.h"
#include "edge/sync/sync_counters.h"

namespace edge {

struct SyncOptions {
  std::string dataDir;
  std::string databasePath;            // edge.db (read side; writes go through the writer)
  std::vector<core::Migration> databaseMigrations;  // edge.db's, as edged opened it
  std::string accountingDatabasePath;  // the usage journal
  std::string version;
  // The firmware version the box runs (the image's /usr/lib/edge/version): reported at check-in in
  // place of `version` when the file can be read ("" = always `version`).
  std::string versionFile;
  int64_t maxBackoffSeconds = 300;
  int64_t usageBatch = 1000;
  int64_t outboxLimit = 100000;
  int64_t timeoutMs = 15000;
};

// Seconds before the next attempt after `failures` failed cycles in a row: 5, 10, 20 ... capped at
// maxBackoff, each drawn between half and all of it from `random` (a fleet that lost mgmt together
// does not come back together). Never less than 1.
int64_t syncBackoffSeconds(int64_t failures, int64_t maxBackoff, uint64_t random);

class SyncAgent {
 public:
  // Runs a control command on the box (plan-add, subscriber-set, session-disconnect, ...).
  using Apply = std::function<core::Json(const std::string& command, const core::Json& arguments)>;
  // The reported part of a check-in (subscribers, sessions, health); the agent fills the rest.
  using Report = std::function<core::sync::CheckinRequest()>;

  SyncAgent(SyncOptions options, core::Writer& writer, LicenseStore& license, core::CounterRegistry& counters,
            Apply apply, Report report);
  ~SyncAgent();

  core::Status start();
  void stop();

  // Completes or undoes a certificate renewal a stop interrupted (data-dir/sync/device-key.pem.new
  // left behind), so device.pem and device-key.pem are a pair again. edged calls it before anything
  // reads them (the technician UI serves that pair).
  static core::Status finishInterruptedRenewal(const std::string& dataDir);

  // EAP's server certificate from the management plane (set before start()): what is installed now,
  // and installing an issued pair (the box's `eap-install` command).
  struct EapState {
    bool enabled = false;   // EAP is on (its files are configured)
    bool fromMgmt = false;  // the installed certificate is the management plane's
    int64_t renewAt = 0;    // when it is due (two thirds of its life)
  };
  struct EapHooks {
    std::function<EapState()> state;
    std::function<core::Status(const std::string& certificate, const std::string& key)> install;
  };
  void onEapCertificate(EapHooks hooks) { eap_ = std::move(hooks); }

  // Enrolls with a claim token (blocking, bounded by the HTTPS timeouts). `force` replaces an
  // existing enrollment; `keepEap` keeps the EAP certificate installed instead of asking mgmt for one.
  core::Result<core::Json> enroll(const std::string& token, bool force, bool keepEap = false);
  // The tenant's central technicians from each check-in answer that carries them (ADR 0046): the
  // version and the whole list. Set before start().
  using CentralAccounts =
      std::function<core::Status(const std::string& version, const std::vector<core::sync::CentralAccount>& accounts)>;
  void onCentralAccounts(CentralAccounts f) { centralAccounts_ = std::move(f); }
  // Run a cycle now (edgectl sync now).
  void wake();
  // State, last success, backlog and the last error in plain words (edgectl sync status), and the
  // firmware the management plane last said the box should run: "firmware": {"desired-version",
  // "told-at", "age-seconds"} from the last check-in answer (edgectl firmware follow acts on it).
  core::Json statusJson();
  // Records a change made on the box for mgmt (no-op when not enrolled). Bounded: beyond
  // outboxLimit the oldest entries are dropped and counted.
  void recordLocalChange(const std::string& kind, const core::Json& data);
  // The usage journal sequence mgmt has acknowledged (the health monitor's backlog).
  int64_t usageWatermark() const { return usageWatermark_.load(); }

  // True on the thread that applies central changes (so they are not reported back as local).
  static bool applyingCentralChange();

 private:
  struct State;
  void run();
  core::Status cycle(State& state);
  core::Result<State> loadState();
  // enrollment: write the whole row; otherwise only a cycle's progress, for the same device.
  core::Status saveState(const State& state, bool enrollment = false);
  core::HttpsClientOptions clientOptions(const State& state, bool withCertificate) const;
  core::Result<core::Json> call(const State& state, const std::string& method, const std::string& path,
                                const core::Json& body);
  core::Status renew(State& state, bool withEap);
  // Checks and installs an issued EAP certificate; a failure is reported and leaves the one in use.
  core::Json installEap(const State& state, const std::string& certificate, const std::string& name,
                        const std::string& key);
  core::Status pull(State& state, int64_t target);
  core::Status pushEvents(State& state);
  core::Status pushUsage(State& state);
  void runCommand(State& state, const core::sync::Command& command);
  std::string syncDir() const { return options_.dataDir + "/sync"; }

  SyncOptions options_;
  core::Writer& writer_;
  LicenseStore& license_;
  Apply apply_;
  Report report_;
  CentralAccounts centralAccounts_;
  EapHooks eap_;
  // A Database serves one thread at a time (core/store.h); these two serve the sync thread and the
  // control threads (status), so every use goes through withReaders.
  std::unique_ptr<core::Database> reader_;
  std::unique_ptr<core::Database> journal_;
  std::mutex readMu_;
  template <typename F>
  auto withReaders(F&& f) {
    std::lock_guard<std::mutex> lock(readMu_);
    return f(*reader_, *journal_);
  }
  std::mutex mu_;  // the state below and one cycle or enrollment at a time
  std::mutex cycleMu_;
  // cycleMu_: the client of the cycles' calls, kept for its TLS session (the next cycle resumes it)
  // while the state's mgmt, CA and certificate are the ones it was made for.
  std::unique_ptr<core::HttpsClient> client_;
  std::mutex enrollMu_;
  std::condition_variable cv_;
  bool wake_ = false;
  bool running_ = false;
  std::string desiredVersion_;  // the last check-in answer's desired-version, and when it came
  int64_t desiredAt_ = 0;
  core::Json eapStatus_;       // the last EAP certificate installation (status "eap-certificate")
  int64_t eapRetryAt_ = 0;     // after a failed one, not before this
  std::thread thread_;
  std::atomic<int64_t> usageWatermark_{0};
  std::atomic<int64_t> nextAttempt_{0};  // Unix seconds of the next cycle (status)
  core::Json lastStatus_;
  SyncCounters counters_;
};

}  // namespace edge
