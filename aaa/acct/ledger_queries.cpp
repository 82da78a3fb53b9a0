// The ledger's reads, on a read connection (exact once the writer flushed the overlay).
#include "aaa/acct/ledger.h"
#include "aaa/acct/ledger_rows.h"

namespace aaa::acct {

using detail::dayOf;
using detail::kHistoryColumns;
using detail::kLiveColumns;
using detail::readRow;

namespace {

core::Result<std::vector<SessionRow>> collect(core::Statement& st, bool history) {
  std::vector<SessionRow> out;
  for (;;) {
    EDGE_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return out;
    out.push_back(readRow(st, history));
  }
}

}  // namespace

core::Result<std::vector<std::string>> expiredSessions(core::Database& db, int64_t now, int64_t limit) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(
      "SELECT uid FROM sessions WHERE (state = 'disconnecting' AND disconnect_deadline <= ?1) OR "
      "(stale_after > 0 AND updated + stale_after <= ?1) LIMIT ?2"));
  st.bindInt64(1, now).bindInt64(2, limit);
  std::vector<std::string> out;
  for (;;) {
    EDGE_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return out;
    out.push_back(st.columnText(0));
  }
}

core::Result<std::vector<SessionRow>> liveSessions(core::Database& db, const std::string& username,
                                                   const std::string& nas) {
  EDGE_ASSIGN_OR_RETURN(
      core::Statement st,
      db.prepare(std::string("SELECT ") + kLiveColumns +
                 " FROM sessions WHERE (?1 = '' OR username = ?1) AND (?2 = '' OR nas = ?2) ORDER BY started, uid"));
  st.bindText(1, username).bindText(2, nas);
  return collect(st, false);
}

core::Result<std::vector<SessionRow>> liveSessionsNow(core::Database& db, const std::string& nas) {
  // One statement, so one read snapshot. `base` is the last journal row a live row holds (a young
  // session's: the one before its Start); the journal past the watermark (flushed_seq) is all a view
  // may lack, so only that tail is joined.
  EDGE_ASSIGN_OR_RETURN(
      core::Statement st,
      db.prepare(
          "WITH w(seq) AS (SELECT flushed_seq FROM ledger_meta WHERE id = 1), "
          "tail AS MATERIALIZED (SELECT uid, seq, at, input_octets, output_octets, input_packets, output_packets, "
          "  session_time FROM usage_journal WHERE seq > (SELECT seq FROM w)), "
          "r AS ("
          "  SELECT uid, acct_session_id, username, nas, nas_port, nas_port_id, framed_ip, calling_station_id, started, "
          "    updated, input_octets, output_octets, input_packets, output_packets, session_time, nas_address, state, "
          "    stale_after, journal_seq AS base FROM sessions WHERE ?1 = '' OR nas = ?1 "
          "  UNION ALL "
          "  SELECT uid, acct_session_id, username, nas, nas_port, nas_port_id, framed_ip, calling_station_id, started, "
          "    started, 0, 0, 0, 0, 0, nas_address, 'active', stale_after, seq - 1 FROM session_starts st "
          "  WHERE seq > (SELECT seq FROM w) AND (?1 = '' OR nas = ?1) "
          "    AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.uid = st.uid) "
          "    AND NOT EXISTS (SELECT 1 FROM session_history h WHERE h.uid = st.uid AND h.started = st.started)) "
          "SELECT r.uid, r.acct_session_id, r.username, r.nas, r.nas_port, r.nas_port_id, r.framed_ip, "
          "  r.calling_station_id, r.started, max(r.updated, coalesce(max(t.at), 0)), "
          "  r.input_octets + coalesce(sum(t.input_octets), 0), r.output_octets + coalesce(sum(t.output_octets), 0), "
          "  r.input_packets + coalesce(sum(t.input_packets), 0), r.output_packets + coalesce(sum(t.output_packets), 0), "
          "  r.session_time + coalesce(sum(t.session_time), 0), r.nas_address, r.state, r.stale_after "
          "FROM r LEFT JOIN tail t ON t.uid = r.uid AND t.seq > r.base "
          "GROUP BY r.uid, r.base ORDER BY r.started, r.uid"));
  st.bindText(1, nas);
  return collect(st, false);
}

core::Result<SessionRow> findSession(core::Database& db, const std::string& id) {
  if (id.size() < 6) return core::invalidArgument("session id: give at least 6 characters of it");
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(std::string("SELECT ") + kLiveColumns +
                                                       " FROM sessions WHERE uid >= ?1 AND uid < ?1 || 'g' LIMIT 2"));
  st.bindText(1, id);
  EDGE_ASSIGN_OR_RETURN(std::vector<SessionRow> found, collect(st, false));
  if (found.size() > 1) return core::invalidArgument("session id '" + id + "' is ambiguous; give more of it");
  if (found.size() == 1) return found[0];
  EDGE_ASSIGN_OR_RETURN(core::Statement h, db.prepare(std::string("SELECT ") + kHistoryColumns +
                                                      " FROM session_history WHERE uid >= ?1 AND uid < ?1 || 'g' "
                                                      "ORDER BY id DESC LIMIT 1"));
  h.bindText(1, id);
  EDGE_ASSIGN_OR_RETURN(bool row, h.step());
  if (!row) return core::notFound("no session '" + id + "'");
  return readRow(h, true);
}

