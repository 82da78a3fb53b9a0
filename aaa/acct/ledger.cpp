// The ledger's write path (aaa/acct/ledger.h): accounting records journaled and applied, new sessions
// opened young, sessions closed to history (by their Stop, their NAS, or expiry). Beside it:
// ledger_views.cpp (the overlay, its replay and flush), ledger_queries.cpp (reads), ledger_schema.cpp.
#include "aaa/acct/ledger.h"

#include <mbedtls/md5.h>

#include <algorithm>

#include "aaa/acct/ledger_rows.h"
#include "core/ids.h"

namespace aaa::acct {

using detail::bindSession;
using detail::i64;
using detail::insertRow;
using detail::kHistoryColumns;
using detail::kLiveColumns;
using detail::readRow;

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

namespace {

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

core::Result<std::optional<SessionRow>> findLive(core::Database& db, const std::string& uid) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st,
                        db.prepare(std::string("SELECT ") + kLiveColumns + " FROM sessions WHERE uid = ?"));
  st.bindText(1, uid);
  EDGE_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return std::optional<SessionRow>();
  return std::optional<SessionRow>(readRow(st, false));
}

struct HistoryHit {
  SessionRow row;
  int64_t id;
};

core::Result<std::optional<HistoryHit>> findLatestHistory(core::Database& db, const std::string& uid) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(std::string("SELECT ") + kHistoryColumns +
                                                       " FROM session_history WHERE uid = ? ORDER BY id DESC LIMIT 1"));
  st.bindText(1, uid);
  EDGE_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return std::optional<HistoryHit>();
  HistoryHit h{readRow(st, true), st.columnInt64(18)};
  return std::optional<HistoryHit>(std::move(h));
}

bool reopenable(const std::string& reason) {
  // Closed by our inference, not by the NAS: a later update proves the session was alive.
  return reason == "stale" || reason == "nas-reboot" || reason == "nas-shutdown";
}

}  // namespace

Ledger::Ledger() : Ledger(Options{}) {}
Ledger::Ledger(Options options) : options_(options) {}

