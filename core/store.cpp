#include "core/store.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <exception>
#include <system_error>
#include <utility>

#include "core/log.h"

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

const std::string kBegin = "BEGIN IMMEDIATE";
const std::string kCommit = "COMMIT";
const std::string kSavepoint = "SAVEPOINT job";
const std::string kRelease = "RELEASE job";
const std::string kRollbackTo = "ROLLBACK TO job";

std::string parentDir(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

bool onlySpaceOrSemicolons(const char* p) {
  for (; p != nullptr && *p != '\0'; ++p) {
    if (!std::isspace(static_cast<unsigned char>(*p)) && *p != ';') return false;
  }
  return true;
}

// SQLITE_CANTOPEN says nothing about why; look at the filesystem to tell the operator what to fix.
Status cantOpen(const std::string& path, bool readOnly, int sysErrno, const std::string& detail) {
  const std::string dir = parentDir(path);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    int err = errno;
    if (err == ENOENT) return notFound("cannot open database " + path + ": directory " + dir + " does not exist");
    return errnoStatus("cannot open database " + path + ": directory " + dir, err);
  }
  if (!S_ISDIR(st.st_mode)) {
    return notFound("cannot open database " + path + ": " + dir + " is not a directory");
  }
  bool exists = ::stat(path.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) {
    return invalidArgument("cannot open database " + path + ": it is a directory");
  }
  if (!exists && readOnly) return notFound("database " + path + " does not exist");
  if (!readOnly && ::access(dir.c_str(), W_OK | X_OK) != 0) {
    int err = errno;
    // Even an existing file needs a writable directory: WAL creates <db>-wal and <db>-shm beside it.
    return permissionDenied("cannot open database " + path + " for writing: directory " + dir +
                            " is not writable (" + std::strerror(err) +
                            "; the database and its -wal and -shm files live there)");
  }
  if (sysErrno != 0) return errnoStatus("cannot open database " + path, sysErrno);
  return ioError("cannot open database " + path + ": " + detail);
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

uint64_t microsSince(std::chrono::steady_clock::time_point start) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count());
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
    Result<bool> r = step();
    if (!r.isOk()) return r.status();
    if (!*r) break;
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
    Result<std::string> mode = queryText("PRAGMA journal_mode=WAL");
    if (!mode.isOk()) return mode.status();
    std::string lower = *mode;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    // SQLite answers with the mode now in effect; it stays in the old mode when it cannot switch
    // (in-memory database, no shared memory on this filesystem) without reporting an error.
    if (lower != "wal") {
      return failedPrecondition("database " + path_ + " could not be switched to WAL journal mode (SQLite kept '" +
                                *mode + "')");
    }
  } else {
    Result<int64_t> version = queryInt64("PRAGMA schema_version");
    if (!version.isOk()) return version.status();
  }
  EDGE_RETURN_IF_ERROR(exec("PRAGMA synchronous=" + std::to_string(synchronousValue(options.synchronous))));
  if (options.cacheKiB > 0) EDGE_RETURN_IF_ERROR(exec("PRAGMA cache_size=-" + std::to_string(options.cacheKiB)));
  return Status::ok();
}

Status Database::checkNotNewer(size_t known, int recorded, int64_t userVersion) const {
  int64_t newest = std::max<int64_t>(recorded, userVersion);
  if (newest > static_cast<int64_t>(known)) {
    return failedPrecondition("database " + path_ + " has schema version " + std::to_string(newest) +
                              " but this build knows only versions up to " + std::to_string(known) +
                              ": it was written by a newer release; refusing to open it");
  }
  return Status::ok();
}

Status Database::readRecorded(const std::vector<Migration>& migrations, int* recorded) {
  Result<Statement> st = prepareImpl("SELECT version, name FROM schema_migrations ORDER BY version", false);
  if (!st.isOk()) return st.status();
  int count = 0;
  int newest = 0;
  for (;;) {
    Result<bool> row = st->step();
    if (!row.isOk()) return row.status();
    if (!*row) break;
    int64_t version = st->columnInt64(0);
    std::string name = st->columnText(1);
    ++count;
    newest = static_cast<int>(std::min<int64_t>(std::max<int64_t>(version, newest), INT_MAX));
    if (version >= 1 && version <= static_cast<int64_t>(migrations.size()) &&
        migrations[static_cast<size_t>(version - 1)].name != name) {
      return failedPrecondition("database " + path_ + " recorded migration " + std::to_string(version) + " as '" +
                                name + "' but this build calls it '" +
                                migrations[static_cast<size_t>(version - 1)].name +
                                "': a shipped migration must never be renumbered or replaced");
    }
  }
  if (count != newest) {
    return corrupt("database " + path_ + ": schema_migrations has " + std::to_string(count) +
                   " rows but its newest version is " + std::to_string(newest));
  }
  *recorded = newest;
  return Status::ok();
}

