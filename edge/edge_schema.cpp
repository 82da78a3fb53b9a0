#include "edge/edge_schema.h"

namespace edge {

const std::vector<core::Migration>& edgeMigrations() {
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

}  // namespace edge
