#include "mgmt/mgmt_schema.h"

namespace mgmt {

const std::vector<core::Migration>& mgmtMigrations() {
  static const std::vector<core::Migration> migrations = {
      {1, "tenants, plans, subscribers, claims, devices, usage, events, commands, tokens",
       // Desired state is versioned per tenant: every change takes the tenant's next version, and
       // a deletion leaves a tombstone, so a box asking "what changed since N" gets an exact answer.
       "CREATE TABLE tenants ("
       "  id TEXT PRIMARY KEY,"
       "  name TEXT NOT NULL UNIQUE,"
       "  tier TEXT NOT NULL,"
       "  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','suspended')),"
       "  demo INTEGER NOT NULL DEFAULT 0,"
       "  created_at INTEGER NOT NULL,"
       "  expires_at INTEGER NOT NULL,"        // the license's expiry
       "  version INTEGER NOT NULL DEFAULT 0," // newest change
       "  license_id TEXT NOT NULL DEFAULT '',"
       "  license TEXT NOT NULL DEFAULT '',"    // the signed document
       "  license_issued_at INTEGER NOT NULL DEFAULT 0"
       ");"
       "CREATE TABLE plans ("
       "  tenant_id TEXT NOT NULL REFERENCES tenants(id),"
       "  name TEXT NOT NULL,"
       "  spec TEXT NOT NULL,"                 // plan-add arguments (JSON)
       "  version INTEGER NOT NULL,"
       "  deleted INTEGER NOT NULL DEFAULT 0,"
       "  updated_at INTEGER NOT NULL,"
       "  PRIMARY KEY (tenant_id, name)"
       ");"
       "CREATE INDEX plans_version ON plans(tenant_id, version);"
       "CREATE TABLE subscribers ("
       "  tenant_id TEXT NOT NULL REFERENCES tenants(id),"
       "  username TEXT NOT NULL,"
       "  plan TEXT NOT NULL,"
       "  spec TEXT NOT NULL,"                 // subscriber-add arguments (JSON)
       "  version INTEGER NOT NULL,"
       "  deleted INTEGER NOT NULL DEFAULT 0,"
       "  origin TEXT NOT NULL DEFAULT 'mgmt',"// 'mgmt' or the device that created it
       "  created_at INTEGER NOT NULL,"
       "  updated_at INTEGER NOT NULL,"
       "  PRIMARY KEY (tenant_id, username)"
       ");"
       "CREATE INDEX subscribers_version ON subscribers(tenant_id, version);"
       "CREATE TABLE claims ("
       "  id TEXT PRIMARY KEY,"
       "  tenant_id TEXT NOT NULL REFERENCES tenants(id),"
       "  secret_sha256 TEXT NOT NULL UNIQUE," // the secret itself is only in the token
       "  uses_left INTEGER NOT NULL,"
       "  expires_at INTEGER NOT NULL,"
       "  created_at INTEGER NOT NULL"
       ");"
       "CREATE TABLE devices ("
       "  id TEXT PRIMARY KEY,"
       "  tenant_id TEXT NOT NULL REFERENCES tenants(id),"
       "  hostname TEXT NOT NULL DEFAULT '',"
       "  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','revoked')),"
       "  claim_id TEXT NOT NULL,"
       "  enrolled_at INTEGER NOT NULL,"
       "  cert_serial TEXT NOT NULL,"
       "  cert_fingerprint TEXT NOT NULL,"
       "  cert_not_before INTEGER NOT NULL,"
       "  cert_not_after INTEGER NOT NULL,"
       "  last_checkin INTEGER NOT NULL DEFAULT 0,"
       "  reported TEXT NOT NULL DEFAULT '{}'," // the last check-in's reported state
       "  usage_watermark INTEGER NOT NULL DEFAULT 0,"
       "  session_watermark INTEGER NOT NULL DEFAULT 0,"
       "  event_watermark INTEGER NOT NULL DEFAULT 0,"
       "  revoked_at INTEGER NOT NULL DEFAULT 0"
       ");"
       "CREATE INDEX devices_tenant ON devices(tenant_id);"
       // Usage as the boxes recorded it: one row per journal record; (device, seq) makes replays
       // harmless. usage_totals is the sum per subscriber, updated with each new row.
       "CREATE TABLE usage ("
       "  device_id TEXT NOT NULL,"
       "  seq INTEGER NOT NULL,"
       "  tenant_id TEXT NOT NULL,"
       "  username TEXT NOT NULL,"
       "  session TEXT NOT NULL,"
       "  at INTEGER NOT NULL,"
       "  input_octets INTEGER NOT NULL,"
       "  output_octets INTEGER NOT NULL,"
       "  session_time INTEGER NOT NULL,"
       "  PRIMARY KEY (device_id, seq)"
       ") WITHOUT ROWID;"
       "CREATE TABLE usage_totals ("
       "  tenant_id TEXT NOT NULL,"
       "  username TEXT NOT NULL,"
       "  input_octets INTEGER NOT NULL DEFAULT 0,"
       "  output_octets INTEGER NOT NULL DEFAULT 0,"
       "  session_time INTEGER NOT NULL DEFAULT 0,"
       "  records INTEGER NOT NULL DEFAULT 0,"
       "  last_at INTEGER NOT NULL DEFAULT 0,"
       "  PRIMARY KEY (tenant_id, username)"
       ") WITHOUT ROWID;"
       // Closed sessions as the boxes summed them up, keyed like usage rows.
       "CREATE TABLE sessions ("
       "  device_id TEXT NOT NULL,"
       "  id INTEGER NOT NULL,"
       "  tenant_id TEXT NOT NULL,"
       "  session TEXT NOT NULL,"
       "  username TEXT NOT NULL,"
       "  nas TEXT NOT NULL,"
       "  started INTEGER NOT NULL,"
       "  stopped INTEGER NOT NULL,"
       "  input_octets INTEGER NOT NULL,"
       "  output_octets INTEGER NOT NULL,"
       "  session_time INTEGER NOT NULL,"
       "  close_reason TEXT NOT NULL DEFAULT '',"
       "  PRIMARY KEY (device_id, id)"
       ") WITHOUT ROWID;"
       "CREATE INDEX sessions_user ON sessions(tenant_id, username, stopped);"
       "CREATE TABLE device_events ("
       "  device_id TEXT NOT NULL,"
       "  seq INTEGER NOT NULL,"
       "  tenant_id TEXT NOT NULL,"
       "  at INTEGER NOT NULL,"
       "  kind TEXT NOT NULL,"
       "  data TEXT NOT NULL,"
       "  outcome TEXT NOT NULL DEFAULT '',"
       "  PRIMARY KEY (device_id, seq)"
       ") WITHOUT ROWID;"
       "CREATE TABLE commands ("
       "  id INTEGER PRIMARY KEY,"
       "  tenant_id TEXT NOT NULL,"
       "  device_id TEXT NOT NULL,"
       "  kind TEXT NOT NULL,"
       "  arguments TEXT NOT NULL,"
       "  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','sent','done','failed')),"
       "  result TEXT NOT NULL DEFAULT '',"
       "  created_at INTEGER NOT NULL,"
       "  done_at INTEGER NOT NULL DEFAULT 0"
       ");"
       "CREATE INDEX commands_device ON commands(device_id, state);"
       "CREATE TABLE tokens ("
       "  id TEXT PRIMARY KEY,"
       "  tenant_id TEXT,"                     // NULL: a platform operator's token
       "  name TEXT NOT NULL DEFAULT '',"
       "  secret_sha256 TEXT NOT NULL UNIQUE,"
       "  created_at INTEGER NOT NULL"
       ");"},
      {2, "device certificates bound to their record; tokens that expire and can be revoked",
       // A device is known by its one current certificate. The previous one stays good only until
       // the box first uses the renewed one (a renewal whose answer was lost must not lock it out).
       "ALTER TABLE devices ADD COLUMN cert_previous_fingerprint TEXT NOT NULL DEFAULT '';"
       "ALTER TABLE devices ADD COLUMN rekey_requested INTEGER NOT NULL DEFAULT 0;"  // device-rekey
       "ALTER TABLE tokens ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;"  // 0: never
       "ALTER TABLE tokens ADD COLUMN revoked_at INTEGER NOT NULL DEFAULT 0;"
       "ALTER TABLE tokens ADD COLUMN last_used_at INTEGER NOT NULL DEFAULT 0;"},
  };
  return migrations;
}

}  // namespace mgmt
