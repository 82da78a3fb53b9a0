#include "core/store.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <CppUTest/TestHarness.h>

namespace {

using core::Code;
using core::Database;
using core::Migration;
using core::Status;
using core::StoreOptions;
using core::Writer;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// CHECK with the Status text in the failure message.
#define CHECK_OK(expr)                                       \
  do {                                                       \
    const ::core::Status s_ = (expr);                        \
    CHECK_TEXT(s_.isOk(), s_.toString().c_str());            \
  } while (0)

#define CHECK_CONTAINS(haystack, needle)                                                         \
  CHECK_TEXT(contains((haystack), (needle)),                                                     \
             (std::string("'") + (haystack) + "' does not contain '" + (needle) + "'").c_str())

std::vector<Migration> baseMigrations() {
  return {
      {1, "create_items", "CREATE TABLE items (id INTEGER PRIMARY KEY, owner INTEGER NOT NULL, note TEXT);"},
      {2, "create_blobs", "CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB);"},
  };
}

int64_t queryOrFail(Database& db, const std::string& sql) {
  core::Result<int64_t> r = db.queryInt64(sql);
  CHECK_TEXT(r.isOk(), r.status().toString().c_str());
  return *r;
}

std::string textOrFail(Database& db, const std::string& sql) {
  core::Result<std::string> r = db.queryText(sql);
  CHECK_TEXT(r.isOk(), r.status().toString().c_str());
  return *r;
}

std::unique_ptr<Database> openOrFail(const StoreOptions& options) {
  core::Result<std::unique_ptr<Database>> db = Database::open(options);
  CHECK_TEXT(db.isOk(), db.status().toString().c_str());
  return std::move(*db);
}

std::unique_ptr<Writer> writerOrFail(const StoreOptions& options) {
  core::Result<std::unique_ptr<Writer>> w = Writer::open(options);
  CHECK_TEXT(w.isOk(), w.status().toString().c_str());
  return std::move(*w);
}

Writer::Job insertItem(int64_t id, int64_t owner) {
  return [id, owner](Database& db) -> Status {
    core::Result<core::Statement> st = db.prepare("INSERT INTO items(id, owner) VALUES(?1, ?2)");
    if (!st.isOk()) return st.status();
    return st->bindInt64(1, id).bindInt64(2, owner).run();
  };
}

// Holds the writer thread inside a batch until opened, so that the jobs submitted meanwhile are
// known to form the next batch together.
struct Gate {
  std::promise<void> enteredPromise;
  std::promise<void> openPromise;
  std::shared_future<void> opened = openPromise.get_future().share();

  Writer::Job job() {
    return [this](Database&) {
      enteredPromise.set_value();
      opened.wait();
      return Status::ok();
    };
  }
  // Submit job() first, then call this before queueing the jobs under test.
  void waitEntered() { enteredPromise.get_future().wait(); }
  void open() { openPromise.set_value(); }
};

// Opens `options` in a child process running as nobody when we are root (root ignores file modes),
// and returns the Status code and message of Database::open.
std::pair<int, std::string> openAsUnprivileged(const StoreOptions& options) {
  int fds[2];
  if (::pipe(fds) != 0) FAIL("pipe");
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    if (::geteuid() == 0) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(3);
    }
    core::Result<std::unique_ptr<Database>> db = Database::open(options);
    std::string out = std::to_string(static_cast<int>(db.isOk() ? Code::kOk : db.status().code())) + "\n" +
                      (db.isOk() ? std::string() : db.status().message());
    ssize_t n = ::write(fds[1], out.data(), out.size());
    ::_exit(n == static_cast<ssize_t>(out.size()) ? 0 : 4);
  }
  ::close(fds[1]);
  std::string data;
  char buf[512];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) data.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);
  CHECK_TEXT(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0, "child could not drop privileges or report");
  size_t nl = data.find('\n');
  if (nl == std::string::npos) FAIL("child sent no result");
  return {std::atoi(data.substr(0, nl).c_str()), data.substr(nl + 1)};
}

}  // namespace

TEST_GROUP(Store) {
  std::string dir;
  std::string path;

  void setup() override {
    char tmpl[] = "/tmp/edge-store-test-XXXXXX";
    char* made = ::mkdtemp(tmpl);
    CHECK(made != nullptr);
    dir = made;
    path = dir + "/edge.db";
  }

  void teardown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  StoreOptions options(std::vector<Migration> migrations = baseMigrations()) {
    StoreOptions o;
    o.path = path;
    o.migrations = std::move(migrations);
    return o;
  }
};

