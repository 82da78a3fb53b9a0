// The session ledger: the single truth about who is online and how much they used.
//
// Tables (accounting database, migrations below): `sessions` (one row per live session older than
// a few seconds, keyed by a unique id derived like FreeRADIUS' Acct-Unique-Session-Id),
// `session_starts` (the opening attributes of the sessions younger than that, ADR 0011),
// `session_history` (closed sessions with their close reason), `usage_journal` (append-only usage
// deltas with a per-box sequence number: what quotas, billing and sync read).
//
// Idempotency, the property everything rests on: a session's counters are cumulative (RFC 2866
// 5.3-5.4), and a change is journaled as the difference between the new totals and the recorded
// ones, computed in the same transaction that records the new totals. A retransmitted, replayed or
// out-of-order request therefore adds nothing twice, whether it arrives seconds later or after a
// crash and restart.
//
// Functions run inside a Writer job (core/store.h) on the accounting database's writing connection,
// except the read functions, which take a read connection.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "core/store.h"

namespace aaa::acct {

enum StatusType : uint32_t {
  kStart = 1,
  kStop = 2,
  kInterimUpdate = 3,
  kAccountingOn = 7,
  kAccountingOff = 8,
};

const char* statusTypeName(uint32_t statusType);
// RFC 2866 5.10 Acct-Terminate-Cause as a lower-case name ("user-request", "lost-carrier", ...).
std::string terminateCauseName(uint32_t cause);

// Hex of MD5 over the NAS name, Acct-Session-Id, NAS-Port and NAS-Port-Id: stable for one session
// of one NAS, different across NAS clients that reuse session ids.
std::string sessionUid(const std::string& nas, const std::string& acctSessionId, uint32_t nasPort,
                       const std::string& nasPortId);

struct Counters {
  uint64_t inputOctets = 0;
  uint64_t outputOctets = 0;
  uint64_t inputPackets = 0;
  uint64_t outputPackets = 0;
  uint32_t sessionTime = 0;
};

// One accounting request, as the ledger needs it (owned: it crosses to the writer thread).
struct AcctRecord {
  uint32_t statusType = 0;
  std::string uid;
  std::string acctSessionId;
  std::string username;
  std::string nas;
  std::string nasAddress;  // where the request came from: the CoA/Disconnect target
  uint32_t nasPort = 0;
  std::string nasPortId;
  std::string framedIp;
  std::string callingStationId;
  uint32_t terminateCause = 0;
  int64_t eventTime = 0;   // when it happened (Event-Timestamp, or arrival minus Acct-Delay-Time)
  int64_t staleAfter = 0;  // seconds without an update after which the session is stale
  Counters counters;
};

struct SessionRow {
  std::string uid;
  std::string acctSessionId;
  std::string username;
  std::string nas;
  std::string nasAddress;
  uint32_t nasPort = 0;
  std::string nasPortId;
  std::string framedIp;
  std::string callingStationId;
  int64_t started = 0;
  int64_t updated = 0;
  int64_t stopped = 0;     // history only
  std::string state;       // live: active | disconnecting; history: closed
  std::string closeReason; // history only
  int64_t historyId = 0;   // history only: session_history.id, increasing in the order sessions closed
  int64_t staleAfter = 0;  // live only
  Counters counters;
};

// Where a journal row counts for quotas (billing/rating/rules.h): the start of the subscriber's billing
// period holding it, and whether its octets count against the data quota (not in an uncounted
// window). Online time always counts.
struct QuotaSlot {
  int64_t periodStart = 0;
  bool countsData = true;
};
// Asked for each journal row, on the writer's thread: nullopt when the subscriber's plan has no
// quota (nothing is counted per period for it).
using QuotaClassifier = std::function<std::optional<QuotaSlot>(const std::string& username, int64_t at)>;

// A journal row's effect on a subscriber's period counters.
struct QuotaDelta {
  std::string username;
  int64_t periodStart = 0;
  uint64_t bytes = 0;  // counted octets, in + out
  uint64_t seconds = 0;
};

// What a committed change did, for the in-memory session counts, quotas and the events.
struct LedgerChange {
  std::vector<std::string> opened;  // usernames of sessions that became live
  std::vector<std::string> closed;  // usernames of sessions that were closed
  uint64_t journaled = 0;           // usage rows appended
  std::vector<QuotaDelta> quota;    // period counters that moved
};

const std::vector<core::Migration>& migrations();

// The writing side of the ledger. One instance per accounting database, used only on that
// database's Writer thread, inside Writer jobs (core/store.h).
//
// The journal is the truth; the `sessions` counters and the `usage_daily` totals are views of it
// that are brought up to date lazily (ADR 0006). An Interim-Update appends one journal row and
// updates an in-memory overlay; the overlay is written to the view tables in small chunks a couple
// of seconds later, together with a watermark (`ledger_meta.flushed_seq`). Every view row carries
// the last journal sequence it includes (`journal_seq`), so replaying the journal past the watermark
// (at start, and after any failed job or lost transaction) rebuilds exactly the overlay that was
// lost, and never counts a row twice.
//
// A new session starts young (ADR 0011): its opening attributes are appended to `session_starts`
// and it lives in the overlay only. Its `sessions` row is written by the same lazy flush, once the
// entry is flushAge old; a session that closes before goes straight to history and never touches
// `sessions`. Everything that reads or changes `sessions` on the writer's side brings the young
// sessions it concerns into the table first; readers on other connections flush first (flushAll,
// flushUser).
class Ledger {
 public:
  struct Options {
    // An overlay entry is written to its view row once it is this old (or on flush(db, true)).
    // Also how long a session may stay young.
    std::chrono::milliseconds flushAge{5000};
    // Overlay entries written per record applied, at most: more than a record creates (two), so
    // the overlay keeps up, and few, so no batch pays for many.
    size_t flushChunk = 4;
  };
  Ledger();
  explicit Ledger(Options options);

