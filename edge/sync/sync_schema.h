// The sync area's tables in edge.db: enrollment and watermarks, the outbox, records from mgmt.
// Append only: a migration that has shipped is never edited; a change is a new migration, numbered
// after every migration of edged (edge/app/edge_schema.cpp merges the areas' lists).
#pragma once

#include <vector>

#include "core/store.h"

namespace edge {

const std::vector<core::Migration>& syncMigrations();

}  // namespace edge
