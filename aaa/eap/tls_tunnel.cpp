#include "aaa/eap/tls_tunnel.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <ctime>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

#include "aaa/radius/tls_curves.h"
#include "core/pki.h"

namespace aaa::eap {

namespace {
}  // namespace

struct TlsContext::Impl {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_x509_crt own;
  mbedtls_pk_context key;
  mbedtls_x509_crt ca;
  mbedtls_x509_crl crl;
  mbedtls_ssl_config withClient;     // EAP-TLS: a client certificate is required
  mbedtls_ssl_config withoutClient;  // PEAP, TTLS
  bool hasCa = false;
  bool hasCrl = false;
  uint64_t generation = 0;
  Impl() {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_x509_crt_init(&own);
    mbedtls_pk_init(&key);
    mbedtls_x509_crt_init(&ca);
    mbedtls_x509_crl_init(&crl);
    mbedtls_ssl_config_init(&withClient);
    mbedtls_ssl_config_init(&withoutClient);
  }
  ~Impl() {
    mbedtls_ssl_config_free(&withoutClient);
    mbedtls_ssl_config_free(&withClient);
    mbedtls_x509_crl_free(&crl);
    mbedtls_x509_crt_free(&ca);
    mbedtls_pk_free(&key);
    mbedtls_x509_crt_free(&own);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }
};

TlsContext::TlsContext() : impl_(std::make_unique<Impl>()) {}
TlsContext::~TlsContext() = default;
bool TlsContext::hasClientCa() const { return impl_->hasCa; }
uint64_t TlsContext::generation() const { return impl_->generation; }

// Called by mbedTLS when the keys are derived: kept for exportKey() (RFC 5216 2.3 needs the master
// secret and both randoms, which mbedTLS 2.28 does not otherwise expose). On a resumed session the
// master secret is the cached one and the randoms are this handshake's, as RFC 5216 2.3 wants.
struct KeyMaterial {
  unsigned char master[48];
  unsigned char randoms[64];  // client random || server random
  mbedtls_tls_prf_types prf = MBEDTLS_SSL_TLS_PRF_NONE;
};

struct TlsTunnel::Impl {
  mbedtls_ssl_context ssl;
  std::string in;  // the peer's records not yet consumed
  size_t inPos = 0;
  std::string out;
  KeyMaterial keys;
  const TlsContext::Impl* context = nullptr;
  bool requireClient = false;
  // Session resumption (set while a handshake() call runs; see getSession/setSession below).
  const SessionLookup* lookup = nullptr;
  bool hit = false;          // a cached session was handed to mbedTLS
  bool stored = false;       // mbedTLS finished a full handshake (its session-cache set was called)
  std::string newSession;    // that session, serialized, when resumption is on
  Trust newTrust;            // what verified it, and until when
  std::string refusal;
  Impl() { mbedtls_ssl_init(&ssl); }
  ~Impl() {
    mbedtls_ssl_free(&ssl);
    mbedtls_platform_zeroize(keys.master, sizeof keys.master);
    mbedtls_platform_zeroize(newSession.data(), newSession.size());
  }
  static int send(void* p, const unsigned char* buf, size_t len) noexcept {
    try {
      static_cast<Impl*>(p)->out.append(reinterpret_cast<const char*>(buf), len);
      return static_cast<int>(len);
    } catch (...) {
      return MBEDTLS_ERR_SSL_ALLOC_FAILED;
    }
  }
  static int recv(void* p, unsigned char* buf, size_t len) noexcept {
    auto* self = static_cast<Impl*>(p);
    size_t left = self->in.size() - self->inPos;
    if (left == 0) return MBEDTLS_ERR_SSL_WANT_READ;
    size_t n = std::min(len, left);
    std::memcpy(buf, self->in.data() + self->inPos, n);
    self->inPos += n;
    return static_cast<int>(n);
  }
  void feed(std::string_view records) {
    if (inPos == in.size()) {
      in.assign(records);
      inPos = 0;
    } else {
      in.erase(0, inPos);
      inPos = 0;
      in.append(records);
    }
  }
};

namespace {

// mbedTLS 2.28 hands its callbacks the config's pointer, not the connection's: the tunnel whose
// handshake is running on this thread names itself here for the duration of the call.
thread_local TlsTunnel::Impl* tCurrent = nullptr;

std::string verifyInfo(uint32_t flags) {
  char why[256];
  mbedtls_x509_crt_verify_info(why, sizeof why, "", flags);
  std::string w(why);
  while (!w.empty() && w.back() == '\n') w.pop_back();
  for (char& ch : w)
    if (ch == '\n') ch = ';';
  return w;
}

int onKeys(void*, const unsigned char* ms, const unsigned char*, size_t, size_t, size_t,
           const unsigned char clientRandom[32], const unsigned char serverRandom[32],
           mbedtls_tls_prf_types prf) noexcept {
  if (tCurrent == nullptr) return 0;
  KeyMaterial* k = &tCurrent->keys;
  std::memcpy(k->master, ms, 48);
  std::memcpy(k->randoms, clientRandom, 32);
  std::memcpy(k->randoms + 32, serverRandom, 32);
  k->prf = prf;
  return 0;
}

// The session cache, server side (mbedTLS calls get with the ClientHello's session ID, set after a
// full handshake): the tunnel's lookup decides; a cached EAP-TLS session carries the client
// certificate, which must still chain to the CA and not be on the CRL of the context in use now.
int getSession(void*, mbedtls_ssl_session* session) noexcept {
  TlsTunnel::Impl* t = tCurrent;
  if (t == nullptr || t->lookup == nullptr || !*t->lookup || session->id_len == 0) return 1;
  try {
    TlsTunnel::CachedSession cached =
        (*t->lookup)(std::string_view(reinterpret_cast<const char*>(session->id), session->id_len));
    std::string& bytes = cached.session;
    if (bytes.empty()) return 1;
    int rc = mbedtls_ssl_session_load(session, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    mbedtls_platform_zeroize(bytes.data(), bytes.size());
    if (rc != 0) return 1;
    // The verification of the full handshake stands while nothing it used changed: the same CA and
    // CRL (no reload since) and everything in it still valid. Otherwise the certificate is verified
    // again against what is loaded now.
    bool unchanged = cached.trust.generation == t->context->generation &&
                     static_cast<int64_t>(std::time(nullptr)) < cached.trust.until;
    if (t->requireClient && !unchanged) {
      if (session->peer_cert == nullptr) {
        t->refusal = "the cached session has no client certificate";
        return 1;  // mbedTLS frees the loaded session
      }
      uint32_t flags = 0;
      rc = mbedtls_x509_crt_verify(session->peer_cert, const_cast<mbedtls_x509_crt*>(&t->context->ca),
                                   t->context->hasCrl ? const_cast<mbedtls_x509_crl*>(&t->context->crl) : nullptr,
                                   nullptr, &flags, nullptr, nullptr);
      if (rc != 0) {
        t->refusal = "client certificate: " + verifyInfo(flags);
        return 1;
      }
    }
    t->hit = true;
    return 0;
  } catch (...) {
    return 1;
  }
}

// Until when a verification of `peer` under `c` stands without anything in it changing: the end of
// the peer's, every CA certificate's and every CRL's validity (an expired CRL fails verification).
int64_t trustedUntil(const TlsContext::Impl& c, const mbedtls_x509_crt* peer) {
  int64_t until = core::pki::x509UnixTime(peer->valid_to);
  for (const mbedtls_x509_crt* ca = &c.ca; ca != nullptr && ca->raw.len != 0; ca = ca->next)
    until = std::min(until, core::pki::x509UnixTime(ca->valid_to));
  if (c.hasCrl)
    for (const mbedtls_x509_crl* crl = &c.crl; crl != nullptr && crl->raw.len != 0; crl = crl->next)
      until = std::min(until, crl->next_update.year == 0 ? until : core::pki::x509UnixTime(crl->next_update));
  return until;
}

int setSession(void*, const mbedtls_ssl_session* session) noexcept {
  TlsTunnel::Impl* t = tCurrent;
  if (t == nullptr) return 0;
  t->stored = true;
  if (t->lookup == nullptr) return 0;  // resumption off: no copy of the master secret is made
  try {
    size_t n = 0;
    mbedtls_ssl_session_save(session, nullptr, 0, &n);
    if (n == 0 || n > 65536) return 0;
    t->newSession.assign(n, '\0');
    if (mbedtls_ssl_session_save(session, reinterpret_cast<unsigned char*>(t->newSession.data()), n, &n) != 0) {
      t->newSession.clear();
      return 0;
    }
    t->newSession.resize(n);
    t->newTrust.generation = t->context->generation;
    t->newTrust.until = session->peer_cert != nullptr ? trustedUntil(*t->context, session->peer_cert) : 0;
  } catch (...) {
    t->newSession.clear();
  }
  return 0;
}

core::Status configure(TlsContext::Impl& c, mbedtls_ssl_config& conf, bool requireClient) {
  int rc = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                       MBEDTLS_SSL_PRESET_DEFAULT);
  if (rc != 0) return core::internalError("eap: TLS defaults: " + core::pki::mbedtlsErrorText(rc));
  mbedtls_ssl_conf_min_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_max_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &c.drbg);
  mbedtls_ssl_conf_curves(&conf, aaa::radius::preferredCurves());
  mbedtls_ssl_conf_export_keys_ext_cb(&conf, onKeys, nullptr);
  mbedtls_ssl_conf_session_cache(&conf, nullptr, getSession, setSession);
  rc = mbedtls_ssl_conf_own_cert(&conf, &c.own, &c.key);
  if (rc != 0) return core::invalidArgument("eap-certificate: " + core::pki::mbedtlsErrorText(rc));
  if (requireClient) {
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&conf, &c.ca, c.hasCrl ? &c.crl : nullptr);
  } else {
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_NONE);
  }
  return core::Status::ok();
}
}  // namespace

