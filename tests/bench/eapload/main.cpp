// eapload: an EAP load generator for benchmarks (tests/bench/eap_bench.py, docs/benchmarks.md):
// full or resumed PEAPv0/EAP-MSCHAPv2, EAP-TTLS/PAP or EAP-TLS logins over RADIUS (RFC 3579), many
// in flight, every Access-Accept verified (Response Authenticator, Message-Authenticator,
// EAP-Success, the MS-MPPE keys decrypted and compared with the MSK of the client's own TLS
// session; for PEAP the server's MS-CHAPv2 authenticator response too).
//
// One process, one thread, non-blocking: each of the --concurrency conversations has its own
// connected UDP socket (its own source port, like a NAS port) and runs one login after another;
// epoll waits on all of them. TLS is OpenSSL's client: its P-256 and X25519 are several times
// cheaper than mbedTLS's, so the client's half of each handshake costs less than the server's and
// the server stays the bottleneck (the JSON has the client's CPU per login to check that).
// A request unanswered within --timeout-ms is sent again (same identifier and authenticator, as a
// NAS does), at most --retries times; then the login counts as timed out.
//
// --resume: each conversation first logs in once with a full handshake (not counted), then every
// measured login offers the TLS session of its previous one (session ID or ticket, whichever the
// server gave); logins the server did not resume are counted.
//
// Output: a line "measuring" when the measured run starts (after --resume's warm-up), then one JSON
// line with the counts, the rate, latencies and the client's own CPU per login.
//
// Sources: peer.cpp (the EAP peer), radius.cpp (the RADIUS packets); this file is the loop.
#include <arpa/inet.h>
#include <netdb.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/rand.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/bench/eapload/peer.h"
#include "tests/bench/eapload/radius.h"

