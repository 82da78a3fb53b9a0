#include "aaa/radius/udp_listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "aaa/policy/model.h"
#include "core/siphash.h"

namespace aaa::radius {

namespace {
constexpr int kBatch = 32;
constexpr size_t kMaxDatagram = 4096;  // RFC 2865 3: larger packets arrive truncated and fail Length
}  // namespace

policy::IpAddress sourceAddress(const sockaddr_storage& ss, uint16_t* port) {
  if (ss.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
    *port = ntohs(in->sin_port);
    return policy::IpAddress::fromV4(ntohl(in->sin_addr.s_addr));
  }
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
  *port = ntohs(in6->sin6_port);
  policy::IpAddress ip;
  std::memcpy(ip.bytes.data(), &in6->sin6_addr, 16);
  return ip;
}

DuplicateKey DuplicateKey::of(const policy::IpAddress& source, uint16_t port, const uint8_t* packet) {
  DuplicateKey k;
  k.source = source;
  k.port = port;
  k.id = packet[1];
  std::memcpy(k.authenticator.data(), packet + 4, 16);
  return k;
}

size_t DuplicateKeyHash::operator()(const DuplicateKey& k) const {
  // Keyed: the sender chooses the Request Authenticator (and, spoofing, the source), so hashing its
  // bits as they are would let it pile every entry into one bucket.
  uint8_t bytes[16 + 2 + 1 + 16];
  std::memcpy(bytes, k.source.bytes.data(), 16);
  std::memcpy(bytes + 16, &k.port, 2);
  bytes[18] = k.id;
  std::memcpy(bytes + 19, k.authenticator.data(), 16);
  return static_cast<size_t>(core::sipHash24(core::processSipKey(), bytes, sizeof bytes));
}

UdpListener::~UdpListener() { stop(); }

core::Status UdpListener::start(const std::string& listen, uint16_t port, int threads, const std::string& what,
                                WorkerFactory factory) {
  std::optional<policy::IpAddress> ip = policy::parseIp(listen);
  if (!ip) return core::invalidArgument(what + ": '" + listen + "' is not an IP address");
  int family = ip->isV4() ? AF_INET : AF_INET6;
  if (threads < 1) threads = 1;
  for (int i = 0; i < threads; ++i) {
    sockaddr_storage addr{};
    socklen_t addrLen;
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
    if (fd < 0) return core::errnoStatus("creating the " + what + " socket", errno);
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
      return core::errnoStatus("binding the " + what + " " + listen + ":" + std::to_string(port), err);
    }
    if (port == 0) {
      sockaddr_storage bound{};
      socklen_t bl = sizeof bound;
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bl);
      port = ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                              : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
    }
    fds_.push_back(fd);
  }
  port_ = port;
  running_ = true;
  for (size_t i = 0; i < fds_.size(); ++i)
    threads_.emplace_back([this, fd = fds_[i], h = factory(static_cast<int>(i))] { run(fd, h); });
  return core::Status::ok();
}

void UdpListener::quiesce() {
  running_ = false;
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void UdpListener::stop() {
  quiesce();
  for (int fd : fds_) ::close(fd);
  fds_.clear();
}

bool UdpListener::sendReply(int fd, const sockaddr_storage& to, socklen_t toLen, const uint8_t* data, size_t len) {
  return ::sendto(fd, data, len, MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&to), toLen) ==
         static_cast<ssize_t>(len);
}

void UdpListener::run(int fd, Worker worker) {
  Handler& handler = worker.handle;
  std::vector<std::array<uint8_t, kMaxDatagram>> in(kBatch);
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
    int n = ::recvmmsg(fd, msgs.data(), kBatch, MSG_WAITFORONE, nullptr);
    if (n <= 0) {  // timeout (to check running_) or EINTR
      while (worker.idle && running_.load(std::memory_order_relaxed) && worker.idle()) {
        pollfd waiting{fd, POLLIN, 0};
        if (::poll(&waiting, 1, 0) > 0) break;
      }
      continue;
    }
    int out = 0;
    for (int i = 0; i < n; ++i) {
      bool answer = false;
      try {
        Datagram d{in[i].data(), msgs[i].msg_len, &from[i], msgs[i].msg_hdr.msg_namelen, fd};
        answer = handler(d, replies[out]);
      } catch (...) {
        // Never let one datagram take the worker down (e.g. allocation failure); the handler counts.
        answer = false;
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
      int r = ::sendmmsg(fd, outMsgs.data() + sent, static_cast<unsigned>(out - sent), 0);
      if (r <= 0) break;  // the client went away or the buffer is full: UDP, the NAS retransmits
      sent += r;
    }
  }
}

}  // namespace aaa::radius