core::Result<std::vector<SessionRow>> sessionHistory(core::Database& db, const std::string& username, int64_t limit) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(std::string("SELECT ") + kHistoryColumns +
                                                       " FROM session_history WHERE username = ? "
                                                       "ORDER BY stopped DESC, id DESC LIMIT ?"));
  st.bindText(1, username).bindInt64(2, limit);
  return collect(st, true);
}

core::Result<Counters> usageBetween(core::Database& db, const std::string& username, int64_t from, int64_t to) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(
      "SELECT coalesce(sum(input_octets),0), coalesce(sum(output_octets),0), coalesce(sum(input_packets),0), "
      "coalesce(sum(output_packets),0), coalesce(sum(session_time),0) FROM usage_daily "
      "WHERE username = ? AND day >= ? AND day <= ?"));
  st.bindText(1, username).bindInt64(2, dayOf(from)).bindInt64(3, dayOf(to - 1));
  EDGE_RETURN_IF_ERROR(st.step().status());
  Counters c;
  c.inputOctets = static_cast<uint64_t>(st.columnInt64(0));
  c.outputOctets = static_cast<uint64_t>(st.columnInt64(1));
  c.inputPackets = static_cast<uint64_t>(st.columnInt64(2));
  c.outputPackets = static_cast<uint64_t>(st.columnInt64(3));
  c.sessionTime = static_cast<uint32_t>(st.columnInt64(4));
  return c;
}

core::Result<std::vector<std::pair<std::string, uint32_t>>> liveSessionCounts(core::Database& db) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare("SELECT username, count(*) FROM sessions GROUP BY username"));
  std::vector<std::pair<std::string, uint32_t>> out;
  for (;;) {
    EDGE_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    out.emplace_back(st.columnText(0), static_cast<uint32_t>(st.columnInt64(1)));
  }
  return out;
}

core::Result<std::vector<QuotaRow>> quotaUsageSince(core::Database& db, int64_t since) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(
      "SELECT username, period_start, input_octets + output_octets, session_time FROM quota_usage "
      "WHERE period_start >= ? ORDER BY username, period_start"));
  st.bindInt64(1, since);
  std::vector<QuotaRow> out;
  for (;;) {
    EDGE_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return out;
    out.push_back(QuotaRow{st.columnText(0), st.columnInt64(1), static_cast<uint64_t>(st.columnInt64(2)),
                           static_cast<uint64_t>(st.columnInt64(3))});
  }
}

core::Result<std::vector<JournalRow>> journalAfter(core::Database& db, int64_t afterSeq, int64_t limit) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st,
                        db.prepare("SELECT seq, at, uid, username, nas, input_octets, output_octets, input_packets, "
                                   "output_packets, session_time FROM usage_journal WHERE seq > ? ORDER BY seq LIMIT ?"));
  st.bindInt64(1, afterSeq).bindInt64(2, limit);
  std::vector<JournalRow> out;
  for (;;) {
    EDGE_ASSIGN_OR_RETURN(bool more, st.step());
    if (!more) return out;
    JournalRow r;
    r.seq = st.columnInt64(0);
    r.at = st.columnInt64(1);
    r.uid = st.columnText(2);
    r.username = st.columnText(3);
    r.nas = st.columnText(4);
    r.counters.inputOctets = static_cast<uint64_t>(st.columnInt64(5));
    r.counters.outputOctets = static_cast<uint64_t>(st.columnInt64(6));
    r.counters.inputPackets = static_cast<uint64_t>(st.columnInt64(7));
    r.counters.outputPackets = static_cast<uint64_t>(st.columnInt64(8));
    r.counters.sessionTime = static_cast<uint32_t>(st.columnInt64(9));
    out.push_back(std::move(r));
  }
}

core::Result<int64_t> lastJournalSeq(core::Database& db) {
  return db.queryInt64("SELECT coalesce(max(seq), 0) FROM usage_journal");
}

core::Result<std::vector<SessionRow>> closedSessionsAfter(core::Database& db, int64_t afterId, int64_t limit) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(std::string("SELECT ") + kHistoryColumns +
                                                       " FROM session_history WHERE id > ? ORDER BY id LIMIT ?"));
  st.bindInt64(1, afterId).bindInt64(2, limit);
  return collect(st, true);
}

}  // namespace aaa::acct
