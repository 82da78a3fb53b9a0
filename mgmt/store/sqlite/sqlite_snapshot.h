// A consistent copy of a SQLite database that may be in use (mgmtd running on it): the file for
// `mgmtctl backup` and the source `mgmtctl migrate` copies from (ADR 0025).
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt::store::sqlite {

// Writes one snapshot of `source` to `destination`: VACUUM INTO on a read-only connection, which is
// one read transaction (under WAL the writer of a running mgmtd never waits for it, and nothing it
// commits meanwhile is half in the copy). The copy goes to destination + ".tmp", passes
// integrity_check, is fsync'ed and renamed over `destination` (then the folder is fsync'ed), so a
// crash never leaves a partial file under the final name. The file is mode 0600 from the start. The source's schema must be the one
// `migrations` describe (a read-only open applies none: an older file is kFailedPrecondition).
// `destination` must not exist yet (kAlreadyExists). Returns the size of the copy in bytes.
core::Result<int64_t> snapshotSqlite(const std::string& source, const std::string& destination,
                                     const std::vector<Migration>& migrations);

}  // namespace mgmt::store::sqlite
