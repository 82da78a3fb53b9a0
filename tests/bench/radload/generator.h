// radload's load generator: connected UDP sockets, their identifiers and timeouts, the send and
// receive loop (generator.cpp), and the two kinds of request it sends: Access-Requests (auth.cpp)
// and the records of a simulated NAS fleet's sessions (acct.cpp).
#pragma once

#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/bench/radload/options.h"
#include "tests/bench/radload/wire.h"

namespace bench::radload {

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

// Set by SIGINT / SIGTERM (main.cpp): stop sending, wait for what is outstanding.
extern volatile std::sig_atomic_t gStop;

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
  LoadGenerator(const Options& o, Crypto& crypto);
  ~LoadGenerator();

  bool open();
  // Sends until the duration or count is reached (or gStop), then waits for the replies still due.
  // Returns 0, or 3 when polling failed.
  int run();

  const Stats& stats() const { return stats_; }
  uint64_t elapsedNs() const { return elapsedNs_; }

  // After run(): what was left unacknowledged (each may or may not be recorded by the server).
  struct Unacked {
    uint64_t sessions = 0;  // sessions with no acknowledged record whose record timed out
    uint64_t starts = 0, interims = 0, stops = 0;
  };
  Unacked unacked() const;
  const std::string& sessionPrefix() const { return prefix_; }

 private:
  // epoll_pwait2 waits to the nanosecond (Linux 5.11); older kernels get epoll_wait's milliseconds.
  int waitFor(std::vector<epoll_event>& events, uint64_t waitNs);
  size_t available(const Channel& c) const {
    size_t n = std::min<size_t>(c.freeIds.size(), c.maxInFlight - c.inFlight);
    if (o_.mode == Mode::kAcct) n = std::min(n, idle_.size());
    return n;
  }
  Channel* channelWithFreeId();
  // Sends up to want requests on c; returns how many went out.
  uint64_t sendBatch(Channel& c, uint64_t want, uint64_t* lastSend);
  // Drains c; returns true when at least one datagram arrived.
  bool receive(Channel& c);
  void handleReply(Channel& c, uint8_t* packet, size_t size, uint64_t t);
  bool verify(uint8_t* packet, size_t size, const uint8_t requestAuth[16]);
  void expire(uint64_t now, uint64_t timeoutNs);

  // Access-Requests (auth.cpp). Builds one into out; returns its length.
  size_t buildRequest(uint8_t id, uint8_t requestAuth[16], uint8_t* out);

  // Accounting (acct.cpp).
  void initSessions();
  void newSession(uint32_t i);
  void grow(Session& s);
  void handleAcctReply(Slot& slot, uint8_t* packet, size_t size, uint64_t t);
  // Builds the next record of the oldest idle session into out; returns its length.
  size_t buildAcctRequest(uint8_t id, Slot& slot, uint8_t* out);

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

}  // namespace bench::radload
