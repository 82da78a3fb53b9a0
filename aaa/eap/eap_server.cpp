#include "aaa/eap/eap_server.h"

#include <chrono>
#include <cstring>

#include "aaa/eap/crypto_binding.h"
#include "aaa/eap/eap_packet.h"
#include "aaa/eap/inner.h"
#include "core/ids.h"

namespace aaa::eap {

namespace {

int64_t steadySeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Labels of the key derivations: RFC 5216 2.3 (EAP-TLS; PEAPv0 uses the same, MS-PEAP 3.1.5.5.2.1),
// RFC 5281 8 (EAP-TTLS) and RFC 5281 11.2.4 (the MS-CHAP challenge TTLS derives from the tunnel).
constexpr const char* kLabelEapTls = "client EAP encryption";
constexpr const char* kLabelTtls = "ttls keying material";
constexpr const char* kLabelTtlsChallenge = "ttls challenge";
constexpr size_t kMaxMessage = 65536;  // one reassembled TLS message from the peer
constexpr size_t kMaxIdentity = 253;

std::string_view sv(const std::vector<uint8_t>& v) { return {reinterpret_cast<const char*>(v.data()), v.size()}; }

std::string hexUpper(const uint8_t* p, size_t n) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s.push_back(kHex[p[i] >> 4]);
    s.push_back(kHex[p[i] & 15]);
  }
  return s;
}

}  // namespace

EapCounters EapCounters::registerIn(core::CounterRegistry& r) {
  EapCounters c;
  c.started = &r.counter("radius_eap_conversations_started_total", "EAP conversations started (an EAP-Response/Identity without State)");
  c.open = &r.gauge("radius_eap_conversations_open", "EAP conversations waiting for the peer's next message");
  c.refused = &r.counter("radius_eap_conversations_refused_total",
                         "EAP conversations refused because the total or the NAS's limit was reached");
  c.timedOut = &r.counter("radius_eap_conversations_timed_out_total", "EAP conversations dropped after the idle timeout");
  c.unknownState = &r.counter("radius_eap_unknown_state_total", "EAP messages with a State of no open conversation (rejected)");
  c.malformed = &r.counter("radius_eap_malformed_total", "EAP messages that could not be parsed or were out of sequence (rejected)");
  c.tlsFailures = &r.counter("radius_eap_tls_failures_total",
                             "TLS handshakes or records that failed (bad or revoked client certificate, alert, bad record)");
  c.accepts = &r.counter("radius_eap_accepts_total", "EAP conversations ending in EAP-Success");
  c.rejects = &r.counter("radius_eap_rejects_total", "EAP conversations ending in EAP-Failure");
  c.resumed = &r.counter("radius_eap_resumed_total",
                         "EAP TLS handshakes that resumed the session of an earlier accepted login (no inner authentication)");
  c.resumptionRefused = &r.counter("radius_eap_resumption_refused_total",
                                   "Cached TLS sessions not resumed because the subscriber's password or record changed, "
                                   "or the client certificate no longer verifies (a full handshake instead)");
  c.resumptionSessions = &r.gauge("radius_eap_resumption_sessions", "TLS sessions kept for EAP session resumption");
  return c;
}

struct EapServer::Conversation {
  enum class Phase {
    kIdentity,          // nothing yet
    kStarted,           // our Start sent; a Nak may still change the method
    kHandshake,         // TLS records going both ways
    kEstablished,       // our last handshake flight is out; the peer's next message follows it
    kPeapIdentity,      // PEAP: inner Identity request sent
    kPeapChallenge,     // PEAP: EAP-MSCHAPv2 Challenge sent
    kPeapSuccess,       // PEAP: EAP-MSCHAPv2 Success sent, waiting for its ack
    kPeapFailure,       // PEAP: EAP-MSCHAPv2 Failure sent
    kPeapResult,        // PEAP: Result TLV sent
    kTtlsSuccess,       // TTLS: MS-CHAP2-Success AVP sent, waiting for the empty ack
    kTtlsEapChallenge,  // TTLS/EAP-MSCHAPv2: the Challenge sent in an EAP-Message AVP
    kTtlsEapSuccess,    // TTLS/EAP-MSCHAPv2: Success sent, waiting for its ack
    kTtlsEapFailure,    // TTLS/EAP-MSCHAPv2: Failure sent, waiting for its ack
  };
  std::string nas;
  int64_t lastUsed = 0;
  Phase phase = Phase::kIdentity;
  uint8_t method = 0;
  uint8_t lastId = 0;  // the Identifier of our last EAP-Request
  std::string identity;
  std::string innerIdentity;
  std::shared_ptr<const TlsContext> context;  // the certificates this tunnel started with (before tls)
  std::unique_ptr<TlsTunnel> tls;
  Reassembler in{kMaxMessage};
  Fragmenter out;
  std::array<uint8_t, 16> challenge{};
  uint8_t msId = 0;
  uint8_t innerEapId = 0;  // TTLS/EAP: the Identifier of our last inner EAP-Request
  // An inner check's outcome, waiting for the peer's ack: reason and method only (the snapshot its
  // pointers came from may be gone by then; the accept is decided again at the end, by proven*).
  std::optional<policy::Decision> decision;
  std::string decisionUser;  // the subscriber that outcome was about ("" = none)
  // The credential proven in this conversation (or the resumed session's): what the final accept is
  // decided for, and what a resumption of this session will be checked against.
  std::string provenUser;
  int64_t provenId = 0;
  policy::AuthMethod provenMethod = policy::AuthMethod::kNone;
  std::array<uint8_t, 32> provenCredential{};
  std::optional<ResumptionGrant> resumedGrant;  // the cached login this handshake resumes
  bool refusalCounted = false;
  // PEAP crypto binding (aaa/eap/crypto_binding.h): the inner method's key, the keys of the binding
  // sent with the Result TLV, and whether the peer's binding verified (the MSK is then the CSK's).
  std::array<uint8_t, 32> isk{};
  std::optional<PeapBindingKeys> binding;
  bool bound = false;
  ~Conversation() {
    std::fill(isk.begin(), isk.end(), 0);
    if (binding) *binding = PeapBindingKeys{};
  }
};

