// libpq wrapper (pg_connection.h). SQLSTATE classes: PostgreSQL 15 documentation, appendix A.
#include "mgmt/store/postgres/pg_connection.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <cstring>

namespace mgmt::store::postgres {

namespace {

// Type OIDs (PostgreSQL's pg_type.dat; stable across releases).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;
constexpr Oid kOidOid = 26;

// libpq prints server notices (e.g. "relation already exists, skipping") on stderr by default;
// a library does not log.
void ignoreNotice(void*, const char*) noexcept {}

std::string trimmed(const char* text) {
  std::string s = text != nullptr ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

bool startsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

}  // namespace

core::Result<std::unique_ptr<PgConnection>> PgConnection::connect(const std::string& dsn) {
  // Defaults first: with expand_dbname the DSN's own settings (it comes last) override them.
  const char* keywords[] = {"connect_timeout", "keepalives_idle", "keepalives_interval", "keepalives_count",
                            "client_encoding", "application_name", "dbname", nullptr};
  const char* values[] = {"5", "10", "5", "3", "UTF8", "mgmtd", dsn.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, 1);
  if (conn == nullptr) return core::resourceExhausted("postgres: out of memory connecting");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    return core::unavailable("postgres: cannot connect: " + message);
  }
  PQsetNoticeProcessor(conn, &ignoreNotice, nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(conn));
}

PgConnection::~PgConnection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

bool PgConnection::broken() const { return PQstatus(conn_) != CONNECTION_OK; }

PgConnection::TxState PgConnection::txState() const {
  switch (PQtransactionStatus(conn_)) {
    case PQTRANS_IDLE: return TxState::kIdle;
    case PQTRANS_INTRANS: return TxState::kInTransaction;
    case PQTRANS_INERROR: return TxState::kFailed;
    default: return TxState::kUnknown;
  }
}

std::string PgConnection::server() const {
  const char* host = PQhost(conn_);
  const char* port = PQport(conn_);
  return std::string(host != nullptr ? host : "?") + ":" + (port != nullptr ? port : "?");
}

// One place turns libpq's failures into a Status and says what the unit of work may do next.
core::Status PgConnection::failure(const void* resultPtr, std::string_view what) {
  const auto* result = static_cast<const PGresult*>(resultPtr);
  const std::string context = "postgres " + server() + ": " + std::string(what) + ": ";
  if (broken()) {
    lastFailure_ = PgFailure::kReconnect;
    return core::unavailable(context + "connection lost: " + trimmed(PQerrorMessage(conn_)));
  }
  const char* field = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string state = field != nullptr ? field : "";
  if (state.empty() && (PQconsumeInput(conn_) == 0 || broken())) {
    // Every error the server reports carries a SQLSTATE; one without comes from libpq itself. A
    // server stopped with SIGQUIT (an immediate shutdown, a crash) closes its sockets without a
    // message, and libpq may still call the connection OK after the failed statement: reading from
    // it tells. Seen in the failover test: such a BEGIN was answered 500 and not run again.
    lastFailure_ = PgFailure::kReconnect;
    return core::unavailable(context + "connection lost: " + trimmed(PQerrorMessage(conn_)));
  }
  const std::string message =
      trimmed(result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn_)) +
      (state.empty() ? std::string() : " (SQLSTATE " + state + ")");
  lastFailure_ = PgFailure::kStatement;
  if (state == "23505") return core::alreadyExists(context + message);
  if (state == "23503" || state == "23514") return core::failedPrecondition(context + message);
  if (state == "40001" || state == "40P01") {
    lastFailure_ = PgFailure::kRetry;
    return core::unavailable(context + message);
  }
  if (startsWith(state, "08") || state == "57P01" || state == "57P02" || state == "57P03") {
    lastFailure_ = PgFailure::kReconnect;
    return core::unavailable(context + message);
  }
  if (state == "25006") {
    lastFailure_ = PgFailure::kReadOnly;
    return core::permissionDenied(context + message);
  }
  if (state == "57014") return core::timeoutError(context + message);
  if (startsWith(state, "23") || startsWith(state, "22")) return core::invalidArgument(context + message);
  if (startsWith(state, "28") || state == "42501") return core::permissionDenied(context + message);
  if (startsWith(state, "53")) return core::resourceExhausted(context + message);
  if (startsWith(state, "58")) return core::ioError(context + message);
  if (startsWith(state, "XX")) return core::corrupt(context + message);
  // 42 (syntax, undefined table or column), 25P02 (statement after a failed one), anything else:
  // our SQL or our use of it is wrong.
  return core::internalError(context + message);
}

