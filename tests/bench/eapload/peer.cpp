#include "tests/bench/eapload/peer.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstring>

#include "aaa/auth/mschap.h"
#include "aaa/eap/inner.h"

namespace bench::eapload {

using namespace aaa::eap;

namespace {

// TLS octets per EAP-Response, as wpa_supplicant's default (fragment_size 1398) rounds down.
constexpr size_t kFragment = 1000;
constexpr size_t kMaxInner = 16 * 1024;

std::string sslError(const char* what) {
  std::string s = what;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    s += ": ";
    s += buf;
  }
  return s;
}

const uint8_t* u8(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

}  // namespace

const char* methodName(Method m) {
  switch (m) {
    case Method::kPeap:
      return "peap";
    case Method::kTtls:
      return "ttls";
    case Method::kTls:
      return "tls";
  }
  return "?";
}

uint8_t methodType(Method m) {
  switch (m) {
    case Method::kPeap:
      return kTypePeap;
    case Method::kTtls:
      return kTypeTtls;
    case Method::kTls:
      return kTypeTls;
  }
  return 0;
}

TlsClient* TlsClient::create(const std::string& caFile, const std::string& certFile, const std::string& keyFile,
                             const std::string& groups) {
  auto* t = new TlsClient();
  t->ctx_ = SSL_CTX_new(TLS_client_method());
  auto bad = [&](const char* what) {
    std::fprintf(stderr, "eapload: %s\n", sslError(what).c_str());
    delete t;
    return nullptr;
  };
  if (t->ctx_ == nullptr) return bad("SSL_CTX_new");
  // EAP's TLS methods are TLS 1.2 here (edged's mbedTLS 2.28 has no 1.3; FreeRADIUS is set alike).
  SSL_CTX_set_min_proto_version(t->ctx_, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(t->ctx_, TLS1_2_VERSION);
  if (!groups.empty() && SSL_CTX_set1_groups_list(t->ctx_, groups.c_str()) != 1) return bad("--groups");
  if (!caFile.empty()) {
    if (SSL_CTX_load_verify_locations(t->ctx_, caFile.c_str(), nullptr) != 1) return bad("--ca");
    SSL_CTX_set_verify(t->ctx_, SSL_VERIFY_PEER, nullptr);
  }
  if (!certFile.empty()) {
    if (SSL_CTX_use_certificate_chain_file(t->ctx_, certFile.c_str()) != 1) return bad("--cert");
    if (SSL_CTX_use_PrivateKey_file(t->ctx_, keyFile.c_str(), SSL_FILETYPE_PEM) != 1) return bad("--key");
    if (SSL_CTX_check_private_key(t->ctx_) != 1) return bad("--key is not --cert's key");
  }
  return t;
}

TlsClient::~TlsClient() { SSL_CTX_free(ctx_); }

Peer::Peer(TlsClient& tls, Method method, std::string user, std::string password, SSL_SESSION* session)
    : method_(method), user_(std::move(user)), password_(std::move(password)) {
  ntHash_ = aaa::auth::ntPasswordHash(password_);
  ssl_ = SSL_new(tls.ctx());
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl_, in_, out_);
  SSL_set_connect_state(ssl_);
  if (session != nullptr) SSL_set_session(ssl_, session);
}

Peer::~Peer() {
  // SSL_free of a connection not shut down marks its session not resumable (OpenSSL takes it for a
  // broken one): an accepted login is over as far as TLS is concerned.
  if (state_ == State::kAccepted) SSL_set_shutdown(ssl_, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  SSL_free(ssl_);
}

void Peer::fail(std::string why) {
  if (state_ == State::kRunning || state_ == State::kAccepted) {
    state_ = State::kFailed;
    why_ = std::move(why);
  }
}

std::vector<uint8_t> Peer::failed(std::string why) {
  fail(std::move(why));
  return {};
}

std::vector<uint8_t> Peer::start() { return build(Code::kResponse, 0, kTypeIdentity, user_); }

std::vector<uint8_t> Peer::response(uint8_t id, std::string_view typeData) {
  return build(Code::kResponse, id, methodType(method_), typeData);
}

std::vector<uint8_t> Peer::sendRecords(uint8_t id) {
  std::string records;
  char buf[4096];
  int n;
  while ((n = BIO_read(out_, buf, sizeof buf)) > 0) records.append(buf, static_cast<size_t>(n));
  if (records.empty()) return response(id, std::string(1, '\0'));  // an acknowledgement (RFC 5216 2.1.5)
  fragmenter_.set(std::move(records));
  return response(id, fragmenter_.next(kFragment, 0));
}

std::vector<uint8_t> Peer::onRequest(const uint8_t* eap, size_t len) {
  auto p = parse(eap, len);
  if (!p || p->code != Code::kRequest) return failed("Access-Challenge without an EAP-Request");
  if (p->type == kTypeIdentity) return build(Code::kResponse, p->id, kTypeIdentity, user_);
  if (p->type != methodType(method_)) {
    // RFC 3748 5.3.1: a legacy Nak naming the method we want, once.
    if (naks_++ > 0) return failed(std::string("server insists on EAP type ") + typeName(p->type));
    std::string want(1, static_cast<char>(methodType(method_)));
    return build(Code::kResponse, p->id, kTypeNak, want);
  }
  auto frame = parseTlsFrame(p->data);
  if (!frame) {
    if (!p->data.empty()) return failed("malformed TLS frame from the server");
    frame = TlsFrame{};
  }
  if (frame->flags & kFlagStart) {
    if (established_ || fragmenter_.pending()) return failed("a second TLS Start");
    if (!feed("")) return {};
    return sendRecords(p->id);
  }
  if (fragmenter_.pending()) {
    if (!frame->data.empty()) return failed("server sent data while we were sending fragments");
    return response(p->id, fragmenter_.next(kFragment, 0));
  }
  switch (reassembler_.add(*frame)) {
    case Reassembler::Result::kError:
      return failed("server's TLS fragments exceed their announced length");
    case Reassembler::Result::kMore:
      return response(p->id, std::string(1, '\0'));
    case Reassembler::Result::kDone:
      break;
  }
  std::string message = reassembler_.message();
  reassembler_.clear();
  if (!message.empty() && !feed(message)) return {};
  if (state_ != State::kRunning) return {};
  return sendRecords(p->id);
}

bool Peer::feed(const std::string& records) {
  if (!records.empty() && BIO_write(in_, records.data(), static_cast<int>(records.size())) != static_cast<int>(records.size())) {
    fail("BIO_write");
    return false;
  }
  if (!established_) {
    int r = SSL_do_handshake(ssl_);
    if (r != 1) {
      int e = SSL_get_error(ssl_, r);
      if (e == SSL_ERROR_WANT_READ) return true;
      fail(sslError("TLS handshake"));
      return false;
    }
    established_ = true;
    if (method_ == Method::kTtls && !sentAvps_) {
      // RFC 5281 11.2.5: User-Name and User-Password (NUL-padded to 16) right after the handshake
      // (with our Finished when the session was resumed). A resuming server may skip phase 2.
      std::string pw = password_;
      pw.resize((pw.size() + 15) / 16 * 16, '\0');
      std::string avps = buildAvp(kAvpUserName, 0, user_) + buildAvp(kAvpUserPassword, 0, pw);
      if (SSL_write(ssl_, avps.data(), static_cast<int>(avps.size())) != static_cast<int>(avps.size())) {
        fail(sslError("TLS write"));
        return false;
      }
      sentAvps_ = true;
    }
  }
  std::string plain;
  char buf[4096];
  for (;;) {
    int n = SSL_read(ssl_, buf, sizeof buf);
    if (n > 0) {
      plain.append(buf, static_cast<size_t>(n));
      if (plain.size() > kMaxInner) {
        fail("tunnelled message too long");
        return false;
      }
      continue;
    }
    int e = SSL_get_error(ssl_, n);
    if (e == SSL_ERROR_WANT_READ) break;
    fail(sslError("TLS read"));
    return false;
  }
  if (!plain.empty()) return handleTunnel(plain, 0);
  return true;
}

bool Peer::handleTunnel(const std::string& plain, uint8_t) {
  if (method_ == Method::kPeap) return peapInner(plain);
  // TTLS/PAP: the server says nothing in the tunnel before its EAP-Success; EAP-TLS has no tunnel.
  fail(std::string(methodName(method_)) + ": unexpected tunnelled data from the server");
  return false;
}

bool Peer::peapInner(std::string_view plain) {
  // PEAPv0: inner packets travel without their EAP header, except EAP-Extensions (a whole packet).
  bool whole = plain.size() >= 5 && static_cast<uint8_t>(plain[0]) == static_cast<uint8_t>(Code::kRequest) &&
               ((size_t{u8(plain)[2]} << 8) | u8(plain)[3]) == plain.size();
  uint8_t id = whole ? u8(plain)[1] : 0;
  uint8_t type = whole ? u8(plain)[4] : u8(plain)[0];
  std::string_view data = plain.substr(whole ? 5 : 1);
  std::string answer;
  // Our answers likewise: headerless (FreeRADIUS refuses an inner Response with a header), except
  // EAP-Extensions.
  auto put = [&](uint8_t t, std::string_view d) {
    if (t == kTypeExtensions) {
      auto pkt = build(Code::kResponse, id, t, d);
      answer.assign(pkt.begin(), pkt.end());
    } else {
      answer.assign(1, static_cast<char>(t));
      answer.append(d);
    }
  };
  if (type == kTypeIdentity) {
    put(kTypeIdentity, user_);
  } else if (type == kTypeExtensions) {
    auto result = parseResultTlv(data);
    if (!result) return fail("PEAP: Extensions without a Result TLV"), false;
    if (*result != 1) return fail("PEAP: the server's Result TLV says failure"), false;
    if (!msChapVerified_ && !resumed()) return fail("PEAP: success before the inner method proved the server"), false;
    put(kTypeExtensions, buildResultTlv(true));
  } else if (type == kTypeMsChapV2) {
    auto op = msChapOpCode(data);
    if (!op) return fail("PEAP: empty EAP-MSCHAPv2 request"), false;
    if (*op == kMsChapOpChallenge) {
      // OpCode MS-CHAPv2-ID MS-Length(2) Value-Size(1)=16 Challenge(16) Name
      if (data.size() < 21 || u8(data)[4] != 16) return fail("PEAP: malformed EAP-MSCHAPv2 Challenge"), false;
      uint8_t msId = u8(data)[1];
      std::memcpy(authChallenge_, data.data() + 5, 16);
      RAND_bytes(peerChallenge_, sizeof peerChallenge_);
      auto nt = aaa::auth::generateNtResponse(authChallenge_, peerChallenge_, user_, ntHash_);
      std::memcpy(ntResponse_, nt.data(), nt.size());
      std::string r;
      size_t msLength = 4 + 1 + 49 + user_.size();
      r.push_back(static_cast<char>(kMsChapOpResponse));
      r.push_back(static_cast<char>(msId));
      r.push_back(static_cast<char>(msLength >> 8));
      r.push_back(static_cast<char>(msLength & 0xff));
      r.push_back(49);
      r.append(reinterpret_cast<const char*>(peerChallenge_), 16);
      r.append(8, '\0');
      r.append(reinterpret_cast<const char*>(ntResponse_), 24);
      r.push_back('\0');  // Flags
      r.append(user_);
      msChapAnswered_ = true;
      put(kTypeMsChapV2, r);
    } else if (*op == kMsChapOpSuccess) {
      // OpCode MS-CHAPv2-ID MS-Length(2) Message: "S=<40 hex> M=..." (RFC 2759 5)
      if (!msChapAnswered_ || data.size() < 4 + 42) return fail("PEAP: EAP-MSCHAPv2 Success out of turn"), false;
      auto expect = aaa::auth::generateAuthenticatorResponse(ntHash_, ntResponse_, peerChallenge_, authChallenge_, user_);
      if (std::memcmp(data.data() + 4, expect.data(), expect.size()) != 0)
        return fail("PEAP: the server's MS-CHAPv2 authenticator response is wrong"), false;
      msChapVerified_ = true;
      put(kTypeMsChapV2, std::string(1, static_cast<char>(kMsChapOpSuccess)));
    } else if (*op == kMsChapOpFailure) {
      put(kTypeMsChapV2, std::string(1, static_cast<char>(kMsChapOpFailure)));
    } else {
      return fail("PEAP: unexpected EAP-MSCHAPv2 opcode"), false;
    }
  } else {
    return fail(std::string("PEAP: unexpected inner EAP type ") + typeName(type)), false;
  }
  if (SSL_write(ssl_, answer.data(), static_cast<int>(answer.size())) != static_cast<int>(answer.size()))
    return fail(sslError("TLS write")), false;
  return true;
}

std::string Peer::msk() const {
  const char* label = method_ == Method::kTtls ? "ttls keying material" : "client EAP encryption";
  unsigned char k[64];
  if (SSL_export_keying_material(ssl_, k, sizeof k, label, std::strlen(label), nullptr, 0, 0) != 1) return "";
  return std::string(reinterpret_cast<const char*>(k), sizeof k);
}

void Peer::onAccept(const uint8_t* eap, size_t len, const std::string& recvKey, const std::string& sendKey) {
  if (state_ != State::kRunning) return;
  auto p = parse(eap, len);
  if (!p || p->code != Code::kSuccess) return fail("Access-Accept without EAP-Success");
  if (!established_) return fail("Access-Accept before the TLS handshake finished");
  if (method_ == Method::kPeap && !msChapVerified_ && !resumed())
    return fail("PEAP: Access-Accept without a verified inner EAP-MSCHAPv2");
  if (recvKey.empty() || sendKey.empty()) return fail("Access-Accept without MS-MPPE-Recv-Key/Send-Key");
  std::string k = msk();
  // RFC 5216 2.3 / RFC 2548 2.4: MS-MPPE-Recv-Key = MSK[0..32), MS-MPPE-Send-Key = MSK[32..64).
  if (k.size() != 64 || recvKey != k.substr(0, 32) || sendKey != k.substr(32, 32))
    return fail("MS-MPPE keys are not this TLS session's MSK");
  state_ = State::kAccepted;
}

SSL_SESSION* Peer::session() const {
  SSL_SESSION* s = SSL_get1_session(ssl_);
  if (s != nullptr && SSL_SESSION_is_resumable(s) != 1) {
    SSL_SESSION_free(s);
    return nullptr;
  }
  return s;
}

std::string Peer::cipher() const {
  const char* c = SSL_get_cipher_name(ssl_);
  std::string out = c ? c : "";
  // The key exchange's group (the server chooses it from the client's list).
  EVP_PKEY* key = nullptr;
  if (SSL_get_peer_tmp_key(ssl_, &key) == 1 && key != nullptr) {
    char group[64] = {};
    size_t len = 0;
    if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) == 1) {
      out += std::string(" ") + group;
    } else if (const char* type = EVP_PKEY_get0_type_name(key)) {
      out += std::string(" ") + type;
    }
    EVP_PKEY_free(key);
  }
  return out;
}

}  // namespace bench::eapload
