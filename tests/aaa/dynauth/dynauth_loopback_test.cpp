// Whole exchanges of the Dynamic Authorization client (and its per-NAS queue) over real UDP on loopback (IPv4 and IPv6),
// against an in-process responder that signs its replies with the codec: ACK, NAK with Error-Cause,
// silence (the retransmission schedule, same bytes every time), an answer to a retransmission, and
// replies that must be ignored (wrong source port, identifier, code, authenticator, stale
// Event-Timestamp, missing required Message-Authenticator). The independent peer is
// tests/integration/fake_nas.py (dynauth_test.py).
#include <arpa/inet.h>
#include <mbedtls/md.h>
#include <mbedtls/md5.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "aaa/radius/dynauth_client.h"
#include "aaa/radius/dynauth_queue.h"
#include "core/clock.h"
#include "core/counters.h"
#include "tests/aaa/dynauth/dynauth_test_support.h"

#include <CppUTest/TestHarness.h>

using namespace aaa::radius;                  // NOLINT
using namespace aaa::radius::dynauth_testing;  // NOLINT
using std::chrono::milliseconds;

namespace {

const Attributes& kEarlyLoopback = attributes();

int boundSocket(int family, uint16_t* port) {
  int fd = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_storage ss{};
  socklen_t len;
  if (family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&ss);
    in->sin_family = AF_INET;
    in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof(sockaddr_in);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
    in6->sin6_family = AF_INET6;
    in6->sin6_addr = in6addr_loopback;
    len = sizeof(sockaddr_in6);
  }
  ::bind(fd, reinterpret_cast<sockaddr*>(&ss), len);
  socklen_t bl = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &bl);
  *port = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                  : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return fd;
}

// A NAS stand-in on loopback: a thread that hands every datagram to `handler` until destroyed.
class Responder {
 public:
  struct Request {
    std::vector<uint8_t> bytes;
    sockaddr_storage from;
    socklen_t fromLen;
    int seen;  // 1 for the first receipt of these bytes, 2 for the first retransmission, ...
  };
  using Handler = std::function<void(const Request&, Responder&)>;

  Responder(int family, Handler handler) : handler_(std::move(handler)) {
    fd_ = boundSocket(family, &port_);
    uint16_t otherPort = 0;
    otherFd_ = boundSocket(family, &otherPort);
    thread_ = std::thread([this]() { run(); });
  }
  ~Responder() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
    ::close(otherFd_);
  }
  uint16_t port() const { return port_; }

  void reply(const Request& to, const std::vector<uint8_t>& bytes, bool fromOtherPort = false) {
    ::sendto(fromOtherPort ? otherFd_ : fd_, bytes.data(), bytes.size(), 0,
             reinterpret_cast<const sockaddr*>(&to.from), to.fromLen);
  }
  std::vector<std::vector<uint8_t>> received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }

 private:
  void run() {
    std::vector<uint8_t> buf(4096);
    while (!stop_) {
      pollfd pfd{fd_, POLLIN, 0};
      if (::poll(&pfd, 1, 20) <= 0) continue;
      Request r{};
      r.fromLen = sizeof r.from;
      ssize_t n = ::recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&r.from), &r.fromLen);
      if (n <= 0) continue;
      r.bytes.assign(buf.begin(), buf.begin() + n);
      {
        std::lock_guard<std::mutex> lock(mu_);
        received_.push_back(r.bytes);
        r.seen = 0;
        for (const auto& b : received_) r.seen += b == r.bytes ? 1 : 0;
      }
      handler_(r, *this);
    }
  }

  Handler handler_;
  int fd_ = -1;
  int otherFd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::vector<uint8_t>> received_;
  std::thread thread_;
};

Authenticator requestAuthenticatorOf(const std::vector<uint8_t>& request) {
  Authenticator a{};
  std::memcpy(a.data(), request.data() + 4, 16);
  return a;
}

