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
      {2, "nas clients, plans, subscribers",
       // Desired state of the AAA engine. The request path never reads these tables: it reads the
       // in-memory snapshot (aaa/policy/snapshot.h) rebuilt from them.
       "CREATE TABLE nas ("
       "  id INTEGER PRIMARY KEY,"
       "  name TEXT NOT NULL UNIQUE,"
       "  prefix TEXT NOT NULL UNIQUE,"           // 192.0.2.1, 192.0.2.0/24, 2001:db8::/64
       "  secret TEXT NOT NULL,"                  // RADIUS shared secret: needed in clear by the protocol
       "  vendor TEXT NOT NULL DEFAULT 'generic',"
       "  coa_port INTEGER NOT NULL DEFAULT 3799,"
       "  nas_identifier TEXT NOT NULL DEFAULT '',"
       "  require_message_authenticator INTEGER," // NULL: the server default
       "  created_at INTEGER NOT NULL"
       ");"
       "CREATE TABLE plans ("
       "  id INTEGER PRIMARY KEY,"
       "  name TEXT NOT NULL UNIQUE,"
       "  down_bps INTEGER NOT NULL,"
       "  up_bps INTEGER NOT NULL,"
       "  burst_down_bps INTEGER NOT NULL DEFAULT 0,"
       "  burst_up_bps INTEGER NOT NULL DEFAULT 0,"
       "  burst_threshold_percent INTEGER NOT NULL DEFAULT 75,"
       "  burst_time INTEGER NOT NULL DEFAULT 10,"
       "  session_timeout INTEGER NOT NULL DEFAULT 0,"
       "  idle_timeout INTEGER NOT NULL DEFAULT 0,"
       "  interim_interval INTEGER NOT NULL DEFAULT 300,"
       "  max_sessions INTEGER NOT NULL DEFAULT 0,"
       "  ip_pool TEXT NOT NULL DEFAULT '',"
       "  created_at INTEGER NOT NULL,"
       "  updated_at INTEGER NOT NULL"
       ");"
       "CREATE TABLE subscribers ("
       "  id INTEGER PRIMARY KEY,"
       "  username TEXT NOT NULL UNIQUE,"
       "  nt_hash BLOB,"                          // MD4(UTF-16LE(password)): PAP and MS-CHAPv2
       "  cleartext TEXT NOT NULL DEFAULT '',"    // only when CHAP is enabled (docs/decisions/0002)
       "  plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE RESTRICT,"
       "  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','suspended','disabled')),"
       "  expires_at INTEGER NOT NULL DEFAULT 0,"
       "  mac TEXT NOT NULL DEFAULT '',"
       "  static_ip TEXT NOT NULL DEFAULT '',"
       "  created_at INTEGER NOT NULL,"
       "  updated_at INTEGER NOT NULL"
       ");"
       "CREATE INDEX subscribers_plan ON subscribers(plan_id);"},
      {3, "billing rules of plans, first login of subscribers, top-ups",
       "ALTER TABLE plans ADD COLUMN billing TEXT NOT NULL DEFAULT '{}';"  // billing::rulesToJson
       "ALTER TABLE subscribers ADD COLUMN first_login INTEGER NOT NULL DEFAULT 0;"
       "CREATE TABLE topups ("
       "  id INTEGER PRIMARY KEY,"
       "  username TEXT NOT NULL,"
       "  period_start INTEGER NOT NULL,"  // the billing period it belongs to (Unix seconds)
       "  bytes INTEGER NOT NULL DEFAULT 0,"
       "  seconds INTEGER NOT NULL DEFAULT 0,"
       "  validity_seconds INTEGER NOT NULL DEFAULT 0,"
       "  note TEXT NOT NULL DEFAULT '',"
       "  created_at INTEGER NOT NULL"
       ");"
       "CREATE INDEX topups_user ON topups(username, period_start);"},
      {4, "vouchers, per-subscriber validity",
       "ALTER TABLE subscribers ADD COLUMN validity_seconds INTEGER NOT NULL DEFAULT 0;"
       "ALTER TABLE subscribers ADD COLUMN voucher_batch INTEGER NOT NULL DEFAULT 0;"
       "CREATE TABLE voucher_batches ("
       "  id INTEGER PRIMARY KEY,"
       "  name TEXT NOT NULL UNIQUE,"
       "  plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE RESTRICT,"
       "  count INTEGER NOT NULL,"
       "  prefix TEXT NOT NULL DEFAULT '',"
       "  valid_for INTEGER NOT NULL DEFAULT 0,"  // seconds from first use; 0 = the plan's validity
       "  price_minor INTEGER NOT NULL DEFAULT 0,"
       "  currency TEXT NOT NULL DEFAULT '',"
       "  created_at INTEGER NOT NULL"
       ");"
       "CREATE INDEX subscribers_voucher ON subscribers(voucher_batch) WHERE voucher_batch <> 0;"},
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