core::Result<std::unique_ptr<EapServer>> EapServer::create(EapServerConfig config, core::CounterRegistry& counters) {
  core::Result<std::unique_ptr<TlsContext>> tls = TlsContext::load(config.tls);
  if (!tls.isOk()) return tls.status();
  if (config.firstMethod == kTypeTls && !(*tls)->hasClientCa())
    return core::invalidArgument("eap-first-method: tls needs eap-ca");
  return std::unique_ptr<EapServer>(
      new EapServer(std::move(config), std::move(*tls), EapCounters::registerIn(counters)));
}

EapServer::EapServer(EapServerConfig config, std::unique_ptr<TlsContext> tls, EapCounters counters)
    : config_(std::move(config)),
      tls_(std::move(tls)),
      counters_(counters),
      resumption_(config_.resumptionMaxSessions, config_.resumptionSeconds) {}

EapServer::~EapServer() = default;

std::shared_ptr<const TlsContext> EapServer::tls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tls_;
}

core::Result<std::shared_ptr<const TlsContext>> EapServer::loadTls(const TlsServerConfig& files) const {
  core::Result<std::unique_ptr<TlsContext>> tls = TlsContext::load(files);
  if (!tls.isOk()) return tls.status();
  if (config_.firstMethod == kTypeTls && !(*tls)->hasClientCa())
    return core::invalidArgument("eap-ca: eap-first-method tls needs it");
  return std::shared_ptr<const TlsContext>(std::move(*tls));
}

void EapServer::useTls(std::shared_ptr<const TlsContext> tls) {
  std::lock_guard<std::mutex> lock(mu_);
  tls_ = std::move(tls);
}

size_t EapServer::openConversations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return table_.size();
}

void EapServer::purgeExpired(int64_t now) {
  for (auto it = table_.begin(); it != table_.end();) {
    if (now - it->second->lastUsed >= config_.timeoutSeconds) {
      auto n = perNas_.find(it->second->nas);
      if (n != perNas_.end() && --n->second == 0) perNas_.erase(n);
      it = table_.erase(it);
      counters_.timedOut->inc();
    } else {
      ++it;
    }
  }
  lastPurge_ = now;
}

EapOutput EapServer::handle(const EapInput& in) {
  int64_t now = steadySeconds();
  std::unique_ptr<Conversation> c;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (now != lastPurge_) purgeExpired(now);
    if (in.state.empty()) {
      auto n = perNas_.find(std::string(in.nas));
      size_t mine = n == perNas_.end() ? 0 : n->second;
      if (table_.size() + busy_ >= config_.maxConversations || mine >= config_.maxConversationsPerNas) {
        counters_.refused->inc();
        counters_.rejects->inc();
        EapOutput o;
        auto p = parse(reinterpret_cast<const uint8_t*>(in.eapMessage.data()), in.eapMessage.size());
        o.eapMessage = build(Code::kFailure, p ? p->id : 0, 0, nullptr, 0);
        o.why = "too many EAP conversations open";
        return o;
      }
      c = std::make_unique<Conversation>();
      c->nas = std::string(in.nas);
      ++perNas_[c->nas];
      counters_.started->inc();
    } else {
      auto it = table_.find(std::string(in.state));
      if (it == table_.end()) {
        counters_.unknownState->inc();
        counters_.rejects->inc();
        EapOutput o;
        auto p = parse(reinterpret_cast<const uint8_t*>(in.eapMessage.data()), in.eapMessage.size());
        o.eapMessage = build(Code::kFailure, p ? p->id : 0, 0, nullptr, 0);
        o.why = "State of no open EAP conversation (expired or unknown)";
        return o;
      }
      c = std::move(it->second);
      table_.erase(it);
    }
    ++busy_;
  }

  EapOutput o = step(*c, in, in.eapMessage);
  o.method = c->method;
  o.identity = c->identity;

  std::lock_guard<std::mutex> lock(mu_);
  --busy_;
  if (o.kind == EapOutput::Kind::kChallenge) {
    c->lastUsed = now;
    core::secureRandom(o.state.data(), o.state.size());
    table_.emplace(std::string(reinterpret_cast<const char*>(o.state.data()), o.state.size()), std::move(c));
  } else {
    auto n = perNas_.find(c->nas);
    if (n != perNas_.end() && --n->second == 0) perNas_.erase(n);
    (o.kind == EapOutput::Kind::kAccept ? counters_.accepts : counters_.rejects)->inc();
  }
  counters_.open->set(table_.size());
  return o;
}

