// UDP sockets and worker threads for a RADIUS port: one SO_REUSEPORT socket per thread, datagrams
// received in batches (recvmmsg) and immediate replies sent in batches (sendmmsg).
//
// Contract: the handler is called on the worker thread that owns the socket, one datagram at a
// time; it returns true with `reply` filled to answer at once. A handler that answers later (after
// a database commit) keeps `fd` and `from` and uses sendReply() from any thread.
#pragma once

#include <sys/socket.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "aaa/policy/model.h"
#include "core/status.h"

namespace aaa::radius {

// The sender of a datagram (IPv4 sources as IPv4-mapped addresses) and its port.
policy::IpAddress sourceAddress(const sockaddr_storage& from, uint16_t* port);

// RFC 5080 2.2.2: a request is a duplicate when source address, source port, Identifier and
// Request Authenticator are all the same.
struct DuplicateKey {
  policy::IpAddress source;
  uint16_t port = 0;
  uint8_t id = 0;
  std::array<uint8_t, 16> authenticator{};

  static DuplicateKey of(const policy::IpAddress& source, uint16_t port, const uint8_t* packet);
  bool operator==(const DuplicateKey& o) const {
    return port == o.port && id == o.id && source == o.source && authenticator == o.authenticator;
  }
};

struct DuplicateKeyHash {
  size_t operator()(const DuplicateKey& k) const;
};

struct Datagram {
  const uint8_t* data;
  size_t len;
  const sockaddr_storage* from;
  socklen_t fromLen;
  int fd;
};

class UdpListener {
 public:
  using Handler = std::function<bool(const Datagram& in, std::vector<uint8_t>& reply)>;
  // Housekeeping for quiet moments (e.g. expiring a cache's backlog so the next burst does not pay
  // for it): called on the worker's thread when its socket was quiet for the receive timeout (200
  // ms), then again at once while it returns true (more to do) and no datagram is waiting.
  using Idle = std::function<bool()>;
  struct Worker {
    Handler handle;
    Idle idle;  // optional
  };
  // Called once per worker before it starts; returns that worker's functions.
  using WorkerFactory = std::function<Worker(int workerIndex)>;

  UdpListener() = default;
  ~UdpListener();
  UdpListener(const UdpListener&) = delete;
  UdpListener& operator=(const UdpListener&) = delete;

  // Binds `threads` sockets to listen:port (port 0: one free port shared by all) and starts them.
  // `what` names the port in errors ("RADIUS auth port").
  core::Status start(const std::string& listen, uint16_t port, int threads, const std::string& what,
                     WorkerFactory factory);
  // Stops receiving (joins the workers) but keeps the sockets open for late replies.
  void quiesce();
  // quiesce(), then closes the sockets.
  void stop();
  uint16_t port() const { return port_; }

  // Sends one datagram on `fd` (thread-safe; UDP sends are atomic per datagram).
  static bool sendReply(int fd, const sockaddr_storage& to, socklen_t toLen, const uint8_t* data, size_t len);

 private:
  void run(int fd, Worker worker);

  std::vector<int> fds_;
  std::vector<std::thread> threads_;
  std::atomic<bool> running_{false};
  uint16_t port_ = 0;
};

}  // namespace aaa::radius
