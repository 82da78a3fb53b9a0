// edge/diagnostics/child.h: a supervised child's lines, exit status, limits and stop, with real
// processes (/bin/sh and friends from coreutils).
#include "edge/diagnostics/child.h"

#include <signal.h>

#include <string>
#include <vector>

#include <CppUTest/TestHarness.h>

using edge::diagnostics::ChildCallbacks;
using edge::diagnostics::ChildLimits;
using edge::diagnostics::ChildResult;
using edge::diagnostics::runChild;

namespace {

struct Collected {
  std::vector<std::string> lines;
  ChildCallbacks callbacks() {
    ChildCallbacks cb;
    cb.onLine = [this](const std::string& l) { lines.push_back(l); };
    return cb;
  }
};

}  // namespace

TEST_GROUP(Child){};

TEST(Child, LinesOfBothStreamsAndTheExitStatus) {
  Collected c;
  core::Result<ChildResult> r =
      runChild({"/bin/sh", "-c", "echo one; echo two >&2; printf 'no end'; exit 3"}, ChildLimits{}, c.callbacks());
  CHECK_TRUE(r.isOk());
  CHECK(r->outcome == ChildResult::Outcome::kExited);
  LONGS_EQUAL(3, r->exitCode);
  LONGS_EQUAL(3, c.lines.size());
  STRCMP_EQUAL("one", c.lines[0].c_str());
  STRCMP_EQUAL("two", c.lines[1].c_str());
  STRCMP_EQUAL("no end", c.lines[2].c_str());
}

TEST(Child, ArgumentsAreNotInterpretedByAShell) {
  Collected c;
  core::Result<ChildResult> r = runChild({"/bin/echo", "$(id)", ";", "`id`"}, ChildLimits{}, c.callbacks());
  CHECK_TRUE(r.isOk());
  LONGS_EQUAL(1, c.lines.size());
  STRCMP_EQUAL("$(id) ; `id`", c.lines[0].c_str());
}

TEST(Child, NoDescriptorOfOursReachesTheChild) {
  Collected c;
  // fd 0..2 only: /proc/self/fd of the child lists 0 1 2 and the one ls opens to read the folder.
  core::Result<ChildResult> r = runChild({"/bin/ls", "/proc/self/fd"}, ChildLimits{}, c.callbacks());
  CHECK_TRUE(r.isOk());
  CHECK_TRUE(c.lines.size() <= 4);
}

TEST(Child, TheTimeLimitEndsAChildAndWhatItStarted) {
  Collected c;
  ChildLimits limits;
  limits.seconds = 1;
  // The shell starts a grandchild that would outlive it: the process group goes.
  core::Result<ChildResult> r = runChild({"/bin/sh", "-c", "sleep 30 & echo started; wait"}, limits, c.callbacks());
  CHECK_TRUE(r.isOk());
  CHECK(r->outcome == ChildResult::Outcome::kTimeLimit);
  STRCMP_EQUAL("stopped after its time limit (1 s)", r->describe(limits).c_str());
  LONGS_EQUAL(1, c.lines.size());
}

TEST(Child, TheOutputLimitEndsAChild) {
  Collected c;
  ChildLimits limits;
  limits.maxOutputBytes = 1000;
  core::Result<ChildResult> r = runChild({"/usr/bin/yes", "line"}, limits, c.callbacks());
  CHECK_TRUE(r.isOk());
  CHECK(r->outcome == ChildResult::Outcome::kOutputLimit);
  CHECK_TRUE(c.lines.size() <= 200);
}

TEST(Child, LongLinesAreCut) {
  Collected c;
  ChildLimits limits;
  limits.maxLineBytes = 10;
  core::Result<ChildResult> r = runChild({"/bin/sh", "-c", "echo 0123456789abcdef"}, limits, c.callbacks());
  CHECK_TRUE(r.isOk());
  STRCMP_EQUAL("0123456789", c.lines.at(0).c_str());
}

TEST(Child, AskedToStopItStops) {
  Collected c;
  ChildCallbacks cb = c.callbacks();
  cb.shouldStop = [&c] { return !c.lines.empty(); };  // as soon as it has said something
  core::Result<ChildResult> r = runChild({"/bin/sh", "-c", "echo go; exec sleep 30"}, ChildLimits{}, cb);
  CHECK_TRUE(r.isOk());
  CHECK(r->outcome == ChildResult::Outcome::kStopped);
}

TEST(Child, AMissingProgramOrARelativePathIsRefused) {
  Collected c;
  core::Result<ChildResult> missing = runChild({"/nonexistent/tool", "x"}, ChildLimits{}, c.callbacks());
  CHECK(missing.status().code() == core::Code::kFailedPrecondition);
  CHECK(runChild({"sh", "-c", "true"}, ChildLimits{}, c.callbacks()).status().code() == core::Code::kInvalidArgument);
}
