// The SQLite store: one connection per Database, WAL journal, numbered migrations applied at open,
// and a Writer that owns the single writing connection and group-commits jobs from many threads.
//
// Durability contract (the reason the Writer exists): a write is durable when the Writer reports
// success for it (its future becomes ready with ok, or its callback gets ok). That happens only
// after the COMMIT of the job's batch has returned SQLITE_OK. With Synchronous::kFull that COMMIT
// has fsync'ed the WAL, so the write survives a process crash and a power loss; with kNormal it
// survives a process crash (kill -9) but the last commits can be lost on power loss; with kOff even
// an OS crash can corrupt the file. Accounting (RFC 2866: acknowledge only what is recorded) must
// use kFull. A job whose batch failed is never reported as ok. The converse is weaker: a job reported
// failed because COMMIT hit an I/O error may still turn up after recovery (its WAL frames were
// written, the fsync failed), so records written through the Writer should be idempotent.
//
// Threading: a Database (and the Statements it prepared) is used by one thread at a time; it may be
// handed from one thread to another. The Writer is safe to call from any number of threads. Readers
// open their own read-only Database (readOnly = true): under WAL they read a consistent snapshot
// while the Writer writes, and never block it.
//
// Errors: every failure is a Status naming the database path and saying what is wrong in plain words
// ("disk full while writing /var/lib/edged/edge.db: database or disk is full"), with a Code an
// operator can act on: kPermissionDenied (read-only file, directory or filesystem), kResourceExhausted
// (disk full, writer queue full), kCorrupt (not a database, corrupt, integrity check failed),
// kNotFound (missing directory or file), kUnavailable (locked by another process past the busy
// timeout), kFailedPrecondition (schema newer than this build), kIoError (the OS refused).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace core {

// One schema step. Versions of a StoreOptions::migrations list are 1, 2, ..., N in order. Once a
// migration has shipped, never edit or renumber it: add a new one. `sql` may hold several statements
// but no BEGIN/COMMIT/ROLLBACK (it runs inside the store's transaction; such statements are refused).
struct Migration {
  int version = 0;
  std::string name;
  std::string sql;
};

struct StoreOptions {
  enum class Synchronous { kOff, kNormal, kFull };

  std::string path;                        // database file; its directory must exist
  Synchronous synchronous = Synchronous::kFull;
  int busyTimeoutMs = 5000;                // wait this long for another connection's lock
  std::vector<Migration> migrations;       // the schema this build knows (see Migration)
  bool readOnly = false;                   // open read-only: no migrations are applied, only checked
  size_t maxBatch = 256;                   // Writer: most jobs in one transaction
  size_t maxQueue = 65536;                 // Writer: jobs waiting beyond this are refused at once
  int64_t cacheKiB = 16384;                // page cache per connection (SQLite's default is 2 MiB)
  int pageSize = 0;                        // bytes, for a new database only (0: SQLite's 4096)
  // Writer: checkpoint the WAL from a separate thread and connection (PASSIVE, every 100 ms) instead
  // of inside the writer's COMMIT, so the main file's fsync never delays a completion.
  bool backgroundCheckpoint = false;
  // With backgroundCheckpoint: once the WAL holds this much, the writer checkpoints the tail itself
  // after a COMMIT, so the WAL starts over instead of growing without bound under sustained load.
  int64_t walLimitKiB = 16384;
  // Writer: when fewer than maxBatch/4 jobs are waiting, wait up to this long for more before
  // starting the transaction (group commit under moderate load; 0: never wait).
  int64_t commitDelayMicros = 0;
};

class Database;

// A prepared statement. Indexes are SQLite's: bind indexes start at 1, column indexes at 0.
// Binding never fails by itself: the first bind error is kept and returned by the next step()/run().
// Bound text and blobs are copied, so the caller's buffers may go away before step().
// Must be destroyed before the Database that prepared it (statements come from a per-connection
// cache; destroying one resets it and gives it back).
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& bindInt64(int index, int64_t value);
  Statement& bindDouble(int index, double value);
  Statement& bindText(int index, const std::string& value);
  Statement& bindBlob(int index, const void* data, size_t size);
  Statement& bindNull(int index);

  // true: a row is available through the column getters; false: the statement is done.
  Result<bool> step();
  // Steps to the end, ignoring rows (INSERT, UPDATE, DELETE, DDL).
  Status run();
  // Ready to run again; keeps the bindings unless clearBindings.
  void reset(bool clearBindings = false);

  int columnCount() const;
  bool columnIsNull(int column) const;
  int64_t columnInt64(int column) const;
  double columnDouble(int column) const;
  std::string columnText(int column) const;
  std::vector<uint8_t> columnBlob(int column) const;
  // SQLite's storage class of the column in the current row (for wrappers that keep values typed).
  enum class ColumnType { kNull, kInteger, kFloat, kText, kBlob };
  ColumnType columnType(int column) const;

 private:
  friend class Database;
  struct CacheEntry;
  Statement(Database* db, sqlite3_stmt* stmt, CacheEntry* entry) : db_(db), stmt_(stmt), entry_(entry) {}
  void release();

  Database* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  CacheEntry* entry_ = nullptr;  // non-null when the statement belongs to the cache
  Status bindError_;
};

