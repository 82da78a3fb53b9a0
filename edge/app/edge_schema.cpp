#include "edge/app/edge_schema.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "edge/radius/radius_schema.h"
#include "edge/sync/sync_schema.h"
#include "edge/webui/webui_schema.h"

namespace edge {

namespace {

const std::vector<core::Migration>& appMigrations() {
  static const std::vector<core::Migration> migrations = {
      {1, "event log",
       // What happened to the appliance itself (started, stopped, config reloaded or refused), for
       // the technician at the box and, later, for sync upstream.
       "CREATE TABLE events ("
       "  id INTEGER PRIMARY KEY,"
       "  at TEXT NOT NULL,"        // RFC 3339 UTC
       "  kind TEXT NOT NULL,"      // started, stopped, config-reloaded, config-refused
       "  detail TEXT NOT NULL DEFAULT ''"
       ");"
       "CREATE INDEX events_at ON events(at);"},
  };
  return migrations;
}

}  // namespace

const std::vector<core::Migration>& edgeMigrations() {
  static const std::vector<core::Migration> all = [] {
    std::vector<core::Migration> out = appMigrations();
    for (const auto* area : {&radiusMigrations(), &syncMigrations(), &webui::webuiMigrations()}) out.insert(out.end(), area->begin(), area->end());
    std::sort(out.begin(), out.end(), [](const core::Migration& a, const core::Migration& b) { return a.version < b.version; });
    // Two areas numbering a migration alike is a bug of ours; the store would refuse it at open, but
    // name it here where it was made.
    for (size_t i = 1; i < out.size(); ++i)
      if (out[i].version == out[i - 1].version)
        throw std::logic_error("edge.db migration " + std::to_string(out[i].version) + " is declared twice");
    return out;
  }();
  return all;
}

}  // namespace edge
