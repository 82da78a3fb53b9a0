#include "edge/radius/quota_store.h"

namespace edge {

core::Result<bool> insertTopup(core::Database& db, const TopupRow& t) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st,
                        db.prepare("INSERT INTO topups(username, period_start, bytes, seconds, validity_seconds, note, "
                                   "created_at, ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"));
  EDGE_RETURN_IF_ERROR(st.bindText(1, t.username)
                           .bindInt64(2, t.periodStart)
                           .bindInt64(3, static_cast<int64_t>(t.bytes))
                           .bindInt64(4, static_cast<int64_t>(t.seconds))
                           .bindInt64(5, static_cast<int64_t>(t.validitySeconds))
                           .bindText(6, t.note)
                           .bindInt64(7, t.createdAt)
                           .bindText(8, t.ref)
                           .run());
  return db.changes() == 1;
}

core::Result<std::vector<TopupSum>> topupsSince(core::Database& db, int64_t since) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st,
                        db.prepare("SELECT username, period_start, sum(bytes), sum(seconds) FROM topups WHERE "
                                   "period_start >= ? GROUP BY username, period_start ORDER BY username, period_start"));
  st.bindInt64(1, since);
  std::vector<TopupSum> out;
  for (;;) {
    EDGE_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return out;
    out.push_back(TopupSum{st.columnText(0), st.columnInt64(1), static_cast<uint64_t>(st.columnInt64(2)),
                           static_cast<uint64_t>(st.columnInt64(3))});
  }
}

core::Status recordFirstLogin(core::Database& db, int64_t subscriberId, int64_t at, const std::string& mac) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st,
                        db.prepare("UPDATE subscribers SET first_login = ?1, mac = CASE WHEN mac = '' THEN ?2 ELSE mac "
                                   "END WHERE id = ?3 AND first_login = 0"));
  return st.bindInt64(1, at).bindText(2, mac).bindInt64(3, subscriberId).run();
}

}  // namespace edge