// A reply signed as a NAS would (RFC 5176 sections 2.3, 3.4), optionally with another secret/id/code.
std::vector<uint8_t> signedReply(const std::vector<uint8_t>& request, PacketCode code, uint32_t errorCause = 0,
                                 const std::string& secret = kSecret, int idDelta = 0, bool ma = true,
                                 int64_t eventTimestamp = 0) {
  Packet p;
  p.code = code;
  p.id = static_cast<uint8_t>(request[1] + idDelta);
  if (ma) p.attributes.push_back({attributes().messageAuthenticator, Value::octets(std::string(16, '\0'))});
  if (errorCause != 0) p.attributes.push_back({attributes().errorCause, Value::uint32(errorCause)});
  if (eventTimestamp != 0) {
    p.attributes.push_back({attributes().eventTimestamp, Value::uint32(static_cast<uint32_t>(eventTimestamp))});
  }
  Authenticator req = requestAuthenticatorOf(request);
  core::Result<std::vector<uint8_t>> wire = encode(p, secret, &req);
  return wire.isOk() ? *wire : std::vector<uint8_t>();
}

std::vector<Attribute> bobIdentity() {
  return {{attributes().userName, Value::string("bob")}, {attr("Acct-Session-Id"), Value::string("s-1")}};
}

int64_t total(const core::CounterRegistry& r, const std::string& name) {
  return r.valueOf("radius_dynauth_client_" + name);
}
int64_t perNas(const core::CounterRegistry& r, const std::string& name, const std::string& nas = "nas1") {
  return r.valueOf("radius_dynauth_server_" + name, {{"nas", nas}});
}

// Generous first interval: a loaded build machine must not turn an immediate answer into a
// retransmission.
RetryPolicy quietPolicy() {
  RetryPolicy p;
  p.initial = milliseconds(1000);
  p.maxTransmissions = 2;
  p.maxInterval = milliseconds(1000);
  p.maxDuration = milliseconds(3000);
  p.jitter = 0;
  return p;
}

}  // namespace

TEST_GROUP(DynAuthLoopback) {
  core::CounterRegistry registry;
};

TEST(DynAuthLoopback, DisconnectAckOverIpv4) {
  Responder nas(AF_INET, [](const Responder::Request& r, Responder& self) {
    self.reply(r, signedReply(r.bytes, PacketCode::kDisconnectAck));
  });
  DynAuthClient client(attributes(), registry, quietPolicy());
  DynAuthTarget target{"127.0.0.1", nas.port(), kSecret, "nas1", "", false};
  DynAuthResult r = client.send(target, DynAuthKind::kDisconnect, bobIdentity());
  STRCMP_EQUAL("ack", dynAuthOutcomeName(r.outcome));
  LONGS_EQUAL(1, r.attempts);
  LONGS_EQUAL(0, r.errorCause);
  CHECK(r.replyCode == PacketCode::kDisconnectAck);
  STRCMP_CONTAINS("Disconnect-ACK from nas1 (127.0.0.1:", r.message.c_str());
  CHECK(r.id >= 0 && r.id == nas.received().at(0)[1]);
  LONGS_EQUAL(1, total(registry, "disconnect_requests_total"));
  LONGS_EQUAL(1, total(registry, "disconnect_acks_total"));
  LONGS_EQUAL(1, perNas(registry, "disconnect_requests_total"));
  LONGS_EQUAL(1, perNas(registry, "disconnect_acks_total"));
  LONGS_EQUAL(0, perNas(registry, "disconnect_pending_requests"));
  LONGS_EQUAL(0, perNas(registry, "disconnect_retransmissions_total"));
  LONGS_EQUAL(0, perNas(registry, "coa_requests_total"));
}