// ---------------------------------------------------------------------------------------------
// Migrations

TEST(Store, MigrationsAppliedOnceInOrderAndRecorded) {
  std::vector<Migration> migrations = baseMigrations();
  // Only works after migration 1: proves the order.
  migrations.push_back({3, "items_add_amount", "ALTER TABLE items ADD COLUMN amount INTEGER NOT NULL DEFAULT 0;"});
  {
    std::unique_ptr<Database> db = openOrFail(options(migrations));
    LONGS_EQUAL(3, db->schemaVersion());
    LONGS_EQUAL(3, queryOrFail(*db, "PRAGMA user_version"));
    LONGS_EQUAL(3, queryOrFail(*db, "SELECT count(*) FROM schema_migrations"));
    STRCMP_EQUAL("create_items", textOrFail(*db, "SELECT name FROM schema_migrations WHERE version=1").c_str());
    STRCMP_EQUAL("items_add_amount", textOrFail(*db, "SELECT name FROM schema_migrations WHERE version=3").c_str());
    CHECK_OK(db->exec("INSERT INTO items(id, owner, amount) VALUES(1, 7, 42)"));
  }
  // Reopening: re-running migration 1 would fail ("table items already exists") and lose the row.
  {
    std::unique_ptr<Database> db = openOrFail(options(migrations));
    LONGS_EQUAL(3, queryOrFail(*db, "SELECT count(*) FROM schema_migrations"));
    LONGS_EQUAL(42, queryOrFail(*db, "SELECT amount FROM items WHERE id=1"));
  }
  // A new migration in a later build applies alone.
  migrations.push_back({4, "create_sessions", "CREATE TABLE sessions (id TEXT PRIMARY KEY);"});
  {
    std::unique_ptr<Database> db = openOrFail(options(migrations));
    LONGS_EQUAL(4, db->schemaVersion());
    LONGS_EQUAL(4, queryOrFail(*db, "SELECT count(*) FROM schema_migrations"));
    LONGS_EQUAL(1, queryOrFail(*db, "SELECT count(*) FROM items"));
  }
}

TEST(Store, FailingMigrationRollsBackEverythingAndIsNamed) {
  { std::unique_ptr<Database> db = openOrFail(options({baseMigrations()[0]})); }

  std::vector<Migration> migrations = baseMigrations();
  migrations.push_back({3, "broken_one", "CREATE TABLE half_done (x INTEGER); INSERT INTO no_such_table VALUES (1);"});
  core::Result<std::unique_ptr<Database>> bad = Database::open(options(migrations));
  CHECK_FALSE(bad.isOk());
  const std::string& message = bad.status().message();
  CHECK_CONTAINS(message, "migration 3 'broken_one' failed");
  CHECK_CONTAINS(message, "no such table: no_such_table");
  CHECK_CONTAINS(message, path);

  // Nothing of migrations 2 and 3 is left, and the recorded version is still 1.
  std::unique_ptr<Database> db = openOrFail(options({baseMigrations()[0]}));
  LONGS_EQUAL(1, db->schemaVersion());
  LONGS_EQUAL(1, queryOrFail(*db, "PRAGMA user_version"));
  LONGS_EQUAL(1, queryOrFail(*db, "SELECT max(version) FROM schema_migrations"));
  LONGS_EQUAL(0, queryOrFail(*db, "SELECT count(*) FROM sqlite_master WHERE name IN ('blobs', 'half_done')"));
}

TEST(Store, MigrationMayNotControlTheTransaction) {
  core::Result<std::unique_ptr<Database>> bad =
      Database::open(options({{1, "sneaky_commit", "CREATE TABLE a (x); COMMIT; CREATE TABLE b (y);"}}));
  CHECK_FALSE(bad.isOk());
  CHECK_CONTAINS(bad.status().message(), "migration 1 'sneaky_commit' failed");
  CHECK_CONTAINS(bad.status().message(), "BEGIN/COMMIT/ROLLBACK refused");

  std::unique_ptr<Database> db = openOrFail(options({}));
  LONGS_EQUAL(0, queryOrFail(*db, "SELECT count(*) FROM sqlite_master WHERE name IN ('a', 'b')"));
}

