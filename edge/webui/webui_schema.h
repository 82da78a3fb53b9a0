// The web UI area's part of edge.db (edge/app/edge_schema.cpp joins every area's migrations).
#pragma once

#include <vector>

#include "core/store.h"

namespace edge::webui {

// Migration 6: the local accounts of the technician UI.
const std::vector<core::Migration>& webuiMigrations();

}  // namespace edge::webui
