// The Writer (core/store.h): the single writing connection, its group commit, and checkpointing the
// WAL beside it.
#include "core/store.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <system_error>
#include <utility>

#include "core/log.h"

namespace core {

namespace {

const std::string kBegin = "BEGIN IMMEDIATE";
constexpr std::chrono::milliseconds kIdleQuiet{20};  // see Writer::run
const std::string kCommit = "COMMIT";
const std::string kSavepoint = "SAVEPOINT job";
const std::string kRelease = "RELEASE job";
const std::string kRollbackTo = "ROLLBACK TO job";

// Set by the WAL hook when a COMMIT left the WAL past its limit (backgroundCheckpoint). The hook runs
// inside the writer thread's COMMIT and run() checks it on the same thread, so one flag per thread
// is one per Writer.
thread_local bool tCheckpointDue = false;

uint64_t microsSince(std::chrono::steady_clock::time_point start) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count());
}

}  // namespace

Writer::Writer(std::unique_ptr<Database> db, const StoreOptions& options)
    : db_(std::move(db)),
      maxBatch_(options.maxBatch),
      maxQueue_(options.maxQueue),
      commitDelay_(options.commitDelayMicros),
      commitDelayBatch_(std::max<size_t>(1, options.maxBatch / 4)) {}

Result<std::unique_ptr<Writer>> Writer::open(const StoreOptions& options) {
  if (options.readOnly) return invalidArgument("store " + options.path + ": a Writer cannot be read-only");
  Result<std::unique_ptr<Database>> db = Database::open(options);
  if (!db.isOk()) return db.status();
  std::unique_ptr<Writer> writer(new Writer(std::move(*db), options));
  if (options.backgroundCheckpoint) {
    EDGE_RETURN_IF_ERROR(writer->db_->exec("PRAGMA wal_autocheckpoint=0"));
    // Under sustained writes a PASSIVE checkpoint from another connection never catches the writer,
    // so the WAL would only grow (and every page lookup in it gets slower). Past the limit the
    // writer itself checkpoints after its COMMIT: the other thread copied nearly everything already,
    // so this copies the tail, and the next transaction starts the WAL over.
    Result<Statement> ps = writer->db_->prepare("PRAGMA page_size");
    if (!ps.isOk()) return ps.status();
    Result<bool> row = ps->step();
    if (!row.isOk()) return row.status();
    int64_t pageSize = *row ? std::max<int64_t>(512, ps->columnInt64(0)) : 4096;
    writer->walLimitFrames_ = static_cast<int>(std::max<int64_t>(1024, options.walLimitKiB * 1024 / pageSize));
    // The other thread is woken every eighth of the limit, so it stays close behind the writer and
    // the writer's own checkpoint (which the batch's acknowledgements wait for) copies only a tail.
    sqlite3_wal_hook(
        writer->db_->db_,
        [](void* self, sqlite3*, const char*, int frames) {
          Writer* w = static_cast<Writer*>(self);
          const int step = std::max(1, w->walLimitFrames_ / 8);
          // Past the limit the writer checkpoints the tail itself, but only once the batch's
          // acknowledgements are out (Writer::run): from here, inside the COMMIT, every record of
          // the batch waited for it (a copy of the tail and an fsync of the database file).
          if (frames >= w->walLimitFrames_) tCheckpointDue = true;
          else if (frames / step != w->walFramesSeen_ / step)
            w->checkpointWake_.notify_one();
          w->walFramesSeen_ = frames;
          return SQLITE_OK;
        },
        writer.get());
  }
  try {
    writer->thread_ = std::thread([w = writer.get()] { w->run(); });
    writer->writerId_ = writer->thread_.get_id();
    if (options.backgroundCheckpoint)
      writer->checkpointer_ = std::thread([w = writer.get(), options] { w->checkpointLoop(options); });
  } catch (const std::system_error& e) {
    return resourceExhausted("store " + options.path + ": cannot start the writer thread: " + e.what());
  }
  return writer;
}

Writer::~Writer() { stop(); }

void Writer::stop() {
  if (std::this_thread::get_id() == writerId_) {
    // From a callback: a thread cannot join itself. Stop taking jobs; the owner's stop() joins.
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    return;
  }
  // call_once: concurrent stop() calls all return after the one join.
  std::call_once(stopOnce_, [this] {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    {
      std::lock_guard<std::mutex> lock(checkpointMu_);
      checkpointStop_ = true;
    }
    checkpointWake_.notify_all();
    if (checkpointer_.joinable()) checkpointer_.join();
  });
}

void Writer::checkpointLoop(StoreOptions options) {
  // Its own connection: a PASSIVE checkpoint copies committed WAL frames into the database file and
  // fsyncs it while the writer keeps appending to the WAL; it never waits for the writer.
  options.migrations.clear();
  options.backgroundCheckpoint = false;
  Result<std::unique_ptr<Database>> db = Database::openUnmigrated(options);
  if (!db.isOk()) return;  // the writer's own auto-checkpoint is off: the WAL grows, nothing is lost
  std::unique_lock<std::mutex> lock(checkpointMu_);
  while (!checkpointStop_) {
    checkpointWake_.wait_for(lock, std::chrono::milliseconds(100));
    lock.unlock();
    (void)(*db)->exec("PRAGMA wal_checkpoint(PASSIVE)");
    lock.lock();
  }
  lock.unlock();
  (void)(*db)->exec("PRAGMA wal_checkpoint(PASSIVE)");
}

