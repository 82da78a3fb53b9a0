// PostgreSQL driver (pg_storage.h).
//
// Why SERIALIZABLE for read-write work: the stores are written once for both backends, and on
// SQLite a unit of work runs alone (one writer), so "read the row, then write what follows from it"
// is safe there. Under READ COMMITTED two mgmtd doing that at once lose one of the writes (the
// storage test ConcurrentReadThenWriteLosesNoIncrement fails on it); SERIALIZABLE turns the
// collision into 40001, and the whole work runs again, which transact() promises to do anyway.
// Read-only work runs REPEATABLE READ READ ONLY: one snapshot, and never a serialization failure.
#include "mgmt/store/postgres/pg_storage.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "mgmt/store/postgres/pg_connection.h"
#include "mgmt/store/store_internal.h"

namespace mgmt::store::postgres {

namespace {

using Clock = std::chrono::steady_clock;

// How long transact() keeps trying to reach a primary after losing it (a promotion takes seconds).
constexpr std::chrono::seconds kReconnectWindow{20};
constexpr std::chrono::milliseconds kReconnectPause{250};
// How long a unit of work waits for a connection of the pool before it is refused.
constexpr std::chrono::seconds kPoolWait{30};

// Advisory lock keys: 64-bit FNV-1a of a name in our own space, the same in every mgmtd.
int64_t lockKey(std::string_view name) {
  uint64_t h = 14695981039346656037ULL;
  for (char c : std::string("edge.mgmt.") + std::string(name)) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return static_cast<int64_t>(h);
}

const char* const kMigrationLock = "schema-migrations";

bool retryable(PgFailure f, Storage::Mode mode) {
  return f == PgFailure::kRetry || f == PgFailure::kReconnect ||
         (f == PgFailure::kReadOnly && mode == Storage::Mode::kReadWrite);
}

// Whether the connection can go back to the pool after a failure of this kind.
bool reusable(PgFailure f) { return f != PgFailure::kReconnect && f != PgFailure::kReadOnly; }

// One value in COPY's text format (PostgreSQL 15 documentation, COPY, "Text Format"): \N for NULL;
// backslash, newline, carriage return and tab (the delimiter) as backslash sequences, so no value
// can end a row or a column or read as the end marker; bytes as bytea's hex form (its backslash
// escaped too). Text goes as it is otherwise: the connection's encoding is UTF8.
void appendCopyText(std::string& out, const Value& value) {
  if (value.isNull()) {
    out += "\\N";
  } else if (const auto* number = std::get_if<int64_t>(&value.v)) {
    out += std::to_string(*number);
  } else if (const auto* text = std::get_if<std::string>(&value.v)) {
    for (char ch : *text) {
      switch (ch) {
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default: out.push_back(ch);
      }
    }
  } else if (const auto* bytes = std::get_if<Value::Bytes>(&value.v)) {
    static const char kHex[] = "0123456789abcdef";
    out += "\\\\x";
    for (unsigned char b : bytes->data) {
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 15]);
    }
  }
}

class PgTransaction final : public Transaction {
 public:
  explicit PgTransaction(PgConnection& conn) : conn_(conn) {}

  core::Result<std::vector<Row>> query(std::string_view sql, const Params& params) override {
    EDGE_RETURN_IF_ERROR(ready(sql));
    core::Result<std::vector<Row>> rows = conn_.query(sql, params);
    if (!rows.isOk()) return failed(rows.status());
    return rows;
  }

  core::Result<int64_t> exec(std::string_view sql, const Params& params) override {
    EDGE_RETURN_IF_ERROR(ready(sql));
    int64_t changed = 0;
    core::Result<std::vector<Row>> rows = conn_.query(sql, params, &changed);
    if (!rows.isOk()) return failed(rows.status());
    return changed;
  }

