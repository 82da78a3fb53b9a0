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
  };
  return m;
}

namespace {

constexpr const char* kLiveColumns =
    "uid, acct_session_id, username, nas, nas_port, nas_port_id, framed_ip, calling_station_id, started, updated, "
    "input_octets, output_octets, input_packets, output_packets, session_time, nas_address, state";
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

core::Status journal(core::Database& db, const AcctRecord& r, const std::string& username, const Counters& d,
                     LedgerChange* change) {
  if (isZero(d)) return core::Status::ok();
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
  if (change) ++change->journaled;
  return core::Status::ok();
}

core::Status insertLive(core::Database& db, const AcctRecord& r, int64_t started, const Counters& c) {
  core::Result<core::Statement> st = db.prepare(
      "INSERT INTO sessions(uid, acct_session_id, username, nas, nas_port, nas_port_id, framed_ip, calling_station_id, "
      "started, updated, input_octets, output_octets, input_packets, output_packets, session_time, state, stale_after, "
      "nas_address) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)");
  if (!st.isOk()) return st.status();
  st->bindText(1, r.uid)
      .bindText(2, r.acctSessionId)
      .bindText(3, r.username)
      .bindText(4, r.nas)
      .bindInt64(5, r.nasPort)
      .bindText(6, r.nasPortId)
      .bindText(7, r.framedIp)
      .bindText(8, r.callingStationId)
      .bindInt64(9, started)
      .bindInt64(10, r.eventTime)
      .bindInt64(11, i64(c.inputOctets))
      .bindInt64(12, i64(c.outputOctets))
      .bindInt64(13, i64(c.inputPackets))
      .bindInt64(14, i64(c.outputPackets))
      .bindInt64(15, c.sessionTime)
      .bindInt64(16, r.staleAfter)
      .bindText(17, r.nasAddress);
  return st->run();
}

core::Status updateLive(core::Database& db, const AcctRecord& r, const Counters& c) {
  core::Result<core::Statement> st = db.prepare(
      "UPDATE sessions SET updated = max(updated, ?), input_octets = ?, output_octets = ?, input_packets = ?, "
      "output_packets = ?, session_time = ?, framed_ip = CASE WHEN ? <> '' THEN ? ELSE framed_ip END, "
      "stale_after = ?, nas_address = CASE WHEN ? <> '' THEN ? ELSE nas_address END WHERE uid = ?");
  if (!st.isOk()) return st.status();
  st->bindInt64(1, r.eventTime)
      .bindInt64(2, i64(c.inputOctets))
      .bindInt64(3, i64(c.outputOctets))
      .bindInt64(4, i64(c.inputPackets))
      .bindInt64(5, i64(c.outputPackets))
      .bindInt64(6, c.sessionTime)
      .bindText(7, r.framedIp)
      .bindText(8, r.framedIp)
      .bindInt64(9, r.staleAfter)
      .bindText(10, r.nasAddress)
      .bindText(11, r.nasAddress)
      .bindText(12, r.uid);
  return st->run();
}

// Moves a live session to history with the given totals.
core::Status closeLive(core::Database& db, const std::string& uid, int64_t stopped, const Counters* finalCounters,
                       const std::string& reason) {
  core::Result<core::Statement> ins = db.prepare(
      "INSERT INTO session_history(uid, acct_session_id, username, nas, nas_port, nas_port_id, framed_ip, "
      "calling_station_id, started, updated, stopped, input_octets, output_octets, input_packets, output_packets, "
      "session_time, close_reason, nas_address) SELECT uid, acct_session_id, username, nas, nas_port, nas_port_id, "
      "framed_ip, calling_station_id, started, max(updated, ?2), ?2, coalesce(?3, input_octets), "
      "coalesce(?4, output_octets), coalesce(?5, input_packets), coalesce(?6, output_packets), "
      "coalesce(?7, session_time), ?8, nas_address FROM sessions WHERE uid = ?1");
  if (!ins.isOk()) return ins.status();
  ins->bindText(1, uid).bindInt64(2, stopped).bindText(8, reason);
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
  return del->bindText(1, uid).run();
}

bool reopenable(const std::string& reason) {
  // Closed by our inference, not by the NAS: a later update proves the session was alive.
  return reason == "stale" || reason == "nas-reboot" || reason == "nas-shutdown";
}

}  // namespace