Status Writer::enqueue(Item& item) {
  if (!item.job) return invalidArgument("store " + db_->path() + ": empty job submitted to the writer");
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      stats_.rejected.fetch_add(1, std::memory_order_relaxed);
      return failedPrecondition("writer of " + db_->path() + " is stopped");
    }
    if (queue_.size() >= maxQueue_) {
      stats_.rejected.fetch_add(1, std::memory_order_relaxed);
      return resourceExhausted("writer queue of " + db_->path() + " is full (" + std::to_string(maxQueue_) +
                               " jobs waiting)");
    }
    queue_.push_back(std::move(item));
    ++submittedSeq_;
    stats_.queued.store(queue_.size(), std::memory_order_relaxed);
    // The writer waits for the first job, or (commit delay) for enough of them: waking it for each
    // job in between would only cost a context switch per job.
    wake = queue_.size() == 1 || queue_.size() == commitDelayBatch_;
  }
  if (wake) wake_.notify_one();
  return Status::ok();
}

std::future<Status> Writer::submit(Job job) {
  Item item;
  item.job = std::move(job);
  item.promise.emplace();
  std::future<Status> future = item.promise->get_future();
  Status s = enqueue(item);
  if (!s.isOk()) complete(item, s);  // item was not moved from when refused
  return future;
}

void Writer::submit(Job job, Callback done) {
  Item item;
  item.job = std::move(job);
  item.done = std::move(done);
  Status s = enqueue(item);
  if (!s.isOk()) complete(item, s);
}

Status Writer::flush() {
  if (std::this_thread::get_id() == writerId_) {
    return failedPrecondition("writer of " + db_->path() + ": flush() called from a job or callback");
  }
  std::unique_lock<std::mutex> lock(mutex_);
  const uint64_t target = submittedSeq_;
  settled_.wait(lock, [&] { return settledSeq_ >= target; });
  return Status::ok();
}

void Writer::complete(Item& item, const Status& status) {
  if (item.promise) {
    item.promise->set_value(status);
  } else if (item.done) {
    try {
      item.done(status);
    } catch (...) {
      // A callback must not kill the writer thread; it was told not to throw.
    }
  }
}

void Writer::setIdleWork(std::function<bool()> pending, Job job, std::chrono::milliseconds recheck) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    idlePending_ = std::move(pending);
    idleJob_ = std::move(job);
    idleRecheck_ = recheck;
  }
  wake_.notify_one();
}

void Writer::callBatchHook(bool committed) {
  if (!batchHook_) return;
  try {
    batchHook_(committed);
  } catch (...) {
    // Like callbacks, the hook must not take the writer thread down.
  }
}

void Writer::run() {
  std::vector<Item> batch;
  std::vector<Status> results;
  batch.reserve(maxBatch_);
  results.reserve(maxBatch_);
  bool quiet = false;  // the previous turn ran idle work and nothing has queued since
  for (;;) {
    bool idle = false;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (idleJob_) {
        const auto work = [this] { return stopping_ || !queue_.empty(); };
        while (!work()) {
          // Idle work waits for a quiet moment: the queue empty for a whole kIdleQuiet after a
          // batch. Under steady traffic the gaps between batches are far shorter, so records no
          // longer wait behind chunks of idle work run in those gaps (traced under the accounting
          // benchmark at half of the peak rate: chunks of several ms between batches); consecutive
          // chunks follow while nothing queues.
          if (!quiet && wake_.wait_for(lock, kIdleQuiet, work)) break;
          if (idlePending_()) {
            idle = true;
            break;
          }
          quiet = false;
          if (wake_.wait_for(lock, idleRecheck_, work)) break;
        }
      } else {
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      }
    }
    if (idle) {
      // A transaction of its own, settled like any batch (the hook hears whether it committed).
      batch.emplace_back();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        batch.back().job = idleJob_;
      }
      const bool committed = runBatch(batch, results);
      if (!results[0].isOk()) logError("writer of ", db_->path(), ": idle work: ", results[0].message());
      callBatchHook(committed);
      batch.clear();
      results.clear();
      quiet = true;
      continue;
    }
    quiet = false;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (queue_.empty()) return;  // stopping, and everything is drained
      if (commitDelay_.count() > 0 && queue_.size() < commitDelayBatch_ && !stopping_) {
        // A few jobs at a time would each pay a whole COMMIT (and its fsync): let more join.
        wake_.wait_for(lock, commitDelay_, [this] { return stopping_ || queue_.size() >= commitDelayBatch_; });
      }
      // Everything that queued up while the previous batch was committing goes into this one: that
      // is the group commit, one fsync for all of them.
      const size_t n = std::min(queue_.size(), maxBatch_);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      stats_.queued.store(queue_.size(), std::memory_order_relaxed);
    }
    const bool committed = runBatch(batch, results);
    // Counters first: whoever sees a job completed also sees it counted.
    uint64_t failures = 0;
    for (const Status& r : results) {
      if (!r.isOk()) ++failures;
    }
    stats_.jobs.fetch_add(batch.size(), std::memory_order_relaxed);
    stats_.jobFailures.fetch_add(failures, std::memory_order_relaxed);
    stats_.lastBatchJobs.store(batch.size(), std::memory_order_relaxed);
    for (size_t i = 0; i < batch.size(); ++i) complete(batch[i], results[i]);
    callBatchHook(committed);
    if (tCheckpointDue) {
      // Nothing was written since that COMMIT, so this copies the WAL up to its end and the next
      // transaction starts it over; the jobs queued meanwhile wait for it, the batch that passed
      // the limit no longer does. Durability is unchanged: the WAL was synced by the COMMIT.
      tCheckpointDue = false;
      (void)sqlite3_wal_checkpoint_v2(db_->db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    }
    const size_t settled = batch.size();
    batch.clear();  // destroy the jobs (and what they captured) before flush() returns
    results.clear();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      settledSeq_ += settled;
    }
    settled_.notify_all();
  }
}

