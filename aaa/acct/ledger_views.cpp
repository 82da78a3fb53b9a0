// The ledger's overlay and lazy views (ADR 0006): rebuilt by replaying the journal past the
// watermark, folded into per-day and per-period usage, flushed to the view tables in chunks.
#include "aaa/acct/ledger.h"

#include <algorithm>

#include "aaa/acct/ledger_rows.h"

namespace aaa::acct {

using detail::dayOf;
using detail::i64;
using detail::insertRow;

namespace {

Counters plus(const Counters& a, const Counters& b) {
  Counters s;
  s.inputOctets = a.inputOctets + b.inputOctets;
  s.outputOctets = a.outputOctets + b.outputOctets;
  s.inputPackets = a.inputPackets + b.inputPackets;
  s.outputPackets = a.outputPackets + b.outputPackets;
  s.sessionTime = a.sessionTime + b.sessionTime;
  return s;
}

std::string usageKey(char view, int64_t bucket, const std::string& username) {
  return view + std::to_string(bucket) + '\0' + username;
}

core::Result<int64_t> queryInt(core::Database& db, const std::string& sql) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(sql));
  EDGE_ASSIGN_OR_RETURN(bool row, st.step());
  return row ? st.columnInt64(0) : 0;
}

}  // namespace

void Ledger::batchSettled(bool committed) {
  if (!committed) ready_ = false;
}

core::Status Ledger::guard(core::Status s) {
  // The job fails and is rolled back to its savepoint: the overlay may hold what it did.
  if (!s.isOk()) ready_ = false;
  return s;
}

core::Status Ledger::ensureReady(core::Database& db) {
  if (ready_) return core::Status::ok();
  return rebuild(db);
}

core::Status Ledger::rebuild(core::Database& db) {
  sessions_.clear();
  usage_.clear();
  order_.clear();
  ++rebuilds_;
  EDGE_ASSIGN_OR_RETURN(int64_t watermark, queryInt(db, "SELECT flushed_seq FROM ledger_meta WHERE id = 1"));
  // sqlite_sequence rather than max(seq): sequence numbers are never reused, even after pruning.
  EDGE_ASSIGN_OR_RETURN(int64_t last, queryInt(
      db, "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'usage_journal'), 0), "
          "coalesce((SELECT max(seq) FROM usage_journal), 0))"));
  lastSeq_ = last;
  journalSeq_.store(lastSeq_, std::memory_order_relaxed);
  prunedStarts_ = 0;  // the next watermark prunes whatever session_starts holds behind it
  EDGE_RETURN_IF_ERROR(loadYoung(db, watermark));

  EDGE_ASSIGN_OR_RETURN(core::Statement rows, db.prepare(
      "SELECT seq, at, uid, username, input_octets, output_octets, input_packets, output_packets, session_time "
      "FROM usage_journal WHERE seq > ? ORDER BY seq"));
  rows.bindInt64(1, watermark);
  auto now = std::chrono::steady_clock::now();
  for (;;) {
    EDGE_ASSIGN_OR_RETURN(bool more, rows.step());
    if (!more) break;
    int64_t seq = rows.columnInt64(0);
    int64_t at = rows.columnInt64(1);
    std::string uid = rows.columnText(2);
    std::string username = rows.columnText(3);
    Counters d;
    d.inputOctets = static_cast<uint64_t>(rows.columnInt64(4));
    d.outputOctets = static_cast<uint64_t>(rows.columnInt64(5));
    d.inputPackets = static_cast<uint64_t>(rows.columnInt64(6));
    d.outputPackets = static_cast<uint64_t>(rows.columnInt64(7));
    d.sessionTime = static_cast<uint32_t>(rows.columnInt64(8));

    auto it = sessions_.find(uid);
    if (it == sessions_.end()) {
      EDGE_ASSIGN_OR_RETURN(core::Statement live, db.prepare(
          "SELECT username, input_octets, output_octets, input_packets, output_packets, session_time, updated, "
          "journal_seq FROM sessions WHERE uid = ?"));
      live.bindText(1, uid);
      EDGE_ASSIGN_OR_RETURN(bool found, live.step());
      if (found && seq > live.columnInt64(7)) {
        PendingSession p;
        p.username = live.columnText(0);
        p.totals.inputOctets = static_cast<uint64_t>(live.columnInt64(1));
        p.totals.outputOctets = static_cast<uint64_t>(live.columnInt64(2));
        p.totals.inputPackets = static_cast<uint64_t>(live.columnInt64(3));
        p.totals.outputPackets = static_cast<uint64_t>(live.columnInt64(4));
        p.totals.sessionTime = static_cast<uint32_t>(live.columnInt64(5));
        p.updated = live.columnInt64(6);
        p.firstSeq = seq;
        it = sessions_.emplace(uid, std::move(p)).first;
        order_.push_back(Dirty{true, uid, seq, now});
      }
    }
    // (A young session's entry starts at its Start: earlier rows of a reused uid are not its own.)
    if (it != sessions_.end() && seq >= it->second.firstSeq) {
      it->second.totals = plus(it->second.totals, d);
      it->second.updated = std::max(it->second.updated, at);
      it->second.seq = seq;
    }

    EDGE_RETURN_IF_ERROR(foldUsage(&db, username, at, d, seq, nullptr).status());
  }
  // The young sessions were queued before the replay: put every entry in first-sequence order, as
  // the watermark and the flush expect.
  std::stable_sort(order_.begin(), order_.end(),
                   [](const Dirty& a, const Dirty& b) { return a.firstSeq < b.firstSeq; });
  ready_ = true;
  publish();
  return core::Status::ok();
}

