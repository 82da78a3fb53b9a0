#include "core/daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace core {

namespace {
constexpr uint64_t kStopBit = 1;
constexpr uint64_t kReloadBit = 1ull << 32;
}  // namespace

DaemonLoop::~DaemonLoop() {
  if (masked_) ::pthread_sigmask(SIG_SETMASK, reinterpret_cast<sigset_t*>(oldMask_), nullptr);
  if (signalFd_ >= 0) ::close(signalFd_);
  if (eventFd_ >= 0) ::close(eventFd_);
}

Status DaemonLoop::init() {
  ::signal(SIGPIPE, SIG_IGN);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGHUP);
  static_assert(sizeof(sigset_t) <= sizeof(oldMask_), "sigset_t does not fit");
  if (::pthread_sigmask(SIG_BLOCK, &mask, reinterpret_cast<sigset_t*>(oldMask_)) != 0)
    return internalError("cannot block signals");
  masked_ = true;
  signalFd_ = ::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signalFd_ < 0) return errnoStatus("signalfd", errno);
  eventFd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (eventFd_ < 0) return errnoStatus("eventfd", errno);
  return Status::ok();
}

DaemonLoop::Event DaemonLoop::wait(int timeoutMs) {
  pollfd fds[2] = {{signalFd_, POLLIN, 0}, {eventFd_, POLLIN, 0}};
  int r = ::poll(fds, 2, timeoutMs);
  if (r <= 0) return Event::kTick;
  Event result = Event::kTick;
  if (fds[0].revents & POLLIN) {
    signalfd_siginfo info;
    while (::read(signalFd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      if (info.ssi_signo == SIGHUP && result != Event::kStop) result = Event::kReload;
      if (info.ssi_signo == SIGTERM || info.ssi_signo == SIGINT) result = Event::kStop;
    }
  }
  if (fds[1].revents & POLLIN) {
    uint64_t v = 0;
    if (::read(eventFd_, &v, sizeof v) == static_cast<ssize_t>(sizeof v)) {
      if ((v & 0xffffffffu) != 0) result = Event::kStop;
      else if ((v >> 32) != 0 && result != Event::kStop) result = Event::kReload;
    }
  }
  return result;
}

void DaemonLoop::requestStop() {
  uint64_t v = kStopBit;
  ssize_t ignored = ::write(eventFd_, &v, sizeof v);
  (void)ignored;
}

void DaemonLoop::requestReload() {
  uint64_t v = kReloadBit;
  ssize_t ignored = ::write(eventFd_, &v, sizeof v);
  (void)ignored;
}

PidFile::~PidFile() { release(); }

Status PidFile::acquire(const std::string& path, const std::string& daemonName) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return errnoStatus("pid file " + path, errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) < 0) {
    int err = errno;
    char buf[32] = {0};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    if (err == EWOULDBLOCK) {
      std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "?";
      while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
      return alreadyExists(daemonName + " is already running (pid " + pid + ", pid file " + path + ")");
    }
    return errnoStatus("locking pid file " + path, err);
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) < 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    int err = errno;
    ::close(fd);
    return errnoStatus("writing pid file " + path, err);
  }
  path_ = path;
  fd_ = fd;
  return Status::ok();
}

void PidFile::release() {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());
  ::close(fd_);
  fd_ = -1;
}

void sdNotify(const std::string& state) {
  const char* socketPath = std::getenv("NOTIFY_SOCKET");
  if (socketPath == nullptr || socketPath[0] == '\0') return;
  sockaddr_un addr;
  std::memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  size_t len = std::strlen(socketPath);
  if (len >= sizeof addr.sun_path) return;
  std::memcpy(addr.sun_path, socketPath, len);
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr),
           static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len));
  ::close(fd);
}

Status ensureWritableDir(const std::string& dir, int mode, const std::string& what) {
  if (dir.empty()) return invalidArgument(what + " is empty");
  // mkdir -p, one component at a time, so the error names the component that failed.
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    std::string part = dir.substr(0, pos);
    struct stat st;
    if (::stat(part.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) return failedPrecondition(what + " '" + dir + "': " + part + " is not a directory");
      continue;
    }
    if (::mkdir(part.c_str(), pos == dir.size() ? static_cast<mode_t>(mode) : 0755) < 0 && errno != EEXIST)
      return errnoStatus(what + " '" + dir + "': cannot create " + part, errno);
  }
  // access(2) answers for root as if every directory were writable; creating a file is the proof.
  std::string probe = dir + "/.write-test-" + std::to_string(::getpid());
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return errnoStatus(what + " '" + dir + "' is not writable", errno);
  ::close(fd);
  ::unlink(probe.c_str());
  return Status::ok();
}

void lowerThreadPriority(int nice) {
  (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), nice);
}

}  // namespace core
