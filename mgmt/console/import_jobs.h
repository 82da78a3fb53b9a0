// Imports the console applies in the background (issue 30, ADR 0075): one thread per import,
// running importing::applyInChunks with the visitor's caller, so the request that uploaded the file
// answers at once and the Imports page shows the progress.
//
// Contract:
//  - start() refuses a second running import for the same scope (a tenant) and more than kMaxRunning
//    at once (the machine's other work goes on); it answers why ("" when started).
//  - The progress a page shows is mgmtd's (import-list: rows done of total, written with each chunk,
//    on every replica); what this holds is what only the replica that ran the job knows: the job's
//    outcome (sums, the first refused rows, the failure that stopped it), for the last kKeep jobs.
//  - The destructor asks every running job to stop after the chunk it is writing (each chunk is one
//    unit of work: nothing half-written) and waits for them. An import stopped so (or by a crash) is
//    an "applying" batch whose progress no longer moves: the page says so; importing the file again
//    goes on (what is there is kept), or the batch is rolled back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "mgmt/importing/import_chunks.h"

namespace mgmt::console {

class ImportJobs {
 public:
  static constexpr size_t kMaxRunning = 2;
  static constexpr size_t kKeep = 50;

  // The work: applyInChunks with this progress callback (false: stop before the next chunk).
  using Work = std::function<importing::ChunkOutcome(const std::function<bool(const importing::ChunkOutcome&)>&)>;

  struct View {
    bool running = true;
    importing::ChunkOutcome outcome;  // so far, or at the end
  };

  ImportJobs() = default;
  ~ImportJobs();
  ImportJobs(const ImportJobs&) = delete;
  ImportJobs& operator=(const ImportJobs&) = delete;

  // Runs `work` for `key` (tenant and batch) in its own thread: "" when it started, else why not.
  std::string start(const std::string& key, const std::string& scope, Work work);
  std::optional<View> find(const std::string& key) const;

 private:
  struct Job {
    std::string scope;
    View view;
    uint64_t order = 0;
    std::thread thread;
  };
  // Joins finished jobs' threads and forgets the oldest finished past kKeep; mu_ held.
  void tidyLocked();

  mutable std::mutex mu_;
  std::map<std::string, Job> jobs_;
  uint64_t next_ = 0;
  bool stopping_ = false;
};

}  // namespace mgmt::console
