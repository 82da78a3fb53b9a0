// eapload's EAP peer (the supplicant's side, as a NAS would relay it over RADIUS): PEAPv0 with
// EAP-MSCHAPv2 inside, EAP-TTLS with PAP inside, and EAP-TLS, over OpenSSL as the TLS client driven
// through memory BIOs. One Peer is one login; it turns each EAP-Request into the next EAP-Response,
// and on the Access-Accept checks what the server derived: the MS-MPPE keys must be the MSK this
// side derives from the same TLS session (RFC 5216 2.3, RFC 5281 8, MS-PEAP 3.1.5.5.2.1).
//
// The EAP framing (packets, TLS fragments, TTLS AVPs, the PEAP Result TLV) and the MS-CHAPv2
// computations are aaa/eap's and aaa/auth's: the same code as the server's, which is why every run
// also logs in to FreeRADIUS (another implementation) with this client.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "aaa/auth/credentials.h"
#include "aaa/eap/eap_packet.h"

namespace bench::eapload {

enum class Method { kPeap, kTtls, kTls };

const char* methodName(Method m);  // "peap", "ttls", "tls"
uint8_t methodType(Method m);      // 25, 21, 13

// The TLS client settings every login shares.
class TlsClient {
 public:
  // caFile: verify the server's chain ("" = do not). certFile/keyFile: the EAP-TLS client
  // certificate ("" = none). Returns nullptr after printing why.
  // groups: the key-exchange groups offered, OpenSSL's list syntax ("" = OpenSSL's default, as a
  // supplicant on OpenSSL 3 offers: X25519, P-256, X448, P-521, P-384).
  static TlsClient* create(const std::string& caFile, const std::string& certFile, const std::string& keyFile,
                           const std::string& groups);
  ~TlsClient();
  SSL_CTX* ctx() const { return ctx_; }

 private:
  SSL_CTX* ctx_ = nullptr;
};

class Peer {
 public:
  enum class State { kRunning, kAccepted, kRejected, kFailed };

  // `session` (may be null) is offered for resumption; the peer holds its own reference.
  Peer(TlsClient& tls, Method method, std::string user, std::string password, SSL_SESSION* session);
  ~Peer();
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  // The first EAP packet: EAP-Response/Identity.
  std::vector<uint8_t> start();
  // The EAP-Request of an Access-Challenge -> the EAP-Response to send. An empty vector means the
  // login failed (state() is kFailed, why() says why).
  std::vector<uint8_t> onRequest(const uint8_t* eap, size_t len);
  // The Access-Accept's EAP-Message and its decrypted MPPE keys (32 octets each, "" when absent):
  // kAccepted when the EAP-Success is there and the keys are this session's MSK, else kFailed.
  void onAccept(const uint8_t* eap, size_t len, const std::string& recvKey, const std::string& sendKey);
  void onReject() { state_ = State::kRejected; }
  void fail(std::string why);

  State state() const { return state_; }
  const std::string& why() const { return why_; }
  bool resumed() const { return ssl_ != nullptr && SSL_session_reused(ssl_) == 1; }
  // A new reference to the session to resume next time (nullptr when there is none).
  SSL_SESSION* session() const;
  std::string cipher() const;
  uint32_t naks() const { return naks_; }

 private:
  std::vector<uint8_t> response(uint8_t id, std::string_view typeData);
  std::vector<uint8_t> sendRecords(uint8_t id);
  std::vector<uint8_t> failed(std::string why);
  bool feed(const std::string& records);  // into the TLS client; false on a TLS error
  bool handleTunnel(const std::string& plain, uint8_t eapId);  // PEAP inner / TTLS data
  bool peapInner(std::string_view plain);
  std::string msk() const;

  Method method_;
  std::string user_;
  std::string password_;
  aaa::auth::NtHash ntHash_{};
  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;   // records from the server (owned by ssl_)
  BIO* out_ = nullptr;  // records to the server (owned by ssl_)
  bool established_ = false;
  bool sentAvps_ = false;
  aaa::eap::Reassembler reassembler_{64 * 1024};
  aaa::eap::Fragmenter fragmenter_;
  std::string pendingPlain_;  // inner answers to encrypt with the next records
  uint8_t authChallenge_[16] = {};
  uint8_t peerChallenge_[16] = {};
  uint8_t ntResponse_[24] = {};
  bool msChapAnswered_ = false;
  bool msChapVerified_ = false;
  State state_ = State::kRunning;
  std::string why_;
  uint32_t naks_ = 0;
};

}  // namespace bench::eapload
