// SQLite driver (sqlite_storage.h). SQLite allows one writer per file; rather than let connections
// of this process fight over the file lock (busy waits, SQLITE_BUSY_SNAPSHOT on upgrade), every
// read-write unit of work takes the one writing connection in turn, starting with BEGIN IMMEDIATE so
// the write lock is held from the first statement: a read-then-write inside one transact() can then
// never be overtaken. Reads go to read-only connections that see a WAL snapshot and never wait for
// the writer.
#include "mgmt/store/sqlite/sqlite_storage.h"

#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "core/store.h"
#include "mgmt/store/store_internal.h"

namespace mgmt::store::sqlite {

std::string rewriteParameters(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  size_t i = 0;
  const size_t n = sql.size();
  while (i < n) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {
      // A literal or quoted identifier; a doubled quote inside is an escaped quote.
      size_t end = i + 1;
      while (end < n) {
        if (sql[end] == c) {
          if (end + 1 < n && sql[end + 1] == c) {
            end += 2;
            continue;
          }
          break;
        }
        ++end;
      }
      end = end < n ? end + 1 : n;
      out.append(sql.substr(i, end - i));
      i = end;
    } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
      size_t end = sql.find('\n', i);
      end = end == std::string_view::npos ? n : end;
      out.append(sql.substr(i, end - i));
      i = end;
    } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      size_t end = sql.find("*/", i + 2);
      end = end == std::string_view::npos ? n : end + 2;
      out.append(sql.substr(i, end - i));
      i = end;
    } else if (c == '$' && i + 1 < n && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      out.push_back('?');
      ++i;
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return out;
}

namespace {

// Named locks of all SQLite storages of this process, keyed by file and name.
detail::LocalLocks& processLocks() {
  static detail::LocalLocks locks;
  return locks;
}

// core::Database gives the Code of a unique or primary-key violation (kAlreadyExists) but files the
// other constraints under kInvalidArgument; the interface wants foreign-key and check violations as
// kFailedPrecondition (the referenced row or the state is not there), whatever the store's wording.
core::Status refine(const core::Database& db, core::Status s) {
  if (s.code() != core::Code::kInvalidArgument) return s;
  const int rc = db.lastExtendedErrorCode();
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY || rc == SQLITE_CONSTRAINT_CHECK) {
    return core::failedPrecondition(s.message());
  }
  return s;
}

class SqliteTransaction final : public Transaction {
 public:
  explicit SqliteTransaction(core::Database& db) : db_(db) {}

  core::Result<std::vector<Row>> query(std::string_view sql, const Params& params) override {
    EDGE_ASSIGN_OR_RETURN(core::Statement st, prepare(sql, params));
    std::vector<Row> rows;
    for (;;) {
      core::Result<bool> more = st.step();
      if (!more.isOk()) return failed(more.status());
      if (!*more) break;
      const int columns = st.columnCount();
      std::vector<Value> values;
      values.reserve(static_cast<size_t>(columns));
      for (int c = 0; c < columns; ++c) values.push_back(column(st, c));
      rows.emplace_back(std::move(values));
    }
    EDGE_RETURN_IF_ERROR(checkStillOpen(sql));
    return rows;
  }

  core::Result<int64_t> exec(std::string_view sql, const Params& params) override {
    EDGE_ASSIGN_OR_RETURN(core::Statement st, prepare(sql, params));
    core::Status s = st.run();
    if (!s.isOk()) return failed(s);
    EDGE_RETURN_IF_ERROR(checkStillOpen(sql));
    return db_.changes();
  }

  Backend backend() const override { return Backend::kSqlite; }

  // A statement failed because another connection held the file past the busy timeout: the whole
  // unit of work may run again.
  bool retryable() const { return retryable_; }
  // The first statement failure of this unit of work (ok when none).
  const core::Status& firstError() const { return firstError_; }

