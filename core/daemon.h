// The daemon skeleton shared by edged and mgmtd: signals, pid file, systemd notification, and the
// main loop's wait for "stop" or "reload".
//
// Contract:
//  - DaemonLoop::init() must run before any thread is created: it blocks SIGTERM, SIGINT and SIGHUP
//    in the calling thread (threads inherit the mask) and receives them through a signalfd, so no
//    code runs in signal context. SIGPIPE is ignored.
//  - wait() returns kStop on SIGTERM/SIGINT or requestStop(), kReload on SIGHUP or requestReload(),
//    kTick when the timeout passes. requestStop()/requestReload() are thread-safe (the control
//    socket calls them).
//  - Reload is staging then commit: the daemon parses and validates the new config completely, and
//    only then applies it; a bad file leaves the running config untouched.
#pragma once

#include <string>

#include "core/status.h"

namespace core {

class DaemonLoop {
 public:
  enum class Event { kStop, kReload, kTick };

  DaemonLoop() = default;
  ~DaemonLoop();
  DaemonLoop(const DaemonLoop&) = delete;
  DaemonLoop& operator=(const DaemonLoop&) = delete;

  Status init();
  Event wait(int timeoutMs);
  void requestStop();
  void requestReload();

 private:
  int signalFd_ = -1;
  int eventFd_ = -1;
  bool masked_ = false;
  unsigned char oldMask_[128] = {};  // the sigset_t before init(), restored by the destructor
};

// A pid file held with an exclusive lock for the daemon's lifetime: a second instance is refused with
// the pid of the first; a file left by a crash (no lock held) is simply taken over.
class PidFile {
 public:
  PidFile() = default;
  ~PidFile();
  PidFile(const PidFile&) = delete;
  PidFile& operator=(const PidFile&) = delete;

  Status acquire(const std::string& path, const std::string& daemonName);
  void release();

 private:
  std::string path_;
  int fd_ = -1;
};

// sd_notify(3) without libsystemd: sends `state` ("READY=1", "RELOADING=1", "STOPPING=1",
// "STATUS=...") to $NOTIFY_SOCKET when systemd gave us one; a no-op otherwise.
void sdNotify(const std::string& state);

// Creates `dir` (and parents) with `mode` if missing, and proves we can create files in it.
// Errors name the path and the reason.
Status ensureWritableDir(const std::string& dir, int mode, const std::string& what);

// Lowers the CPU priority of the calling thread alone to `nice` (Linux's setpriority on a thread
// id), for work that must yield to the RADIUS fast path on a busy core: the web UI's request threads
// (19), the EAP lane's TLS handshakes. Best effort: a failure leaves the priority as it was.
void lowerThreadPriority(int nice);

}  // namespace core
