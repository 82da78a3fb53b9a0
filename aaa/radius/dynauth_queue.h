// Dynamic Authorization requests (RFC 5176) queued per NAS, each NAS served by a worker thread of
// its own (ADR 0013): a NAS that does not answer holds up only its own requests, each for at most
// the retry policy's duration (10 s by default), never another NAS's, the control socket or the
// portal.
//
// Contract
// - submit() never blocks on the network: it queues the request behind that NAS's earlier ones
//   (first in, first out) and returns the job's id. `done` runs on the NAS's worker once the
//   exchange ended (ACK, NAK, timeout, error), or on the caller's thread at once when the request
//   is refused (kResourceExhausted: the NAS already has maxQueuedPerNas waiting; kFailedPrecondition:
//   stopping) -- then submit() returns that error and `done` has run with outcome kError.
// - A NAS is its DynAuthTarget's nasName (the address and port when the name is empty). Its worker
//   starts with its first request and ends after idleExit without one.
// - `done` may take a while (write the ledger) but delays that NAS's next request meanwhile; it
//   must not throw and must not call stop().
// - stop(): refuses new requests, aborts the client's exchanges in progress, completes every queued
//   request with kError ("not sent: stopping"), joins the workers. Idempotent; the destructor calls it.
// - Thread-safe. The DynAuthClient and the CounterRegistry must outlive the queue.
//
// Counters (next to the client's, RFC 4672 naming):
//   radius_dynauth_client_queued_requests (gauge)   requests waiting for their NAS's worker
//   radius_dynauth_client_queue_refusals_total      requests refused (queue full, stopping)
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "aaa/radius/dynauth_client.h"
#include "core/counters.h"
#include "core/status.h"

namespace aaa::radius {

struct DynAuthQueueOptions {
  size_t maxQueuedPerNas = 10000;
  std::chrono::milliseconds idleExit{30000};
};

class DynAuthQueue {
 public:
  using Done = std::function<void(uint64_t job, const DynAuthResult& result)>;

  DynAuthQueue(DynAuthClient& client, core::CounterRegistry& counters, DynAuthQueueOptions options = {});
  ~DynAuthQueue();
  DynAuthQueue(const DynAuthQueue&) = delete;
  DynAuthQueue& operator=(const DynAuthQueue&) = delete;

  // Queues one request (see the contract); the job id (from 1) on success.
  core::Result<uint64_t> submit(DynAuthTarget target, DynAuthKind kind, std::vector<Attribute> identity,
                                std::vector<Attribute> changes, Done done);

  // Requests of that NAS not finished yet (queued, and the one in progress).
  size_t pending(const std::string& nas) const;
  // Workers running now (one per NAS with recent requests).
  size_t workers() const;

  void stop();

 private:
  struct Job {
    uint64_t id = 0;
    DynAuthTarget target;
    DynAuthKind kind = DynAuthKind::kDisconnect;
    std::vector<Attribute> identity;
    std::vector<Attribute> changes;
    Done done;
  };
  struct Worker {
    std::deque<Job> jobs;
    bool busy = false;    // a job is being sent
    bool exited = false;  // the thread returned (idle); join it before reuse
    std::condition_variable wake;
    std::thread thread;
  };
  void run(Worker* worker);
  static void refuse(Job& job, const std::string& why);

  DynAuthClient& client_;
  const DynAuthQueueOptions options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::map<std::string, std::unique_ptr<Worker>> workers_;
  uint64_t nextId_ = 1;
  bool stopping_ = false;
  core::Counter& queued_;
  core::Counter& refusals_;
};

}  // namespace aaa::radius
