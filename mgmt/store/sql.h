// The management plane's storage: one portable SQL interface with two backends beneath it, SQLite
// (the embedded default: demo, one machine) and PostgreSQL 15 (several mgmtd, a streaming replica,
// failover). The stores of each service area (mgmt/<area>/*_store.*) are written once against this
// interface; only the drivers (mgmt/store/sqlite, mgmt/store/postgres) and the migrations know which
// database is underneath. SQL lives only in stores and migrations.
//
// Dialect the stores write (both backends accept it as is, or the driver rewrites it):
//  - parameters are $1, $2, ... (PostgreSQL's spelling; the SQLite driver turns them into ?1, ?2);
//  - integers are 64-bit (INTEGER in SQLite, BIGINT in PostgreSQL); text is UTF-8 TEXT; bytes BLOB/BYTEA
//    only through Value::Bytes;
//  - INSERT ... ON CONFLICT (...) DO NOTHING / DO UPDATE and RETURNING work on both (SQLite 3.40,
//    PostgreSQL 15); greatest()/least() and SQLite's two-argument max()/min() do not: use CASE or
//    compute in C++;
//  - parameter types come from the Value: int64 binds as PostgreSQL bigint, a string as text, Bytes
//    as bytea, so pass integers for integer columns (SQLite would coerce, PostgreSQL refuses);
//  - an aggregate such as sum() may read back as text on PostgreSQL (numeric): Row::int64 parses it;
//  - no BEGIN/COMMIT/ROLLBACK/SAVEPOINT in a statement: transactions are Storage::transact's;
//  - a statement that fails ends the unit of work (PostgreSQL refuses everything after it; the SQLite
//    driver is held to the same rule): later statements get kFailedPrecondition, and transact()
//    returns the first failure even if the work returns ok. Do not catch a duplicate to carry on:
//    write ON CONFLICT, or check first.
//
// Isolation: a kReadWrite unit of work behaves as if it ran alone (SQLite: one writer at a time;
// PostgreSQL: SERIALIZABLE, and the driver retries the whole work on a serialization failure), so
// read-then-write in one transact() is safe on both. kReadOnly sees one consistent snapshot.
//
// Errors are Status codes, never message text: a unique or primary-key violation is kAlreadyExists,
// a foreign-key or check violation kFailedPrecondition, a lost connection or a server that is
// not the primary kUnavailable, a serialization failure or deadlock kUnavailable after the retries.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/status.h"

namespace mgmt::store {

enum class Backend { kSqlite, kPostgres };
const char* backendName(Backend backend);

// A parameter or a column value.
struct Value {
  struct Bytes {
    std::string data;
  };
  std::variant<std::monostate, int64_t, std::string, Bytes> v;
  Value() = default;  // NULL
  Value(std::nullopt_t) {}
  Value(int64_t i) : v(i) {}
  Value(int i) : v(int64_t{i}) {}
  Value(bool b) : v(int64_t{b ? 1 : 0}) {}
  Value(std::string s) : v(std::move(s)) {}
  Value(const char* s) : v(std::string(s)) {}
  Value(std::string_view s) : v(std::string(s)) {}
  Value(Bytes b) : v(std::move(b)) {}
  template <class T>
  Value(const std::optional<T>& o) {
    if (o) *this = Value(*o);
  }
  bool isNull() const { return std::holds_alternative<std::monostate>(v); }
};
using Params = std::vector<Value>;

// One result row. Getters convert like the databases do: a NULL reads as 0 / "" (check isNull first
// where NULL means something).
class Row {
 public:
  explicit Row(std::vector<Value> columns) : columns_(std::move(columns)) {}
  size_t size() const { return columns_.size(); }
  bool isNull(size_t column) const;
  int64_t int64(size_t column) const;
  std::string text(size_t column) const;
  std::string bytes(size_t column) const;
  std::optional<int64_t> optInt64(size_t column) const;
  std::optional<std::string> optText(size_t column) const;
  // The column as the driver read it (NULL past the last column): for code that copies rows as
  // they are, whatever their types (mgmt/transfer).
  const Value& value(size_t column) const;

