// The ledger's reads for screens: a filtered, sorted, counted page of the live sessions, the live
// sessions per NAS and a subscriber's usage per day (aaa/acct/ledger.h).
#include <cctype>
#include <string>

#include "aaa/acct/ledger.h"
#include "aaa/acct/ledger_rows.h"

namespace aaa::acct {

using detail::dayOf;
using detail::kLiveColumns;
using detail::readRow;

namespace {

// A MAC address or a part of one as the filter compares it: hex digits, lower case.
std::string hexDigits(const std::string& s) {
  std::string out;
  for (unsigned char c : s)
    if (std::isxdigit(c)) out.push_back(static_cast<char>(std::tolower(c)));
  return out;
}

// `text` as a LIKE pattern that finds it anywhere: % and _ and \ escaped (ESCAPE '\').
std::string containsPattern(const std::string& text) {
  std::string p = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') p += '\\';
    p += c;
  }
  return p + "%";
}

// The WHERE clause of the filters given (none: every row, and SQLite counts without looking into
// them). Parameters ?1 user pattern, ?2 nas, ?3 ip prefix, ?4 the MAC's digits.
std::string whereOf(const SessionQuery& q) {
  std::string w;
  auto add = [&w](const std::string& condition) { w += (w.empty() ? " WHERE " : " AND ") + condition; };
  if (!q.user.empty()) add("username LIKE ?1 ESCAPE '\\'");  // any ASCII case, as before
  if (!q.nas.empty()) add("nas = ?2");
  if (!q.ip.empty()) add("substr(framed_ip, 1, length(?3)) = ?3");
  // Separators and case ignored, whatever the NAS wrote (pairs with ':' or '-', Cisco's groups of four
  // with '.', none): the slowest filter (each row's MAC is copied four times; a set of LIKE patterns,
  // one per way of writing it, measured slower still).
  if (!hexDigits(q.mac).empty())
    add("instr(replace(replace(replace(lower(calling_station_id), ':', ''), '-', ''), '.', ''), ?4) > 0");
  return w;
}

void bindFilter(core::Statement& st, const SessionQuery& q) {
  if (!q.user.empty()) st.bindText(1, containsPattern(q.user));
  if (!q.nas.empty()) st.bindText(2, q.nas);
  if (!q.ip.empty()) st.bindText(3, q.ip);
  if (!hexDigits(q.mac).empty()) st.bindText(4, hexDigits(q.mac));
}

const char* orderOf(SessionQuery::Sort sort) {
  switch (sort) {
    case SessionQuery::Sort::kBytes: return " ORDER BY input_octets + output_octets DESC, uid";
    case SessionQuery::Sort::kUser: return " ORDER BY username, started DESC, uid";
    case SessionQuery::Sort::kStarted: break;
  }
  return " ORDER BY started DESC, uid";
}

}  // namespace

core::Result<SessionPage> liveSessionPage(core::Database& db, const SessionQuery& query) {
  if (query.limit < 1 || query.offset < 0) return core::invalidArgument("a page needs limit >= 1 and offset >= 0");
  SessionPage page;
  // Rows and count in one read transaction, so the count is the count of the rows' snapshot.
  EDGE_RETURN_IF_ERROR(db.exec("BEGIN"));
  auto read = [&]() -> core::Status {
    EDGE_ASSIGN_OR_RETURN(core::Statement count, db.prepare("SELECT count(*) FROM sessions" + whereOf(query)));
    bindFilter(count, query);
    EDGE_RETURN_IF_ERROR(count.step().status());
    page.total = count.columnInt64(0);
    if (query.offset >= page.total) return core::Status::ok();
    EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(std::string("SELECT ") + kLiveColumns + " FROM sessions" +
                                                         whereOf(query) + orderOf(query.sort) + " LIMIT ?5 OFFSET ?6"));
    bindFilter(st, query);
    st.bindInt64(5, query.limit).bindInt64(6, query.offset);
    for (;;) {
      EDGE_ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) return core::Status::ok();
      page.rows.push_back(readRow(st, false));
    }
  };
  core::Status s = read();
  core::Status end = db.exec("COMMIT");
  EDGE_RETURN_IF_ERROR(s);
  EDGE_RETURN_IF_ERROR(end);
  return page;
}

core::Result<std::vector<std::pair<std::string, int64_t>>> liveSessionsPerNas(core::Database& db) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st,
                        db.prepare("SELECT nas, count(*) AS n FROM sessions GROUP BY nas ORDER BY n DESC, nas"));
  std::vector<std::pair<std::string, int64_t>> out;
  for (;;) {
    EDGE_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return out;
    out.emplace_back(st.columnText(0), st.columnInt64(1));
  }
}

core::Result<std::vector<DayUsage>> dailyUsage(core::Database& db, const std::string& username, int64_t from,
                                               int64_t to) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(
      "SELECT day, input_octets, output_octets, input_packets, output_packets, session_time FROM usage_daily "
      "WHERE username = ? AND day >= ? AND day <= ? ORDER BY day"));
  st.bindText(1, username).bindInt64(2, dayOf(from)).bindInt64(3, dayOf(to - 1));
  std::vector<DayUsage> out;
  for (;;) {
    EDGE_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return out;
    DayUsage d;
    d.dayStart = st.columnInt64(0) * 86400;
    d.counters.inputOctets = static_cast<uint64_t>(st.columnInt64(1));
    d.counters.outputOctets = static_cast<uint64_t>(st.columnInt64(2));
    d.counters.inputPackets = static_cast<uint64_t>(st.columnInt64(3));
    d.counters.outputPackets = static_cast<uint64_t>(st.columnInt64(4));
    d.counters.sessionTime = static_cast<uint32_t>(st.columnInt64(5));
    out.push_back(d);
  }
}

}  // namespace aaa::acct