  core::Result<int64_t> copyRows(std::string_view table, const std::vector<std::string>& columns,
                                 const std::vector<Params>& rows) override {
    EDGE_RETURN_IF_ERROR(detail::checkCopy(table, columns, rows));
    std::string sql = "COPY " + std::string(table) + " (";
    for (size_t c = 0; c < columns.size(); ++c) sql += (c == 0 ? "" : ", ") + columns[c];
    sql += ") FROM STDIN";
    EDGE_RETURN_IF_ERROR(ready(sql));
    if (rows.empty()) return int64_t{0};
    std::string data;
    data.reserve(rows.size() * columns.size() * 12);
    for (const Params& row : rows) {
      for (size_t c = 0; c < row.size(); ++c) {
        if (c != 0) data.push_back('\t');
        appendCopyText(data, row[c]);
      }
      data.push_back('\n');
    }
    core::Result<int64_t> copied = conn_.copyIn(sql, data);
    if (!copied.isOk()) return failed(copied.status());
    return copied;
  }

  Backend backend() const override { return Backend::kPostgres; }

  // The first statement failure of this unit of work (ok when none).
  const core::Status& firstError() const { return firstError_; }
  PgFailure failure() const { return failure_; }

 private:
  core::Status ready(std::string_view sql) {
    EDGE_RETURN_IF_ERROR(detail::checkNotTransactionControl(sql));
    // PostgreSQL refuses every statement after a failed one (25P02); say so plainly, and the same
    // way on SQLite (a store that works on one backend works on the other).
    if (!firstError_.isOk()) {
      return core::failedPrecondition("an earlier statement of this unit of work failed (" + firstError_.toString() +
                                      "): return its error from the work");
    }
    return core::Status::ok();
  }

  core::Status failed(core::Status s) {
    if (firstError_.isOk()) {
      firstError_ = s;
      failure_ = conn_.lastFailure();
    }
    return s;
  }

  PgConnection& conn_;
  core::Status firstError_;
  PgFailure failure_ = PgFailure::kNone;
};

class PgStorage final : public Storage {
 public:
  PgStorage(const StorageConfig& config, int schemaVersion)
      : dsn_(config.dsn), maxConnections_(config.connections), schemaVersion_(schemaVersion) {}

  core::Status transact(const Work& work, Mode mode) override {
    detail::TransactGuard guard;
    if (guard.nested()) return detail::TransactGuard::nestedError();
    const Clock::time_point start = Clock::now();
    for (int attempt = 1;; ++attempt) {
      PgFailure failure = PgFailure::kNone;
      core::Status s = once(work, mode, &failure);
      if (s.isOk() || !retryable(failure, mode)) return s;
      const bool reconnecting = failure != PgFailure::kRetry;
      if (reconnecting ? Clock::now() - start >= kReconnectWindow : attempt >= detail::kMaxAttempts) {
        return s.withContext("gave up after " + std::to_string(attempt) + " attempts");
      }
      if (reconnecting) {
        std::this_thread::sleep_for(kReconnectPause);
      } else {
        detail::backoff(attempt);
      }
    }
  }

  core::Result<bool> withSingletonLock(std::string_view name, const std::function<core::Status()>& work) override {
    if (!locals_.tryTake(name)) return false;
    core::Result<bool> took = lockCall("SELECT pg_try_advisory_lock($1)", name);
    if (!took.isOk() || !*took) {
      locals_.release(name);
      return took;
    }
    core::Status s = work();
    // A failed unlock means the connection is gone, and the server released the lock with it.
    (void)lockCall("SELECT pg_advisory_unlock($1)", name);
    locals_.release(name);
    EDGE_RETURN_IF_ERROR(s);
    return true;
  }

  Backend backend() const override { return Backend::kPostgres; }
  int schemaVersion() const override { return schemaVersion_; }

 private:
  core::Status once(const Work& work, Mode mode, PgFailure* failure) {
    core::Result<std::unique_ptr<PgConnection>> acquired = acquire();
    if (!acquired.isOk()) {
      // No server to connect to: the failover case, worth waiting for. A full pool is not.
      *failure = acquired.status().code() == core::Code::kUnavailable ? PgFailure::kReconnect : PgFailure::kStatement;
      return acquired.status();
    }
    std::unique_ptr<PgConnection> conn = std::move(*acquired);
    core::Status s = run(*conn, work, mode, failure);
    release(std::move(conn), *failure);
    return s;
  }

