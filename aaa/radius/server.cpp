#include "aaa/radius/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <deque>
#include <unordered_map>

#include "aaa/radius/packet.h"
#include "aaa/radius/reply.h"
#include "core/clock.h"

namespace aaa::radius {

namespace {

constexpr uint8_t kCodeAccessRequest = 1;
constexpr uint8_t kCodeStatusServer = 12;  // RFC 5997
constexpr uint8_t kAttrMessageAuthenticator = 80;
constexpr size_t kHeaderLength = 20;
constexpr size_t kMaxPacket = 4096;
constexpr int kBatch = 32;

std::string_view view(const std::string& s) { return std::string_view(s.data(), s.size()); }

IpAddress sourceAddress(const sockaddr_storage& ss, uint16_t* port) {
  if (ss.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
    *port = ntohs(in->sin_port);
    return IpAddress::fromV4(ntohl(in->sin_addr.s_addr));
  }
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
  *port = ntohs(in6->sin6_port);
  IpAddress ip;
  std::memcpy(ip.bytes.data(), &in6->sin6_addr, 16);
  return ip;
}

// Walks the attribute list of a structurally checked packet and reports whether a
// Message-Authenticator is present. Returns false on a broken attribute list.
bool scanAttributes(const uint8_t* data, size_t length, bool* hasMessageAuthenticator) {
  *hasMessageAuthenticator = false;
  size_t pos = kHeaderLength;
  while (pos < length) {
    if (length - pos < 2) return false;
    uint8_t len = data[pos + 1];
    if (len < 2 || pos + len > length) return false;
    if (data[pos] == kAttrMessageAuthenticator) *hasMessageAuthenticator = true;
    pos += len;
  }
  return true;
}

struct DupKey {
  IpAddress source;
  uint16_t port;
  uint8_t id;
  std::array<uint8_t, 16> authenticator;
  bool operator==(const DupKey& o) const {
    return port == o.port && id == o.id && source == o.source && authenticator == o.authenticator;
  }
};

struct DupKeyHash {
  size_t operator()(const DupKey& k) const {
    uint64_t h = 1469598103934665603ULL;
    auto mix = [&h](const uint8_t* p, size_t n) {
      for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ULL;
    };
    mix(k.source.bytes.data() + 12, 4);
    mix(reinterpret_cast<const uint8_t*>(&k.port), 2);
    mix(&k.id, 1);
    mix(k.authenticator.data(), 8);
    return static_cast<size_t>(h);
  }
};

}  // namespace

AuthCounters AuthCounters::registerIn(core::CounterRegistry& r, const std::string& nasName) {
  std::map<std::string, std::string> labels;
  std::string prefix = "radius_auth_";
  if (!nasName.empty()) {
    labels["nas"] = nasName;
    prefix = "radius_auth_client_";
  }
  auto c = [&](const char* name, const char* help) { return &r.counter(prefix + name, help, labels); };
  AuthCounters a;
  a.accessRequests = c("access_requests_total", "Access-Requests received (RFC 4669 AccessRequests)");
  a.invalidRequests = c("invalid_requests_total", "Datagrams from addresses that are no NAS client (dropped)");
  a.dupAccessRequests = c("dup_access_requests_total", "Retransmitted Access-Requests answered from the cache");
  a.accessAccepts = c("access_accepts_total", "Access-Accepts sent");
  a.accessRejects = c("access_rejects_total", "Access-Rejects sent");
  a.accessChallenges = c("access_challenges_total", "Access-Challenges sent");
  a.malformedAccessRequests = c("malformed_access_requests_total", "Malformed Access-Requests (dropped)");
  a.badAuthenticators = c("bad_authenticators_total", "Requests with an invalid Message-Authenticator (dropped)");
  a.packetsDropped = c("packets_dropped_total", "Requests dropped for any reason");
  a.unknownTypes = c("unknown_types_total", "Packets of a code the auth port does not serve (dropped)");
  a.missingMessageAuthenticator =
      c("missing_message_authenticator_total", "Access-Requests without the required Message-Authenticator (dropped)");
  a.statusServer = c("status_server_total", "Status-Server requests answered (RFC 5997)");
  return a;
}

struct AuthServer::Worker {
  AuthServer* server;
  int fd = -1;
  ReaderCache snapshot;
  std::unordered_map<const NasClient*, AuthCounters> nasCounters;
  uint64_t nasCountersVersion = 0;

