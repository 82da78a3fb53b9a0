// Database's numbered migrations (core/store.h: Migration, Database::open): applied at open in one
// transaction with their record, or only checked by a read-only open.
#include "core/store.h"

#include <sqlite3.h>

#include <algorithm>
#include <climits>

namespace core {

namespace {

const std::string kBeginMigration = "BEGIN IMMEDIATE";
const std::string kCommitMigration = "COMMIT";

}  // namespace

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
  EDGE_ASSIGN_OR_RETURN(Statement st,
                        prepareImpl("SELECT version, name FROM schema_migrations ORDER BY version", false));
  int count = 0;
  int newest = 0;
  for (;;) {
    EDGE_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    int64_t version = st.columnInt64(0);
    std::string name = st.columnText(1);
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
    EDGE_ASSIGN_OR_RETURN(
        int64_t hasTable,
        queryInt64("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='schema_migrations'"));
    if (hasTable > 0) EDGE_RETURN_IF_ERROR(readRecorded(migrations, &recorded));
    EDGE_ASSIGN_OR_RETURN(int64_t userVersion, queryInt64("PRAGMA user_version"));
    EDGE_RETURN_IF_ERROR(checkNotNewer(known, recorded, userVersion));
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
  Status begin = exec(kBeginMigration);
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
  s = exec(kCommitMigration);
  if (!s.isOk()) return fail(s.withContext("committing migrations"));
  schemaVersion_ = static_cast<int>(known);
  return Status::ok();
}

}  // namespace core
