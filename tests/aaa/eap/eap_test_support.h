// What the EAP server's tests share (eap_server_test.cpp, eap_resumption_test.cpp): certificates
// made once, a snapshot with alice on plan "home", an EAP peer's TLS side as an mbedTLS client over
// memory buffers, and a fixture that drives conversations through EapServer::handle.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <string>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "aaa/auth/credentials.h"
#include "aaa/auth/mschap.h"
#include "aaa/eap/eap_packet.h"
#include "aaa/eap/eap_server.h"
#include "aaa/eap/inner.h"
#include "aaa/policy/snapshot.h"
#include "core/counters.h"
#include "core/pki.h"

#include <CppUTest/TestHarness.h>

using namespace aaa::eap;

namespace {

constexpr int64_t kNow = 1800000000;

struct Pki {
  std::string dir;
  std::string caPem, serverPem, serverKey, clientPem, clientKey, rogueClientPem, rogueClientKey;
  std::string caFile, serverFile, serverKeyFile;
};

std::string write(const std::string& dir, const std::string& name, const std::string& text) {
  std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// Certificates made once, before any test runs (CppUTest's leak checker).
const Pki& pki() {
  static Pki* p = [] {
    auto* k = new Pki;
    char tmpl[] = "/tmp/eap-test-XXXXXX";
    k->dir = ::mkdtemp(tmpl);
    core::pki::CertSpec spec;
    spec.notBefore = 0;
    spec.notAfter = 4102444800;  // 2100
    std::string caKey = *core::pki::generateKey();
    spec.commonName = "test-ca";
    k->caPem = *core::pki::selfSignedCa(caKey, spec);
    k->serverKey = *core::pki::generateKey();
    spec.commonName = "radius.example.net";
    k->serverPem = *core::pki::issueForKey(k->caPem, caKey, *core::pki::publicKeyOf(k->serverKey), spec);
    k->clientKey = *core::pki::generateKey();
    spec.commonName = "alice";
    k->clientPem = *core::pki::issueForKey(k->caPem, caKey, *core::pki::publicKeyOf(k->clientKey), spec);
    std::string rogueKey = *core::pki::generateKey();
    spec.commonName = "rogue-ca";
    std::string roguePem = *core::pki::selfSignedCa(rogueKey, spec);
    k->rogueClientKey = *core::pki::generateKey();
    spec.commonName = "alice";
    k->rogueClientPem = *core::pki::issueForKey(roguePem, rogueKey, *core::pki::publicKeyOf(k->rogueClientKey), spec);
    k->caFile = write(k->dir, "ca.pem", k->caPem);
    k->serverFile = write(k->dir, "server.pem", k->serverPem);
    k->serverKeyFile = write(k->dir, "server.key", k->serverKey);
    std::atexit([] {  // the runner leaves no files behind
      const Pki& q = pki();
      for (const std::string* f : {&q.caFile, &q.serverFile, &q.serverKeyFile}) ::unlink(f->c_str());
      ::rmdir(q.dir.c_str());
    });
    return k;
  }();
  return *p;
}
const bool kPkiReady = (pki(), true);

// `edit` changes alice before the snapshot is published (suspended, another password, ...).
std::shared_ptr<aaa::policy::Snapshot> makeSnapshot(const std::function<void(aaa::policy::Subscriber&)>& edit = {}) {
  aaa::policy::SnapshotHolder holder;
  aaa::policy::Plan plan;
  plan.id = 1;
  plan.name = "home";
  plan.downBps = 20000000;
  plan.upBps = 10000000;
  std::vector<aaa::policy::Subscriber> subs;
  aaa::policy::Subscriber s;
  s.id = 1;
  s.username = "alice";
  aaa::auth::Credentials c = *aaa::auth::credentialsFromPassword("alice-pw", false);
  s.ntHash = c.ntHash;
  s.planId = 1;
  if (edit) edit(s);
  subs.push_back(s);
  holder.publishFull({}, {plan}, std::move(subs));
  return std::const_pointer_cast<aaa::policy::Snapshot>(holder.current());
}

// An EAP peer's TLS side: an mbedTLS client over memory buffers.
struct Client {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_ssl_config conf;
  mbedtls_ssl_context ssl;
  mbedtls_x509_crt ca, cert;
  mbedtls_pk_context key;
  std::string in, out;
  size_t inPos = 0;
  unsigned char master[48];
  unsigned char randoms[64];
  mbedtls_tls_prf_types prf = MBEDTLS_SSL_TLS_PRF_NONE;

  // `resume`: a session of an earlier handshake this client offers to resume (its session ID).
  Client(const std::string& certPem, const std::string& keyPem, const mbedtls_ssl_session* resume = nullptr) {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_ssl_config_init(&conf);
    mbedtls_ssl_init(&ssl);
    mbedtls_x509_crt_init(&ca);
    mbedtls_x509_crt_init(&cert);
    mbedtls_pk_init(&key);
    mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, nullptr, 0);
    mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    mbedtls_x509_crt_parse(&ca, reinterpret_cast<const unsigned char*>(pki().caPem.c_str()), pki().caPem.size() + 1);
    mbedtls_ssl_conf_ca_chain(&conf, &ca, nullptr);
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    if (!certPem.empty()) {
      mbedtls_x509_crt_parse(&cert, reinterpret_cast<const unsigned char*>(certPem.c_str()), certPem.size() + 1);
      mbedtls_pk_parse_key(&key, reinterpret_cast<const unsigned char*>(keyPem.c_str()), keyPem.size() + 1, nullptr, 0);
      mbedtls_ssl_conf_own_cert(&conf, &cert, &key);
    }
    mbedtls_ssl_conf_export_keys_ext_cb(&conf, &Client::keys, this);
    mbedtls_ssl_setup(&ssl, &conf);
    mbedtls_ssl_set_hostname(&ssl, "radius.example.net");
    mbedtls_ssl_set_bio(&ssl, this, &Client::send, &Client::recv, nullptr);
    if (resume != nullptr) mbedtls_ssl_set_session(&ssl, resume);
  }
  // This handshake's session, to resume later (the caller frees it).
  void saveSession(mbedtls_ssl_session* out) { mbedtls_ssl_get_session(&ssl, out); }
  ~Client() {
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&conf);
    mbedtls_pk_free(&key);
    mbedtls_x509_crt_free(&cert);
    mbedtls_x509_crt_free(&ca);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }
  static int keys(void* p, const unsigned char* ms, const unsigned char*, size_t, size_t, size_t,
                  const unsigned char cr[32], const unsigned char sr[32], mbedtls_tls_prf_types prf) {
    auto* c = static_cast<Client*>(p);
    std::memcpy(c->master, ms, 48);
    std::memcpy(c->randoms, cr, 32);
    std::memcpy(c->randoms + 32, sr, 32);
    c->prf = prf;
    return 0;
  }
  static int send(void* p, const unsigned char* b, size_t n) {
    static_cast<Client*>(p)->out.append(reinterpret_cast<const char*>(b), n);
    return static_cast<int>(n);
  }
  static int recv(void* p, unsigned char* b, size_t n) {
    auto* c = static_cast<Client*>(p);
    size_t left = c->in.size() - c->inPos;
    if (left == 0) return MBEDTLS_ERR_SSL_WANT_READ;
    n = std::min(n, left);
    std::memcpy(b, c->in.data() + c->inPos, n);
    c->inPos += n;
    return static_cast<int>(n);
  }
  // Returns 0 when the handshake is done, WANT_READ while it goes on, an error otherwise.
  int step(const std::string& records) {
    in.erase(0, inPos);
    inPos = 0;
    in += records;
    return mbedtls_ssl_handshake(&ssl);
  }
  std::string take() {
    std::string o;
    o.swap(out);
    return o;
  }
  std::string exportKey(const char* label, size_t len) {
    std::string k(len, '\0');
    mbedtls_ssl_tls_prf(prf, master, 48, label, randoms, 64, reinterpret_cast<unsigned char*>(k.data()), len);
    return k;
  }
};