namespace bench::eapload {
namespace {

volatile std::sig_atomic_t gStop = 0;
void onSignal(int) { gStop = 1; }

using bench::radload::nowNs;

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 1812;
  std::string secret = "testing123";
  Method method = Method::kPeap;
  uint64_t users = 1;
  std::string userPrefix = "u", passwordPrefix = "p";
  uint32_t concurrency = 16;
  double durationS = 0;
  uint64_t count = 0;
  bool resume = false;
  std::string ca, cert, key, groups;
  uint32_t timeoutMs = 3000;
  uint32_t retries = 3;
  double rate = 0;  // logins/s started on a schedule (open loop); 0 = closed loop
};

void usage(FILE* out) {
  std::fprintf(out,
               "usage: eapload [options]\n\n"
               "EAP logins over RADIUS, every Access-Accept verified (MPPE keys = the client's MSK).\n\n"
               "  --server HOST:PORT     RADIUS auth server (default 127.0.0.1:1812)\n"
               "  --secret S             shared secret (default testing123)\n"
               "  --method peap|ttls|tls PEAPv0/EAP-MSCHAPv2, EAP-TTLS/PAP or EAP-TLS (default peap)\n"
               "  --users N              users PREFIX0..PREFIX(N-1), password pK (default 1)\n"
               "  --user-prefix P, --password-prefix P   (defaults u and p)\n"
               "  --concurrency C        conversations in flight, each on its own socket (default 16)\n"
               "  --duration S | --count N   how long, or how many logins (default --count 100)\n"
               "  --resume               measured logins resume the conversation's previous session\n"
               "  --ca FILE              verify the server's certificate chain against FILE\n"
               "  --cert FILE --key FILE EAP-TLS client certificate and key\n"
               "  --groups LIST          key-exchange groups offered, e.g. X25519:P-256 (default:\n"
               "                         OpenSSL's, as a supplicant on OpenSSL 3 offers)\n"
               "  --timeout-ms MS        resend an unanswered request after MS (default 3000)\n"
               "  --retries N            resends before the login times out (default 3)\n"
               "  --rate R               open loop: start R logins/s on a schedule, on free\n"
               "                         conversations (default: closed loop, all C busy)\n\n"
               "Output: one JSON line. Exit 1 when a login failed or an answer did not verify,\n"
               "2 on usage errors.\n");
}

bool parseOptions(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    auto number = [&](uint64_t* out) {
      const char* v = value();
      char* end = nullptr;
      if (v == nullptr || *v == '-' || *v == '\0') return false;
      *out = std::strtoull(v, &end, 10);
      return *end == '\0';
    };
    uint64_t n = 0;
    bool ok = true;
    if (a == "--help" || a == "-h") {
      usage(stdout);
      std::exit(0);
    } else if (a == "--server") {
      const char* v = value();
      const char* colon = v ? std::strrchr(v, ':') : nullptr;
      ok = colon != nullptr;
      if (ok) {
        o->host.assign(v, colon);
        o->port = static_cast<uint16_t>(std::atoi(colon + 1));
        ok = o->port != 0;
      }
    } else if (a == "--secret") {
      const char* v = value();
      ok = v != nullptr && *v != '\0';
      if (ok) o->secret = v;
    } else if (a == "--method") {
      const char* v = value();
      std::string m = v ? v : "";
      ok = m == "peap" || m == "ttls" || m == "tls";
      o->method = m == "ttls" ? Method::kTtls : m == "tls" ? Method::kTls : Method::kPeap;
    } else if (a == "--users") {
      ok = number(&n) && n > 0;
      o->users = n;
    } else if (a == "--user-prefix" || a == "--password-prefix" || a == "--ca" || a == "--cert" || a == "--key" ||
               a == "--groups") {
      const char* v = value();
      ok = v != nullptr;
      if (ok) {
        std::string& dst = a == "--user-prefix" ? o->userPrefix
                           : a == "--password-prefix" ? o->passwordPrefix
                           : a == "--ca" ? o->ca
                           : a == "--cert" ? o->cert
                           : a == "--key"  ? o->key
                                           : o->groups;
        dst = v;
      }
    } else if (a == "--concurrency") {
      ok = number(&n) && n > 0 && n <= 4096;
      o->concurrency = static_cast<uint32_t>(n);
    } else if (a == "--duration") {
      const char* v = value();
      o->durationS = v ? std::atof(v) : 0;
      ok = o->durationS > 0;
    } else if (a == "--count") {
      ok = number(&n) && n > 0;
      o->count = n;
    } else if (a == "--rate") {
      const char* v = value();
      o->rate = v ? std::atof(v) : 0;
      ok = o->rate > 0;
    } else if (a == "--resume") {
      o->resume = true;
    } else if (a == "--timeout-ms") {
      ok = number(&n) && n > 0;
      o->timeoutMs = static_cast<uint32_t>(n);
    } else if (a == "--retries") {
      ok = number(&n);
      o->retries = static_cast<uint32_t>(n);
    } else {
      ok = false;
    }
    if (!ok) {
      std::fprintf(stderr, "eapload: bad or missing value for %s\n", a.c_str());
      return false;
    }
  }
  if (o->durationS == 0 && o->count == 0) o->count = 100;
  if (o->method == Method::kTls && o->cert.empty()) {
    std::fprintf(stderr, "eapload: --method tls needs --cert and --key\n");
    return false;
  }
  return true;
}

struct Stats {
  uint64_t started = 0, accepted = 0, rejected = 0, failed = 0, timeouts = 0;
  uint64_t retransmits = 0, badAnswers = 0, staleAnswers = 0, roundTrips = 0;
  uint64_t resumed = 0, notResumed = 0, warmupFailed = 0, missedStarts = 0;
  std::vector<uint32_t> latencyUs;
  std::map<std::string, uint64_t> reasons;
  std::string cipher;
};

struct Conversation {
  int fd = -1;
  uint32_t index = 0;
  uint64_t user = 0;
  bool warmup = false;  // --resume: the full login that gets the first session
  std::unique_ptr<Peer> peer;
  SSL_SESSION* session = nullptr;
  std::string state;
  uint8_t id = 0;
  uint8_t requestAuth[16] = {};
  std::vector<uint8_t> packet;
  uint64_t loginStartNs = 0, sentNs = 0;
  uint32_t tries = 0;
  bool active = false;
};