TEST(DynAuthLoopback, CoaNakWithSessionContextNotFoundOverIpv6) {
  Responder nas(AF_INET6, [](const Responder::Request& r, Responder& self) {
    self.reply(r, signedReply(r.bytes, PacketCode::kCoaNak, 503));
  });
  DynAuthClient client(attributes(), registry, quietPolicy());
  DynAuthTarget target{"::1", nas.port(), kSecret, "nas1", "", false};
  std::vector<Attribute> changes{{attributes().mikrotikRateLimit, Value::string("5M/20M")}};
  DynAuthResult r = client.send(target, DynAuthKind::kCoa, bobIdentity(), changes);
  STRCMP_EQUAL("nak", dynAuthOutcomeName(r.outcome));
  LONGS_EQUAL(503, r.errorCause);
  STRCMP_EQUAL("Session Context Not Found", r.errorCauseText.c_str());
  STRCMP_CONTAINS("CoA-NAK from nas1 ([::1]:", r.message.c_str());
  STRCMP_CONTAINS("503 Session Context Not Found", r.message.c_str());
  LONGS_EQUAL(1, perNas(registry, "coa_naks_total"));
  LONGS_EQUAL(1, perNas(registry, "coa_nak_session_no_context_total"));
  LONGS_EQUAL(1, total(registry, "coa_nak_session_no_context_total"));
  // The NAS saw the rate change.
  std::vector<uint8_t> req = nas.received().at(0);
  core::Result<Packet> p = decode(req.data(), req.size(), kSecret);
  CHECK_TRUE(p.isOk());
  STRCMP_EQUAL("5M/20M", p->find(attributes().mikrotikRateLimit)->value.bytes.c_str());
}

TEST(DynAuthLoopback, RepliesThatMustBeIgnoredAreCountedAndTheRealOneIsTaken) {
  Responder nas(AF_INET, [](const Responder::Request& r, Responder& self) {
    // In this order, all before the real answer: a correctly signed NAK from another port, a NAK
    // with another identifier, a NAK signed with another secret, a CoA-ACK (wrong code for a
    // Disconnect), a truncated datagram.
    self.reply(r, signedReply(r.bytes, PacketCode::kDisconnectNak, 503), true);
    self.reply(r, signedReply(r.bytes, PacketCode::kDisconnectNak, 503, kSecret, 1));
    self.reply(r, signedReply(r.bytes, PacketCode::kDisconnectNak, 503, "wrong-secret"));
    self.reply(r, signedReply(r.bytes, PacketCode::kCoaAck));
    std::vector<uint8_t> shortOne = signedReply(r.bytes, PacketCode::kDisconnectNak);
    shortOne.resize(12);
    self.reply(r, shortOne);
    self.reply(r, signedReply(r.bytes, PacketCode::kDisconnectAck, 201));
  });
  DynAuthClient client(attributes(), registry, quietPolicy());
  DynAuthTarget target{"127.0.0.1", nas.port(), kSecret, "nas1", "", false};
  DynAuthResult r = client.send(target, DynAuthKind::kDisconnect, bobIdentity());
  STRCMP_EQUAL("ack", dynAuthOutcomeName(r.outcome));
  LONGS_EQUAL(201, r.errorCause);
  STRCMP_CONTAINS("Residual Session Context Removed", r.message.c_str());
  LONGS_EQUAL(5, r.ignoredReplies);
  LONGS_EQUAL(1, perNas(registry, "disconnect_invalid_server_addresses_total"));
  LONGS_EQUAL(1, perNas(registry, "disconnect_packets_dropped_total"));
  LONGS_EQUAL(1, perNas(registry, "disconnect_bad_authenticators_total"));
  LONGS_EQUAL(1, perNas(registry, "unknown_types_total"));
  LONGS_EQUAL(1, perNas(registry, "disconnect_malformed_responses_total"));
  LONGS_EQUAL(1, total(registry, "disconnect_bad_authenticators_total"));
  LONGS_EQUAL(0, perNas(registry, "disconnect_naks_total"));
}