std::string sv(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }

// The peer's EAP-MSCHAPv2 Response Type-Data (opcode 2) to the Challenge Type-Data `challenge`.
std::string msChapResponse(const std::string& challenge, const std::string& user, const std::string& password,
                           std::array<uint8_t, 24>& ntOut, std::array<uint8_t, 16>& peerChallenge) {
  CHECK(challenge.size() >= 21);
  LONGS_EQUAL(kMsChapOpChallenge, static_cast<uint8_t>(challenge[0]));
  uint8_t msId = static_cast<uint8_t>(challenge[1]);
  const auto* authChallenge = reinterpret_cast<const uint8_t*>(challenge.data() + 5);
  for (size_t i = 0; i < 16; ++i) peerChallenge[i] = static_cast<uint8_t>(0x40 + i);
  auto hash = *aaa::auth::credentialsFromPassword(password, false)->ntHash;
  ntOut = aaa::auth::generateNtResponse(authChallenge, peerChallenge.data(), user, hash);
  std::string r;
  r.push_back(static_cast<char>(kMsChapOpResponse));
  r.push_back(static_cast<char>(msId));
  size_t len = 4 + 1 + 49 + user.size();
  r.push_back(static_cast<char>(len >> 8));
  r.push_back(static_cast<char>(len));
  r.push_back(49);
  r.append(reinterpret_cast<const char*>(peerChallenge.data()), 16);
  r.append(8, '\0');
  r.append(reinterpret_cast<const char*>(ntOut.data()), 24);
  r.push_back('\0');  // flags
  r += user;
  return r;
}

