// The RFC 5176 Dynamic Authorization client: Disconnect-Request and CoA-Request sent to a NAS
// (its Dynamic Authorization Server, UDP port 3799 by default), with retransmission, reply
// verification and the RADIUS-DYNAUTH-CLIENT-MIB counters (RFC 4672).
//
// Contract
// - send() BLOCKS the calling thread until the NAS answers or the retry policy gives up (at most
//   RetryPolicy::maxDuration, 10 s by default). Call it from a worker of its own (the daemon uses
//   DynAuthQueue, aaa/radius/dynauth_queue.h: one worker per NAS), never from the RADIUS request
//   path, a control handler or while holding a lock others need. Several threads may call send()
//   on one client at once: each call uses its own UDP socket; the identifier pool and the counter
//   cache are mutex-protected.
// - A Dictionary must be loaded and `attributes` resolved from it before the first send(); both,
//   and the CounterRegistry, must outlive the client.
// - Every request carries, in this order: Message-Authenticator (first; RFC 5176 section 3.4,
//   BlastRADIUS), the caller's identity attributes, the caller's changes (CoA only), and
//   Event-Timestamp (RFC 5176 section 6.3 replay protection; the clock's wall time when the request
//   is built). The Request Authenticator is computed by the codec (RFC 5176 section 2.3).
//   Callers supply neither Message-Authenticator nor Event-Timestamp.
// - Identifiers: a per-NAS (address, port) counter starting at a random value; an identifier is
//   never given to two outstanding requests to the same NAS (some NASes detect duplicates by
//   source address and identifier only, without the source port), and consecutive requests to a
//   NAS get different identifiers. Each send() uses a fresh ephemeral source port.
// - Retransmission (RFC 5080 section 2.2.1): the very same datagram (same Identifier, Request
//   Authenticator and Event-Timestamp) on the same socket, on the schedule computeRetrySchedule()
//   returns for the policy.
// - A reply is accepted only when it comes from the target's address and port, has the request's
//   Identifier, is an ACK or NAK of the request's kind, verifies (Response Authenticator, and
//   Message-Authenticator when present or required; RFC 5176 sections 2.3, 3.4) and, when it
//   carries an Event-Timestamp, that is within kEventTimestampWindow of our clock (RFC 5176
//   section 6.3).
//   Anything else is silently ignored, counted, remembered for the result's message, and waiting
//   goes on.
// - Targets are numeric IPv4 or IPv6 addresses (no DNS on the control path); IPv6 link-local
//   addresses take a scope ("fe80::1%eth0").
// - Never throws, never logs; the secret appears in no message. The result's message is written
//   for the operator; the caller logs it once with its own label (NAS, User-Name, Acct-Session-Id,
//   result.id).
// - abort() ends every send() in progress at once (kError) and makes later ones fail: for a
//   daemon that stops while a NAS is silent.
//
// Counters (RFC 4672 RADIUS-DYNAUTH-CLIENT-MIB, Prometheus style). Like the auth server's counters
// (RFC 4669: radius_auth_* totals, radius_auth_client_* per NAS), totals and per-NAS rows have
// different names, so that sum() over a name never counts a request twice:
//   radius_dynauth_client_<name>               all NASes (the MIB's client as a whole)
//   radius_dynauth_server_<name>{nas="NAME"}   one NAS (the MIB's radiusDynAuthServerTable row)
// with <name>, for <kind> = disconnect and coa:
//   <kind>_requests_total                    DisconRequests / CoARequests (first transmissions)
//   <kind>_auth_only_requests_total          ...AuthOnlyRequests (Service-Type = Authorize-Only)
//   <kind>_retransmissions_total             ...Retransmissions
//   <kind>_acks_total, <kind>_naks_total     ...Acks, ...Naks
//   <kind>_nak_auth_only_requests_total      ...NakAuthOnlyRequest
//   <kind>_nak_session_no_context_total      ...NakSessNoContext (Error-Cause 503)
//   <kind>_malformed_responses_total         Malformed...Responses
//   <kind>_bad_authenticators_total          ...BadAuthenticators (Response Authenticator or
//                                            Message-Authenticator mismatch)
//   <kind>_pending_requests (gauge)          ...PendingRequests
//   <kind>_timeouts_total                    ...Timeouts (requests given up, not each retry)
//   <kind>_packets_dropped_total             ...PacketsDropped (wrong identifier, stale
//                                            Event-Timestamp, required Message-Authenticator absent)
//   <kind>_invalid_server_addresses_total    ...InvalidServerAddresses (a MIB scalar; counted per NAS
//                                            too: the NAS whose request was waiting, a NAS answering
//                                            from another address is a common misconfiguration)
//   unknown_types_total                      UnknownTypes (codes other than the ACK/NAK expected)
//   round_trip_time_seconds (gauge)          RoundTripTime of the last answered request, from its
//                                            first transmission (held in microseconds, scale 10^6;
//                                            the MIB counts hundredths)
// Each NAS name's counters are registered once, on its first send(), and cached.
#pragma once

