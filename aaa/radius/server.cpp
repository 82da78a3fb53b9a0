#include "aaa/radius/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <unordered_map>

#include "aaa/eap/eap_packet.h"
#include "aaa/eap/eap_server.h"
#include "aaa/radius/counter_table.h"
#include "aaa/radius/packet.h"
#include "aaa/radius/reply.h"
#include "aaa/radius/reply_cache.h"
#include "aaa/radius/wire.h"
#include "core/clock.h"
#include "core/daemon.h"

namespace aaa::radius {

namespace {

constexpr uint8_t kCodeAccessRequest = 1;
constexpr uint8_t kCodeStatusServer = 12;  // RFC 5997
int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

using wire::kHeaderLength;
using wire::kMaxPacket;

constexpr CounterName<AuthCounters> kAuthCounters[] = {
    {&AuthCounters::accessRequests, "access_requests_total", "Access-Requests received (RFC 4669 AccessRequests)"},
    {&AuthCounters::invalidRequests, "invalid_requests_total", "Datagrams from addresses that are no NAS client (dropped)"},
    {&AuthCounters::dupAccessRequests, "dup_access_requests_total", "Retransmitted Access-Requests answered from the cache"},
    {&AuthCounters::accessAccepts, "access_accepts_total", "Access-Accepts sent"},
    {&AuthCounters::accessRejects, "access_rejects_total", "Access-Rejects sent"},
    {&AuthCounters::accessChallenges, "access_challenges_total", "Access-Challenges sent"},
    {&AuthCounters::malformedAccessRequests, "malformed_access_requests_total", "Malformed Access-Requests (dropped)"},
    {&AuthCounters::badAuthenticators, "bad_authenticators_total", "Requests with an invalid Message-Authenticator (dropped)"},
    {&AuthCounters::packetsDropped, "packets_dropped_total", "Requests dropped for any reason"},
    {&AuthCounters::unknownTypes, "unknown_types_total", "Packets of a code the auth port does not serve (dropped)"},
    {&AuthCounters::missingMessageAuthenticator, "missing_message_authenticator_total",
     "Access-Requests without the required Message-Authenticator (dropped)"},
    {&AuthCounters::statusServer, "status_server_total", "Status-Server requests answered (RFC 5997)"},
};

}  // namespace

AuthCounters AuthCounters::registerIn(core::CounterRegistry& r, const std::string& nasName) {
  return declareCounters(r, kAuthCounters, "auth", nasName);
}

const core::Counter* AuthCounters::find(const core::CounterRegistry& r, core::Counter* AuthCounters::*which,
                                        const std::string& nasName) {
  return findCounter(r, kAuthCounters, "auth", which, nasName);
}

struct AuthServer::Worker {
  AuthServer* server;
  policy::ReaderCache snapshot;
  // Per NAS of the current snapshot: its counters and its prepared HMAC key.
  struct NasState {
    AuthCounters counters;
    wire::HmacMd5 secret;
    NasState(AuthCounters c, const std::string& key) : counters(c), secret(key) {}
  };
  std::unordered_map<const policy::NasClient*, std::unique_ptr<NasState>> nasStates;
  uint64_t nasStatesVersion = 0;

  ReplyCache cache;
  wire::RequestFields fields;
  wire::ReplyBuilder out;
  const std::string* secretOverride = nullptr;  // a stream transport's fixed secret (RadSec: "radsec")
  bool eapLane = false;  // the EAP lane's own worker: handles EAP itself instead of handing it over

  explicit Worker(AuthServer* s, size_t cacheEntries = 0)
      : server(s), snapshot(s->snapshots_), cache(cacheEntries ? cacheEntries : s->config_.duplicateCacheEntries) {}

  NasState& stateFor(const policy::NasClient* nas, uint64_t version) {
    if (version != nasStatesVersion) {
      nasStates.clear();  // NasClient pointers belong to the previous snapshot
      nasStatesVersion = version;
    }
    auto it = nasStates.find(nas);
    if (it != nasStates.end()) return *it->second;
    auto state = std::make_unique<NasState>(AuthCounters::registerIn(server->registry_, nas->name),
                                            secretOverride ? *secretOverride : nas->secret);
    return *nasStates.emplace(nas, std::move(state)).first->second;
  }

  void drop(AuthCounters& total, AuthCounters* nas, core::Counter* AuthCounters::*which, const policy::IpAddress& src,
            uint16_t port, const policy::NasClient* client, std::string_view reason) {
    (total.*which)->inc();
    total.packetsDropped->inc();
    if (nas) {
      (nas->*which)->inc();
      nas->packetsDropped->inc();
    }
    if (server->events_) {
      std::string source = policy::formatIp(src) + ":" + std::to_string(port);
      server->events_->publish(AuthDropEvent{source, client ? std::string_view(client->name) : std::string_view(), reason});
    }
  }

