// The appliance's RADIUS service: dictionaries, the in-memory snapshot of NAS clients, plans and
// subscribers, the auth and accounting servers and the accounting database with its ledger; and the
// wiring of the services that serve the control commands and react to the servers' events:
// CatalogService (catalog_service.h: nas-*, plan-*, subscriber-*, stats), SessionService
// (session_service.h: session-*, usage, CoA/Disconnect, the stale-session sweep), QuotaService
// (quota_service.h: quotas, top-ups, explain, first logins) and VoucherService (voucher_service.h).
//
// Threading: start()/stop()/applySettings()/tick() on the main thread; command handlers one at a
// time (core/command/command.h); the auth workers only read the snapshot. CoA and Disconnect go
// through a queue with one worker per NAS (aaa/radius/dynauth_queue.h): no handler and no lock waits
// on a NAS.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "aaa/acct/ledger.h"
#include "aaa/eap/eap_packet.h"
#include "aaa/eap/eap_server.h"
#include "aaa/policy/snapshot.h"
#include "aaa/radius/acct_server.h"
#include "aaa/radius/attributes.h"
#include "aaa/radius/dictionary.h"
#include "aaa/radius/radsec_server.h"
#include "aaa/radius/reply.h"
#include "aaa/radius/server.h"
#include "core/control_socket.h"
#include "core/counters.h"
#include "core/event_bus.h"
#include "core/store.h"
#include "edge/radius/catalog_service.h"
#include "edge/radius/quota_service.h"
#include "edge/radius/radius_config.h"
#include "edge/radius/session_service.h"
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
  // The EAP and RadSec certificates, keys, CAs and CRLs read again (config reload, SIGHUP): used by
  // the TLS handshakes that start from now on. An error names the key and file; nothing changes.
  core::Status reloadCertificates(const RadiusConfig& config);
  // Periodic work from the daemon's main loop: closes stale sessions and expired disconnects.
  void tick(int64_t nowUnix);

  void registerCommands(core::command::Table& commands);
  core::Json statusJson() const;
  uint16_t authPort() const { return server_ ? server_->port() : 0; }
  uint16_t acctPort() const { return acctServer_ ? acctServer_->port() : 0; }
  const std::string& listenAddress() const { return config_.listen; }

  // For the built-in gateway (edge/gateway.h), which is a NAS of this server on loopback.
  const aaa::radius::Attributes& attributes() const { return attributes_; }
  // The loaded dictionary (attribute names for the diagnostics); nullptr before start().
  const aaa::radius::Dictionary* dictionary() const { return dictionary_ ? &*dictionary_ : nullptr; }
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
  bool keepCleartext() const;
  // A subscriber's dunning changed (CatalogService): the event, then CoA or Disconnect of its live
  // sessions as aaa::policy::dunningActionOnChange decides, each result an event too.
  void dunningChanged(const aaa::policy::Subscriber& before, const aaa::policy::Subscriber& after);

  core::CounterRegistry& counters_;
  core::Counter* sessionsOnline_ = nullptr;  // radius_sessions_online, declared in start()
  core::EventBus& events_;
  RadiusConfig config_;
  AccountingConfig accounting_;
  std::optional<aaa::radius::Dictionary> dictionary_;
  aaa::radius::Attributes attributes_;
  aaa::policy::SnapshotHolder snapshots_;
  std::unique_ptr<aaa::eap::EapServer> eapServer_;  // before server_: its workers call it
  std::unique_ptr<aaa::radius::AuthServer> server_;
  std::unique_ptr<core::Writer> acctWriter_;
  aaa::acct::Ledger ledger_;  // on acctWriter_'s thread only
  aaa::radius::SessionCounts sessionCounts_;
  std::unique_ptr<aaa::radius::AcctServer> acctServer_;
  std::unique_ptr<aaa::radius::RadsecServer> radsecServer_;  // after both: it feeds them

  CapacityCheck capacityCheck_;
  std::unique_ptr<CatalogService> catalog_;  // made by start()
  std::unique_ptr<VoucherService> vouchers_;  // made by start()
  // Quotas, top-ups, explain, first logins (quota_service.h); made by start().
  std::unique_ptr<QuotaService> quota_;
  // Sessions, CoA/Disconnect and the sweep (session_service.h); made by start().
  std::unique_ptr<SessionService> sessions_;
  std::string tenantName_;
  std::vector<core::EventBus::SubscriptionId> subscriptions_;
};

}  // namespace edge