  struct CachedReply {
    std::vector<uint8_t> bytes;
    std::chrono::steady_clock::time_point expires;
  };
  std::unordered_map<DupKey, CachedReply, DupKeyHash> cache;
  std::deque<std::pair<std::chrono::steady_clock::time_point, DupKey>> cacheOrder;

  explicit Worker(AuthServer* s) : server(s), snapshot(s->snapshots_) {}

  AuthCounters& countersFor(const NasClient* nas, uint64_t version) {
    if (version != nasCountersVersion) {
      nasCounters.clear();  // NasClient pointers belong to the previous snapshot
      nasCountersVersion = version;
    }
    auto it = nasCounters.find(nas);
    if (it != nasCounters.end()) return it->second;
    return nasCounters.emplace(nas, AuthCounters::registerIn(server->registry_, nas->name)).first->second;
  }

  void expireCache(std::chrono::steady_clock::time_point now) {
    while (!cacheOrder.empty() && cacheOrder.front().first <= now) {
      auto it = cache.find(cacheOrder.front().second);
      if (it != cache.end() && it->second.expires <= now) cache.erase(it);
      cacheOrder.pop_front();
    }
  }

  void drop(AuthCounters& total, AuthCounters* nas, core::Counter* AuthCounters::*which, const IpAddress& src,
            uint16_t port, const NasClient* client, std::string_view reason) {
    (total.*which)->inc();
    total.packetsDropped->inc();
    if (nas) {
      (nas->*which)->inc();
      nas->packetsDropped->inc();
    }
    if (server->events_) {
      std::string source = formatIp(src) + ":" + std::to_string(port);
      server->events_->publish(AuthDropEvent{source, client ? std::string_view(client->name) : std::string_view(), reason});
    }
  }