// One SQLite connection (RAII). Opening it sets journal_mode=WAL (checked), synchronous as chosen,
// foreign_keys=ON and the busy timeout, then brings the schema to the newest migration. Not copyable
// or movable: Statements point back at it; hold it by unique_ptr.
class Database {
 public:
  // Opens (creating it unless readOnly) and migrates. All pending migrations run in one transaction
  // together with recording them (table schema_migrations and PRAGMA user_version): the database is
  // either at the newest version afterwards or unchanged. A database whose schema is newer than
  // `options.migrations` is refused; so is a read-only open that would need migrations.
  static Result<std::unique_ptr<Database>> open(const StoreOptions& options);

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Runs one or more SQL statements, ignoring rows.
  Status exec(const std::string& sql);
  // One statement, from the connection's statement cache when possible.
  Result<Statement> prepare(const std::string& sql);
  // First column of the first row of a single-statement query; kNotFound without a row.
  Result<int64_t> queryInt64(const std::string& sql);
  Result<std::string> queryText(const std::string& sql);

  int64_t lastInsertRowId() const;
  int64_t changes() const;
  bool inTransaction() const;
  const std::string& path() const { return path_; }
  bool readOnly() const { return readOnly_; }
  // Highest migration version recorded in the database (0 for a new one).
  int schemaVersion() const { return schemaVersion_; }

  // PRAGMA integrity_check: ok, or kCorrupt with SQLite's findings (first lines). Reads the whole
  // file: an operator/startup action, not something for the hot path.
  Status integrityCheck();

  // The Status for SQLite result code `rc` on this connection (uses the connection's last error
  // message). Public so that code wrapping this class reports errors the same way.
  Status error(int rc) const;
  // SQLite's extended result code of the connection's last failed call (e.g. SQLITE_CONSTRAINT_FOREIGNKEY),
  // for wrappers that refine error()'s Code; see sqlite3_extended_errcode.
  int lastExtendedErrorCode() const;

 private:
  friend class Statement;
  friend class Writer;

  Database(sqlite3* db, const StoreOptions& options);
  // For the Writer's checkpointer: the same pragmas, no schema check (the Writer owns the schema).
  static Result<std::unique_ptr<Database>> openUnmigrated(const StoreOptions& options);
  static Result<std::unique_ptr<Database>> openImpl(const StoreOptions& options, bool migrate);
  Status configure(const StoreOptions& options);
  Status migrate(const std::vector<Migration>& migrations);
  Status readRecorded(const std::vector<Migration>& migrations, int* recorded);
  Status checkNotNewer(size_t known, int recorded, int64_t userVersion) const;
  Result<Statement> prepareImpl(const std::string& sql, bool useCache);
  Status runCached(const std::string& sql);  // one statement, to the end
  void rollbackQuietly();                    // ROLLBACK if a transaction is open; errors ignored
  Status errorWith(int rc, const std::string& sqliteMessage) const;
  static int authorize(void* self, int action, const char*, const char*, const char*, const char*) noexcept;

  sqlite3* db_ = nullptr;
  std::string path_;
  bool readOnly_ = false;
  int busyTimeoutMs_ = 0;
  int schemaVersion_ = 0;
  // While set, BEGIN/COMMIT/ROLLBACK are refused at prepare time (inside migrations and Writer jobs,
  // which run inside a transaction the store owns); transactionDenied_ remembers a refusal so the
  // error says why.
  bool guardTransactions_ = false;
  mutable bool transactionDenied_ = false;
  std::unordered_map<std::string, std::unique_ptr<Statement::CacheEntry>> cache_;
};

// Counters of a Writer, updated by its thread, readable from any thread. A batch is counted before
// its jobs are completed, so a caller that saw its job complete also sees it counted.
struct WriterStats {
  std::atomic<uint64_t> batches{0};          // transactions attempted
  std::atomic<uint64_t> batchFailures{0};    // transactions that did not commit (all their jobs failed)
  std::atomic<uint64_t> jobs{0};             // jobs completed, ok or not
  std::atomic<uint64_t> jobFailures{0};      // jobs completed with an error
  std::atomic<uint64_t> rejected{0};         // submits refused (queue full, writer stopped)
  std::atomic<uint64_t> queued{0};           // jobs waiting right now
  std::atomic<uint64_t> lastBatchJobs{0};
  std::atomic<uint64_t> lastCommitMicros{0}; // the COMMIT call alone (the fsync with kFull)
  std::atomic<uint64_t> lastBatchMicros{0};  // BEGIN to end of COMMIT
};

