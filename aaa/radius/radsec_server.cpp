#include "aaa/radius/radsec_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/oid.h>
#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <vector>

#include "aaa/radius/counter_table.h"
#include "aaa/radius/radsec_framing.h"
#include "aaa/radius/radsec_identity.h"
#include "aaa/radius/tls_curves.h"
#include "aaa/radius/udp_listener.h"
#include "core/pki.h"

namespace aaa::radius {

namespace {

using Clock = std::chrono::steady_clock;

constexpr uint8_t kAccountingRequest = 4;
constexpr char kRadsecSecret[] = "radsec";  // RFC 6614 section 2.3
constexpr int kWriteTimeoutMs = 5000;       // a reply the client does not read within this: closed

constexpr CounterName<RadsecCounters> kRadsecCounters[] = {
    {&RadsecCounters::connectionsAccepted, "connections_accepted_total", "RadSec TCP connections accepted"},
    {&RadsecCounters::connectionsRefused, "connections_refused_total",
     "RadSec connections closed for being over the total or a NAS client's connection limit"},
    {&RadsecCounters::handshakeFailures, "handshake_failures_total",
     "RadSec TLS handshakes that failed (no or unverified client certificate, another CA, timeout)"},
    {&RadsecCounters::unknownCertificates, "unknown_certificates_total",
     "RadSec clients whose verified certificate names no NAS client, or more than one (closed)"},
    {&RadsecCounters::malformedFrames, "malformed_frames_total",
     "RadSec connections closed for a RADIUS Length outside 20..4096"},
    {&RadsecCounters::idleTimeouts, "idle_timeouts_total", "RadSec connections closed after the idle timeout"},
};

// The socket under mbedTLS stays non-blocking; the connection's loop waits with poll().
int bioSend(void* ctx, const unsigned char* buf, size_t len) noexcept {
  int fd = *static_cast<int*>(ctx);
  ssize_t n = ::send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n >= 0) return static_cast<int>(n);
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return MBEDTLS_ERR_SSL_WANT_WRITE;
  return errno == EPIPE || errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_SEND_FAILED;
}

int bioRecv(void* ctx, unsigned char* buf, size_t len) noexcept {
  int fd = *static_cast<int*>(ctx);
  ssize_t n = ::recv(fd, buf, len, MSG_DONTWAIT);
  if (n >= 0) return static_cast<int>(n);  // 0: EOF
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return MBEDTLS_ERR_SSL_WANT_READ;
  return errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
}

enum class Wait { kReady, kTimeout, kStop, kOther };

// Waits for `events` on fd until `deadline`, or for stop (wakeFd) or `otherFd` (may be -1).
Wait waitFor(int fd, short events, int wakeFd, int otherFd, Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return Wait::kTimeout;
    pollfd p[3] = {{fd, events, 0}, {wakeFd, POLLIN, 0}, {otherFd, POLLIN, 0}};
    int rc = ::poll(p, otherFd >= 0 ? 3 : 2, static_cast<int>(std::min<int64_t>(left, 1000)));
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return Wait::kStop;
    if (p[1].revents) return Wait::kStop;
    if (p[0].revents) return Wait::kReady;
    if (otherFd >= 0 && p[2].revents) return Wait::kOther;
  }
}

std::string peerText(const sockaddr_storage& from) {
  uint16_t port = 0;
  policy::IpAddress ip = sourceAddress(from, &port);
  return policy::formatIp(ip) + ":" + std::to_string(port);
}

PeerCertificate describe(const mbedtls_x509_crt& crt) {
  PeerCertificate out;
  unsigned char digest[32];
  mbedtls_sha256_ret(crt.raw.p, crt.raw.len, digest, 0);
  static const char kHex[] = "0123456789abcdef";
  for (unsigned char b : digest) {
    out.sha256Hex += kHex[b >> 4];
    out.sha256Hex += kHex[b & 15];
  }
  for (const mbedtls_x509_name* n = &crt.subject; n != nullptr; n = n->next)
    if (n->oid.p != nullptr && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0)
      out.commonName.assign(reinterpret_cast<const char*>(n->val.p), n->val.len);
  // mbedTLS 2.28 keeps every GeneralName with its context tag; dNSName is [2].
  for (const mbedtls_x509_sequence* s = &crt.subject_alt_names; s != nullptr; s = s->next)
    if (s->buf.p != nullptr && s->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2))
      out.dnsNames.emplace_back(reinterpret_cast<const char*>(s->buf.p), s->buf.len);
  return out;
}

}  // namespace