  // Returns true when `reply` holds bytes to send back.
  bool handle(const uint8_t* data, size_t len, const sockaddr_storage& from, std::vector<uint8_t>& reply) {
    AuthServer& s = *server;
    AuthCounters& total = s.totals_;
    uint16_t srcPort = 0;
    IpAddress src = sourceAddress(from, &srcPort);
    const Snapshot& snap = snapshot.get();
    const NasClient* nas = snap.findNas(src);
    if (nas == nullptr) {
      drop(total, nullptr, &AuthCounters::invalidRequests, src, srcPort, nullptr, "unknown client address");
      return false;
    }
    AuthCounters& nc = countersFor(nas, snap.version);

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
    bool hasMa = false;
    if (length < kHeaderLength || length > len || length > kMaxPacket || !scanAttributes(data, length, &hasMa)) {
      drop(total, &nc, &AuthCounters::malformedAccessRequests, src, srcPort, nas, "bad length or attribute list");
      return false;
    }

    auto now = std::chrono::steady_clock::now();
    DupKey key{src, srcPort, data[1], {}};
    std::memcpy(key.authenticator.data(), data + 4, 16);
    expireCache(now);
    auto cached = cache.find(key);
    if (cached != cache.end()) {
      total.dupAccessRequests->inc();
      nc.dupAccessRequests->inc();
      reply = cached->second.bytes;
      return true;
    }

    bool requireMa = nas->requireMessageAuthenticator.value_or(snap.settings.requireMessageAuthenticator);
    if (!hasMa && (requireMa || code == kCodeStatusServer)) {
      drop(total, &nc, &AuthCounters::missingMessageAuthenticator, src, srcPort, nas,
           "no Message-Authenticator (required: BlastRADIUS protection)");
      return false;
    }

    if (code == kCodeStatusServer) return statusServer(data, length, *nas, nc, src, srcPort, reply, key, now);

    total.accessRequests->inc();
    nc.accessRequests->inc();
    core::Result<Packet> packet = decode(data, length, nas->secret);
    if (!packet.isOk()) {
      // The codec reports authenticator and Message-Authenticator mismatches as kCorrupt.
      bool badAuth = packet.status().code() == core::Code::kCorrupt;
      drop(total, &nc, badAuth ? &AuthCounters::badAuthenticators : &AuthCounters::malformedAccessRequests, src, srcPort,
           nas, packet.status().message());
      return false;
    }
    const Attributes& a = s.attributes_;
    const Packet& p = *packet;

    AccessRequestView req;
    req.requestAuthenticator = p.authenticator.data();
    std::vector<const Attribute*> proxyStates;
    uint8_t msChapIdent = 0;
    for (const Attribute& attr : p.attributes) {
      const AttrRef& r = attr.ref;
      if (r == a.userName) req.userName = view(attr.value.bytes);
      else if (r == a.userPassword) req.userPassword = view(attr.value.bytes);
      else if (r == a.chapPassword) req.chapPassword = view(attr.value.bytes);
      else if (r == a.chapChallenge) req.chapChallenge = view(attr.value.bytes);
      else if (r == a.msChapChallenge) req.msChapChallenge = view(attr.value.bytes);
      else if (r == a.msChap2Response) {
        req.msChap2Response = view(attr.value.bytes);
        if (!attr.value.bytes.empty()) msChapIdent = static_cast<uint8_t>(attr.value.bytes[0]);
      } else if (r == a.callingStationId) req.callingStationId = view(attr.value.bytes);
      else if (r == a.proxyState) proxyStates.push_back(&attr);
      else if (r == a.nasIdentifier && !nas->nasIdentifier.empty() && attr.value.bytes != nas->nasIdentifier) {
        drop(total, &nc, &AuthCounters::badAuthenticators, src, srcPort, nas,
             "NAS-Identifier does not match the NAS client's");
        return false;
      }
    }

    Decision d = authorize(req, snap, core::SystemClock::instance().unixSeconds(), s.sessions_);

    Packet out;
    out.code = d.accept ? PacketCode::kAccessAccept : PacketCode::kAccessReject;
    out.id = p.id;
    // RFC 3579 section 3.2 / BlastRADIUS: Message-Authenticator first in every reply.
    out.attributes.push_back(Attribute{a.messageAuthenticator, Value::octets(std::string(16, '\0')), 0});
    std::vector<Attribute> body = d.accept ? renderAccept(d, nas->vendor, a) : renderReject(d, a, msChapIdent);
    for (Attribute& attr : body) out.attributes.push_back(std::move(attr));
    for (const Attribute* ps : proxyStates) out.attributes.push_back(*ps);  // RFC 2865 5.33: in order
    core::Result<std::vector<uint8_t>> encoded = encode(out, nas->secret, &p.authenticator);
    if (!encoded.isOk()) {
      drop(total, &nc, &AuthCounters::packetsDropped, src, srcPort, nas, "reply: " + encoded.status().message());
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
      s.events_->publish(AuthEvent{nas->name, p.id, req.userName, req.callingStationId.value_or(std::string_view()),
                                   d.method, d.accept, d.reason});
    remember(key, *encoded, now);
    reply = std::move(*encoded);
    return true;
  }

  bool statusServer(const uint8_t* data, size_t length, const NasClient& nas, AuthCounters& nc, const IpAddress& src,
                    uint16_t srcPort, std::vector<uint8_t>& reply, const DupKey& key,
                    std::chrono::steady_clock::time_point now) {
    AuthServer& s = *server;
    core::Result<MessageAuthenticatorCheck> check = verifyMessageAuthenticator(data, length, nas.secret);
    if (!check.isOk() || *check != MessageAuthenticatorCheck::kValid) {
      drop(s.totals_, &nc, &AuthCounters::badAuthenticators, src, srcPort, &nas,
           "Status-Server with an invalid Message-Authenticator");
      return false;
    }
    Packet out;
    out.code = PacketCode::kAccessAccept;  // RFC 5997 section 3: Access-Accept on the auth port
    out.id = data[1];
    out.attributes.push_back(Attribute{s.attributes_.messageAuthenticator, Value::octets(std::string(16, '\0')), 0});
    out.attributes.push_back(Attribute{s.attributes_.replyMessage, Value::string("edged is alive"), 0});
    Authenticator requestAuth;
    std::memcpy(requestAuth.data(), data + 4, 16);
    core::Result<std::vector<uint8_t>> encoded = encode(out, nas.secret, &requestAuth);
    if (!encoded.isOk()) return false;
    s.totals_.statusServer->inc();
    nc.statusServer->inc();
    remember(key, *encoded, now);
    reply = std::move(*encoded);
    return true;
  }

  void remember(const DupKey& key, const std::vector<uint8_t>& bytes, std::chrono::steady_clock::time_point now) {
    auto expires = now + std::chrono::milliseconds(server->config_.duplicateCacheMs);
    cache[key] = CachedReply{bytes, expires};
    cacheOrder.emplace_back(expires, key);
  }
};

AuthServer::AuthServer(AuthServerConfig config, const SnapshotHolder& snapshots, const Attributes& attributes,
                       core::CounterRegistry& counters, core::EventBus* events, SessionCount sessions)
    : config_(std::move(config)),
      snapshots_(snapshots),
      attributes_(attributes),
      registry_(counters),
      events_(events),
      sessions_(std::move(sessions)),
      totals_(AuthCounters::registerIn(counters, "")) {
  for (size_t i = 0; i < static_cast<size_t>(RejectReason::kCount); ++i)
    rejectsByReason_.push_back(&counters.counter("radius_auth_rejects_by_reason_total", "Access-Rejects by reason",
                                                 {{"reason", rejectReasonName(static_cast<RejectReason>(i))}}));
}

AuthServer::~AuthServer() { stop(); }

core::Status AuthServer::start() {
  sockaddr_storage addr{};
  socklen_t addrLen = 0;
  std::optional<IpAddress> ip = parseIp(config_.listen);
  if (!ip) return core::invalidArgument("radius.listen: '" + config_.listen + "' is not an IP address");
  int family = ip->isV4() ? AF_INET : AF_INET6;
  uint16_t port = config_.port;
  int threads = config_.threads < 1 ? 1 : config_.threads;
  for (int i = 0; i < threads; ++i) {
    if (family == AF_INET) {
      auto* in = reinterpret_cast<sockaddr_in*>(&addr);
      in->sin_family = AF_INET;
      in->sin_port = htons(port);
      in->sin_addr.s_addr = htonl(ip->v4());
      addrLen = sizeof(sockaddr_in);
    } else {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons(port);
      std::memcpy(&in6->sin6_addr, ip->bytes.data(), 16);
      addrLen = sizeof(sockaddr_in6);
    }
    int fd = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return core::errnoStatus("creating the RADIUS auth socket", errno);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (family == AF_INET6) {
      int zero = 0;  // "::" serves IPv4 too
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    }
    int buf = 4 << 20;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    timeval tv{0, 200000};  // workers wake up to notice stop()
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), addrLen) < 0) {
      int err = errno;
      ::close(fd);
      stop();
      return core::errnoStatus("binding the RADIUS auth port " + config_.listen + ":" + std::to_string(port), err);
    }
    if (port == 0) {
      sockaddr_storage bound{};
      socklen_t bl = sizeof bound;
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bl);
      port = ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                              : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
    }
    auto w = std::make_unique<Worker>(this);
    w->fd = fd;
    workers_.push_back(std::move(w));
  }
  boundPort_ = port;
  running_ = true;
  for (auto& w : workers_) threads_.emplace_back([this, worker = w.get()] { run(worker); });
  return core::Status::ok();
}

