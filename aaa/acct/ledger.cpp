#include "aaa/acct/ledger.h"

#include <mbedtls/md5.h>

#include <algorithm>

#include "core/ids.h"

namespace aaa::acct {

const char* statusTypeName(uint32_t t) {
  switch (t) {
    case kStart: return "Start";
    case kStop: return "Stop";
    case kInterimUpdate: return "Interim-Update";
    case kAccountingOn: return "Accounting-On";
    case kAccountingOff: return "Accounting-Off";
    default: return "unknown";
  }
}

std::string terminateCauseName(uint32_t cause) {
  static const char* const kNames[] = {
      nullptr,           "user-request",     "lost-carrier",      "lost-service",   "idle-timeout",
      "session-timeout", "admin-reset",      "admin-reboot",      "port-error",     "nas-error",
      "nas-request",     "nas-reboot",       "port-unneeded",     "port-preempted", "port-suspended",
      "service-unavailable", "callback",     "user-error",        "host-request",
  };
  if (cause > 0 && cause < sizeof kNames / sizeof kNames[0]) return kNames[cause];
  if (cause == 0) return "stop";
  return "cause-" + std::to_string(cause);
}

std::string sessionUid(const std::string& nas, const std::string& acctSessionId, uint32_t nasPort,
                       const std::string& nasPortId) {
  std::string material = nas + '\0' + acctSessionId + '\0' + std::to_string(nasPort) + '\0' + nasPortId;
  uint8_t digest[16];
  mbedtls_md5_ret(reinterpret_cast<const unsigned char*>(material.data()), material.size(), digest);
  return core::toHex(digest, 16);
}

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
  };
  return m;
}

namespace {

constexpr const char* kLiveColumns =
    "uid, acct_session_id, username, nas, nas_port, nas_port_id, framed_ip, calling_station_id, started, updated, "
    "input_octets, output_octets, input_packets, output_packets, session_time, nas_address, state, stale_after";
constexpr const char* kHistoryColumns =
    "uid, acct_session_id, username, nas, nas_port, nas_port_id, framed_ip, calling_station_id, started, updated, "
    "input_octets, output_octets, input_packets, output_packets, session_time, nas_address, stopped, close_reason, id";

SessionRow readRow(core::Statement& st, bool history) {
  SessionRow r;
  r.uid = st.columnText(0);
  r.acctSessionId = st.columnText(1);
  r.username = st.columnText(2);
  r.nas = st.columnText(3);
  r.nasPort = static_cast<uint32_t>(st.columnInt64(4));
  r.nasPortId = st.columnText(5);
  r.framedIp = st.columnText(6);
  r.callingStationId = st.columnText(7);
  r.started = st.columnInt64(8);
  r.updated = st.columnInt64(9);
  r.counters.inputOctets = static_cast<uint64_t>(st.columnInt64(10));
  r.counters.outputOctets = static_cast<uint64_t>(st.columnInt64(11));
  r.counters.inputPackets = static_cast<uint64_t>(st.columnInt64(12));
  r.counters.outputPackets = static_cast<uint64_t>(st.columnInt64(13));
  r.counters.sessionTime = static_cast<uint32_t>(st.columnInt64(14));
  r.nasAddress = st.columnText(15);
  if (history) {
    r.stopped = st.columnInt64(16);
    r.closeReason = st.columnText(17);
    r.state = "closed";
  } else {
    r.state = st.columnText(16);
    r.staleAfter = st.columnInt64(17);
  }
  return r;
}

core::Result<std::vector<SessionRow>> collect(core::Statement& st, bool history) {
  std::vector<SessionRow> out;
  for (;;) {
    core::Result<bool> row = st.step();
    if (!row.isOk()) return row.status();
    if (!*row) return out;
    out.push_back(readRow(st, history));
  }
}

template <class T>
T positive(T a, T b) {
  return a > b ? a - b : 0;
}

Counters delta(const Counters& now, const Counters& before) {
  Counters d;
  d.inputOctets = positive(now.inputOctets, before.inputOctets);
  d.outputOctets = positive(now.outputOctets, before.outputOctets);
  d.inputPackets = positive(now.inputPackets, before.inputPackets);
  d.outputPackets = positive(now.outputPackets, before.outputPackets);
  d.sessionTime = positive(now.sessionTime, before.sessionTime);
  return d;
}

Counters maxOf(const Counters& a, const Counters& b) {
  Counters m;
  m.inputOctets = std::max(a.inputOctets, b.inputOctets);
  m.outputOctets = std::max(a.outputOctets, b.outputOctets);
  m.inputPackets = std::max(a.inputPackets, b.inputPackets);
  m.outputPackets = std::max(a.outputPackets, b.outputPackets);
  m.sessionTime = std::max(a.sessionTime, b.sessionTime);
  return m;
}

bool isZero(const Counters& c) {
  return c.inputOctets == 0 && c.outputOctets == 0 && c.inputPackets == 0 && c.outputPackets == 0 && c.sessionTime == 0;
}

int64_t i64(uint64_t v) { return static_cast<int64_t>(v); }

core::Result<std::optional<SessionRow>> findLive(core::Database& db, const std::string& uid) {
  core::Result<core::Statement> st = db.prepare(std::string("SELECT ") + kLiveColumns + " FROM sessions WHERE uid = ?");
  if (!st.isOk()) return st.status();
  st->bindText(1, uid);
  core::Result<bool> row = st->step();
  if (!row.isOk()) return row.status();
  if (!*row) return std::optional<SessionRow>();
  return std::optional<SessionRow>(readRow(*st, false));
}

struct HistoryHit {
  SessionRow row;
  int64_t id;
};

core::Result<std::optional<HistoryHit>> findLatestHistory(core::Database& db, const std::string& uid) {
  core::Result<core::Statement> st = db.prepare(std::string("SELECT ") + kHistoryColumns +
                                                " FROM session_history WHERE uid = ? ORDER BY id DESC LIMIT 1");
  if (!st.isOk()) return st.status();
  st->bindText(1, uid);
  core::Result<bool> row = st->step();
  if (!row.isOk()) return row.status();
  if (!*row) return std::optional<HistoryHit>();
  HistoryHit h{readRow(*st, true), st->columnInt64(18)};
  return std::optional<HistoryHit>(std::move(h));
}

bool reopenable(const std::string& reason) {
  // Closed by our inference, not by the NAS: a later update proves the session was alive.
  return reason == "stale" || reason == "nas-reboot" || reason == "nas-shutdown";
}

Counters plus(const Counters& a, const Counters& b) {
  Counters s;
  s.inputOctets = a.inputOctets + b.inputOctets;
  s.outputOctets = a.outputOctets + b.outputOctets;
  s.inputPackets = a.inputPackets + b.inputPackets;
  s.outputPackets = a.outputPackets + b.outputPackets;
  s.sessionTime = a.sessionTime + b.sessionTime;
  return s;
}

int64_t dayOf(int64_t unixSeconds) { return unixSeconds >= 0 ? unixSeconds / 86400 : (unixSeconds - 86399) / 86400; }

std::string usageKey(char view, int64_t bucket, const std::string& username) {
  return view + std::to_string(bucket) + '\0' + username;
}

core::Result<int64_t> queryInt(core::Database& db, const std::string& sql) {
  core::Result<core::Statement> st = db.prepare(sql);
  if (!st.isOk()) return st.status();
  core::Result<bool> row = st->step();
  if (!row.isOk()) return row.status();
  return *row ? st->columnInt64(0) : 0;
}

}  // namespace

