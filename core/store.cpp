#include "core/store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <utility>

namespace core {

struct Statement::CacheEntry {
  sqlite3_stmt* stmt = nullptr;
  bool inUse = false;
};

namespace {

// Enough for the statements of one daemon's data path; beyond this, statements are prepared and
// finalized per use instead of growing the cache without bound.
constexpr size_t kMaxCachedStatements = 64;
constexpr int kIntegrityLinesShown = 10;

bool onlySpaceOrSemicolons(const char* p) {
  for (; p != nullptr && *p != '\0'; ++p) {
    if (!std::isspace(static_cast<unsigned char>(*p)) && *p != ';') return false;
  }
  return true;
}

Status validate(const StoreOptions& options) {
  if (options.path.empty()) return invalidArgument("store: no database path given");
  if (options.busyTimeoutMs < 0) return invalidArgument("store " + options.path + ": busyTimeoutMs must be >= 0");
  if (options.maxBatch == 0) return invalidArgument("store " + options.path + ": maxBatch must be >= 1");
  if (options.maxQueue == 0) return invalidArgument("store " + options.path + ": maxQueue must be >= 1");
  for (size_t i = 0; i < options.migrations.size(); ++i) {
    const Migration& m = options.migrations[i];
    if (m.version != static_cast<int>(i) + 1) {
      return invalidArgument("store " + options.path + ": migration '" + m.name + "' has version " +
                             std::to_string(m.version) + ", expected " + std::to_string(i + 1) +
                             " (versions are 1..N in order)");
    }
    if (m.name.empty() || m.sql.empty()) {
      return invalidArgument("store " + options.path + ": migration " + std::to_string(m.version) +
                             " needs a name and SQL");
    }
  }
  return Status::ok();
}

int synchronousValue(StoreOptions::Synchronous s) {
  switch (s) {
    case StoreOptions::Synchronous::kOff: return 0;
    case StoreOptions::Synchronous::kNormal: return 1;
    case StoreOptions::Synchronous::kFull: return 2;
  }
  return 2;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Statement

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), entry_(other.entry_), bindError_(std::move(other.bindError_)) {
  other.db_ = nullptr;
  other.stmt_ = nullptr;
  other.entry_ = nullptr;
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    release();
    db_ = other.db_;
    stmt_ = other.stmt_;
    entry_ = other.entry_;
    bindError_ = std::move(other.bindError_);
    other.db_ = nullptr;
    other.stmt_ = nullptr;
    other.entry_ = nullptr;
  }
  return *this;
}

Statement::~Statement() { release(); }

void Statement::release() {
  if (stmt_ == nullptr) return;
  if (entry_ != nullptr) {
    // Reset so that the statement holds no read snapshot while parked in the cache.
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    entry_->inUse = false;
  } else {
    sqlite3_finalize(stmt_);
  }
  stmt_ = nullptr;
  entry_ = nullptr;
  db_ = nullptr;
}

#define EDGE_STORE_BIND(call)                                                              \
  do {                                                                                     \
    if (stmt_ == nullptr) {                                                                \
      if (bindError_.isOk()) bindError_ = internalError("bind on an empty Statement");     \
      return *this;                                                                        \
    }                                                                                      \
    if (!bindError_.isOk()) return *this;                                                  \
    int rc_ = (call);                                                                      \
    if (rc_ != SQLITE_OK) {                                                                \
      bindError_ = db_->error(rc_).withContext("binding parameter " + std::to_string(index)); \
    }                                                                                      \
    return *this;                                                                          \
  } while (0)

Statement& Statement::bindInt64(int index, int64_t value) {
  EDGE_STORE_BIND(sqlite3_bind_int64(stmt_, index, static_cast<sqlite3_int64>(value)));
}

Statement& Statement::bindDouble(int index, double value) { EDGE_STORE_BIND(sqlite3_bind_double(stmt_, index, value)); }

Statement& Statement::bindText(int index, const std::string& value) {
  EDGE_STORE_BIND(sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
}

Statement& Statement::bindBlob(int index, const void* data, size_t size) {
  // A null pointer would bind NULL instead of an empty blob.
  static const char kEmpty = 0;
  EDGE_STORE_BIND(sqlite3_bind_blob64(stmt_, index, data != nullptr ? data : &kEmpty, size, SQLITE_TRANSIENT));
}

Statement& Statement::bindNull(int index) { EDGE_STORE_BIND(sqlite3_bind_null(stmt_, index)); }

#undef EDGE_STORE_BIND

Result<bool> Statement::step() {
  if (stmt_ == nullptr) return internalError("step on an empty Statement");
  if (!bindError_.isOk()) {
    Status s = std::move(bindError_);
    bindError_ = Status();
    return s;
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // Read the message before reset: the statement must be reset before it can run again.
  Status s = db_->error(rc);
  sqlite3_reset(stmt_);
  return s;
}

Status Statement::run() {
  for (;;) {
    EDGE_ASSIGN_OR_RETURN(bool r, step());
    if (!r) break;
  }
  sqlite3_reset(stmt_);
  return Status::ok();
}

void Statement::reset(bool clearBindings) {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  if (clearBindings) sqlite3_clear_bindings(stmt_);
  bindError_ = Status();
}

int Statement::columnCount() const { return stmt_ != nullptr ? sqlite3_column_count(stmt_) : 0; }

bool Statement::columnIsNull(int column) const {
  return stmt_ == nullptr || sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t Statement::columnInt64(int column) const {
  return stmt_ != nullptr ? static_cast<int64_t>(sqlite3_column_int64(stmt_, column)) : 0;
}

double Statement::columnDouble(int column) const { return stmt_ != nullptr ? sqlite3_column_double(stmt_, column) : 0.0; }

std::string Statement::columnText(int column) const {
  if (stmt_ == nullptr) return std::string();
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);  // after column_text: the size of the UTF-8 form
  if (text == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
}

std::vector<uint8_t> Statement::columnBlob(int column) const {
  if (stmt_ == nullptr) return {};
  const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, column));
  int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || size <= 0) return {};
  return std::vector<uint8_t>(data, data + size);
}

Statement::ColumnType Statement::columnType(int column) const {
  switch (stmt_ != nullptr ? sqlite3_column_type(stmt_, column) : SQLITE_NULL) {
    case SQLITE_INTEGER: return ColumnType::kInteger;
    case SQLITE_FLOAT: return ColumnType::kFloat;
    case SQLITE_TEXT: return ColumnType::kText;
    case SQLITE_BLOB: return ColumnType::kBlob;
    default: return ColumnType::kNull;
  }
}

// ---------------------------------------------------------------------------------------------
// Database

Database::Database(sqlite3* db, const StoreOptions& options)
    : db_(db), path_(options.path), readOnly_(options.readOnly), busyTimeoutMs_(options.busyTimeoutMs) {}

Database::~Database() {
  for (auto& entry : cache_) sqlite3_finalize(entry.second->stmt);
  cache_.clear();
  // close_v2: never fails for lack of finalizing; the last close checkpoints and removes the WAL.
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

Result<std::unique_ptr<Database>> Database::open(const StoreOptions& options) { return openImpl(options, true); }

Result<std::unique_ptr<Database>> Database::openUnmigrated(const StoreOptions& options) {
  return openImpl(options, false);
}

Result<std::unique_ptr<Database>> Database::openImpl(const StoreOptions& options, bool migrate) {
  // Once per process, before any other SQLite call: SQLite's allocation statistics take a global
  // mutex on every malloc and free, a measurable cost on the accounting path; nothing reads them.
  static std::once_flag configured;
  std::call_once(configured, [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_initialize();
  });
  EDGE_RETURN_IF_ERROR(validate(options));
  // NOMUTEX: a Database is used by one thread at a time (see the header), so SQLite's own
  // per-connection mutex would be pure cost. EXRESCODE: extended codes tell READONLY_DIRECTORY etc.
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE |
              (options.readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(options.path.c_str(), &raw, flags, nullptr);
  if (raw == nullptr) return resourceExhausted("opening database " + options.path + ": SQLite is out of memory");
  std::unique_ptr<Database> db(new Database(raw, options));
  if (rc != SQLITE_OK) return db->error(rc);
  EDGE_RETURN_IF_ERROR(db->configure(options));
  if (migrate) EDGE_RETURN_IF_ERROR(db->migrate(options.migrations));
  // Off during migrations (SQLite's recommended way to rebuild tables); checked before their COMMIT.
  EDGE_RETURN_IF_ERROR(db->exec("PRAGMA foreign_keys=ON"));
  return db;
}

Status Database::configure(const StoreOptions& options) {
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, options.busyTimeoutMs);
  sqlite3_set_authorizer(db_, &Database::authorize, this);

  if (!readOnly_) {
    // A read-write open of a file the process may not write (permissions, read-only filesystem)
    // silently falls back to read-only in SQLite; say so now rather than at the first write.
    if (sqlite3_db_readonly(db_, "main") == 1) {
      return permissionDenied("database " + path_ + " is read-only (file permissions or read-only filesystem)");
    }
    // page_size takes effect only on an empty database and must precede the switch to WAL. The
    // first statement reads the file header: a garbage file fails here with SQLITE_NOTADB.
    if (options.pageSize > 0) EDGE_RETURN_IF_ERROR(exec("PRAGMA page_size=" + std::to_string(options.pageSize)));
    EDGE_ASSIGN_OR_RETURN(std::string mode, queryText("PRAGMA journal_mode=WAL"));
    std::string lower = mode;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    // SQLite answers with the mode now in effect; it stays in the old mode when it cannot switch
    // (in-memory database, no shared memory on this filesystem) without reporting an error.
    if (lower != "wal") {
      return failedPrecondition("database " + path_ + " could not be switched to WAL journal mode (SQLite kept '" +
                                mode + "')");
    }
  } else {
    EDGE_RETURN_IF_ERROR(queryInt64("PRAGMA schema_version").status());
  }
  EDGE_RETURN_IF_ERROR(exec("PRAGMA synchronous=" + std::to_string(synchronousValue(options.synchronous))));
  if (options.cacheKiB > 0) EDGE_RETURN_IF_ERROR(exec("PRAGMA cache_size=-" + std::to_string(options.cacheKiB)));
  return Status::ok();
}

int Database::authorize(void* self, int action, const char*, const char*, const char*, const char*) noexcept {
  auto* db = static_cast<Database*>(self);
  if (action == SQLITE_TRANSACTION && db->guardTransactions_) {
    db->transactionDenied_ = true;
    return SQLITE_DENY;
  }
  return SQLITE_OK;
}

void Database::rollbackQuietly() {
  if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

Status Database::exec(const std::string& sql) {
  char* message = nullptr;
  transactionDenied_ = false;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  std::string detail = message != nullptr ? message : "";
  sqlite3_free(message);
  if (rc != SQLITE_OK) return errorWith(rc, detail);
  return Status::ok();
}

Result<Statement> Database::prepare(const std::string& sql) { return prepareImpl(sql, true); }

Result<Statement> Database::prepareImpl(const std::string& sql, bool useCache) {
  auto it = useCache ? cache_.find(sql) : cache_.end();
  if (it != cache_.end() && !it->second->inUse) {
    it->second->inUse = true;
    return Statement(this, it->second->stmt, it->second.get());
  }
  // Cache only the first copy of a statement; a second concurrent use gets its own.
  bool cacheIt = useCache && it == cache_.end() && cache_.size() < kMaxCachedStatements;
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  transactionDenied_ = false;
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()) + 1,
                              cacheIt ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, &tail);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return error(rc);
  }
  if (stmt == nullptr) return invalidArgument("no SQL statement in '" + sql + "'");
  if (!onlySpaceOrSemicolons(tail)) {
    sqlite3_finalize(stmt);
    return invalidArgument("prepare takes one statement (use exec for several): '" + sql + "'");
  }
  if (!cacheIt) return Statement(this, stmt, nullptr);
  auto entry = std::make_unique<Statement::CacheEntry>();
  entry->stmt = stmt;
  entry->inUse = true;
  Statement::CacheEntry* raw = entry.get();
  cache_.emplace(sql, std::move(entry));
  return Statement(this, stmt, raw);
}