void AuthServer::stop() {
  running_ = false;
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  for (auto& w : workers_)
    if (w->fd >= 0) ::close(w->fd);
  workers_.clear();
}

void AuthServer::run(Worker* w) {
  std::vector<std::array<uint8_t, kMaxPacket>> in(kBatch);
  std::vector<sockaddr_storage> from(kBatch);
  std::vector<iovec> iov(kBatch);
  std::vector<mmsghdr> msgs(kBatch);
  std::vector<std::vector<uint8_t>> replies(kBatch);
  std::vector<iovec> outIov(kBatch);
  std::vector<mmsghdr> outMsgs(kBatch);
  while (running_.load(std::memory_order_relaxed)) {
    for (int i = 0; i < kBatch; ++i) {
      iov[i] = iovec{in[i].data(), in[i].size()};
      msgs[i] = mmsghdr{};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &from[i];
      msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    }
    int n = ::recvmmsg(w->fd, msgs.data(), kBatch, MSG_WAITFORONE, nullptr);
    if (n <= 0) continue;  // timeout (to check running_) or EINTR
    int out = 0;
    for (int i = 0; i < n; ++i) {
      bool answer = false;
      try {
        answer = w->handle(in[i].data(), msgs[i].msg_len, from[i], replies[out]);
      } catch (...) {
        // Never let one packet take the worker down (e.g. allocation failure): drop and count it.
        totals_.packetsDropped->inc();
      }
      if (!answer) continue;
      outIov[out] = iovec{replies[out].data(), replies[out].size()};
      outMsgs[out] = mmsghdr{};
      outMsgs[out].msg_hdr.msg_iov = &outIov[out];
      outMsgs[out].msg_hdr.msg_iovlen = 1;
      outMsgs[out].msg_hdr.msg_name = &from[i];
      outMsgs[out].msg_hdr.msg_namelen = msgs[i].msg_hdr.msg_namelen;
      ++out;
    }
    int sent = 0;
    while (sent < out) {
      int r = ::sendmmsg(w->fd, outMsgs.data() + sent, static_cast<unsigned>(out - sent), 0);
      if (r <= 0) break;  // the client went away or the buffer is full: UDP, the NAS retransmits
      sent += r;
    }
  }
}

}  // namespace aaa::radius
