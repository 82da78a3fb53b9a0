// radload: a RADIUS load generator for benchmarks (tests/bench, docs/benchmarks.md): Access-Requests
// (--mode auth, the default) or Accounting-Requests (--mode acct).
//
// It is deliberately independent of our codec (aaa/radius): packets are encoded and replies verified
// here with nothing but mbedTLS MD5 / HMAC-MD5, so a bug in the codec cannot hide itself by being on
// both ends of the benchmark. Single-threaded, non-blocking, epoll over a few connected UDP sockets
// (at most 64 of each socket's 256 identifiers outstanding), sendmmsg/recvmmsg in batches; meant
// to be pinned to a core.
//
// Every reply is verified: Response Authenticator (RFC 2865 3), Message-Authenticator when present
// (RFC 3579 3.2; replies without one are counted) and the expected code. Nothing is retransmitted: a
// request not answered within --timeout-ms is a timeout. The result is one JSON line on stdout.
//
// Accounting mode (RFC 2866): --sessions N sessions run side by side, each a Start, --interims
// Interim-Updates with growing 64-bit counters (Octets + Gigawords), then a Stop with
// Acct-Terminate-Cause; a stopped session is replaced by a new one. A session's next record is sent
// only after its previous one was acknowledged (like a NAS); a record that timed out is sent again
// as a new request (new identifier, Acct-Delay-Time = seconds since its first attempt). Sessions
// begin at random points of their life (a fleet that was already running), so the mix of Starts,
// Interims and Stops is the steady one from the first request. The JSON counts what was acknowledged
// (sessions with at least one acknowledged record, Starts, Interims, Stops) and what is uncertain
// (timed out, never acknowledged): the benchmark checks the server's database against these.
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <mbedtls/md.h>
#include <mbedtls/md5.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

constexpr uint8_t kAccessRequest = 1;
constexpr uint8_t kAccessAccept = 2;
constexpr uint8_t kAccessReject = 3;
constexpr uint8_t kAccountingRequest = 4;
constexpr uint8_t kAccountingResponse = 5;
constexpr uint8_t kAttrUserName = 1;
constexpr uint8_t kAttrUserPassword = 2;
constexpr uint8_t kAttrNasIpAddress = 4;
constexpr uint8_t kAttrNasPort = 5;
constexpr uint8_t kAttrFramedIpAddress = 8;
constexpr uint8_t kAttrCallingStationId = 31;
constexpr uint8_t kAttrAcctStatusType = 40;
constexpr uint8_t kAttrAcctDelayTime = 41;
constexpr uint8_t kAttrAcctInputOctets = 42;
constexpr uint8_t kAttrAcctOutputOctets = 43;
constexpr uint8_t kAttrAcctSessionId = 44;
constexpr uint8_t kAttrAcctSessionTime = 46;
constexpr uint8_t kAttrAcctInputPackets = 47;
constexpr uint8_t kAttrAcctOutputPackets = 48;
constexpr uint8_t kAttrAcctTerminateCause = 49;
constexpr uint8_t kAttrAcctInputGigawords = 52;
constexpr uint8_t kAttrAcctOutputGigawords = 53;
constexpr uint8_t kAttrEventTimestamp = 55;
constexpr uint8_t kAttrNasPortType = 61;
constexpr uint32_t kStatusStart = 1;
constexpr uint32_t kStatusStop = 2;
constexpr uint32_t kStatusInterimUpdate = 3;
constexpr uint32_t kNasPortTypeEthernet = 15;
// Accounting: the NAS's interim interval, as reflected in Acct-Session-Time (seconds).
constexpr uint32_t kInterimIntervalS = 300;
constexpr uint8_t kAttrMessageAuthenticator = 80;
constexpr size_t kHeaderSize = 20;
constexpr size_t kMaxPacket = 4096;
constexpr size_t kIdsPerSocket = 256;
// At most a quarter of a socket's identifiers are in flight, so an identifier rests for at least 192
// requests on its socket before it is reused (see IdRing).
constexpr uint32_t kMaxInFlightPerSocket = 64;
constexpr size_t kBatch = 64;
constexpr uint32_t kMaxLatencyNs = 0xffffffffu;
// Open loop: a send due sooner than this is waited for by spinning, not sleeping (radload has a
// core of its own; a sleep and wake-up costs several microseconds and as much jitter).
constexpr uint64_t kSpinNs = 100000;

volatile std::sig_atomic_t gStop = 0;

void onSignal(int) { gStop = 1; }

enum class Expect { kAccept, kReject, kAny };
enum class Mode { kAuth, kAcct };

struct Options {
  std::string serverHost = "127.0.0.1";
  uint16_t serverPort = 1812;
  std::string secret = "testing123";
  uint64_t users = 1000;
  std::string userPrefix = "u";
  std::string passwordPrefix = "p";
  uint32_t concurrency = 64;
  double durationS = 0;
  uint64_t count = 0;
  double rate = 0;  // requests/s; 0 = closed loop
  Expect expect = Expect::kAccept;
  uint32_t timeoutMs = 1000;
  std::string nasIp = "127.0.0.1";
  uint64_t seed = 0;
  double stallProbeS = 0;  // > 0: only measure this core's pauses (see stallProbe)
  Mode mode = Mode::kAuth;
  uint32_t sessions = 10000;  // acct: sessions side by side
  uint32_t interims = 4;      // acct: Interim-Updates per session between its Start and Stop
  std::string sessionPrefix;  // acct: Acct-Session-Id prefix (default: random per run)
};

void usage(FILE* out) {
  std::fprintf(out,
               "usage: radload [options]\n"
               "\n"
               "Sends PAP Access-Requests (Message-Authenticator first) or Accounting-Requests and\n"
               "verifies every reply.\n"
               "\n"
               "  --mode auth|acct         Access-Requests (default) or Accounting-Requests (RFC 2866)\n"
               "  --server HOST:PORT       server (default 127.0.0.1:1812)\n"
               "  --secret S               shared secret (default testing123)\n"
               "  --users N                users are PREFIX0 .. PREFIX(N-1), picked at random (default 1000)\n"
               "  --user-prefix P          user name prefix (default u)\n"
               "  --password-prefix P      password prefix: user uK has password pK (default p)\n"
               "  --concurrency C          requests outstanding at most (default 64); one UDP socket\n"
               "                           per 64, each cycling through its 256 identifiers\n"
               "  --duration S             send for S seconds (default 5 unless --count)\n"
               "  --count N                send N requests\n"
               "  --rate R                 open loop: send R requests/s on a fixed schedule\n"
               "                           (default: closed loop, C outstanding at all times)\n"
               "  --expect accept|reject|any  expected reply code (default accept)\n"
               "  --timeout-ms MS          a request unanswered after MS is a timeout (default 1000)\n"
               "  --nas-ip A.B.C.D         NAS-IP-Address (default 127.0.0.1)\n"
               "  --seed N                 random seed (default: from the clock)\n"
               "  --stall-probe S          send nothing: spin S seconds on this core and report how\n"
               "                           long it was taken away (vCPU pauses, other tasks)\n"
               "\n"
               "Accounting mode (--mode acct; --expect does not apply, Accounting-Response expected):\n"
               "  --sessions N             sessions side by side (default 10000); users picked at\n"
               "                           random from --users\n"
               "  --interims K             Interim-Updates per session between Start and Stop\n"
               "                           (default 4: a mix of 1 Start, 4 Interims, 1 Stop)\n"
               "  --session-prefix P       Acct-Session-Id is P-XXXXXXXX (default: random per run;\n"
               "                           give a unique one per run against the same database)\n"
               "\n"
               "Output: one JSON line. Exit status 1 when a reply failed verification or had the\n"
               "wrong code, 2 on usage errors, 0 otherwise (timeouts are reported, not fatal).\n");
}