  // Returns true when `reply` holds bytes to send back.
  bool handle(const uint8_t* data, size_t len, const sockaddr_storage& from, std::vector<uint8_t>& reply,
              const NasFinder* findNas = nullptr, int fd = -1, socklen_t fromLen = 0) {
    AuthServer& s = *server;
    AuthCounters& total = s.totals_;
    uint16_t srcPort = 0;
    policy::IpAddress src = sourceAddress(from, &srcPort);
    const policy::Snapshot& snap = snapshot.get();
    const policy::NasClient* nas = findNas ? (*findNas)(snap) : snap.findNas(src);
    if (nas == nullptr) {
      drop(total, nullptr, &AuthCounters::invalidRequests, src, srcPort, nullptr, "unknown client address");
      return false;
    }
    // EAP goes to its own lane before anything is counted here (the lane's worker counts it).
    if (s.eapLane_ && !eapLane && findNas == nullptr && fd >= 0 && carriesEap(data, len, s.attributes_)) {
      handOver(data, len, from, fromLen, fd);
      return false;
    }
    NasState& ns = stateFor(nas, snap.version);
    AuthCounters& nc = ns.counters;

    // Structure first (RFC 2865 section 3): header, Length within the datagram and the limits.
    if (len < kHeaderLength) {
      drop(total, &nc, &AuthCounters::malformedAccessRequests, src, srcPort, nas, "shorter than a RADIUS header");
      return false;
    }
    uint8_t code = data[0];
    size_t length = (size_t{data[2]} << 8) | data[3];
    if (code != kCodeAccessRequest && code != kCodeStatusServer) {
      drop(total, &nc, &AuthCounters::unknownTypes, src, srcPort, nas, "packet code not served on the auth port");
      return false;
    }
    const uint8_t* maValue = nullptr;
    int maCount = 0;
    if (length < kHeaderLength || length > len || length > kMaxPacket ||
        !wire::walkAttributes(data, length, &maValue, &maCount)) {
      drop(total, &nc, &AuthCounters::malformedAccessRequests, src, srcPort, nas, "bad length or attribute list");
      return false;
    }

    int64_t now = nowNs();
    DuplicateKey key = DuplicateKey::of(src, srcPort, data);
    size_t cachedLen = 0;
    if (const uint8_t* cached = cache.find(key, now, &cachedLen)) {
      total.dupAccessRequests->inc();
      nc.dupAccessRequests->inc();
      reply.assign(cached, cached + cachedLen);
      return true;
    }

    bool hasMa = maCount > 0;
    bool requireMa = nas->requireMessageAuthenticator.value_or(snap.settings.requireMessageAuthenticator);
    if (!hasMa && (requireMa || code == kCodeStatusServer)) {
      drop(total, &nc, &AuthCounters::missingMessageAuthenticator, src, srcPort, nas,
           "no Message-Authenticator (required: BlastRADIUS protection)");
      return false;
    }
    if (code == kCodeAccessRequest) {
      total.accessRequests->inc();
      nc.accessRequests->inc();
    }

    wire::ParseResult parsed = wire::parseAccessRequest(data, length, ns.secret, s.attributes_, fields);
    if (parsed == wire::ParseResult::kBadMessageAuthenticator) {
      drop(total, &nc, &AuthCounters::badAuthenticators, src, srcPort, nas,
           "invalid Message-Authenticator (wrong shared secret?)");
      return false;
    }
    if (parsed != wire::ParseResult::kOk) {
      drop(total, &nc, &AuthCounters::malformedAccessRequests, src, srcPort, nas,
           parsed == wire::ParseResult::kTooManyProxyStates ? "more Proxy-State attributes than we relay"
                                                             : "undecodable attribute (User-Password length)");
      return false;
    }
    const Attributes& a = s.attributes_;
    const uint8_t* requestAuth = data + 4;

    if (code == kCodeStatusServer) {
      // RFC 5997 section 3: answered with an Access-Accept on the authentication port.
      out.start(static_cast<uint8_t>(PacketCode::kAccessAccept), data[1]);
      static const char kAlive[] = "edged is alive";
      out.addRaw(static_cast<uint8_t>(a.replyMessage.attr), reinterpret_cast<const uint8_t*>(kAlive), sizeof kAlive - 1);
      size_t n = out.finish(ns.secret, requestAuth);
      if (n == 0) return false;
      total.statusServer->inc();
      nc.statusServer->inc();
      reply.assign(out.data(), out.data() + n);
      remember(key, reply, now);
      return true;
    }

    if (fields.hasNasIdentifier && !nas->nasIdentifier.empty() && fields.nasIdentifier != nas->nasIdentifier) {
      drop(total, &nc, &AuthCounters::badAuthenticators, src, srcPort, nas,
           "NAS-Identifier does not match the NAS client's");
      return false;
    }

    if (fields.hasEap && s.eap_ != nullptr) {
      // RFC 3579 3.2: an Access-Request with EAP-Message without Message-Authenticator is discarded.
      if (!hasMa) {
        drop(total, &nc, &AuthCounters::missingMessageAuthenticator, src, srcPort, nas,
             "EAP-Message without Message-Authenticator (RFC 3579 3.2)");
        return false;
      }
      return handleEap(snap, *nas, ns, data, key, now, reply, src, srcPort);
    }

    policy::Decision d = policy::authorize(fields.view, snap, core::SystemClock::instance().unixSeconds(), s.sessions_,
                                             s.quota_);

    out.start(static_cast<uint8_t>(d.accept ? PacketCode::kAccessAccept : PacketCode::kAccessReject), data[1]);
    std::vector<Attribute> body = d.accept ? renderAccept(d, nas->vendor, a) : renderReject(d, a, fields.msChapIdent);
    bool ok = true;
    for (const Attribute& attr : body) ok = ok && out.add(attr, a, ns.secret, requestAuth);
    for (size_t i = 0; i < fields.proxyStateCount; ++i)  // RFC 2865 5.33: copied, in order
      ok = ok && out.addRaw(static_cast<uint8_t>(a.proxyState.attr),
                            reinterpret_cast<const uint8_t*>(fields.proxyStates[i].data()), fields.proxyStates[i].size());
    size_t n = ok ? out.finish(ns.secret, requestAuth) : 0;
    if (n == 0) {
      drop(total, &nc, &AuthCounters::packetsDropped, src, srcPort, nas, "reply does not fit in a RADIUS packet");
      return false;
    }
    if (d.accept) {
      total.accessAccepts->inc();
      nc.accessAccepts->inc();
    } else {
      total.accessRejects->inc();
      nc.accessRejects->inc();
      s.rejectsByReason_[static_cast<size_t>(d.reason)]->inc();
    }
    if (s.events_)
      s.events_->publish(AuthEvent{nas->name, data[1], fields.view.userName,
                                   fields.view.callingStationId.value_or(std::string_view()), d.method, d.accept,
                                   d.reason, &d});
    reply.assign(out.data(), out.data() + n);
    remember(key, reply, now);
    return true;
  }