TEST(Store, DatabaseNewerThanCodeIsRefused) {
  { std::unique_ptr<Database> db = openOrFail(options()); }
  core::Result<std::unique_ptr<Database>> old = Database::open(options({baseMigrations()[0]}));
  CHECK_FALSE(old.isOk());
  CHECK(old.status().code() == Code::kFailedPrecondition);
  CHECK_CONTAINS(old.status().message(), path + " has schema version 2");
  CHECK_CONTAINS(old.status().message(), "knows only versions up to 1");
}

TEST(Store, RenamedMigrationIsRefused) {
  { std::unique_ptr<Database> db = openOrFail(options()); }
  std::vector<Migration> migrations = baseMigrations();
  migrations[1].name = "something_else";
  core::Result<std::unique_ptr<Database>> db = Database::open(options(migrations));
  CHECK_FALSE(db.isOk());
  CHECK(db.status().code() == Code::kFailedPrecondition);
  CHECK_CONTAINS(db.status().message(), "recorded migration 2 as 'create_blobs'");
}

TEST(Store, MigrationVersionsMustCountFromOne) {
  std::vector<Migration> migrations = baseMigrations();
  migrations[1].version = 3;
  core::Result<std::unique_ptr<Database>> db = Database::open(options(migrations));
  CHECK_FALSE(db.isOk());
  CHECK(db.status().code() == Code::kInvalidArgument);
  CHECK_CONTAINS(db.status().message(), "has version 3, expected 2");
}

// ---------------------------------------------------------------------------------------------
// Connection settings and statements

TEST(Store, WalModeAndSynchronousAsChosen) {
  {
    std::unique_ptr<Database> db = openOrFail(options());
    STRCMP_EQUAL("wal", textOrFail(*db, "PRAGMA journal_mode").c_str());
    LONGS_EQUAL(2, queryOrFail(*db, "PRAGMA synchronous"));
    LONGS_EQUAL(1, queryOrFail(*db, "PRAGMA foreign_keys"));
  }
  StoreOptions normal = options();
  normal.synchronous = StoreOptions::Synchronous::kNormal;
  {
    std::unique_ptr<Database> db = openOrFail(normal);
    LONGS_EQUAL(1, queryOrFail(*db, "PRAGMA synchronous"));
  }
  StoreOptions off = options();
  off.synchronous = StoreOptions::Synchronous::kOff;
  std::unique_ptr<Database> db = openOrFail(off);
  LONGS_EQUAL(0, queryOrFail(*db, "PRAGMA synchronous"));
  STRCMP_EQUAL("wal", textOrFail(*db, "PRAGMA journal_mode").c_str());
}

TEST(Store, StatementBindsAndReadsEveryType) {
  std::unique_ptr<Database> db = openOrFail(options({{1, "t", "CREATE TABLE t (i INTEGER, d REAL, s TEXT, b BLOB, n);"}}));
  const uint8_t bytes[] = {0, 1, 2, 255};
  {
    core::Result<core::Statement> st = db->prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5)");
    CHECK_TEXT(st.isOk(), st.status().toString().c_str());
    CHECK_OK(st->bindInt64(1, INT64_C(9007199254740993))
                 .bindDouble(2, 2.5)
                 .bindText(3, std::string("h\0llo", 5))
                 .bindBlob(4, bytes, sizeof bytes)
                 .bindNull(5)
                 .run());
  }
  core::Result<core::Statement> st = db->prepare("SELECT i, d, s, b, n FROM t");
  CHECK_TEXT(st.isOk(), st.status().toString().c_str());
  core::Result<bool> row = st->step();
  CHECK_TRUE(row.isOk() && *row);
  LONGS_EQUAL(5, st->columnCount());
  CHECK(st->columnInt64(0) == INT64_C(9007199254740993));
  DOUBLES_EQUAL(2.5, st->columnDouble(1), 0.0);
  CHECK(st->columnText(2) == std::string("h\0llo", 5));
  std::vector<uint8_t> blob = st->columnBlob(3);
  CHECK(blob == std::vector<uint8_t>(bytes, bytes + sizeof bytes));
  CHECK_TRUE(st->columnIsNull(4));
  row = st->step();
  CHECK_TRUE(row.isOk() && !*row);

  // While that statement is held, the same SQL still prepares (an uncached copy).
  core::Result<core::Statement> again = db->prepare("SELECT i, d, s, b, n FROM t");
  CHECK_TRUE(again.isOk());

  // A bind error surfaces at the next step.
  core::Result<core::Statement> bad = db->prepare("SELECT ?1");
  CHECK_TRUE(bad.isOk());
  Status s = bad->bindInt64(7, 1).run();
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK_CONTAINS(s.message(), "binding parameter 7");

  core::Result<core::Statement> two = db->prepare("SELECT 1; SELECT 2");
  CHECK(two.status().code() == Code::kInvalidArgument);
  core::Result<core::Statement> syntax = db->prepare("SELEC 1");
  CHECK(syntax.status().code() == Code::kInternal);
  CHECK_CONTAINS(syntax.status().message(), "syntax error");
}