bool parseUnsigned(const char* text, uint64_t* out) {
  if (text == nullptr || *text == '\0') return false;
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || end == nullptr || *end != '\0' || text[0] == '-') return false;
  *out = v;
  return true;
}

bool parseDouble(const char* text, double* out) {
  if (text == nullptr || *text == '\0') return false;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text, &end);
  if (errno != 0 || end == nullptr || *end != '\0' || !(v >= 0)) return false;
  *out = v;
  return true;
}

// Returns false (after printing why) on a usage error.
bool parseOptions(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      usage(stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "radload: %s needs a value (or is unknown)\n", arg.c_str());
      return false;
    }
    const char* value = argv[++i];
    uint64_t n = 0;
    bool ok = true;
    if (arg == "--server") {
      std::string v = value;
      size_t colon = v.rfind(':');
      ok = colon != std::string::npos && parseUnsigned(v.c_str() + colon + 1, &n) && n > 0 && n < 65536;
      if (ok) {
        o->serverHost = v.substr(0, colon);
        o->serverPort = static_cast<uint16_t>(n);
      }
    } else if (arg == "--secret") {
      o->secret = value;
      ok = !o->secret.empty();
    } else if (arg == "--users") {
      ok = parseUnsigned(value, &o->users) && o->users > 0;
    } else if (arg == "--user-prefix") {
      o->userPrefix = value;
    } else if (arg == "--password-prefix") {
      o->passwordPrefix = value;
    } else if (arg == "--concurrency") {
      ok = parseUnsigned(value, &n) && n > 0 && n <= 65536;
      o->concurrency = static_cast<uint32_t>(n);
    } else if (arg == "--duration") {
      ok = parseDouble(value, &o->durationS) && o->durationS > 0;
    } else if (arg == "--count") {
      ok = parseUnsigned(value, &o->count) && o->count > 0;
    } else if (arg == "--rate") {
      ok = parseDouble(value, &o->rate) && o->rate > 0;
    } else if (arg == "--expect") {
      std::string v = value;
      if (v == "accept") o->expect = Expect::kAccept;
      else if (v == "reject") o->expect = Expect::kReject;
      else if (v == "any") o->expect = Expect::kAny;
      else ok = false;
    } else if (arg == "--timeout-ms") {
      ok = parseUnsigned(value, &n) && n > 0 && n <= 60000;
      o->timeoutMs = static_cast<uint32_t>(n);
    } else if (arg == "--nas-ip") {
      in_addr a{};
      ok = inet_pton(AF_INET, value, &a) == 1;
      o->nasIp = value;
    } else if (arg == "--seed") {
      ok = parseUnsigned(value, &o->seed);
    } else if (arg == "--stall-probe") {
      ok = parseDouble(value, &o->stallProbeS) && o->stallProbeS > 0;
    } else if (arg == "--mode") {
      std::string v = value;
      if (v == "auth") o->mode = Mode::kAuth;
      else if (v == "acct") o->mode = Mode::kAcct;
      else ok = false;
    } else if (arg == "--sessions") {
      ok = parseUnsigned(value, &n) && n > 0 && n <= 10000000;
      o->sessions = static_cast<uint32_t>(n);
    } else if (arg == "--interims") {
      ok = parseUnsigned(value, &n) && n <= 1000;
      o->interims = static_cast<uint32_t>(n);
    } else if (arg == "--session-prefix") {
      o->sessionPrefix = value;
      ok = !o->sessionPrefix.empty() && o->sessionPrefix.size() <= 200;
    } else {
      std::fprintf(stderr, "radload: unknown option %s\n", arg.c_str());
      return false;
    }
    if (!ok) {
      std::fprintf(stderr, "radload: bad value for %s: '%s'\n", arg.c_str(), value);
      return false;
    }
  }
  if (o->durationS == 0 && o->count == 0) o->durationS = 5;
  // The longest user/password is prefix + 20 digits; RFC 2865 5.2 caps the password at 128 octets
  // and 5.1 the attribute at 253.
  if (o->userPrefix.size() + 20 > 253 || o->passwordPrefix.size() + 20 > 128) {
    std::fprintf(stderr, "radload: prefixes too long\n");
    return false;
  }
  return true;
}

uint64_t nowNs() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

// splitmix64: fast and good enough for picking users and filling Request Authenticators in a
// benchmark (a real client must use a CSPRNG for the authenticator, RFC 2865 3).
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return next() % n; }

 private:
  uint64_t state_;
};