core::Result<std::vector<Row>> PgConnection::query(std::string_view sql, const Params& params, int64_t* changed) {
  const size_t n = params.size();
  std::vector<std::string> texts(n);
  std::vector<const char*> values(n, nullptr);
  std::vector<int> lengths(n, 0);
  std::vector<int> formats(n, 0);
  std::vector<Oid> types(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const auto& v = params[i].v;
    if (const auto* number = std::get_if<int64_t>(&v)) {
      texts[i] = std::to_string(*number);
      types[i] = kInt8Oid;
      values[i] = texts[i].c_str();
    } else if (const auto* text = std::get_if<std::string>(&v)) {
      types[i] = kTextOid;
      values[i] = text->c_str();
    } else if (const auto* bytes = std::get_if<Value::Bytes>(&v)) {
      types[i] = kByteaOid;
      formats[i] = 1;  // binary: the bytes as they are
      lengths[i] = static_cast<int>(bytes->data.size());
      values[i] = bytes->data.data();
    }
  }
  const std::string text(sql);
  // The cache key: the text, then one character per parameter type (the same text with other types
  // is another statement: a bigint parameter is not a text one).
  std::string key = text;
  key.push_back('\0');
  for (size_t i = 0; i < n; ++i) {
    key.push_back(types[i] == kInt8Oid ? 'i' : types[i] == kTextOid ? 't' : types[i] == kByteaOid ? 'b' : 'u');
  }
  auto cached = prepared_.find(key);
  if (cached == prepared_.end() && prepared_.size() < kMaxPreparedStatements) {
    std::string name = "edge_s" + std::to_string(prepared_.size() + 1);
    ResultPtr prepared(PQprepare(conn_, name.c_str(), text.c_str(), static_cast<int>(n), types.data()));
    if (!prepared || PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
      return failure(prepared.get(), "'" + text + "'");
    }
    cached = prepared_.emplace(std::move(key), std::move(name)).first;
  }
  ResultPtr result(cached != prepared_.end()
                       ? PQexecPrepared(conn_, cached->second.c_str(), static_cast<int>(n), values.data(),
                                        lengths.data(), formats.data(), 0)
                       : PQexecParams(conn_, text.c_str(), static_cast<int>(n), types.data(), values.data(),
                                      lengths.data(), formats.data(), 0));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_EMPTY_QUERY) return core::invalidArgument("postgres: empty statement");
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return failure(result.get(), "'" + text + "'");
  lastFailure_ = PgFailure::kNone;

  if (changed != nullptr) {
    const char* tuples = PQcmdTuples(result.get());
    *changed = tuples != nullptr && *tuples != '\0' ? std::strtoll(tuples, nullptr, 10) : 0;
  }
  std::vector<Row> rows;
  const int rowCount = PQntuples(result.get());
  const int columnCount = PQnfields(result.get());
  rows.reserve(static_cast<size_t>(rowCount));
  for (int r = 0; r < rowCount; ++r) {
    std::vector<Value> columns;
    columns.reserve(static_cast<size_t>(columnCount));
    for (int c = 0; c < columnCount; ++c) {
      if (PQgetisnull(result.get(), r, c)) {
        columns.emplace_back();
        continue;
      }
      const char* value = PQgetvalue(result.get(), r, c);
      switch (PQftype(result.get(), c)) {
        case kBoolOid: columns.emplace_back(int64_t{value[0] == 't' ? 1 : 0}); break;
        case kInt2Oid:
        case kInt4Oid:
        case kInt8Oid:
        case kOidOid: columns.emplace_back(static_cast<int64_t>(std::strtoll(value, nullptr, 10))); break;
        case kByteaOid: {
          size_t length = 0;
          unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(value), &length);
          if (raw == nullptr) return core::resourceExhausted("postgres: out of memory reading a bytea column");
          columns.emplace_back(Value::Bytes{std::string(reinterpret_cast<const char*>(raw), length)});
          PQfreemem(raw);
          break;
        }
        default:
          columns.emplace_back(std::string(value, static_cast<size_t>(PQgetlength(result.get(), r, c))));
      }
    }
    rows.emplace_back(std::move(columns));
  }
  return rows;
}

core::Result<int64_t> PgConnection::copyIn(const std::string& sql, std::string_view data) {
  ResultPtr started(PQexec(conn_, sql.c_str()));
  if (!started || PQresultStatus(started.get()) != PGRES_COPY_IN) return failure(started.get(), "'" + sql + "'");
  // Blocking connection: PQputCopyData queues and flushes as it goes; 64 KiB pieces keep libpq's
  // buffer small whatever the batch's size.
  constexpr size_t kPiece = 64 * 1024;
  bool sent = true;
  for (size_t at = 0; at < data.size() && sent; at += kPiece) {
    const size_t n = data.size() - at < kPiece ? data.size() - at : kPiece;
    sent = PQputCopyData(conn_, data.data() + at, static_cast<int>(n)) == 1;
  }
  if (!sent || PQputCopyEnd(conn_, nullptr) != 1) {
    lastFailure_ = PgFailure::kReconnect;
    return core::unavailable("postgres " + server() + ": '" + sql + "': connection lost sending rows: " +
                             trimmed(PQerrorMessage(conn_)));
  }
  // The COPY's outcome, then nothing (libpq's protocol: read results until null).
  ResultPtr result(PQgetResult(conn_));
  for (PGresult* extra = PQgetResult(conn_); extra != nullptr; extra = PQgetResult(conn_)) PQclear(extra);
  if (!result || PQresultStatus(result.get()) != PGRES_COMMAND_OK) return failure(result.get(), "'" + sql + "'");
  lastFailure_ = PgFailure::kNone;
  const char* tuples = PQcmdTuples(result.get());
  return static_cast<int64_t>(tuples != nullptr && *tuples != '\0' ? std::strtoll(tuples, nullptr, 10) : 0);
}

core::Status PgConnection::execScript(const std::string& sql) {
  ResultPtr result(PQexec(conn_, sql.c_str()));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
    return failure(result.get(), sql.size() <= 40 ? sql : "running SQL");
  }
  lastFailure_ = PgFailure::kNone;
  return core::Status::ok();
}

}  // namespace mgmt::store::postgres
