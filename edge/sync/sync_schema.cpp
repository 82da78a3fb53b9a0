#include "edge/sync/sync_schema.h"

namespace edge {

const std::vector<core::Migration>& syncMigrations() {
  static const std::vector<core::Migration> migrations = {
      {5, "sync with the management plane",
       // One row: the enrollment and how far each stream got. The watermarks only move after mgmt
       // acknowledged, so a crash repeats an upload (harmless: mgmt keys rows by sequence) and never
       // skips one.
       "CREATE TABLE sync_state ("
       "  id INTEGER PRIMARY KEY CHECK (id = 1),"
       "  device_id TEXT NOT NULL,"
       "  tenant_id TEXT NOT NULL,"
       "  tenant_name TEXT NOT NULL DEFAULT '',"
       "  url TEXT NOT NULL,"
       "  enrolled_at INTEGER NOT NULL,"
       "  cursor INTEGER NOT NULL DEFAULT 0,"
       "  usage_watermark INTEGER NOT NULL DEFAULT 0,"
       "  session_watermark INTEGER NOT NULL DEFAULT 0,"
       "  event_watermark INTEGER NOT NULL DEFAULT 0,"
       "  poll_interval INTEGER NOT NULL DEFAULT 60,"
       "  last_success INTEGER NOT NULL DEFAULT 0,"
       "  last_attempt INTEGER NOT NULL DEFAULT 0,"
       "  last_error TEXT NOT NULL DEFAULT '',"
       "  failures INTEGER NOT NULL DEFAULT 0"
       ");"
       // Changes made on the box for mgmt (subscribers added here, tech actions): append-only.
       "CREATE TABLE sync_outbox ("
       "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
       "  at INTEGER NOT NULL,"
       "  kind TEXT NOT NULL,"
       "  data TEXT NOT NULL"
       ");"
       // Records that came from mgmt: a full resync removes only these, never the box's own.
       "CREATE TABLE sync_records ("
       "  kind TEXT NOT NULL,"
       "  name TEXT NOT NULL,"
       "  version INTEGER NOT NULL,"
       "  PRIMARY KEY (kind, name)"
       ") WITHOUT ROWID;"},
  };
  return migrations;
}

}  // namespace edge