Status Database::migrate(const std::vector<Migration>& migrations) {
  const size_t known = migrations.size();
  int recorded = 0;

  if (readOnly_) {
    Result<int64_t> hasTable =
        queryInt64("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='schema_migrations'");
    if (!hasTable.isOk()) return hasTable.status();
    if (*hasTable > 0) EDGE_RETURN_IF_ERROR(readRecorded(migrations, &recorded));
    Result<int64_t> userVersion = queryInt64("PRAGMA user_version");
    if (!userVersion.isOk()) return userVersion.status();
    EDGE_RETURN_IF_ERROR(checkNotNewer(known, recorded, *userVersion));
    if (static_cast<size_t>(recorded) < known) {
      return failedPrecondition("database " + path_ + " is at schema version " + std::to_string(recorded) +
                                ", this build needs " + std::to_string(known) +
                                "; a read-only open cannot migrate it (open it read-write first)");
    }
    schemaVersion_ = recorded;
    return Status::ok();
  }

  // foreign_keys cannot change inside a transaction.
  EDGE_RETURN_IF_ERROR(exec("PRAGMA foreign_keys=OFF"));
  // IMMEDIATE: two processes opening at once serialize here, and the second finds nothing to do.
  Status begin = exec(kBegin);
  if (!begin.isOk()) return begin.withContext("starting the migration transaction");

  auto fail = [this](Status s) {
    rollbackQuietly();
    return s;
  };

  Status s = exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version INTEGER PRIMARY KEY,"
      " name TEXT NOT NULL,"
      " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')))");
  if (!s.isOk()) return fail(s.withContext("creating schema_migrations"));
  s = readRecorded(migrations, &recorded);
  if (!s.isOk()) return fail(s);
  Result<int64_t> userVersion = queryInt64("PRAGMA user_version");
  if (!userVersion.isOk()) return fail(userVersion.status());
  s = checkNotNewer(known, recorded, *userVersion);
  if (!s.isOk()) return fail(s);

  for (size_t i = static_cast<size_t>(recorded); i < known; ++i) {
    const Migration& m = migrations[i];
    const std::string label = "migration " + std::to_string(m.version) + " '" + m.name + "'";
    char* message = nullptr;
    guardTransactions_ = true;
    transactionDenied_ = false;
    int rc = sqlite3_exec(db_, m.sql.c_str(), nullptr, nullptr, &message);
    guardTransactions_ = false;
    std::string detail = message != nullptr ? message : "";
    sqlite3_free(message);
    if (rc != SQLITE_OK) {
      Status e = errorWith(rc, detail);
      return fail(Status(e.code(), label + " failed, database " + path_ + " left at version " +
                                       std::to_string(recorded) + ": " + e.message()));
    }
    Result<Statement> insert = prepareImpl("INSERT INTO schema_migrations(version, name) VALUES(?1, ?2)", false);
    if (!insert.isOk()) return fail(insert.status());
    s = insert->bindInt64(1, m.version).bindText(2, m.name).run();
    if (!s.isOk()) return fail(s.withContext("recording " + label));
  }

  if (static_cast<size_t>(recorded) < known) {
    // user_version mirrors the table so that `sqlite3 edge.db 'PRAGMA user_version'` tells the version.
    s = exec("PRAGMA user_version=" + std::to_string(known));
    if (!s.isOk()) return fail(s);
    Result<Statement> check = prepareImpl("PRAGMA foreign_key_check", false);
    if (!check.isOk()) return fail(check.status());
    Result<bool> violation = check->step();
    if (!violation.isOk()) return fail(violation.status());
    if (*violation) {
      std::string table = check->columnText(0);
      std::string parent = check->columnText(2);
      return fail(failedPrecondition("migrations up to version " + std::to_string(known) + " leave database " +
                                     path_ + " with foreign key violations (table " + table + " references " +
                                     parent + "); nothing was applied"));
    }
  }
  s = exec(kCommit);
  if (!s.isOk()) return fail(s.withContext("committing migrations"));
  schemaVersion_ = static_cast<int>(known);
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
  Result<Statement> st = prepareImpl(sql, true);
  if (!st.isOk()) return st.status();
  return st->run();
}

Result<int64_t> Database::queryInt64(const std::string& sql) {
  Result<Statement> st = prepareImpl(sql, false);
  if (!st.isOk()) return st.status();
  Result<bool> row = st->step();
  if (!row.isOk()) return row.status();
  if (!*row) return notFound("no row from '" + sql + "' in database " + path_);
  return st->columnInt64(0);
}

Result<std::string> Database::queryText(const std::string& sql) {
  Result<Statement> st = prepareImpl(sql, false);
  if (!st.isOk()) return st.status();
  Result<bool> row = st->step();
  if (!row.isOk()) return row.status();
  if (!*row) return notFound("no row from '" + sql + "' in database " + path_);
  return st->columnText(0);
}

int64_t Database::lastInsertRowId() const { return static_cast<int64_t>(sqlite3_last_insert_rowid(db_)); }

int64_t Database::changes() const { return static_cast<int64_t>(sqlite3_changes64(db_)); }

bool Database::inTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