size_t writeDecimal(uint64_t v, uint8_t* out) {
  uint8_t tmp[20];
  size_t n = 0;
  do {
    tmp[n++] = static_cast<uint8_t>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (size_t i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
  return n;
}

// MD5 and HMAC-MD5 on mbedTLS 2.28's non-deprecated (*_ret) MD5 API. HMAC (RFC 2104) is composed
// here so the inner and outer pad blocks of the secret are hashed once, not per packet: that saves
// two of the six MD5 blocks a packet costs, and radload must stay well ahead of the server it loads.
// selfTest() checks the composition against mbedtls_md_hmac and RFC 2202's vector.
class Crypto {
 public:
  explicit Crypto(const std::string& secret) : secret_(secret) {
    uint8_t key[64] = {};
    if (secret.size() > sizeof key) {
      mbedtls_md5_ret(reinterpret_cast<const uint8_t*>(secret.data()), secret.size(), key);
    } else {
      std::memcpy(key, secret.data(), secret.size());
    }
    uint8_t pad[64];
    mbedtls_md5_init(&inner_);
    mbedtls_md5_init(&outer_);
    for (size_t i = 0; i < sizeof pad; ++i) pad[i] = static_cast<uint8_t>(key[i] ^ 0x36);
    mbedtls_md5_starts_ret(&inner_);
    mbedtls_md5_update_ret(&inner_, pad, sizeof pad);
    for (size_t i = 0; i < sizeof pad; ++i) pad[i] = static_cast<uint8_t>(key[i] ^ 0x5c);
    mbedtls_md5_starts_ret(&outer_);
    mbedtls_md5_update_ret(&outer_, pad, sizeof pad);
  }
  ~Crypto() {
    mbedtls_md5_free(&inner_);
    mbedtls_md5_free(&outer_);
  }
  Crypto(const Crypto&) = delete;
  Crypto& operator=(const Crypto&) = delete;

  // MD5(secret + block): the User-Password keystream (RFC 2865 5.2).
  void md5SecretThen(const uint8_t* block, uint8_t out[16]) {
    mbedtls_md5_context c;
    mbedtls_md5_init(&c);
    mbedtls_md5_starts_ret(&c);
    mbedtls_md5_update_ret(&c, reinterpret_cast<const uint8_t*>(secret_.data()), secret_.size());
    mbedtls_md5_update_ret(&c, block, 16);
    mbedtls_md5_finish_ret(&c, out);
    mbedtls_md5_free(&c);
  }

  // MD5(code+id+length + requestAuth + attributes + secret): the Response Authenticator (RFC 2865 3).
  void responseAuthenticator(const uint8_t* packet, size_t length, const uint8_t requestAuth[16],
                             uint8_t out[16]) {
    mbedtls_md5_context c;
    mbedtls_md5_init(&c);
    mbedtls_md5_starts_ret(&c);
    mbedtls_md5_update_ret(&c, packet, 4);
    mbedtls_md5_update_ret(&c, requestAuth, 16);
    mbedtls_md5_update_ret(&c, packet + kHeaderSize, length - kHeaderSize);
    mbedtls_md5_update_ret(&c, reinterpret_cast<const uint8_t*>(secret_.data()), secret_.size());
    mbedtls_md5_finish_ret(&c, out);
    mbedtls_md5_free(&c);
  }

  // MD5(code+id+length + 16 zero octets + attributes + secret): the Accounting-Request's Request
  // Authenticator (RFC 2866 3), written into the header.
  void signAccountingRequest(uint8_t* packet, size_t length) {
    static const uint8_t kZero[16] = {};
    mbedtls_md5_context c;
    mbedtls_md5_init(&c);
    mbedtls_md5_starts_ret(&c);
    mbedtls_md5_update_ret(&c, packet, 4);
    mbedtls_md5_update_ret(&c, kZero, 16);
    mbedtls_md5_update_ret(&c, packet + kHeaderSize, length - kHeaderSize);
    mbedtls_md5_update_ret(&c, reinterpret_cast<const uint8_t*>(secret_.data()), secret_.size());
    mbedtls_md5_finish_ret(&c, packet + 4);
    mbedtls_md5_free(&c);
  }

  // HMAC-MD5(secret, packet) over the packet as given (the caller zeroed the Message-Authenticator
  // value and put the right authenticator in the header, RFC 3579 3.2).
  void hmac(const uint8_t* packet, size_t length, uint8_t out[16]) {
    uint8_t innerHash[16];
    mbedtls_md5_context c;
    mbedtls_md5_init(&c);
    mbedtls_md5_clone(&c, &inner_);
    mbedtls_md5_update_ret(&c, packet, length);
    mbedtls_md5_finish_ret(&c, innerHash);
    mbedtls_md5_clone(&c, &outer_);
    mbedtls_md5_update_ret(&c, innerHash, sizeof innerHash);
    mbedtls_md5_finish_ret(&c, out);
    mbedtls_md5_free(&c);
  }

  // The composed HMAC against mbedTLS's own and against RFC 2202 test case 2.
  static bool selfTest(const std::string& secret) {
    static const uint8_t kRfc2202[16] = {0x75, 0x0c, 0x78, 0x3e, 0x6a, 0xb0, 0xb5, 0x03,
                                         0xea, 0xa8, 0x6e, 0x31, 0x0a, 0x5d, 0xb7, 0x38};
    const std::string data = "what do ya want for nothing?";
    const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
    uint8_t ours[16], theirs[16];
    Crypto(std::string("Jefe")).hmac(bytes, data.size(), ours);
    if (std::memcmp(ours, kRfc2202, 16) != 0) return false;
    Crypto(secret).hmac(bytes, data.size(), ours);
    if (mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_MD5), reinterpret_cast<const uint8_t*>(secret.data()),
                        secret.size(), bytes, data.size(), theirs) != 0)
      return false;
    return std::memcmp(ours, theirs, 16) == 0;
  }

 private:
  std::string secret_;
  mbedtls_md5_context inner_;  // MD5 state after (key ^ ipad)
  mbedtls_md5_context outer_;  // MD5 state after (key ^ opad)
};

bool constantTimeEqual(const uint8_t* a, const uint8_t* b, size_t n) {
  uint8_t d = 0;
  for (size_t i = 0; i < n; ++i) d |= static_cast<uint8_t>(a[i] ^ b[i]);
  return d == 0;
}

struct Slot {
  uint64_t sentNs = 0;
  uint8_t requestAuth[16] = {};
  bool busy = false;
  uint32_t session = 0;  // acct: the session this request is a record of
};

// Accounting: one session of the simulated NAS fleet. The counters are the values its next record
// reports; they grow once a record is acknowledged (a retry reports the same values).
struct Session {
  uint64_t seq = 0;        // Acct-Session-Id = prefix-XXXXXXXX (seq in hex)
  uint64_t user = 0;       // User-Name = prefix + user
  uint32_t stage = 0;      // 0: Start next; 1..interims: Interim-Update next; interims + 1: Stop next
  bool recorded = false;   // a record of this session was acknowledged
  bool timedOut = false;   // its pending record timed out and was not acknowledged since
  uint64_t firstSentNs = 0;  // first attempt of the pending record (Acct-Delay-Time of a retry)
  uint64_t inOctets = 0, outOctets = 0, inPackets = 0, outPackets = 0;
  uint32_t sessionTime = 0;
};

// Sessions with no record in flight, oldest first: every session is served once per round, like
// a fleet of NAS ports each reporting once per interim interval.
class SessionRing {
 public:
  void reset(size_t capacity) {
    ids_.assign(capacity, 0);
    head_ = count_ = 0;
  }
  void push(uint32_t id) {
    ids_[(head_ + count_) % ids_.size()] = id;
    ++count_;
  }
  uint32_t pop() {
    uint32_t id = ids_[head_];
    head_ = (head_ + 1) % ids_.size();
    --count_;
    return id;
  }
  size_t size() const { return count_; }

 private:
  std::vector<uint32_t> ids_;
  size_t head_ = 0;
  size_t count_ = 0;
};

struct Quarantined {
  uint8_t id;
  uint64_t untilNs;
};

// Free identifiers, reused oldest first like a NAS cycling through 0..255. Reusing the identifier
// just answered (LIFO) makes FreeRADIUS see a "conflicting packet" while its own bookkeeping of the
// previous request is still in flight: it logs an error and gives up on the old one, which
// measures its error path instead of its service.
class IdRing {
 public:
  void push(uint8_t id) {
    ids_[(head_ + count_) % kIdsPerSocket] = id;
    ++count_;
  }
  uint8_t pop() {
    uint8_t id = ids_[head_];
    head_ = (head_ + 1) % kIdsPerSocket;
    --count_;
    return id;
  }
  size_t size() const { return count_; }

 private:
  uint8_t ids_[kIdsPerSocket] = {};
  size_t head_ = 0;
  size_t count_ = 0;
};

// One connected UDP socket and its 256 identifiers. An identifier whose request timed out stays in
// quarantine for another timeout so a late reply cannot be taken for the answer to its successor.
struct Channel {
  int fd = -1;
  uint32_t maxInFlight = 0;
  uint32_t inFlight = 0;
  Slot slots[kIdsPerSocket];
  IdRing freeIds;
  std::vector<Quarantined> quarantine;
  std::vector<bool> quarantinedId = std::vector<bool>(kIdsPerSocket, false);
};

