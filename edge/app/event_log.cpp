#include "edge/app/event_log.h"

namespace edge {

namespace {

// LIKE with '\' as its escape: the person's % and _ are literal.
std::string likeLiteral(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

core::Result<core::Json> readEvents(core::Database& db, const EventFilter& f) {
  std::string kindPattern = f.kind;
  bool prefix = !kindPattern.empty() && kindPattern.back() == '*';
  if (prefix) kindPattern = likeLiteral(kindPattern.substr(0, kindPattern.size() - 1)) + "%";
  EDGE_ASSIGN_OR_RETURN(
      core::Statement st,
      db.prepare(std::string("SELECT id, at, kind, detail FROM events WHERE id > ?1 ") +
                 (f.kind.empty() ? "" : prefix ? "AND kind LIKE ?2 ESCAPE '\\' " : "AND kind = ?2 ") +
                 (f.search.empty() ? "" : "AND detail LIKE ?3 ESCAPE '\\' ") + (f.since.empty() ? "" : "AND at >= ?4 ") +
                 "ORDER BY id DESC LIMIT ?5"));
  st.bindInt64(1, f.after);
  if (!f.kind.empty()) st.bindText(2, kindPattern);
  if (!f.search.empty()) st.bindText(3, "%" + likeLiteral(f.search) + "%");
  if (!f.since.empty()) st.bindText(4, f.since);
  st.bindInt64(5, f.limit);
  core::Json rows = core::Json::array();
  for (;;) {
    EDGE_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return rows;
    rows.push_back(core::Json{{"id", st.columnInt64(0)}, {"at", st.columnText(1)}, {"kind", st.columnText(2)},
                              {"detail", st.columnText(3)}});
  }
}

}  // namespace edge

namespace edge {

core::Result<std::string> normalizeSince(const std::string& text) {
  std::string t = text;
  if (!t.empty() && (t.back() == 'Z' || t.back() == 'z')) t.pop_back();
  if (t.size() == 10) t += "T00:00:00";
  else if (t.size() == 16) t += ":00";
  static const char* shape = "dddd-dd-ddTdd:dd:dd";
  bool ok = t.size() == 19;
  for (size_t i = 0; ok && i < t.size(); ++i)
    ok = shape[i] == 'd' ? (t[i] >= '0' && t[i] <= '9') : (t[i] == shape[i] || (shape[i] == 'T' && t[i] == ' '));
  if (!ok) return core::invalidArgument("since must be a time like 2026-12-07T10:30 (UTC), not '" + text + "'");
  t[10] = 'T';
  return t + "Z";
}

}  // namespace edge
