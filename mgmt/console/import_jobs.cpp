#include "mgmt/console/import_jobs.h"

#include <vector>

namespace mgmt::console {

ImportJobs::~ImportJobs() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (auto& [key, job] : jobs_)
      if (job.thread.joinable()) threads.push_back(std::move(job.thread));
  }
  for (std::thread& t : threads) t.join();
}

std::string ImportJobs::start(const std::string& key, const std::string& scope, Work work) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return "the console is stopping: try again in a moment";
  tidyLocked();
  size_t running = 0;
  for (const auto& [k, job] : jobs_) {
    if (!job.view.running) continue;
    ++running;
    if (job.scope == scope) return "an import into this tenant is running: wait for it to finish";
  }
  if (running >= kMaxRunning) return "two imports are running already: try again when one has finished";
  if (jobs_.count(key) != 0) return "this batch was imported from the console already";
  Job& job = jobs_[key];
  job.scope = scope;
  job.order = next_++;
  job.thread = std::thread([this, key, work = std::move(work)] {
    importing::ChunkOutcome outcome = work([this, &key](const importing::ChunkOutcome& so_far) {
      std::lock_guard<std::mutex> l(mu_);
      jobs_[key].view.outcome = so_far;
      return !stopping_;
    });
    std::lock_guard<std::mutex> l(mu_);
    View& v = jobs_[key].view;
    v.outcome = std::move(outcome);
    v.running = false;
  });
  return "";
}

std::optional<ImportJobs::View> ImportJobs::find(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(key);
  if (it == jobs_.end()) return std::nullopt;
  return it->second.view;
}

void ImportJobs::tidyLocked() {
  for (auto& [key, job] : jobs_)
    if (!job.view.running && job.thread.joinable()) job.thread.join();  // it has left the lock for good
  while (jobs_.size() > kKeep) {
    auto oldest = jobs_.end();
    for (auto it = jobs_.begin(); it != jobs_.end(); ++it)
      if (!it->second.view.running && (oldest == jobs_.end() || it->second.order < oldest->second.order)) oldest = it;
    if (oldest == jobs_.end()) break;
    jobs_.erase(oldest);
  }
}

}  // namespace mgmt::console