RadsecCounters RadsecCounters::registerIn(core::CounterRegistry& r) {
  RadsecCounters c = declareCounters(r, kRadsecCounters, "radsec", "");
  c.connectionsOpen = &r.gauge("radius_radsec_connections_open", "RadSec connections open with a known NAS client");
  return c;
}

struct RadsecServer::Tls {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_ssl_config conf;
  mbedtls_x509_crt own;
  mbedtls_pk_context key;
  mbedtls_x509_crt ca;
  mbedtls_x509_crl crl;
  bool hasCrl = false;
  Tls() {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_ssl_config_init(&conf);
    mbedtls_x509_crt_init(&own);
    mbedtls_pk_init(&key);
    mbedtls_x509_crt_init(&ca);
    mbedtls_x509_crl_init(&crl);
  }
  ~Tls() {
    mbedtls_ssl_config_free(&conf);
    mbedtls_x509_crl_free(&crl);
    mbedtls_x509_crt_free(&ca);
    mbedtls_pk_free(&key);
    mbedtls_x509_crt_free(&own);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }

  core::Status load(const RadsecServerConfig& c) {
    int rc = mbedtls_x509_crt_parse_file(&own, c.certificateFile.c_str());
    if (rc != 0) return core::invalidArgument("radsec-certificate: " + c.certificateFile + ": " + core::pki::mbedtlsErrorText(rc));
    rc = mbedtls_pk_parse_keyfile(&key, c.keyFile.c_str(), nullptr);
    if (rc != 0) return core::invalidArgument("radsec-key: " + c.keyFile + ": " + core::pki::mbedtlsErrorText(rc));
    if (mbedtls_pk_check_pair(&own.pk, &key) != 0)
      return core::invalidArgument("radsec-key: " + c.keyFile + " is not the key of " + c.certificateFile);
    rc = mbedtls_x509_crt_parse_file(&ca, c.caFile.c_str());
    if (rc != 0) return core::invalidArgument("radsec-ca: " + c.caFile + ": " + core::pki::mbedtlsErrorText(rc));
    if (!c.crlFile.empty()) {
      rc = mbedtls_x509_crl_parse_file(&crl, c.crlFile.c_str());
      if (rc != 0) return core::invalidArgument("radsec-crl: " + c.crlFile + ": " + core::pki::mbedtlsErrorText(rc));
      hasCrl = true;
    }
    rc = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
                               reinterpret_cast<const unsigned char*>("edged radsec"), 12);
    if (rc != 0) return core::internalError("radsec: seeding the random generator: " + core::pki::mbedtlsErrorText(rc));
    rc = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                     MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0) return core::internalError("radsec: TLS defaults: " + core::pki::mbedtlsErrorText(rc));
    // RFC 6614 2.3: TLS 1.2 here (Debian's mbedTLS has nothing newer); mutual authentication.
    mbedtls_ssl_conf_min_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&conf, &ca, hasCrl ? &crl : nullptr);
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);  // thread-safe: MBEDTLS_THREADING_C
    mbedtls_ssl_conf_curves(&conf, preferredCurves());  // X25519 first, as EAP's tunnels
    rc = mbedtls_ssl_conf_own_cert(&conf, &own, &key);
    if (rc != 0) return core::invalidArgument("radsec-certificate: " + core::pki::mbedtlsErrorText(rc));
    return core::Status::ok();
  }
};

// Replies the Writer thread produces (Accounting-Responses after commit), written by the
// connection's own thread: the TLS context is never touched by two threads.
struct Outbox {
  std::mutex mu;
  std::deque<std::vector<uint8_t>> queue;
  bool closed = false;
  int eventFd = -1;
  ~Outbox() {
    if (eventFd >= 0) ::close(eventFd);
  }
  void push(const uint8_t* data, size_t len) {
    std::lock_guard<std::mutex> lock(mu);
    if (closed || queue.size() >= 1024) return;  // bounded: a NAS that never reads loses the connection anyway
    queue.emplace_back(data, data + len);
    uint64_t one = 1;
    (void)!::write(eventFd, &one, sizeof one);
  }
};