 private:
  std::vector<Value> columns_;
};

// A unit of work: the statements of one Storage::transact call, committed together or not at all.
// Used by one thread, only inside the callback that received it.
class Transaction {
 public:
  virtual ~Transaction() = default;
  // Runs one statement; returns its rows (none for INSERT/UPDATE/DELETE without RETURNING).
  virtual core::Result<std::vector<Row>> query(std::string_view sql, const Params& params = {}) = 0;
  // Runs one statement; returns the number of rows it changed.
  virtual core::Result<int64_t> exec(std::string_view sql, const Params& params = {}) = 0;
  // The first row, or nullopt when there is none.
  core::Result<std::optional<Row>> queryOne(std::string_view sql, const Params& params = {});
  // The first column of the first row; kNotFound without a row.
  core::Result<int64_t> queryInt64(std::string_view sql, const Params& params = {});
  // Appends `rows` to `table` (each row one Value per name in `columns`, in that order) the fastest
  // way the backend has: PostgreSQL COPY ... FROM STDIN (text format: every value escaped here, a
  // NULL as \N, Bytes as bytea hex), SQLite prepared multi-row INSERTs (this default). Names must be
  // plain identifiers ([a-z_][a-z0-9_]*), refused otherwise. There is no ON CONFLICT: a duplicate key
  // fails the unit of work like any statement, so load a staging table (a temporary one) and insert
  // from it with ON CONFLICT to skip duplicates. Returns the number of rows written.
  virtual core::Result<int64_t> copyRows(std::string_view table, const std::vector<std::string>& columns,
                                         const std::vector<Params>& rows);
  virtual Backend backend() const = 0;
};

// One numbered schema step with its text for each backend (the same text when it is portable).
// Shipped migrations are never edited or renumbered.
struct Migration {
  int version = 0;
  std::string name;
  std::string sqlite;
  std::string postgres;
};

struct StorageConfig {
  Backend backend = Backend::kSqlite;
  std::string path;  // sqlite: the database file
  std::string dsn;   // postgres: a libpq connection string, multi-host with target_session_attrs allowed
  int connections = 4;  // postgres: pool size; sqlite: read connections beside the one writer
  int busyTimeoutMs = 5000;
};

class Storage {
 public:
  // Opens (creating the SQLite file if needed), applies pending migrations under a lock (one mgmtd
  // migrates, the others wait), and checks the schema is not newer than `migrations`.
  static core::Result<std::unique_ptr<Storage>> open(const StorageConfig& config,
                                                     const std::vector<Migration>& migrations);
  virtual ~Storage() = default;

  enum class Mode { kReadWrite, kReadOnly };
  using Work = std::function<core::Status(Transaction&)>;
  // Runs `work` in one transaction: committed when it returns ok, rolled back otherwise (its Status
  // is returned). When the database says the transaction must be retried (serialization failure,
  // deadlock, SQLite busy past the timeout) or the connection was lost before COMMIT (failover),
  // the whole of `work` runs again on a fresh connection, a few times with a short backoff: `work`
  // must not have effects outside the transaction. A lost connection during COMMIT is reported
  // kUnavailable (the outcome is unknown; writes are idempotent by key, so the caller may retry).
  // Calling transact() again from inside `work` (same thread) is refused with kInternal: it would
  // wait for itself on SQLite and escape the unit of work on PostgreSQL.
  virtual core::Status transact(const Work& work, Mode mode = Mode::kReadWrite) = 0;

  // Runs `work` only if this process gets the named lock (PostgreSQL: a session advisory lock on one
  // connection; SQLite: a process-local lock, one mgmtd per file). Returns false without running it
  // when another holder has it. For singleton jobs (demo expiry, billing runs).
  virtual core::Result<bool> withSingletonLock(std::string_view name, const std::function<core::Status()>& work) = 0;

  virtual Backend backend() const = 0;
  virtual int schemaVersion() const = 0;
};

}  // namespace mgmt::store
