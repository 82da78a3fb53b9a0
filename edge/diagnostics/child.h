// A supervised child process for the diagnostics tools (ping, traceroute, dig, tcpdump): started
// with fork/exec and an argument vector (never a shell), its standard output and error read as lines
// while it runs, ended when its time or output limit is reached or when asked to stop.
//
// Contract
// - runChild() BLOCKS the calling thread until the child has ended and been reaped; call it from a
//   thread of its own, never from a command handler under the table's lock.
// - The program is an absolute path; argv[0] is that path. The child gets an empty standard input,
//   a fresh process group (so a stop reaches whatever it started), a small environment (PATH,
//   LANG=C), no other descriptor of ours, and SIGTERM when edged dies (PR_SET_PDEATHSIG).
// - Each line (without its end) goes to onLine as it comes; a line longer than maxLineBytes is cut
//   there. Output past maxOutputBytes ends the child (outcome kOutputLimit). Past `seconds` it gets
//   SIGTERM, then SIGKILL a second later (kTimeLimit). shouldStop() is asked at least every 250 ms:
//   true ends the child the same way (kStopped). onIdle is called at those times too (keep-alives).
// - Never throws, never logs.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"

namespace edge::diagnostics {

struct ChildLimits {
  int seconds = 30;
  size_t maxOutputBytes = 64 * 1024;
  size_t maxLineBytes = 512;
};

struct ChildResult {
  enum class Outcome { kExited, kSignalled, kTimeLimit, kOutputLimit, kStopped };
  Outcome outcome = Outcome::kExited;
  int exitCode = 0;  // kExited: the child's exit status; kSignalled: the signal
  // "exited with status 0", "ended after its time limit (30 s)", ...
  std::string describe(const ChildLimits& limits) const;
};

struct ChildCallbacks {
  std::function<void(const std::string& line)> onLine;
  std::function<bool()> shouldStop;  // absent: never
  std::function<void()> onIdle;      // absent: nothing
};

// Runs argv (argv[0] an absolute path) to its end. kFailedPrecondition when the program is not
// installed; kInternal when fork or pipe fail. With stdoutFd, the child's standard output goes there
// (a capture file) and only its standard error is read as lines.
core::Result<ChildResult> runChild(const std::vector<std::string>& argv, const ChildLimits& limits,
                                   const ChildCallbacks& callbacks, int stdoutFd = -1);

// The first of `candidates` that exists and is executable, or "".
std::string findProgram(const std::vector<std::string>& candidates);

}  // namespace edge::diagnostics