 private:
  core::Result<core::Statement> prepare(std::string_view sql, const Params& params) {
    EDGE_RETURN_IF_ERROR(detail::checkNotTransactionControl(sql));
    // SQLite would carry on after a failed statement; PostgreSQL refuses everything after one. The
    // stricter rule on both, so that a store that passes on SQLite passes on PostgreSQL.
    if (!firstError_.isOk()) {
      return core::failedPrecondition("an earlier statement of this unit of work failed (" + firstError_.toString() +
                                      "): return its error from the work");
    }
    core::Result<core::Statement> st = db_.prepare(rewriteParameters(sql));
    if (!st.isOk()) return failed(st.status());
    for (size_t i = 0; i < params.size(); ++i) {
      const int index = static_cast<int>(i) + 1;
      const auto& v = params[i].v;
      if (const auto* n = std::get_if<int64_t>(&v)) {
        st->bindInt64(index, *n);
      } else if (const auto* s = std::get_if<std::string>(&v)) {
        st->bindText(index, *s);
      } else if (const auto* b = std::get_if<Value::Bytes>(&v)) {
        st->bindBlob(index, b->data.data(), b->data.size());
      } else {
        st->bindNull(index);
      }
    }
    return st;
  }

  static Value column(const core::Statement& st, int c) {
    switch (st.columnType(c)) {
      case core::Statement::ColumnType::kNull: return Value();
      case core::Statement::ColumnType::kInteger: return Value(st.columnInt64(c));
      case core::Statement::ColumnType::kFloat: return Value(st.columnText(c));
      case core::Statement::ColumnType::kText: return Value(st.columnText(c));
      case core::Statement::ColumnType::kBlob: {
        std::vector<uint8_t> blob = st.columnBlob(c);
        return Value(Value::Bytes{std::string(blob.begin(), blob.end())});
      }
    }
    return Value();
  }

  core::Status failed(const core::Status& s) {
    core::Status refined = refine(db_, s);
    if (firstError_.isOk()) {
      firstError_ = refined;
      retryable_ = s.code() == core::Code::kUnavailable;
    }
    return refined;
  }

  core::Status checkStillOpen(std::string_view sql) {
    if (db_.inTransaction()) return core::Status::ok();
    return core::internalError("statement '" + std::string(sql) +
                               "' ended the unit of work's transaction: BEGIN/COMMIT/ROLLBACK belong to "
                               "Storage::transact");
  }

  core::Database& db_;
  bool retryable_ = false;
  core::Status firstError_;
};

class SqliteStorage final : public Storage {
 public:
  SqliteStorage(std::unique_ptr<core::Database> writer, std::vector<std::unique_ptr<core::Database>> readers,
                int busyTimeoutMs)
      : writer_(std::move(writer)), readers_(std::move(readers)), busyTimeout_(busyTimeoutMs) {
    for (auto& r : readers_) idle_.push_back(r.get());
  }

  core::Status transact(const Work& work, Mode mode) override {
    detail::TransactGuard guard;
    if (guard.nested()) return detail::TransactGuard::nestedError();
    // Busy past the timeout is retried for a while longer (SQLite also answers busy without waiting,
    // e.g. while another process recovers the WAL), but not for ever.
    const auto deadline = std::chrono::steady_clock::now() + 2 * busyTimeout_ + std::chrono::seconds(1);
    for (int attempt = 1;; ++attempt) {
      bool retryable = false;
      core::Status s = mode == Mode::kReadWrite ? writeOnce(work, &retryable) : readOnce(work, &retryable);
      if (s.isOk() || !retryable) return s;
      if (attempt >= detail::kMaxAttempts || std::chrono::steady_clock::now() >= deadline) {
        return s.withContext("gave up after " + std::to_string(attempt) + " attempts");
      }
      detail::backoff(attempt);
    }
  }

  core::Result<bool> withSingletonLock(std::string_view name, const std::function<core::Status()>& work) override {
    const std::string key = writer_->path() + "\n" + std::string(name);
    if (!processLocks().tryTake(key)) return false;
    core::Status s = work();
    processLocks().release(key);
    EDGE_RETURN_IF_ERROR(s);
    return true;
  }

