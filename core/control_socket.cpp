#include "core/control_socket.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace core {

namespace {

constexpr int kBusyWriteTimeoutMs = 0;  // the "busy" answer is written only if it fits at once
constexpr int kBusyDrainMs = 50;        // how long a refused client may take to finish its request

Status makeAddress(const std::string& path, sockaddr_un& addr) {
  std::memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (path.empty()) return invalidArgument("control socket path is empty");
  if (path.size() >= sizeof addr.sun_path)
    return invalidArgument("control socket path " + path + " is longer than " +
                           std::to_string(sizeof addr.sun_path - 1) + " characters");
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  return Status::ok();
}

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Waits until `fd` is ready for `events`, the deadline passes (kTimeout) or `wakeFd` (optional, -1
// for none) becomes readable (kUnavailable: the server is stopping).
Status waitReady(int fd, short events, int64_t deadline, int wakeFd, const std::string& what) {
  for (;;) {
    int64_t left = std::max<int64_t>(deadline - nowMs(), 0);  // a deadline already past still polls once
    pollfd p[2] = {{fd, events, 0}, {wakeFd, POLLIN, 0}};
    int r = ::poll(p, wakeFd >= 0 ? 2 : 1, static_cast<int>(left));
    if (r < 0) {
      if (errno == EINTR) continue;
      return errnoStatus("poll", errno);
    }
    if (r == 0) {
      if (nowMs() >= deadline) return timeoutError(what);
      continue;
    }
    if (wakeFd >= 0 && p[1].revents != 0) return unavailable("the control socket is stopping");
    return Status::ok();
  }
}

// Reads until a complete JSON document arrived (a newline after it, or EOF), the size limit or the
// deadline. Returns the bytes read.
Result<std::string> readDocument(int fd, int timeoutMs, size_t limit, int wakeFd = -1) {
  std::string data;
  const int64_t deadline = nowMs() + timeoutMs;
  char buf[4096];
  for (;;) {
    EDGE_RETURN_IF_ERROR(
        waitReady(fd, POLLIN, deadline, wakeFd, "no complete request within " + std::to_string(timeoutMs) + " ms"));
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return errnoStatus("read", errno);
    }
    if (n == 0) return data;  // EOF ends the document
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > limit) return resourceExhausted("request larger than " + std::to_string(limit) + " bytes");
    if (data.back() == '\n' && Json::accept(data)) return data;
  }
}

// Writes all of `data` before the deadline (the socket may be non-blocking).
Status writeAll(int fd, const std::string& data, int timeoutMs, int wakeFd = -1) {
  const int64_t deadline = nowMs() + timeoutMs;
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return errnoStatus("write", errno);
      EDGE_RETURN_IF_ERROR(waitReady(fd, POLLOUT, deadline, wakeFd,
                                     "the client took " + std::to_string(done) + " of " +
                                         std::to_string(data.size()) + " bytes of the answer in " +
                                         std::to_string(timeoutMs) + " ms"));
      continue;
    }
    done += static_cast<size_t>(n);
  }
  return Status::ok();
}

}  // namespace

ControlServer::ControlServer(command::Table& commands, ControlOptions options) : options_(options), commands_(commands) {}

ControlServer::~ControlServer() { stop(); }

void ControlServer::countIn(CounterRegistry& registry, const std::string& prefix) {
  refused_ = &registry.counter(prefix + "_connections_refused_total",
                               "Control connections refused because the most allowed at once were being served");
  timeouts_ = &registry.counter(prefix + "_connection_timeouts_total",
                                "Control connections ended because the client did not send its command or take "
                                "its answer in time");
}

Json ControlServer::handle(const Json& request) { return commands_.handle(command::Caller::root(), request); }

Status ControlServer::start(const std::string& path, int mode) {
  if (running_) return failedPrecondition("control socket already started on " + path_);
  sockaddr_un addr;
  EDGE_RETURN_IF_ERROR(makeAddress(path, addr));

  // A socket file may be left over from a crash. If someone answers on it, another instance runs.
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return alreadyExists("control socket path " + path + " exists and is not a socket");
    int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe >= 0) {
      int r = ::connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
      ::close(probe);
      if (r == 0) return alreadyExists("another process is already serving the control socket " + path);
    }
    ::unlink(path.c_str());
  }

  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errnoStatus("creating control socket", errno);
  // Create the socket with no permissions for others from the first instant, then set the mode.
  mode_t old = ::umask(0177);
  int r = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  int bindErr = errno;
  ::umask(old);
  if (r < 0) {
    ::close(fd);
    return errnoStatus("binding control socket " + path, bindErr);
  }
  if (::chmod(path.c_str(), static_cast<mode_t>(mode)) < 0 || ::listen(fd, 16) < 0) {
    int err = errno;
    ::close(fd);
    ::unlink(path.c_str());
    return errnoStatus("setting up control socket " + path, err);
  }
  if (::pipe2(wakePipe_, O_CLOEXEC | O_NONBLOCK) < 0) {
    int err = errno;
    ::close(fd);
    ::unlink(path.c_str());
    return errnoStatus("creating control socket wake pipe", err);
  }
  listenFd_ = fd;
  path_ = path;
  {
    std::lock_guard<std::mutex> lock(connMu_);
    stopping_ = false;
  }
  running_ = true;
  const int workers = options_.maxConnections > 0 ? options_.maxConnections : 1;
  for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { work(); });
  thread_ = std::thread([this] { serve(); });
  return Status::ok();
}

