// The diagnostics runs of the box: each run (a ping, a traceroute, a DNS lookup, a TLS check, a
// capture) is a job on a thread of its own whose output lines are kept and handed, as they come, to
// whoever follows it (the technician UI's server-sent events; edgectl waits for the end instead).
//
// Contract
// - One run per owner at a time (an owner is the person asking: the caller's label); a second start
//   while the first runs is kFailedPrecondition, naming the tool that runs.
// - An attended run (started by a page that then follows it) is stopped when nobody follows it: no
//   follower within kFirstFollowSeconds of its start, or its last follower gone (a write to them
//   failed: the page was closed). Unattended runs (edgectl) run to their end or limit.
// - Lines are kept up to kMaxLines (the rest counted, not kept); a follower first gets every kept
//   line, then each new one, then the end. Sinks are called on the run's thread or the follower's,
//   never two at once for one run; a sink returns false when its client is gone.
// - The recent runs are kept in memory (RunsOptions::keep, 50: finished ones beyond that are forgotten,
//   oldest first; a run in progress never is) with their bounded output, for the list of past runs
//   (`diag-runs`); a capture's file is deleted after RunsOptions::fileSeconds (an hour) and the run
//   stays listed without it. Memory, not edge.db: the output is diagnostic, a capture file is gone at
//   restart anyway, and the audit log already keeps who ran what durably.
// - stopAll() stops every run and waits for their threads (daemon stop). Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/json.h"
#include "core/status.h"

namespace edge::diagnostics {

// event: "line" (data: one line of output), "end" (data: how it ended), "" (a keep-alive: data empty).
using Sink = std::function<bool(const std::string& event, const std::string& data)>;

class Run {
 public:
  static constexpr size_t kMaxLines = 2000;
  static constexpr int kFirstFollowSeconds = 15;

  Run(std::string id, std::string owner, std::string tool, std::string target, bool attended, int64_t startedAt = 0);

  const std::string& id() const { return id_; }
  const std::string& owner() const { return owner_; }
  const std::string& tool() const { return tool_; }
  const std::string& target() const { return target_; }
  int64_t startedAt() const { return startedAt_; }  // unix seconds

  // From the job: one line of output; keep-alives (at most one a second is sent).
  void line(const std::string& text);
  void idle();
  // Whether the job should end now: asked to stop, or attended and abandoned.
  bool shouldStop();
  void requestStop();

  // A file the run produced (a capture) and its download name.
  void setFile(const std::string& path, const std::string& name);
  std::string file() const;
  std::string fileName() const;
  // The file was deleted (expired or edged stopping): the run stays listed without it.
  void dropFile();
  bool fileExpired() const;

  // Ends the run with its summary ("exited with status 0"); failed: the tool could not run.
  void finish(const std::string& summary, bool failed);
  bool done() const;
  // Waits until done or `ms` passed; true when done.
  bool waitDone(int ms);
  // {"id", "tool", "target", "lines": [...], "summary", "done", "failed", "lines-dropped"}.
  core::Json toJson() const;
  // For the list of runs, without the output: {"id", "owner", "tool", "target", "started-at" (unix s),
  // "duration-ms" (so far, while running), "done", "failed", "summary", "has-file", "file-expired"}.
  core::Json summaryJson() const;
  std::string output() const;  // the kept lines, each ending in '\n'

  // Adds a follower: replays the kept lines (and the end, when done) to it first.
  void follow(Sink sink);

 private:
  void deliver(const std::string& event, const std::string& data);  // mu_ held

  const std::string id_, owner_, tool_, target_;
  const bool attended_;
  const int64_t startedMs_;
  const int64_t startedAt_;
  int64_t durationMs_ = -1;  // set at finish
  mutable std::mutex mu_;
  std::condition_variable doneCv_;
  std::vector<std::string> lines_;
  uint64_t dropped_ = 0;
  std::vector<Sink> followers_;
  bool everFollowed_ = false;
  bool stop_ = false;
  bool done_ = false;
  bool failed_ = false;
  std::string summary_;
  std::string file_, fileName_;
  bool fileExpired_ = false;
  int64_t lastPingMs_ = 0;
};

struct RunsOptions {
  size_t keep = 50;             // finished runs listed, newest first
  int64_t fileSeconds = 3600;   // a capture file is deleted this long after its run ended
  std::function<int64_t()> nowMs = {};    // monotonic milliseconds; absent: monotonicMs()
  std::function<int64_t()> wallNow = {};  // unix seconds for started-at; absent: the system clock
};

class Runs {
 public:
  using Job = std::function<void(Run& run)>;  // must call run.finish() before it returns

  explicit Runs(RunsOptions options = {});
  ~Runs();
  // Starts `job` on a thread of its own, or refuses (one run per owner).
  core::Result<std::shared_ptr<Run>> start(const std::string& owner, const std::string& tool,
                                           const std::string& target, bool attended, Job job);
  // The run of that id if `owner` started it (anyone else gets nullptr, as for an unknown id).
  std::shared_ptr<Run> find(const std::string& id, const std::string& owner) const;
  // The run of that id, whoever started it (the caller decides who may see it); nullptr if unknown.
  std::shared_ptr<Run> get(const std::string& id);
  // The kept runs, newest first (expired capture files deleted first).
  std::vector<std::shared_ptr<Run>> list();
  // Stops the owner's run in progress; kNotFound when there is none.
  core::Status stop(const std::string& owner);
  void stopAll();

 private:
  void reap();  // joins finished threads, deletes expired files, forgets runs beyond keep (mu_ held)
  int64_t nowMs() const;

  struct Entry {
    std::shared_ptr<Run> run;
    std::thread thread;
    int64_t finishedMs = 0;
  };
  RunsOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> runs_;  // by id
  std::vector<std::string> order_;     // ids, oldest first
  uint64_t next_ = 0;
  bool stopping_ = false;
};

int64_t monotonicMs();

}  // namespace edge::diagnostics