Ledger::Ledger() : Ledger(Options{}) {}
Ledger::Ledger(Options options) : options_(options) {}

void Ledger::batchSettled(bool committed) {
  if (!committed) ready_ = false;
}

core::Status Ledger::guard(core::Status s) {
  // The job fails and is rolled back to its savepoint: the overlay may hold what it did.
  if (!s.isOk()) ready_ = false;
  return s;
}

core::Status Ledger::ensureReady(core::Database& db) {
  if (ready_) return core::Status::ok();
  return rebuild(db);
}

core::Status Ledger::rebuild(core::Database& db) {
  sessions_.clear();
  usage_.clear();
  order_.clear();
  ++rebuilds_;
  core::Result<int64_t> watermark = queryInt(db, "SELECT flushed_seq FROM ledger_meta WHERE id = 1");
  if (!watermark.isOk()) return watermark.status();
  // sqlite_sequence rather than max(seq): sequence numbers are never reused, even after pruning.
  core::Result<int64_t> last = queryInt(
      db, "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'usage_journal'), 0), "
          "coalesce((SELECT max(seq) FROM usage_journal), 0))");
  if (!last.isOk()) return last.status();
  lastSeq_ = *last;
  journalSeq_.store(lastSeq_, std::memory_order_relaxed);
  prunedStarts_ = 0;  // the next watermark prunes whatever session_starts holds behind it
  EDGE_RETURN_IF_ERROR(loadYoung(db, *watermark));

  core::Result<core::Statement> rows = db.prepare(
      "SELECT seq, at, uid, username, input_octets, output_octets, input_packets, output_packets, session_time "
      "FROM usage_journal WHERE seq > ? ORDER BY seq");
  if (!rows.isOk()) return rows.status();
  rows->bindInt64(1, *watermark);
  auto now = std::chrono::steady_clock::now();
  for (;;) {
    core::Result<bool> more = rows->step();
    if (!more.isOk()) return more.status();
    if (!*more) break;
    int64_t seq = rows->columnInt64(0);
    int64_t at = rows->columnInt64(1);
    std::string uid = rows->columnText(2);
    std::string username = rows->columnText(3);
    Counters d;
    d.inputOctets = static_cast<uint64_t>(rows->columnInt64(4));
    d.outputOctets = static_cast<uint64_t>(rows->columnInt64(5));
    d.inputPackets = static_cast<uint64_t>(rows->columnInt64(6));
    d.outputPackets = static_cast<uint64_t>(rows->columnInt64(7));
    d.sessionTime = static_cast<uint32_t>(rows->columnInt64(8));

    auto it = sessions_.find(uid);
    if (it == sessions_.end()) {
      core::Result<core::Statement> live = db.prepare(
          "SELECT username, input_octets, output_octets, input_packets, output_packets, session_time, updated, "
          "journal_seq FROM sessions WHERE uid = ?");
      if (!live.isOk()) return live.status();
      live->bindText(1, uid);
      core::Result<bool> found = live->step();
      if (!found.isOk()) return found.status();
      if (*found && seq > live->columnInt64(7)) {
        PendingSession p;
        p.username = live->columnText(0);
        p.totals.inputOctets = static_cast<uint64_t>(live->columnInt64(1));
        p.totals.outputOctets = static_cast<uint64_t>(live->columnInt64(2));
        p.totals.inputPackets = static_cast<uint64_t>(live->columnInt64(3));
        p.totals.outputPackets = static_cast<uint64_t>(live->columnInt64(4));
        p.totals.sessionTime = static_cast<uint32_t>(live->columnInt64(5));
        p.updated = live->columnInt64(6);
        p.firstSeq = seq;
        it = sessions_.emplace(uid, std::move(p)).first;
        order_.push_back(Dirty{true, uid, seq, now});
      }
    }
    // (A young session's entry starts at its Start: earlier rows of a reused uid are not its own.)
    if (it != sessions_.end() && seq >= it->second.firstSeq) {
      it->second.totals = plus(it->second.totals, d);
      it->second.updated = std::max(it->second.updated, at);
      it->second.seq = seq;
    }

    core::Result<bool> folded = foldUsage(&db, username, at, d, seq, nullptr);
    if (!folded.isOk()) return folded.status();
  }
  // The young sessions were queued before the replay: put every entry in first-sequence order, as
  // the watermark and the flush expect.
  std::stable_sort(order_.begin(), order_.end(),
                   [](const Dirty& a, const Dirty& b) { return a.firstSeq < b.firstSeq; });
  ready_ = true;
  publish();
  return core::Status::ok();
}

