// The PostgreSQL driver of mgmt/store/sql.h (PostgreSQL 15 through libpq, wrapped once in
// pg_connection.h): a pool of connections; read-write units of work in SERIALIZABLE transactions,
// run again on a serialization failure or deadlock and on a connection lost before COMMIT (failover:
// a multi-host DSN with target_session_attrs=read-write finds the new primary); migrations under an
// advisory lock so that several mgmtd starting at once migrate once; singleton locks as session
// advisory locks on a connection of their own.
#pragma once

#include <memory>
#include <vector>

#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt::store::postgres {

core::Result<std::unique_ptr<Storage>> openPostgresStorage(const StorageConfig& config,
                                                           const std::vector<Migration>& migrations);

}  // namespace mgmt::store::postgres
