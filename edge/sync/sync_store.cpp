#include "edge/sync/sync_store.h"

namespace edge::sync {

core::Result<std::optional<SyncStateRow>> loadState(core::Database& db) {
  EDGE_ASSIGN_OR_RETURN(
      core::Statement st,
      db.prepare("SELECT device_id, tenant_id, tenant_name, url, enrolled_at, cursor, usage_watermark, "
                 "event_watermark, poll_interval, last_success, last_attempt, last_error, failures, session_watermark "
                 "FROM sync_state WHERE id = 1"));
  EDGE_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return std::optional<SyncStateRow>();
  SyncStateRow s;
  s.deviceId = st.columnText(0);
  s.tenantId = st.columnText(1);
  s.tenantName = st.columnText(2);
  s.url = st.columnText(3);
  s.enrolledAt = st.columnInt64(4);
  s.cursor = st.columnInt64(5);
  s.usageWatermark = st.columnInt64(6);
  s.eventWatermark = st.columnInt64(7);
  s.pollInterval = st.columnInt64(8);
  s.lastSuccess = st.columnInt64(9);
  s.lastAttempt = st.columnInt64(10);
  s.lastError = st.columnText(11);
  s.failures = st.columnInt64(12);
  s.sessionWatermark = st.columnInt64(13);
  st.reset();
  return std::optional<SyncStateRow>(std::move(s));
}

core::Status saveProgress(core::Database& db, const SyncStateRow& s) {
  EDGE_ASSIGN_OR_RETURN(
      core::Statement up,
      db.prepare("UPDATE sync_state SET cursor = ?, usage_watermark = ?, event_watermark = ?, poll_interval = ?, "
                 "last_success = ?, last_attempt = ?, last_error = ?, failures = ?, session_watermark = ? "
                 "WHERE id = 1 AND device_id = ?"));
  up.bindInt64(1, s.cursor).bindInt64(2, s.usageWatermark).bindInt64(3, s.eventWatermark)
      .bindInt64(4, s.pollInterval).bindInt64(5, s.lastSuccess).bindInt64(6, s.lastAttempt)
      .bindText(7, s.lastError).bindInt64(8, s.failures).bindInt64(9, s.sessionWatermark)
      .bindText(10, s.deviceId);
  return up.run();
}

core::Status saveEnrollment(core::Database& db, const SyncStateRow& s) {
  EDGE_ASSIGN_OR_RETURN(
      core::Statement st,
      db.prepare("INSERT INTO sync_state(id, device_id, tenant_id, tenant_name, url, enrolled_at, cursor, "
                 "usage_watermark, event_watermark, poll_interval, last_success, last_attempt, last_error, failures, "
                 "session_watermark) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                 "device_id = excluded.device_id, tenant_id = excluded.tenant_id, tenant_name = excluded.tenant_name, "
                 "url = excluded.url, enrolled_at = excluded.enrolled_at, cursor = excluded.cursor, "
                 "usage_watermark = excluded.usage_watermark, event_watermark = excluded.event_watermark, "
                 "poll_interval = excluded.poll_interval, last_success = excluded.last_success, "
                 "last_attempt = excluded.last_attempt, last_error = excluded.last_error, failures = excluded.failures, "
                 "session_watermark = excluded.session_watermark"));
  st.bindText(1, s.deviceId).bindText(2, s.tenantId).bindText(3, s.tenantName).bindText(4, s.url)
      .bindInt64(5, s.enrolledAt).bindInt64(6, s.cursor).bindInt64(7, s.usageWatermark).bindInt64(8, s.eventWatermark)
      .bindInt64(9, s.pollInterval).bindInt64(10, s.lastSuccess).bindInt64(11, s.lastAttempt).bindText(12, s.lastError)
      .bindInt64(13, s.failures).bindInt64(14, s.sessionWatermark);
  return st.run();
}

core::Status clearStreams(core::Database& db) { return db.exec("DELETE FROM sync_records; DELETE FROM sync_outbox;"); }

core::Status rememberRecord(core::Database& db, const std::string& kind, const std::string& name, int64_t version) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare("INSERT OR REPLACE INTO sync_records VALUES (?, ?, ?)"));
  st.bindText(1, kind).bindText(2, name).bindInt64(3, version);
  return st.run();
}

core::Status forgetRecord(core::Database& db, const std::string& kind, const std::string& name) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare("DELETE FROM sync_records WHERE kind = ? AND name = ?"));
  st.bindText(1, kind).bindText(2, name);
  return st.run();
}

core::Result<std::vector<std::pair<std::string, std::string>>> records(core::Database& db) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare("SELECT kind, name FROM sync_records ORDER BY kind DESC"));
  std::vector<std::pair<std::string, std::string>> out;
  for (;;) {
    EDGE_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return out;
    out.emplace_back(st.columnText(0), st.columnText(1));
  }
}

core::Result<int64_t> appendOutbox(core::Database& db, int64_t at, const std::string& kind, const std::string& data,
                                   int64_t limit) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare("INSERT INTO sync_outbox(at, kind, data) VALUES (?, ?, ?)"));
  st.bindInt64(1, at).bindText(2, kind).bindText(3, data);
  EDGE_RETURN_IF_ERROR(st.run());
  int64_t seq = db.lastInsertRowId();
  EDGE_ASSIGN_OR_RETURN(core::Statement trim, db.prepare("DELETE FROM sync_outbox WHERE seq <= ?"));
  trim.bindInt64(1, seq - limit);
  EDGE_RETURN_IF_ERROR(trim.run());
  return static_cast<int64_t>(db.changes());
}

core::Result<std::vector<OutboxEntry>> outboxAfter(core::Database& db, int64_t afterSeq, int64_t limit) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st,
                        db.prepare("SELECT seq, at, kind, data FROM sync_outbox WHERE seq > ? ORDER BY seq LIMIT ?"));
  st.bindInt64(1, afterSeq).bindInt64(2, limit);
  std::vector<OutboxEntry> out;
  for (;;) {
    EDGE_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return out;
    out.push_back(OutboxEntry{st.columnInt64(0), st.columnInt64(1), st.columnText(2), st.columnText(3)});
  }
}

core::Result<int64_t> outboxCountAfter(core::Database& db, int64_t afterSeq) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare("SELECT count(*) FROM sync_outbox WHERE seq > ?"));
  st.bindInt64(1, afterSeq);
  EDGE_ASSIGN_OR_RETURN(bool row, st.step());
  return row ? st.columnInt64(0) : int64_t{0};
}

}  // namespace edge::sync