Status Database::runCached(const std::string& sql) {
  EDGE_ASSIGN_OR_RETURN(Statement st, prepareImpl(sql, true));
  return st.run();
}

Result<int64_t> Database::queryInt64(const std::string& sql) {
  EDGE_ASSIGN_OR_RETURN(Statement st, prepareImpl(sql, false));
  EDGE_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return notFound("no row from '" + sql + "' in database " + path_);
  return st.columnInt64(0);
}

Result<std::string> Database::queryText(const std::string& sql) {
  EDGE_ASSIGN_OR_RETURN(Statement st, prepareImpl(sql, false));
  EDGE_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return notFound("no row from '" + sql + "' in database " + path_);
  return st.columnText(0);
}

int64_t Database::lastInsertRowId() const { return static_cast<int64_t>(sqlite3_last_insert_rowid(db_)); }

int64_t Database::changes() const { return static_cast<int64_t>(sqlite3_changes64(db_)); }

int Database::lastExtendedErrorCode() const { return sqlite3_extended_errcode(db_); }

bool Database::inTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

Status Database::integrityCheck() {
  EDGE_ASSIGN_OR_RETURN(Statement st, prepareImpl("PRAGMA integrity_check", false));
  std::vector<std::string> lines;
  int total = 0;
  for (;;) {
    Result<bool> row = st.step();
    if (!row.isOk()) {
      // Damage bad enough to stop the check itself is still the check's answer.
      if (row.status().code() == Code::kCorrupt) {
        return corrupt("database " + path_ + " failed its integrity check: " + sqlite3_errmsg(db_));
      }
      return row.status().withContext("integrity check of " + path_);
    }
    if (!*row) break;
    ++total;
    if (lines.size() < static_cast<size_t>(kIntegrityLinesShown)) lines.push_back(st.columnText(0));
  }
  if (total == 1 && lines[0] == "ok") return Status::ok();
  std::string text;
  for (const std::string& line : lines) text += (text.empty() ? "" : "; ") + line;
  if (total > kIntegrityLinesShown) text += "; ... (" + std::to_string(total) + " findings)";
  return corrupt("database " + path_ + " failed its integrity check: " + text);
}

}  // namespace core
