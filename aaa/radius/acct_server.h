// The RADIUS accounting server (RFC 2866) on UDP, durable by construction.
//
// Per datagram: source -> NAS client (unknown: drop + count) -> structure, code -> duplicate check
// (RFC 5080 2.2.2: answered -> resend the cached response; still being written -> stay silent, the
// commit will answer) -> Request Authenticator (RFC 2866 3; bad: drop + count) -> an AcctRecord
// submitted to the accounting database's Writer. The Accounting-Response is sent from the Writer's
// completion callback, i.e. only after the batch holding the record has committed (RFC 2866 2:
// "MUST NOT transmit any Accounting-Response reply until it has successfully recorded"). A failed
// write sends nothing: the NAS retransmits and the record is tried again.
//
// Status-Server (RFC 5997) on this port is answered with an Accounting-Response.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <vector>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "aaa/acct/ledger.h"
#include "aaa/policy/snapshot.h"
#include "aaa/radius/attributes.h"
#include "aaa/radius/udp_listener.h"
#include "core/counters.h"
#include "core/event_bus.h"
#include "core/store.h"

namespace aaa::radius {

struct AcctServerConfig {
  std::string listen = "0.0.0.0";
  uint16_t port = 1813;
  int threads = 1;
  int duplicateCacheMs = 10000;
  // A session with no update for stale-multiplier x its interim interval (or stale-default seconds
  // when its plan has none) is closed as "stale".
  int64_t staleMultiplier = 3;
  int64_t staleDefaultSeconds = 7200;
};

// Open sessions per subscriber, kept from committed ledger changes; read by authorization for the
// plans' max-sessions. Thread-safe.
class SessionCounts {
 public:
  uint32_t count(std::string_view username) const;
  void apply(const acct::LedgerChange& change);
  void reset(const std::vector<std::pair<std::string, uint32_t>>& counts);
  size_t total() const;
  // A copy of the live session count per username (for per-plan totals; not for the hot path).
  std::vector<std::pair<std::string, uint32_t>> byUser() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, uint32_t> counts_;
  size_t total_ = 0;
};

// RADIUS-ACC-SERVER-MIB (RFC 4671) counters, server-wide and per client, plus ours.
struct AcctCounters {
  core::Counter* requests;
  core::Counter* invalidRequests;
  core::Counter* dupRequests;
  core::Counter* responses;
  core::Counter* malformedRequests;
  core::Counter* badAuthenticators;
  core::Counter* packetsDropped;
  core::Counter* noRecords;
  core::Counter* unknownTypes;
  core::Counter* writeFailures;
  core::Counter* statusServer;

  static AcctCounters registerIn(core::CounterRegistry& registry, const std::string& nasName);  // "" = totals
  // One of them as declared so far, without declaring it (nullptr: not yet): as AuthCounters::find.
  static const core::Counter* find(const core::CounterRegistry& registry, core::Counter* AcctCounters::*which,
                                   const std::string& nasName);
};

// Published on the Writer thread after a record committed.
struct AcctEvent {
  std::string_view nas;
  uint32_t statusType;
  std::string_view username;
  std::string_view uid;
  const acct::LedgerChange* change;
  const acct::AcctRecord* record;  // the record applied (its session's keys: NAS address, Acct-Session-Id, ...)
};

class AcctServer {
 public:
  AcctServer(AcctServerConfig config, const policy::SnapshotHolder& snapshots, const Attributes& attributes,
             core::Writer& writer, acct::Ledger& ledger, SessionCounts& sessions, core::CounterRegistry& counters,
             core::EventBus* events = nullptr);
  ~AcctServer();

  core::Status start();
  void stop();
  uint16_t port() const { return listener_.port(); }

  struct Worker;

  // The accounting path for a stream transport that identifies the NAS itself (RadSec, as
  // AuthServer::StreamSession): one per connection, handle() on that connection's thread. The same
  // checks, duplicate rule, ledger, counters and events as datagrams; the Accounting-Response still
  // goes only after the record is durable, through `send` on the Writer's thread (so `send` must be
  // thread-safe and must outlive nothing: it is dropped with the session's last pending record).
  using NasFinder = std::function<const policy::NasClient*(const policy::Snapshot&)>;
  using ReplySink = std::function<void(const uint8_t* data, size_t len)>;
  class StreamSession {
   public:
    StreamSession(AcctServer& server, std::string secret, NasFinder findNas, ReplySink send);
    ~StreamSession();
    // An Accounting-Request or Status-Server: true with `reply` to send at once; false when there
    // is nothing to send now (dropped, or answered later through `send`).
    bool handle(const uint8_t* data, size_t len, const sockaddr_storage& from, std::vector<uint8_t>& reply);

   private:
    std::shared_ptr<Worker> worker_;
  };

 private:
  AcctServerConfig config_;
  const policy::SnapshotHolder& snapshots_;
  const Attributes& attributes_;
  core::Writer& writer_;
  acct::Ledger& ledger_;  // used on the writer's thread only
  SessionCounts& sessions_;
  core::CounterRegistry& registry_;
  core::EventBus* events_;
  AcctCounters totals_;
  UdpListener listener_;

  // Accounting-Responses of the current batch, sent together by the Writer's batch hook. Touched
  // on the Writer thread only.
  struct PendingSend {
    int fd;
    sockaddr_storage to;
    socklen_t toLen;
    std::array<uint8_t, 20> bytes;  // an Accounting-Response is a bare header
  };
  std::vector<PendingSend> pendingSends_;
  void flushSends();

  friend struct Worker;
};

}  // namespace aaa::radius
