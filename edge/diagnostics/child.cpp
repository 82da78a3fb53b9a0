// Supervised children of the diagnostics tools. See child.h.
#include "edge/diagnostics/child.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace edge::diagnostics {

namespace {

using Clock = std::chrono::steady_clock;

// In the child, between fork and exec: only async-signal-safe calls.
[[noreturn]] void execChild(int outFd, int stdoutFd, char* const* argv, char* const* envp) {
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  ::setpgid(0, 0);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  int in = ::open("/dev/null", O_RDONLY);
  if (in >= 0 && in != 0) ::dup2(in, 0);
  ::dup2(stdoutFd >= 0 ? stdoutFd : outFd, 1);
  ::dup2(outFd, 2);
  // Nothing else of edged's (databases, sockets, keys) reaches the tool.
  ::syscall(SYS_close_range, 3U, ~0U, 0U);
  ::execve(argv[0], argv, envp);
  _exit(127);
}

}  // namespace

std::string ChildResult::describe(const ChildLimits& limits) const {
  switch (outcome) {
    case Outcome::kExited:
      return "exited with status " + std::to_string(exitCode);
    case Outcome::kSignalled:
      return "ended by signal " + std::to_string(exitCode);
    case Outcome::kTimeLimit:
      return "stopped after its time limit (" + std::to_string(limits.seconds) + " s)";
    case Outcome::kOutputLimit:
      return "stopped after its output limit (" + std::to_string(limits.maxOutputBytes) + " bytes)";
    case Outcome::kStopped:
      return "stopped";
  }
  return "ended";
}

std::string findProgram(const std::vector<std::string>& candidates) {
  for (const std::string& c : candidates)
    if (!c.empty() && c[0] == '/' && ::access(c.c_str(), X_OK) == 0) return c;
  return "";
}

core::Result<ChildResult> runChild(const std::vector<std::string>& args, const ChildLimits& limits,
                                   const ChildCallbacks& callbacks, int stdoutFd) {
  if (args.empty() || args[0].empty() || args[0][0] != '/')
    return core::invalidArgument("a diagnostics program must be an absolute path");
  if (::access(args[0].c_str(), X_OK) != 0) return core::failedPrecondition(args[0] + " is not installed");
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (std::string& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::string path = "PATH=/usr/sbin:/usr/bin:/sbin:/bin", lang = "LANG=C";
  char* envp[] = {path.data(), lang.data(), nullptr};

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return core::internalError(std::string("pipe: ") + std::strerror(errno));
  pid_t pid = ::fork();
  if (pid < 0) {
    int e = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return core::internalError(std::string("fork: ") + std::strerror(e));
  }
  if (pid == 0) execChild(fds[1], stdoutFd, argv.data(), envp);
  ::close(fds[1]);
  ::setpgid(pid, pid);  // also here: whichever runs first, the group exists before a kill

  ChildResult result;
  bool ending = false;  // SIGTERM sent; SIGKILL at killAt
  Clock::time_point started = Clock::now(), killAt{};
  auto end = [&](ChildResult::Outcome why) {
    if (ending) return;
    ending = true;
    result.outcome = why;
    ::kill(-pid, SIGTERM);
    killAt = Clock::now() + std::chrono::seconds(1);
  };
  size_t total = 0;
  std::string line;
  auto emit = [&] {
    if (callbacks.onLine) callbacks.onLine(line);
    line.clear();
  };
  bool open = true;
  while (open) {
    pollfd p{fds[0], POLLIN, 0};
    int n = ::poll(&p, 1, 250);
    if (n > 0) {
      char buf[4096];
      ssize_t got = ::read(fds[0], buf, sizeof buf);
      if (got == 0) {
        open = false;  // every writer closed: the child (and its children) are done with output
      } else if (got > 0) {
        for (ssize_t i = 0; i < got && !ending; ++i) {
          if (++total > limits.maxOutputBytes) {
            end(ChildResult::Outcome::kOutputLimit);
            break;
          }
          char c = buf[i];
          if (c == '\n') {
            emit();
          } else if (c != '\r' && line.size() < limits.maxLineBytes) {
            line.push_back(c);
          }
        }
      } else if (errno != EINTR && errno != EAGAIN) {
        open = false;
      }
    }
    Clock::time_point now = Clock::now();
    if (!ending && now - started >= std::chrono::seconds(limits.seconds)) end(ChildResult::Outcome::kTimeLimit);
    if (!ending && callbacks.shouldStop && callbacks.shouldStop()) end(ChildResult::Outcome::kStopped);
    if (ending && now >= killAt) {
      ::kill(-pid, SIGKILL);
      break;  // a grandchild may still hold the pipe: stop reading
    }
    if (n == 0 && callbacks.onIdle) callbacks.onIdle();
  }
  if (!line.empty()) emit();
  ::close(fds[0]);
  // The output has ended (or SIGKILL went): wait for the exit under the same limits.
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) break;
    Clock::time_point now = Clock::now();
    if (!ending && now - started >= std::chrono::seconds(limits.seconds)) end(ChildResult::Outcome::kTimeLimit);
    if (!ending && callbacks.shouldStop && callbacks.shouldStop()) end(ChildResult::Outcome::kStopped);
    if (ending && now >= killAt) {
      ::kill(-pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    ::usleep(50 * 1000);
  }
  ::kill(-pid, SIGKILL);  // whatever the tool left in its group
  if (!ending) {
    if (WIFEXITED(status)) {
      result.outcome = ChildResult::Outcome::kExited;
      result.exitCode = WEXITSTATUS(status);
      if (result.exitCode == 127 && total == 0) return core::failedPrecondition(args[0] + " could not be started");
    } else if (WIFSIGNALED(status)) {
      result.outcome = ChildResult::Outcome::kSignalled;
      result.exitCode = WTERMSIG(status);
    }
  }
  return result;
}

}  // namespace edge::diagnostics