  // One step of an EAP conversation (aaa/eap/eap_server.h): an Access-Challenge carrying the next
  // EAP-Request and a State, or the Accept/Reject that ends it. EAP-Message attributes are split at
  // 253 octets (RFC 3579 3.1); the MSK goes out as MS-MPPE-Recv/Send-Key (RFC 2548 2.4, salted).
  bool handleEap(const policy::Snapshot& snap, const policy::NasClient& nas, NasState& ns, const uint8_t* data,
                 const DuplicateKey& key, int64_t now, std::vector<uint8_t>& reply, const policy::IpAddress& src,
                 uint16_t srcPort) {
    (void)srcPort;
    AuthServer& s = *server;
    AuthCounters& total = s.totals_;
    AuthCounters& nc = ns.counters;
    const Attributes& a = s.attributes_;
    const uint8_t* requestAuth = data + 4;
    eap::EapInput in;
    in.eapMessage = std::string_view(reinterpret_cast<const char*>(fields.eap.data()), fields.eapLength);
    in.state = fields.state;
    in.nas = nas.name;
    in.callingStationId = fields.view.callingStationId;
    in.snapshot = &snap;
    in.nowUnix = core::SystemClock::instance().unixSeconds();
    in.sessions = &s.sessions_;
    in.quota = &s.quota_;
    eap::EapOutput o = s.eap_->handle(in);

    uint8_t code = o.kind == eap::EapOutput::Kind::kChallenge ? static_cast<uint8_t>(PacketCode::kAccessChallenge)
                   : o.kind == eap::EapOutput::Kind::kAccept  ? static_cast<uint8_t>(PacketCode::kAccessAccept)
                                                              : static_cast<uint8_t>(PacketCode::kAccessReject);
    out.start(code, data[1]);
    bool ok = true;
    if (o.kind == eap::EapOutput::Kind::kAccept) {
      for (const Attribute& attr : renderAccept(o.decision, nas.vendor, a)) ok = ok && out.add(attr, a, ns.secret, requestAuth);
      ok = ok && out.add(Attribute{a.msMppeRecvKey, Value::octets(o.mppeRecvKey)}, a, ns.secret, requestAuth) &&
           out.add(Attribute{a.msMppeSendKey, Value::octets(o.mppeSendKey)}, a, ns.secret, requestAuth);
      std::string user = o.decision.subscriber ? o.decision.subscriber->username : o.identity;
      ok = ok && out.addRaw(static_cast<uint8_t>(a.userName.attr), reinterpret_cast<const uint8_t*>(user.data()),
                            std::min<size_t>(user.size(), 253));
    } else if (o.kind == eap::EapOutput::Kind::kReject) {
      ok = ok && out.add(Attribute{a.replyMessage, Value::string(o.decision.reason != policy::RejectReason::kNone
                                                                     ? policy::rejectReplyMessage(o.decision.reason)
                                                                     : "EAP authentication failed")},
                         a, ns.secret, requestAuth);
    }
    for (size_t pos = 0; ok && pos < o.eapMessage.size(); pos += 253)
      ok = out.addRaw(static_cast<uint8_t>(a.eapMessage.attr), o.eapMessage.data() + pos,
                      std::min<size_t>(253, o.eapMessage.size() - pos));
    if (o.kind == eap::EapOutput::Kind::kChallenge)
      ok = ok && out.addRaw(static_cast<uint8_t>(a.state.attr), o.state.data(), o.state.size());
    for (size_t i = 0; i < fields.proxyStateCount; ++i)
      ok = ok && out.addRaw(static_cast<uint8_t>(a.proxyState.attr),
                            reinterpret_cast<const uint8_t*>(fields.proxyStates[i].data()), fields.proxyStates[i].size());
    size_t n = ok ? out.finish(ns.secret, requestAuth) : 0;
    if (n == 0) {
      drop(total, &nc, &AuthCounters::packetsDropped, src, srcPort, &nas, "EAP reply does not fit in a RADIUS packet");
      return false;
    }
    if (o.kind == eap::EapOutput::Kind::kChallenge) {
      total.accessChallenges->inc();
      nc.accessChallenges->inc();
    } else {
      bool accepted = o.kind == eap::EapOutput::Kind::kAccept;
      (accepted ? total.accessAccepts : total.accessRejects)->inc();
      (accepted ? nc.accessAccepts : nc.accessRejects)->inc();
      if (!accepted)
        s.rejectsByReason_[static_cast<size_t>(o.decision.reason == policy::RejectReason::kNone
                                                   ? policy::RejectReason::kBadPassword
                                                   : o.decision.reason)]->inc();
      if (!accepted && o.decision.reason == policy::RejectReason::kNone) o.decision.reason = policy::RejectReason::kBadPassword;
      if (s.events_) {
        std::string_view user = o.decision.subscriber ? std::string_view(o.decision.subscriber->username)
                                                      : std::string_view(o.identity);
        std::string detail = std::string("eap-") + eap::typeName(o.method) + (o.resumed ? " (resumed session)" : "") +
                             (o.why.empty() ? "" : ": " + o.why);
        s.events_->publish(AuthEvent{nas.name, data[1], user, fields.view.callingStationId.value_or(std::string_view()),
                                     o.decision.method, accepted, o.decision.reason, &o.decision, detail});
      }
    }
    reply.assign(out.data(), out.data() + n);
    remember(key, reply, now);
    return true;
  }