core::Result<std::unique_ptr<TlsContext>> TlsContext::load(const TlsServerConfig& cfg) {
  static std::atomic<uint64_t> generations{0};
  std::unique_ptr<TlsContext> ctx(new TlsContext());
  Impl& c = *ctx->impl_;
  c.generation = ++generations;
  int rc = mbedtls_x509_crt_parse_file(&c.own, cfg.certificateFile.c_str());
  if (rc != 0) return core::invalidArgument("eap-certificate: " + cfg.certificateFile + ": " + core::pki::mbedtlsErrorText(rc));
  rc = mbedtls_pk_parse_keyfile(&c.key, cfg.keyFile.c_str(), nullptr);
  if (rc != 0) return core::invalidArgument("eap-key: " + cfg.keyFile + ": " + core::pki::mbedtlsErrorText(rc));
  if (mbedtls_pk_check_pair(&c.own.pk, &c.key) != 0)
    return core::invalidArgument("eap-key: " + cfg.keyFile + " is not the key of " + cfg.certificateFile);
  if (!cfg.caFile.empty()) {
    rc = mbedtls_x509_crt_parse_file(&c.ca, cfg.caFile.c_str());
    if (rc != 0) return core::invalidArgument("eap-ca: " + cfg.caFile + ": " + core::pki::mbedtlsErrorText(rc));
    c.hasCa = true;
  }
  if (!cfg.crlFile.empty()) {
    rc = mbedtls_x509_crl_parse_file(&c.crl, cfg.crlFile.c_str());
    if (rc != 0) return core::invalidArgument("eap-crl: " + cfg.crlFile + ": " + core::pki::mbedtlsErrorText(rc));
    c.hasCrl = true;
  }
  rc = mbedtls_ctr_drbg_seed(&c.drbg, mbedtls_entropy_func, &c.entropy,
                             reinterpret_cast<const unsigned char*>("edged eap"), 9);
  if (rc != 0) return core::internalError("eap: seeding the random generator: " + core::pki::mbedtlsErrorText(rc));
  core::Status s = configure(c, c.withoutClient, false);
  if (!s.isOk()) return s;
  if (c.hasCa) {
    s = configure(c, c.withClient, true);
    if (!s.isOk()) return s;
  }
  return ctx;
}

