// The ledger's reads for screens: a filtered, sorted, counted page of the live sessions, the live
// sessions per NAS and a subscriber's usage per day (aaa/acct/ledger.h).
#include <algorithm>
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

// At most this many matches, a MAC filter reads the matching rows through the MAC index (a scan
// of the index, then one lookup each); more, and one scan of the table costs less.
constexpr int64_t kMacLookupsAtMost = 2000;

// The conditions of the filters given (none: every row, and SQLite counts without looking into
// them). Parameters ?1 user pattern, ?2 nas, ?3 ip prefix, ?4 the MAC's digits. `macByIndex`: the
// MAC condition as a lookup of the uids the index holds.
std::string whereOf(const SessionQuery& q, bool macByIndex, const std::string& more = "") {
  std::string w;
  auto add = [&w](const std::string& condition) { w += (w.empty() ? " WHERE " : " AND ") + condition; };
  if (!q.user.empty()) add("username LIKE ?1 ESCAPE '\\'");  // any ASCII case, as before
  if (!q.nas.empty()) add("nas = ?2");
  if (!q.ip.empty()) add("substr(framed_ip, 1, length(?3)) = ?3");
  // Separators and case ignored, whatever the NAS wrote (pairs with ':' or '-', Cisco's groups of four
  // with '.', none): `mac` holds the Calling-Station-Id so (ledger migration 7), and its index is
  // narrow enough that counting through it costs a few milliseconds at 100,000 sessions.
  if (!hexDigits(q.mac).empty())
    add(macByIndex ? "uid IN (SELECT uid FROM sessions WHERE instr(mac, ?4) > 0)" : "instr(mac, ?4) > 0");
  if (!more.empty()) add(more);
  return w;
}

void bindFilter(core::Statement& st, const SessionQuery& q) {
  if (!q.user.empty()) st.bindText(1, containsPattern(q.user));
  if (!q.nas.empty()) st.bindText(2, q.nas);
  if (!q.ip.empty()) st.bindText(3, q.ip);
  if (!hexDigits(q.mac).empty()) st.bindText(4, hexDigits(q.mac));
}

// The sort's order, or its reverse (a page before a key is read backwards, then turned around).
const char* orderOf(SessionQuery::Sort sort, bool reverse) {
  switch (sort) {
    case SessionQuery::Sort::kBytes:
      return reverse ? " ORDER BY input_octets + output_octets, uid DESC" : " ORDER BY input_octets + output_octets DESC, uid";
    case SessionQuery::Sort::kUser:
      return reverse ? " ORDER BY username DESC, started, uid DESC" : " ORDER BY username, started DESC, uid";
    case SessionQuery::Sort::kStarted: break;
  }
  return reverse ? " ORDER BY started, uid DESC" : " ORDER BY started DESC, uid";
}

// Rows after the key ?7 (number), ?8 (username), ?9 (uid) in the sort's order, or before it.
std::string keyCondition(SessionQuery::Sort sort, bool before) {
  const char* older = before ? ">" : "<";  // a number further down the order (newer, fewer bytes...)
  const char* later = before ? "<" : ">";  // uid and username ascend
  std::string number = sort == SessionQuery::Sort::kBytes ? "input_octets + output_octets" : "started";
  std::string byNumber = "(" + number + " " + older + " ?7 OR (" + number + " = ?7 AND uid " + later + " ?9))";
  if (sort != SessionQuery::Sort::kUser) return byNumber;
  return std::string("(username ") + later + " ?8 OR (username = ?8 AND " + byNumber + "))";
}

}  // namespace

SessionKey sessionKeyOf(const SessionRow& row, SessionQuery::Sort sort) {
  SessionKey k;
  k.number = sort == SessionQuery::Sort::kBytes
                 ? static_cast<int64_t>(row.counters.inputOctets + row.counters.outputOctets)
                 : row.started;
  if (sort == SessionQuery::Sort::kUser) k.username = row.username;
  k.uid = row.uid;
  return k;
}

core::Result<SessionPage> liveSessionPage(core::Database& db, const SessionQuery& query) {
  if (query.limit < 1 || query.offset < 0) return core::invalidArgument("a page needs limit >= 1 and offset >= 0");
  if (query.after && query.before) return core::invalidArgument("a page comes after a key or before one, not both");
  const std::optional<SessionKey>& key = query.after ? query.after : query.before;
  const bool backwards = query.before.has_value();
  SessionPage page;
  // Rows and count in one read transaction, so the count is the count of the rows' snapshot.
  EDGE_RETURN_IF_ERROR(db.exec("BEGIN"));
  auto read = [&]() -> core::Status {
    EDGE_ASSIGN_OR_RETURN(core::Statement count, db.prepare("SELECT count(*) FROM sessions" + whereOf(query, false)));
    bindFilter(count, query);
    EDGE_RETURN_IF_ERROR(count.step().status());
    page.total = count.columnInt64(0);
    if (page.total == 0 || (!key && query.offset >= page.total)) return core::Status::ok();
    const bool macByIndex = page.total <= kMacLookupsAtMost;
    std::string sql = std::string("SELECT ") + kLiveColumns + " FROM sessions" +
                      whereOf(query, macByIndex, key ? keyCondition(query.sort, backwards) : "") +
                      orderOf(query.sort, backwards) + " LIMIT ?5 OFFSET ?6";
    EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(sql));
    bindFilter(st, query);
    st.bindInt64(5, query.limit).bindInt64(6, key ? 0 : query.offset);
    if (key) st.bindInt64(7, key->number).bindText(8, key->username).bindText(9, key->uid);
    for (;;) {
      EDGE_ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      page.rows.push_back(readRow(st, false));
    }
    if (backwards) std::reverse(page.rows.begin(), page.rows.end());
    return core::Status::ok();
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