TEST(DynAuthLoopback, SilenceRetransmitsTheSameBytesOnTheScheduleThenTimesOut) {
  Responder nas(AF_INET, [](const Responder::Request&, Responder&) {});
  RetryPolicy p;
  p.initial = milliseconds(60);
  p.maxTransmissions = 3;
  p.maxInterval = milliseconds(100);
  p.maxDuration = milliseconds(400);
  p.jitter = 0;
  // 0, 60, 160 (RT 100 capped), deadline 260.
  DynAuthClient client(attributes(), registry, p);
  DynAuthTarget target{"127.0.0.1", nas.port(), kSecret, "nas1", "", false};
  DynAuthResult r = client.send(target, DynAuthKind::kDisconnect, bobIdentity());
  STRCMP_EQUAL("timeout", dynAuthOutcomeName(r.outcome));
  LONGS_EQUAL(3, r.attempts);
  CHECK(r.elapsed >= milliseconds(260));
  STRCMP_CONTAINS("no answer to Disconnect-Request id ", r.message.c_str());
  STRCMP_CONTAINS("after 3 transmissions", r.message.c_str());
  LONGS_EQUAL(1, perNas(registry, "disconnect_requests_total"));
  LONGS_EQUAL(2, perNas(registry, "disconnect_retransmissions_total"));
  LONGS_EQUAL(1, perNas(registry, "disconnect_timeouts_total"));
  LONGS_EQUAL(0, perNas(registry, "disconnect_pending_requests"));
  // Give the responder a moment to read the last datagram, then: three identical datagrams.
  for (int i = 0; i < 100 && nas.received().size() < 3; ++i) std::this_thread::sleep_for(milliseconds(10));
  std::vector<std::vector<uint8_t>> got = nas.received();
  LONGS_EQUAL(3, got.size());
  CHECK(got[0] == got[1]);
  CHECK(got[1] == got[2]);
}

TEST(DynAuthLoopback, TheAnswerToARetransmissionIsTaken) {
  Responder nas(AF_INET, [](const Responder::Request& r, Responder& self) {
    if (r.seen >= 2) self.reply(r, signedReply(r.bytes, PacketCode::kCoaAck));
  });
  RetryPolicy p = quietPolicy();
  p.initial = milliseconds(300);
  p.maxTransmissions = 3;
  DynAuthClient client(attributes(), registry, p);
  DynAuthTarget target{"127.0.0.1", nas.port(), kSecret, "nas1", "", false};
  DynAuthResult r = client.send(target, DynAuthKind::kCoa, bobIdentity(),
                                {{attributes().mikrotikRateLimit, Value::string("1M/1M")}});
  STRCMP_EQUAL("ack", dynAuthOutcomeName(r.outcome));
  LONGS_EQUAL(2, r.attempts);
  STRCMP_CONTAINS("after 2 transmissions", r.message.c_str());
  LONGS_EQUAL(1, perNas(registry, "coa_retransmissions_total"));
  LONGS_EQUAL(1, perNas(registry, "coa_acks_total"));
}

TEST(DynAuthLoopback, StaleEventTimestampInTheReplyIsIgnored) {
  core::ManualClock clock(1767225600000);
  Responder nas(AF_INET, [](const Responder::Request& r, Responder& self) {
    // 1000 s behind our clock: outside RFC 5176's 300 s window.
    self.reply(r, signedReply(r.bytes, PacketCode::kDisconnectAck, 0, kSecret, 0, true, 1767225600 - 1000));
  });
  RetryPolicy p = quietPolicy();
  p.initial = milliseconds(200);
  p.maxTransmissions = 1;
  DynAuthClient client(attributes(), registry, p, clock);
  DynAuthTarget target{"127.0.0.1", nas.port(), kSecret, "nas1", "", false};
  DynAuthResult r = client.send(target, DynAuthKind::kDisconnect, bobIdentity());
  STRCMP_EQUAL("timeout", dynAuthOutcomeName(r.outcome));
  LONGS_EQUAL(1, r.ignoredReplies);
  STRCMP_CONTAINS("Event-Timestamp -1000 s off our clock", r.message.c_str());
  LONGS_EQUAL(1, perNas(registry, "disconnect_packets_dropped_total"));
}