struct Stats {
  uint64_t sent = 0;
  uint64_t received = 0;
  uint64_t accepts = 0;
  uint64_t rejects = 0;
  uint64_t timeouts = 0;
  uint64_t badReplies = 0;
  uint64_t wrongCode = 0;
  uint64_t withoutMessageAuthenticator = 0;
  uint64_t lateReplies = 0;
  uint64_t unexpectedReplies = 0;
  uint64_t sendErrors = 0;
  uint64_t icmpErrors = 0;
  uint64_t missedSends = 0;  // open loop: scheduled but no free identifier (acct: or no idle session)
  // acct
  uint64_t responses = 0;         // verified Accounting-Responses
  uint64_t sessionsRecorded = 0;  // sessions with at least one acknowledged record
  uint64_t startsAcked = 0, interimsAcked = 0, stopsAcked = 0;
  std::vector<uint32_t> latencyNs;
};

class LoadGenerator {
 public:
  LoadGenerator(const Options& o, Crypto& crypto) : o_(o), crypto_(crypto), random_(o.seed) {
    inet_pton(AF_INET, o.nasIp.c_str(), nasIp_);
    stats_.latencyNs.reserve(1 << 20);
    if (o.mode == Mode::kAcct) initSessions();
  }

  ~LoadGenerator() {
    for (Channel& c : channels_)
      if (c.fd >= 0) close(c.fd);
    if (epoll_ >= 0) close(epoll_);
  }

