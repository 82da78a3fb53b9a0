// The EAP server behind the RADIUS auth path (RFC 3579): EAP-TLS (RFC 5216), PEAPv0 with
// EAP-MSCHAPv2 and crypto binding ([MS-PEAP], aaa/eap/crypto_binding.h), and EAP-TTLS (RFC 5281)
// with PAP, MS-CHAPv2 or EAP-MSCHAPv2 inside; TLS session resumption for all three
// (aaa/eap/resumption.h).
//
// One Access-Request carrying EAP-Message goes in, one answer comes out: an Access-Challenge with
// the next EAP-Request and a fresh State, or an Access-Accept/Reject with EAP-Success/Failure, the
// policy Decision (the subscriber's plan and quotas, exactly as for PAP: the inner credentials go
// through policy::authorize) and, on success, the MSK split into MS-MPPE-Recv-Key/Send-Key
// (RFC 5216 2.3, RFC 2548 2.4).
//
// Conversations (docs/decisions/0031-eap.md): a table keyed by the State we issued, bounded in
// count in total and per NAS and in idle time; a conversation is taken out of the table while one
// thread works on it, so the table's mutex is held only for lookups and inserts, never for TLS.
// Over a limit the new conversation is refused (Access-Reject) and counted; an unknown or expired
// State is refused and counted.
//
// Resumption: an accepted login leaves its TLS session in the ResumptionCache with the subscriber
// and the credential it proved; a peer resuming it skips the inner authentication only while that
// credential is unchanged (else: a full handshake), and the policy decides the login now, exactly
// as after a full one (a suspended subscriber is rejected; the plan in force is applied).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "aaa/eap/resumption.h"
#include "aaa/eap/tls_tunnel.h"
#include "aaa/policy/policy.h"
#include "core/counters.h"
#include "core/status.h"

namespace aaa::eap {

struct EapServerConfig {
  TlsServerConfig tls;
  uint8_t firstMethod = 25;           // offered after the Identity (PEAP); the peer may Nak it
  size_t maxConversations = 1024;     // open at once, in total (each holds a TLS context, ~40 KiB)
  size_t maxConversationsPerNas = 256;
  int timeoutSeconds = 30;            // a conversation idle this long is dropped
  size_t fragmentSize = 1000;         // TLS octets per EAP-Request (fits a 1500-octet link)
  std::string serverName = "edged";   // the MS-CHAPv2 challenge's Name
  int resumptionSeconds = 3600;       // an accepted login's TLS session resumes this long; 0 = off
  size_t resumptionMaxSessions = 4096;  // sessions kept for resumption (oldest dropped first)
  // PEAP crypto binding (aaa/eap/crypto_binding.h) is always offered; required = a PEAP peer that
  // does not answer it is rejected (eap-peap-crypto-binding "required"; "optional" by default).
  bool requirePeapCryptoBinding = false;
};

// Counters declared once (ADR 0017): radius_eap_*.
struct EapCounters {
  core::Counter* started;
  core::Counter* open;       // gauge
  core::Counter* refused;    // over the total or per-NAS limit
  core::Counter* timedOut;
  core::Counter* unknownState;
  core::Counter* malformed;
  core::Counter* tlsFailures;
  core::Counter* accepts;
  core::Counter* rejects;
  core::Counter* resumed;            // handshakes that resumed a cached session
  core::Counter* resumptionRefused;  // cached sessions refused (credential changed, certificate revoked)
  core::Counter* resumptionSessions; // gauge: sessions in the resumption cache
  static EapCounters registerIn(core::CounterRegistry& registry);
};

struct EapInput {
  std::string_view eapMessage;  // the EAP-Message attributes, concatenated (RFC 3579 3.1)
  std::string_view state;       // the State attribute ("" = none: a new conversation)
  std::string_view nas;         // the NAS client's name (per-NAS limit)
  std::optional<std::string_view> callingStationId;
  const policy::Snapshot* snapshot = nullptr;
  int64_t nowUnix = 0;
  const policy::SessionCount* sessions = nullptr;
  const policy::QuotaLookup* quota = nullptr;
};

struct EapOutput {
  enum class Kind { kChallenge, kAccept, kReject };
  Kind kind = Kind::kReject;
  std::vector<uint8_t> eapMessage;      // EAP-Request, -Success or -Failure
  std::array<uint8_t, 16> state{};      // kChallenge: the State attribute to send
  policy::Decision decision;            // kAccept (and kReject after an inner check)
  std::string mppeRecvKey, mppeSendKey; // kAccept: 32 octets each, cleartext
  uint8_t method = 0;                   // EAP type (13, 21, 25) once chosen
  std::string identity;                 // the outer identity (for the log)
  std::string why;                      // kReject: the reason for the log (never a password)
  bool resumed = false;                 // the TLS session was resumed (no inner authentication)
};

class EapServer {
 public:
  // InvalidArgument naming eap-certificate / eap-key / eap-ca / eap-crl.
  static core::Result<std::unique_ptr<EapServer>> create(EapServerConfig config, core::CounterRegistry& counters);
  ~EapServer();

  EapOutput handle(const EapInput& in);
  size_t openConversations() const;
  size_t resumableSessions() const { return resumption_.size(); }

  // A reload of the certificate, key, CA and CRL: loadTls reads the files (InvalidArgument naming
  // the key and file; nothing changes), useTls makes them the ones new TLS conversations start with.
  // Conversations already in TLS keep the context they started with (a revoked client certificate
  // is refused from its next handshake on).
  core::Result<std::shared_ptr<const TlsContext>> loadTls(const TlsServerConfig& files) const;
  void useTls(std::shared_ptr<const TlsContext> tls);

  struct Conversation;

 private:
  EapServer(EapServerConfig config, std::unique_ptr<TlsContext> tls, EapCounters counters);
  EapOutput step(Conversation& c, const EapInput& in, std::string_view eap);
  TlsTunnel::SessionLookup sessionLookup(Conversation& c, const policy::Snapshot& snap);
  void keepForResumption(Conversation& c, const policy::Decision& d);
  void purgeExpired(int64_t now);  // with mu_ held
  std::shared_ptr<const TlsContext> tls() const;

  EapServerConfig config_;
  std::shared_ptr<const TlsContext> tls_;  // under mu_ (a reload replaces it)
  EapCounters counters_;
  ResumptionCache resumption_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<Conversation>> table_;
  std::unordered_map<std::string, size_t> perNas_;
  size_t busy_ = 0;  // taken out of the table by a thread right now (counted against the limits)
  int64_t lastPurge_ = 0;
};

}  // namespace aaa::eap