struct RadsecServer::Connection {
  int fd = -1;
  sockaddr_storage from{};
  std::string peer;
  std::thread thread;
  std::atomic<bool> done{false};
};

RadsecServer::RadsecServer(RadsecServerConfig config, const policy::SnapshotHolder& snapshots, AuthServer& auth,
                           AcctServer& acct, core::CounterRegistry& counters, core::EventBus* events)
    : config_(std::move(config)),
      snapshots_(snapshots),
      auth_(auth),
      acct_(acct),
      events_(events),
      counters_(RadsecCounters::registerIn(counters)) {}

RadsecServer::~RadsecServer() { stop(); }

core::Status RadsecServer::reloadTls(const RadsecServerConfig& files) {
  auto tls = std::make_shared<Tls>();
  EDGE_RETURN_IF_ERROR(tls->load(files));
  std::lock_guard<std::mutex> lock(mu_);
  config_.certificateFile = files.certificateFile;
  config_.keyFile = files.keyFile;
  config_.caFile = files.caFile;
  config_.crlFile = files.crlFile;
  tls_ = std::move(tls);
  return core::Status::ok();
}

core::Status RadsecServer::start() {
  auto tls = std::make_shared<Tls>();
  EDGE_RETURN_IF_ERROR(tls->load(config_));
  {
    std::lock_guard<std::mutex> lock(mu_);
    tls_ = std::move(tls);
  }
  std::optional<policy::IpAddress> ip = policy::parseIp(config_.listen);
  if (!ip) return core::invalidArgument("RadSec port: '" + config_.listen + "' is not an IP address");
  sockaddr_storage addr{};
  socklen_t addrLen;
  int family = ip->isV4() ? AF_INET : AF_INET6;
  if (family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&addr);
    in->sin_family = AF_INET;
    in->sin_port = htons(config_.port);
    in->sin_addr.s_addr = htonl(ip->v4());
    addrLen = sizeof(sockaddr_in);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(config_.port);
    std::memcpy(&in6->sin6_addr, ip->bytes.data(), 16);
    addrLen = sizeof(sockaddr_in6);
  }
  int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return core::errnoStatus("creating the RadSec socket", errno);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (family == AF_INET6) {
    int zero = 0;
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), addrLen) < 0 || ::listen(fd, 64) < 0) {
    int err = errno;
    ::close(fd);
    return core::errnoStatus("binding the RadSec port " + config_.listen + ":" + std::to_string(config_.port), err);
  }
  sockaddr_storage bound{};
  socklen_t bl = sizeof bound;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bl);
  port_ = ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                           : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  listenFd_ = fd;
  wakeFd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wakeFd_ < 0) return core::errnoStatus("RadSec: eventfd", errno);
  running_ = true;
  acceptThread_ = std::thread([this] { acceptLoop(); });
  return core::Status::ok();
}

void RadsecServer::stop() {
  if (!running_.exchange(false)) return;
  uint64_t one = 1;
  (void)!::write(wakeFd_, &one, sizeof one);  // never read: every poller sees it until the end
  if (acceptThread_.joinable()) acceptThread_.join();
  std::list<std::unique_ptr<Connection>> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    all.swap(connections_);
  }
  for (auto& c : all)
    if (c->thread.joinable()) c->thread.join();
  ::close(listenFd_);
  ::close(wakeFd_);
  listenFd_ = wakeFd_ = -1;
}

void RadsecServer::event(const std::string& peer, const std::string& nas, const std::string& what) {
  if (events_) events_->publish(RadsecEvent{peer, nas, what});
}

bool RadsecServer::takeNasSlot(const std::string& nas) {
  std::lock_guard<std::mutex> lock(mu_);
  int& n = perNas_[nas];
  if (n >= config_.maxConnectionsPerNas) return false;
  ++n;
  counters_.connectionsOpen->inc();
  return true;
}

void RadsecServer::releaseNasSlot(const std::string& nas) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = perNas_.find(nas);
  if (it != perNas_.end() && --it->second <= 0) perNas_.erase(it);
  counters_.connectionsOpen->set(counters_.connectionsOpen->value() - 1);
}

