#include "mgmt/store/sql.h"

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

#include "mgmt/store/postgres/pg_storage.h"
#include "mgmt/store/sqlite/sqlite_storage.h"
#include "mgmt/store/store_internal.h"

namespace mgmt::store {

const char* backendName(Backend backend) {
  switch (backend) {
    case Backend::kSqlite: return "sqlite";
    case Backend::kPostgres: return "postgres";
  }
  return "unknown";
}

// ---------------------------------------------------------------------------------------------
// Row: values convert like the databases do (text of a number parses, a NULL reads as 0 or "").

namespace {

const Value& nullValue() {
  static const Value kNull;
  return kNull;
}

int64_t parseInt64(const std::string& s) { return static_cast<int64_t>(std::strtoll(s.c_str(), nullptr, 10)); }

}  // namespace

bool Row::isNull(size_t column) const { return column >= columns_.size() || columns_[column].isNull(); }

int64_t Row::int64(size_t column) const {
  const Value& v = column < columns_.size() ? columns_[column] : nullValue();
  if (const auto* i = std::get_if<int64_t>(&v.v)) return *i;
  if (const auto* s = std::get_if<std::string>(&v.v)) return parseInt64(*s);
  if (const auto* b = std::get_if<Value::Bytes>(&v.v)) return parseInt64(b->data);
  return 0;
}

std::string Row::text(size_t column) const {
  const Value& v = column < columns_.size() ? columns_[column] : nullValue();
  if (const auto* s = std::get_if<std::string>(&v.v)) return *s;
  if (const auto* i = std::get_if<int64_t>(&v.v)) return std::to_string(*i);
  if (const auto* b = std::get_if<Value::Bytes>(&v.v)) return b->data;
  return std::string();
}

std::string Row::bytes(size_t column) const { return text(column); }

const Value& Row::value(size_t column) const { return column < columns_.size() ? columns_[column] : nullValue(); }

std::optional<int64_t> Row::optInt64(size_t column) const {
  if (isNull(column)) return std::nullopt;
  return int64(column);
}

std::optional<std::string> Row::optText(size_t column) const {
  if (isNull(column)) return std::nullopt;
  return text(column);
}

// ---------------------------------------------------------------------------------------------
// Transaction helpers

core::Result<std::optional<Row>> Transaction::queryOne(std::string_view sql, const Params& params) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows, query(sql, params));
  if (rows.empty()) return std::optional<Row>();
  return std::optional<Row>(std::move(rows.front()));
}

core::Result<int64_t> Transaction::queryInt64(std::string_view sql, const Params& params) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> row, queryOne(sql, params));
  if (!row) return core::notFound("no row from '" + std::string(sql) + "'");
  return row->int64(0);
}

// The SQLite way (PostgreSQL's driver overrides it with COPY): multi-row INSERTs of at most 512 rows
// and 32,766 parameters (SQLite's limit since 3.32), in power-of-two sizes so that the statements'
// texts repeat and each is prepared once.
core::Result<int64_t> Transaction::copyRows(std::string_view table, const std::vector<std::string>& columns,
                                            const std::vector<Params>& rows) {
  EDGE_RETURN_IF_ERROR(detail::checkCopy(table, columns, rows));
  size_t most = 512;
  while (most > 1 && most * columns.size() > 32766) most /= 2;
  std::string head = "INSERT INTO " + std::string(table) + " (";
  for (size_t c = 0; c < columns.size(); ++c) head += (c == 0 ? "" : ", ") + columns[c];
  head += ") VALUES ";
  int64_t written = 0;
  for (size_t first = 0; first < rows.size();) {
    size_t n = most;
    while (n > rows.size() - first) n /= 2;
    std::string sql = head;
    Params params;
    params.reserve(n * columns.size());
    for (size_t r = first; r < first + n; ++r) {
      sql += r == first ? "(" : ", (";
      for (size_t c = 0; c < columns.size(); ++c) {
        params.push_back(rows[r][c]);
        sql += (c == 0 ? "$" : ", $") + std::to_string(params.size());
      }
      sql += ")";
    }
    EDGE_ASSIGN_OR_RETURN(int64_t changed, exec(sql, params));
    written += changed;
    first += n;
  }
  return written;
}

// ---------------------------------------------------------------------------------------------
// Storage