TEST(Store, ConstraintViolationsMapToCodes) {
  std::unique_ptr<Database> db = openOrFail(options());
  CHECK_OK(db->exec("INSERT INTO items(id, owner) VALUES (1, 1)"));
  Status dup = db->exec("INSERT INTO items(id, owner) VALUES (1, 2)");
  CHECK(dup.code() == Code::kAlreadyExists);
  Status nul = db->exec("INSERT INTO items(id, owner) VALUES (2, NULL)");
  CHECK(nul.code() == Code::kInvalidArgument);
  CHECK_CONTAINS(nul.message(), "NOT NULL constraint failed");
}

TEST(Store, IntegrityCheckOkThenCorrupt) {
  {
    std::unique_ptr<Database> db = openOrFail(options());
    CHECK_OK(db->integrityCheck());
    CHECK_OK(db->exec("CREATE INDEX items_owner ON items(owner)"));
    CHECK_OK(db->exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 5000) "
                      "INSERT INTO items(id, owner, note) SELECT i, i % 97, printf('note %d', i) FROM n"));
  }
  // Closing the last connection checkpointed the WAL into the file; now damage pages in the middle
  // (table and index b-tree pages), leaving the header and schema page alone.
  struct stat st {};
  CHECK(::stat(path.c_str(), &st) == 0);
  int fd = ::open(path.c_str(), O_WRONLY);
  CHECK(fd >= 0);
  std::string junk(4096, '\x5a');
  for (off_t offset = 8 * 4096; offset + 4096 < st.st_size; offset += 8 * 4096) {
    CHECK(::pwrite(fd, junk.data(), junk.size(), offset) == static_cast<ssize_t>(junk.size()));
  }
  ::close(fd);

  std::unique_ptr<Database> db = openOrFail(options());
  Status s = db->integrityCheck();
  CHECK(s.code() == Code::kCorrupt);
  CHECK_CONTAINS(s.message(), "database " + path + " failed its integrity check");
}

// ---------------------------------------------------------------------------------------------
// Clear errors

TEST(Store, MissingDirectoryNamesThePath) {
  StoreOptions o = options();
  o.path = dir + "/no/such/dir/edge.db";
  core::Result<std::unique_ptr<Database>> db = Database::open(o);
  CHECK_FALSE(db.isOk());
  CHECK(db.status().code() == Code::kNotFound);
  CHECK_CONTAINS(db.status().message(), "cannot open database " + o.path);
  CHECK_CONTAINS(db.status().message(), "directory " + dir + "/no/such/dir does not exist");

  StoreOptions ro = options();
  ro.readOnly = true;
  core::Result<std::unique_ptr<Database>> missing = Database::open(ro);
  CHECK(missing.status().code() == Code::kNotFound);
  CHECK_CONTAINS(missing.status().message(), "database " + path + " does not exist");
}

TEST(Store, GarbageFileIsCorrupt) {
  {
    std::ofstream out(path, std::ios::binary);
    std::string garbage(8192, 'g');
    out << "this is not a database" << garbage;
  }
  core::Result<std::unique_ptr<Database>> db = Database::open(options());
  CHECK_FALSE(db.isOk());
  CHECK(db.status().code() == Code::kCorrupt);
  CHECK_CONTAINS(db.status().message(), path + " is not a SQLite database");
}

TEST(Store, ReadOnlyConnectionRefusesWrites) {
  { std::unique_ptr<Database> db = openOrFail(options()); }
  StoreOptions ro = options();
  ro.readOnly = true;
  std::unique_ptr<Database> db = openOrFail(ro);
  LONGS_EQUAL(2, db->schemaVersion());
  Status s = db->exec("INSERT INTO items(id, owner) VALUES (1, 1)");
  CHECK(s.code() == Code::kPermissionDenied);
  CHECK_CONTAINS(s.message(), "database " + path + " was opened read-only");

  core::Result<std::unique_ptr<Writer>> w = Writer::open(ro);
  CHECK(w.status().code() == Code::kInvalidArgument);
}