namespace {

EapOutput failure(uint8_t id, std::string why) {
  EapOutput o;
  o.kind = EapOutput::Kind::kReject;
  o.eapMessage = build(Code::kFailure, id, 0, nullptr, 0);
  o.why = std::move(why);
  return o;
}

EapOutput request(uint8_t id, uint8_t type, std::string_view data) {
  EapOutput o;
  o.kind = EapOutput::Kind::kChallenge;
  o.eapMessage = build(Code::kRequest, id, type, data);
  return o;
}

uint8_t versionFlags(uint8_t method) {
  (void)method;  // PEAPv0 and TTLSv0: version 0, like EAP-TLS's reserved bits
  return 0;
}

bool supported(uint8_t type, bool tlsAvailable) {
  return type == kTypePeap || type == kTypeTtls || (type == kTypeTls && tlsAvailable);
}

}  // namespace

TlsTunnel::SessionLookup EapServer::sessionLookup(Conversation& c, const policy::Snapshot& snap) {
  return [this, &c, &snap](std::string_view id) -> TlsTunnel::CachedSession {
    bool refused = false;
    auto hit = resumption_.find(id, c.method, steadySeconds(), [&](const ResumptionGrant& g) {
      if (c.method == kTypeTls) return true;  // the certificate is the credential: the tunnel verifies it again
      // PEAP, TTLS: the password proven then must still be the subscriber's (same row, same credential).
      const policy::Subscriber* s = snap.findSubscriber(g.subscriber);
      refused = s == nullptr || s->id != g.subscriberId || resumption_.credentialDigest(*s) != g.credential;
      return !refused;
    });
    if (refused) counters_.resumptionRefused->inc();
    counters_.resumptionSessions->set(resumption_.size());  // expired ones went on the way
    if (!hit) return {};
    c.resumedGrant = hit->grant;
    return TlsTunnel::CachedSession{std::move(hit->session),
                                    TlsTunnel::Trust{hit->grant.trustGeneration, hit->grant.trustedUntil}};
  };
}

void EapServer::keepForResumption(Conversation& c, const policy::Decision& d) {
  if (!resumption_.enabled() || c.tls == nullptr || c.tls->resumed() || d.subscriber == nullptr) return;
  ResumptionGrant g;
  g.method = c.method;
  g.innerMethod = d.method;
  if (c.method == kTypeTls) {
    g.subscriber = d.subscriber->username;
    g.subscriberId = d.subscriber->id;
    TlsTunnel::Trust trust = c.tls->newSessionTrust();
    g.trustGeneration = trust.generation;
    g.trustedUntil = trust.until;
  } else {
    g.subscriber = c.provenUser;
    g.subscriberId = c.provenId;
    g.credential = c.provenCredential;
  }
  resumption_.put(c.tls->sessionId(), c.tls->takeNewSession(), std::move(g), steadySeconds());
  counters_.resumptionSessions->set(resumption_.size());
}

