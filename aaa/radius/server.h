// The RADIUS authentication server (RFC 2865) on UDP.
//
// Per datagram (one thread per socket, SO_REUSEPORT, one socket per core, recvmmsg/sendmmsg):
//   source address -> NAS client (unknown: drop + count, no decode)
//   structure and code checks -> duplicate cache (RFC 5080 2.2.2: same source, port, id and
//   authenticator get the cached reply bytes, not a second evaluation)
//   Message-Authenticator required? (BlastRADIUS, CVE-2024-3596; per NAS, default on) -> decode and
//   verify (bad authenticator: drop + count) -> authorize() on the current snapshot -> reply with
//   Message-Authenticator first and the Proxy-State attributes copied in order.
// Status-Server (RFC 5997) is answered with an Access-Accept.
//
// Reloadable settings (accepted methods, the Message-Authenticator default) come from the snapshot.
//
// Threading: start() binds and starts the threads; stop() joins them. Everything a worker reads is
// immutable (snapshot, attributes) or its own (cache, buffers); counters are relaxed atomics.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "aaa/policy/policy.h"
#include "aaa/policy/snapshot.h"
#include "aaa/radius/attributes.h"
#include "aaa/radius/udp_listener.h"
#include "core/counters.h"
#include "core/event_bus.h"
#include "core/status.h"

namespace aaa::eap {
class EapServer;
}

namespace aaa::radius {

struct AuthServerConfig {
  std::string listen = "0.0.0.0";  // IPv4 or IPv6 address; "::" is dual-stack
  uint16_t port = 1812;            // 0: any free port (tests); port() tells which
  int threads = 1;
  // How long replies are kept for retransmissions (RFC 5080 2.2.2); FreeRADIUS' cleanup_delay.
  int duplicateCacheMs = 5000;
  // Replies kept per worker at most (fixed memory, about 400 bytes each); under heavier load the
  // oldest go first, so the window is min(duplicateCacheMs, entries / request rate).
  size_t duplicateCacheEntries = 1u << 18;
};

// Counters of RADIUS-AUTH-SERVER-MIB (RFC 4669), server-wide and per client, plus our own.
struct AuthCounters {
  core::Counter* accessRequests;
  core::Counter* invalidRequests;     // from unknown addresses
  core::Counter* dupAccessRequests;
  core::Counter* accessAccepts;
  core::Counter* accessRejects;
  core::Counter* accessChallenges;
  core::Counter* malformedAccessRequests;
  core::Counter* badAuthenticators;
  core::Counter* packetsDropped;
  core::Counter* unknownTypes;
  core::Counter* missingMessageAuthenticator;
  core::Counter* statusServer;

  static AuthCounters registerIn(core::CounterRegistry& registry, const std::string& nasName);  // "" = totals
  // One of them as declared so far, without declaring it (nullptr: not yet, e.g. no request from
  // that NAS): for a reader of another area that keeps the handle (edge's health alerts). The
  // names are written once, in the table registerIn uses too.
  static const core::Counter* find(const core::CounterRegistry& registry, core::Counter* AuthCounters::*which,
                                   const std::string& nasName);
};

// Published on the worker thread for every evaluated Access-Request (not for drops or duplicates).
// Views are valid only during the publish call. Never carries a password.
struct AuthEvent {
  std::string_view nas;
  uint8_t packetId;
  std::string_view userName;
  std::string_view callingStationId;
  policy::AuthMethod method;
  bool accepted;
  policy::RejectReason reason;
  const policy::Decision* decision;  // the whole decision (billing state for explain, first login)
  std::string_view detail = {};      // EAP: the method and why a conversation failed ("" otherwise)
};

// Published when a datagram is dropped, with the reason (for the log; counters are already counted).
struct AuthDropEvent {
  std::string_view source;  // "192.0.2.1:1645"
  std::string_view nas;     // empty for unknown sources
  std::string_view reason;
};

class AuthServer {
 public:
  AuthServer(AuthServerConfig config, const policy::SnapshotHolder& snapshots, const Attributes& attributes,
             core::CounterRegistry& counters, core::EventBus* events = nullptr, policy::SessionCount sessions = {},
             policy::QuotaLookup quota = {});
  ~AuthServer();

  // EAP (RFC 3579) through `eap` (aaa/eap/eap_server.h), which must outlive the server; call
  // before start(). Without it an EAP-Message is rejected as a request without credentials.
  // Datagrams carrying EAP-Message leave the UDP workers at once for the EAP lane, a thread of its
  // own with a bounded queue (full: dropped and counted, the NAS retransmits), so TLS handshakes
  // never hold up the PAP requests behind them (docs/decisions/0031-eap.md).
  void setEap(eap::EapServer* eap) { eap_ = eap; }

  core::Status start();
  void stop();
  uint16_t port() const { return listener_.port(); }

  struct Worker;
  struct EapLane;

  // The auth path for a stream transport that identifies the NAS itself (RadSec, RFC 6614: by its
  // client certificate, aaa/radius/radsec_server.h): one per connection, used on that connection's
  // thread only. Requests go through the same checks, policy, counters and events as datagrams;
  // `secret` replaces the NAS's shared secret ("radsec", RFC 6614 2.3). `findNas` names the NAS
  // in the current snapshot (nullptr: no NAS, the request is dropped as from an unknown client).
  using NasFinder = std::function<const policy::NasClient*(const policy::Snapshot&)>;
  class StreamSession {
   public:
    StreamSession(AuthServer& server, std::string secret, NasFinder findNas);
    ~StreamSession();
    // An Access-Request or Status-Server from `from` (the connection's peer): true with `reply`.
    bool handle(const uint8_t* data, size_t len, const sockaddr_storage& from, std::vector<uint8_t>& reply);

   private:
    std::string secret_;
    std::unique_ptr<Worker> worker_;
    NasFinder findNas_;
  };

 private:
  AuthServerConfig config_;
  const policy::SnapshotHolder& snapshots_;
  const Attributes& attributes_;
  core::CounterRegistry& registry_;
  core::EventBus* events_;
  policy::SessionCount sessions_;
  policy::QuotaLookup quota_;
  eap::EapServer* eap_ = nullptr;
  std::unique_ptr<EapLane> eapLane_;
  AuthCounters totals_;
  std::vector<core::Counter*> rejectsByReason_;
  UdpListener listener_;

  friend struct Worker;
};

}  // namespace aaa::radius
