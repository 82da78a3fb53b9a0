#include "aaa/radius/dynauth_client.h"

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <utility>

#include "core/ids.h"

namespace aaa::radius {

namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr uint32_t kServiceTypeAuthorizeOnly = 17;  // RFC 5176 section 3.2
constexpr uint32_t kErrorCauseSessionContextNotFound = 503;
constexpr size_t kHeaderLen = 20;
constexpr size_t kMaxPacketLen = 4096;  // RFC 2865 section 3

}  // namespace

const char* dynAuthKindName(DynAuthKind kind) {
  return kind == DynAuthKind::kDisconnect ? "disconnect" : "coa";
}

const char* dynAuthOutcomeName(DynAuthOutcome outcome) {
  switch (outcome) {
    case DynAuthOutcome::kAck: return "ack";
    case DynAuthOutcome::kNak: return "nak";
    case DynAuthOutcome::kTimeout: return "timeout";
    case DynAuthOutcome::kError: return "error";
  }
  return "unknown";
}

std::string errorCauseText(uint32_t value) {
  // RFC 5176 section 3.5: 2xx successful completion, 4xx fatal errors committed by the Dynamic
  // Authorization Client (us), 5xx fatal errors on the NAS or a proxy.
  switch (value) {
    case 0: return "";
    case 201: return "Residual Session Context Removed";
    case 202: return "Invalid EAP Packet (Ignored)";
    case 401: return "Unsupported Attribute";
    case 402: return "Missing Attribute";
    case 403: return "NAS Identification Mismatch";
    case 404: return "Invalid Request";
    case 405: return "Unsupported Service";
    case 406: return "Unsupported Extension";
    case 407: return "Invalid Attribute Value";
    case 501: return "Administratively Prohibited";
    case 502: return "Request Not Routable (Proxy)";
    case 503: return "Session Context Not Found";
    case 504: return "Session Context Not Removable";
    case 505: return "Other Proxy Processing Error";
    case 506: return "Resources Unavailable";
    case 507: return "Request Initiated";
    case 508: return "Multiple Session Selection Unsupported";
    default: return "Error-Cause " + std::to_string(value) + " (not in RFC 5176)";
  }
}

// ---- Retry policy and schedule (RFC 5080 section 2.2.1) ----

core::Status RetryPolicy::check() const {
  auto ms = [](milliseconds d) { return std::to_string(d.count()) + " ms"; };
  if (initial < milliseconds(50) || initial > milliseconds(60000)) {
    return core::invalidArgument("retry policy: initial retransmission time (IRT) is " + ms(initial) +
                                 ", allowed 50 ms .. 60 s");
  }
  if (maxTransmissions < 0 || maxTransmissions > 100) {
    return core::invalidArgument("retry policy: maximum transmissions (MRC) is " +
                                 std::to_string(maxTransmissions) + ", allowed 0 (no limit) .. 100");
  }
  if (maxInterval.count() != 0 && maxInterval < initial) {
    return core::invalidArgument("retry policy: maximum retransmission time (MRT) is " + ms(maxInterval) +
                                 ", below the initial " + ms(initial) + " (0 means no cap)");
  }
  if (maxDuration < milliseconds(1) || maxDuration > milliseconds(300000)) {
    return core::invalidArgument("retry policy: maximum duration (MRD) is " + ms(maxDuration) +
                                 ", allowed 1 ms .. 5 min (a blocking send needs a bound)");
  }
  if (!(jitter >= 0.0 && jitter <= 0.5)) {
    return core::invalidArgument("retry policy: jitter is " + std::to_string(jitter) + ", allowed 0 .. 0.5");
  }
  return core::Status::ok();
}

