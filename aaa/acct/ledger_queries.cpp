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
    core::Result<bool> row = st.step();
    if (!row.isOk()) return row.status();
    if (!*row) return out;
    out.push_back(readRow(st, history));
  }
}

}  // namespace

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