// The single writer of a database file: one connection, one thread. Jobs submitted from any thread
// are queued; the thread takes everything queued (up to maxBatch), runs it in one BEGIN IMMEDIATE ...
// COMMIT, each job inside its own SAVEPOINT, then completes the jobs in submission order.
// - A job that returns an error (or throws) is rolled back to its savepoint and fails alone; the
//   rest of its batch still commits.
// - If the transaction itself is lost (COMMIT fails, or SQLite rolls the whole transaction back after
//   SQLITE_FULL / an I/O error, as 3.40 does for SQLITE_FULL), every job of the batch fails, each
//   with the cause; jobs already run are not retried (the caller, e.g. a NAS, retries).
// - Completion (future or callback) happens strictly after COMMIT returned; see the durability
//   contract at the top of this file.
// Deferred constraints (DEFERRABLE INITIALLY DEFERRED) are checked at COMMIT and so fail the whole
// batch: use immediate constraints for anything a single job may violate.
class Writer {
 public:
  // A job runs on the writer thread with the writer's connection, inside a savepoint. It must not
  // run BEGIN/COMMIT/ROLLBACK (refused), must not keep Statements beyond its return, and must not
  // wait for other jobs (it would wait for itself).
  using Job = std::function<Status(Database&)>;
  // Runs on the writer thread after the batch is settled. Keep it short (hand the result over);
  // it must not wait for other jobs (flush() refuses from here). Exceptions are swallowed.
  using Callback = std::function<void(const Status&)>;

  // Opens the database read-write (applying migrations) and starts the writer thread.
  static Result<std::unique_ptr<Writer>> open(const StoreOptions& options);

  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  // stop(): drains the queue first.
  ~Writer();

  // The future becomes ready when the job's batch is settled: ok means committed and durable (per
  // options.synchronous). Refused at once (ready future) when the queue is full or the writer stopped.
  std::future<Status> submit(Job job);
  // Same, without a future: `done` is called exactly once, on the writer thread, or on the calling
  // thread before submit returns when the job is refused.
  void submit(Job job, Callback done);

  // Blocks until every job submitted before the call is settled. kFailedPrecondition when called
  // from the writer thread.
  Status flush();
  // Runs every queued job, then stops the thread; later submits are refused. Idempotent. Called from
  // a job or callback it only stops taking new jobs (the owner's stop() or destructor joins).
  void stop();
  // Called on the writer thread after every batch's completions (e.g. to send the responses they
  // queued in one system call), with whether the batch's transaction committed (false: everything
  // its jobs did is gone, e.g. for owners of in-memory state derived from the database). Set before
  // the first submit; must not block or throw.
  void setBatchHook(std::function<void(bool committed)> hook) { batchHook_ = std::move(hook); }
  // Work for quiet moments (e.g. bringing lazily kept views up to date after a burst, so the next
  // burst does not pay for it): once the queue has stayed empty for a quiet moment (20 ms after the
  // last batch; steady traffic never leaves one) and `pending()` is true, the writer runs `job` in a
  // transaction of its own (keep it small: a job submitted meanwhile waits for it; its failure is
  // only logged), then the next while nothing queues, and while idle it asks `pending()` again
  // every `recheck`. Both run on the writer thread. May be set at any time.
  void setIdleWork(std::function<bool()> pending, Job job, std::chrono::milliseconds recheck);

  const WriterStats& stats() const { return stats_; }
  const std::string& path() const { return db_->path(); }

 private:
  struct Item {
    Job job;
    Callback done;
    std::optional<std::promise<Status>> promise;
  };

  Writer(std::unique_ptr<Database> db, const StoreOptions& options);
  Status enqueue(Item& item);
  void run();
  bool runBatch(std::vector<Item>& batch, std::vector<Status>& results);  // true: committed
  static void complete(Item& item, const Status& status);
  void callBatchHook(bool committed);

  std::unique_ptr<Database> db_;
  size_t maxBatch_;
  size_t maxQueue_;
  std::chrono::microseconds commitDelay_;
  size_t commitDelayBatch_;
  WriterStats stats_;

  std::mutex mutex_;
  std::condition_variable wake_;      // writer thread: work or stop
  std::condition_variable settled_;   // flush(): a batch was settled
  std::deque<Item> queue_;
  uint64_t submittedSeq_ = 0;         // jobs accepted so far
  uint64_t settledSeq_ = 0;           // jobs settled so far (FIFO, so a prefix)
  bool stopping_ = false;
  std::once_flag stopOnce_;
  std::thread thread_;
  void checkpointLoop(StoreOptions options);
  std::thread checkpointer_;
  std::function<void(bool)> batchHook_;
  std::function<bool()> idlePending_;
  Job idleJob_;
  std::chrono::milliseconds idleRecheck_{0};
  std::mutex checkpointMu_;
  std::condition_variable checkpointWake_;
  bool checkpointStop_ = false;
  std::thread::id writerId_;          // set once before open() returns
  int walLimitFrames_ = 0;            // see StoreOptions::walLimitKiB
  int walFramesSeen_ = 0;             // the WAL's size at the last commit (writer thread only)
};

}  // namespace core