// Regression (found by fuzzing): an Event-Timestamp that is not 4 octets decodes as raw bytes whose
// number reads 0; it is a malformed reply, not a timestamp of 1970.
TEST(DynAuthLoopback, AnEventTimestampThatIsNotFourOctetsIsMalformed) {
  Responder nas(AF_INET, [](const Responder::Request& r, Responder& self) {
    Packet p;
    p.code = PacketCode::kDisconnectAck;
    p.id = r.bytes[1];
    p.attributes.push_back({attributes().messageAuthenticator, Value::octets(std::string(16, '\0'))});
    p.attributes.push_back({attr("Class"), Value::octets("12345")});  // becomes Event-Timestamp below
    Authenticator req = requestAuthenticatorOf(r.bytes);
    core::Result<std::vector<uint8_t>> wire = encode(p, kSecret, &req);
    if (!wire.isOk()) return;
    std::vector<uint8_t> bytes = *wire;
    if (bytes.size() != 20 + 18 + 7) return;  // header, Message-Authenticator, Class of 5 octets
    bytes.at(38) = 55;                        // the Class becomes an Event-Timestamp
    // Sign again (RFC 5176 3.4 and 3.5): Message-Authenticator over the packet with the request's
    // authenticator, then the Response Authenticator.
    const std::string secret = kSecret;
    std::vector<uint8_t> signing = bytes;
    std::memcpy(signing.data() + 4, req.data(), 16);
    std::memset(signing.data() + 22, 0, 16);
    unsigned char mac[16];
    mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_MD5), reinterpret_cast<const unsigned char*>(secret.data()),
                    secret.size(), signing.data(), signing.size(), mac);
    std::memcpy(bytes.data() + 22, mac, 16);
    std::memcpy(signing.data() + 22, mac, 16);
    signing.insert(signing.end(), secret.begin(), secret.end());
    unsigned char ra[16];
    mbedtls_md5_ret(signing.data(), signing.size(), ra);
    std::memcpy(bytes.data() + 4, ra, 16);
    self.reply(r, bytes);
  });
  RetryPolicy p = quietPolicy();
  p.initial = milliseconds(200);
  p.maxTransmissions = 1;
  DynAuthClient client(attributes(), registry, p);
  DynAuthTarget target{"127.0.0.1", nas.port(), kSecret, "nas1", "", true};
  DynAuthResult r = client.send(target, DynAuthKind::kDisconnect, bobIdentity());
  STRCMP_EQUAL("timeout", dynAuthOutcomeName(r.outcome));
  LONGS_EQUAL(1, r.ignoredReplies);
  LONGS_EQUAL(1, perNas(registry, "disconnect_malformed_responses_total"));
}

TEST(DynAuthLoopback, AWrongSecretTimesOutWithAHint) {
  Responder nas(AF_INET, [](const Responder::Request& r, Responder& self) {
    self.reply(r, signedReply(r.bytes, PacketCode::kDisconnectAck, 0, "not-the-secret"));
  });
  RetryPolicy p = quietPolicy();
  p.initial = milliseconds(200);
  p.maxTransmissions = 1;
  DynAuthClient client(attributes(), registry, p);
  DynAuthTarget target{"127.0.0.1", nas.port(), kSecret, "nas1", "", false};
  DynAuthResult r = client.send(target, DynAuthKind::kDisconnect, bobIdentity());
  STRCMP_EQUAL("timeout", dynAuthOutcomeName(r.outcome));
  STRCMP_CONTAINS("bad authenticator (check the shared secret)", r.message.c_str());
  LONGS_EQUAL(1, perNas(registry, "disconnect_bad_authenticators_total"));
  LONGS_EQUAL(1, perNas(registry, "disconnect_timeouts_total"));
}

TEST(DynAuthLoopback, RequiredMessageAuthenticatorMissingIsIgnored) {
  Responder nas(AF_INET, [](const Responder::Request& r, Responder& self) {
    self.reply(r, signedReply(r.bytes, PacketCode::kDisconnectAck, 0, kSecret, 0, false));
  });
  RetryPolicy p = quietPolicy();
  p.initial = milliseconds(200);
  p.maxTransmissions = 1;
  DynAuthClient client(attributes(), registry, p);
  DynAuthTarget target{"127.0.0.1", nas.port(), kSecret, "nas1", "", true};
  DynAuthResult r = client.send(target, DynAuthKind::kDisconnect, bobIdentity());
  STRCMP_EQUAL("timeout", dynAuthOutcomeName(r.outcome));
  STRCMP_CONTAINS("without the required Message-Authenticator", r.message.c_str());
  // Not required: the same reply is accepted.
  target.requireReplyMessageAuthenticator = false;
  r = client.send(target, DynAuthKind::kDisconnect, bobIdentity());
  STRCMP_EQUAL("ack", dynAuthOutcomeName(r.outcome));
}