TEST(Store, ReadOnlyOpenOfUnmigratedDatabaseIsRefused) {
  { std::unique_ptr<Database> db = openOrFail(options({baseMigrations()[0]})); }
  StoreOptions ro = options();
  ro.readOnly = true;
  core::Result<std::unique_ptr<Database>> db = Database::open(ro);
  CHECK(db.status().code() == Code::kFailedPrecondition);
  CHECK_CONTAINS(db.status().message(), "read-only open cannot migrate");
}

TEST(Store, ReadOnlyFileGivesClearError) {
  { std::unique_ptr<Database> db = openOrFail(options()); }
  // Root ignores file modes, so the open runs in a child that drops to nobody.
  CHECK(::chmod(dir.c_str(), 0777) == 0);
  CHECK(::chmod(path.c_str(), 0444) == 0);
  std::pair<int, std::string> result = openAsUnprivileged(options());
  LONGS_EQUAL(static_cast<int>(Code::kPermissionDenied), result.first);
  CHECK_CONTAINS(result.second, "database " + path + " is read-only (file permissions or read-only filesystem)");
}

TEST(Store, UnwritableDirectoryGivesClearError) {
  CHECK(::chmod(dir.c_str(), 0555) == 0);
  std::pair<int, std::string> result = openAsUnprivileged(options());
  LONGS_EQUAL(static_cast<int>(Code::kPermissionDenied), result.first);
  CHECK_CONTAINS(result.second, "directory " + dir + " is not writable");
  CHECK(::chmod(dir.c_str(), 0700) == 0);
}

// ---------------------------------------------------------------------------------------------
// Writer