  Backend backend() const override { return Backend::kSqlite; }
  int schemaVersion() const override { return writer_->schemaVersion(); }

 private:
  // One attempt on `db`: BEGIN, the work, COMMIT when it said ok, ROLLBACK otherwise.
  static core::Status runOnce(core::Database& db, const char* begin, const Work& work, bool* retryable) {
    core::Status s = db.exec(begin);
    if (!s.isOk()) {
      *retryable = s.code() == core::Code::kUnavailable;
      return s.withContext("starting a transaction");
    }
    SqliteTransaction txn(db);
    try {
      s = work(txn);
    } catch (const std::exception& e) {
      s = core::internalError(std::string("storage: unit of work threw: ") + e.what());
    }
    if (s.isOk() && !txn.firstError().isOk()) {
      s = txn.firstError().withContext("the unit of work returned ok after a failed statement");
    }
    if (s.isOk()) {
      s = db.exec("COMMIT");
      if (s.isOk()) return s;
      *retryable = s.code() == core::Code::kUnavailable;
      s = s.withContext("committing");
    } else {
      *retryable = txn.retryable();
    }
    if (db.inTransaction()) (void)db.exec("ROLLBACK");
    return s;
  }

  core::Status writeOnce(const Work& work, bool* retryable) {
    std::lock_guard<std::mutex> lock(writerMutex_);
    return runOnce(*writer_, "BEGIN IMMEDIATE", work, retryable);
  }

  core::Status readOnce(const Work& work, bool* retryable) {
    core::Database* db = nullptr;
    {
      std::unique_lock<std::mutex> lock(poolMutex_);
      poolFree_.wait(lock, [this] { return !idle_.empty(); });
      db = idle_.back();
      idle_.pop_back();
    }
    core::Status s = runOnce(*db, "BEGIN", work, retryable);
    {
      std::lock_guard<std::mutex> lock(poolMutex_);
      idle_.push_back(db);
    }
    poolFree_.notify_one();
    return s;
  }

  std::unique_ptr<core::Database> writer_;
  std::mutex writerMutex_;
  std::vector<std::unique_ptr<core::Database>> readers_;
  const std::chrono::milliseconds busyTimeout_;
  std::mutex poolMutex_;
  std::condition_variable poolFree_;
  std::vector<core::Database*> idle_;
};

}  // namespace

core::Result<std::unique_ptr<Storage>> openSqliteStorage(const StorageConfig& config,
                                                         const std::vector<Migration>& migrations) {
  if (config.path.empty()) return core::invalidArgument("storage: sqlite needs a database path");
  core::StoreOptions options;
  options.path = config.path;
  // Usage acknowledged to a box is never lost (as mgmtd's store has always been opened).
  options.synchronous = core::StoreOptions::Synchronous::kFull;
  options.busyTimeoutMs = config.busyTimeoutMs;
  options.cacheKiB = 8192;
  // core::Database keeps the bookkeeping (schema_migrations, user_version) it always has: a mgmt.db
  // written by earlier releases is at the same versions under the same names.
  for (const Migration& m : migrations) options.migrations.push_back(core::Migration{m.version, m.name, m.sqlite});
  EDGE_ASSIGN_OR_RETURN(std::unique_ptr<core::Database> writer, core::Database::open(options));

  std::vector<std::unique_ptr<core::Database>> readers;
  options.readOnly = true;
  for (int i = 0; i < config.connections; ++i) {
    EDGE_ASSIGN_OR_RETURN(std::unique_ptr<core::Database> reader, core::Database::open(options));
    readers.push_back(std::move(reader));
  }
  return std::unique_ptr<Storage>(new SqliteStorage(std::move(writer), std::move(readers), config.busyTimeoutMs));
}

}  // namespace mgmt::store::sqlite