TlsTunnel::TlsTunnel(const TlsContext& context, bool requireClientCertificate) : impl_(std::make_unique<Impl>()) {
  TlsContext::Impl& c = context.impl();
  mbedtls_ssl_config* conf = requireClientCertificate && c.hasCa ? &c.withClient : &c.withoutClient;
  impl_->context = &c;
  impl_->requireClient = conf == &c.withClient;
  int rc = mbedtls_ssl_setup(&impl_->ssl, conf);
  if (rc != 0) failure_ = "TLS setup: " + core::pki::mbedtlsErrorText(rc);
  mbedtls_ssl_set_bio(&impl_->ssl, impl_.get(), &Impl::send, &Impl::recv, nullptr);
}

TlsTunnel::~TlsTunnel() = default;

TlsTunnel::Step TlsTunnel::handshake(std::string_view peerRecords, const SessionLookup* lookup) {
  if (!failure_.empty()) return Step::kFailed;
  impl_->feed(peerRecords);
  impl_->lookup = lookup;
  tCurrent = impl_.get();
  int rc = mbedtls_ssl_handshake(&impl_->ssl);
  tCurrent = nullptr;
  impl_->lookup = nullptr;
  if (rc == 0) {
    established_ = true;
    return Step::kEstablished;
  }
  if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) return Step::kContinue;
  failure_ = core::pki::mbedtlsErrorText(rc);
  uint32_t flags = mbedtls_ssl_get_verify_result(&impl_->ssl);
  if (flags != 0 && flags != static_cast<uint32_t>(-1))
    failure_ = "client certificate: " + verifyInfo(flags);  // the reason first: what an operator needs
  return Step::kFailed;
}