  // Per-period quota counters (the `quota_usage` view) follow the classifier; without one, none
  // are kept. Set before the first use.
  void setQuotaClassifier(QuotaClassifier classifier) { classifier_ = std::move(classifier); }

  core::Status apply(core::Database& db, const AcctRecord& record, LedgerChange* change);
  // Closes every live session of `nas` (Accounting-On/Off: the NAS restarted or stops).
  core::Status closeNasSessions(core::Database& db, const std::string& nas, int64_t now, const std::string& reason,
                                LedgerChange* change);
  // Closes the given sessions if they are still expired when the writer gets to them: "stale", or
  // "admin-disconnect" after a Disconnect-ACK without Stop.
  core::Status closeExpired(core::Database& db, const std::vector<std::string>& uids, int64_t now,
                            LedgerChange* change);
  // After a Disconnect-ACK: the session closes when the NAS sends its Stop, or at `deadline`.
  core::Status markDisconnecting(core::Database& db, const std::string& uid, int64_t deadline);
  // Writes up to `limit` overlay entries older than flushAge to the view tables (a quiet period's
  // catch-up).
  core::Status flushOld(core::Database& db, size_t limit);
  // Whether flushOld has an entry to write now (writer's thread): for the writer's idle work.
  bool flushDue() const;
  // Writes every overlay entry: before a read connection looks at the views.
  core::Status flushAll(core::Database& db);
  // Writes the overlay entries of `username`'s sessions (young ones included): before a read
  // connection looks at that user's live sessions.
  core::Status flushUser(core::Database& db, const std::string& username);
  // The live sessions of `username` as the ledger knows them now, young ones included, in start
  // order: their `sessions` rows with the overlay's newer totals, and the young sessions, which are
  // in the overlay only. Writes nothing. What a CoA or Disconnect needs, found inside one writer job
  // instead of a flush and a read on another connection.
  core::Result<std::vector<SessionRow>> userSessions(core::Database& db, const std::string& username);
  // From the Writer's batch hook: a lost transaction took overlay changes with it, so the overlay
  // is rebuilt from the database before the next use.
  void batchSettled(bool committed);
  // Drops the overlay: the next use rebuilds it from the database (e.g. after reopening it).
  void invalidate() { ready_ = false; }

  // Readable from any thread (published by the writer's thread after each change).
  size_t pendingSessions() const { return pendingSessions_.load(std::memory_order_relaxed); }
  // The newest journal sequence (any thread).
  int64_t journalSeq() const { return journalSeq_.load(std::memory_order_relaxed); }
  size_t pendingUsage() const { return pendingUsage_.load(std::memory_order_relaxed); }
  uint64_t rebuilds() const { return rebuilds_.load(std::memory_order_relaxed); }

 private:
  struct PendingSession {
    std::string username;
    Counters totals;
    int64_t updated = 0;
    std::string framedIp;  // as in the row (written in place when they change)
    std::string nasAddress;
    int64_t staleAfter = 0;
    int64_t seq = 0;       // last journal row folded in
    int64_t firstSeq = 0;  // first journal row not yet in the view row
    // Young (ADR 0011): no `sessions` row yet, and this is what its Start said (the fields above
    // are newer). firstSeq is then the Start's journal row, the key of its session_starts row.
    std::unique_ptr<SessionRow> opening;
    bool young() const { return opening != nullptr; }
  };
  struct PendingUsage {
    Counters sum;
    int64_t seq = 0;
    int64_t firstSeq = 0;
  };
  struct Dirty {
    bool session;  // else usage (daily or quota, by the key's first character)
    std::string key;
    int64_t firstSeq;
    std::chrono::steady_clock::time_point since;
  };