TEST(DynAuthLoopback, ConsecutiveRequestsToANasUseDifferentIdentifiersAndPerNasCounters) {
  Responder nas(AF_INET, [](const Responder::Request& r, Responder& self) {
    self.reply(r, signedReply(r.bytes, PacketCode::kDisconnectAck));
  });
  DynAuthClient client(attributes(), registry, quietPolicy());
  DynAuthTarget a{"127.0.0.1", nas.port(), kSecret, "nas-a", "", false};
  DynAuthTarget b{"127.0.0.1", nas.port(), kSecret, "nas-b", "127.0.0.1", false};
  std::set<int> ids;
  for (int i = 0; i < 5; ++i) ids.insert(client.send(a, DynAuthKind::kDisconnect, bobIdentity()).id);
  LONGS_EQUAL(5, ids.size());
  STRCMP_EQUAL("ack", dynAuthOutcomeName(client.send(b, DynAuthKind::kDisconnect, bobIdentity()).outcome));
  LONGS_EQUAL(5, perNas(registry, "disconnect_acks_total", "nas-a"));
  LONGS_EQUAL(1, perNas(registry, "disconnect_acks_total", "nas-b"));
  LONGS_EQUAL(6, total(registry, "disconnect_acks_total"));
  CHECK(registry.valueOf("radius_dynauth_server_round_trip_time_seconds", {{"nas", "nas-a"}}) >= 0);
}

// ---- DynAuthQueue: one worker per NAS (aaa/radius/dynauth_queue.h, ADR 0013) ----

namespace {

// Results as the queue's callbacks deliver them, in order of arrival.
struct Outcomes {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<std::string, DynAuthResult>> got;  // (label, result)

  DynAuthQueue::Done record(const std::string& label) {
    return [this, label](uint64_t, const DynAuthResult& r) {
      std::lock_guard<std::mutex> lock(mu);
      got.emplace_back(label, r);
      cv.notify_all();
    };
  }
  bool waitFor(size_t n, milliseconds timeout = milliseconds(10000)) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, timeout, [&] { return got.size() >= n; });
  }
  std::vector<std::string> labels() {
    std::lock_guard<std::mutex> lock(mu);
    std::vector<std::string> out;
    for (const auto& [label, r] : got) out.push_back(label + ":" + dynAuthOutcomeName(r.outcome));
    return out;
  }
};

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

}  // namespace

TEST_GROUP(DynAuthQueue) {
  core::CounterRegistry registry;
};

