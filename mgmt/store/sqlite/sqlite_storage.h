// The SQLite driver of mgmt/store/sql.h, over core::Database (core/store.h): one writing connection
// behind a mutex (BEGIN IMMEDIATE ... COMMIT), a small pool of read-only connections (WAL snapshots
// that never block the writer), migrations through core::Database's own bookkeeping
// (schema_migrations and PRAGMA user_version, so a mgmt.db made before this driver opens as is), and
// singleton locks local to the process (one mgmtd per file).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt::store::sqlite {

core::Result<std::unique_ptr<Storage>> openSqliteStorage(const StorageConfig& config,
                                                         const std::vector<Migration>& migrations);

// The statement with $N turned into ?N outside string literals, quoted identifiers and comments
// (SQLite reads ?N as the same parameter N, so $1 used twice binds once).
std::string rewriteParameters(std::string_view sql);

}  // namespace mgmt::store::sqlite