core::Result<std::unique_ptr<Storage>> Storage::open(const StorageConfig& config,
                                                     const std::vector<Migration>& migrations) {
  if (config.connections < 1) return core::invalidArgument("storage: connections must be >= 1");
  if (config.busyTimeoutMs < 0) return core::invalidArgument("storage: busyTimeoutMs must be >= 0");
  EDGE_RETURN_IF_ERROR(detail::validateMigrations(migrations, config.backend));
  switch (config.backend) {
    case Backend::kSqlite: return sqlite::openSqliteStorage(config, migrations);
    case Backend::kPostgres: return postgres::openPostgresStorage(config, migrations);
  }
  return core::invalidArgument("storage: unknown backend");
}

// ---------------------------------------------------------------------------------------------
// detail

namespace detail {

core::Status validateMigrations(const std::vector<Migration>& migrations, Backend backend) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    const Migration& m = migrations[i];
    if (m.version != static_cast<int>(i) + 1) {
      return core::invalidArgument("storage: migration '" + m.name + "' has version " + std::to_string(m.version) +
                                   ", expected " + std::to_string(i + 1) + " (versions are 1..N in order)");
    }
    const std::string& text = backend == Backend::kSqlite ? m.sqlite : m.postgres;
    if (m.name.empty() || text.empty()) {
      return core::invalidArgument("storage: migration " + std::to_string(m.version) + " needs a name and " +
                                   backendName(backend) + " SQL");
    }
  }
  return core::Status::ok();
}

core::Status checkCopy(std::string_view table, const std::vector<std::string>& columns,
                       const std::vector<Params>& rows) {
  auto identifier = [](std::string_view name) {
    if (name.empty() || name.size() > 63 || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
    for (char c : name)
      if (!(c == '_' || std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'z'))) return false;
    return true;
  };
  if (!identifier(table)) return core::invalidArgument("storage: copyRows: table '" + std::string(table) + "' is not a plain name");
  if (columns.empty()) return core::invalidArgument("storage: copyRows into " + std::string(table) + ": no columns");
  for (const std::string& c : columns)
    if (!identifier(c)) return core::invalidArgument("storage: copyRows into " + std::string(table) + ": column '" + c + "' is not a plain name");
  for (size_t r = 0; r < rows.size(); ++r)
    if (rows[r].size() != columns.size())
      return core::invalidArgument("storage: copyRows into " + std::string(table) + ": row " + std::to_string(r) + " has " +
                                   std::to_string(rows[r].size()) + " values for " + std::to_string(columns.size()) +
                                   " columns");
  return core::Status::ok();
}

core::Status checkNotTransactionControl(std::string_view sql) {
  size_t i = 0;
  // Skip blanks and comments before the first word.
  for (;;) {
    while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) ++i;
    if (sql.substr(i, 2) == "--") {
      size_t end = sql.find('\n', i);
      i = end == std::string_view::npos ? sql.size() : end;
    } else if (sql.substr(i, 2) == "/*") {
      size_t end = sql.find("*/", i + 2);
      i = end == std::string_view::npos ? sql.size() : end + 2;
    } else {
      break;
    }
  }
  std::string word;
  while (i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i]))) {
    word.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i]))));
    ++i;
  }
  for (const char* control : {"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", "ABORT"}) {
    if (word == control) {
      return core::invalidArgument("storage: '" + std::string(sql) +
                                   "' refused: BEGIN/COMMIT/ROLLBACK belong to Storage::transact");
    }
  }
  return core::Status::ok();
}

void backoff(int attempt) {
  thread_local std::minstd_rand random(
      static_cast<unsigned>(std::hash<std::thread::id>()(std::this_thread::get_id())));
  const int capped = attempt < 7 ? attempt : 7;
  const int baseMicros = 500 << capped;  // 1 ms, 2 ms, ... up to 64 ms
  std::uniform_int_distribution<int> jitter(baseMicros / 2, baseMicros);
  std::this_thread::sleep_for(std::chrono::microseconds(jitter(random)));
}

namespace {
thread_local int transactDepth = 0;
}  // namespace

TransactGuard::TransactGuard() : nested_(transactDepth > 0) { ++transactDepth; }
TransactGuard::~TransactGuard() { --transactDepth; }

core::Status TransactGuard::nestedError() {
  return core::internalError(
      "storage: transact() called from inside another transact() on the same thread (one unit of work "
      "at a time: pass the Transaction down instead)");
}

bool LocalLocks::tryTake(std::string_view name) {
  std::lock_guard<std::mutex> lock(mutex_);
  return held_.emplace(name).second;
}

void LocalLocks::release(std::string_view name) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = held_.find(name);
  if (it != held_.end()) held_.erase(it);
}

}  // namespace detail

}  // namespace mgmt::store