core::Status Ledger::loadYoung(core::Database& db, int64_t watermark) {
  core::Result<core::Statement> starts = db.prepare(
      "SELECT seq, uid, acct_session_id, username, nas, nas_port, nas_port_id, framed_ip, calling_station_id, "
      "nas_address, started, stale_after FROM session_starts WHERE seq > ? ORDER BY seq");
  if (!starts.isOk()) return starts.status();
  starts->bindInt64(1, watermark);
  auto now = std::chrono::steady_clock::now();
  for (;;) {
    core::Result<bool> more = starts->step();
    if (!more.isOk()) return more.status();
    if (!*more) return core::Status::ok();
    int64_t seq = starts->columnInt64(0);
    std::string uid = starts->columnText(1);
    int64_t started = starts->columnInt64(10);
    // Written to `sessions` since (by the flush, or before a close), or closed straight to history.
    core::Result<core::Statement> gone = db.prepare(
        "SELECT EXISTS (SELECT 1 FROM sessions WHERE uid = ?1) OR "
        "EXISTS (SELECT 1 FROM session_history WHERE uid = ?1 AND started = ?2)");
    if (!gone.isOk()) return gone.status();
    gone->bindText(1, uid).bindInt64(2, started);
    core::Result<bool> row = gone->step();
    if (!row.isOk()) return row.status();
    if (*row && gone->columnInt64(0) != 0) continue;
    auto opening = std::make_unique<SessionRow>();
    opening->uid = uid;
    opening->acctSessionId = starts->columnText(2);
    opening->username = starts->columnText(3);
    opening->nas = starts->columnText(4);
    opening->nasPort = static_cast<uint32_t>(starts->columnInt64(5));
    opening->nasPortId = starts->columnText(6);
    opening->framedIp = starts->columnText(7);
    opening->callingStationId = starts->columnText(8);
    opening->nasAddress = starts->columnText(9);
    opening->started = started;
    opening->updated = started;
    opening->staleAfter = starts->columnInt64(11);
    PendingSession p;
    p.username = opening->username;
    p.updated = started;
    p.framedIp = opening->framedIp;
    p.nasAddress = opening->nasAddress;
    p.staleAfter = opening->staleAfter;
    p.firstSeq = seq;
    p.seq = seq;
    p.opening = std::move(opening);
    // The replay that follows folds the session's journal rows, its Start's included, into totals.
    sessions_[uid] = std::move(p);
    order_.push_back(Dirty{true, uid, seq, now});
  }
}

core::Result<bool> Ledger::foldUsage(core::Database* replay, const std::string& username, int64_t at,
                                     const Counters& d, int64_t seq, LedgerChange* change) {
  // Folds into one view's overlay entry; on replay, a row the view already includes is skipped.
  auto fold = [&](const std::string& key, const char* table, const char* bucketColumn, int64_t bucket,
                  const Counters& c) -> core::Result<bool> {
    auto it = usage_.find(key);
    if (it == usage_.end() && replay != nullptr) {
      core::Result<core::Statement> view = replay->prepare(std::string("SELECT journal_seq FROM ") + table +
                                                           " WHERE username = ? AND " + bucketColumn + " = ?");
      if (!view.isOk()) return view.status();
      view->bindText(1, username).bindInt64(2, bucket);
      core::Result<bool> found = view->step();
      if (!found.isOk()) return found.status();
      if (*found && seq <= view->columnInt64(0)) return false;
    }
    if (it == usage_.end()) {
      it = usage_.emplace(key, PendingUsage{}).first;
      it->second.firstSeq = seq;
      order_.push_back(Dirty{false, it->first, seq, std::chrono::steady_clock::now()});
    }
    it->second.sum = plus(it->second.sum, c);
    it->second.seq = seq;
    return true;
  };
  core::Result<bool> daily = fold(usageKey('d', dayOf(at), username), "usage_daily", "day", dayOf(at), d);
  if (!daily.isOk() || !classifier_) return daily;
  std::optional<QuotaSlot> slot = classifier_(username, at);
  if (!slot) return daily;
  Counters counted;
  if (slot->countsData) {
    counted.inputOctets = d.inputOctets;
    counted.outputOctets = d.outputOctets;
  }
  counted.sessionTime = d.sessionTime;
  core::Result<bool> quota =
      fold(usageKey('q', slot->periodStart, username), "quota_usage", "period_start", slot->periodStart, counted);
  if (!quota.isOk()) return quota;
  if (change != nullptr && (counted.inputOctets + counted.outputOctets + counted.sessionTime) != 0)
    change->quota.push_back(
        QuotaDelta{username, slot->periodStart, counted.inputOctets + counted.outputOctets, counted.sessionTime});
  return true;
}