#include <atomic>
#include <bitset>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aaa/radius/attributes.h"
#include "aaa/radius/packet.h"
#include "core/clock.h"
#include "core/counters.h"
#include "core/status.h"

namespace aaa::radius {

// RFC 5176 section 6.3: the default window for Event-Timestamp (300 seconds), applied to replies.
constexpr std::chrono::seconds kEventTimestampWindow{300};
// The IANA port for Dynamic Authorization (RFC 5176 section 2.3).
constexpr uint16_t kDynAuthPort = 3799;

struct DynAuthTarget {
  std::string address;      // numeric IPv4 or IPv6 (with %scope for link-local)
  uint16_t port = kDynAuthPort;
  std::string secret;       // the NAS's shared secret (non-empty, no NUL octet)
  std::string nasName;      // counter label and messages; the address when empty
  std::string sourceAddress;  // optional local address to send from (the NAS checks our source)
  // Refuse replies without Message-Authenticator (when present it is always verified). On by
  // default: without it an ACK/NAK is protected by the MD5 Response Authenticator alone (the
  // BlastRADIUS weakness); RFC 5176 does not require it, so a NAS that cannot send it is exempted by
  // the same per-NAS switch as its Access-Requests (edgectl nas set --require-message-authenticator no).
  bool requireReplyMessageAuthenticator = true;
};

enum class DynAuthKind { kDisconnect, kCoa };
enum class DynAuthOutcome { kAck, kNak, kTimeout, kError };

const char* dynAuthKindName(DynAuthKind kind);           // "disconnect", "coa"
const char* dynAuthOutcomeName(DynAuthOutcome outcome);  // "ack", "nak", "timeout", "error"

// RFC 5176 section 3.5 Error-Cause values: 503 -> "Session Context Not Found". Values outside the
// table: "Error-Cause N (not in RFC 5176)"; 0 (no Error-Cause): "".
std::string errorCauseText(uint32_t value);

struct DynAuthResult {
  DynAuthOutcome outcome = DynAuthOutcome::kError;
  // From the reply's Error-Cause (NAKs, and Disconnect-ACK with 201 Residual Session Context
  // Removed); 0 when the reply had none.
  uint32_t errorCause = 0;
  std::string errorCauseText;
  int attempts = 0;  // transmissions, the first included
  std::chrono::milliseconds elapsed{0};  // first transmission to the reply (or to giving up)
  std::string message;  // one sentence for the operator (what, which NAS, why)
  int id = -1;          // the request's Identifier, -1 when none was allocated
  // kAck/kNak: the reply's code and attributes (a NAK may list the offending attributes).
  PacketCode replyCode = PacketCode::kDisconnectAck;
  std::vector<Attribute> replyAttributes;
  int ignoredReplies = 0;  // datagrams received and ignored (see the contract above)
};

// RFC 5080 section 2.2.1 retransmission parameters. Defaults: IRT 1 s doubling (RAND +-0.1),
// MRT 4 s, MRC 4 transmissions, MRD 10 s: transmissions at about 0, 1, 3 and 7 s, giving up at
// 10 s. An operator waits for `edgectl session disconnect` at most 10 s; RFC 5080's own defaults
// (IRT 2, MRC 5, MRT 16, MRD 30) suit unattended accounting, not a person at a prompt.
struct RetryPolicy {
  std::chrono::milliseconds initial{1000};       // IRT, 50 ms .. 60 s
  // MRC: as RFC 5080 (and RFC 3315 section 14) count it, the exchange fails once the request has
  // been TRANSMITTED this many times, the first transmission included; 0 = MRD alone bounds it.
  int maxTransmissions = 4;                      // 0 .. 100
  std::chrono::milliseconds maxInterval{4000};   // MRT, 0 = no cap, else >= initial
  std::chrono::milliseconds maxDuration{10000};  // MRD, 1 ms .. 5 min; required (send() blocks)
  double jitter = 0.1;                           // RAND range +-jitter, 0 .. 0.5 (RFC: 0.1)

