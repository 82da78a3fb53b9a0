#include "edge/radius/radius_schema.h"

namespace edge {

const std::vector<core::Migration>& radiusMigrations() {
  static const std::vector<core::Migration> migrations = {
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
      {8, "RadSec identity of NAS clients",
       // RFC 6614: the certificate a NAS presents over TLS ("sha256:HEX" or a CN/DNS name); '' = none.
       "ALTER TABLE nas ADD COLUMN radsec_identity TEXT NOT NULL DEFAULT '';"},
      {9, "imported password hashes of subscribers",
       // ADR 0045: a crypt/MD5/SHA hash brought by an import ("{crypt}$6$...", "{ssha256}..."), PAP
       // only; '' = none. Password-equivalent for PAP like nt_hash: never logged or shown.
       "ALTER TABLE subscribers ADD COLUMN pap_hash TEXT NOT NULL DEFAULT '';"},
      {12, "dunning state of subscribers",
       // ADR 0048: '' (none), 'throttle', 'walled' or 'suspend'; the rate while throttled or walled
       // ("512k/256k", '' = none); the pay page while walled (an https URL, '' = the box's own page).
       "ALTER TABLE subscribers ADD COLUMN dunning TEXT NOT NULL DEFAULT '';"
       "ALTER TABLE subscribers ADD COLUMN dunning_rate TEXT NOT NULL DEFAULT '';"
       "ALTER TABLE subscribers ADD COLUMN dunning_url TEXT NOT NULL DEFAULT '';"},
      {13, "top-ups bought on the management plane, applied once",
       // ADR 0058: the id of a top-up bought in self-care (mgmt's order id), sent to every box of the
       // tenant by the check-in's commands and applied once per box however often it is delivered;
       // '' = a top-up made on the box (edgectl, the web UI), which has no id.
       "ALTER TABLE topups ADD COLUMN ref TEXT NOT NULL DEFAULT '';"
       "CREATE UNIQUE INDEX topups_ref ON topups(ref) WHERE ref <> '';"},
      {14, "import batches on the box, to roll one back",
       // Issue 30 (ADR 0049 on a box): `edgectl import` adds plans and subscribers as one batch; a row
       // keeps its batch until anything else writes it (plan-set, subscriber-set, sync: '' again), so
       // `edgectl import rollback` removes only what the batch added and nobody changed since.
       "ALTER TABLE plans ADD COLUMN import_batch TEXT NOT NULL DEFAULT '';"
       "ALTER TABLE subscribers ADD COLUMN import_batch TEXT NOT NULL DEFAULT '';"
       "CREATE INDEX subscribers_import ON subscribers(import_batch) WHERE import_batch <> '';"
       "CREATE TABLE import_batches ("
       "  id TEXT PRIMARY KEY,"
       "  state TEXT NOT NULL DEFAULT 'applied' CHECK (state IN ('applied','rolled-back')),"
       "  plans INTEGER NOT NULL DEFAULT 0,"
       "  subscribers INTEGER NOT NULL DEFAULT 0,"
       "  created_at INTEGER NOT NULL,"
       "  rolled_back_at INTEGER NOT NULL DEFAULT 0"
       ");"},
  };
  return migrations;
}

}  // namespace edge
