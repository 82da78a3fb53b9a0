// RadSec: RADIUS over TLS (RFC 6614; TLS 1.2 on mbedTLS 2.28, no DTLS).
//
// Per connection: TCP accept (over the total limit: closed + counted) -> TLS handshake within the
// handshake timeout, the client's certificate required and verified against the operator's CA
// (another CA, none, expired: the handshake fails, counted) -> the certificate names exactly one
// NAS client (radsec-identity, aaa/radius/radsec_identity.h; none or several: closed, counted) ->
// over that NAS's connection limit: closed, counted -> packets framed by their Length
// (aaa/radius/radsec_framing.h; a Length outside 20..4096 closes the connection, counted) ->
// Access-Request and Status-Server to AuthServer::StreamSession, Accounting-Request to
// AcctServer::StreamSession: the same checks, policy, ledger, counters and events as the UDP ports,
// with the shared secret "radsec" (RFC 6614 2.3). Replies are written back on the connection; an
// Accounting-Response only once its record is durable, as on UDP. A connection quiet for the idle
// timeout is closed.
//
// Threading (docs/decisions/0027): one thread per connection, at most max-connections of them, so a
// slow or half-open client holds only its own thread; one accept thread. The NAS is looked up again
// for every packet, so removing a NAS client or changing its radsec-identity takes effect on open
// connections at their next packet (dropped as from an unknown client). stop() closes everything
// and joins the threads.
#pragma once

#include <atomic>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "aaa/policy/snapshot.h"
#include "aaa/radius/acct_server.h"
#include "aaa/radius/server.h"
#include "core/counters.h"
#include "core/event_bus.h"
#include "core/status.h"

namespace aaa::radius {

struct RadsecServerConfig {
  std::string listen = "0.0.0.0";
  uint16_t port = 2083;  // RFC 6614 section 2.1; 0: any free port (tests)
  std::string certificateFile;  // the server's chain, PEM
  std::string keyFile;          // its private key, PEM
  std::string caFile;           // the CA(s) NAS client certificates must chain to, PEM
  std::string crlFile;          // revoked NAS client certificates, PEM ("" = none)
  int maxConnections = 64;
  int maxConnectionsPerNas = 4;
  int idleTimeoutSeconds = 120;
  int handshakeTimeoutSeconds = 10;
};

// The RadSec listener's own counters (requests are counted by the auth and accounting families,
// per NAS, as on UDP). Declared once here (ADR 0017).
struct RadsecCounters {
  core::Counter* connectionsAccepted;   // TCP connections taken
  core::Counter* connectionsRefused;    // over the total or a NAS's limit
  core::Counter* handshakeFailures;     // TLS failed: no or bad certificate, another CA, timeout
  core::Counter* unknownCertificates;   // verified, but no (or more than one) NAS client names it
  core::Counter* malformedFrames;       // a Length outside 20..4096: connection closed
  core::Counter* idleTimeouts;          // closed after the idle timeout
  core::Counter* connectionsOpen;       // gauge: connections with a NAS now

  static RadsecCounters registerIn(core::CounterRegistry& registry);
};

// Published (on the connection's thread) when a connection is refused or closed for a reason an
// operator wants in the log. Views valid during the call only.
struct RadsecEvent {
  std::string_view peer;    // "192.0.2.1:40001"
  std::string_view nas;     // empty before the NAS is known
  std::string_view what;    // "handshake failed: ...", "no NAS client has this certificate", ...
};

class RadsecServer {
 public:
  RadsecServer(RadsecServerConfig config, const policy::SnapshotHolder& snapshots, AuthServer& auth,
               AcctServer& acct, core::CounterRegistry& counters, core::EventBus* events = nullptr);
  ~RadsecServer();
  RadsecServer(const RadsecServer&) = delete;
  RadsecServer& operator=(const RadsecServer&) = delete;

  // Loads the certificate, key and CA (errors name the file), binds and starts accepting.
  core::Status start();
  void stop();
  uint16_t port() const { return port_; }
  // Reads the certificate, key, CA and CRL named in `files` again (the other fields are ignored)
  // and uses them for the connections that start from now on; open connections keep theirs. On an
  // error (naming the key and file) nothing changes.
  core::Status reloadTls(const RadsecServerConfig& files);

  struct Tls;
  struct Connection;

 private:
  void acceptLoop();
  void serve(Connection& c);
  bool takeNasSlot(const std::string& nas);
  void releaseNasSlot(const std::string& nas);
  void event(const std::string& peer, const std::string& nas, const std::string& what);

  RadsecServerConfig config_;
  const policy::SnapshotHolder& snapshots_;
  AuthServer& auth_;
  AcctServer& acct_;
  core::EventBus* events_;
  RadsecCounters counters_;
  std::shared_ptr<const Tls> tls_;  // under mu_: a connection takes its own reference
  int listenFd_ = -1;
  int wakeFd_ = -1;  // eventfd: stop() wakes the accept loop and every connection
  uint16_t port_ = 0;
  std::atomic<bool> running_{false};
  std::thread acceptThread_;
  std::mutex mu_;  // guards connections_, perNas_ and tls_
  std::list<std::unique_ptr<Connection>> connections_;
  std::map<std::string, int> perNas_;
};

}  // namespace aaa::radius