core::Status Ledger::loadYoung(core::Database& db, int64_t watermark) {
  EDGE_ASSIGN_OR_RETURN(core::Statement starts, db.prepare(
      "SELECT seq, uid, acct_session_id, username, nas, nas_port, nas_port_id, framed_ip, calling_station_id, "
      "nas_address, started, stale_after FROM session_starts WHERE seq > ? ORDER BY seq"));
  starts.bindInt64(1, watermark);
  auto now = std::chrono::steady_clock::now();
  for (;;) {
    EDGE_ASSIGN_OR_RETURN(bool more, starts.step());
    if (!more) return core::Status::ok();
    int64_t seq = starts.columnInt64(0);
    std::string uid = starts.columnText(1);
    int64_t started = starts.columnInt64(10);
    // Written to `sessions` since (by the flush, or before a close), or closed straight to history.
    EDGE_ASSIGN_OR_RETURN(core::Statement gone, db.prepare(
        "SELECT EXISTS (SELECT 1 FROM sessions WHERE uid = ?1) OR "
        "EXISTS (SELECT 1 FROM session_history WHERE uid = ?1 AND started = ?2)"));
    gone.bindText(1, uid).bindInt64(2, started);
    EDGE_ASSIGN_OR_RETURN(bool row, gone.step());
    if (row && gone.columnInt64(0) != 0) continue;
    auto opening = std::make_unique<SessionRow>();
    opening->uid = uid;
    opening->acctSessionId = starts.columnText(2);
    opening->username = starts.columnText(3);
    opening->nas = starts.columnText(4);
    opening->nasPort = static_cast<uint32_t>(starts.columnInt64(5));
    opening->nasPortId = starts.columnText(6);
    opening->framedIp = starts.columnText(7);
    opening->callingStationId = starts.columnText(8);
    opening->nasAddress = starts.columnText(9);
    opening->started = started;
    opening->updated = started;
    opening->staleAfter = starts.columnInt64(11);
    PendingSession p;
    p.username = opening->username;
    p.updated = started;
    p.framedIp = opening->framedIp;
    p.nasAddress = opening->nasAddress;
    p.staleAfter = opening->staleAfter;
    p.firstSeq = seq;
    p.seq = seq;
    p.opening = std::move(opening);
    // The replay that follows folds the session's journal rows, its Start's included, into totals.
    sessions_[uid] = std::move(p);
    order_.push_back(Dirty{true, uid, seq, now});
  }
}