bool Writer::runBatch(std::vector<Item>& batch, std::vector<Status>& results) {
  Database& db = *db_;
  results.assign(batch.size(), Status());
  stats_.batches.fetch_add(1, std::memory_order_relaxed);
  const auto start = std::chrono::steady_clock::now();

  // Never let a failed batch poison the next: start from a clean connection.
  db.rollbackQuietly();
  Status begin = db.runCached(kBegin);
  if (!begin.isOk()) {
    Status cause = begin.withContext("starting a batch transaction");
    for (Status& r : results) r = cause;
    stats_.batchFailures.fetch_add(1, std::memory_order_relaxed);
    stats_.lastBatchMicros.store(microsSince(start), std::memory_order_relaxed);
    return false;
  }

  // When the transaction is lost mid-batch, `lost` is the cause and `ran` the jobs that ran.
  Status lost;
  size_t ran = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    ran = i + 1;
    Status s = db.runCached(kSavepoint);
    if (!s.isOk()) {
      results[i] = s.withContext("opening the job's savepoint");
      lost = results[i];
      break;
    }
    db.guardTransactions_ = true;
    try {
      s = batch[i].job(db);
    } catch (const std::exception& e) {
      s = internalError(std::string("writer job threw: ") + e.what());
    } catch (...) {
      s = internalError("writer job threw a non-standard exception");
    }
    db.guardTransactions_ = false;
    // SQLite may roll back the whole transaction on SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM or
    // SQLITE_BUSY, not just the failing statement. Then the earlier jobs' work is gone too, even
    // though their RELEASE succeeded, and none of them may be reported as written.
    if (!db.inTransaction()) {
      results[i] = s.isOk() ? internalError("the batch transaction on " + db.path() +
                                            " ended during a job that reported success (last SQLite error: " +
                                            sqlite3_errmsg(db.db_) + ")")
                            : s;
      lost = results[i];
      break;
    }
    if (s.isOk()) {
      Status r = db.runCached(kRelease);
      if (!r.isOk()) {
        results[i] = r.withContext("releasing the job's savepoint");
        lost = results[i];
        break;
      }
    } else {
      results[i] = s;
      // ROLLBACK TO keeps the savepoint open; RELEASE closes it: the job leaves no trace.
      Status r = db.runCached(kRollbackTo);
      if (r.isOk()) r = db.runCached(kRelease);
      if (!r.isOk() || !db.inTransaction()) {
        lost = r.isOk() ? s : r.withContext("undoing a failed job");
        break;
      }
    }
  }

  if (lost.isOk()) {
    const auto commitStart = std::chrono::steady_clock::now();
    Status c = db.runCached(kCommit);
    stats_.lastCommitMicros.store(microsSince(commitStart), std::memory_order_relaxed);
    stats_.lastBatchMicros.store(microsSince(start), std::memory_order_relaxed);
    if (c.isOk()) return true;
    // A failed COMMIT leaves the transaction open (deferred constraint) or rolls it back (I/O,
    // disk full). Either way no job may be reported as written. (After an fsync error the commit
    // record may still be in the WAL and reappear at recovery: failure means "not acknowledged",
    // not "certainly absent", which is why accounting records must be idempotent.)
    db.rollbackQuietly();
    Status cause = c.withContext("committing a batch of " + std::to_string(batch.size()) + " jobs");
    for (Status& r : results) {
      if (r.isOk()) r = cause;
    }
    stats_.batchFailures.fetch_add(1, std::memory_order_relaxed);
    return false;
  }

  db.rollbackQuietly();
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!results[i].isOk()) continue;
    results[i] = Status(lost.code(), std::string(i < ran ? "rolled back with its batch: " : "not run, batch lost: ") +
                                         lost.message());
  }
  stats_.batchFailures.fetch_add(1, std::memory_order_relaxed);
  stats_.lastBatchMicros.store(microsSince(start), std::memory_order_relaxed);
  return false;
}

}  // namespace core
