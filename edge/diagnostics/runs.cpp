#include "edge/diagnostics/runs.h"

#include <chrono>
#include <cstdio>

#include "core/pki.h"

namespace edge::diagnostics {

int64_t monotonicMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Run::Run(std::string id, std::string owner, std::string tool, std::string target, bool attended)
    : id_(std::move(id)),
      owner_(std::move(owner)),
      tool_(std::move(tool)),
      target_(std::move(target)),
      attended_(attended),
      startedMs_(monotonicMs()) {}

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

void Run::finish(const std::string& summary, bool failed) {
  std::lock_guard<std::mutex> lock(mu_);
  if (done_) return;
  done_ = true;
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

Runs::~Runs() { stopAll(); }

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
  auto run = std::make_shared<Run>(id, owner, tool, target, attended);
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

void Runs::reap() {
  int64_t now = monotonicMs();
  for (auto it = runs_.begin(); it != runs_.end();) {
    Entry& e = it->second;
    if (e.run->done() && e.finishedMs == 0) e.finishedMs = now;
    if (e.run->done() && e.thread.joinable()) e.thread.join();  // done: the thread is returning
    // Finished runs stay an hour (their output and capture file can still be fetched); at most 64.
    bool old = e.finishedMs != 0 && (now - e.finishedMs > 3600 * 1000 || runs_.size() > 64);
    if (old) {
      std::string file = e.run->file();
      if (!file.empty()) std::remove(file.c_str());
      it = runs_.erase(it);
    } else {
      ++it;
    }
  }
}

void Runs::stopAll() {
  std::map<std::string, Entry> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (auto& [id, e] : runs_) e.run->requestStop();
    all.swap(runs_);
  }
  for (auto& [id, e] : all) {
    if (e.thread.joinable()) e.thread.join();
    std::string file = e.run->file();
    if (!file.empty()) std::remove(file.c_str());
  }
}

}  // namespace edge::diagnostics
