// The management plane's SQLite schema, as numbered migrations (core/store.h).
#pragma once

#include <vector>

#include "core/store.h"

namespace mgmt {

const std::vector<core::Migration>& mgmtMigrations();

}  // namespace mgmt