// In this namespace too: each test file has its own certificates (pki() above), and the fixture
// must use the ones of the file it is compiled in.
struct EapFixture : public Utest {
  core::CounterRegistry counters;
  std::shared_ptr<aaa::policy::Snapshot> snap;
  std::unique_ptr<EapServer> server;
  std::string state;
  uint8_t lastId = 0;
  bool requireBinding = false;  // EapServerConfig::requirePeapCryptoBinding of the next make()

  void setup() override { snap = makeSnapshot(); }
  void teardown() override {
    server.reset();
    snap.reset();
  }
  void make(uint8_t firstMethod, size_t maxTotal = 8, size_t maxPerNas = 8, size_t fragment = 1000,
            int resumptionSeconds = 0) {
    EapServerConfig c;
    c.resumptionSeconds = resumptionSeconds;
    c.tls.certificateFile = pki().serverFile;
    c.tls.keyFile = pki().serverKeyFile;
    c.tls.caFile = pki().caFile;
    c.firstMethod = firstMethod;
    c.maxConversations = maxTotal;
    c.maxConversationsPerNas = maxPerNas;
    c.fragmentSize = fragment;
    c.requirePeapCryptoBinding = requireBinding;
    auto s = EapServer::create(c, counters);
    CHECK_TRUE_TEXT(s.isOk(), s.status().message().c_str());
    server = std::move(*s);
  }
  EapOutput send(const std::vector<uint8_t>& eap, const std::string& nas = "ap-1") {
    EapInput in;
    std::string msg = sv(eap);
    in.eapMessage = msg;
    in.state = state;
    in.nas = nas;
    in.snapshot = snap.get();
    in.nowUnix = kNow;
    EapOutput o = server->handle(in);
    if (o.kind == EapOutput::Kind::kChallenge) {
      state = std::string(reinterpret_cast<const char*>(o.state.data()), 16);
      auto p = parse(o.eapMessage.data(), o.eapMessage.size());
      CHECK(p.has_value());
      lastId = p->id;
    }
    return o;
  }
  EapOutput identity(const std::string& name, const std::string& nas = "ap-1") {
    state.clear();
    return send(build(Code::kResponse, 1, kTypeIdentity, name), nas);
  }
  // Runs the TLS handshake of method `type` through EAP; returns the last output (the request
  // after the handshake, or the failure).
  EapOutput handshake(Client& client, uint8_t type, EapOutput o, size_t clientFragment = 1000) {
    Reassembler r(65536);
    for (int round = 0; round < 64; ++round) {
      if (o.kind != EapOutput::Kind::kChallenge) return o;
      auto p = parse(o.eapMessage.data(), o.eapMessage.size());
      auto f = parseTlsFrame(p->data);
      CHECK(f.has_value());
      std::string records;
      if (!(f->flags & kFlagStart)) {
        auto res = r.add(*f);
        CHECK(res != Reassembler::Result::kError);
        if (res == Reassembler::Result::kMore) {
          o = send(build(Code::kResponse, lastId, type, std::string(1, '\0')));  // ack
          continue;
        }
        records = r.message();
        r.clear();
      }
      int rc = client.step(records);
      std::string mine = client.take();
      if (rc == 0 && mine.empty()) return o;  // the server's Finished arrived: our turn in the tunnel
      CHECK(rc == 0 || rc == MBEDTLS_ERR_SSL_WANT_READ);
      Fragmenter frag;
      frag.set(mine);
      o = send(build(Code::kResponse, lastId, type, frag.next(clientFragment, 0)));
      while (frag.pending()) {
        CHECK(o.kind == EapOutput::Kind::kChallenge);
        auto ack = parse(o.eapMessage.data(), o.eapMessage.size());
        CHECK(ack->data.size() == 1);  // an empty request: the server acknowledges our fragment
        o = send(build(Code::kResponse, lastId, type, frag.next(clientFragment, 0)));
      }
    }
    FAIL("handshake did not finish");
    return o;
  }
  // A whole EAP-TTLS/PAP login (or, when the server resumes the client's session, the handshake's
  // accept without the password).
  EapOutput ttlsPap(Client& client, const std::string& password) {
    EapOutput o = handshake(client, kTypeTtls, identity("anonymous"));
    if (o.kind != EapOutput::Kind::kChallenge) return o;
    std::string pw = password;
    pw.resize(16, '\0');
    std::string avps = buildAvp(kAvpUserName, 0, "alice") + buildAvp(kAvpUserPassword, 0, pw);
    CHECK(mbedtls_ssl_write(&client.ssl, reinterpret_cast<const unsigned char*>(avps.data()), avps.size()) > 0);
    return send(build(Code::kResponse, lastId, kTypeTtls, std::string(1, '\0') + client.take()));
  }
  // A whole EAP-TLS login with the client's certificate (a full handshake ends with our ack of the
  // server's Finished; a resumed one with the server's accept).
  EapOutput eapTls(Client& client) {
    EapOutput o = handshake(client, kTypeTls, identity("alice"));
    if (o.kind != EapOutput::Kind::kChallenge) return o;
    return send(build(Code::kResponse, lastId, kTypeTls, std::string(1, '\0')));
  }
  // Sends what the client wrote in the tunnel as the next EAP-Response of `type`.
  EapOutput sendInner(Client& client, uint8_t type, std::string_view plain) {
    CHECK(mbedtls_ssl_write(&client.ssl, reinterpret_cast<const unsigned char*>(plain.data()), plain.size()) > 0);
    return send(build(Code::kResponse, lastId, type, std::string(1, '\0') + client.take()));
  }
  // The tunnelled data of the server's EAP-Request `o` (one fragment), decrypted by the client.
  std::string readInner(Client& client, const EapOutput& o) {
    auto p = parse(o.eapMessage.data(), o.eapMessage.size());
    CHECK(p.has_value());
    auto f = parseTlsFrame(p->data);
    CHECK(f.has_value());
    client.in.erase(0, client.inPos);
    client.inPos = 0;
    client.in.append(f->data);
    std::string plain;
    unsigned char buf[4096];
    for (;;) {
      int rc = mbedtls_ssl_read(&client.ssl, buf, sizeof buf);
      if (rc <= 0) break;
      plain.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(rc));
    }
    return plain;
  }
};

}  // namespace