  core::Status run(PgConnection& conn, const Work& work, Mode mode, PgFailure* failure) {
    core::Status s = conn.execScript(mode == Mode::kReadWrite ? "BEGIN ISOLATION LEVEL SERIALIZABLE"
                                                              : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    if (!s.isOk()) {
      *failure = conn.lastFailure() == PgFailure::kStatement ? PgFailure::kStatement : PgFailure::kReconnect;
      return s.withContext("starting a transaction");
    }
    PgTransaction txn(conn);
    try {
      s = work(txn);
    } catch (const std::exception& e) {
      s = core::internalError(std::string("storage: unit of work threw: ") + e.what());
    }
    if (s.isOk() && !txn.firstError().isOk()) {
      s = txn.firstError().withContext("the unit of work returned ok after a failed statement");
    }
    if (!s.isOk()) {
      *failure = txn.failure();
      if (!conn.broken()) {
        if (!conn.execScript("ROLLBACK").isOk()) *failure = PgFailure::kReconnect;
      }
      return s;
    }
    if (conn.txState() != PgConnection::TxState::kInTransaction) {
      *failure = PgFailure::kStatement;
      (void)conn.execScript("ROLLBACK");
      return core::internalError("storage: the unit of work left its transaction");
    }
    s = conn.execScript("COMMIT");
    if (s.isOk()) return s;
    *failure = conn.lastFailure();
    if (*failure == PgFailure::kReconnect) {
      // The COMMIT may or may not have happened: never run the work again on our own.
      *failure = PgFailure::kStatement;
      return core::unavailable("storage: connection lost during COMMIT, the outcome is unknown: " + s.message());
    }
    return s.withContext("committing");
  }

  core::Result<std::unique_ptr<PgConnection>> acquire() {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (!free_.wait_for(lock, kPoolWait, [this] { return !idle_.empty() || open_ < maxConnections_; })) {
        return core::resourceExhausted("storage: all " + std::to_string(maxConnections_) +
                                       " PostgreSQL connections stayed busy for " +
                                       std::to_string(kPoolWait.count()) + " s (storage.connections)");
      }
      if (!idle_.empty()) {
        std::unique_ptr<PgConnection> conn = std::move(idle_.back());
        idle_.pop_back();
        return conn;
      }
      ++open_;
    }
    core::Result<std::unique_ptr<PgConnection>> conn = PgConnection::connect(dsn_);
    if (!conn.isOk()) {
      std::lock_guard<std::mutex> lock(mutex_);
      --open_;
      free_.notify_one();
    }
    return conn;
  }

  void release(std::unique_ptr<PgConnection> conn, PgFailure failure) {
    const bool keep = !conn->broken() && reusable(failure) && conn->txState() == PgConnection::TxState::kIdle;
    if (!keep) conn.reset();  // closed outside the pool's lock
    std::lock_guard<std::mutex> lock(mutex_);
    if (keep) {
      idle_.push_back(std::move(conn));
    } else {
      --open_;
    }
    free_.notify_one();
  }

  // A call on the lock connection, reconnecting it once if it was lost.
  core::Result<bool> lockCall(const char* sql, std::string_view name) {
    std::lock_guard<std::mutex> lock(lockMutex_);
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!lockConn_ || lockConn_->broken()) {
        lockConn_.reset();
        EDGE_ASSIGN_OR_RETURN(lockConn_, PgConnection::connect(dsn_));
      }
      core::Result<std::vector<Row>> rows = lockConn_->query(sql, {lockKey(name)});
      if (rows.isOk()) return !rows->empty() && rows->front().int64(0) != 0;
      if (lockConn_->lastFailure() != PgFailure::kReconnect) return rows.status();
      lockConn_.reset();
    }
    return core::unavailable("storage: lost the lock connection twice taking '" + std::string(name) + "'");
  }

  const std::string dsn_;
  const int maxConnections_;
  const int schemaVersion_;
  std::mutex mutex_;
  std::condition_variable free_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
  int open_ = 0;  // connections in use or idle
  std::mutex lockMutex_;
  std::unique_ptr<PgConnection> lockConn_;
  detail::LocalLocks locals_;
};