Status Database::integrityCheck() {
  Result<Statement> st = prepareImpl("PRAGMA integrity_check", false);
  if (!st.isOk()) return st.status();
  std::vector<std::string> lines;
  int total = 0;
  for (;;) {
    Result<bool> row = st->step();
    if (!row.isOk()) {
      // Damage bad enough to stop the check itself is still the check's answer.
      if (row.status().code() == Code::kCorrupt) {
        return corrupt("database " + path_ + " failed its integrity check: " + sqlite3_errmsg(db_));
      }
      return row.status().withContext("integrity check of " + path_);
    }
    if (!*row) break;
    ++total;
    if (lines.size() < static_cast<size_t>(kIntegrityLinesShown)) lines.push_back(st->columnText(0));
  }
  if (total == 1 && lines[0] == "ok") return Status::ok();
  std::string text;
  for (const std::string& line : lines) text += (text.empty() ? "" : "; ") + line;
  if (total > kIntegrityLinesShown) text += "; ... (" + std::to_string(total) + " findings)";
  return corrupt("database " + path_ + " failed its integrity check: " + text);
}

Status Database::error(int rc) const { return errorWith(rc, sqlite3_errmsg(db_)); }

// One place turns SQLite's codes into a Status an operator can act on. The message starts with what
// is wrong in plain words and ends with SQLite's own text.
Status Database::errorWith(int rc, const std::string& sqliteMessage) const {
  const std::string detail = sqliteMessage.empty() ? std::string(sqlite3_errstr(rc)) : sqliteMessage;
  const int sysErrno = db_ != nullptr ? sqlite3_system_errno(db_) : 0;
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return resourceExhausted("disk full while writing " + path_ + ": " + detail);
    case SQLITE_READONLY:
      if (readOnly_) return permissionDenied("database " + path_ + " was opened read-only: " + detail);
      if (rc == SQLITE_READONLY_DIRECTORY) {
        return permissionDenied("database " + path_ + " is read-only: its directory " + parentDir(path_) +
                                " is not writable: " + detail);
      }
      return permissionDenied("database " + path_ + " is read-only (file permissions or read-only filesystem): " +
                              detail);
    case SQLITE_CORRUPT:
      return corrupt("database " + path_ + " is corrupt: " + detail);
    case SQLITE_NOTADB:
      return corrupt(path_ + " is not a SQLite database (or its header is damaged): " + detail);
    case SQLITE_CANTOPEN:
      return cantOpen(path_, readOnly_, sysErrno, detail);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return unavailable("database " + path_ + " is locked by another connection (gave up after " +
                         std::to_string(busyTimeoutMs_) + " ms): " + detail);
    case SQLITE_PERM:
      return permissionDenied("access to database " + path_ + " denied: " + detail);
    case SQLITE_AUTH:
      if (transactionDenied_) {
        return failedPrecondition("BEGIN/COMMIT/ROLLBACK refused on " + path_ +
                                  ": this code runs inside a transaction owned by the store (migration or "
                                  "writer job)");
      }
      return permissionDenied("access to database " + path_ + " denied: " + detail);
    case SQLITE_IOERR:
      if (sysErrno == ENOSPC || sysErrno == EDQUOT) {
        return resourceExhausted("disk full while writing " + path_ + ": " + detail);
      }
      if (sysErrno == EROFS || sysErrno == EACCES || sysErrno == EPERM) {
        return permissionDenied("database " + path_ + " is read-only (file permissions or read-only filesystem): " +
                                detail + ": " + std::strerror(sysErrno));
      }
      return ioError("I/O error on database " + path_ + ": " + detail +
                     (sysErrno != 0 ? std::string(": ") + std::strerror(sysErrno) : std::string()));
    case SQLITE_NOMEM:
      return resourceExhausted("out of memory using database " + path_ + ": " + detail);
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return alreadyExists("duplicate key in database " + path_ + ": " + detail);
      }
      return invalidArgument("constraint failed in database " + path_ + ": " + detail);
    case SQLITE_TOOBIG:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
      return invalidArgument("database " + path_ + ": " + detail);
    case SQLITE_INTERRUPT:
    case SQLITE_PROTOCOL:
      return unavailable("database " + path_ + ": " + detail);
    default:
      // SQLITE_ERROR (bad SQL, missing table), MISUSE, SCHEMA...: our code is wrong, not the disk.
      return internalError("SQL error in database " + path_ + ": " + detail);
  }
}

// ---------------------------------------------------------------------------------------------
// Writer

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
        [](void* self, sqlite3* db, const char* name, int frames) {
          Writer* w = static_cast<Writer*>(self);
          const int step = std::max(1, w->walLimitFrames_ / 8);
          if (frames >= w->walLimitFrames_)
            (void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
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
  for (;;) {
    bool idle = false;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (idleJob_) {
        while (!stopping_ && queue_.empty()) {
          if (idlePending_()) {
            idle = true;
            break;
          }
          wake_.wait_for(lock, idleRecheck_);
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
      continue;
    }
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
