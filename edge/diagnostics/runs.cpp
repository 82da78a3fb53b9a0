#include "edge/diagnostics/runs.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "core/clock.h"
#include "core/pki.h"

namespace edge::diagnostics {

int64_t monotonicMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Run::Run(std::string id, std::string owner, std::string tool, std::string target, bool attended, int64_t startedAt)
    : id_(std::move(id)),
      owner_(std::move(owner)),
      tool_(std::move(tool)),
      target_(std::move(target)),
      attended_(attended),
      startedMs_(monotonicMs()),
      startedAt_(startedAt) {}

void Run::deliver(const std::string& event, const std::string& data) {
  for (size_t i = 0; i < followers_.size();) {
    bool ok = false;
    try {
      ok = followers_[i](event, data);
    } catch (...) {
    }
    if (ok)
      ++i;
    else
      followers_.erase(followers_.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

void Run::line(const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  if (lines_.size() < kMaxLines)
    lines_.push_back(text);
  else
    ++dropped_;
  deliver("line", text);
}

void Run::idle() {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t now = monotonicMs();
  if (now - lastPingMs_ < 1000) return;
  lastPingMs_ = now;
  deliver("", "");  // finds followers that left
}

bool Run::shouldStop() {
  idle();
  std::lock_guard<std::mutex> lock(mu_);
  if (stop_) return true;
  if (!attended_) return false;
  if (everFollowed_) return followers_.empty();
  return monotonicMs() - startedMs_ > kFirstFollowSeconds * 1000;
}

void Run::requestStop() {
  std::lock_guard<std::mutex> lock(mu_);
  stop_ = true;
}

void Run::setFile(const std::string& path, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  file_ = path;
  fileName_ = name;
}

std::string Run::file() const {
  std::lock_guard<std::mutex> lock(mu_);
  return file_;
}

std::string Run::fileName() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fileName_;
}

void Run::dropFile() {
  std::lock_guard<std::mutex> lock(mu_);
  if (file_.empty()) return;
  file_.clear();
  fileExpired_ = true;
}

bool Run::fileExpired() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fileExpired_;
}

void Run::finish(const std::string& summary, bool failed) {
  std::lock_guard<std::mutex> lock(mu_);
  if (done_) return;
  done_ = true;
  durationMs_ = monotonicMs() - startedMs_;
  failed_ = failed;
  summary_ = summary;
  deliver("end", summary);
  followers_.clear();
  doneCv_.notify_all();
}

bool Run::done() const {
  std::lock_guard<std::mutex> lock(mu_);
  return done_;
}

bool Run::waitDone(int ms) {
  std::unique_lock<std::mutex> lock(mu_);
  return doneCv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return done_; });
}

core::Json Run::toJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  return core::Json{{"id", id_},         {"tool", tool_},       {"target", target_},        {"lines", lines_},
                    {"summary", summary_}, {"done", done_},     {"failed", failed_},        {"lines-dropped", dropped_}};
}

core::Json Run::summaryJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  return core::Json{{"id", id_},
                    {"owner", owner_},
                    {"tool", tool_},
                    {"target", target_},
                    {"started-at", startedAt_},
                    {"duration-ms", done_ ? durationMs_ : monotonicMs() - startedMs_},
                    {"done", done_},
                    {"failed", failed_},
                    {"summary", summary_},
                    {"has-file", !file_.empty() && done_},
                    {"file-expired", fileExpired_}};
}

std::string Run::output() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const std::string& l : lines_) out += l + "\n";
  if (dropped_ > 0) out += "(" + std::to_string(dropped_) + " more lines not kept)\n";
  return out;
}

void Run::follow(Sink sink) {
  std::lock_guard<std::mutex> lock(mu_);
  everFollowed_ = true;
  for (const std::string& l : lines_)
    if (!sink("line", l)) return;
  if (done_) {
    sink("end", summary_);
    return;
  }
  followers_.push_back(std::move(sink));
}