void RadsecServer::acceptLoop() {
  while (running_) {
    pollfd p[2] = {{listenFd_, POLLIN, 0}, {wakeFd_, POLLIN, 0}};
    int rc = ::poll(p, 2, 1000);
    std::list<std::unique_ptr<Connection>> finished;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto it = connections_.begin(); it != connections_.end();) {
        if ((*it)->done) {
          finished.push_back(std::move(*it));
          it = connections_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& c : finished) c->thread.join();
    if (rc <= 0 || p[1].revents) continue;
    auto c = std::make_unique<Connection>();
    socklen_t len = sizeof c->from;
    c->fd = ::accept4(listenFd_, reinterpret_cast<sockaddr*>(&c->from), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c->fd < 0) continue;
    c->peer = peerText(c->from);
    std::lock_guard<std::mutex> lock(mu_);
    if (static_cast<int>(connections_.size()) >= config_.maxConnections) {
      counters_.connectionsRefused->inc();
      ::close(c->fd);
      continue;  // no event per refused connection: a flood would flood the log too
    }
    counters_.connectionsAccepted->inc();
    int one = 1;
    ::setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    Connection* raw = c.get();
    connections_.push_back(std::move(c));
    raw->thread = std::thread([this, raw] {
      serve(*raw);
      ::close(raw->fd);
      raw->done = true;
    });
  }
}

