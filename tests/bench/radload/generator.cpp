#include "tests/bench/radload/generator.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

namespace bench::radload {

LoadGenerator::LoadGenerator(const Options& o, Crypto& crypto) : o_(o), crypto_(crypto), random_(o.seed) {
  inet_pton(AF_INET, o.nasIp.c_str(), nasIp_);
  stats_.latencyNs.reserve(1 << 20);
  if (o.mode == Mode::kAcct) initSessions();
}

LoadGenerator::~LoadGenerator() {
  for (Channel& c : channels_)
    if (c.fd >= 0) close(c.fd);
  if (epoll_ >= 0) close(epoll_);
}

bool LoadGenerator::open() {
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

int LoadGenerator::run() {
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

int LoadGenerator::waitFor(std::vector<epoll_event>& events, uint64_t waitNs) {
  int n = static_cast<int>(events.size());
  if (havePwait2_) {
    timespec ts{static_cast<time_t>(waitNs / 1000000000ull), static_cast<long>(waitNs % 1000000000ull)};
    int ready = epoll_pwait2(epoll_, events.data(), n, &ts, nullptr);
    if (ready >= 0 || errno != ENOSYS) return ready;
    havePwait2_ = false;
  }
  return epoll_wait(epoll_, events.data(), n, static_cast<int>((waitNs + 999999) / 1000000));
}

Channel* LoadGenerator::channelWithFreeId() {
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

uint64_t LoadGenerator::sendBatch(Channel& c, uint64_t want, uint64_t* lastSend) {
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

bool LoadGenerator::receive(Channel& c) {
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

void LoadGenerator::handleReply(Channel& c, uint8_t* packet, size_t size, uint64_t t) {
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

bool LoadGenerator::verify(uint8_t* packet, size_t size, const uint8_t requestAuth[16]) {
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

void LoadGenerator::expire(uint64_t now, uint64_t timeoutNs) {
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

}  // namespace bench::radload