class Loop {
 public:
  Loop(const Options& o, TlsClient& tls) : o_(o), tls_(tls), crypto_(o.secret) {}

  bool open() {
    addrinfo hints{}, *res = nullptr;
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_DGRAM;
    if (getaddrinfo(o_.host.c_str(), std::to_string(o_.port).c_str(), &hints, &res) != 0 || res == nullptr) {
      std::fprintf(stderr, "eapload: cannot resolve %s\n", o_.host.c_str());
      return false;
    }
    epoll_ = epoll_create1(0);
    convs_.resize(o_.concurrency);
    for (uint32_t i = 0; i < o_.concurrency; ++i) {
      Conversation& c = convs_[i];
      c.index = i;
      c.fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (c.fd < 0 || connect(c.fd, res->ai_addr, res->ai_addrlen) != 0) {
        std::perror("eapload: socket");
        freeaddrinfo(res);
        return false;
      }
      RAND_bytes(&c.id, 1);
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u32 = i;
      epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev);
    }
    freeaddrinfo(res);
    return true;
  }

  // The warm-up of --resume: one full login per conversation, keeping its session.
  bool warmUp() {
    for (auto& c : convs_) {
      c.warmup = true;
      startLogin(c);
    }
    while (std::any_of(convs_.begin(), convs_.end(), [](const Conversation& c) { return c.active; }) && !gStop) poll();
    for (auto& c : convs_)
      if (c.session == nullptr) ++stats_.warmupFailed;
    return stats_.warmupFailed == 0;
  }

  void run() {
    t0_ = nowNs();
    deadline_ = o_.durationS > 0 ? t0_ + static_cast<uint64_t>(o_.durationS * 1e9) : UINT64_MAX;
    for (auto& c : convs_) c.warmup = false;
    if (o_.rate > 0) {
      interval_ = static_cast<uint64_t>(1e9 / o_.rate);
      nextStart_ = t0_;
    } else {
      for (auto& c : convs_)
        if (more()) startLogin(c);
    }
    while (std::any_of(convs_.begin(), convs_.end(), [](const Conversation& c) { return c.active; }) ||
           (o_.rate > 0 && more())) {
      if (gStop) break;
      if (o_.rate > 0) scheduled();
      poll();
    }
    elapsedNs_ = std::max<uint64_t>(1, nowNs() - t0_);
  }

  void report(double cpuS) {
    std::vector<uint32_t> lat = stats_.latencyUs;
    std::sort(lat.begin(), lat.end());
    auto pct = [&](double q) -> double {
      if (lat.empty()) return 0;
      size_t rank = std::min(lat.size(), std::max<size_t>(1, static_cast<size_t>(q * lat.size() + 0.999999)));
      return lat[rank - 1] / 1000.0;
    };
    double secs = elapsedNs_ / 1e9;
    std::string reasons;
    for (auto& [why, n] : stats_.reasons) {
      std::string esc;
      for (char ch : why) esc += (ch == '"' || ch == '\\') ? ' ' : (static_cast<unsigned char>(ch) < 32 ? ' ' : ch);
      reasons += (reasons.empty() ? "" : ",") + std::string("\"") + esc + "\":" + std::to_string(n);
    }
    std::printf(
        "{\"method\":\"%s\",\"resume\":%s,\"concurrency\":%u,\"logins\":%llu,\"accepted\":%llu,\"rejected\":%llu,"
        "\"failed\":%llu,\"timeouts\":%llu,\"retransmits\":%llu,\"bad_answers\":%llu,\"stale_answers\":%llu,"
        "\"round_trips\":%llu,\"resumed\":%llu,\"not_resumed\":%llu,\"warmup_failed\":%llu,\"missed_starts\":%llu,"
        "\"elapsed_s\":%.3f,"
        "\"rate\":%.1f,\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"client_cpu_us_per_login\":%.1f,\"cipher\":\"%s\","
        "\"reasons\":{%s}}\n",
        methodName(o_.method), o_.resume ? "true" : "false", o_.concurrency,
        static_cast<unsigned long long>(stats_.started), static_cast<unsigned long long>(stats_.accepted),
        static_cast<unsigned long long>(stats_.rejected), static_cast<unsigned long long>(stats_.failed),
        static_cast<unsigned long long>(stats_.timeouts), static_cast<unsigned long long>(stats_.retransmits),
        static_cast<unsigned long long>(stats_.badAnswers), static_cast<unsigned long long>(stats_.staleAnswers),
        static_cast<unsigned long long>(stats_.roundTrips), static_cast<unsigned long long>(stats_.resumed),
        static_cast<unsigned long long>(stats_.notResumed), static_cast<unsigned long long>(stats_.warmupFailed),
        static_cast<unsigned long long>(stats_.missedStarts), secs, stats_.accepted / secs, pct(0.5), pct(0.99),
        stats_.started ? cpuS * 1e6 / static_cast<double>(stats_.started) : 0.0, stats_.cipher.c_str(),
        reasons.c_str());
  }

  bool clean() const {
    return stats_.accepted == stats_.started && stats_.badAnswers == 0 && stats_.warmupFailed == 0 &&
           (!o_.resume || stats_.notResumed == 0);
  }

 private:
  // Open loop: the logins due by now, each on a free conversation (a due login without one is
  // counted as missed: the server is slower than the rate).
  void scheduled() {
    uint64_t now = nowNs();
    while (nextStart_ <= now && more()) {
      nextStart_ += interval_;
      auto free = std::find_if(convs_.begin(), convs_.end(), [](const Conversation& c) { return !c.active; });
      if (free == convs_.end()) {
        ++stats_.missedStarts;
      } else {
        startLogin(*free);
      }
    }
  }

  bool more() const {
    if (gStop) return false;
    if (o_.count) return stats_.started < o_.count;
    return nowNs() < deadline_;
  }

  void startLogin(Conversation& c) {
    if (o_.resume) {
      c.user = c.index % o_.users;  // a session belongs to its user
    } else {
      c.user = nextUser_++ % o_.users;
    }
    std::string user = o_.userPrefix + std::to_string(c.user);
    std::string pw = o_.passwordPrefix + std::to_string(c.user);
    c.peer = std::make_unique<Peer>(tls_, o_.method, user, pw, o_.resume && !c.warmup ? c.session : nullptr);
    c.state.clear();
    c.active = true;
    c.loginStartNs = nowNs();
    if (!c.warmup) ++stats_.started;
    send(c, c.peer->start());
  }

  void send(Conversation& c, const std::vector<uint8_t>& eap) {
    ++c.id;
    RAND_bytes(c.requestAuth, 16);
    NasIdentity nas;
    nas.nasPort = c.index;
    char mac[32];
    std::snprintf(mac, sizeof mac, "02-00-00-00-%02X-%02X", (c.index >> 8) & 0xff, c.index & 0xff);
    nas.callingStationId = mac;
    if (!buildAccessRequest(crypto_, c.id, c.requestAuth, userOf(c), nas, c.state,
                            eap, &c.packet)) {
      c.peer->fail("EAP-Response does not fit a RADIUS packet");
      finish(c);
      return;
    }
    c.tries = 0;
    transmit(c);
  }

  std::string userOf(const Conversation& c) const { return o_.userPrefix + std::to_string(c.user); }

  void transmit(Conversation& c) {
    c.sentNs = nowNs();
    if (::send(c.fd, c.packet.data(), c.packet.size(), 0) < 0) {
      // ECONNREFUSED (an ICMP error from an earlier datagram) or a full buffer: the timer resends.
    }
  }

  void poll() {
    epoll_event events[256];
    int waitMs = 20;
    if (o_.rate > 0) {
      uint64_t now = nowNs();
      waitMs = nextStart_ <= now ? 0 : static_cast<int>(std::min<uint64_t>(20, (nextStart_ - now) / 1'000'000));
    }
    int n = epoll_wait(epoll_, events, 256, waitMs);
    for (int k = 0; k < n; ++k) receive(convs_[events[k].data.u32]);
    uint64_t now = nowNs();  // after the sends above (sentNs must not be later than now)
    if (now - lastScan_ > 20'000'000) {
      lastScan_ = now;
      uint64_t timeout = uint64_t{o_.timeoutMs} * 1'000'000;
      for (auto& c : convs_) {
        if (!c.active || now - c.sentNs < timeout) continue;
        if (c.tries++ < o_.retries) {
          ++stats_.retransmits;
          transmit(c);
        } else {
          if (!c.warmup) ++stats_.timeouts;
          c.peer->fail("timed out");
          finish(c);
        }
      }
    }
  }

  void receive(Conversation& c) {
    uint8_t buf[4096];
    for (;;) {
      ssize_t n = recv(c.fd, buf, sizeof buf, 0);
      if (n < 0) return;
      if (!c.active || n < 20 || buf[1] != c.id) {
        ++stats_.staleAnswers;  // an answer to a resent request, or after the login ended
        continue;
      }
      Answer a;
      std::string why;
      if (!readAnswer(crypto_, o_.secret, buf, static_cast<size_t>(n), c.id, c.requestAuth, &a, &why)) {
        ++stats_.badAnswers;
        c.peer->fail("answer failed verification: " + why);
        finish(c);
        continue;
      }
      ++stats_.roundTrips;
      if (a.code == 11) {
        c.state = a.state;
        std::vector<uint8_t> next = c.peer->onRequest(a.eap.data(), a.eap.size());
        if (next.empty()) {
          finish(c);
        } else {
          send(c, next);
        }
      } else if (a.code == 2) {
        c.peer->onAccept(a.eap.data(), a.eap.size(), a.mppeRecvKey, a.mppeSendKey);
        finish(c);
      } else {
        c.peer->onReject();
        finish(c);
      }
    }
  }

  void finish(Conversation& c) {
    c.active = false;
    Peer& p = *c.peer;
    if (p.state() == Peer::State::kAccepted) {
      SSL_SESSION* s = p.session();
      if (s != nullptr) {
        SSL_SESSION_free(c.session);
        c.session = s;
      }
      if (!c.warmup) {
        ++stats_.accepted;
        stats_.latencyUs.push_back(static_cast<uint32_t>(std::min<uint64_t>((nowNs() - c.loginStartNs) / 1000, UINT32_MAX)));
        if (p.resumed()) {
          ++stats_.resumed;
        } else if (o_.resume) {
          ++stats_.notResumed;
        }
        if (stats_.cipher.empty()) stats_.cipher = p.cipher();
      }
    } else if (!c.warmup) {
      if (p.state() == Peer::State::kRejected) {
        ++stats_.rejected;
        ++stats_.reasons["Access-Reject"];
      } else {
        ++stats_.failed;
        ++stats_.reasons[p.why()];
      }
    } else {
      ++stats_.reasons["warm-up: " + (p.state() == Peer::State::kRejected ? std::string("Access-Reject") : p.why())];
    }
    c.peer.reset();
    if (!c.warmup && o_.rate == 0 && more()) startLogin(c);
  }

  const Options& o_;
  TlsClient& tls_;
  Crypto crypto_;
  std::vector<Conversation> convs_;
  int epoll_ = -1;
  uint64_t nextUser_ = 0;
  uint64_t t0_ = 0, deadline_ = 0, elapsedNs_ = 1, lastScan_ = 0;
  uint64_t interval_ = 0, nextStart_ = 0;
  Stats stats_;
};

double cpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace
}  // namespace bench::eapload

int main(int argc, char** argv) {
  using namespace bench::eapload;
  Options o;
  if (!parseOptions(argc, argv, &o)) {
    usage(stderr);
    return 2;
  }
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  std::signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<TlsClient> tls(TlsClient::create(o.ca, o.cert, o.key, o.groups));
  if (!tls) return 2;
  Loop loop(o, *tls);
  if (!loop.open()) return 2;
  if (o.resume) loop.warmUp();
  // The measured run starts now (a benchmark reads the server's CPU time when it sees this line).
  std::printf("measuring\n");
  std::fflush(stdout);
  double cpu0 = cpuSeconds();
  loop.run();
  loop.report(cpuSeconds() - cpu0);
  return loop.clean() ? 0 : 1;
}