  bool open() {
    sockaddr_in server{};
    server.sin_family = AF_INET;
    server.sin_port = htons(o_.serverPort);
    if (inet_pton(AF_INET, o_.serverHost.c_str(), &server.sin_addr) != 1) {
      std::fprintf(stderr, "radload: server must be an IPv4 address: %s\n", o_.serverHost.c_str());
      return false;
    }
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) {
      std::perror("radload: epoll_create1");
      return false;
    }
    size_t n = (o_.concurrency + kMaxInFlightPerSocket - 1) / kMaxInFlightPerSocket;
    channels_ = std::vector<Channel>(n);
    for (size_t i = 0; i < n; ++i) {
      Channel& c = channels_[i];
      c.fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (c.fd < 0) {
        std::perror("radload: socket");
        return false;
      }
      // Big buffers so a burst of replies is queued, not dropped (FORCE works as root; otherwise
      // the kernel caps at rmem_max).
      int size = 4 << 20;
      if (setsockopt(c.fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
        setsockopt(c.fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
      if (setsockopt(c.fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0)
        setsockopt(c.fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
      // Connected: the kernel drops datagrams from anyone but the server for us.
      if (connect(c.fd, reinterpret_cast<sockaddr*>(&server), sizeof server) != 0) {
        std::perror("radload: connect");
        return false;
      }
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u32 = static_cast<uint32_t>(i);
      if (epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev) != 0) {
        std::perror("radload: epoll_ctl");
        return false;
      }
      // The concurrency is shared evenly between the sockets.
      c.maxInFlight = o_.concurrency / static_cast<uint32_t>(n) + (i < o_.concurrency % n ? 1 : 0);
      // All 256 identifiers in sequence from a random start, so two runs do not begin alike.
      uint32_t first = static_cast<uint32_t>(random_.below(kIdsPerSocket));
      for (uint32_t k = 0; k < kIdsPerSocket; ++k) c.freeIds.push(static_cast<uint8_t>((first + k) % kIdsPerSocket));
    }
    return true;
  }

  int run() {
    const uint64_t timeoutNs = static_cast<uint64_t>(o_.timeoutMs) * 1000000ull;
    const uint64_t start = nowNs();
    const uint64_t sendEnd =
        o_.durationS > 0 ? start + static_cast<uint64_t>(o_.durationS * 1e9) : UINT64_MAX;
    const double nsPerRequest = o_.rate > 0 ? 1e9 / o_.rate : 0;
    uint64_t scheduled = 0;  // open loop: requests due so far (sent or missed)
    uint64_t lastExpiry = start;
    uint64_t lastReply = start;
    uint64_t lastSend = start;
    std::vector<epoll_event> events(channels_.size());

    while (true) {
      uint64_t now = nowNs();
      bool sending = gStop == 0 && now < sendEnd && (o_.count == 0 || scheduled < o_.count);
      if (sending) {
        if (o_.rate <= 0) {
          for (Channel& c : channels_) {
            size_t want = available(c);
            if (o_.count != 0) want = std::min<uint64_t>(want, o_.count - scheduled);
            if (want > 0) scheduled += sendBatch(c, want, &lastSend);
          }
        } else {
          uint64_t due = static_cast<uint64_t>(static_cast<double>(now - start) / nsPerRequest) + 1;
          if (o_.count != 0) due = std::min(due, o_.count);
          while (scheduled < due) {
            Channel* c = channelWithFreeId();
            if (c == nullptr) {
              stats_.missedSends += due - scheduled;
              scheduled = due;
              break;
            }
            uint64_t want = std::min<uint64_t>(due - scheduled, available(*c));
            uint64_t sent = sendBatch(*c, want, &lastSend);
            if (sent == 0) break;  // send buffer full: try again after the next poll
            scheduled += sent;
          }
        }
      } else if (outstanding_ == 0) {
        break;
      } else if (now >= lastSend + timeoutNs + 1000000ull) {
        expire(now, timeoutNs);
        break;
      }

      // Take whatever replies are waiting: one epoll_wait that does not sleep says which sockets
      // have some (under load there usually are).
      int ready = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 0);
      if (ready == 0) {
        // Nothing yet: sleep until a reply, the next scheduled send or the next timeout check;
        // spin instead when the next send is due very soon.
        uint64_t waitNs = 1000000ull;
        if (sending && o_.rate > 0) {
          uint64_t next = start + static_cast<uint64_t>(static_cast<double>(scheduled) * nsPerRequest);
          now = nowNs();
          waitNs = next > now ? std::min<uint64_t>(next - now, waitNs) : 0;
        }
        if (waitNs >= kSpinNs || (o_.rate <= 0 && waitNs > 0)) ready = waitFor(events, waitNs);
      }
      if (ready < 0 && errno != EINTR) {
        std::perror("radload: epoll_wait");
        return 3;
      }
      bool received = false;
      for (int i = 0; i < ready; ++i) received = receive(channels_[events[i].data.u32]) || received;
      now = nowNs();
      if (received) lastReply = now;
      if (now - lastExpiry >= 10000000ull) {
        expire(now, timeoutNs);
        lastExpiry = now;
      }
    }
    elapsedNs_ = std::max<uint64_t>(lastReply, std::min(lastSend, nowNs())) - start;
    if (elapsedNs_ == 0) elapsedNs_ = 1;
    return 0;
  }

  const Stats& stats() const { return stats_; }
  uint64_t elapsedNs() const { return elapsedNs_; }

 private:
  // epoll_pwait2 waits to the nanosecond (Linux 5.11); older kernels get epoll_wait's milliseconds.
  int waitFor(std::vector<epoll_event>& events, uint64_t waitNs) {
    int n = static_cast<int>(events.size());
    if (havePwait2_) {
      timespec ts{static_cast<time_t>(waitNs / 1000000000ull), static_cast<long>(waitNs % 1000000000ull)};
      int ready = epoll_pwait2(epoll_, events.data(), n, &ts, nullptr);
      if (ready >= 0 || errno != ENOSYS) return ready;
      havePwait2_ = false;
    }
    return epoll_wait(epoll_, events.data(), n, static_cast<int>((waitNs + 999999) / 1000000));
  }

  size_t available(const Channel& c) const {
    size_t n = std::min<size_t>(c.freeIds.size(), c.maxInFlight - c.inFlight);
    if (o_.mode == Mode::kAcct) n = std::min(n, idle_.size());
    return n;
  }

  Channel* channelWithFreeId() {
    // Round robin so identifiers of every socket are used.
    for (size_t i = 0; i < channels_.size(); ++i) {
      Channel& c = channels_[(nextChannel_ + i) % channels_.size()];
      if (available(c) > 0) {
        nextChannel_ = (nextChannel_ + i + 1) % channels_.size();
        return &c;
      }
    }
    return nullptr;
  }

  // Builds an Access-Request into out; returns its length.
  size_t buildRequest(uint8_t id, uint8_t requestAuth[16], uint8_t* out) {
    uint64_t k = random_.below(o_.users);
    for (int i = 0; i < 16; i += 8) {
      uint64_t r = random_.next();
      std::memcpy(requestAuth + i, &r, 8);
    }
    out[0] = kAccessRequest;
    out[1] = id;
    std::memcpy(out + 4, requestAuth, 16);
    size_t p = kHeaderSize;

    // Message-Authenticator first (RFC 3579 3.2; first so the BlastRADIUS prefix attack has
    // nothing to work with). Zero now, signed once the packet is complete.
    out[p] = kAttrMessageAuthenticator;
    out[p + 1] = 18;
    std::memset(out + p + 2, 0, 16);
    size_t maOffset = p + 2;
    p += 18;

    // User-Name = prefix + K.
    out[p] = kAttrUserName;
    size_t n = o_.userPrefix.size();
    std::memcpy(out + p + 2, o_.userPrefix.data(), n);
    n += writeDecimal(k, out + p + 2 + n);
    out[p + 1] = static_cast<uint8_t>(n + 2);
    p += n + 2;

    // User-Password (RFC 2865 5.2): zero-padded to 16, c(1) = p(1) ^ MD5(S + RA),
    // c(i) = p(i) ^ MD5(S + c(i-1)).
    uint8_t plain[128] = {};
    size_t plen = o_.passwordPrefix.size();
    std::memcpy(plain, o_.passwordPrefix.data(), plen);
    plen += writeDecimal(k, plain + plen);
    size_t padded = (plen + 15) / 16 * 16;
    out[p] = kAttrUserPassword;
    out[p + 1] = static_cast<uint8_t>(padded + 2);
    const uint8_t* chain = requestAuth;
    for (size_t off = 0; off < padded; off += 16) {
      uint8_t b[16];
      crypto_.md5SecretThen(chain, b);
      for (size_t i = 0; i < 16; ++i) out[p + 2 + off + i] = static_cast<uint8_t>(plain[off + i] ^ b[i]);
      chain = out + p + 2 + off;
    }
    p += padded + 2;

    out[p] = kAttrNasIpAddress;
    out[p + 1] = 6;
    std::memcpy(out + p + 2, nasIp_, 4);
    p += 6;

    uint32_t port = htonl(static_cast<uint32_t>(k % 65536));
    out[p] = kAttrNasPort;
    out[p + 1] = 6;
    std::memcpy(out + p + 2, &port, 4);
    p += 6;

    // Calling-Station-Id: a MAC derived from K ("02-00-..." is locally administered).
    static const char kHex[] = "0123456789ABCDEF";
    uint8_t* mac = out + p + 2;
    std::memcpy(mac, "02-00-", 6);
    for (int i = 0; i < 4; ++i) {
      auto octet = static_cast<unsigned>((k >> (24 - 8 * i)) & 0xff);
      mac[6 + 3 * i] = static_cast<uint8_t>(kHex[octet >> 4]);
      mac[7 + 3 * i] = static_cast<uint8_t>(kHex[octet & 0xf]);
      if (i < 3) mac[8 + 3 * i] = '-';
    }
    out[p] = kAttrCallingStationId;
    out[p + 1] = 19;
    p += 19;

    out[2] = static_cast<uint8_t>(p >> 8);
    out[3] = static_cast<uint8_t>(p & 0xff);
    // HMAC-MD5 over the whole packet with the value zeroed and the Request Authenticator in place.
    crypto_.hmac(out, p, out + maOffset);
    return p;
  }

  // Sends up to want requests on c; returns how many went out.
  uint64_t sendBatch(Channel& c, uint64_t want, uint64_t* lastSend) {
    uint64_t total = 0;
    while (want > 0 && available(c) > 0) {
      size_t n = std::min<size_t>({static_cast<size_t>(want), available(c), kBatch});
      uint8_t ids[kBatch];
      for (size_t i = 0; i < n; ++i) {
        ids[i] = c.freeIds.pop();
        Slot& s = c.slots[ids[i]];
        size_t len = o_.mode == Mode::kAcct ? buildAcctRequest(ids[i], s, sendBuf_[i])
                                            : buildRequest(ids[i], s.requestAuth, sendBuf_[i]);
        iov_[i] = iovec{sendBuf_[i], len};
        msgs_[i] = mmsghdr{};
        msgs_[i].msg_hdr.msg_iov = &iov_[i];
        msgs_[i].msg_hdr.msg_iovlen = 1;
      }
      uint64_t t = nowNs();
      int sent = sendmmsg(c.fd, msgs_, static_cast<unsigned>(n), MSG_DONTWAIT);
      if (sent < 0) {
        if (errno == ECONNREFUSED) ++stats_.icmpErrors;
        else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS && errno != EINTR) ++stats_.sendErrors;
        sent = 0;
      }
      for (size_t i = 0; i < n; ++i) {
        if (i < static_cast<size_t>(sent)) {
          Slot& s = c.slots[ids[i]];
          s.sentNs = t;
          s.busy = true;
          ++c.inFlight;
          if (o_.mode == Mode::kAcct && sessions_[s.session].firstSentNs == 0) sessions_[s.session].firstSentNs = t;
        } else {
          c.freeIds.push(ids[i]);
          if (o_.mode == Mode::kAcct) idle_.push(c.slots[ids[i]].session);
        }
      }
      stats_.sent += static_cast<uint64_t>(sent);
      outstanding_ += static_cast<uint64_t>(sent);
      total += static_cast<uint64_t>(sent);
      want -= static_cast<uint64_t>(sent);
      if (sent > 0) *lastSend = t;
      if (static_cast<size_t>(sent) < n) break;
    }
    return total;
  }

  // Drains c; returns true when at least one datagram arrived.
  bool receive(Channel& c) {
    bool any = false;
    while (true) {
      for (size_t i = 0; i < kBatch; ++i) {
        iov_[i] = iovec{recvBuf_[i], kMaxPacket};
        msgs_[i] = mmsghdr{};
        msgs_[i].msg_hdr.msg_iov = &iov_[i];
        msgs_[i].msg_hdr.msg_iovlen = 1;
      }
      int got = recvmmsg(c.fd, msgs_, kBatch, MSG_DONTWAIT, nullptr);
      if (got < 0) {
        if (errno == ECONNREFUSED) {
          ++stats_.icmpErrors;
          continue;
        }
        return any;
      }
      if (got == 0) return any;
      uint64_t t = nowNs();
      any = true;
      for (int i = 0; i < got; ++i) {
        // Truncated datagrams (MSG_TRUNC) are malformed for us.
        size_t size = (msgs_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0 ? 0 : msgs_[i].msg_len;
        handleReply(c, recvBuf_[i], size, t);
      }
      if (static_cast<size_t>(got) < kBatch) return any;
    }
  }

  void handleReply(Channel& c, uint8_t* packet, size_t size, uint64_t t) {
    if (size < kHeaderSize) {
      ++stats_.badReplies;
      return;
    }
    uint8_t id = packet[1];
    Slot& s = c.slots[id];
    if (!s.busy) {
      if (c.quarantinedId[id]) ++stats_.lateReplies;
      else ++stats_.unexpectedReplies;
      return;
    }
    // This reply settles the request whatever its verdict: free the identifier.
    s.busy = false;
    c.freeIds.push(id);
    --c.inFlight;
    --outstanding_;
    ++stats_.received;
    if (o_.mode == Mode::kAcct) {
      handleAcctReply(s, packet, size, t);
      return;
    }
    if (!verify(packet, size, s.requestAuth)) {
      ++stats_.badReplies;
      return;
    }
    uint8_t code = packet[0];
    if (code == kAccessAccept) ++stats_.accepts;
    else ++stats_.rejects;
    if ((o_.expect == Expect::kAccept && code != kAccessAccept) ||
        (o_.expect == Expect::kReject && code != kAccessReject))
      ++stats_.wrongCode;
    uint64_t ns = t - s.sentNs;
    stats_.latencyNs.push_back(ns > kMaxLatencyNs ? kMaxLatencyNs : static_cast<uint32_t>(ns));
  }

  bool verify(uint8_t* packet, size_t size, const uint8_t requestAuth[16]) {
    uint8_t code = packet[0];
    // Auth: Challenge is not for PAP. Acct: any code is verified; the caller checks it is 5.
    if (o_.mode == Mode::kAuth && code != kAccessAccept && code != kAccessReject) return false;
    size_t length = (static_cast<size_t>(packet[2]) << 8) | packet[3];
    // RFC 2865 3: octets beyond Length are padding; fewer octets than Length is malformed.
    if (length < kHeaderSize || length > size) return false;
    uint8_t expected[16];
    crypto_.responseAuthenticator(packet, length, requestAuth, expected);
    if (!constantTimeEqual(expected, packet + 4, 16)) return false;
    // Attributes must tile the packet exactly; find Message-Authenticator.
    size_t ma = 0;
    for (size_t p = kHeaderSize; p < length;) {
      if (p + 2 > length || packet[p + 1] < 2 || p + packet[p + 1] > length) return false;
      if (packet[p] == kAttrMessageAuthenticator) {
        if (packet[p + 1] != 18 || ma != 0) return false;
        ma = p + 2;
      }
      p += packet[p + 1];
    }
    if (ma == 0) {
      if (o_.mode == Mode::kAuth) ++stats_.withoutMessageAuthenticator;  // normal for accounting
      return true;
    }
    // RFC 3579 3.2: for a reply, the HMAC is computed with the Request Authenticator in the header
    // and the Message-Authenticator value zeroed.
    uint8_t received[16], header[16], mac[16];
    std::memcpy(received, packet + ma, 16);
    std::memcpy(header, packet + 4, 16);
    std::memset(packet + ma, 0, 16);
    std::memcpy(packet + 4, requestAuth, 16);
    crypto_.hmac(packet, length, mac);
    std::memcpy(packet + ma, received, 16);
    std::memcpy(packet + 4, header, 16);
    return constantTimeEqual(mac, received, 16);
  }

  void expire(uint64_t now, uint64_t timeoutNs) {
    for (Channel& c : channels_) {
      // Release identifiers whose quarantine is over.
      for (size_t i = 0; i < c.quarantine.size();) {
        if (c.quarantine[i].untilNs <= now) {
          c.quarantinedId[c.quarantine[i].id] = false;
          c.freeIds.push(c.quarantine[i].id);
          c.quarantine[i] = c.quarantine.back();
          c.quarantine.pop_back();
        } else {
          ++i;
        }
      }
      for (uint32_t id = 0; id < kIdsPerSocket; ++id) {
        Slot& s = c.slots[id];
        if (s.busy && now - s.sentNs >= timeoutNs) {
          s.busy = false;
          --c.inFlight;
          --outstanding_;
          ++stats_.timeouts;
          if (o_.mode == Mode::kAcct) {
            // Unacknowledged: maybe recorded, maybe not. The session sends it again later.
            sessions_[s.session].timedOut = true;
            idle_.push(s.session);
          }
          c.quarantinedId[id] = true;
          c.quarantine.push_back(Quarantined{static_cast<uint8_t>(id), now + timeoutNs});
        }
      }
    }
  }

  // -- accounting -------------------------------------------------------------------------------

  void initSessions() {
    if (o_.sessionPrefix.empty()) {
      char buf[17];
      std::snprintf(buf, sizeof buf, "%08llx", static_cast<unsigned long long>(random_.next() & 0xffffffffu));
      prefix_ = buf;
    } else {
      prefix_ = o_.sessionPrefix;
    }
    sessions_.assign(o_.sessions, Session{});
    idle_.reset(o_.sessions);
    for (uint32_t i = 0; i < o_.sessions; ++i) {
      newSession(i);
      // Already running when the benchmark begins: at a random point of its life, so the mix of
      // record types is the steady one from the first request on.
      Session& s = sessions_[i];
      s.stage = static_cast<uint32_t>(random_.below(o_.interims + 2));
      for (uint32_t k = 0; k < s.stage; ++k) grow(s);
      idle_.push(i);
    }
  }

  void newSession(uint32_t i) {
    Session& s = sessions_[i];
    s = Session{};
    s.seq = nextSeq_++;
    s.user = random_.below(o_.users);
  }

  // One interim interval of traffic: up to about 100 Mbit/s down and 13 Mbit/s up, so the 32-bit
  // octet counters wrap (Gigawords) within a few intervals.
  void grow(Session& s) {
    uint64_t down = random_.below(4000000000ull), up = random_.below(500000000ull);
    s.outOctets += down;
    s.inOctets += up;
    s.outPackets += down / 1200 + 1;
    s.inPackets += up / 400 + 1;
    s.sessionTime += kInterimIntervalS - 5 + static_cast<uint32_t>(random_.below(11));
  }

  // Slot s's request settled with this reply (verified here): the session moves on when it was
  // acknowledged, and is served again either way.
  void handleAcctReply(Slot& slot, uint8_t* packet, size_t size, uint64_t t) {
    Session& s = sessions_[slot.session];
    bool ok = verify(packet, size, slot.requestAuth);
    if (!ok) ++stats_.badReplies;
    else if (packet[0] != kAccountingResponse) ++stats_.wrongCode;
    if (!ok || packet[0] != kAccountingResponse) {
      s.timedOut = true;  // not acknowledged: unknown whether it was recorded
      idle_.push(slot.session);
      return;
    }
    ++stats_.responses;
    uint64_t ns = t - slot.sentNs;
    stats_.latencyNs.push_back(ns > kMaxLatencyNs ? kMaxLatencyNs : static_cast<uint32_t>(ns));
    if (!s.recorded) {
      s.recorded = true;
      ++stats_.sessionsRecorded;
    }
    s.timedOut = false;
    s.firstSentNs = 0;
    if (s.stage == 0) {
      ++stats_.startsAcked;
    } else if (s.stage <= o_.interims) {
      ++stats_.interimsAcked;
    } else {
      ++stats_.stopsAcked;
      newSession(slot.session);  // this NAS port gets its next subscriber session
      idle_.push(slot.session);
      return;
    }
    ++s.stage;
    grow(s);
    idle_.push(slot.session);
  }

  // Builds the next record of the oldest idle session into out; returns its length.
  size_t buildAcctRequest(uint8_t id, Slot& slot, uint8_t* out) {
    uint32_t index = idle_.pop();
    slot.session = index;
    Session& s = sessions_[index];
    const bool start = s.stage == 0, stop = s.stage > o_.interims;
    out[0] = kAccountingRequest;
    out[1] = id;
    size_t p = kHeaderSize;
    auto put32 = [&](uint8_t type, uint32_t v) {
      out[p] = type;
      out[p + 1] = 6;
      uint32_t be = htonl(v);
      std::memcpy(out + p + 2, &be, 4);
      p += 6;
    };
    put32(kAttrAcctStatusType, start ? kStatusStart : stop ? kStatusStop : kStatusInterimUpdate);

    // Acct-Session-Id = prefix-XXXXXXXX.
    out[p] = kAttrAcctSessionId;
    size_t n = prefix_.size();
    std::memcpy(out + p + 2, prefix_.data(), n);
    out[p + 2 + n++] = '-';
    static const char kHex[] = "0123456789ABCDEF";
    for (int i = 7; i >= 0; --i) out[p + 2 + n++] = static_cast<uint8_t>(kHex[(s.seq >> (4 * i)) & 0xf]);
    out[p + 1] = static_cast<uint8_t>(n + 2);
    p += n + 2;

    out[p] = kAttrUserName;
    n = o_.userPrefix.size();
    std::memcpy(out + p + 2, o_.userPrefix.data(), n);
    n += writeDecimal(s.user, out + p + 2 + n);
    out[p + 1] = static_cast<uint8_t>(n + 2);
    p += n + 2;

    out[p] = kAttrNasIpAddress;
    out[p + 1] = 6;
    std::memcpy(out + p + 2, nasIp_, 4);
    p += 6;
    // The NAS port (and the subscriber's line) is the session's slot; the address comes from
    // 100.64.0.0/10 (RFC 6598), one per port.
    put32(kAttrNasPort, index % 65536);
    put32(kAttrNasPortType, kNasPortTypeEthernet);

    // Calling-Station-Id: a locally administered MAC per port ("02-00-...").
    uint8_t* mac = out + p + 2;
    std::memcpy(mac, "02-00-", 6);
    for (int i = 0; i < 4; ++i) {
      auto octet = static_cast<unsigned>((index >> (24 - 8 * i)) & 0xff);
      mac[6 + 3 * i] = static_cast<uint8_t>(kHex[octet >> 4]);
      mac[7 + 3 * i] = static_cast<uint8_t>(kHex[octet & 0xf]);
      if (i < 3) mac[8 + 3 * i] = '-';
    }
    out[p] = kAttrCallingStationId;
    out[p + 1] = 19;
    p += 19;

    put32(kAttrFramedIpAddress, 0x64400000u + (index & 0x3fffffu));
    put32(kAttrEventTimestamp, static_cast<uint32_t>(std::time(nullptr)));
    // RFC 2866 5.2: how long the NAS has been trying to send this record.
    uint32_t delay = s.firstSentNs == 0 ? 0 : static_cast<uint32_t>((nowNs() - s.firstSentNs) / 1000000000ull);
    put32(kAttrAcctDelayTime, delay);
    if (!start) {
      put32(kAttrAcctSessionTime, s.sessionTime);
      put32(kAttrAcctInputOctets, static_cast<uint32_t>(s.inOctets));
      put32(kAttrAcctInputGigawords, static_cast<uint32_t>(s.inOctets >> 32));
      put32(kAttrAcctOutputOctets, static_cast<uint32_t>(s.outOctets));
      put32(kAttrAcctOutputGigawords, static_cast<uint32_t>(s.outOctets >> 32));
      put32(kAttrAcctInputPackets, static_cast<uint32_t>(s.inPackets));
      put32(kAttrAcctOutputPackets, static_cast<uint32_t>(s.outPackets));
    }
    if (stop) {
      // Mostly User-Request, some Lost-Carrier, Idle-Timeout, Session-Timeout, Admin-Reset.
      static const uint32_t kCauses[8] = {1, 1, 1, 1, 2, 4, 5, 6};
      put32(kAttrAcctTerminateCause, kCauses[s.seq % 8]);
    }
    out[2] = static_cast<uint8_t>(p >> 8);
    out[3] = static_cast<uint8_t>(p & 0xff);
    crypto_.signAccountingRequest(out, p);
    std::memcpy(slot.requestAuth, out + 4, 16);
    return p;
  }

 public:
  // After run(): what was left unacknowledged (each may or may not be recorded by the server).
  struct Unacked {
    uint64_t sessions = 0;  // sessions with no acknowledged record whose record timed out
    uint64_t starts = 0, interims = 0, stops = 0;
  };
  Unacked unacked() const {
    Unacked u;
    for (const Session& s : sessions_) {
      if (!s.timedOut) continue;
      if (!s.recorded) ++u.sessions;
      if (s.stage == 0) ++u.starts;
      else if (s.stage <= o_.interims) ++u.interims;
      else ++u.stops;
    }
    return u;
  }
  const std::string& sessionPrefix() const { return prefix_; }

 private:
  const Options& o_;
  Crypto& crypto_;
  Random random_;
  std::vector<Session> sessions_;
  SessionRing idle_;
  uint64_t nextSeq_ = 0;
  std::string prefix_;
  uint8_t nasIp_[4] = {};
  std::vector<Channel> channels_;
  int epoll_ = -1;
  bool havePwait2_ = true;
  size_t nextChannel_ = 0;
  uint64_t outstanding_ = 0;
  uint64_t elapsedNs_ = 1;
  Stats stats_;
  uint8_t sendBuf_[kBatch][kMaxPacket];
  uint8_t recvBuf_[kBatch][kMaxPacket];
  iovec iov_[kBatch];
  mmsghdr msgs_[kBatch];
};

double percentileUs(const std::vector<uint32_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(q * static_cast<double>(sorted.size()) + 0.999999);
  if (rank == 0) rank = 1;
  if (rank > sorted.size()) rank = sorted.size();
  return static_cast<double>(sorted[rank - 1]) / 1000.0;
}

// Spins reading the clock: any gap between two reads is time this core was taken away from us (the
// hypervisor pausing the vCPU, or another task). On a shared VM such pauses set a floor under every
// p99 measured, whatever the server does.
int stallProbe(double seconds) {
  const uint64_t start = nowNs();
  const uint64_t end = start + static_cast<uint64_t>(seconds * 1e9);
  uint64_t prev = start, over100us = 0, over1ms = 0, pausedNs = 0, maxNs = 0;
  for (uint64_t t = nowNs(); t < end; t = nowNs()) {
    uint64_t gap = t - prev;
    if (gap > 100000) {
      ++over100us;
      pausedNs += gap;
      if (gap > 1000000) ++over1ms;
    }
    maxNs = std::max(maxNs, gap);
    prev = t;
  }
  double total = static_cast<double>(prev - start);
  std::printf("{\"stall_probe_s\":%.3f,\"pauses_over_100us\":%llu,\"pauses_over_1ms\":%llu,\"paused_ms\":%.1f,"
              "\"paused_share\":%.4f,\"max_pause_us\":%.1f}\n",
              total / 1e9, (unsigned long long)over100us, (unsigned long long)over1ms,
              static_cast<double>(pausedNs) / 1e6, static_cast<double>(pausedNs) / total,
              static_cast<double>(maxNs) / 1000.0);
  return 0;
}

double cpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parseOptions(argc, argv, &o)) {
    usage(stderr);
    return 2;
  }
  if (o.stallProbeS > 0) return stallProbe(o.stallProbeS);
  if (o.seed == 0) o.seed = std::random_device{}() ^ nowNs();
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  // Wake-ups for the open-loop schedule to the microsecond instead of the default 50 us slack.
  prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);

  if (!Crypto::selfTest(o.secret)) {
    std::fprintf(stderr, "radload: HMAC-MD5 self-test failed\n");
    return 3;
  }
  Crypto crypto(o.secret);
  // The generator holds its packet buffers inline (about 0.5 MB): keep it off the stack.
  auto generator = std::make_unique<LoadGenerator>(o, crypto);
  if (!generator->open()) return 3;
  double cpu0 = cpuSeconds();
  int rc = generator->run();
  double cpu = cpuSeconds() - cpu0;
  if (rc != 0) return rc;

  const Stats& s = generator->stats();
  std::vector<uint32_t> sorted = s.latencyNs;
  std::sort(sorted.begin(), sorted.end());
  double seconds = static_cast<double>(generator->elapsedNs()) / 1e9;
  double meanUs = 0;
  for (uint32_t v : sorted) meanUs += v;
  if (!sorted.empty()) meanUs = meanUs / static_cast<double>(sorted.size()) / 1000.0;
  const char* mode = o.rate > 0 ? "open" : "closed";
  if (o.mode == Mode::kAcct) {
    LoadGenerator::Unacked u = generator->unacked();
    std::printf(
        "{\"mode\":\"%s\",\"request\":\"acct\",\"concurrency\":%u,\"target_rate\":%.0f,\"seconds\":%.3f,"
        "\"sent\":%llu,\"received\":%llu,\"responses\":%llu,\"timeouts\":%llu,\"bad_replies\":%llu,"
        "\"wrong_code\":%llu,\"late_replies\":%llu,\"unexpected_replies\":%llu,\"missed_sends\":%llu,"
        "\"send_errors\":%llu,\"icmp_errors\":%llu,\"sessions\":%u,\"interims\":%u,\"session_prefix\":\"%s\","
        "\"sessions_recorded\":%llu,\"starts_acked\":%llu,\"interims_acked\":%llu,\"stops_acked\":%llu,"
        "\"sessions_unconfirmed\":%llu,\"starts_unacked\":%llu,\"interims_unacked\":%llu,\"stops_unacked\":%llu,"
        "\"rps\":%.1f,\"mean_us\":%.1f,\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,"
        "\"client_cpu_us_per_request\":%.2f}\n",
        mode, o.concurrency, o.rate, seconds, (unsigned long long)s.sent, (unsigned long long)s.received,
        (unsigned long long)s.responses, (unsigned long long)s.timeouts, (unsigned long long)s.badReplies,
        (unsigned long long)s.wrongCode, (unsigned long long)s.lateReplies, (unsigned long long)s.unexpectedReplies,
        (unsigned long long)s.missedSends, (unsigned long long)s.sendErrors, (unsigned long long)s.icmpErrors,
        o.sessions, o.interims, generator->sessionPrefix().c_str(), (unsigned long long)s.sessionsRecorded,
        (unsigned long long)s.startsAcked, (unsigned long long)s.interimsAcked, (unsigned long long)s.stopsAcked,
        (unsigned long long)u.sessions, (unsigned long long)u.starts, (unsigned long long)u.interims,
        (unsigned long long)u.stops, static_cast<double>(s.responses) / seconds, meanUs, percentileUs(sorted, 0.50),
        percentileUs(sorted, 0.90), percentileUs(sorted, 0.99), sorted.empty() ? 0.0 : sorted.back() / 1000.0,
        s.sent > 0 ? cpu * 1e6 / static_cast<double>(s.sent) : 0.0);
    std::fflush(stdout);
    return s.badReplies > 0 || s.wrongCode > 0 || s.unexpectedReplies > 0 ? 1 : 0;
  }
  uint64_t valid = s.accepts + s.rejects;
  std::printf(
      "{\"mode\":\"%s\",\"concurrency\":%u,\"target_rate\":%.0f,\"seconds\":%.3f,\"sent\":%llu,\"received\":%llu,"
      "\"accepts\":%llu,\"rejects\":%llu,\"timeouts\":%llu,\"bad_replies\":%llu,\"wrong_code\":%llu,"
      "\"without_message_authenticator\":%llu,\"late_replies\":%llu,\"unexpected_replies\":%llu,"
      "\"missed_sends\":%llu,\"send_errors\":%llu,\"icmp_errors\":%llu,\"rps\":%.1f,\"mean_us\":%.1f,"
      "\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,\"client_cpu_us_per_request\":%.2f}\n",
      mode, o.concurrency, o.rate, seconds, (unsigned long long)s.sent, (unsigned long long)s.received,
      (unsigned long long)s.accepts, (unsigned long long)s.rejects, (unsigned long long)s.timeouts,
      (unsigned long long)s.badReplies, (unsigned long long)s.wrongCode,
      (unsigned long long)s.withoutMessageAuthenticator, (unsigned long long)s.lateReplies,
      (unsigned long long)s.unexpectedReplies, (unsigned long long)s.missedSends, (unsigned long long)s.sendErrors,
      (unsigned long long)s.icmpErrors, static_cast<double>(valid) / seconds, meanUs, percentileUs(sorted, 0.50),
      percentileUs(sorted, 0.90), percentileUs(sorted, 0.99), sorted.empty() ? 0.0 : sorted.back() / 1000.0,
      s.sent > 0 ? cpu * 1e6 / static_cast<double>(s.sent) : 0.0);
  std::fflush(stdout);
  return s.badReplies > 0 || s.wrongCode > 0 || s.unexpectedReplies > 0 ? 1 : 0;
}