TlsTunnel::Step TlsTunnel::read(std::string_view peerRecords, std::string& plain) {
  impl_->feed(peerRecords);
  unsigned char buf[4096];
  for (;;) {
    int rc = mbedtls_ssl_read(&impl_->ssl, buf, sizeof buf);
    if (rc > 0) {
      plain.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(rc));
      if (plain.size() > 65536) {
        failure_ = "more than 64 KiB of tunnelled data";
        return Step::kFailed;
      }
      continue;
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) return Step::kContinue;
    failure_ = rc == 0 ? "peer closed the tunnel" : core::pki::mbedtlsErrorText(rc);
    return Step::kFailed;
  }
}

bool TlsTunnel::write(std::string_view plain) {
  size_t done = 0;
  while (done < plain.size()) {
    int rc = mbedtls_ssl_write(&impl_->ssl, reinterpret_cast<const unsigned char*>(plain.data()) + done,
                               plain.size() - done);
    if (rc <= 0) {
      failure_ = core::pki::mbedtlsErrorText(rc);
      return false;
    }
    done += static_cast<size_t>(rc);
  }
  return true;
}

bool TlsTunnel::resumed() const { return established_ && impl_->hit && !impl_->stored; }

std::string TlsTunnel::sessionId() const {
  const mbedtls_ssl_session* session = impl_->ssl.session;
  if (!established_ || session == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(session->id), session->id_len);
}

std::string TlsTunnel::takeNewSession() {
  std::string s;
  s.swap(impl_->newSession);
  return s;
}

const std::string& TlsTunnel::resumptionRefusal() const { return impl_->refusal; }

TlsTunnel::Trust TlsTunnel::newSessionTrust() const { return impl_->newTrust; }

std::string TlsTunnel::takeOutput() {
  std::string out;
  out.swap(impl_->out);
  return out;
}

std::string TlsTunnel::exportKey(const char* label, size_t len) const {
  std::string out(len, '\0');
  if (impl_->keys.prf == MBEDTLS_SSL_TLS_PRF_NONE) return {};
  int rc = mbedtls_ssl_tls_prf(impl_->keys.prf, impl_->keys.master, 48, label, impl_->keys.randoms, 64,
                               reinterpret_cast<unsigned char*>(out.data()), len);
  if (rc != 0) return {};
  return out;
}

std::string TlsTunnel::peerCommonName() const {
  const mbedtls_x509_crt* peer = mbedtls_ssl_get_peer_cert(&impl_->ssl);
  if (peer == nullptr) return {};
  for (const mbedtls_x509_name* n = &peer->subject; n != nullptr; n = n->next) {
    if (n->oid.p != nullptr && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0)
      return std::string(reinterpret_cast<const char*>(n->val.p), n->val.len);
  }
  return {};
}

}  // namespace aaa::eap