core::Result<bool> Ledger::foldUsage(core::Database* replay, const std::string& username, int64_t at,
                                     const Counters& d, int64_t seq, LedgerChange* change) {
  // Folds into one view's overlay entry; on replay, a row the view already includes is skipped.
  auto fold = [&](const std::string& key, const char* table, const char* bucketColumn, int64_t bucket,
                  const Counters& c) -> core::Result<bool> {
    auto it = usage_.find(key);
    if (it == usage_.end() && replay != nullptr) {
      EDGE_ASSIGN_OR_RETURN(core::Statement view, replay->prepare(std::string("SELECT journal_seq FROM ") + table +
                                                                  " WHERE username = ? AND " + bucketColumn + " = ?"));
      view.bindText(1, username).bindInt64(2, bucket);
      EDGE_ASSIGN_OR_RETURN(bool found, view.step());
      if (found && seq <= view.columnInt64(0)) return false;
    }
    if (it == usage_.end()) {
      it = usage_.emplace(key, PendingUsage{}).first;
      it->second.firstSeq = seq;
      order_.push_back(Dirty{false, it->first, seq, std::chrono::steady_clock::now()});
    }
    it->second.sum = plus(it->second.sum, c);
    it->second.seq = seq;
    return true;
  };
  EDGE_ASSIGN_OR_RETURN(bool daily, fold(usageKey('d', dayOf(at), username), "usage_daily", "day", dayOf(at), d));
  if (!classifier_) return daily;
  std::optional<QuotaSlot> slot = classifier_(username, at);
  if (!slot) return daily;
  Counters counted;
  if (slot->countsData) {
    counted.inputOctets = d.inputOctets;
    counted.outputOctets = d.outputOctets;
  }
  counted.sessionTime = d.sessionTime;
  EDGE_RETURN_IF_ERROR(
      fold(usageKey('q', slot->periodStart, username), "quota_usage", "period_start", slot->periodStart, counted)
          .status());
  if (change != nullptr && (counted.inputOctets + counted.outputOctets + counted.sessionTime) != 0)
    change->quota.push_back(
        QuotaDelta{username, slot->periodStart, counted.inputOctets + counted.outputOctets, counted.sessionTime});
  return true;
}

core::Status Ledger::writeSession(core::Database& db, const std::string& uid, const PendingSession& p) {
  // A young session's row is written whole; its session_starts row goes with the next prune.
  if (p.young()) return insertRow(db, youngRow(p), p.seq);
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(
      "UPDATE sessions SET input_octets = ?, output_octets = ?, input_packets = ?, output_packets = ?, "
      "session_time = ?, updated = max(updated, ?), journal_seq = ? WHERE uid = ?"));
  return st.bindInt64(1, i64(p.totals.inputOctets))
      .bindInt64(2, i64(p.totals.outputOctets))
      .bindInt64(3, i64(p.totals.inputPackets))
      .bindInt64(4, i64(p.totals.outputPackets))
      .bindInt64(5, p.totals.sessionTime)
      .bindInt64(6, p.updated)
      .bindInt64(7, p.seq)
      .bindText(8, uid)
      .run();
}

core::Status Ledger::writeUsage(core::Database& db, const std::string& key, const PendingUsage& p) {
  size_t nul = key.find('\0');
  std::string username = key.substr(nul + 1);
  int64_t bucket = std::stoll(key.substr(1, nul - 1));
  if (key[0] == 'q') {
    EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(
        "INSERT INTO quota_usage(username, period_start, input_octets, output_octets, session_time, journal_seq) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(username, period_start) DO UPDATE SET "
        "input_octets = input_octets + excluded.input_octets, output_octets = output_octets + excluded.output_octets, "
        "session_time = session_time + excluded.session_time, journal_seq = excluded.journal_seq"));
    return st.bindText(1, username)
        .bindInt64(2, bucket)
        .bindInt64(3, i64(p.sum.inputOctets))
        .bindInt64(4, i64(p.sum.outputOctets))
        .bindInt64(5, p.sum.sessionTime)
        .bindInt64(6, p.seq)
        .run();
  }
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(
      "INSERT INTO usage_daily(username, day, input_octets, output_octets, input_packets, output_packets, "
      "session_time, journal_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(username, day) DO UPDATE SET "
      "input_octets = input_octets + excluded.input_octets, output_octets = output_octets + excluded.output_octets, "
      "input_packets = input_packets + excluded.input_packets, "
      "output_packets = output_packets + excluded.output_packets, "
      "session_time = session_time + excluded.session_time, journal_seq = excluded.journal_seq"));
  return st.bindText(1, username)
      .bindInt64(2, bucket)
      .bindInt64(3, i64(p.sum.inputOctets))
      .bindInt64(4, i64(p.sum.outputOctets))
      .bindInt64(5, i64(p.sum.inputPackets))
      .bindInt64(6, i64(p.sum.outputPackets))
      .bindInt64(7, p.sum.sessionTime)
      .bindInt64(8, p.seq)
      .run();
}

core::Status Ledger::flushSession(core::Database& db, const std::string& uid) {
  auto it = sessions_.find(uid);
  if (it == sessions_.end()) return core::Status::ok();
  EDGE_RETURN_IF_ERROR(writeSession(db, uid, it->second));
  sessions_.erase(it);  // its place in order_ lapses (checked by firstSeq)
  return core::Status::ok();
}

