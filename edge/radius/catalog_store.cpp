#include "edge/radius/catalog_store.h"

namespace edge {

namespace {

// The WHERE clause of a filter: written out only for the fields given, so that a prefix search
// stays a range scan of the username index. Parameters: ?1 status, ?2 prefix.
std::string whereOf(const SubscriberFilter& f) {
  std::string where = " WHERE 1=1";
  if (f.planId) where += " AND plan_id = " + std::to_string(*f.planId);
  if (f.status) where += " AND status = ?1";
  if (f.prefix) where += " AND username >= ?2 AND username < ?2 || char(1114111)";
  return where;
}

void bindFilter(core::Statement& st, const SubscriberFilter& f) {
  if (f.status) st.bindText(1, *f.status);
  if (f.prefix) st.bindText(2, *f.prefix);
}

}  // namespace

core::Result<int64_t> countSubscribers(core::Database& db, const SubscriberFilter& filter) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare("SELECT count(*) FROM subscribers" + whereOf(filter)));
  bindFilter(st, filter);
  EDGE_RETURN_IF_ERROR(st.step().status());
  return st.columnInt64(0);
}

core::Result<std::vector<std::string>> subscriberNames(core::Database& db, const SubscriberFilter& filter, int64_t limit,
                                                       int64_t offset) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare("SELECT username FROM subscribers" + whereOf(filter) +
                                                       " ORDER BY username LIMIT ?3 OFFSET ?4"));
  bindFilter(st, filter);
  st.bindInt64(3, limit).bindInt64(4, offset);
  std::vector<std::string> out;
  for (;;) {
    EDGE_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return out;
    out.push_back(st.columnText(0));
  }
}

}  // namespace edge