TEST(Store, WriterGroupsJobsFromFourThreads) {
  StoreOptions o = options();
  std::unique_ptr<Writer> writer = writerOrFail(o);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 250;
  Gate gate;
  std::future<Status> gated = writer->submit(gate.job());
  gate.waitEntered();

  std::atomic<int> callbacksOk{0};
  std::atomic<int> callbacksFailed{0};
  std::vector<std::vector<std::future<Status>>> futures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        int64_t id = t * kPerThread + i + 1;
        if (t % 2 == 0) {
          futures[t].push_back(writer->submit(insertItem(id, t)));
        } else {
          writer->submit(insertItem(id, t), [&](const Status& s) { (s.isOk() ? callbacksOk : callbacksFailed)++; });
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  gate.open();
  CHECK_OK(gated.get());
  for (auto& perThread : futures) {
    for (auto& f : perThread) CHECK_OK(f.get());
  }
  CHECK_OK(writer->flush());
  LONGS_EQUAL(2 * kPerThread, callbacksOk.load());
  LONGS_EQUAL(0, callbacksFailed.load());

  const core::WriterStats& stats = writer->stats();
  const uint64_t jobs = kThreads * kPerThread + 1;
  CHECK(stats.jobs.load() == jobs);
  CHECK(stats.jobFailures.load() == 0);
  CHECK(stats.batchFailures.load() == 0);
  // The gate batch, then the 1000 queued jobs in batches of at most maxBatch (256).
  CHECK_TEXT(stats.batches.load() <= 1 + (jobs + o.maxBatch - 1) / o.maxBatch,
             ("batches: " + std::to_string(stats.batches.load())).c_str());
  CHECK(stats.lastBatchMicros.load() >= stats.lastCommitMicros.load());
  writer->stop();

  StoreOptions ro = options();
  ro.readOnly = true;
  std::unique_ptr<Database> db = openOrFail(ro);
  LONGS_EQUAL(kThreads * kPerThread, queryOrFail(*db, "SELECT count(*) FROM items"));
  LONGS_EQUAL(kThreads * kPerThread, queryOrFail(*db, "SELECT max(id) FROM items"));
}

TEST(Store, FailingJobFailsAloneItsBatchCommits) {
  std::unique_ptr<Writer> writer = writerOrFail(options());
  Gate gate;
  std::future<Status> gated = writer->submit(gate.job());
  gate.waitEntered();

  std::future<Status> good1 = writer->submit(insertItem(1, 1));
  // Writes, then fails: its own row must be rolled back with it.
  std::future<Status> bad = writer->submit([](Database& db) -> Status {
    Status s = insertItem(100, 1)(db);
    if (!s.isOk()) return s;
    return core::invalidArgument("job refuses after writing");
  });
  std::future<Status> duplicate = writer->submit(insertItem(1, 2));
  std::future<Status> throws = writer->submit([](Database& db) -> Status {
    Status s = insertItem(101, 1)(db);
    if (!s.isOk()) return s;
    throw std::runtime_error("boom");
  });
  std::future<Status> good2 = writer->submit(insertItem(3, 1));
  gate.open();

  CHECK_OK(gated.get());
  CHECK_OK(good1.get());
  Status badStatus = bad.get();
  CHECK(badStatus.code() == Code::kInvalidArgument);
  STRCMP_EQUAL("job refuses after writing", badStatus.message().c_str());
  CHECK(duplicate.get().code() == Code::kAlreadyExists);
  Status thrown = throws.get();
  CHECK(thrown.code() == Code::kInternal);
  CHECK_CONTAINS(thrown.message(), "boom");
  CHECK_OK(good2.get());

  LONGS_EQUAL(2, writer->stats().batches.load());
  LONGS_EQUAL(3, writer->stats().jobFailures.load());
  LONGS_EQUAL(0, writer->stats().batchFailures.load());

  std::promise<int64_t> count;
  std::future<int64_t> counted = count.get_future();
  CHECK_OK(writer->submit([&](Database& db) {
                    core::Result<int64_t> n = db.queryInt64("SELECT count(*) FROM items WHERE id IN (1, 3)");
                    core::Result<int64_t> gone = db.queryInt64("SELECT count(*) FROM items WHERE id >= 100");
                    count.set_value(n.isOk() && gone.isOk() && *gone == 0 ? *n : -1);
                    return Status::ok();
                  }).get());
  LONGS_EQUAL(2, counted.get());
}

TEST(Store, JobCannotCommitTheBatch) {
  std::unique_ptr<Writer> writer = writerOrFail(options());
  Status s = writer->submit([](Database& db) { return db.exec("COMMIT"); }).get();
  CHECK(s.code() == Code::kFailedPrecondition);
  CHECK_CONTAINS(s.message(), "BEGIN/COMMIT/ROLLBACK refused");
  CHECK_OK(writer->submit(insertItem(1, 1)).get());
}

TEST(Store, IdleWorkRunsOnlyWhileNothingIsQueuedInTransactionsOfItsOwn) {
  std::unique_ptr<Writer> writer = writerOrFail(options());
  auto outcomes = std::make_shared<std::vector<bool>>();
  writer->setBatchHook([outcomes](bool committed) { outcomes->push_back(committed); });
  // Gated first: the idle work must wait for the queued jobs, not run between them.
  Gate gate;
  std::future<Status> gated = writer->submit(gate.job());
  gate.waitEntered();
  std::vector<std::future<Status>> queued;
  for (int64_t id = 1; id <= 3; ++id) queued.push_back(writer->submit(insertItem(id, 1)));
  auto left = std::make_shared<std::atomic<int>>(5);  // five steps of idle work
  auto sawQueuedRows = std::make_shared<std::atomic<int64_t>>(-1);
  writer->setIdleWork([left] { return left->load() > 0; },
                      [left, sawQueuedRows](Database& db) -> Status {
                        core::Result<int64_t> n = db.queryInt64("SELECT count(*) FROM items WHERE owner = 1");
                        if (!n.isOk()) return n.status();
                        if (sawQueuedRows->load() < 0) sawQueuedRows->store(*n);
                        int step = left->fetch_sub(1);
                        return insertItem(100 + step, 2)(db);
                      },
                      std::chrono::milliseconds(10));
  gate.open();
  CHECK_OK(gated.get());
  for (auto& f : queued) CHECK_OK(f.get());
  for (int i = 0; i < 500 && left->load() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  LONGS_EQUAL(0, left->load());
  LONGS_EQUAL(3, sawQueuedRows->load());  // the first idle step came after every queued job
  // A job submitted afterwards is served as usual; the idle work stays done (pending() is false).
  CHECK_OK(writer->submit(insertItem(50, 3)).get());
  writer->stop();
  std::unique_ptr<Database> db = openOrFail(options());
  LONGS_EQUAL(5, queryOrFail(*db, "SELECT count(*) FROM items WHERE owner = 2"));
  LONGS_EQUAL(9, queryOrFail(*db, "SELECT count(*) FROM items"));
  // Each idle step was a committed transaction of its own, heard by the batch hook.
  LONGS_EQUAL(writer->stats().batches.load(), outcomes->size());
  CHECK(outcomes->size() >= 5 + 2);
}

TEST(Store, FailedCommitFailsEveryJobOfTheBatch) {
  // A deferred foreign key is checked at COMMIT only: the way to make COMMIT itself fail.
  std::vector<Migration> migrations = {
      {1, "parents", "CREATE TABLE parent (id INTEGER PRIMARY KEY);"},
      {2, "children",
       "CREATE TABLE child (id INTEGER PRIMARY KEY, "
       "pid INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);"},
  };
  std::unique_ptr<Writer> writer = writerOrFail(options(migrations));
  // The batch hook learns which batches committed (owners of derived in-memory state rely on it).
  auto outcomes = std::make_shared<std::vector<bool>>();
  writer->setBatchHook([outcomes](bool committed) { outcomes->push_back(committed); });
  auto exec = [](std::string sql) { return [sql](Database& db) { return db.exec(sql); }; };
  Gate gate;
  std::future<Status> gated = writer->submit(gate.job());
  gate.waitEntered();
  std::future<Status> a = writer->submit(exec("INSERT INTO parent VALUES (1)"));
  std::future<Status> orphan = writer->submit(exec("INSERT INTO child VALUES (1, 999)"));
  std::future<Status> b = writer->submit(exec("INSERT INTO parent VALUES (2)"));
  gate.open();
  CHECK_OK(gated.get());
  for (std::future<Status>* f : {&a, &orphan, &b}) {
    Status s = f->get();
    CHECK_FALSE(s.isOk());
    CHECK_CONTAINS(s.message(), "committing a batch of 3 jobs");
    CHECK_CONTAINS(s.message(), "FOREIGN KEY constraint failed");
  }
  LONGS_EQUAL(1, writer->stats().batchFailures.load());
  LONGS_EQUAL(3, writer->stats().jobFailures.load());

  // Nothing of that batch is stored, and the writer carries on.
  CHECK_OK(writer->submit(exec("INSERT INTO parent VALUES (3)")).get());
  writer->stop();
  CHECK(*outcomes == std::vector<bool>({true, false, true}));
  StoreOptions ro = options(migrations);
  ro.readOnly = true;
  std::unique_ptr<Database> db = openOrFail(ro);
  LONGS_EQUAL(1, queryOrFail(*db, "SELECT count(*) FROM parent"));
  LONGS_EQUAL(3, queryOrFail(*db, "SELECT id FROM parent"));
}

TEST(Store, CommitDelayLetsJobsShareACommit) {
  StoreOptions o = options();
  o.maxBatch = 8;                 // the writer waits for 8 / 4 = 2 jobs...
  o.commitDelayMicros = 5000000;  // ...for up to 5 s, far longer than this test takes to submit them
  std::unique_ptr<Writer> writer = writerOrFail(o);
  std::future<Status> first = writer->submit(insertItem(1, 1));
  std::future<Status> second = writer->submit(insertItem(2, 2));
  CHECK_OK(first.get());
  CHECK_OK(second.get());
  LONGS_EQUAL(1, writer->stats().batches.load());
  LONGS_EQUAL(2, writer->stats().lastBatchJobs.load());
}

TEST(Store, DiskFullFailsTheBatchAndKeepsCommittedData) {
  std::unique_ptr<Writer> writer = writerOrFail(options());
  auto insertBlob = [](int64_t id, int size) {
    return [id, size](Database& db) -> Status {
      core::Result<core::Statement> st = db.prepare("INSERT INTO blobs(id, data) VALUES (?1, randomblob(?2))");
      if (!st.isOk()) return st.status();
      return st->bindInt64(1, id).bindInt64(2, size).run();
    };
  };
  for (int i = 1; i <= 10; ++i) CHECK_OK(writer->submit(insertBlob(i, 100)).get());

  // max_page_count caps the file at its current size: the next page allocation is SQLITE_FULL, as on
  // a full disk.
  CHECK_OK(writer->submit([](Database& db) {
                    core::Result<int64_t> pages = db.queryInt64("PRAGMA page_count");
                    if (!pages.isOk()) return pages.status();
                    return db.exec("PRAGMA max_page_count=" + std::to_string(*pages));
                  }).get());
  Gate gate;
  std::future<Status> gated = writer->submit(gate.job());
  gate.waitEntered();
  // A small job that fits, then jobs that cannot. SQLite 3.40 answers SQLITE_FULL by rolling back
  // the whole transaction, so the small job's row is gone too: it must not be reported as written.
  std::future<Status> small = writer->submit(insertBlob(100, 10));
  std::vector<std::future<Status>> full;
  for (int i = 11; i <= 15; ++i) full.push_back(writer->submit(insertBlob(i, 200000)));
  gate.open();
  CHECK_OK(gated.get());
  for (std::future<Status>& f : full) {
    Status s = f.get();
    CHECK(s.code() == Code::kResourceExhausted);
    CHECK_CONTAINS(s.message(), "disk full while writing " + path);
  }
  Status smallStatus = small.get();
  CHECK(smallStatus.code() == Code::kResourceExhausted);
  CHECK_CONTAINS(smallStatus.message(), "rolled back with its batch: disk full while writing " + path);
  LONGS_EQUAL(1, writer->stats().batchFailures.load());

  // The committed rows are intact, readable from another connection, and the file checks out.
  StoreOptions ro = options();
  ro.readOnly = true;
  {
    std::unique_ptr<Database> reader = openOrFail(ro);
    LONGS_EQUAL(10, queryOrFail(*reader, "SELECT count(*) FROM blobs"));
    CHECK_OK(reader->integrityCheck());
  }

  // Space comes back: writing works again.
  CHECK_OK(writer->submit([](Database& db) { return db.exec("PRAGMA max_page_count=1073741823"); }).get());
  CHECK_OK(writer->submit(insertBlob(11, 200000)).get());
  writer->stop();
  std::unique_ptr<Database> reader = openOrFail(ro);
  LONGS_EQUAL(11, queryOrFail(*reader, "SELECT count(*) FROM blobs"));
}

TEST(Store, ReaderSeesOnlyCommittedDataAndIsNotBlocked) {
  std::unique_ptr<Writer> writer = writerOrFail(options());
  CHECK_OK(writer->submit(insertItem(1, 1)).get());
  StoreOptions ro = options();
  ro.readOnly = true;
  std::unique_ptr<Database> reader = openOrFail(ro);

  // The writer holds an open transaction with one more row while the reader reads.
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::future<Status> pending = writer->submit([&](Database& db) {
    Status s = insertItem(2, 1)(db);
    entered.set_value();
    released.wait();
    return s;
  });
  entered.get_future().wait();
  LONGS_EQUAL(1, queryOrFail(*reader, "SELECT count(*) FROM items"));
  release.set_value();
  CHECK_OK(pending.get());
  LONGS_EQUAL(2, queryOrFail(*reader, "SELECT count(*) FROM items"));
}

TEST(Store, SecondWriterGetsBusyAfterTimeout) {
  std::unique_ptr<Writer> first = writerOrFail(options());
  StoreOptions o = options();
  o.busyTimeoutMs = 100;
  std::unique_ptr<Writer> second = writerOrFail(o);
  Gate gate;
  std::future<Status> gated = first->submit(gate.job());
  gate.waitEntered();
  Status s = second->submit(insertItem(1, 1)).get();
  gate.open();
  CHECK_OK(gated.get());
  CHECK(s.code() == Code::kUnavailable);
  CHECK_CONTAINS(s.message(), "database " + path + " is locked by another connection (gave up after 100 ms)");
  CHECK_CONTAINS(s.message(), "starting a batch transaction");
  CHECK_OK(second->submit(insertItem(1, 1)).get());
}

TEST(Store, QueueLimitAndStop) {
  StoreOptions o = options();
  o.maxQueue = 2;
  std::unique_ptr<Writer> writer = writerOrFail(o);
  Gate gate;
  std::future<Status> gated = writer->submit(gate.job());
  gate.waitEntered();
  std::future<Status> a = writer->submit(insertItem(1, 1));
  std::future<Status> b = writer->submit(insertItem(2, 1));
  Status refused = writer->submit(insertItem(3, 1)).get();  // ready at once
  CHECK(refused.code() == Code::kResourceExhausted);
  CHECK_CONTAINS(refused.message(), "writer queue of " + path + " is full");
  LONGS_EQUAL(2, writer->stats().queued.load());
  gate.open();
  writer->stop();  // drains the queue
  CHECK_OK(gated.get());
  CHECK_OK(a.get());
  CHECK_OK(b.get());
  Status late = writer->submit(insertItem(4, 1)).get();
  CHECK(late.code() == Code::kFailedPrecondition);
  bool called = false;
  writer->submit(insertItem(5, 1), [&](const Status& s) { called = s.code() == Code::kFailedPrecondition; });
  CHECK_TRUE(called);
  LONGS_EQUAL(3, writer->stats().rejected.load());
}