  core::Status ensureReady(core::Database& db);
  core::Status flush(core::Database& db, size_t limit, bool all);
  core::Status rebuild(core::Database& db);
  core::Status applyImpl(core::Database& db, const AcctRecord& r, LedgerChange* change);
  core::Status closeNas(core::Database& db, const std::string& nas, int64_t now, const std::string& reason,
                        LedgerChange* change);
  core::Status closeWhere(core::Database& db, const std::string& where,
                          const std::function<void(core::Statement&)>& bind, int64_t now, const std::string& reason,
                          LedgerChange* change);
  core::Status flushSession(core::Database& db, const std::string& uid);
  // Writes the overlay entries that `match` (young ones as whole rows) before a statement that
  // looks at their rows.
  core::Status flushWhere(core::Database& db, const std::function<bool(const PendingSession&)>& match);
  core::Status writeSession(core::Database& db, const std::string& uid, const PendingSession& p);
  // A new live session: journaled (always: its row is the session's first sequence), its opening
  // attributes appended to session_starts, and the rest in the overlay.
  core::Status openYoung(core::Database& db, const AcctRecord& r, int64_t started, LedgerChange* change);
  // Loads the young sessions a lost overlay held (rebuild): session_starts rows past the
  // watermark whose session is neither in `sessions` nor closed.
  core::Status loadYoung(core::Database& db, int64_t watermark);
  core::Status writeUsage(core::Database& db, const std::string& key, const PendingUsage& p);
  // `pruneAll`: remove every session_starts row behind the watermark, not only in large ranges.
  core::Status writeWatermark(core::Database& db, bool pruneAll);
  // Appends a journal row (and folds it into the overlay's usage); returns its sequence, or 0 when
  // there was nothing to journal.
  core::Result<int64_t> journal(core::Database& db, const AcctRecord& r, const std::string& username,
                                const Counters& d, bool always, LedgerChange* change);
  // Folds a journal row into the usage views' overlay; `replay` checks each view row's journal_seq
  // first (rebuild), `change` receives the quota delta.
  core::Result<bool> foldUsage(core::Database* replay, const std::string& username, int64_t at, const Counters& d,
                               int64_t seq, LedgerChange* change);
  core::Status insertLive(core::Database& db, const AcctRecord& r, int64_t started, const Counters& c);
  core::Status closeLive(core::Database& db, const std::string& uid, int64_t stopped, const Counters* finalCounters,
                         const std::string& reason);
  core::Status insertHistory(core::Database& db, const SessionRow& row);
  // The row a young session's overlay entry stands for.
  static SessionRow youngRow(const PendingSession& p);
  core::Status guard(core::Status s);

