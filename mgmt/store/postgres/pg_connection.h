// libpq, wrapped once: one PostgreSQL connection, statements with typed parameters, rows as
// mgmt::store::Row, and every failure as a Status (by SQLSTATE, never by message text) together with
// what the caller may do about it (PgFailure). Used by one thread at a time.
//
// Prepared statements: query() prepares each statement once per connection, as a named server-side
// statement keyed by its text and its parameters' types, and executes it by name afterwards (the
// server parses and plans it once, not per call). The cache lives and dies with the connection: a
// new connection (after a lost one, a failover) starts empty and prepares again, so a name is never
// sent to a server session that does not have it. It holds at most kMaxPreparedStatements; beyond
// that a statement runs unnamed (parsed per call) rather than growing without bound. Prepared
// statements are not transactional: a ROLLBACK keeps them. The schema changes only at startup
// (migrations run on their own connection before the pool opens), so a cached plan never meets a
// changed table.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "mgmt/store/sql.h"

typedef struct pg_conn PGconn;

namespace mgmt::store::postgres {

// What a failed call means for the unit of work it was part of.
enum class PgFailure {
  kNone,
  kStatement,      // this statement is wrong or violates a constraint: report it
  kRetry,          // serialization failure or deadlock (40001, 40P01): run the whole work again
  kReconnect,      // the connection is gone or the server is shutting down (08*, 57P0x): new connection
  kReadOnly,       // 25006: a write in a read-only transaction, or we are connected to a standby
};

class PgConnection {
 public:
  // Connects (blocking). The DSN is libpq's (keywords or URI, multi-host with target_session_attrs);
  // a connect timeout and TCP keepalives are set unless the DSN sets its own.
  static core::Result<std::unique_ptr<PgConnection>> connect(const std::string& dsn);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // One statement with parameters ($1..$N; int64 as bigint, text as text, Bytes as bytea sent in
  // binary). Rows come back typed: integers and booleans as int64, bytea as Bytes, the rest as text.
  // `changed` (optional) gets the number of rows the statement changed.
  core::Result<std::vector<Row>> query(std::string_view sql, const Params& params, int64_t* changed = nullptr);
  // SQL text that may hold several statements and no parameters (migrations, BEGIN, COMMIT).
  core::Status execScript(const std::string& sql);
  // A COPY ... FROM STDIN statement and its data (the rows in COPY's text format, escaped by the
  // caller), sent in pieces; returns the number of rows the server took.
  core::Result<int64_t> copyIn(const std::string& sql, std::string_view data);

  // What the last failed call means (kNone after a success).
  PgFailure lastFailure() const { return lastFailure_; }
  // The connection is unusable (lost, or a protocol state we cannot recover from).
  bool broken() const;
  enum class TxState { kIdle, kInTransaction, kFailed, kUnknown };
  TxState txState() const;
  // host:port of the server (for messages).
  std::string server() const;
  // Statements prepared on this connection so far (the cache's size).
  size_t preparedStatements() const { return prepared_.size(); }

  static constexpr size_t kMaxPreparedStatements = 256;

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  core::Status failure(const void* result, std::string_view what);

  PGconn* conn_ = nullptr;
  PgFailure lastFailure_ = PgFailure::kNone;
  // (statement text, parameter types) -> the name it was prepared under on this connection.
  std::unordered_map<std::string, std::string> prepared_;
};

}  // namespace mgmt::store::postgres