RetrySchedule computeRetrySchedule(const RetryPolicy& policy, const std::function<double()>& random) {
  auto rand = [&]() {
    double r = random ? random() : 0.0;
    return std::clamp(r, -1.0, 1.0) * policy.jitter;
  };
  const double irt = static_cast<double>(policy.initial.count());
  const double mrt = static_cast<double>(policy.maxInterval.count());
  const double mrd = static_cast<double>(policy.maxDuration.count());
  const size_t mrc = static_cast<size_t>(std::max(policy.maxTransmissions, 0));

  RetrySchedule s;
  s.transmissions.push_back(milliseconds(0));
  double t = 0;
  double rt = irt + rand() * irt;  // RT = IRT + RAND*IRT
  for (;;) {
    double next = t + rt;
    // MRC: the exchange fails once the request has been transmitted MRC times (after waiting the
    // last RT); MRD: once MRD has elapsed since the first transmission, whichever comes first.
    if (mrc > 0 && s.transmissions.size() >= mrc) {
      s.deadline = milliseconds(std::llround(std::min(next, mrd)));
      break;
    }
    if (next >= mrd) {
      s.deadline = milliseconds(std::llround(mrd));
      break;
    }
    milliseconds at(std::llround(next));
    if (at <= s.transmissions.back()) at = s.transmissions.back() + milliseconds(1);
    s.transmissions.push_back(at);
    t = next;
    const double r = rand();
    rt = 2 * rt + r * rt;  // RT = 2*RTprev + RAND*RTprev
    if (mrt > 0 && rt > mrt) rt = mrt + r * mrt;  // RT = MRT + RAND*MRT
  }
  if (s.deadline <= s.transmissions.back()) s.deadline = s.transmissions.back() + milliseconds(1);
  return s;
}

// ---- Identifiers ----

IdentifierPool::IdentifierPool(std::function<uint8_t()> randomStart) : randomStart_(std::move(randomStart)) {}

core::Result<uint8_t> IdentifierPool::acquire(const std::string& peer) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = peers_.find(peer);
  if (it == peers_.end()) {
    Peer p;
    if (randomStart_) {
      p.next = randomStart_();
    } else {
      core::secureRandom(&p.next, 1);
    }
    it = peers_.emplace(peer, p).first;
  }
  Peer& p = it->second;
  for (int i = 0; i < 256; ++i) {
    uint8_t id = static_cast<uint8_t>(p.next + i);
    if (!p.busy.test(id)) {
      p.busy.set(id);
      p.next = static_cast<uint8_t>(id + 1);
      return id;
    }
  }
  return core::resourceExhausted("all 256 RADIUS identifiers toward " + peer +
                                 " are in use by outstanding requests");
}

void IdentifierPool::release(const std::string& peer, uint8_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = peers_.find(peer);
  if (it != peers_.end()) it->second.busy.reset(id);
}

size_t IdentifierPool::outstanding(const std::string& peer) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = peers_.find(peer);
  return it == peers_.end() ? 0 : it->second.busy.count();
}

// ---- Counters (RFC 4672) ----

struct DynAuthClient::KindCounters {
  core::Counter* requests;
  core::Counter* authOnlyRequests;
  core::Counter* retransmissions;
  core::Counter* acks;
  core::Counter* naks;
  core::Counter* nakAuthOnly;
  core::Counter* nakSessionNoContext;
  core::Counter* malformed;
  core::Counter* badAuthenticators;
  core::Counter* pending;  // gauge
  core::Counter* timeouts;
  core::Counter* packetsDropped;
  core::Counter* invalidServerAddresses;
};

struct DynAuthClient::NasCounters {
  KindCounters disconnect;
  KindCounters coa;
  core::Counter* unknownTypes;
  core::Counter* roundTripTime;  // gauge
};