  Options options_;
  QuotaClassifier classifier_;
  bool ready_ = false;
  int64_t lastSeq_ = 0;
  int64_t prunedStarts_ = 0;  // session_starts rows up to this sequence are gone
  std::atomic<int64_t> journalSeq_{0};  // lastSeq_ for other threads (health gauges)
  std::atomic<uint64_t> rebuilds_{0};
  std::atomic<size_t> pendingSessions_{0};
  std::atomic<size_t> pendingUsage_{0};
  void publish() {
    pendingSessions_.store(sessions_.size(), std::memory_order_relaxed);
    pendingUsage_.store(usage_.size(), std::memory_order_relaxed);
  }
  std::unordered_map<std::string, PendingSession> sessions_;
  // key: 'd' day '\0' username (usage_daily), 'q' period start '\0' username (quota_usage)
  std::unordered_map<std::string, PendingUsage> usage_;
  std::deque<Dirty> order_;                              // in firstSeq order
};

// Stale sessions and expired disconnect graces, found on a read connection (a scan of the live
// table), so the writer never scans. The writer re-checks each (Ledger::closeExpired).
core::Result<std::vector<std::string>> expiredSessions(core::Database& db, int64_t now, int64_t limit);

// Reads.
core::Result<std::vector<SessionRow>> liveSessions(core::Database& db, const std::string& username,
                                                   const std::string& nas);
// The live sessions of `nas` (every NAS when empty) as the ledger knows them, read on a read
// connection without the writer (the gateway restores its clients from it at start): the `sessions`
// rows plus the journal rows their lazy views do not hold yet, and the young sessions (ADR 0011)
// from their Start and journal rows. Exact at the read's snapshot, like a replay (Ledger::rebuild);
// a framed address an Interim changed may be the older one. In start order.
core::Result<std::vector<SessionRow>> liveSessionsNow(core::Database& db, const std::string& nas);
core::Result<SessionRow> findSession(core::Database& db, const std::string& uidOrPrefix);
core::Result<std::vector<SessionRow>> sessionHistory(core::Database& db, const std::string& username, int64_t limit);
// Usage of `username` on the UTC days from the one holding `from` to the one holding `to - 1`
// (usage_daily; exact once the ledger flushed).
core::Result<Counters> usageBetween(core::Database& db, const std::string& username, int64_t from, int64_t to);
core::Result<std::vector<std::pair<std::string, uint32_t>>> liveSessionCounts(core::Database& db);

// A page of the live sessions for a screen (the technician UI's Sessions page; ledger_pages.cpp):
// filtered, sorted and counted by SQLite on a read connection, exact once the writer flushed the
// overlay. `sessions` has one secondary index only, on the normalized MAC (ledger migration 7; each
// index costs a random page write per session written and closed, migration 3), so a page is one
// scan for the count and one for the rows, the MAC filter a scan of its index. Paging goes by key
// (the page after or before a row, sorted by its key; no deep offsets to sort away): a few tens of
// milliseconds at 100,000 live sessions whatever the depth. An offset still works, bounded by the
// caller.
struct SessionKey {
  int64_t number = 0;    // started (newest first, and within a user), or input + output octets (most data)
  std::string username;  // the user sort's first key
  std::string uid;       // the last key of every sort: keys are unique
};
struct SessionQuery {
  enum class Sort { kStarted, kBytes, kUser };
  std::string user;  // part of the username, any case
  std::string nas;   // the NAS client's name, exactly
  std::string ip;    // the start of the framed address ("10.1.2.")
  std::string mac;   // part of the Calling-Station-Id, hex digits only (separators and case ignored)
  Sort sort = Sort::kStarted;  // newest first; most bytes (in + out) first; username A-Z
  int64_t limit = 50;
  int64_t offset = 0;  // when no key is given
  // The page right after this row (or right before it, with `before`), in the sort's order.
  std::optional<SessionKey> after;
  std::optional<SessionKey> before;
};
struct SessionPage {
  int64_t total = 0;  // sessions matching the filter
  std::vector<SessionRow> rows;
};
// A row's key in `sort`: what the next page (after it) or the previous one (before it) starts from.
SessionKey sessionKeyOf(const SessionRow& row, SessionQuery::Sort sort);
core::Result<SessionPage> liveSessionPage(core::Database& db, const SessionQuery& query);
// Live sessions per NAS client, most first (every live session, the filter aside).
core::Result<std::vector<std::pair<std::string, int64_t>>> liveSessionsPerNas(core::Database& db);
// `username`'s usage per UTC day from the day holding `from` to the one holding `to - 1`, days
// without usage left out, oldest first (usage_daily; exact once the ledger flushed).
struct DayUsage {
  int64_t dayStart = 0;  // unix seconds, 00:00 UTC
  Counters counters;
};
core::Result<std::vector<DayUsage>> dailyUsage(core::Database& db, const std::string& username, int64_t from,
                                               int64_t to);

// The journal and the history as other areas read them (sync uploads both; no SQL outside the
// ledger). Both are written in the writer's transaction that records the change, never lazily, so
// a read connection sees them exact.
struct JournalRow {
  int64_t seq = 0;
  int64_t at = 0;
  std::string uid;
  std::string username;
  std::string nas;
  Counters counters;  // the change this row journaled (deltas, not totals)
};
// Up to `limit` journal rows with a sequence above `afterSeq`, in sequence order.
core::Result<std::vector<JournalRow>> journalAfter(core::Database& db, int64_t afterSeq, int64_t limit);
// The newest journal sequence committed (0 when the journal is empty).
core::Result<int64_t> lastJournalSeq(core::Database& db);
// Up to `limit` closed sessions with a history id above `afterId`, in id order (historyId set).
core::Result<std::vector<SessionRow>> closedSessionsAfter(core::Database& db, int64_t afterId, int64_t limit);

// Per-period quota counters (exact once the ledger flushed): bytes counted against the data quota
// and online seconds, of periods that started at or after `since`.
struct QuotaRow {
  std::string username;
  int64_t periodStart = 0;
  uint64_t bytes = 0;
  uint64_t seconds = 0;
};
core::Result<std::vector<QuotaRow>> quotaUsageSince(core::Database& db, int64_t since);

}  // namespace aaa::acct
