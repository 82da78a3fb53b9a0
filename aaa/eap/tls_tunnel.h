// TLS 1.2 (mbedTLS 2.28) driven over memory buffers for the TLS-based EAP methods: the peer's
// records come in EAP-Response fragments and ours go out in EAP-Request fragments, so a tunnel
// never touches a socket and never blocks.
//
// Contract: TlsContext is loaded once (certificates, key, CA, CRL) and is then immutable and shared
// by every conversation on every thread (its random generator is locked by MBEDTLS_THREADING_C).
// A TlsTunnel belongs to one conversation and is used by one thread at a time. Errors come back as
// Status / kFailed with the mbedTLS reason in failure(); nothing here logs.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace aaa::eap {

struct TlsServerConfig {
  std::string certificateFile;  // eap-certificate: PEM chain edged shows the peer
  std::string keyFile;          // eap-key
  std::string caFile;           // eap-ca: CA(s) of EAP-TLS client certificates ("" = no EAP-TLS)
  std::string crlFile;          // eap-crl: revoked client certificates ("" = none)
};

class TlsContext {
 public:
  // InvalidArgument naming the key (eap-certificate, eap-key, eap-ca, eap-crl) and the file.
  static core::Result<std::unique_ptr<TlsContext>> load(const TlsServerConfig& config);
  ~TlsContext();
  bool hasClientCa() const;
  // Distinct for every loaded context (a reload makes a new one): what verified a certificate.
  uint64_t generation() const;

  struct Impl;
  Impl& impl() const { return *impl_; }

 private:
  TlsContext();
  std::unique_ptr<Impl> impl_;
};

class TlsTunnel {
 public:
  // requireClientCertificate: EAP-TLS (the handshake fails without a certificate that chains to
  // eap-ca and is not on eap-crl); PEAP and TTLS authenticate the peer inside the tunnel instead.
  TlsTunnel(const TlsContext& context, bool requireClientCertificate);
  ~TlsTunnel();
  TlsTunnel(const TlsTunnel&) = delete;
  TlsTunnel& operator=(const TlsTunnel&) = delete;

  enum class Step { kContinue, kEstablished, kFailed };
  // What a full handshake's session was verified under: the context's generation, and the Unix time
  // until which that verification stands unchanged (the client certificate's, the CA certificates'
  // and the CRL's own validity; 0 without a client certificate).
  struct Trust {
    uint64_t generation = 0;
    int64_t until = 0;
  };
  // A cached session to resume: mbedtls_ssl_session_save's bytes ("" = none: a full handshake).
  struct CachedSession {
    std::string session;
    Trust trust;
  };
  using SessionLookup = std::function<CachedSession(std::string_view sessionId)>;
  // Feeds the peer's records and runs the handshake as far as they allow. Our records (and, on
  // failure, the alert) accumulate in takeOutput(). With `lookup`, a session ID the peer offers is
  // looked up; a session of EAP-TLS is resumed only if its client certificate still verifies
  // against this context's CA and CRL now (else a full handshake, resumptionRefusal() says why):
  // verified again unless the session's Trust is this context's and still runs.
  Step handshake(std::string_view peerRecords, const SessionLookup* lookup = nullptr);
  bool established() const { return established_; }
  // After kEstablished: whether the handshake resumed a session (abbreviated handshake: the peer's
  // Finished was the last message); else takeNewSession() holds the full handshake's session.
  bool resumed() const;
  std::string sessionId() const;
  std::string takeNewSession();
  Trust newSessionTrust() const;  // of the full handshake's session
  const std::string& resumptionRefusal() const;

  // After the handshake: the application data in `peerRecords` (kFailed on a bad record).
  Step read(std::string_view peerRecords, std::string& plain);
  // Encrypts `plain` into records for takeOutput().
  bool write(std::string_view plain);
  std::string takeOutput();

  // TLS-PRF(master secret, label, client random || server random) (RFC 5216 2.3, RFC 5281 8).
  std::string exportKey(const char* label, size_t len) const;
  // The verified client certificate's subject CN ("" without one).
  std::string peerCommonName() const;
  const std::string& failure() const { return failure_; }

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  bool established_ = false;
  std::string failure_;
};

}  // namespace aaa::eap