void RadsecServer::serve(Connection& c) {
  std::shared_ptr<const Tls> tls;  // outlives the TLS context below (a reload may replace tls_)
  {
    std::lock_guard<std::mutex> lock(mu_);
    tls = tls_;
  }
  mbedtls_ssl_context ssl;
  mbedtls_ssl_init(&ssl);
  struct Free {
    mbedtls_ssl_context* s;
    ~Free() { mbedtls_ssl_free(s); }
  } freeSsl{&ssl};
  if (mbedtls_ssl_setup(&ssl, &tls->conf) != 0) return;
  mbedtls_ssl_set_bio(&ssl, &c.fd, bioSend, bioRecv, nullptr);

  // The handshake, bounded in time: a client that connects and says nothing holds its thread for
  // handshake-timeout at most.
  auto deadline = Clock::now() + std::chrono::seconds(config_.handshakeTimeoutSeconds);
  for (;;) {
    int rc = mbedtls_ssl_handshake(&ssl);
    if (rc == 0) break;
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
      Wait w = waitFor(c.fd, rc == MBEDTLS_ERR_SSL_WANT_READ ? POLLIN : POLLOUT, wakeFd_, -1, deadline);
      if (w == Wait::kReady) continue;
      if (w == Wait::kStop) return;
      counters_.handshakeFailures->inc();
      event(c.peer, "", "TLS handshake not finished within " + std::to_string(config_.handshakeTimeoutSeconds) + " s");
      return;
    }
    counters_.handshakeFailures->inc();
    uint32_t flags = mbedtls_ssl_get_verify_result(&ssl);
    std::string why = core::pki::mbedtlsErrorText(rc);
    if (flags != 0 && flags != static_cast<uint32_t>(-1)) {
      char info[256];
      mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
      why += std::string(" (client certificate: ") + info;
      while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
      why += ")";
    }
    event(c.peer, "", "TLS handshake failed: " + why);
    return;
  }

  const mbedtls_x509_crt* crt = mbedtls_ssl_get_peer_cert(&ssl);
  if (crt == nullptr) {  // VERIFY_REQUIRED makes this unreachable; refuse rather than trust it
    counters_.handshakeFailures->inc();
    return;
  }
  PeerCertificate cert = describe(*crt);
  std::string nasName;
  {
    std::shared_ptr<const policy::Snapshot> snap = snapshots_.current();
    const policy::NasClient* nas = nullptr;
    NasMatch m = findNasByCertificate(*snap, cert, &nas);
    if (m != NasMatch::kFound) {
      counters_.unknownCertificates->inc();
      event(c.peer, "",
            std::string(m == NasMatch::kNone ? "no NAS client has" : "more than one NAS client names") +
                " this certificate (CN '" + cert.commonName + "', sha256:" + cert.sha256Hex + ")");
      (void)mbedtls_ssl_close_notify(&ssl);
      return;
    }
    nasName = nas->name;
  }
  if (!takeNasSlot(nasName)) {
    counters_.connectionsRefused->inc();
    event(c.peer, nasName,
          "over the NAS client's limit of " + std::to_string(config_.maxConnectionsPerNas) + " RadSec connections");
    (void)mbedtls_ssl_close_notify(&ssl);
    return;
  }
  struct Slot {
    RadsecServer* s;
    const std::string& nas;
    ~Slot() { s->releaseNasSlot(nas); }
  } slot{this, nasName};

  auto outbox = std::make_shared<Outbox>();
  outbox->eventFd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (outbox->eventFd < 0) return;
  struct CloseOutbox {
    std::shared_ptr<Outbox> o;
    ~CloseOutbox() {
      std::lock_guard<std::mutex> lock(o->mu);
      o->closed = true;
    }
  } closeOutbox{outbox};

  // The NAS again for every packet: a NAS client removed or re-keyed since the handshake stops here.
  auto finder = [cert](const policy::Snapshot& s) -> const policy::NasClient* {
    const policy::NasClient* nas = nullptr;
    return findNasByCertificate(s, cert, &nas) == NasMatch::kFound ? nas : nullptr;
  };
  AuthServer::StreamSession auth(auth_, kRadsecSecret, finder);
  AcctServer::StreamSession acct(acct_, kRadsecSecret, finder,
                                 [outbox](const uint8_t* d, size_t n) { outbox->push(d, n); });

  auto writeAll = [&](const uint8_t* data, size_t len) -> bool {
    size_t off = 0;
    auto until = Clock::now() + std::chrono::milliseconds(kWriteTimeoutMs);
    while (off < len) {
      int rc = mbedtls_ssl_write(&ssl, data + off, len - off);
      if (rc > 0) {
        off += static_cast<size_t>(rc);
        continue;
      }
      if (rc != MBEDTLS_ERR_SSL_WANT_WRITE && rc != MBEDTLS_ERR_SSL_WANT_READ) return false;
      if (waitFor(c.fd, rc == MBEDTLS_ERR_SSL_WANT_WRITE ? POLLOUT : POLLIN, wakeFd_, -1, until) != Wait::kReady)
        return false;
    }
    return true;
  };

  StreamFramer framer;
  std::vector<uint8_t> reply;
  uint8_t buf[4096];
  auto idle = Clock::now() + std::chrono::seconds(config_.idleTimeoutSeconds);
  for (;;) {
    Wait w = waitFor(c.fd, POLLIN, wakeFd_, outbox->eventFd, idle);
    if (w == Wait::kStop) break;
    if (w == Wait::kTimeout) {
      counters_.idleTimeouts->inc();
      (void)mbedtls_ssl_close_notify(&ssl);
      return;
    }
    if (w == Wait::kOther) {
      uint64_t n;
      (void)!::read(outbox->eventFd, &n, sizeof n);
      std::deque<std::vector<uint8_t>> out;
      {
        std::lock_guard<std::mutex> lock(outbox->mu);
        out.swap(outbox->queue);
      }
      for (const auto& r : out)
        if (!writeAll(r.data(), r.size())) return;
      continue;
    }
    // Readable: everything TLS has decrypted, until it wants the socket again.
    for (;;) {
      int rc = mbedtls_ssl_read(&ssl, buf, sizeof buf);
      if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) break;
      if (rc <= 0) return;  // EOF, close_notify, reset or a TLS error: the connection is over
      idle = Clock::now() + std::chrono::seconds(config_.idleTimeoutSeconds);
      framer.append(buf, static_cast<size_t>(rc));
      const uint8_t* packet = nullptr;
      size_t length = 0;
      FrameStatus fs;
      while ((fs = framer.next(&packet, &length)) == FrameStatus::kPacket) {
        reply.clear();
        bool answer = packet[0] == kAccountingRequest ? acct.handle(packet, length, c.from, reply)
                                                      : auth.handle(packet, length, c.from, reply);
        if (answer && !writeAll(reply.data(), reply.size())) return;
      }
      if (fs == FrameStatus::kMalformed) {
        counters_.malformedFrames->inc();
        event(c.peer, nasName, "RADIUS Length outside 20..4096: connection closed");
        return;
      }
    }
  }
}

}  // namespace aaa::radius