  // kInvalidArgument naming the field and its limits.
  core::Status check() const;
};

// When to transmit and when to give up, as offsets from the first transmission.
struct RetrySchedule {
  std::vector<std::chrono::milliseconds> transmissions;  // [0] == 0; ascending
  std::chrono::milliseconds deadline{0};                 // > transmissions.back()
};

// RFC 5080 section 2.2.1: RT = IRT + RAND*IRT, then RT = 2*RTprev + RAND*RTprev, capped as
// RT = MRT + RAND*MRT; transmissions while fewer than MRC have been sent and before MRD; the
// deadline is the last RT after the last transmission, or MRD if that comes first. `random`
// returns a uniform value in [-1, 1] (scaled by policy.jitter to RAND); it is called once per RT.
// The policy must pass check().
RetrySchedule computeRetrySchedule(const RetryPolicy& policy, const std::function<double()>& random);

// Identifiers per NAS (see the contract). Thread-safe.
class IdentifierPool {
 public:
  // `randomStart` gives a NAS's first identifier (default: the kernel CSPRNG).
  explicit IdentifierPool(std::function<uint8_t()> randomStart = {});

  // The next identifier after the previous one handed out for `peer` that is not outstanding.
  // kResourceExhausted when all 256 are outstanding.
  core::Result<uint8_t> acquire(const std::string& peer);
  // Marks `id` free again (no effect when it was not outstanding).
  void release(const std::string& peer, uint8_t id);
  size_t outstanding(const std::string& peer) const;

 private:
  struct Peer {
    uint8_t next = 0;
    std::bitset<256> busy;
  };
  mutable std::mutex mu_;
  std::function<uint8_t()> randomStart_;
  std::map<std::string, Peer> peers_;
};

class DynAuthClient {
 public:
  // `clock` gives the wall time for Event-Timestamp and the reply window; waiting uses the
  // steady clock. The policy is checked by send() (kError with the reason).
  DynAuthClient(const Attributes& attributes, core::CounterRegistry& counters, RetryPolicy policy = {},
                const core::Clock& clock = core::SystemClock::instance());
  ~DynAuthClient();
  DynAuthClient(const DynAuthClient&) = delete;
  DynAuthClient& operator=(const DynAuthClient&) = delete;

  // Sends one Disconnect-Request or CoA-Request and waits for its ACK/NAK (see the contract).
  // `identity`: the session identification attributes (RFC 5176 section 3, table 3.6: User-Name,
  // Acct-Session-Id, Framed-IP-Address, Calling-Station-Id, NAS-IP-Address, NAS-Identifier, ...),
  // at least one. `changes`: the new authorization for a CoA (e.g. Mikrotik-Rate-Limit; may be
  // empty, e.g. for Service-Type = Authorize-Only in `identity`); must be empty for a Disconnect.
  // Outcomes: kAck, kNak (errorCause/errorCauseText from the reply), kTimeout (no acceptable reply
  // within the policy; the message says what was ignored, e.g. bad authenticators: check the
  // secret), kError (bad target or arguments, encoding refused, socket errors, 256 requests
  // outstanding to the NAS). Never throws.
  DynAuthResult send(const DynAuthTarget& target, DynAuthKind kind, std::vector<Attribute> identity,
                     std::vector<Attribute> changes = {});

  // The datagram send() would transmit first (exposed for tests and tools): the attribute list of
  // the contract with `id`. kInvalidArgument for the argument errors send() reports as kError.
  core::Result<std::vector<uint8_t>> buildRequest(DynAuthKind kind, uint8_t id, const std::string& secret,
                                                  const std::vector<Attribute>& identity,
                                                  const std::vector<Attribute>& changes) const;

  const RetryPolicy& policy() const { return policy_; }

  // See the contract: ends the waits of every send() now, and refuses sends from now on.
  void abort();

  struct KindCounters;
  struct NasCounters;

 private:
  NasCounters& countersFor(const std::string& nasName);

  const Attributes& attributes_;
  core::CounterRegistry& registry_;
  RetryPolicy policy_;
  const core::Clock& clock_;
  IdentifierPool ids_;
  std::atomic<bool> aborted_{false};
  int abortFd_ = -1;  // an eventfd, readable once abort() ran: every send() polls it
  std::mutex countersMu_;
  std::unique_ptr<NasCounters> totals_;
  std::map<std::string, std::unique_ptr<NasCounters>> perNas_;
};

}  // namespace aaa::radius
