// The management plane's schema, as numbered migrations for both storage backends.
#pragma once

#include <vector>

#include "core/store.h"
#include "mgmt/store/sql.h"

namespace mgmt {

// Every migration with its SQLite and PostgreSQL text (mgmt/store/sql.h: Storage::open).
const std::vector<store::Migration>& mgmtStorageMigrations();

// The SQLite texts of the same migrations, for code that opens mgmt.db as a core::Database directly
// (same versions and names: either way of opening sees the same bookkeeping).
const std::vector<core::Migration>& mgmtMigrations();

}  // namespace mgmt