// A NAS that never answers delays only itself: a request to another NAS, submitted after it, is
// answered while the first still waits; stop() ends the wait at once.
TEST(DynAuthQueue, ASilentNasDelaysOnlyItself) {
  Responder dead(AF_INET, [](const Responder::Request&, Responder&) {});
  Responder live(AF_INET, [](const Responder::Request& r, Responder& self) {
    self.reply(r, signedReply(r.bytes, PacketCode::kDisconnectAck));
  });
  RetryPolicy p = quietPolicy();
  p.maxDuration = milliseconds(60000);
  p.maxTransmissions = 0;
  DynAuthClient client(attributes(), registry, p);
  DynAuthQueue queue(client, registry);
  Outcomes out;
  DynAuthTarget deadTarget{"127.0.0.1", dead.port(), kSecret, "dead", "", false};
  DynAuthTarget liveTarget{"127.0.0.1", live.port(), kSecret, "live", "", false};
  CHECK_TRUE(queue.submit(deadTarget, DynAuthKind::kDisconnect, bobIdentity(), {}, out.record("dead")).isOk());
  for (int i = 0; i < 500 && dead.received().empty(); ++i) ::usleep(10000);  // the dead NAS's wait began
  CHECK_TRUE(queue.submit(liveTarget, DynAuthKind::kDisconnect, bobIdentity(), {}, out.record("live")).isOk());
  CHECK_TRUE(out.waitFor(1));
  STRCMP_EQUAL("live:ack", joined(out.labels()).c_str());
  LONGS_EQUAL(1, queue.pending("dead"));
  LONGS_EQUAL(2, queue.workers());
  queue.stop();
  CHECK_TRUE(out.waitFor(2, milliseconds(0)));
  STRCMP_EQUAL("live:ack dead:error", joined(out.labels()).c_str());
  STRCMP_CONTAINS("the client is stopping", out.got[1].second.message.c_str());
  // After stop, nothing is sent: refused at once, through the callback too.
  core::Result<uint64_t> late = queue.submit(liveTarget, DynAuthKind::kDisconnect, bobIdentity(), {}, out.record("late"));
  CHECK_FALSE(late.isOk());
  STRCMP_EQUAL("live:ack dead:error late:error", joined(out.labels()).c_str());
}

// Per NAS, first in first out, and bounded: beyond maxQueuedPerNas waiting, a request is refused
// (and counted); an idle worker ends and a new request starts another.
TEST(DynAuthQueue, PerNasOrderLimitAndIdleExit) {
  std::atomic<int> answered{0};
  std::atomic<bool> hold{true};
  Responder nas(AF_INET, [&](const Responder::Request& r, Responder& self) {
    while (hold) ::usleep(1000);  // the first request waits until the test has queued the others
    self.reply(r, signedReply(r.bytes, PacketCode::kDisconnectAck));
    ++answered;
  });
  DynAuthClient client(attributes(), registry, quietPolicy());
  DynAuthQueueOptions options;
  options.maxQueuedPerNas = 2;
  options.idleExit = milliseconds(50);
  DynAuthQueue queue(client, registry, options);
  Outcomes out;
  DynAuthTarget target{"127.0.0.1", nas.port(), kSecret, "nas1", "", false};
  CHECK_TRUE(queue.submit(target, DynAuthKind::kDisconnect, bobIdentity(), {}, out.record("1")).isOk());
  for (int i = 0; i < 500 && nas.received().empty(); ++i) ::usleep(10000);  // 1 is being sent
  CHECK_TRUE(queue.submit(target, DynAuthKind::kDisconnect, bobIdentity(), {}, out.record("2")).isOk());
  CHECK_TRUE(queue.submit(target, DynAuthKind::kDisconnect, bobIdentity(), {}, out.record("3")).isOk());
  core::Result<uint64_t> refused = queue.submit(target, DynAuthKind::kDisconnect, bobIdentity(), {}, out.record("4"));
  CHECK_FALSE(refused.isOk());
  CHECK(refused.status().code() == core::Code::kResourceExhausted);
  LONGS_EQUAL(3, queue.pending("nas1"));
  LONGS_EQUAL(2, registry.valueOf("radius_dynauth_client_queued_requests"));
  hold = false;
  CHECK_TRUE(out.waitFor(4));
  STRCMP_EQUAL("4:error 1:ack 2:ack 3:ack", joined(out.labels()).c_str());
  LONGS_EQUAL(1, registry.valueOf("radius_dynauth_client_queue_refusals_total"));
  LONGS_EQUAL(0, registry.valueOf("radius_dynauth_client_queued_requests"));
  for (int i = 0; i < 200 && queue.workers() != 0; ++i) ::usleep(10000);
  LONGS_EQUAL(0, queue.workers());
  CHECK_TRUE(queue.submit(target, DynAuthKind::kDisconnect, bobIdentity(), {}, out.record("5")).isOk());
  CHECK_TRUE(out.waitFor(5));
  STRCMP_EQUAL("4:error 1:ack 2:ack 3:ack 5:ack", joined(out.labels()).c_str());
}