EapOutput EapServer::step(Conversation& c, const EapInput& in, std::string_view raw) {
  auto parsed = parse(reinterpret_cast<const uint8_t*>(raw.data()), raw.size());
  if (!parsed || parsed->code != Code::kResponse) {
    counters_.malformed->inc();
    return failure(parsed ? parsed->id : 0, "not an EAP-Response");
  }
  const Packet& p = *parsed;
  uint8_t next = static_cast<uint8_t>(p.id + 1);
  if (c.phase != Conversation::Phase::kIdentity && p.id != c.lastId) {
    counters_.malformed->inc();
    return failure(p.id, "EAP Identifier does not answer our last request");
  }

  auto start = [&](uint8_t method) {
    c.method = method;
    c.tls.reset();
    c.context = tls();
    c.tls = std::make_unique<TlsTunnel>(*c.context, method == kTypeTls);
    c.in.clear();
    c.phase = Conversation::Phase::kStarted;
    c.lastId = next;
    std::string flags(1, static_cast<char>(kFlagStart | versionFlags(method)));
    return request(next, method, flags);
  };

  if (c.phase == Conversation::Phase::kIdentity) {
    if (p.type != kTypeIdentity) {
      counters_.malformed->inc();
      return failure(p.id, "a new conversation must start with EAP-Response/Identity");
    }
    if (p.data.size() > kMaxIdentity) {
      counters_.malformed->inc();
      return failure(p.id, "EAP identity longer than 253 octets");
    }
    c.identity = std::string(p.data);
    return start(config_.firstMethod);
  }

  if (p.type == kTypeNak) {
    // RFC 3748 5.3.1: only in answer to our first method Request; the peer lists what it wants.
    if (c.phase != Conversation::Phase::kStarted) {
      counters_.malformed->inc();
      return failure(p.id, "EAP Nak after the method had started");
    }
    for (char t : p.data)
      if (supported(static_cast<uint8_t>(t), tls()->hasClientCa())) return start(static_cast<uint8_t>(t));
    return failure(p.id, "the peer wants no EAP method edged offers");
  }
  if (p.type != c.method) {
    counters_.malformed->inc();
    return failure(p.id, std::string("EAP-Response of type ") + typeName(p.type) + " in a " + typeName(c.method) +
                             " conversation");
  }
  auto frame = parseTlsFrame(p.data);
  if (!frame) {
    // An empty Type-Data is no valid frame, but some peers ack with flags only: treat it as that.
    if (!p.data.empty()) {
      counters_.malformed->inc();
      return failure(p.id, "malformed EAP-TLS frame");
    }
    frame = TlsFrame{};
  }

  uint8_t ver = versionFlags(c.method);
  auto sendNextFragment = [&]() {
    c.lastId = next;
    return request(next, c.method, c.out.next(config_.fragmentSize, ver));
  };
  // Still sending a long message of ours: this response must be the peer's ack of a fragment.
  if (c.out.pending()) {
    if (!frame->data.empty()) {
      counters_.malformed->inc();
      return failure(p.id, "data instead of a fragment ack");
    }
    return sendNextFragment();
  }
  switch (c.in.add(*frame)) {
    case Reassembler::Result::kError:
      counters_.malformed->inc();
      return failure(p.id, "EAP-TLS fragments exceed the announced or allowed length");
    case Reassembler::Result::kMore: {
      c.lastId = next;
      std::string ack(1, static_cast<char>(ver));
      return request(next, c.method, ack);  // RFC 5216 2.1.5: an empty Request acknowledges
    }
    case Reassembler::Result::kDone:
      break;
  }
  std::string message = c.in.message();
  c.in.clear();

  // Our TLS records (and the inner method's) go out in fragments; the first one now.
  auto sendRecords = [&]() {
    c.out.set(c.tls->takeOutput());
    if (!c.out.pending()) {
      c.lastId = next;
      std::string ack(1, static_cast<char>(ver));
      return request(next, c.method, ack);
    }
    return sendNextFragment();
  };
  auto tunnelFailure = [&](const char* what) {
    counters_.tlsFailures->inc();
    return failure(p.id, std::string(what) + ": " + c.tls->failure());
  };
  auto sendInner = [&](std::string_view plain) {
    if (!c.tls->write(plain)) return tunnelFailure("TLS write");
    return sendRecords();
  };
  auto finish = [&](policy::Decision d, const char* label) {
    EapOutput o;
    if (!d.accept) {
      o = failure(p.id, std::string("policy: ") + policy::rejectReasonName(d.reason));
      o.decision = std::move(d);
      o.resumed = c.tls->resumed();
      return o;
    }
    // PEAP with a verified crypto binding: the MSK is the compound session key ([MS-PEAP] 3.1.5.5.2.2).
    std::string msk = c.bound ? peapCompoundMsk(*c.binding) : c.tls->exportKey(label, 64);
    if (msk.size() != 64) return failure(p.id, "no TLS keying material");
    keepForResumption(c, d);
    o.resumed = c.tls->resumed();
    o.kind = EapOutput::Kind::kAccept;
    o.eapMessage = build(Code::kSuccess, p.id, 0, nullptr, 0);
    d.msChapV2.reset();  // inner MS-CHAPv2 keys are not the session's: the MSK is (RFC 5216 2.3)
    o.decision = std::move(d);
    // RFC 2548 2.4 and RFC 5216 2.3: MS-MPPE-Recv-Key = MSK[0..32), MS-MPPE-Send-Key = MSK[32..64).
    o.mppeRecvKey = msk.substr(0, 32);
    o.mppeSendKey = msk.substr(32, 32);
    return o;
  };
  const policy::Snapshot& snap = *in.snapshot;
  static const policy::SessionCount kNoSessions;
  static const policy::QuotaLookup kNoQuota;
  const policy::SessionCount& sessions = in.sessions ? *in.sessions : kNoSessions;
  const policy::QuotaLookup& quota = in.quota ? *in.quota : kNoQuota;
  // An inner credential check that accepted: what the final accept will be decided for.
  auto prove = [&](const policy::Decision& d) {
    if (!d.accept || d.subscriber == nullptr) return;
    c.provenUser = d.subscriber->username;
    c.provenId = d.subscriber->id;
    c.provenMethod = d.method;
    c.provenCredential = resumption_.credentialDigest(*d.subscriber);
  };
  // Keeps an inner check's outcome until the peer's ack (without the snapshot's pointers).
  auto keep = [&](const policy::Decision& d) {
    policy::Decision k;
    k.accept = d.accept;
    k.reason = d.reason;
    k.method = d.method;
    c.decisionUser = d.subscriber ? d.subscriber->username : std::string();
    c.decision = k;
    prove(d);
  };
  // The end of a conversation whose credential was proven earlier: decided now (account state, plan,
  // quotas of this moment), as authorize() would after the credential.
  auto finishProven = [&](const char* label) {
    return finish(policy::authorizeProven(c.provenUser, c.provenMethod, in.callingStationId, snap, in.nowUnix,
                                          sessions, quota),
                  label);
  };
  auto keptFailure = [&](std::string why) {
    EapOutput o = failure(p.id, std::move(why));
    if (c.decision) {
      o.decision = *c.decision;
      if (!c.decisionUser.empty()) o.decision.subscriber = snap.findSubscriber(c.decisionUser);
    }
    return o;
  };
  // EAP-MSCHAPv2's Challenge (the Type-Data after type 26), for PEAP and TTLS alike.
  auto msChapChallenge = [&]() {
    core::secureRandom(c.challenge.data(), c.challenge.size());
    core::secureRandom(&c.msId, 1);
    return buildMsChapChallenge(c.msId, c.challenge.data(), config_.serverName);
  };
  // The peer's EAP-MSCHAPv2 Response checked through authorize(): the Success or Failure Type-Data
  // to send (nullopt: malformed); the outcome is kept for the peer's ack.
  auto msChapAnswer = [&](std::string_view typeData) -> std::optional<std::string> {
    auto r = parseMsChapResponse(typeData);
    if (!r || r->msId != c.msId) return std::nullopt;
    policy::AccessRequestView v;
    v.userName = c.innerIdentity;
    v.callingStationId = in.callingStationId;
    std::string_view chal(reinterpret_cast<const char*>(c.challenge.data()), 16);
    std::string_view resp(reinterpret_cast<const char*>(r->radiusValue.data()), 50);
    v.msChapChallenge = chal;
    v.msChap2Response = resp;
    static const uint8_t kZeroAuth[16] = {};
    v.requestAuthenticator = kZeroAuth;
    policy::Decision d = policy::authorize(v, snap, in.nowUnix, sessions, quota);
    keep(d);
    if (d.accept && d.msChapV2) {
      // EAP-MSCHAPv2's key for PEAP's crypto binding: the server's MS-MPPE-Recv-Key | Send-Key.
      std::memcpy(c.isk.data(), d.msChapV2->mppeRecvKey.data(), 16);
      std::memcpy(c.isk.data() + 16, d.msChapV2->mppeSendKey.data(), 16);
      const auto& sv2 = d.msChapV2->successValue;  // Ident + "S=<40 hex>"
      std::string msg(reinterpret_cast<const char*>(sv2.data()) + 1, sv2.size() - 1);
      return buildMsChapSuccess(c.msId, msg + " M=OK");
    }
    c.decision->accept = false;
    // RFC 2759 6: E=691 authentication failure (also for account states: nothing is revealed).
    return buildMsChapFailure(c.msId, "E=691 R=0 C=" + hexUpper(c.challenge.data(), 16) + " V=3 M=" +
                                          policy::rejectReplyMessage(d.reason));
  };
  // PEAP's Result TLV in a whole EAP-Extensions packet; a success carries the Crypto-Binding TLV
  // (MS-PEAP 3.2.5.x) over the tunnel's and the inner method's keys (only the tunnel's on a resumed
  // session, where no inner method ran).
  auto peapResult = [&](bool ok) {
    std::string tlvs = buildResultTlv(ok);
    if (ok) {
      std::string tk = c.tls->exportKey(kLabelEapTls, 60);
      if (tk.size() == 60) {
        c.binding = c.tls->resumed()
                        ? peapFastReconnectKeys(tk)
                        : peapCompoundKeys(tk, std::string_view(reinterpret_cast<const char*>(c.isk.data()), 32));
        std::array<uint8_t, kBindingNonceLength> nonce{};
        core::secureRandom(nonce.data(), nonce.size());
        tlvs += buildCryptoBindingTlv(*c.binding, nonce);
      }
      std::fill(tk.begin(), tk.end(), '\0');
    }
    c.phase = Conversation::Phase::kPeapResult;
    std::vector<uint8_t> ext = build(Code::kRequest, next, kTypeExtensions, tlvs);
    return sendInner(sv(ext));
  };
  // A resumed session (its Finished from the peer was the last handshake message): no inner
  // authentication; the policy decides the login now as after a full one.
  auto resumedLogin = [&]() {
    counters_.resumed->inc();
    const ResumptionGrant& g = *c.resumedGrant;
    if (c.method == kTypeTls) {
      // The tunnel verified the cached certificate against the CA and CRL in use now.
      policy::Decision d = policy::authorizeCertificate(c.tls->peerCommonName(), in.callingStationId, snap,
                                                        in.nowUnix, sessions, quota);
      return finish(std::move(d), kLabelEapTls);
    }
    c.innerIdentity = g.subscriber;
    c.provenUser = g.subscriber;
    c.provenId = g.subscriberId;
    c.provenMethod = g.innerMethod;
    c.provenCredential = g.credential;
    policy::Decision d = policy::authorizeProven(g.subscriber, g.innerMethod, in.callingStationId, snap, in.nowUnix,
                                                 sessions, quota);
    if (c.method == kTypeTtls || !d.accept) return finish(std::move(d), c.method == kTypeTtls ? kLabelTtls : kLabelEapTls);
    // PEAP fast reconnect (MS-PEAP 3.2.5.5): the Result TLV at once, EAP-Success after the peer's.
    keep(d);
    return peapResult(true);
  };

  switch (c.phase) {
    case Conversation::Phase::kIdentity:
      break;
    case Conversation::Phase::kStarted:
    case Conversation::Phase::kHandshake: {
      c.phase = Conversation::Phase::kHandshake;
      TlsTunnel::SessionLookup lookup;
      if (resumption_.enabled()) lookup = sessionLookup(c, snap);
      TlsTunnel::Step s = c.tls->handshake(message, lookup ? &lookup : nullptr);
      if (!c.tls->resumptionRefusal().empty() && !c.refusalCounted) {
        // EAP-TLS: the cached session's certificate no longer verifies (revoked, expired): the full
        // handshake that follows checks it again and fails with the reason.
        c.refusalCounted = true;
        counters_.resumptionRefused->inc();
      }
      if (s == TlsTunnel::Step::kFailed) return tunnelFailure("TLS handshake");
      if (s == TlsTunnel::Step::kEstablished) {
        c.phase = Conversation::Phase::kEstablished;
        if (c.tls->resumed() && c.resumedGrant) return resumedLogin();
      }
      return sendRecords();
    }
    case Conversation::Phase::kEstablished: {
      if (c.method == kTypeTls) {
        // RFC 5216 2.1.3: the peer acknowledged our Finished; the certificate is the credential.
        if (!message.empty()) {
          counters_.malformed->inc();
          return failure(p.id, "EAP-TLS data after the handshake");
        }
        std::string cn = c.tls->peerCommonName();
        policy::Decision d = policy::authorizeCertificate(cn, in.callingStationId, snap, in.nowUnix, sessions, quota);
        return finish(std::move(d), kLabelEapTls);
      }
      std::string plain;
      if (c.tls->read(message, plain) == TlsTunnel::Step::kFailed) return tunnelFailure("TLS record");
      if (c.method == kTypePeap) {
        // MS-PEAP 3.2.5.2: phase 2 starts with an EAP-Request/Identity inside the tunnel; PEAPv0
        // sends inner EAP packets without their 4-octet header (type first).
        c.phase = Conversation::Phase::kPeapIdentity;
        std::string inner(1, static_cast<char>(kTypeIdentity));
        return sendInner(inner);
      }
      // TTLS (RFC 5281 11.2): the peer's AVPs follow our Finished at once.
      auto avps = parseAvps(plain);
      if (!avps) {
        counters_.malformed->inc();
        return failure(p.id, "malformed EAP-TTLS AVPs");
      }
      if (const Avp* eapAvp = findAvp(*avps, kAvpEapMessage)) {
        // RFC 5281 11.2.1: EAP inside, the peer's EAP-Response/Identity first; EAP-MSCHAPv2 follows.
        auto id = parse(reinterpret_cast<const uint8_t*>(eapAvp->data.data()), eapAvp->data.size());
        if (!id || id->code != Code::kResponse || id->type != kTypeIdentity || id->data.empty() ||
            id->data.size() > kMaxIdentity) {
          counters_.malformed->inc();
          return failure(p.id, "EAP-TTLS: the inner EAP must start with an EAP-Response/Identity");
        }
        c.innerIdentity = std::string(id->data);
        c.innerEapId = static_cast<uint8_t>(id->id + 1);
        c.phase = Conversation::Phase::kTtlsEapChallenge;
        std::vector<uint8_t> req = build(Code::kRequest, c.innerEapId, kTypeMsChapV2, msChapChallenge());
        return sendInner(buildAvp(kAvpEapMessage, 0, sv(req)));
      }
      const Avp* user = findAvp(*avps, kAvpUserName);
      if (user == nullptr || user->data.empty() || user->data.size() > kMaxIdentity) {
        counters_.malformed->inc();
        return failure(p.id, "EAP-TTLS without a User-Name AVP");
      }
      c.innerIdentity = std::string(user->data);
      policy::AccessRequestView v;
      v.userName = c.innerIdentity;
      v.callingStationId = in.callingStationId;
      static const uint8_t kZeroAuth[16] = {};
      v.requestAuthenticator = kZeroAuth;
      std::string password;
      std::array<uint8_t, 16> ttlsChallenge{};
      if (const Avp* pw = findAvp(*avps, kAvpUserPassword)) {
        // RFC 5281 11.2.5: the password is padded with NULs to a multiple of 16 octets.
        password = std::string(pw->data);
        while (!password.empty() && password.back() == '\0') password.pop_back();
        if (password.empty() || password.size() > 128) return failure(p.id, "EAP-TTLS User-Password empty or too long");
        v.userPassword = password;
      } else if (const Avp* ch = findAvp(*avps, kAvpMsChapChallenge, kVendorMicrosoft)) {
        const Avp* resp = findAvp(*avps, kAvpMsChap2Response, kVendorMicrosoft);
        // RFC 5281 11.2.4: the challenge (16 octets) and the ident (1) come from the tunnel's keys;
        // a peer that chose its own is not in this tunnel.
        std::string expect = c.tls->exportKey(kLabelTtlsChallenge, 17);
        if (resp == nullptr || ch->data.size() != 16 || resp->data.size() != 50 || expect.size() != 17 ||
            std::memcmp(expect.data(), ch->data.data(), 16) != 0 || resp->data[0] != expect[16]) {
          counters_.malformed->inc();
          return failure(p.id, "EAP-TTLS MS-CHAP-Challenge not the tunnel's, or MS-CHAP2-Response malformed");
        }
        std::memcpy(ttlsChallenge.data(), ch->data.data(), 16);
        v.msChapChallenge = ch->data;
        v.msChap2Response = resp->data;
      } else {
        return failure(p.id, "EAP-TTLS inner method not supported (PAP and MS-CHAPv2 are)");
      }
      policy::Decision d = policy::authorize(v, snap, in.nowUnix, sessions, quota);
      if (d.accept && d.msChapV2) {
        // RFC 5281 11.2.4: the MS-CHAP2-Success goes to the peer in the tunnel; success follows its ack.
        const auto& sv2 = d.msChapV2->successValue;
        std::string avp = buildAvp(kAvpMsChap2Success, kVendorMicrosoft,
                                   std::string_view(reinterpret_cast<const char*>(sv2.data()), sv2.size()));
        keep(d);
        c.phase = Conversation::Phase::kTtlsSuccess;
        return sendInner(avp);
      }
      prove(d);
      return finish(std::move(d), kLabelTtls);
    }
    case Conversation::Phase::kTtlsSuccess: {
      std::string plain;
      if (c.tls->read(message, plain) == TlsTunnel::Step::kFailed) return tunnelFailure("TLS record");
      return finishProven(kLabelTtls);
    }
    case Conversation::Phase::kTtlsEapChallenge:
    case Conversation::Phase::kTtlsEapSuccess:
    case Conversation::Phase::kTtlsEapFailure: {
      std::string plain;
      if (c.tls->read(message, plain) == TlsTunnel::Step::kFailed) return tunnelFailure("TLS record");
      auto avps = parseAvps(plain);
      const Avp* eapAvp = avps ? findAvp(*avps, kAvpEapMessage) : nullptr;
      auto inner = eapAvp ? parse(reinterpret_cast<const uint8_t*>(eapAvp->data.data()), eapAvp->data.size())
                          : std::nullopt;
      if (!inner || inner->code != Code::kResponse || inner->id != c.innerEapId) {
        counters_.malformed->inc();
        return failure(p.id, "EAP-TTLS: no inner EAP-Response to our request");
      }
      if (c.phase == Conversation::Phase::kTtlsEapChallenge) {
        if (inner->type == kTypeNak) return failure(p.id, "EAP-TTLS: the peer refused EAP-MSCHAPv2 inside");
        auto answer = inner->type == kTypeMsChapV2 ? msChapAnswer(inner->data) : std::nullopt;
        if (!answer) {
          counters_.malformed->inc();
          return failure(p.id, "EAP-TTLS: malformed EAP-MSCHAPv2 Response");
        }
        c.phase = c.decision->accept ? Conversation::Phase::kTtlsEapSuccess : Conversation::Phase::kTtlsEapFailure;
        ++c.innerEapId;
        std::vector<uint8_t> req = build(Code::kRequest, c.innerEapId, kTypeMsChapV2, *answer);
        return sendInner(buildAvp(kAvpEapMessage, 0, sv(req)));
      }
      bool ok = c.phase == Conversation::Phase::kTtlsEapSuccess;
      if (inner->type != kTypeMsChapV2 || msChapOpCode(inner->data) != (ok ? kMsChapOpSuccess : kMsChapOpFailure)) {
        counters_.malformed->inc();
        return failure(p.id, "EAP-TTLS: EAP-MSCHAPv2 Success/Failure not acknowledged");
      }
      // RFC 5281 11.2.1: the inner method's outcome ends the outer conversation (no inner EAP-Success).
      if (!ok) return keptFailure(std::string("policy: ") + policy::rejectReasonName(c.decision->reason));
      return finishProven(kLabelTtls);
    }
    case Conversation::Phase::kPeapIdentity:
    case Conversation::Phase::kPeapChallenge:
    case Conversation::Phase::kPeapSuccess:
    case Conversation::Phase::kPeapFailure:
    case Conversation::Phase::kPeapResult: {
      std::string plain;
      if (c.tls->read(message, plain) == TlsTunnel::Step::kFailed) return tunnelFailure("TLS record");
      // PEAPv0: inner packets come without their header, except EAP-Extensions (a whole packet).
      std::string_view typeData;
      uint8_t type = 0;
      if (plain.size() >= 5 && static_cast<uint8_t>(plain[0]) == static_cast<uint8_t>(Code::kResponse) &&
          static_cast<size_t>((static_cast<uint8_t>(plain[2]) << 8) | static_cast<uint8_t>(plain[3])) == plain.size()) {
        type = static_cast<uint8_t>(plain[4]);
        typeData = std::string_view(plain).substr(5);
      } else if (!plain.empty()) {
        type = static_cast<uint8_t>(plain[0]);
        typeData = std::string_view(plain).substr(1);
      }
      if (c.phase == Conversation::Phase::kPeapIdentity) {
        if (type != kTypeIdentity || typeData.empty() || typeData.size() > kMaxIdentity) {
          counters_.malformed->inc();
          return failure(p.id, "PEAP: no inner identity");
        }
        c.innerIdentity = std::string(typeData);
        c.phase = Conversation::Phase::kPeapChallenge;
        std::string inner(1, static_cast<char>(kTypeMsChapV2));
        inner += msChapChallenge();
        return sendInner(inner);
      }
      if (c.phase == Conversation::Phase::kPeapChallenge) {
        if (type == kTypeNak) return failure(p.id, "PEAP: the peer refused EAP-MSCHAPv2 inside");
        auto answer = type == kTypeMsChapV2 ? msChapAnswer(typeData) : std::nullopt;
        if (!answer) {
          counters_.malformed->inc();
          return failure(p.id, "PEAP: malformed EAP-MSCHAPv2 Response");
        }
        std::string inner(1, static_cast<char>(kTypeMsChapV2));
        inner += *answer;
        c.phase = c.decision->accept ? Conversation::Phase::kPeapSuccess : Conversation::Phase::kPeapFailure;
        return sendInner(inner);
      }
      if (c.phase == Conversation::Phase::kPeapSuccess || c.phase == Conversation::Phase::kPeapFailure) {
        bool ok = c.phase == Conversation::Phase::kPeapSuccess;
        if (type != kTypeMsChapV2 || msChapOpCode(typeData) != (ok ? kMsChapOpSuccess : kMsChapOpFailure)) {
          counters_.malformed->inc();
          return failure(p.id, "PEAP: EAP-MSCHAPv2 Success/Failure not acknowledged");
        }
        // MS-PEAP 3.2.5.5: the outcome goes as a Result TLV in a whole EAP-Extensions packet.
        return peapResult(ok);
      }
      // kPeapResult
      auto tlvs = type == kTypeExtensions ? parsePeapTlvs(typeData) : std::nullopt;
      if (!tlvs || !tlvs->result) {
        counters_.malformed->inc();
        return failure(p.id, "PEAP: no Result TLV in the answer");
      }
      if (tlvs->unknownMandatory != 0)
        return keptFailure("PEAP: the peer sent a mandatory TLV of unknown type " + std::to_string(tlvs->unknownMandatory));
      if (!tlvs->cryptoBinding.empty()) {
        // The peer's binding answers ours; one that does not verify means the tunnel and the inner
        // method were not the same peer's (or a forged answer): no accept.
        BindingCheck b = c.binding ? verifyCryptoBinding(tlvs->cryptoBinding, *c.binding) : BindingCheck::kSubType;
        if (b != BindingCheck::kOk) {
          counters_.malformed->inc();
          return keptFailure(std::string("PEAP crypto binding: ") +
                             (c.binding ? bindingCheckName(b) : "the peer sent one without ours"));
        }
        c.bound = true;
      } else if (config_.requirePeapCryptoBinding && *tlvs->result == 1) {
        return keptFailure("PEAP crypto binding: required (eap-peap-crypto-binding), the peer sent none");
      }
      std::optional<uint16_t> result = tlvs->result;
      if (*result != 1 || !c.decision || !c.decision->accept)
        return keptFailure(c.decision && !c.decision->accept
                               ? std::string("policy: ") + policy::rejectReasonName(c.decision->reason)
                               : std::string("PEAP: the peer reported failure"));
      return finishProven(kLabelEapTls);
    }
  }
  return failure(p.id, "unexpected EAP state");
}

}  // namespace aaa::eap