namespace {

DynAuthClient::KindCounters registerKind(core::CounterRegistry& r, const std::string& prefix, const char* kind,
                                         const char* request, const char* ack, const char* nak,
                                         const std::map<std::string, std::string>& labels) {
  const std::string base = prefix + kind + "_";
  const std::string req = request;
  const std::string replies = std::string(ack) + "/" + nak;
  auto c = [&](const char* name, const std::string& help) { return &r.counter(base + name, help, labels); };
  DynAuthClient::KindCounters k;
  k.requests = c("requests_total", req + "s sent, retransmissions not included (RFC 4672)");
  k.authOnlyRequests = c("auth_only_requests_total", req + "s with Service-Type Authorize-Only");
  k.retransmissions = c("retransmissions_total", req + " retransmissions (RFC 5080 section 2.2.1)");
  k.acks = c("acks_total", std::string(ack) + "s accepted");
  k.naks = c("naks_total", std::string(nak) + "s accepted");
  k.nakAuthOnly = c("nak_auth_only_requests_total", std::string(nak) + "s with Service-Type Authorize-Only");
  k.nakSessionNoContext =
      c("nak_session_no_context_total", std::string(nak) + "s with Error-Cause 503 Session Context Not Found");
  k.malformed = c("malformed_responses_total", "Malformed " + replies + " replies (ignored)");
  k.badAuthenticators = c("bad_authenticators_total",
                          replies + " replies with a bad Response Authenticator or Message-Authenticator (ignored)");
  k.pending = &r.gauge(base + "pending_requests", req + "s waiting for a reply", labels);
  k.timeouts = c("timeouts_total", req + "s given up without an acceptable reply");
  k.packetsDropped = c("packets_dropped_total",
                       replies + " replies ignored for another reason (identifier, Event-Timestamp, "
                                 "required Message-Authenticator absent)");
  k.invalidServerAddresses = c("invalid_server_addresses_total",
                               "Replies to " + req + "s from an address or port other than the NAS's (ignored)");
  return k;
}

DynAuthClient::NasCounters* registerNas(core::CounterRegistry& r, const std::string& nasName) {
  std::map<std::string, std::string> labels;
  std::string prefix = "radius_dynauth_client_";
  if (!nasName.empty()) {
    labels["nas"] = nasName;
    prefix = "radius_dynauth_server_";
  }
  auto* n = new DynAuthClient::NasCounters;
  n->disconnect = registerKind(r, prefix, "disconnect", "Disconnect-Request", "Disconnect-ACK",
                               "Disconnect-NAK", labels);
  n->coa = registerKind(r, prefix, "coa", "CoA-Request", "CoA-ACK", "CoA-NAK", labels);
  n->unknownTypes = &r.counter(prefix + "unknown_types_total",
                               "Replies of a code other than the ACK/NAK expected (ignored)", labels);
  n->roundTripTime = &r.gauge(prefix + "round_trip_time_seconds",
                              "Time from the first transmission to the reply, last answered request", labels,
                              1000000);  // held in microseconds
  return n;
}

// ---- Sockets ----

struct Endpoint {
  sockaddr_storage addr{};
  socklen_t len = 0;
  std::string text;  // "192.0.2.1:3799", "[2001:db8::1]:3799"
};

core::Result<Endpoint> parseEndpoint(const std::string& address, uint16_t port, const char* what) {
  if (address.empty()) return core::invalidArgument(std::string(what) + " address is empty");
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(address.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (rc != 0 || !res) {
    if (res) ::freeaddrinfo(res);
    return core::invalidArgument(std::string(what) + " address \"" + address +
                                 "\" is not a numeric IPv4 or IPv6 address");
  }
  Endpoint e;
  std::memcpy(&e.addr, res->ai_addr, res->ai_addrlen);
  e.len = static_cast<socklen_t>(res->ai_addrlen);
  ::freeaddrinfo(res);
  char host[NI_MAXHOST] = {};
  ::getnameinfo(reinterpret_cast<const sockaddr*>(&e.addr), e.len, host, sizeof host, nullptr, 0, NI_NUMERICHOST);
  e.text = e.addr.ss_family == AF_INET6 ? "[" + std::string(host) + "]:" + std::to_string(port)
                                        : std::string(host) + ":" + std::to_string(port);
  return e;
}

std::string endpointText(const sockaddr_storage& ss, socklen_t len) {
  char host[NI_MAXHOST] = {};
  char serv[NI_MAXSERV] = {};
  if (::getnameinfo(reinterpret_cast<const sockaddr*>(&ss), len, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return "?";
  }
  return ss.ss_family == AF_INET6 ? "[" + std::string(host) + "]:" + serv : std::string(host) + ":" + serv;
}

// Same address and port (the IPv6 scope is not compared: the socket only receives on the scope
// it sent on).
bool sameEndpoint(const sockaddr_storage& a, const sockaddr_storage& b) {
  if (a.ss_family != b.ss_family) return false;
  if (a.ss_family == AF_INET) {
    const auto* x = reinterpret_cast<const sockaddr_in*>(&a);
    const auto* y = reinterpret_cast<const sockaddr_in*>(&b);
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  if (a.ss_family == AF_INET6) {
    const auto* x = reinterpret_cast<const sockaddr_in6*>(&a);
    const auto* y = reinterpret_cast<const sockaddr_in6*>(&b);
    return x->sin6_port == y->sin6_port && std::memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
  }
  return false;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string durationText(milliseconds d) {
  if (d < milliseconds(1000)) return std::to_string(d.count()) + " ms";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

std::string transmissionsText(int n) {
  return std::to_string(n) + (n == 1 ? " transmission" : " transmissions");
}

double jitterRandom() {
  uint32_t u = 0;
  core::secureRandom(reinterpret_cast<uint8_t*>(&u), sizeof u);
  return static_cast<double>(u) / 4294967295.0 * 2.0 - 1.0;
}

bool hasAuthorizeOnly(const std::vector<Attribute>& list, const AttrRef& serviceType) {
  for (const Attribute& a : list) {
    if (a.ref.vendor == serviceType.vendor && a.ref.attr == serviceType.attr &&
        a.value.number == kServiceTypeAuthorizeOnly) {
      return true;
    }
  }
  return false;
}

// Why a datagram was ignored; the order is the order of the message's summary.
enum class Ignored { kWrongSource, kMalformed, kUnknownType, kWrongId, kBadAuthenticator,
                     kMissingMessageAuthenticator, kStaleTimestamp, kCount };

}  // namespace

// ---- The client ----

DynAuthClient::DynAuthClient(const Attributes& attributes, core::CounterRegistry& counters, RetryPolicy policy,
                             const core::Clock& clock)
    : attributes_(attributes),
      registry_(counters),
      policy_(policy),
      clock_(clock),
      abortFd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      totals_(registerNas(counters, "")) {}

DynAuthClient::~DynAuthClient() {
  if (abortFd_ >= 0) ::close(abortFd_);
}

void DynAuthClient::abort() {
  if (aborted_.exchange(true)) return;
  // Never read: stays readable, so every poll in send() returns now and later.
  uint64_t one = 1;
  ssize_t ignored = ::write(abortFd_, &one, sizeof one);
  (void)ignored;
}

DynAuthClient::NasCounters& DynAuthClient::countersFor(const std::string& nasName) {
  std::lock_guard<std::mutex> lock(countersMu_);
  auto it = perNas_.find(nasName);
  if (it == perNas_.end()) it = perNas_.emplace(nasName, std::unique_ptr<NasCounters>(registerNas(registry_, nasName))).first;
  return *it->second;
}

core::Result<std::vector<uint8_t>> DynAuthClient::buildRequest(DynAuthKind kind, uint8_t id,
                                                               const std::string& secret,
                                                               const std::vector<Attribute>& identity,
                                                               const std::vector<Attribute>& changes) const {
  const char* name = kind == DynAuthKind::kDisconnect ? "Disconnect-Request" : "CoA-Request";
  // RFC 5176 section 3: the NAS finds the session from identification attributes; without any it
  // can only NAK (402 Missing Attribute), or worse. Refuse before sending.
  if (identity.empty()) {
    return core::invalidArgument(std::string(name) + " without session identification attributes "
                                 "(User-Name, Acct-Session-Id, Framed-IP-Address, ...)");
  }
  // RFC 5176 section 3.6 (table of attributes): a Disconnect-Request carries no authorization changes.
  if (kind == DynAuthKind::kDisconnect && !changes.empty()) {
    return core::invalidArgument("Disconnect-Request carries no authorization changes (RFC 5176 section 3.6)");
  }
  for (const auto* list : {&identity, &changes}) {
    for (const Attribute& a : *list) {
      if ((a.ref.vendor == attributes_.messageAuthenticator.vendor &&
           a.ref.attr == attributes_.messageAuthenticator.attr) ||
          (a.ref.vendor == attributes_.eventTimestamp.vendor && a.ref.attr == attributes_.eventTimestamp.attr)) {
        return core::invalidArgument(
            "Message-Authenticator and Event-Timestamp are added by the Dynamic Authorization client, "
            "not by its caller");
      }
    }
  }
  Packet p;
  p.code = kind == DynAuthKind::kDisconnect ? PacketCode::kDisconnectRequest : PacketCode::kCoaRequest;
  p.id = id;
  p.attributes.reserve(identity.size() + changes.size() + 2);
  // First, so that a NAS that checks it before anything else finds it at once (BlastRADIUS
  // guidance); computed by the codec over the packet with a zero Authenticator (RFC 5176 section 3.4).
  p.attributes.push_back({attributes_.messageAuthenticator, Value::octets(std::string(16, '\0'))});
  p.attributes.insert(p.attributes.end(), identity.begin(), identity.end());
  p.attributes.insert(p.attributes.end(), changes.begin(), changes.end());
  // RFC 5176 section 6.3: Event-Timestamp lets the NAS refuse replays outside its window.
  p.attributes.push_back(
      {attributes_.eventTimestamp, Value::uint32(static_cast<uint32_t>(clock_.unixSeconds()))});
  core::Result<std::vector<uint8_t>> wire = encode(p, secret);
  if (!wire.isOk()) return wire.status().withContext(std::string("encoding the ") + name);
  return wire;
}

DynAuthResult DynAuthClient::send(const DynAuthTarget& target, DynAuthKind kind, std::vector<Attribute> identity,
                                  std::vector<Attribute> changes) {
  DynAuthResult r;
  const bool disconnect = kind == DynAuthKind::kDisconnect;
  const char* requestName = disconnect ? "Disconnect-Request" : "CoA-Request";
  const PacketCode ackCode = disconnect ? PacketCode::kDisconnectAck : PacketCode::kCoaAck;
  const PacketCode nakCode = disconnect ? PacketCode::kDisconnectNak : PacketCode::kCoaNak;
  r.replyCode = ackCode;
  const std::string nasName = target.nasName.empty() ? target.address : target.nasName;

  NasCounters& nas = countersFor(nasName);
  NasCounters& all = *totals_;
  KindCounters& kn = disconnect ? nas.disconnect : nas.coa;
  KindCounters& kt = disconnect ? all.disconnect : all.coa;
  auto bump = [&](core::Counter* KindCounters::*field) {
    (kn.*field)->inc();
    (kt.*field)->inc();
  };

  auto fail = [&](const std::string& what) {
    r.outcome = DynAuthOutcome::kError;
    r.message = std::string(requestName) + " to " + nasName + ": " + what;
    return r;
  };

  if (aborted_) return fail("not sent: the client is stopping");
  core::Status policyOk = policy_.check();
  if (!policyOk.isOk()) return fail(policyOk.message());
  core::Result<Endpoint> to = parseEndpoint(target.address, target.port, "NAS");
  if (!to.isOk()) return fail(to.status().message());
  if (target.port == 0) return fail("NAS port is 0");
  std::optional<Endpoint> from;
  if (!target.sourceAddress.empty()) {
    core::Result<Endpoint> src = parseEndpoint(target.sourceAddress, 0, "source");
    if (!src.isOk()) return fail(src.status().message());
    if (src->addr.ss_family != to->addr.ss_family) {
      return fail("source address " + target.sourceAddress + " and NAS address " + target.address +
                  " are of different IP versions");
    }
    from = *src;
  }
  const std::string where = nasName + " (" + to->text + ")";

  core::Result<uint8_t> id = ids_.acquire(to->text);
  if (!id.isOk()) return fail(id.status().message());
  struct Release {
    IdentifierPool& pool;
    const std::string& peer;
    uint8_t id;
    ~Release() { pool.release(peer, id); }
  } release{ids_, to->text, *id};
  r.id = *id;

  core::Result<std::vector<uint8_t>> wire = buildRequest(kind, *id, target.secret, identity, changes);
  if (!wire.isOk()) return fail(wire.status().message());
  const std::vector<uint8_t>& request = *wire;
  Authenticator requestAuthenticator{};
  std::memcpy(requestAuthenticator.data(), request.data() + 4, requestAuthenticator.size());

  Fd fd(::socket(to->addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) return fail(core::errnoStatus("creating a UDP socket", errno).message());
  if (from && ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&from->addr), from->len) < 0) {
    return fail(core::errnoStatus("binding the source address " + target.sourceAddress, errno).message());
  }

  const RetrySchedule schedule = computeRetrySchedule(policy_, jitterRandom);

  const bool authorizeOnly =
      hasAuthorizeOnly(identity, attributes_.serviceType) || hasAuthorizeOnly(changes, attributes_.serviceType);
  bump(&KindCounters::pending);
  struct Pending {
    core::Counter* a;
    core::Counter* b;
    // A gauge going down: adding 2^64-1 is subtracting one in the counter's modular arithmetic.
    ~Pending() {
      a->inc(~uint64_t{0});
      b->inc(~uint64_t{0});
    }
  } pending{kn.pending, kt.pending};

  auto transmit = [&]() -> core::Status {
    for (;;) {
      ssize_t n = ::sendto(fd.get(), request.data(), request.size(), 0,
                           reinterpret_cast<const sockaddr*>(&to->addr), to->len);
      if (n == static_cast<ssize_t>(request.size())) return core::Status::ok();
      if (n < 0 && errno == EINTR) continue;
      return core::errnoStatus("sending to " + to->text, n < 0 ? errno : EMSGSIZE);
    }
  };

  const SteadyClock::time_point start = SteadyClock::now();
  auto elapsed = [&]() { return std::chrono::duration_cast<milliseconds>(SteadyClock::now() - start); };
  core::Status sent = transmit();
  if (!sent.isOk()) return fail(sent.message());
  r.attempts = 1;
  bump(&KindCounters::requests);
  if (authorizeOnly) bump(&KindCounters::authOnlyRequests);
  size_t next = 1;

  std::array<int, static_cast<size_t>(Ignored::kCount)> ignored{};
  std::string lastSource, lastCode;
  int64_t lastSkew = 0;
  auto ignore = [&](Ignored why) {
    ++ignored[static_cast<size_t>(why)];
    ++r.ignoredReplies;
  };

  std::vector<uint8_t> buf(kMaxPacketLen + 1);
  for (;;) {
    const SteadyClock::time_point now = SteadyClock::now();
    const milliseconds at = std::chrono::duration_cast<milliseconds>(now - start);
    if (next < schedule.transmissions.size() && at >= schedule.transmissions[next]) {
      // RFC 5080 section 2.2.1: the same packet, same Identifier and Request Authenticator.
      core::Status again = transmit();
      if (!again.isOk()) {
        r.elapsed = elapsed();
        return fail(again.message() + " (retransmission " + std::to_string(r.attempts) + ")");
      }
      ++r.attempts;
      ++next;
      bump(&KindCounters::retransmissions);
      continue;
    }
    if (at >= schedule.deadline) break;
    milliseconds wake = schedule.deadline;
    if (next < schedule.transmissions.size()) wake = std::min(wake, schedule.transmissions[next]);
    const milliseconds waitFor = std::chrono::ceil<milliseconds>(start + wake - now);
    pollfd pfd[2] = {{fd.get(), POLLIN, 0}, {abortFd_, POLLIN, 0}};
    int rc = ::poll(pfd, abortFd_ >= 0 ? 2 : 1, static_cast<int>(std::max<int64_t>(waitFor.count(), 1)));
    if (rc < 0 && errno != EINTR) {
      r.elapsed = elapsed();
      return fail(core::errnoStatus("waiting for the reply", errno).message());
    }
    if (rc > 0 && abortFd_ >= 0 && pfd[1].revents != 0) {
      r.elapsed = elapsed();
      return fail("no answer yet after " + transmissionsText(r.attempts) + " in " + durationText(r.elapsed) +
                  "; given up: the client is stopping");
    }
    if (rc <= 0) continue;

    for (;;) {
      sockaddr_storage src{};
      socklen_t srcLen = sizeof src;
      ssize_t n = ::recvfrom(fd.get(), buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&src), &srcLen);
      if (n < 0) {
        if (errno == EINTR) continue;
        break;  // EAGAIN: drained; ECONNREFUSED and friends: keep waiting for the schedule
      }
      if (!sameEndpoint(src, to->addr)) {
        lastSource = endpointText(src, srcLen);
        ignore(Ignored::kWrongSource);
        bump(&KindCounters::invalidServerAddresses);
        continue;
      }
      const size_t len = static_cast<size_t>(n);
      const size_t declared = len >= 4 ? ((size_t{buf[2]} << 8) | buf[3]) : 0;
      if (len < kHeaderLen || len > kMaxPacketLen || declared < kHeaderLen || declared > len) {
        ignore(Ignored::kMalformed);
        bump(&KindCounters::malformed);
        continue;
      }
      const PacketCode code = static_cast<PacketCode>(buf[0]);
      if (code != ackCode && code != nakCode) {
        lastCode = packetCodeName(code);
        if (lastCode == "unknown") lastCode = "code " + std::to_string(buf[0]);
        ignore(Ignored::kUnknownType);
        nas.unknownTypes->inc();
        all.unknownTypes->inc();
        continue;
      }
      if (buf[1] != *id) {
        ignore(Ignored::kWrongId);
        bump(&KindCounters::packetsDropped);
        continue;
      }
      core::Result<Packet> reply = decode(buf.data(), len, target.secret, &requestAuthenticator);
      if (!reply.isOk()) {
        if (reply.status().code() == core::Code::kCorrupt) {
          ignore(Ignored::kBadAuthenticator);
          bump(&KindCounters::badAuthenticators);
        } else {
          ignore(Ignored::kMalformed);
          bump(&KindCounters::malformed);
        }
        continue;
      }
      if (target.requireReplyMessageAuthenticator) {
        core::Result<MessageAuthenticatorCheck> ma =
            verifyMessageAuthenticator(buf.data(), len, target.secret, &requestAuthenticator);
        if (!ma.isOk() || *ma != MessageAuthenticatorCheck::kValid) {
          ignore(Ignored::kMissingMessageAuthenticator);
          bump(&KindCounters::packetsDropped);
          continue;
        }
      }
      // RFC 5176 section 6.3: both ends check a present Event-Timestamp against their window.
      if (const Attribute* ts = reply->find(attributes_.eventTimestamp)) {
        // Not 4 octets: the decoder keeps it as raw bytes, and its number would read as 0.
        if (ts->value.kind != Value::Kind::kUint32) {
          ignore(Ignored::kMalformed);
          bump(&KindCounters::malformed);
          continue;
        }
        const int64_t skew = static_cast<int64_t>(ts->value.number) - clock_.unixSeconds();
        if (std::llabs(skew) > kEventTimestampWindow.count()) {
          lastSkew = skew;
          ignore(Ignored::kStaleTimestamp);
          bump(&KindCounters::packetsDropped);
          continue;
        }
      }

      // Accepted.
      uint64_t micros = static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - start).count());
      r.elapsed = elapsed();
      r.replyCode = reply->code;
      if (const Attribute* ec = reply->find(attributes_.errorCause)) {
        r.errorCause = static_cast<uint32_t>(ec->value.number);
        r.errorCauseText = errorCauseText(r.errorCause);
      }
      r.replyAttributes = std::move(reply->attributes);
      nas.roundTripTime->set(micros);
      all.roundTripTime->set(micros);
      std::string cause;
      if (r.errorCause != 0) cause = std::to_string(r.errorCause) + " " + r.errorCauseText;
      if (code == ackCode) {
        r.outcome = DynAuthOutcome::kAck;
        bump(&KindCounters::acks);
        r.message = std::string(packetCodeName(code)) + " from " + where +
                    (cause.empty() ? "" : " (" + cause + ")");
      } else {
        r.outcome = DynAuthOutcome::kNak;
        bump(&KindCounters::naks);
        if (r.errorCause == kErrorCauseSessionContextNotFound) bump(&KindCounters::nakSessionNoContext);
        if (hasAuthorizeOnly(r.replyAttributes, attributes_.serviceType)) bump(&KindCounters::nakAuthOnly);
        r.message = std::string(packetCodeName(code)) + " from " + where + ": " +
                    (cause.empty() ? "no Error-Cause given" : cause);
      }
      r.message += ", id " + std::to_string(*id) + ", after " + transmissionsText(r.attempts) + " in " +
                   durationText(r.elapsed);
      return r;
    }
  }

  r.elapsed = elapsed();
  r.outcome = DynAuthOutcome::kTimeout;
  bump(&KindCounters::timeouts);
  r.message = "no answer to " + std::string(requestName) + " id " + std::to_string(*id) + " from " + where +
              " after " + transmissionsText(r.attempts) + " in " + durationText(r.elapsed);
  if (r.ignoredReplies > 0) {
    std::string parts;
    auto add = [&](Ignored why, const std::string& text) {
      int n = ignored[static_cast<size_t>(why)];
      if (n == 0) return;
      if (!parts.empty()) parts += "; ";
      parts += std::to_string(n) + " " + text;
    };
    add(Ignored::kWrongSource, "from another address or port (last " + lastSource +
                                   "; the NAS must answer from the address and port it was sent to)");
    add(Ignored::kMalformed, "malformed");
    add(Ignored::kUnknownType, "of an unexpected code (last " + lastCode + ")");
    add(Ignored::kWrongId, "with another identifier");
    add(Ignored::kBadAuthenticator, "with a bad authenticator (check the shared secret)");
    add(Ignored::kMissingMessageAuthenticator, "without the required Message-Authenticator");
    add(Ignored::kStaleTimestamp, "with an Event-Timestamp " + std::to_string(lastSkew) +
                                      " s off our clock (RFC 5176 section 6.3 allows " +
                                      std::to_string(kEventTimestampWindow.count()) + " s: check the NAS's clock)");
    r.message += "; ignored " + std::to_string(r.ignoredReplies) + (r.ignoredReplies == 1 ? " reply: " : " replies: ") + parts;
  }
  return r;
}

}  // namespace aaa::radius