Runs::Runs(RunsOptions options) : options_(std::move(options)) {}

Runs::~Runs() { stopAll(); }

int64_t Runs::nowMs() const { return options_.nowMs ? options_.nowMs() : monotonicMs(); }

core::Result<std::shared_ptr<Run>> Runs::start(const std::string& owner, const std::string& tool,
                                               const std::string& target, bool attended, Job job) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return core::unavailable("edged is stopping");
  reap();
  for (const auto& [id, e] : runs_)
    if (e.run->owner() == owner && !e.run->done())
      return core::failedPrecondition("your " + e.run->tool() + " of " + e.run->target() +
                                      " is still running: stop it or wait for its end (one run at a time)");
  // Unguessable ids: a run's output and file are found by id and owner together anyway.
  std::string id = std::to_string(++next_) + "-" + core::pki::randomHex(6);
  int64_t startedAt = options_.wallNow ? options_.wallNow() : core::SystemClock::instance().unixSeconds();
  auto run = std::make_shared<Run>(id, owner, tool, target, attended, startedAt);
  order_.push_back(id);
  Entry& e = runs_[id];
  e.run = run;
  e.thread = std::thread([run, job = std::move(job)] {
    try {
      job(*run);
      run->finish("ended", false);  // no-op when the job finished it
    } catch (const std::exception& ex) {
      run->finish(std::string("failed: ") + ex.what(), true);
    } catch (...) {
      run->finish("failed", true);
    }
  });
  return run;
}

std::shared_ptr<Run> Runs::find(const std::string& id, const std::string& owner) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = runs_.find(id);
  if (it == runs_.end() || it->second.run->owner() != owner) return nullptr;
  return it->second.run;
}

core::Status Runs::stop(const std::string& owner) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [id, e] : runs_)
    if (e.run->owner() == owner && !e.run->done()) {
      e.run->requestStop();
      return core::Status::ok();
    }
  return core::notFound("you have no diagnostics run in progress");
}

std::shared_ptr<Run> Runs::get(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  reap();
  auto it = runs_.find(id);
  return it == runs_.end() ? nullptr : it->second.run;
}

std::vector<std::shared_ptr<Run>> Runs::list() {
  std::lock_guard<std::mutex> lock(mu_);
  reap();
  std::vector<std::shared_ptr<Run>> out;
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) out.push_back(runs_.at(*it).run);
  return out;
}

void Runs::reap() {
  const int64_t now = nowMs();
  size_t finished = 0;
  for (auto& [id, e] : runs_) {
    if (!e.run->done()) continue;
    if (e.finishedMs == 0) e.finishedMs = now;
    if (e.thread.joinable()) e.thread.join();  // done: the thread is returning
    ++finished;
    // A capture file can be fetched for fileSeconds after its run ended; the run stays listed.
    std::string file = e.run->file();
    if (!file.empty() && now - e.finishedMs > options_.fileSeconds * 1000) {
      std::remove(file.c_str());
      e.run->dropFile();
    }
  }
  // The oldest finished runs beyond `keep` are forgotten (a run in progress never is).
  for (auto it = order_.begin(); finished > options_.keep && it != order_.end();) {
    Entry& e = runs_.at(*it);
    if (!e.run->done()) {
      ++it;
      continue;
    }
    if (e.thread.joinable()) e.thread.join();  // done since the count above: returning
    std::string file = e.run->file();
    if (!file.empty()) std::remove(file.c_str());
    runs_.erase(*it);
    it = order_.erase(it);
    --finished;
  }
}

void Runs::stopAll() {
  std::map<std::string, Entry> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (auto& [id, e] : runs_) e.run->requestStop();
    all.swap(runs_);
    order_.clear();
  }
  for (auto& [id, e] : all) {
    if (e.thread.joinable()) e.thread.join();
    std::string file = e.run->file();
    if (!file.empty()) std::remove(file.c_str());
  }
}

}  // namespace edge::diagnostics