// Applies pending migrations on `conn`, in one transaction, under an advisory lock that every mgmtd
// takes before migrating: the first migrates, the others wait and find nothing to do.
core::Result<int> migrate(PgConnection& conn, const std::vector<Migration>& migrations) {
  const int64_t key = lockKey(kMigrationLock);
  EDGE_RETURN_IF_ERROR(conn.query("SELECT pg_advisory_lock($1)", {key}).status());
  auto body = [&]() -> core::Result<int> {
    EDGE_RETURN_IF_ERROR(conn.execScript("BEGIN"));
    EDGE_RETURN_IF_ERROR(conn.execScript(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version BIGINT PRIMARY KEY,"
        " name TEXT NOT NULL,"
        " applied_at TEXT NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))"));
    EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                          conn.query("SELECT version, name FROM schema_migrations ORDER BY version", {}));
    const int64_t known = static_cast<int64_t>(migrations.size());
    int64_t newest = 0;
    for (const Row& row : rows) {
      const int64_t version = row.int64(0);
      newest = version > newest ? version : newest;
      if (version >= 1 && version <= known && migrations[static_cast<size_t>(version - 1)].name != row.text(1)) {
        return core::failedPrecondition("postgres: schema_migrations records migration " + std::to_string(version) +
                                        " as '" + row.text(1) + "' but this build calls it '" +
                                        migrations[static_cast<size_t>(version - 1)].name +
                                        "': a shipped migration must never be renumbered or replaced");
      }
    }
    if (newest != static_cast<int64_t>(rows.size())) {
      return core::corrupt("postgres: schema_migrations has " + std::to_string(rows.size()) +
                           " rows but its newest version is " + std::to_string(newest));
    }
    if (newest > known) {
      return core::failedPrecondition("postgres: the database has schema version " + std::to_string(newest) +
                                      " but this build knows only versions up to " + std::to_string(known) +
                                      ": it was written by a newer release; refusing to open it");
    }
    for (int64_t v = newest + 1; v <= known; ++v) {
      const Migration& m = migrations[static_cast<size_t>(v - 1)];
      const std::string label = "migration " + std::to_string(m.version) + " '" + m.name + "'";
      core::Status s = conn.execScript(m.postgres);
      if (!s.isOk()) return s.withContext(label + " failed, nothing applied");
      if (conn.txState() != PgConnection::TxState::kInTransaction) {
        return core::invalidArgument(label + " ended the migration transaction (no BEGIN/COMMIT in a migration)");
      }
      EDGE_RETURN_IF_ERROR(conn.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                                      {v, m.name})
                               .status());
    }
    EDGE_RETURN_IF_ERROR(conn.execScript("COMMIT"));
    return static_cast<int>(known);
  };
  core::Result<int> version = body();
  if (!version.isOk() && !conn.broken() && conn.txState() != PgConnection::TxState::kIdle) {
    (void)conn.execScript("ROLLBACK");
  }
  if (!conn.broken()) (void)conn.query("SELECT pg_advisory_unlock($1)", {key});
  return version;
}

}  // namespace

core::Result<std::unique_ptr<Storage>> openPostgresStorage(const StorageConfig& config,
                                                           const std::vector<Migration>& migrations) {
  if (config.dsn.empty()) return core::invalidArgument("storage: postgres needs a dsn");
  EDGE_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn, PgConnection::connect(config.dsn));
  EDGE_ASSIGN_OR_RETURN(int version, migrate(*conn, migrations));
  return std::unique_ptr<Storage>(new PgStorage(config, version));
}

}  // namespace mgmt::store::postgres
