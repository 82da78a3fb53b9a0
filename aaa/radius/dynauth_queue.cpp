#include "aaa/radius/dynauth_queue.h"

#include <utility>

namespace aaa::radius {

namespace {

std::string nasKey(const DynAuthTarget& t) {
  return t.nasName.empty() ? t.address + ":" + std::to_string(t.port) : t.nasName;
}

void callDone(const DynAuthQueue::Done& done, uint64_t id, const DynAuthResult& r) noexcept {
  if (!done) return;
  try {
    done(id, r);
  } catch (...) {
    // The contract forbids it; a throwing callback must not end the NAS's worker.
  }
}

}  // namespace

DynAuthQueue::DynAuthQueue(DynAuthClient& client, core::CounterRegistry& counters, DynAuthQueueOptions options)
    : client_(client),
      options_(options),
      queued_(counters.gauge("radius_dynauth_client_queued_requests",
                             "CoA/Disconnect requests waiting for their NAS's worker (one worker per NAS)")),
      refusals_(counters.counter("radius_dynauth_client_queue_refusals_total",
                                 "CoA/Disconnect requests refused before sending (the NAS's queue was full, or "
                                 "stopping)")) {}

DynAuthQueue::~DynAuthQueue() { stop(); }

void DynAuthQueue::refuse(Job& job, const std::string& why) {
  DynAuthResult r;
  r.outcome = DynAuthOutcome::kError;
  r.message = std::string(job.kind == DynAuthKind::kDisconnect ? "Disconnect-Request" : "CoA-Request") + " to " +
              nasKey(job.target) + ": " + why;
  callDone(job.done, job.id, r);
}

core::Result<uint64_t> DynAuthQueue::submit(DynAuthTarget target, DynAuthKind kind, std::vector<Attribute> identity,
                                            std::vector<Attribute> changes, Done done) {
  Job job{0, std::move(target), kind, std::move(identity), std::move(changes), std::move(done)};
  const std::string nas = nasKey(job.target);
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) {
    lock.unlock();
    refusals_.inc();
    refuse(job, "not sent: stopping");
    return core::failedPrecondition("not sent: stopping");
  }
  std::unique_ptr<Worker>& w = workers_[nas];
  if (!w) w = std::make_unique<Worker>();
  if (w->jobs.size() >= options_.maxQueuedPerNas) {
    lock.unlock();
    refusals_.inc();
    std::string why = "not sent: " + std::to_string(options_.maxQueuedPerNas) + " requests already wait for " + nas;
    refuse(job, why);
    return core::resourceExhausted(why);
  }
  const uint64_t id = nextId_++;
  job.id = id;
  w->jobs.push_back(std::move(job));
  queued_.inc();
  if (w->exited) {
    w->thread.join();  // it returned after marking itself exited: this does not wait
    w->exited = false;
  }
  if (!w->thread.joinable()) {
    Worker* worker = w.get();
    w->thread = std::thread([this, worker] { run(worker); });
  } else {
    w->wake.notify_one();
  }
  return id;
}

void DynAuthQueue::run(Worker* w) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (!w->wake.wait_for(lock, options_.idleExit, [&] { return stopping_ || !w->jobs.empty(); })) {
      w->exited = true;  // idle: the next submit() joins this thread and starts another
      return;
    }
    if (w->jobs.empty()) {  // stopping, nothing left
      w->exited = true;
      return;
    }
    Job job = std::move(w->jobs.front());
    w->jobs.pop_front();
    queued_.inc(~uint64_t{0});  // a gauge going down (modular arithmetic)
    const bool stopping = stopping_;
    w->busy = true;
    lock.unlock();
    if (stopping) {
      refuse(job, "not sent: stopping");
    } else {
      DynAuthResult r = client_.send(job.target, job.kind, std::move(job.identity), std::move(job.changes));
      callDone(job.done, job.id, r);
    }
    lock.lock();
    w->busy = false;
  }
}

size_t DynAuthQueue::pending(const std::string& nas) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = workers_.find(nas);
  if (it == workers_.end()) return 0;
  return it->second->jobs.size() + (it->second->busy ? 1 : 0);
}

size_t DynAuthQueue::workers() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& [name, w] : workers_) n += w->thread.joinable() && !w->exited ? 1 : 0;
  return n;
}

void DynAuthQueue::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    for (auto& [name, w] : workers_) w->wake.notify_all();
  }
  client_.abort();  // the exchanges in progress end now instead of at their NAS's deadline
  for (auto& [name, w] : workers_)
    if (w->thread.joinable()) w->thread.join();
}

}  // namespace aaa::radius
