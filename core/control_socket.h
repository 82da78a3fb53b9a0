// The control socket: a Unix stream socket taking one JSON command per connection, Kea style.
//
//   request:  {"command": "status", "arguments": {...}}            (one JSON document, then EOF or \n)
//   response: {"result": 0, "text": "...", "arguments": {...}}      (then the server closes)
//
// result codes (Kea's): 0 success, 1 error, 2 unsupported command, 3 empty (nothing to report).
// Contract: handlers run one at a time (on the server's own thread, or on a thread calling handle();
// handle() serializes them) (the control path: exceptions
// are allowed and turned into result 1). The socket file is created with mode 0660 so only root
// and the daemon's group can command the daemon. Requests are limited to 1 MiB and 5 s.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/config.h"
#include "core/status.h"

namespace core {

enum ControlResult { kControlSuccess = 0, kControlError = 1, kControlUnsupported = 2, kControlEmpty = 3 };

struct ControlReply {
  int result = kControlSuccess;
  std::string text;
  Json arguments;  // null when there are none

  static ControlReply success(std::string text, Json arguments = nullptr) {
    return ControlReply{kControlSuccess, std::move(text), std::move(arguments)};
  }
  static ControlReply error(std::string text) { return ControlReply{kControlError, std::move(text), nullptr}; }
  Json toJson() const;
};

class ControlServer {
 public:
  using Handler = std::function<ControlReply(const Json& arguments)>;

  ControlServer();
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Register before start(). `help` is shown by "list-commands" and "help".
  void registerCommand(const std::string& name, const std::string& help, Handler handler);

  // Policy around every command (before start()): `before` may refuse a command with its reply (a
  // license that freezes changes); `after` sees each command's reply (to report changes upstream).
  using Before = std::function<std::optional<ControlReply>(const std::string& command, const Json& arguments)>;
  using After = std::function<void(const std::string& command, const Json& arguments, const ControlReply& reply)>;
  void intercept(Before before, After after);

  // Binds `path` (replacing a stale socket file; refusing when another process is listening there)
  // and starts the serving thread.
  Status start(const std::string& path, int mode = 0660);
  // Stops the thread, closes and unlinks the socket. Idempotent.
  void stop();

  // Runs one request document through the command table, as a connection would (used by tests).
  Json handle(const Json& request);

  const std::string& path() const { return path_; }

 private:
  struct Command {
    std::string help;
    Handler handler;
  };
  void serve();
  void serveConnection(int fd);

  std::map<std::string, Command> commands_;
  std::mutex handleMu_;
  Before before_;
  After after_;  // one handler at a time, whichever thread calls
  std::string path_;
  int listenFd_ = -1;
  int wakePipe_[2] = {-1, -1};
  std::thread thread_;
  std::atomic<bool> running_{false};
};

// Sends one command to a control socket and returns the parsed response document. Errors are worded
// for the person at the CLI: "edged is not running (no control socket at /run/edged/control.sock)".
Result<Json> controlCall(const std::string& socketPath, const std::string& command, const Json& arguments,
                         int timeoutMs = 10000, const std::string& daemonName = "the daemon");

}  // namespace core