core::Result<int64_t> Ledger::journal(core::Database& db, const AcctRecord& r, const std::string& username,
                                      const Counters& d, bool always, LedgerChange* change) {
  if (!always && isZero(d)) return int64_t{0};
  core::Result<core::Statement> st = db.prepare(
      "INSERT INTO usage_journal(at, uid, username, nas, input_octets, output_octets, input_packets, output_packets, "
      "session_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st.isOk()) return st.status();
  st->bindInt64(1, r.eventTime)
      .bindText(2, r.uid)
      .bindText(3, username)
      .bindText(4, r.nas)
      .bindInt64(5, i64(d.inputOctets))
      .bindInt64(6, i64(d.outputOctets))
      .bindInt64(7, i64(d.inputPackets))
      .bindInt64(8, i64(d.outputPackets))
      .bindInt64(9, d.sessionTime);
  EDGE_RETURN_IF_ERROR(st->run());
  lastSeq_ = db.lastInsertRowId();
  journalSeq_.store(lastSeq_, std::memory_order_relaxed);
  core::Result<bool> folded = foldUsage(nullptr, username, r.eventTime, d, lastSeq_, change);
  if (!folded.isOk()) return folded.status();
  if (change) ++change->journaled;
  return lastSeq_;
}

namespace {

SessionRow rowOf(const AcctRecord& r, int64_t started, const Counters& c) {
  SessionRow row;
  row.uid = r.uid;
  row.acctSessionId = r.acctSessionId;
  row.username = r.username;
  row.nas = r.nas;
  row.nasAddress = r.nasAddress;
  row.nasPort = r.nasPort;
  row.nasPortId = r.nasPortId;
  row.framedIp = r.framedIp;
  row.callingStationId = r.callingStationId;
  row.started = started;
  row.updated = r.eventTime;
  row.staleAfter = r.staleAfter;
  row.counters = c;
  return row;
}

// Binds the columns a live row and a history row share, as parameters 1-16 in this order: uid,
// acct_session_id, username, nas, nas_port, nas_port_id, framed_ip, calling_station_id, started,
// updated, the five counters, nas_address.
core::Statement& bindSession(core::Statement& st, const SessionRow& row) {
  return st.bindText(1, row.uid)
      .bindText(2, row.acctSessionId)
      .bindText(3, row.username)
      .bindText(4, row.nas)
      .bindInt64(5, row.nasPort)
      .bindText(6, row.nasPortId)
      .bindText(7, row.framedIp)
      .bindText(8, row.callingStationId)
      .bindInt64(9, row.started)
      .bindInt64(10, row.updated)
      .bindInt64(11, i64(row.counters.inputOctets))
      .bindInt64(12, i64(row.counters.outputOctets))
      .bindInt64(13, i64(row.counters.inputPackets))
      .bindInt64(14, i64(row.counters.outputPackets))
      .bindInt64(15, row.counters.sessionTime)
      .bindText(16, row.nasAddress);
}

core::Status insertRow(core::Database& db, const SessionRow& row, int64_t journalSeq) {
  core::Result<core::Statement> st = db.prepare(
      "INSERT INTO sessions(uid, acct_session_id, username, nas, nas_port, nas_port_id, framed_ip, calling_station_id, "
      "started, updated, input_octets, output_octets, input_packets, output_packets, session_time, nas_address, "
      "stale_after, journal_seq, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active')");
  if (!st.isOk()) return st.status();
  return bindSession(*st, row).bindInt64(17, row.staleAfter).bindInt64(18, journalSeq).run();
}

}  // namespace

core::Status Ledger::insertLive(core::Database& db, const AcctRecord& r, int64_t started, const Counters& c) {
  // Exact as of the journal so far: journal_seq is the last sequence (call after journal()).
  return insertRow(db, rowOf(r, started, c), lastSeq_);
}

core::Status Ledger::openYoung(core::Database& db, const AcctRecord& r, int64_t started, LedgerChange* change) {
  core::Result<int64_t> seq = journal(db, r, r.username, r.counters, true, change);
  if (!seq.isOk()) return seq.status();
  core::Result<core::Statement> st = db.prepare(
      "INSERT INTO session_starts(seq, uid, acct_session_id, username, nas, nas_port, nas_port_id, framed_ip, "
      "calling_station_id, nas_address, started, stale_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st.isOk()) return st.status();
  auto opening = std::make_unique<SessionRow>(rowOf(r, started, r.counters));
  EDGE_RETURN_IF_ERROR(st->bindInt64(1, *seq)
                           .bindText(2, opening->uid)
                           .bindText(3, opening->acctSessionId)
                           .bindText(4, opening->username)
                           .bindText(5, opening->nas)
                           .bindInt64(6, opening->nasPort)
                           .bindText(7, opening->nasPortId)
                           .bindText(8, opening->framedIp)
                           .bindText(9, opening->callingStationId)
                           .bindText(10, opening->nasAddress)
                           .bindInt64(11, opening->started)
                           .bindInt64(12, opening->staleAfter)
                           .run());
  PendingSession p;
  p.username = r.username;
  p.totals = r.counters;
  p.updated = r.eventTime;
  p.framedIp = r.framedIp;
  p.nasAddress = r.nasAddress;
  p.staleAfter = r.staleAfter;
  p.seq = *seq;
  p.firstSeq = *seq;
  p.opening = std::move(opening);
  sessions_[r.uid] = std::move(p);
  order_.push_back(Dirty{true, r.uid, *seq, std::chrono::steady_clock::now()});
  if (change) change->opened.push_back(r.username);
  return core::Status::ok();
}

core::Status Ledger::insertHistory(core::Database& db, const SessionRow& row) {
  core::Result<core::Statement> st = db.prepare(
      "INSERT INTO session_history(uid, acct_session_id, username, nas, nas_port, nas_port_id, framed_ip, "
      "calling_station_id, started, updated, input_octets, output_octets, input_packets, output_packets, "
      "session_time, nas_address, stopped, close_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st.isOk()) return st.status();
  return bindSession(*st, row).bindInt64(17, row.stopped).bindText(18, row.closeReason).run();
}

SessionRow Ledger::youngRow(const PendingSession& p) {
  SessionRow row = *p.opening;
  row.framedIp = p.framedIp;
  row.nasAddress = p.nasAddress;
  row.staleAfter = p.staleAfter;
  row.updated = p.updated;
  row.counters = p.totals;
  return row;
}

// Moves a live session to history with the given totals (or its own, overlay included).
core::Status Ledger::closeLive(core::Database& db, const std::string& uid, int64_t stopped,
                               const Counters* finalCounters, const std::string& reason) {
  auto pending = sessions_.find(uid);
  if (finalCounters == nullptr && pending != sessions_.end()) finalCounters = &pending->second.totals;
  if (pending != sessions_.end() && pending->second.young()) {
    // Straight from the overlay: a young session never had a `sessions` row.
    SessionRow row = youngRow(pending->second);
    row.counters = *finalCounters;
    row.updated = std::max(row.updated, stopped);
    row.stopped = stopped;
    row.closeReason = reason;
    EDGE_RETURN_IF_ERROR(insertHistory(db, row));
    sessions_.erase(pending);
    return core::Status::ok();
  }
  int64_t updated = pending != sessions_.end() ? pending->second.updated : 0;
  core::Result<core::Statement> ins = db.prepare(
      "INSERT INTO session_history(uid, acct_session_id, username, nas, nas_port, nas_port_id, framed_ip, "
      "calling_station_id, started, updated, stopped, input_octets, output_octets, input_packets, output_packets, "
      "session_time, close_reason, nas_address) SELECT uid, acct_session_id, username, nas, nas_port, nas_port_id, "
      "framed_ip, calling_station_id, started, max(updated, ?2, ?9), ?2, coalesce(?3, input_octets), "
      "coalesce(?4, output_octets), coalesce(?5, input_packets), coalesce(?6, output_packets), "
      "coalesce(?7, session_time), ?8, nas_address FROM sessions WHERE uid = ?1");
  if (!ins.isOk()) return ins.status();
  ins->bindText(1, uid).bindInt64(2, stopped).bindText(8, reason).bindInt64(9, updated);
  if (finalCounters) {
    ins->bindInt64(3, i64(finalCounters->inputOctets))
        .bindInt64(4, i64(finalCounters->outputOctets))
        .bindInt64(5, i64(finalCounters->inputPackets))
        .bindInt64(6, i64(finalCounters->outputPackets))
        .bindInt64(7, finalCounters->sessionTime);
  } else {
    for (int i = 3; i <= 7; ++i) ins->bindNull(i);
  }
  EDGE_RETURN_IF_ERROR(ins->run());
  core::Result<core::Statement> del = db.prepare("DELETE FROM sessions WHERE uid = ?");
  if (!del.isOk()) return del.status();
  EDGE_RETURN_IF_ERROR(del->bindText(1, uid).run());
  if (pending != sessions_.end()) sessions_.erase(pending);
  return core::Status::ok();
}

namespace {
// What the overlay does not carry durably (Framed-IP, NAS address, stale time), written in place:
// in the live row, or in a young session's session_starts row (`youngSeq`).
core::Status updateRowFields(core::Database& db, const AcctRecord& r, int64_t youngSeq) {
  const char* set =
      " SET framed_ip = CASE WHEN ?1 <> '' THEN ?1 ELSE framed_ip END, stale_after = ?2, "
      "nas_address = CASE WHEN ?3 <> '' THEN ?3 ELSE nas_address END";
  core::Result<core::Statement> st =
      db.prepare(youngSeq != 0 ? std::string("UPDATE session_starts") + set + " WHERE seq = ?4"
                               : std::string("UPDATE sessions") + set + " WHERE uid = ?4");
  if (!st.isOk()) return st.status();
  st->bindText(1, r.framedIp).bindInt64(2, r.staleAfter).bindText(3, r.nasAddress);
  if (youngSeq != 0) {
    st->bindInt64(4, youngSeq);
  } else {
    st->bindText(4, r.uid);
  }
  return st->run();
}
}  // namespace

core::Status Ledger::apply(core::Database& db, const AcctRecord& r, LedgerChange* change) {
  EDGE_RETURN_IF_ERROR(guard(ensureReady(db)));
  core::Status s = applyImpl(db, r, change);
  if (s.isOk()) s = flush(db, options_.flushChunk, false);
  publish();
  return guard(s);
}

core::Status Ledger::applyImpl(core::Database& db, const AcctRecord& r, LedgerChange* change) {
  if (r.statusType == kAccountingOn || r.statusType == kAccountingOff)
    return closeNas(db, r.nas, r.eventTime, r.statusType == kAccountingOn ? "nas-reboot" : "nas-shutdown", change);
  if (r.statusType != kStart && r.statusType != kStop && r.statusType != kInterimUpdate)
    return core::invalidArgument(std::string("unsupported Acct-Status-Type ") + std::to_string(r.statusType));

  auto pending = sessions_.find(r.uid);
  std::optional<SessionRow> live;
  if (pending == sessions_.end()) {
    core::Result<std::optional<SessionRow>> found = findLive(db, r.uid);
    if (!found.isOk()) return found.status();
    live = std::move(*found);
  }
  if (pending != sessions_.end() || live) {
    const std::string username = pending != sessions_.end() ? pending->second.username : live->username;
    const Counters current = pending != sessions_.end() ? pending->second.totals : live->counters;
    Counters totals = maxOf(current, r.counters);
    Counters d = delta(r.counters, current);
    if (r.statusType == kStop) {
      core::Result<int64_t> seq = journal(db, r, username, d, false, change);
      if (!seq.isOk()) return seq.status();
      EDGE_RETURN_IF_ERROR(closeLive(db, r.uid, r.eventTime, &totals, terminateCauseName(r.terminateCause)));
      if (change) change->closed.push_back(username);
      return core::Status::ok();
    }
    // An update: one journal row (even without traffic: it carries the time of the update), and
    // the live row follows lazily through the overlay.
    core::Result<int64_t> seq = journal(db, r, username, d, true, change);
    if (!seq.isOk()) return seq.status();
    if (live) {
      PendingSession p;
      p.username = username;
      p.totals = current;
      p.updated = live->updated;
      p.framedIp = live->framedIp;
      p.nasAddress = live->nasAddress;
      p.staleAfter = live->staleAfter;
      p.firstSeq = *seq;
      pending = sessions_.emplace(r.uid, std::move(p)).first;
      order_.push_back(Dirty{true, r.uid, *seq, std::chrono::steady_clock::now()});
    }
    PendingSession& p = pending->second;
    // What the overlay does not carry changes in place, when it changes (rarely).
    if ((!r.framedIp.empty() && r.framedIp != p.framedIp) || (!r.nasAddress.empty() && r.nasAddress != p.nasAddress) ||
        r.staleAfter != p.staleAfter) {
      EDGE_RETURN_IF_ERROR(updateRowFields(db, r, p.young() ? p.firstSeq : 0));
      if (!r.framedIp.empty()) p.framedIp = r.framedIp;
      if (!r.nasAddress.empty()) p.nasAddress = r.nasAddress;
      p.staleAfter = r.staleAfter;
    }
    p.totals = totals;
    p.updated = std::max(p.updated, r.eventTime);
    p.seq = *seq;
    return core::Status::ok();
  }

  // No live session: a first Start, an update or Stop that arrived before (or without) its Start,
  // or a request about a session that was already closed. Journal first, then the row: the row's
  // journal_seq then covers its own journal entry.
  core::Result<std::optional<HistoryHit>> hist = findLatestHistory(db, r.uid);
  if (!hist.isOk()) return hist.status();
  int64_t startedGuess = r.eventTime - static_cast<int64_t>(r.counters.sessionTime);
  if (*hist) {
    const HistoryHit& h = **hist;
    bool closedByUs = reopenable(h.row.closeReason);
    Counters d = delta(r.counters, h.row.counters);
    if (r.statusType == kStart && !closedByUs) {
      // The NAS reuses a session id (after its own restart): a new session.
      return openYoung(db, r, r.eventTime, change);
    }
    if (!closedByUs) return core::Status::ok();  // a retransmission or a late update of a stopped session
    core::Result<int64_t> seq = journal(db, r, h.row.username, d, false, change);
    if (!seq.isOk()) return seq.status();
    Counters totals = maxOf(h.row.counters, r.counters);
    if (r.statusType == kStop) {
      // The NAS's own Stop for a session we closed by inference: its reason and totals win.
      core::Result<core::Statement> st = db.prepare(
          "UPDATE session_history SET input_octets = ?, output_octets = ?, input_packets = ?, output_packets = ?, "
          "session_time = ?, stopped = ?, close_reason = ? WHERE id = ?");
      if (!st.isOk()) return st.status();
      st->bindInt64(1, i64(totals.inputOctets))
          .bindInt64(2, i64(totals.outputOctets))
          .bindInt64(3, i64(totals.inputPackets))
          .bindInt64(4, i64(totals.outputPackets))
          .bindInt64(5, totals.sessionTime)
          .bindInt64(6, r.eventTime)
          .bindText(7, terminateCauseName(r.terminateCause))
          .bindInt64(8, h.id);
      return st->run();
    }
    // An update proves the session alive: reopen it with its original start.
    core::Result<core::Statement> del = db.prepare("DELETE FROM session_history WHERE id = ?");
    if (!del.isOk()) return del.status();
    EDGE_RETURN_IF_ERROR(del->bindInt64(1, h.id).run());
    EDGE_RETURN_IF_ERROR(insertLive(db, r, h.row.started, totals));
    if (change) change->opened.push_back(r.username);
    return core::Status::ok();
  }

  if (r.statusType == kStop) {
    // Stop before (or without) Start: the whole session goes straight to history.
    core::Result<int64_t> seq = journal(db, r, r.username, r.counters, false, change);
    if (!seq.isOk()) return seq.status();
    SessionRow row = rowOf(r, startedGuess, r.counters);
    row.stopped = r.eventTime;
    row.closeReason = terminateCauseName(r.terminateCause);
    return insertHistory(db, row);
  }
  return openYoung(db, r, r.statusType == kStart ? r.eventTime : startedGuess, change);
}

core::Status Ledger::closeWhere(core::Database& db, const std::string& where,
                                const std::function<void(core::Statement&)>& bind, int64_t now,
                                const std::string& reason, LedgerChange* change) {
  core::Result<core::Statement> sel = db.prepare("SELECT uid, username FROM sessions WHERE " + where);
  if (!sel.isOk()) return sel.status();
  bind(*sel);
  std::vector<std::pair<std::string, std::string>> victims;
  for (;;) {
    core::Result<bool> row = sel->step();
    if (!row.isOk()) return row.status();
    if (!*row) break;
    victims.emplace_back(sel->columnText(0), sel->columnText(1));
  }
  sel->reset(true);
  for (const auto& [uid, username] : victims) {
    EDGE_RETURN_IF_ERROR(closeLive(db, uid, now, nullptr, reason));
    if (change) change->closed.push_back(username);
  }
  return core::Status::ok();
}

core::Status Ledger::closeNas(core::Database& db, const std::string& nas, int64_t now, const std::string& reason,
                              LedgerChange* change) {
  EDGE_RETURN_IF_ERROR(flushWhere(db, [&nas](const PendingSession& p) { return p.young() && p.opening->nas == nas; }));
  return closeWhere(
      db, "nas = ?", [&nas](core::Statement& st) { st.bindText(1, nas); }, now, reason, change);
}

core::Status Ledger::closeNasSessions(core::Database& db, const std::string& nas, int64_t now,
                                      const std::string& reason, LedgerChange* change) {
  EDGE_RETURN_IF_ERROR(guard(ensureReady(db)));
  core::Status s = closeNas(db, nas, now, reason, change);
  publish();
  return guard(s);
}

core::Status Ledger::closeExpired(core::Database& db, const std::vector<std::string>& uids, int64_t now,
                                  LedgerChange* change) {
  EDGE_RETURN_IF_ERROR(guard(ensureReady(db)));
  for (const std::string& uid : uids) {
    // Re-checked in the writer's transaction, on the row brought up to date: an update may have
    // arrived since the candidate list.
    EDGE_RETURN_IF_ERROR(guard(flushSession(db, uid)));
    EDGE_RETURN_IF_ERROR(guard(closeWhere(
        db, "uid = ? AND state = 'disconnecting' AND disconnect_deadline <= ?",
        [&](core::Statement& st) { st.bindText(1, uid).bindInt64(2, now); }, now, "admin-disconnect", change)));
    EDGE_RETURN_IF_ERROR(guard(closeWhere(
        db, "uid = ? AND stale_after > 0 AND updated + stale_after <= ?",
        [&](core::Statement& st) { st.bindText(1, uid).bindInt64(2, now); }, now, "stale", change)));
  }
  return core::Status::ok();
}

core::Status Ledger::markDisconnecting(core::Database& db, const std::string& uid, int64_t deadline) {
  EDGE_RETURN_IF_ERROR(guard(ensureReady(db)));
  EDGE_RETURN_IF_ERROR(guard(flushSession(db, uid)));  // a young session gets its row first
  publish();
  core::Result<core::Statement> st =
      db.prepare("UPDATE sessions SET state = 'disconnecting', disconnect_deadline = ? WHERE uid = ?");
  if (!st.isOk()) return st.status();
  return st->bindInt64(1, deadline).bindText(2, uid).run();
}

core::Status Ledger::writeSession(core::Database& db, const std::string& uid, const PendingSession& p) {
  // A young session's row is written whole; its session_starts row goes with the next prune.
  if (p.young()) return insertRow(db, youngRow(p), p.seq);
  core::Result<core::Statement> st = db.prepare(
      "UPDATE sessions SET input_octets = ?, output_octets = ?, input_packets = ?, output_packets = ?, "
      "session_time = ?, updated = max(updated, ?), journal_seq = ? WHERE uid = ?");
  if (!st.isOk()) return st.status();
  return st->bindInt64(1, i64(p.totals.inputOctets))
      .bindInt64(2, i64(p.totals.outputOctets))
      .bindInt64(3, i64(p.totals.inputPackets))
      .bindInt64(4, i64(p.totals.outputPackets))
      .bindInt64(5, p.totals.sessionTime)
      .bindInt64(6, p.updated)
      .bindInt64(7, p.seq)
      .bindText(8, uid)
      .run();
}

core::Status Ledger::writeUsage(core::Database& db, const std::string& key, const PendingUsage& p) {
  size_t nul = key.find('\0');
  std::string username = key.substr(nul + 1);
  int64_t bucket = std::stoll(key.substr(1, nul - 1));
  if (key[0] == 'q') {
    core::Result<core::Statement> st = db.prepare(
        "INSERT INTO quota_usage(username, period_start, input_octets, output_octets, session_time, journal_seq) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(username, period_start) DO UPDATE SET "
        "input_octets = input_octets + excluded.input_octets, output_octets = output_octets + excluded.output_octets, "
        "session_time = session_time + excluded.session_time, journal_seq = excluded.journal_seq");
    if (!st.isOk()) return st.status();
    return st->bindText(1, username)
        .bindInt64(2, bucket)
        .bindInt64(3, i64(p.sum.inputOctets))
        .bindInt64(4, i64(p.sum.outputOctets))
        .bindInt64(5, p.sum.sessionTime)
        .bindInt64(6, p.seq)
        .run();
  }
  core::Result<core::Statement> st = db.prepare(
      "INSERT INTO usage_daily(username, day, input_octets, output_octets, input_packets, output_packets, "
      "session_time, journal_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(username, day) DO UPDATE SET "
      "input_octets = input_octets + excluded.input_octets, output_octets = output_octets + excluded.output_octets, "
      "input_packets = input_packets + excluded.input_packets, "
      "output_packets = output_packets + excluded.output_packets, "
      "session_time = session_time + excluded.session_time, journal_seq = excluded.journal_seq");
  if (!st.isOk()) return st.status();
  return st->bindText(1, username)
      .bindInt64(2, bucket)
      .bindInt64(3, i64(p.sum.inputOctets))
      .bindInt64(4, i64(p.sum.outputOctets))
      .bindInt64(5, i64(p.sum.inputPackets))
      .bindInt64(6, i64(p.sum.outputPackets))
      .bindInt64(7, p.sum.sessionTime)
      .bindInt64(8, p.seq)
      .run();
}

core::Status Ledger::flushSession(core::Database& db, const std::string& uid) {
  auto it = sessions_.find(uid);
  if (it == sessions_.end()) return core::Status::ok();
  EDGE_RETURN_IF_ERROR(writeSession(db, uid, it->second));
  sessions_.erase(it);  // its place in order_ lapses (checked by firstSeq)
  return core::Status::ok();
}

core::Status Ledger::flushWhere(core::Database& db, const std::function<bool(const PendingSession&)>& match) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (match(it->second)) {
      EDGE_RETURN_IF_ERROR(writeSession(db, it->first, it->second));
      it = sessions_.erase(it);  // its place in order_ lapses
    } else {
      ++it;
    }
  }
  return core::Status::ok();
}

core::Status Ledger::flushUser(core::Database& db, const std::string& username) {
  EDGE_RETURN_IF_ERROR(guard(ensureReady(db)));
  core::Status s = flushWhere(db, [&username](const PendingSession& p) { return p.username == username; });
  publish();
  return guard(s);
}

core::Status Ledger::writeWatermark(core::Database& db, bool pruneAll) {
  // Everything before the oldest entry still pending is in the views.
  int64_t watermark = order_.empty() ? lastSeq_ : order_.front().firstSeq - 1;
  core::Result<core::Statement> st = db.prepare("UPDATE ledger_meta SET flushed_seq = ? WHERE id = 1");
  if (!st.isOk()) return st.status();
  EDGE_RETURN_IF_ERROR(st->bindInt64(1, watermark).run());
  // Every young session started after the watermark, so the session_starts rows behind it are of
  // sessions written to `sessions` or closed. Pruned in ranges, from the table's old end (and all
  // of it when the whole overlay was written).
  if (watermark <= prunedStarts_ || (!pruneAll && watermark - prunedStarts_ < 1024)) return core::Status::ok();
  core::Result<core::Statement> prune = db.prepare("DELETE FROM session_starts WHERE seq <= ?");
  if (!prune.isOk()) return prune.status();
  EDGE_RETURN_IF_ERROR(prune->bindInt64(1, watermark).run());
  prunedStarts_ = watermark;
  return core::Status::ok();
}

core::Status Ledger::flushOld(core::Database& db, size_t limit) { return flush(db, limit, false); }

bool Ledger::flushDue() const {
  return ready_ && !order_.empty() && std::chrono::steady_clock::now() - order_.front().since >= options_.flushAge;
}

core::Status Ledger::flushAll(core::Database& db) { return flush(db, 0, true); }

core::Status Ledger::flush(core::Database& db, size_t limit, bool all) {
  if (!all && order_.empty()) return core::Status::ok();
  EDGE_RETURN_IF_ERROR(guard(ensureReady(db)));
  auto now = std::chrono::steady_clock::now();
  size_t written = 0;
  bool moved = false;
  while (!order_.empty()) {
    const Dirty& front = order_.front();
    auto session = front.session ? sessions_.find(front.key) : sessions_.end();
    auto use = front.session ? usage_.end() : usage_.find(front.key);
    bool valid = front.session ? session != sessions_.end() && session->second.firstSeq == front.firstSeq
                               : use != usage_.end() && use->second.firstSeq == front.firstSeq;
    if (valid) {
      if (!all && (written >= limit || now - front.since < options_.flushAge)) break;
      if (front.session) {
        EDGE_RETURN_IF_ERROR(guard(writeSession(db, front.key, session->second)));
        sessions_.erase(session);
      } else {
        EDGE_RETURN_IF_ERROR(guard(writeUsage(db, front.key, use->second)));
        usage_.erase(use);
      }
      ++written;
    }
    order_.pop_front();
    moved = true;
  }
  publish();
  if (!moved && !all) return core::Status::ok();
  return guard(writeWatermark(db, all));
}

core::Result<std::vector<std::string>> expiredSessions(core::Database& db, int64_t now, int64_t limit) {
  core::Result<core::Statement> st = db.prepare(
      "SELECT uid FROM sessions WHERE (state = 'disconnecting' AND disconnect_deadline <= ?1) OR "
      "(stale_after > 0 AND updated + stale_after <= ?1) LIMIT ?2");
  if (!st.isOk()) return st.status();
  st->bindInt64(1, now).bindInt64(2, limit);
  std::vector<std::string> out;
  for (;;) {
    core::Result<bool> row = st->step();
    if (!row.isOk()) return row.status();
    if (!*row) return out;
    out.push_back(st->columnText(0));
  }
}

core::Result<std::vector<SessionRow>> liveSessions(core::Database& db, const std::string& username,
                                                   const std::string& nas) {
  core::Result<core::Statement> st =
      db.prepare(std::string("SELECT ") + kLiveColumns +
                 " FROM sessions WHERE (?1 = '' OR username = ?1) AND (?2 = '' OR nas = ?2) ORDER BY started, uid");
  if (!st.isOk()) return st.status();
  st->bindText(1, username).bindText(2, nas);
  return collect(*st, false);
}

core::Result<SessionRow> findSession(core::Database& db, const std::string& id) {
  if (id.size() < 6) return core::invalidArgument("session id: give at least 6 characters of it");
  core::Result<core::Statement> st = db.prepare(std::string("SELECT ") + kLiveColumns +
                                                " FROM sessions WHERE uid >= ?1 AND uid < ?1 || 'g' LIMIT 2");
  if (!st.isOk()) return st.status();
  st->bindText(1, id);
  core::Result<std::vector<SessionRow>> matches = collect(*st, false);
  if (!matches.isOk()) return matches.status();
  const std::vector<SessionRow>& found = *matches;
  if (found.size() > 1) return core::invalidArgument("session id '" + id + "' is ambiguous; give more of it");
  if (found.size() == 1) return found[0];
  core::Result<core::Statement> h = db.prepare(std::string("SELECT ") + kHistoryColumns +
                                               " FROM session_history WHERE uid >= ?1 AND uid < ?1 || 'g' "
                                               "ORDER BY id DESC LIMIT 1");
  if (!h.isOk()) return h.status();
  h->bindText(1, id);
  core::Result<bool> row = h->step();
  if (!row.isOk()) return row.status();
  if (!*row) return core::notFound("no session '" + id + "'");
  return readRow(*h, true);
}

core::Result<std::vector<SessionRow>> sessionHistory(core::Database& db, const std::string& username, int64_t limit) {
  core::Result<core::Statement> st = db.prepare(std::string("SELECT ") + kHistoryColumns +
                                                " FROM session_history WHERE username = ? ORDER BY stopped DESC, id "
                                                "DESC LIMIT ?");
  if (!st.isOk()) return st.status();
  st->bindText(1, username).bindInt64(2, limit);
  return collect(*st, true);
}

core::Result<Counters> usageBetween(core::Database& db, const std::string& username, int64_t from, int64_t to) {
  core::Result<core::Statement> st = db.prepare(
      "SELECT coalesce(sum(input_octets),0), coalesce(sum(output_octets),0), coalesce(sum(input_packets),0), "
      "coalesce(sum(output_packets),0), coalesce(sum(session_time),0) FROM usage_daily "
      "WHERE username = ? AND day >= ? AND day <= ?");
  if (!st.isOk()) return st.status();
  st->bindText(1, username).bindInt64(2, dayOf(from)).bindInt64(3, dayOf(to - 1));
  core::Result<bool> row = st->step();
  if (!row.isOk()) return row.status();
  Counters c;
  c.inputOctets = static_cast<uint64_t>(st->columnInt64(0));
  c.outputOctets = static_cast<uint64_t>(st->columnInt64(1));
  c.inputPackets = static_cast<uint64_t>(st->columnInt64(2));
  c.outputPackets = static_cast<uint64_t>(st->columnInt64(3));
  c.sessionTime = static_cast<uint32_t>(st->columnInt64(4));
  return c;
}

core::Result<std::vector<std::pair<std::string, uint32_t>>> liveSessionCounts(core::Database& db) {
  core::Result<core::Statement> st = db.prepare("SELECT username, count(*) FROM sessions GROUP BY username");
  if (!st.isOk()) return st.status();
  std::vector<std::pair<std::string, uint32_t>> out;
  for (;;) {
    core::Result<bool> row = st->step();
    if (!row.isOk()) return row.status();
    if (!*row) break;
    out.emplace_back(st->columnText(0), static_cast<uint32_t>(st->columnInt64(1)));
  }
  return out;
}

core::Result<std::vector<QuotaRow>> quotaUsageSince(core::Database& db, int64_t since) {
  core::Result<core::Statement> st = db.prepare(
      "SELECT username, period_start, input_octets + output_octets, session_time FROM quota_usage "
      "WHERE period_start >= ? ORDER BY username, period_start");
  if (!st.isOk()) return st.status();
  st->bindInt64(1, since);
  std::vector<QuotaRow> out;
  for (;;) {
    core::Result<bool> row = st->step();
    if (!row.isOk()) return row.status();
    if (!*row) return out;
    out.push_back(QuotaRow{st->columnText(0), st->columnInt64(1), static_cast<uint64_t>(st->columnInt64(2)),
                           static_cast<uint64_t>(st->columnInt64(3))});
  }
}

}  // namespace aaa::acct