core::Status Ledger::flushWhere(core::Database& db, const std::function<bool(const PendingSession&)>& match) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (match(it->second)) {
      EDGE_RETURN_IF_ERROR(writeSession(db, it->first, it->second));
      it = sessions_.erase(it);  // its place in order_ lapses
    } else {
      ++it;
    }
  }
  return core::Status::ok();
}

core::Status Ledger::flushUser(core::Database& db, const std::string& username) {
  EDGE_RETURN_IF_ERROR(guard(ensureReady(db)));
  core::Status s = flushWhere(db, [&username](const PendingSession& p) { return p.username == username; });
  publish();
  return guard(s);
}

core::Result<std::vector<SessionRow>> Ledger::userSessions(core::Database& db, const std::string& username) {
  EDGE_RETURN_IF_ERROR(guard(ensureReady(db)));
  // The writer's own connection: the rows of older sessions, with what the overlay holds newer.
  EDGE_ASSIGN_OR_RETURN(std::vector<SessionRow> rows, liveSessions(db, username, ""));
  for (SessionRow& row : rows) {
    auto it = sessions_.find(row.uid);
    if (it == sessions_.end()) continue;
    const PendingSession& p = it->second;
    row.counters = p.totals;
    row.updated = std::max(row.updated, p.updated);
    row.framedIp = p.framedIp;
    row.nasAddress = p.nasAddress;
    row.staleAfter = p.staleAfter;
  }
  for (const auto& [uid, p] : sessions_)
    if (p.young() && p.username == username) {
      rows.push_back(youngRow(p));
      rows.back().state = "active";  // a young session is never disconnecting (that writes its row)
    }
  std::sort(rows.begin(), rows.end(), [](const SessionRow& a, const SessionRow& b) {
    return a.started != b.started ? a.started < b.started : a.uid < b.uid;
  });
  return rows;
}

core::Status Ledger::writeWatermark(core::Database& db, bool pruneAll) {
  // Everything before the oldest entry still pending is in the views.
  int64_t watermark = order_.empty() ? lastSeq_ : order_.front().firstSeq - 1;
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare("UPDATE ledger_meta SET flushed_seq = ? WHERE id = 1"));
  EDGE_RETURN_IF_ERROR(st.bindInt64(1, watermark).run());
  // Every young session started after the watermark, so the session_starts rows behind it are of
  // sessions written to `sessions` or closed. Pruned in ranges, from the table's old end (and all
  // of it when the whole overlay was written).
  if (watermark <= prunedStarts_ || (!pruneAll && watermark - prunedStarts_ < 1024)) return core::Status::ok();
  EDGE_ASSIGN_OR_RETURN(core::Statement prune, db.prepare("DELETE FROM session_starts WHERE seq <= ?"));
  EDGE_RETURN_IF_ERROR(prune.bindInt64(1, watermark).run());
  prunedStarts_ = watermark;
  return core::Status::ok();
}

core::Status Ledger::flushOld(core::Database& db, size_t limit) { return flush(db, limit, false); }

bool Ledger::flushDue() const {
  return ready_ && !order_.empty() && std::chrono::steady_clock::now() - order_.front().since >= options_.flushAge;
}

core::Status Ledger::flushAll(core::Database& db) { return flush(db, 0, true); }

core::Status Ledger::flush(core::Database& db, size_t limit, bool all) {
  if (!all && order_.empty()) return core::Status::ok();
  EDGE_RETURN_IF_ERROR(guard(ensureReady(db)));
  auto now = std::chrono::steady_clock::now();
  size_t written = 0;
  bool moved = false;
  while (!order_.empty()) {
    const Dirty& front = order_.front();
    auto session = front.session ? sessions_.find(front.key) : sessions_.end();
    auto use = front.session ? usage_.end() : usage_.find(front.key);
    bool valid = front.session ? session != sessions_.end() && session->second.firstSeq == front.firstSeq
                               : use != usage_.end() && use->second.firstSeq == front.firstSeq;
    if (valid) {
      if (!all && (written >= limit || now - front.since < options_.flushAge)) break;
      if (front.session) {
        EDGE_RETURN_IF_ERROR(guard(writeSession(db, front.key, session->second)));
        sessions_.erase(session);
      } else {
        EDGE_RETURN_IF_ERROR(guard(writeUsage(db, front.key, use->second)));
        usage_.erase(use);
      }
      ++written;
    }
    order_.pop_front();
    moved = true;
  }
  publish();
  if (!moved && !all) return core::Status::ok();
  return guard(writeWatermark(db, all));
}

}  // namespace aaa::acct
