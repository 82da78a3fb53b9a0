// The accounting database's schema: the ledger's migrations (see aaa/acct/ledger.h for the tables).
#include "aaa/acct/ledger.h"

namespace aaa::acct {

const std::vector<core::Migration>& migrations() {
  static const std::vector<core::Migration> m = {
      {1, "sessions, history, usage journal",
       "CREATE TABLE sessions ("
       "  uid TEXT PRIMARY KEY,"
       "  acct_session_id TEXT NOT NULL,"
       "  username TEXT NOT NULL,"
       "  nas TEXT NOT NULL,"
       "  nas_port INTEGER NOT NULL DEFAULT 0,"
       "  nas_port_id TEXT NOT NULL DEFAULT '',"
       "  framed_ip TEXT NOT NULL DEFAULT '',"
       "  calling_station_id TEXT NOT NULL DEFAULT '',"
       "  started INTEGER NOT NULL,"
       "  updated INTEGER NOT NULL,"
       "  input_octets INTEGER NOT NULL DEFAULT 0,"
       "  output_octets INTEGER NOT NULL DEFAULT 0,"
       "  input_packets INTEGER NOT NULL DEFAULT 0,"
       "  output_packets INTEGER NOT NULL DEFAULT 0,"
       "  session_time INTEGER NOT NULL DEFAULT 0,"
       "  state TEXT NOT NULL DEFAULT 'active',"
       "  stale_after INTEGER NOT NULL,"
       "  disconnect_deadline INTEGER NOT NULL DEFAULT 0"
       ") WITHOUT ROWID;"
       "CREATE INDEX sessions_username ON sessions(username);"
       "CREATE INDEX sessions_nas ON sessions(nas);"
       "CREATE TABLE session_history ("
       "  id INTEGER PRIMARY KEY,"
       "  uid TEXT NOT NULL,"
       "  acct_session_id TEXT NOT NULL,"
       "  username TEXT NOT NULL,"
       "  nas TEXT NOT NULL,"
       "  nas_port INTEGER NOT NULL DEFAULT 0,"
       "  nas_port_id TEXT NOT NULL DEFAULT '',"
       "  framed_ip TEXT NOT NULL DEFAULT '',"
       "  calling_station_id TEXT NOT NULL DEFAULT '',"
       "  started INTEGER NOT NULL,"
       "  updated INTEGER NOT NULL,"
       "  stopped INTEGER NOT NULL,"
       "  input_octets INTEGER NOT NULL DEFAULT 0,"
       "  output_octets INTEGER NOT NULL DEFAULT 0,"
       "  input_packets INTEGER NOT NULL DEFAULT 0,"
       "  output_packets INTEGER NOT NULL DEFAULT 0,"
       "  session_time INTEGER NOT NULL DEFAULT 0,"
       "  close_reason TEXT NOT NULL"
       ");"
       "CREATE INDEX session_history_uid ON session_history(uid);"
       "CREATE INDEX session_history_user ON session_history(username, stopped);"
       // The per-box sequence (seq) is never reused (AUTOINCREMENT): sync upstream uses it as its
       // watermark.
       "CREATE TABLE usage_journal ("
       "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
       "  at INTEGER NOT NULL,"
       "  uid TEXT NOT NULL,"
       "  username TEXT NOT NULL,"
       "  nas TEXT NOT NULL,"
       "  input_octets INTEGER NOT NULL,"
       "  output_octets INTEGER NOT NULL,"
       "  input_packets INTEGER NOT NULL,"
       "  output_packets INTEGER NOT NULL,"
       "  session_time INTEGER NOT NULL"
       ");"
       "CREATE INDEX usage_journal_user ON usage_journal(username, at);"},
      {2, "NAS source address of sessions (the CoA/Disconnect target)",
       "ALTER TABLE sessions ADD COLUMN nas_address TEXT NOT NULL DEFAULT '';"
       "ALTER TABLE session_history ADD COLUMN nas_address TEXT NOT NULL DEFAULT '';"},
      {3, "no secondary indexes on live sessions",
       // Each index costs a random page write per Start and Stop; the queries that used them (live
       // sessions of one user or one NAS) scan the live table, which is small, instead.
       "DROP INDEX sessions_username;"
       "DROP INDEX sessions_nas;"},
      {4, "lazily maintained views of the journal (ADR 0006)",
       // Each view row records the last journal row it includes; ledger_meta.flushed_seq is the
       // journal sequence up to which every view is complete. The (username, at) index of the
       // journal, a random page per record, gives way to per-day totals.
       "ALTER TABLE sessions ADD COLUMN journal_seq INTEGER NOT NULL DEFAULT 0;"
       "CREATE TABLE usage_daily ("
       "  username TEXT NOT NULL,"
       "  day INTEGER NOT NULL,"  // days since 1970-01-01 UTC
       "  input_octets INTEGER NOT NULL,"
       "  output_octets INTEGER NOT NULL,"
       "  input_packets INTEGER NOT NULL,"
       "  output_packets INTEGER NOT NULL,"
       "  session_time INTEGER NOT NULL,"
       "  journal_seq INTEGER NOT NULL,"
       "  PRIMARY KEY (username, day)"
       ") WITHOUT ROWID;"
       "INSERT INTO usage_daily SELECT username, at / 86400, sum(input_octets), sum(output_octets), "
       "  sum(input_packets), sum(output_packets), sum(session_time), max(seq) FROM usage_journal "
       "  GROUP BY username, at / 86400;"
       "CREATE TABLE ledger_meta (id INTEGER PRIMARY KEY CHECK (id = 1), flushed_seq INTEGER NOT NULL);"
       "INSERT INTO ledger_meta VALUES (1, coalesce((SELECT max(seq) FROM usage_journal), 0));"
       "UPDATE sessions SET journal_seq = coalesce((SELECT max(seq) FROM usage_journal), 0);"
       "DROP INDEX usage_journal_user;"},
      {5, "per-period quota counters (billing)",
       // A view of the journal like usage_daily, per subscriber and billing period: the octets
       // that count against the data quota (outside uncounted windows) and the online seconds.
       "CREATE TABLE quota_usage ("
       "  username TEXT NOT NULL,"
       "  period_start INTEGER NOT NULL,"
       "  input_octets INTEGER NOT NULL,"
       "  output_octets INTEGER NOT NULL,"
       "  session_time INTEGER NOT NULL,"
       "  journal_seq INTEGER NOT NULL,"
       "  PRIMARY KEY (username, period_start)"
       ") WITHOUT ROWID;"},
      {6, "young sessions: opening attributes outside the live table (ADR 0011)",
       // A session younger than the ledger's flush age lives in the overlay, and its Start's
       // attributes here, keyed by the Start's journal row: rows are appended in sequence order
       // and pruned in ranges behind the views' watermark, so both touch one end of the table.
       "CREATE TABLE session_starts ("
       "  seq INTEGER PRIMARY KEY,"
       "  uid TEXT NOT NULL,"
       "  acct_session_id TEXT NOT NULL,"
       "  username TEXT NOT NULL,"
       "  nas TEXT NOT NULL,"
       "  nas_port INTEGER NOT NULL,"
       "  nas_port_id TEXT NOT NULL,"
       "  framed_ip TEXT NOT NULL,"
       "  calling_station_id TEXT NOT NULL,"
       "  nas_address TEXT NOT NULL,"
       "  started INTEGER NOT NULL,"
       "  stale_after INTEGER NOT NULL"
       ");"},
      {7, "the MAC of live sessions, indexed (the technician UI's MAC filter)",
       // Calling-Station-Id as the filter compares it (lower case, without ':', '-' or '.'), written
       // with the row (insertRow). Its index is what a MAC filter scans (covering: a few bytes per
       // session instead of the whole row); it costs one random page per session written to
       // `sessions` and one when it leaves, and young sessions (ADR 0011) never get there.
       "ALTER TABLE sessions ADD COLUMN mac TEXT NOT NULL DEFAULT '';"
       "UPDATE sessions SET mac = replace(replace(replace(lower(calling_station_id), ':', ''), '-', ''), '.', '');"
       "CREATE INDEX sessions_mac ON sessions(mac);"},
  };
  return m;
}

}  // namespace aaa::acct