  static bool carriesEap(const uint8_t* data, size_t len, const Attributes& a) {
    if (len < kHeaderLength) return false;
    size_t length = std::min(len, (size_t{data[2]} << 8) | data[3]);
    for (size_t pos = kHeaderLength; pos + 2 <= length;) {
      if (data[pos + 1] < 2) return false;
      if (data[pos] == a.eapMessage.attr) return true;
      pos += data[pos + 1];
    }
    return false;
  }
  void handOver(const uint8_t* data, size_t len, const sockaddr_storage& from, socklen_t fromLen, int fd);

  void remember(const DuplicateKey& key, const std::vector<uint8_t>& bytes, int64_t now) {
    cache.insert(key, bytes.data(), bytes.size(), now + int64_t{server->config_.duplicateCacheMs} * 1000000);
  }
};

// The EAP lane: one thread, a bounded queue of datagrams handed over by the UDP workers, its own
// Worker (NAS states, duplicate cache, reply builder), replies sent on the socket the request came in on.
struct AuthServer::EapLane {
  struct Item {
    std::vector<uint8_t> data;
    sockaddr_storage from;
    socklen_t fromLen;
    int fd;
  };
  static constexpr size_t kQueueLimit = 256;
  static constexpr int kNice = 12;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Item> queue;
  bool stopping = false;
  core::Counter* queueFull;
  Worker worker;
  std::thread thread;