core::Status apply(core::Database& db, const AcctRecord& r, LedgerChange* change) {
  if (r.statusType == kAccountingOn || r.statusType == kAccountingOff)
    return closeNasSessions(db, r.nas, r.eventTime, r.statusType == kAccountingOn ? "nas-reboot" : "nas-shutdown", change);
  if (r.statusType != kStart && r.statusType != kStop && r.statusType != kInterimUpdate)
    return core::invalidArgument(std::string("unsupported Acct-Status-Type ") + std::to_string(r.statusType));

  core::Result<std::optional<SessionRow>> live = findLive(db, r.uid);
  if (!live.isOk()) return live.status();
  if (*live) {
    const SessionRow& s = **live;
    Counters totals = maxOf(s.counters, r.counters);
    Counters d = delta(r.counters, s.counters);
    EDGE_RETURN_IF_ERROR(journal(db, r, s.username, d, change));
    if (r.statusType == kStop) {
      EDGE_RETURN_IF_ERROR(closeLive(db, r.uid, r.eventTime, &totals, terminateCauseName(r.terminateCause)));
      if (change) change->closed.push_back(s.username);
      return core::Status::ok();
    }
    return updateLive(db, r, totals);
  }

  // No live session: a first Start, an update or Stop that arrived before (or without) its Start,
  // or a request about a session that was already closed.
  core::Result<std::optional<HistoryHit>> hist = findLatestHistory(db, r.uid);
  if (!hist.isOk()) return hist.status();
  int64_t startedGuess = r.eventTime - static_cast<int64_t>(r.counters.sessionTime);
  if (*hist) {
    const HistoryHit& h = **hist;
    bool closedByUs = reopenable(h.row.closeReason);
    Counters d = delta(r.counters, h.row.counters);
    if (r.statusType == kStart && !closedByUs) {
      // The NAS reuses a session id (after its own restart): a new session.
      EDGE_RETURN_IF_ERROR(insertLive(db, r, r.eventTime, r.counters));
      EDGE_RETURN_IF_ERROR(journal(db, r, r.username, r.counters, change));
      if (change) change->opened.push_back(r.username);
      return core::Status::ok();
    }
    if (!closedByUs) return core::Status::ok();  // a retransmission or a late update of a stopped session
    EDGE_RETURN_IF_ERROR(journal(db, r, h.row.username, d, change));
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

  EDGE_RETURN_IF_ERROR(journal(db, r, r.username, r.counters, change));
  if (r.statusType == kStop) {
    // Stop before (or without) Start: the whole session goes straight to history.
    EDGE_RETURN_IF_ERROR(insertLive(db, r, startedGuess, r.counters));
    return closeLive(db, r.uid, r.eventTime, &r.counters, terminateCauseName(r.terminateCause));
  }
  EDGE_RETURN_IF_ERROR(insertLive(db, r, r.statusType == kStart ? r.eventTime : startedGuess, r.counters));
  if (change) change->opened.push_back(r.username);
  return core::Status::ok();
}

namespace {
core::Status closeWhere(core::Database& db, const std::string& where, const std::function<void(core::Statement&)>& bind,
                        int64_t now, const std::string& reason, LedgerChange* change) {
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
}  // namespace

core::Status closeNasSessions(core::Database& db, const std::string& nas, int64_t now, const std::string& reason,
                              LedgerChange* change) {
  return closeWhere(db, "nas = ?", [&nas](core::Statement& st) { st.bindText(1, nas); }, now, reason, change);
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

core::Status closeExpired(core::Database& db, const std::vector<std::string>& uids, int64_t now,
                          LedgerChange* change) {
  for (const std::string& uid : uids) {
    // Re-checked in the writer's transaction: an update may have arrived since the candidate list.
    EDGE_RETURN_IF_ERROR(closeWhere(
        db, "uid = ? AND state = 'disconnecting' AND disconnect_deadline <= ?",
        [&](core::Statement& st) { st.bindText(1, uid).bindInt64(2, now); }, now, "admin-disconnect", change));
    EDGE_RETURN_IF_ERROR(closeWhere(
        db, "uid = ? AND stale_after > 0 AND updated + stale_after <= ?",
        [&](core::Statement& st) { st.bindText(1, uid).bindInt64(2, now); }, now, "stale", change));
  }
  return core::Status::ok();
}

core::Status markDisconnecting(core::Database& db, const std::string& uid, int64_t deadline) {
  core::Result<core::Statement> st =
      db.prepare("UPDATE sessions SET state = 'disconnecting', disconnect_deadline = ? WHERE uid = ?");
  if (!st.isOk()) return st.status();
  return st->bindInt64(1, deadline).bindText(2, uid).run();
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
      "coalesce(sum(output_packets),0), coalesce(sum(session_time),0) FROM usage_journal "
      "WHERE username = ? AND at >= ? AND at < ?");
  if (!st.isOk()) return st.status();
  st->bindText(1, username).bindInt64(2, from).bindInt64(3, to);
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

}  // namespace aaa::acct
