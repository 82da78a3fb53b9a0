// The appliance database schema, as numbered migrations (core/store.h). Append only: a migration
// that has shipped is never edited; a change is a new, higher-numbered migration.
#pragma once

#include <vector>

#include "core/store.h"

namespace edge {

const std::vector<core::Migration>& edgeMigrations();

}  // namespace edge
