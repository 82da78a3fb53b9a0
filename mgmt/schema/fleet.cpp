// The management plane's migrations of firmware rollouts.
// Shipped texts: never edited (see mgmt/mgmt_schema.cpp for the rules of both dialects).
#include "mgmt/schema/schema_parts.h"

namespace mgmt::schema {

store::Migration v16() {
  return {16, "firmware rollouts: the catalog of bundles, rollouts in rings, each box's state in one, tenants' maintenance windows",
          // SQLite
          "CREATE TABLE firmware_releases ("
          "  version TEXT PRIMARY KEY,"
          "  channel TEXT NOT NULL CHECK (channel IN ('stable','beta')),"
          "  hardware TEXT NOT NULL,"                 // the manifest's compatible hardware (JSON list)
          "  security_floor TEXT NOT NULL,"
          "  min_version TEXT NOT NULL DEFAULT '',"
          "  size INTEGER NOT NULL,"
          "  sha256 TEXT NOT NULL,"                   // of the whole bundle file
          "  path TEXT NOT NULL,"                     // the bundle as mgmtd keeps it
          "  created_at INTEGER NOT NULL"
          ");"
          "CREATE TABLE maintenance_windows ("
          "  tenant_id TEXT PRIMARY KEY,"
          "  spec TEXT NOT NULL,"                     // "Mon-Fri 01:00-05:00 UTC"
          "  updated_at INTEGER NOT NULL"
          ");"
          "CREATE TABLE rollouts ("
          "  id TEXT PRIMARY KEY,"
          "  tenant_id TEXT NOT NULL DEFAULT '',"    // '' = every tenant's boxes (the platform's)
          "  version TEXT NOT NULL REFERENCES firmware_releases(version),"
          "  state TEXT NOT NULL CHECK (state IN ('running','paused','aborted','done')),"
          "  rings TEXT NOT NULL,"                    // JSON: [{"name", "devices" or "percent"}]
          "  ring INTEGER NOT NULL DEFAULT 0,"           // the open ring
          "  failure_percent INTEGER NOT NULL,"
          "  report_seconds INTEGER NOT NULL,"
          "  reason TEXT NOT NULL DEFAULT '',"
          "  created_by TEXT NOT NULL DEFAULT '',"
          "  created_at INTEGER NOT NULL,"
          "  updated_at INTEGER NOT NULL"
          ");"
          "CREATE INDEX rollouts_tenant ON rollouts(tenant_id, state);"
          "CREATE TABLE rollout_devices ("
          "  rollout_id TEXT NOT NULL REFERENCES rollouts(id),"
          "  device_id TEXT NOT NULL,"
          "  tenant_id TEXT NOT NULL,"
          "  ring INTEGER NOT NULL,"
          "  state TEXT NOT NULL,"                    // pending offered installed booted committed healthy rolled-back failed
          "  reason TEXT NOT NULL DEFAULT '',"
          "  offered_at INTEGER NOT NULL DEFAULT 0,"
          "  updated_at INTEGER NOT NULL,"
          "  PRIMARY KEY (rollout_id, device_id)"
          ");"
          "CREATE INDEX rollout_devices_device ON rollout_devices(device_id);",
          // PostgreSQL
          "CREATE TABLE firmware_releases ("
          "  version TEXT PRIMARY KEY,"
          "  channel TEXT NOT NULL CHECK (channel IN ('stable','beta')),"
          "  hardware TEXT NOT NULL,"                 // the manifest's compatible hardware (JSON list)
          "  security_floor TEXT NOT NULL,"
          "  min_version TEXT NOT NULL DEFAULT '',"
          "  size BIGINT NOT NULL,"
          "  sha256 TEXT NOT NULL,"                   // of the whole bundle file
          "  path TEXT NOT NULL,"                     // the bundle as mgmtd keeps it
          "  created_at BIGINT NOT NULL"
          ");"
          "CREATE TABLE maintenance_windows ("
          "  tenant_id TEXT PRIMARY KEY,"
          "  spec TEXT NOT NULL,"                     // "Mon-Fri 01:00-05:00 UTC"
          "  updated_at BIGINT NOT NULL"
          ");"
          "CREATE TABLE rollouts ("
          "  id TEXT PRIMARY KEY,"
          "  tenant_id TEXT NOT NULL DEFAULT '',"    // '' = every tenant's boxes (the platform's)
          "  version TEXT NOT NULL REFERENCES firmware_releases(version),"
          "  state TEXT NOT NULL CHECK (state IN ('running','paused','aborted','done')),"
          "  rings TEXT NOT NULL,"                    // JSON: [{"name", "devices" or "percent"}]
          "  ring BIGINT NOT NULL DEFAULT 0,"           // the open ring
          "  failure_percent BIGINT NOT NULL,"
          "  report_seconds BIGINT NOT NULL,"
          "  reason TEXT NOT NULL DEFAULT '',"
          "  created_by TEXT NOT NULL DEFAULT '',"
          "  created_at BIGINT NOT NULL,"
          "  updated_at BIGINT NOT NULL"
          ");"
          "CREATE INDEX rollouts_tenant ON rollouts(tenant_id, state);"
          "CREATE TABLE rollout_devices ("
          "  rollout_id TEXT NOT NULL REFERENCES rollouts(id),"
          "  device_id TEXT NOT NULL,"
          "  tenant_id TEXT NOT NULL,"
          "  ring BIGINT NOT NULL,"
          "  state TEXT NOT NULL,"                    // pending offered installed booted committed healthy rolled-back failed
          "  reason TEXT NOT NULL DEFAULT '',"
          "  offered_at BIGINT NOT NULL DEFAULT 0,"
          "  updated_at BIGINT NOT NULL,"
          "  PRIMARY KEY (rollout_id, device_id)"
          ");"
          "CREATE INDEX rollout_devices_device ON rollout_devices(device_id);"};
}

}  // namespace mgmt::schema