core::Result<int64_t> Ledger::journal(core::Database& db, const AcctRecord& r, const std::string& username,
                                      const Counters& d, bool always, LedgerChange* change) {
  if (!always && isZero(d)) return int64_t{0};
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(
      "INSERT INTO usage_journal(at, uid, username, nas, input_octets, output_octets, input_packets, output_packets, "
      "session_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st.bindInt64(1, r.eventTime)
      .bindText(2, r.uid)
      .bindText(3, username)
      .bindText(4, r.nas)
      .bindInt64(5, i64(d.inputOctets))
      .bindInt64(6, i64(d.outputOctets))
      .bindInt64(7, i64(d.inputPackets))
      .bindInt64(8, i64(d.outputPackets))
      .bindInt64(9, d.sessionTime);
  EDGE_RETURN_IF_ERROR(st.run());
  lastSeq_ = db.lastInsertRowId();
  journalSeq_.store(lastSeq_, std::memory_order_relaxed);
  EDGE_RETURN_IF_ERROR(foldUsage(nullptr, username, r.eventTime, d, lastSeq_, change).status());
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

}  // namespace

core::Status Ledger::insertLive(core::Database& db, const AcctRecord& r, int64_t started, const Counters& c) {
  // Exact as of the journal so far: journal_seq is the last sequence (call after journal()).
  return insertRow(db, rowOf(r, started, c), lastSeq_);
}

core::Status Ledger::openYoung(core::Database& db, const AcctRecord& r, int64_t started, LedgerChange* change) {
  EDGE_ASSIGN_OR_RETURN(int64_t seq, journal(db, r, r.username, r.counters, true, change));
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(
      "INSERT INTO session_starts(seq, uid, acct_session_id, username, nas, nas_port, nas_port_id, framed_ip, "
      "calling_station_id, nas_address, started, stale_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  auto opening = std::make_unique<SessionRow>(rowOf(r, started, r.counters));
  EDGE_RETURN_IF_ERROR(st.bindInt64(1, seq)
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
  p.seq = seq;
  p.firstSeq = seq;
  p.opening = std::move(opening);
  sessions_[r.uid] = std::move(p);
  order_.push_back(Dirty{true, r.uid, seq, std::chrono::steady_clock::now()});
  if (change) change->opened.push_back(r.username);
  return core::Status::ok();
}

core::Status Ledger::insertHistory(core::Database& db, const SessionRow& row) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(
      "INSERT INTO session_history(uid, acct_session_id, username, nas, nas_port, nas_port_id, framed_ip, "
      "calling_station_id, started, updated, input_octets, output_octets, input_packets, output_packets, "
      "session_time, nas_address, stopped, close_reason) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  return bindSession(st, row).bindInt64(17, row.stopped).bindText(18, row.closeReason).run();
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
  EDGE_ASSIGN_OR_RETURN(core::Statement ins, db.prepare(
      "INSERT INTO session_history(uid, acct_session_id, username, nas, nas_port, nas_port_id, framed_ip, "
      "calling_station_id, started, updated, stopped, input_octets, output_octets, input_packets, output_packets, "
      "session_time, close_reason, nas_address) SELECT uid, acct_session_id, username, nas, nas_port, nas_port_id, "
      "framed_ip, calling_station_id, started, max(updated, ?2, ?9), ?2, coalesce(?3, input_octets), "
      "coalesce(?4, output_octets), coalesce(?5, input_packets), coalesce(?6, output_packets), "
      "coalesce(?7, session_time), ?8, nas_address FROM sessions WHERE uid = ?1"));
  ins.bindText(1, uid).bindInt64(2, stopped).bindText(8, reason).bindInt64(9, updated);
  if (finalCounters) {
    ins.bindInt64(3, i64(finalCounters->inputOctets))
        .bindInt64(4, i64(finalCounters->outputOctets))
        .bindInt64(5, i64(finalCounters->inputPackets))
        .bindInt64(6, i64(finalCounters->outputPackets))
        .bindInt64(7, finalCounters->sessionTime);
  } else {
    for (int i = 3; i <= 7; ++i) ins.bindNull(i);
  }
  EDGE_RETURN_IF_ERROR(ins.run());
  EDGE_ASSIGN_OR_RETURN(core::Statement del, db.prepare("DELETE FROM sessions WHERE uid = ?"));
  EDGE_RETURN_IF_ERROR(del.bindText(1, uid).run());
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
  EDGE_ASSIGN_OR_RETURN(core::Statement st,
                        db.prepare(youngSeq != 0 ? std::string("UPDATE session_starts") + set + " WHERE seq = ?4"
                                                 : std::string("UPDATE sessions") + set + " WHERE uid = ?4"));
  st.bindText(1, r.framedIp).bindInt64(2, r.staleAfter).bindText(3, r.nasAddress);
  if (youngSeq != 0) {
    st.bindInt64(4, youngSeq);
  } else {
    st.bindText(4, r.uid);
  }
  return st.run();
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
    EDGE_ASSIGN_OR_RETURN(std::optional<SessionRow> found, findLive(db, r.uid));
    live = std::move(found);
  }
  if (pending != sessions_.end() || live) {
    const std::string username = pending != sessions_.end() ? pending->second.username : live->username;
    const Counters current = pending != sessions_.end() ? pending->second.totals : live->counters;
    Counters totals = maxOf(current, r.counters);
    Counters d = delta(r.counters, current);
    if (r.statusType == kStop) {
      EDGE_RETURN_IF_ERROR(journal(db, r, username, d, false, change).status());
      EDGE_RETURN_IF_ERROR(closeLive(db, r.uid, r.eventTime, &totals, terminateCauseName(r.terminateCause)));
      if (change) change->closed.push_back(username);
      return core::Status::ok();
    }
    // An update: one journal row (even without traffic: it carries the time of the update), and
    // the live row follows lazily through the overlay.
    EDGE_ASSIGN_OR_RETURN(int64_t seq, journal(db, r, username, d, true, change));
    if (live) {
      PendingSession p;
      p.username = username;
      p.totals = current;
      p.updated = live->updated;
      p.framedIp = live->framedIp;
      p.nasAddress = live->nasAddress;
      p.staleAfter = live->staleAfter;
      p.firstSeq = seq;
      pending = sessions_.emplace(r.uid, std::move(p)).first;
      order_.push_back(Dirty{true, r.uid, seq, std::chrono::steady_clock::now()});
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
    p.seq = seq;
    return core::Status::ok();
  }

  // No live session: a first Start, an update or Stop that arrived before (or without) its Start,
  // or a request about a session that was already closed. Journal first, then the row: the row's
  // journal_seq then covers its own journal entry.
  EDGE_ASSIGN_OR_RETURN(std::optional<HistoryHit> hist, findLatestHistory(db, r.uid));
  int64_t startedGuess = r.eventTime - static_cast<int64_t>(r.counters.sessionTime);
  if (hist) {
    const HistoryHit& h = *hist;
    bool closedByUs = reopenable(h.row.closeReason);
    Counters d = delta(r.counters, h.row.counters);
    if (r.statusType == kStart && !closedByUs) {
      // The NAS reuses a session id (after its own restart): a new session.
      return openYoung(db, r, r.eventTime, change);
    }
    if (!closedByUs) return core::Status::ok();  // a retransmission or a late update of a stopped session
    EDGE_RETURN_IF_ERROR(journal(db, r, h.row.username, d, false, change).status());
    Counters totals = maxOf(h.row.counters, r.counters);
    if (r.statusType == kStop) {
      // The NAS's own Stop for a session we closed by inference: its reason and totals win.
      EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(
          "UPDATE session_history SET input_octets = ?, output_octets = ?, input_packets = ?, output_packets = ?, "
          "session_time = ?, stopped = ?, close_reason = ? WHERE id = ?"));
      st.bindInt64(1, i64(totals.inputOctets))
          .bindInt64(2, i64(totals.outputOctets))
          .bindInt64(3, i64(totals.inputPackets))
          .bindInt64(4, i64(totals.outputPackets))
          .bindInt64(5, totals.sessionTime)
          .bindInt64(6, r.eventTime)
          .bindText(7, terminateCauseName(r.terminateCause))
          .bindInt64(8, h.id);
      return st.run();
    }
    // An update proves the session alive: reopen it with its original start.
    EDGE_ASSIGN_OR_RETURN(core::Statement del, db.prepare("DELETE FROM session_history WHERE id = ?"));
    EDGE_RETURN_IF_ERROR(del.bindInt64(1, h.id).run());
    EDGE_RETURN_IF_ERROR(insertLive(db, r, h.row.started, totals));
    if (change) change->opened.push_back(r.username);
    return core::Status::ok();
  }

  if (r.statusType == kStop) {
    // Stop before (or without) Start: the whole session goes straight to history.
    EDGE_RETURN_IF_ERROR(journal(db, r, r.username, r.counters, false, change).status());
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
  EDGE_ASSIGN_OR_RETURN(core::Statement sel, db.prepare("SELECT uid, username FROM sessions WHERE " + where));
  bind(sel);
  std::vector<std::pair<std::string, std::string>> victims;
  for (;;) {
    EDGE_ASSIGN_OR_RETURN(bool row, sel.step());
    if (!row) break;
    victims.emplace_back(sel.columnText(0), sel.columnText(1));
  }
  sel.reset(true);
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
  EDGE_ASSIGN_OR_RETURN(core::Statement st,
                        db.prepare("UPDATE sessions SET state = 'disconnecting', disconnect_deadline = ? WHERE uid = ?"));
  return st.bindInt64(1, deadline).bindText(2, uid).run();
}

}  // namespace aaa::acct