  explicit EapLane(AuthServer* s)
      : queueFull(&s->registry_.counter("radius_eap_queue_full_total",
                                        "EAP requests dropped because the EAP lane's queue was full (the NAS retransmits)")),
        worker(s, 4096) {
    worker.eapLane = true;
    thread = std::thread([this] { run(); });
  }
  ~EapLane() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stopping = true;
    }
    cv.notify_all();
    if (thread.joinable()) thread.join();
  }
  void push(const uint8_t* data, size_t len, const sockaddr_storage& from, socklen_t fromLen, int fd) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (queue.size() >= kQueueLimit) {
        queueFull->inc();
        return;
      }
      queue.push_back(Item{std::vector<uint8_t>(data, data + len), from, fromLen, fd});
    }
    cv.notify_one();
  }
  void run() {
    // Below the UDP workers (nice 12: CFS gives it 70 shares against their 1024), so when TLS
    // handshakes and PAP compete for a core PAP keeps about 94% of it; alone, the lane has it all.
    core::lowerThreadPriority(kNice);
    std::vector<uint8_t> reply;
    for (;;) {
      Item item;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [this] { return stopping || !queue.empty(); });
        if (stopping) return;
        item = std::move(queue.front());
        queue.pop_front();
      }
      reply.clear();
      if (worker.handle(item.data.data(), item.data.size(), item.from, reply))
        (void)UdpListener::sendReply(item.fd, item.from, item.fromLen, reply.data(), reply.size());
    }
  }
};

void AuthServer::Worker::handOver(const uint8_t* data, size_t len, const sockaddr_storage& from, socklen_t fromLen,
                                  int fd) {
  server->eapLane_->push(data, len, from, fromLen, fd);
}

AuthServer::AuthServer(AuthServerConfig config, const policy::SnapshotHolder& snapshots, const Attributes& attributes,
                       core::CounterRegistry& counters, core::EventBus* events, policy::SessionCount sessions,
                       policy::QuotaLookup quota)
    : config_(std::move(config)),
      snapshots_(snapshots),
      attributes_(attributes),
      registry_(counters),
      events_(events),
      sessions_(std::move(sessions)),
      quota_(std::move(quota)),
      totals_(AuthCounters::registerIn(counters, "")) {
  for (size_t i = 0; i < static_cast<size_t>(policy::RejectReason::kCount); ++i)
    rejectsByReason_.push_back(&counters.counter("radius_auth_rejects_by_reason_total", "Access-Rejects by reason",
                                                 {{"reason", policy::rejectReasonName(static_cast<policy::RejectReason>(i))}}));
}

AuthServer::~AuthServer() { stop(); }

core::Status AuthServer::start() {
  if (eap_ != nullptr && !eapLane_) eapLane_ = std::make_unique<EapLane>(this);
  return listener_.start(config_.listen, config_.port, config_.threads, "RADIUS auth port", [this](int) {
    auto worker = std::make_shared<Worker>(this);
    return UdpListener::Worker{[worker](const Datagram& d, std::vector<uint8_t>& reply) {
                                 return worker->handle(d.data, d.len, *d.from, reply, nullptr, d.fd, d.fromLen);
                               },
                               nullptr};
  });
}

void AuthServer::stop() {
  listener_.quiesce();  // no more hand-overs
  eapLane_.reset();     // before the sockets it replies on close
  listener_.stop();
}

// A connection's requests are few next to a UDP worker's: a small duplicate cache (a RadSec client
// retransmits only after reconnecting, RFC 6614 2.6, and then from another port).
AuthServer::StreamSession::StreamSession(AuthServer& server, std::string secret, NasFinder findNas)
    : secret_(std::move(secret)), worker_(std::make_unique<Worker>(&server, 64)), findNas_(std::move(findNas)) {
  worker_->secretOverride = &secret_;
}

AuthServer::StreamSession::~StreamSession() = default;

bool AuthServer::StreamSession::handle(const uint8_t* data, size_t len, const sockaddr_storage& from,
                                       std::vector<uint8_t>& reply) {
  return worker_->handle(data, len, from, reply, &findNas_);
}

}  // namespace aaa::radius