void ControlServer::stop() {
  if (!running_.exchange(false)) return;
  // The pipe is never drained: once written, every poll on it returns, in the accepting thread
  // and in each worker waiting on a client.
  char b = 1;
  ssize_t ignored = ::write(wakePipe_[1], &b, 1);
  (void)ignored;
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard<std::mutex> lock(connMu_);
    stopping_ = true;
  }
  connWake_.notify_all();
  for (std::thread& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
  for (int fd : accepted_) ::close(fd);
  accepted_.clear();
  ::close(listenFd_);
  ::close(wakePipe_[0]);
  ::close(wakePipe_[1]);
  listenFd_ = wakePipe_[0] = wakePipe_[1] = -1;
  ::unlink(path_.c_str());
}

void ControlServer::serve() {
  while (running_) {
    pollfd fds[2] = {{listenFd_, POLLIN, 0}, {wakePipe_[0], POLLIN, 0}};
    int r = ::poll(fds, 2, -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    int conn = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (conn < 0) continue;
    bool queued = false;
    {
      std::lock_guard<std::mutex> lock(connMu_);
      if (busy_ + static_cast<int>(accepted_.size()) < options_.maxConnections) {
        accepted_.push_back(conn);
        queued = true;
      }
    }
    if (queued) {
      connWake_.notify_one();
      continue;
    }
    // Every worker is taken: say so at once rather than let the client wait in the backlog.
    if (refused_ != nullptr) refused_->inc();
    Status ignored = writeAll(conn,
                              ControlReply::error(unavailable("busy: " + std::to_string(options_.maxConnections) +
                                                  " control connections are being served; try again"))
                                      .toJson()
                                      .dump() +
                                  "\n",
                              kBusyWriteTimeoutMs);
    (void)ignored;
    // Read and drop the request before closing: Linux resets a Unix socket closed with unread data
    // (ECONNRESET on the client's side), and the client would lose the "busy" answer. Bounded, so a
    // client that keeps sending holds the acceptor for kBusyDrainMs at most.
    ::shutdown(conn, SHUT_WR);
    const int64_t drainUntil = nowMs() + kBusyDrainMs;
    char sink[4096];
    for (int64_t left = kBusyDrainMs; left > 0; left = drainUntil - nowMs()) {
      pollfd p{conn, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
      if (::read(conn, sink, sizeof sink) <= 0) break;
    }
    ::close(conn);
  }
}

void ControlServer::work() {
  for (;;) {
    int fd = -1;
    {
      std::unique_lock<std::mutex> lock(connMu_);
      connWake_.wait(lock, [this] { return stopping_ || !accepted_.empty(); });
      if (stopping_) return;
      fd = accepted_.front();
      accepted_.pop_front();
      ++busy_;
    }
    serveConnection(fd);
    ::close(fd);
    std::lock_guard<std::mutex> lock(connMu_);
    --busy_;
  }
}

void ControlServer::serveConnection(int fd) {
  Json response;
  Result<std::string> request = readDocument(fd, options_.requestTimeoutMs, options_.maxRequestBytes, wakePipe_[0]);
  if (!request.isOk()) {
    if (request.status().code() == Code::kUnavailable) return;  // stopping
    if (request.status().code() == Code::kTimeout && timeouts_ != nullptr) timeouts_->inc();
    response = ControlReply::error("bad request: " + request.status().message()).toJson();
  } else {
    Result<Json> doc = parseJsonWithComments(*request, "request");
    response = doc.isOk() ? handle(*doc) : ControlReply::error(doc.status().message()).toJson();
  }
  Status written = writeAll(fd, response.dump() + "\n", options_.replyTimeoutMs, wakePipe_[0]);
  // The client went away or would not take its answer: nothing to tell anyone but the counter.
  if (written.code() == Code::kTimeout && timeouts_ != nullptr) timeouts_->inc();
}

Result<Json> controlCall(const std::string& socketPath, const std::string& command, const Json& arguments,
                         int timeoutMs, const std::string& daemonName) {
  sockaddr_un addr;
  EDGE_RETURN_IF_ERROR(makeAddress(socketPath, addr));
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errnoStatus("creating socket", errno);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
    int err = errno;
    ::close(fd);
    if (err == ENOENT || err == ECONNREFUSED)
      return unavailable(daemonName + " is not running (no one is listening on the control socket " + socketPath +
                         ")");
    if (err == EACCES || err == EPERM)
      return permissionDenied("not allowed to use the control socket " + socketPath +
                              " (run as root or as a member of the daemon's group)");
    return errnoStatus("connecting to the control socket " + socketPath, err);
  }
  Json request = Json::object();
  request["command"] = command;
  if (!arguments.is_null()) request["arguments"] = arguments;
  Status s = writeAll(fd, request.dump() + "\n", timeoutMs);
  // A daemon that refuses the connection ("busy") answers and closes before reading: its answer
  // is still there to read after a failed send.
  if (s.isOk()) ::shutdown(fd, SHUT_WR);
  Result<std::string> reply = readDocument(fd, s.isOk() ? timeoutMs : 0, 64u << 20);
  ::close(fd);
  if (!s.isOk() && (!reply.isOk() || reply->empty())) return s.withContext("sending to " + socketPath);
  if (!reply.isOk()) return reply.status().withContext("waiting for " + daemonName + "'s answer");
  if (reply->empty()) return unavailable(daemonName + " closed the control connection without answering");
  return parseJsonWithComments(*reply, "answer from " + daemonName);
}

}  // namespace core
