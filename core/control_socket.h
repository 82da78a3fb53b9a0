// The control socket: a Unix stream socket taking one JSON command per connection, Kea style.
//
//   request:  {"command": "status", "arguments": {...}}            (one JSON document, then EOF or \n)
//   response: {"result": 0, "text": "...", "arguments": {...}}      (then the server closes)
//
// result codes (Kea's): 0 success, 1 error, 2 unsupported command, 3 empty (nothing to report).
//
// Contract
// - Connections are served concurrently, each on a worker of its own (ControlOptions::maxConnections
//   at once; one more is answered "busy" at once and closed). Each connection has deadlines: the
//   whole request within requestTimeoutMs, the whole answer taken within replyTimeoutMs. So a client
//   that sends half a command, or never reads its answer, costs one worker for a bounded time and
//   delays nobody else.
// - Each request is dispatched through the daemon's command table (core/command/command.h) with
//   the local-root caller: what runs, in which order and under which lock is decided there.
// - The socket file is created with mode 0660 so only root and the daemon's group can command the
//   daemon. Requests are limited to maxRequestBytes (1 MiB).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/command/command.h"
#include "core/command/reply.h"
#include "core/config.h"
#include "core/counters.h"
#include "core/status.h"

namespace core {

struct ControlOptions {
  int maxConnections = 16;     // served at once; one more is answered "busy" and closed
  int requestTimeoutMs = 5000;  // the whole request must arrive within this
  int replyTimeoutMs = 10000;   // the client must take the whole answer within this
  size_t maxRequestBytes = 1u << 20;
};

class ControlServer {
 public:
  // Serves `commands` (which must outlive the server) to local root.
  explicit ControlServer(command::Table& commands, ControlOptions options = {});
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Counts refused and timed-out connections in `registry` as <prefix>_connections_refused_total and
  // <prefix>_connection_timeouts_total (before start(); the registry must outlive the server).
  void countIn(CounterRegistry& registry, const std::string& prefix);

  // Binds `path` (replacing a stale socket file; refusing when another process is listening there)
  // and starts the accepting thread and the connection workers.
  Status start(const std::string& path, int mode = 0660);
  // Stops accepting, ends the connections still reading or writing, waits for commands in progress
  // (a later() wait included: stop what it waits for first), closes and unlinks the socket.
  // Idempotent.
  void stop();

  // Runs one request document through the command table as local root, as a connection would.
  Json handle(const Json& request);

  const std::string& path() const { return path_; }

 private:
  void serve();
  void work();
  void serveConnection(int fd);

  const ControlOptions options_;
  command::Table& commands_;
  std::string path_;
  int listenFd_ = -1;
  int wakePipe_[2] = {-1, -1};  // readable once stop() began: ends every wait on a client
  std::thread thread_;
  std::vector<std::thread> workers_;
  std::mutex connMu_;  // accepted_, busy_, stopping_
  std::condition_variable connWake_;
  std::deque<int> accepted_;  // connections waiting for a worker
  int busy_ = 0;              // connections a worker is serving
  bool stopping_ = false;
  std::atomic<bool> running_{false};
  Counter* refused_ = nullptr;
  Counter* timeouts_ = nullptr;
};

// Sends one command to a control socket and returns the parsed response document. Errors are worded
// for the person at the CLI: "edged is not running (no control socket at /run/edged/control.sock)".
Result<Json> controlCall(const std::string& socketPath, const std::string& command, const Json& arguments,
                         int timeoutMs = 10000, const std::string& daemonName = "the daemon");

}  // namespace core
