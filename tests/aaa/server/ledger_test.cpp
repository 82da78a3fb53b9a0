// The ledger's lazily maintained views (ADR 0006): an Interim-Update appends to the journal and
// updates an in-memory overlay; the overlay reaches the `sessions` and `usage_daily` rows later,
// and is rebuilt from the journal after a restart or a lost transaction. These tests drive the
// Ledger on a plain connection, with transactions opened and lost by hand.
#include "aaa/acct/ledger.h"
#include "tests/aaa/acct/ledger_db.h"

#include <memory>
#include <string>

#include <CppUTest/TestHarness.h>

namespace {

using aaa::acct::AcctRecord;
using aaa::acct::Ledger;

constexpr int64_t kDay = int64_t{20000} * 86400;  // a UTC midnight

AcctRecord record(uint32_t type, const std::string& sid, uint64_t in, uint64_t out, int64_t at) {
  AcctRecord r;
  r.statusType = type;
  r.acctSessionId = sid;
  r.username = "alice";
  r.nas = "bras";
  r.nasAddress = "127.0.0.1";
  r.uid = aaa::acct::sessionUid(r.nas, sid, 1, "");
  r.nasPort = 1;
  r.eventTime = at;
  r.staleAfter = 900;
  r.counters.inputOctets = in;
  r.counters.outputOctets = out;
  r.counters.sessionTime = static_cast<uint32_t>(at - kDay);
  return r;
}

int64_t queryInt(core::Database& db, const std::string& sql) {
  core::Result<core::Statement> st = db.prepare(sql);
  CHECK_TEXT(st.isOk(), st.status().message().c_str());
  core::Result<bool> row = st->step();
  CHECK_TEXT(row.isOk(), row.status().message().c_str());
  return *row ? st->columnInt64(0) : -1;
}

}  // namespace

TEST_GROUP_BASE(Ledger, aaa::acct::test::LedgerDbTest) {
  std::string queryText(const std::string& sql) {
    core::Result<core::Statement> st = db->prepare(sql);
    CHECK_TEXT(st.isOk(), st.status().message().c_str());
    core::Result<bool> row = st->step();
    CHECK_TEXT(row.isOk() && *row, sql.c_str());
    return st->columnText(0);
  }

  int64_t liveInput() { return queryInt(*db, "SELECT input_octets FROM sessions"); }
  int64_t dailyInput() { return queryInt(*db, "SELECT coalesce(sum(input_octets), 0) FROM usage_daily"); }
  int64_t journalInput() { return queryInt(*db, "SELECT coalesce(sum(input_octets), 0) FROM usage_journal"); }
};

TEST(Ledger, InterimsReachTheViewsOnFlushWithExactTotals) {
  Ledger ledger;
  run(ledger, record(aaa::acct::kStart, "s1", 0, 0, kDay + 10));
  run(ledger, record(aaa::acct::kInterimUpdate, "s1", 1000, 10, kDay + 310));
  run(ledger, record(aaa::acct::kInterimUpdate, "s1", 5000, 50, kDay + 610));
  // Lazy: the session is young (ADR 0011), in the overlay only; its row comes with the flush.
  LONGS_EQUAL(-1, liveInput());
  LONGS_EQUAL(1, ledger.pendingSessions());
  flushAll(ledger);
  LONGS_EQUAL(5000, liveInput());
  LONGS_EQUAL(5000, dailyInput());
  LONGS_EQUAL(5000, journalInput());
  LONGS_EQUAL(kDay + 610, queryInt(*db, "SELECT updated FROM sessions"));
  LONGS_EQUAL(0, ledger.pendingSessions());
  LONGS_EQUAL(0, ledger.pendingUsage());
}

TEST(Ledger, RestartReplaysTheJournalPastTheWatermarkOnce) {
  {
    Ledger ledger;
    run(ledger, record(aaa::acct::kStart, "s1", 0, 0, kDay + 10));
    run(ledger, record(aaa::acct::kInterimUpdate, "s1", 1000, 10, kDay + 310));
    run(ledger, record(aaa::acct::kInterimUpdate, "s1", 7000, 70, kDay + 610));
    // "kill -9": the overlay is gone, nothing was flushed.
  }
  LONGS_EQUAL(-1, liveInput());  // a young session: only its Start's attributes and journal rows
  for (int restart = 0; restart < 2; ++restart) {
    Ledger ledger;
    flushAll(ledger);
    LONGS_EQUAL(7000, liveInput());
    LONGS_EQUAL(7000, dailyInput());
    LONGS_EQUAL(kDay + 610, queryInt(*db, "SELECT updated FROM sessions"));
  }
  // And the next update after the restart counts only what is new.
  Ledger ledger;
  run(ledger, record(aaa::acct::kStop, "s1", 9000, 90, kDay + 900));
  flushAll(ledger);
  LONGS_EQUAL(9000, queryInt(*db, "SELECT input_octets FROM session_history"));
  LONGS_EQUAL(9000, dailyInput());
  LONGS_EQUAL(9000, journalInput());
}

TEST(Ledger, PartialFlushesAndReplayNeverCountTwice) {
  Ledger::Options o;
  o.flushAge = std::chrono::milliseconds(0);
  o.flushChunk = 1;  // one entry written per record: the views are always partly behind
  {
    Ledger ledger(o);
    run(ledger, record(aaa::acct::kStart, "s1", 0, 0, kDay + 10));
    run(ledger, record(aaa::acct::kStart, "s2", 0, 0, kDay + 10));
    for (int i = 1; i <= 6; ++i) {
      run(ledger, record(aaa::acct::kInterimUpdate, "s1", 100u * i, 0, kDay + 10 + 60 * i));
      run(ledger, record(aaa::acct::kInterimUpdate, "s2", 1000u * i, 0, kDay + 10 + 60 * i));
    }
  }
  Ledger ledger(o);
  flushAll(ledger);
  LONGS_EQUAL(600, queryInt(*db, "SELECT input_octets FROM sessions WHERE acct_session_id = 's1'"));
  LONGS_EQUAL(6000, queryInt(*db, "SELECT input_octets FROM sessions WHERE acct_session_id = 's2'"));
  LONGS_EQUAL(6600, dailyInput());
  LONGS_EQUAL(6600, journalInput());
}

TEST(Ledger, ALostTransactionTakesItsOverlayChangesWithIt) {
  Ledger ledger;
  run(ledger, record(aaa::acct::kStart, "s1", 0, 0, kDay + 10));
  run(ledger, record(aaa::acct::kInterimUpdate, "s1", 1000, 0, kDay + 310));
  // The next batch applies an update and then loses its transaction (e.g. disk full at COMMIT).
  CHECK(db->exec("BEGIN").isOk());
  CHECK(ledger.apply(*db, record(aaa::acct::kInterimUpdate, "s1", 4000, 0, kDay + 610), nullptr).isOk());
  CHECK(db->exec("ROLLBACK").isOk());
  ledger.batchSettled(false);
  // The NAS retransmits the same update: it must count 3000 once, not 0 (the lost overlay) twice.
  run(ledger, record(aaa::acct::kInterimUpdate, "s1", 4000, 0, kDay + 610));
  flushAll(ledger);
  LONGS_EQUAL(4000, liveInput());
  LONGS_EQUAL(4000, journalInput());
  LONGS_EQUAL(4000, dailyInput());
  CHECK(ledger.rebuilds() >= 2);
}

TEST(Ledger, UsageIsBucketedByUtcDay) {
  Ledger ledger;
  run(ledger, record(aaa::acct::kStart, "s1", 0, 0, kDay + 86000));
  run(ledger, record(aaa::acct::kInterimUpdate, "s1", 300, 0, kDay + 86300));
  run(ledger, record(aaa::acct::kInterimUpdate, "s1", 800, 0, kDay + 86700));  // the next day
  flushAll(ledger);
  core::Result<aaa::acct::Counters> first = aaa::acct::usageBetween(*db, "alice", kDay, kDay + 86400);
  core::Result<aaa::acct::Counters> second = aaa::acct::usageBetween(*db, "alice", kDay + 86400, kDay + 2 * 86400);
  CHECK(first.isOk() && second.isOk());
  LONGS_EQUAL(300, first->inputOctets);
  LONGS_EQUAL(500, second->inputOctets);
}

// Per-period quota counters: a third view, classified per journal row (period start, counted or
// not), replayed like the others and never counted twice.
TEST(Ledger, QuotaCountersFollowTheClassifierAndSurviveReplay) {
  // Periods of 1000 s; the second half of each is an uncounted window.
  auto classify = [](const std::string& username, int64_t at) -> std::optional<aaa::acct::QuotaSlot> {
    if (username != "alice") return std::nullopt;
    return aaa::acct::QuotaSlot{at - at % 1000, at % 1000 < 500};
  };
  auto quota = [this](const char* column) {
    return queryInt(*db, std::string("SELECT coalesce(sum(") + column + "), 0) FROM quota_usage");
  };
  aaa::acct::LedgerChange change;
  {
    Ledger ledger;
    ledger.setQuotaClassifier(classify);
    run(ledger, record(aaa::acct::kStart, "s1", 0, 0, kDay + 10));
    CHECK(db->exec("BEGIN").isOk());
    CHECK(ledger.apply(*db, record(aaa::acct::kInterimUpdate, "s1", 1000, 100, kDay + 310), &change).isOk());
    CHECK(db->exec("COMMIT").isOk());
    run(ledger, record(aaa::acct::kInterimUpdate, "s1", 3000, 300, kDay + 610));  // uncounted window
    run(ledger, record(aaa::acct::kInterimUpdate, "s1", 6000, 600, kDay + 1210)); // next period
    // "kill -9" before any flush.
  }
  LONGS_EQUAL(1, change.quota.size());
  LONGS_EQUAL(1100, change.quota[0].bytes);
  LONGS_EQUAL(300, change.quota[0].seconds);
  LONGS_EQUAL(kDay, change.quota[0].periodStart);
  for (int restart = 0; restart < 2; ++restart) {
    Ledger ledger;
    ledger.setQuotaClassifier(classify);
    flushAll(ledger);
    LONGS_EQUAL(1100, queryInt(*db, "SELECT input_octets + output_octets FROM quota_usage WHERE period_start = " +
                                        std::to_string(kDay)));
    LONGS_EQUAL(3300, queryInt(*db, "SELECT input_octets + output_octets FROM quota_usage WHERE period_start = " +
                                        std::to_string(kDay + 1000)));
    LONGS_EQUAL(1210, quota("session_time"));
  }
  core::Result<std::vector<aaa::acct::QuotaRow>> rows = aaa::acct::quotaUsageSince(*db, kDay + 1);
  CHECK(rows.isOk());
  LONGS_EQUAL(1, rows->size());
  LONGS_EQUAL(3300, (*rows)[0].bytes);
}

// Young sessions (ADR 0011): a session lives in the overlay (and its Start's attributes in
// session_starts) until the flush writes its `sessions` row; one that closes first goes straight
// to history. Whatever happens, a session is never lost, never doubled and never revived.
namespace {
int64_t count(core::Database& db, const std::string& table) {
  return queryInt(db, "SELECT count(*) FROM " + table);
}
}  // namespace

TEST(Ledger, AYoungSessionClosesStraightToHistoryWithAllItsAttributes) {
  Ledger ledger;
  AcctRecord start = record(aaa::acct::kStart, "s1", 0, 0, kDay + 10);
  start.framedIp = "100.64.0.7";
  start.callingStationId = "AA-BB-CC-00-11-22";
  start.nasPortId = "eth0.100";
  run(ledger, start);
  run(ledger, record(aaa::acct::kInterimUpdate, "s1", 4000, 40, kDay + 70));
  AcctRecord stop = record(aaa::acct::kStop, "s1", (uint64_t{5} << 32) + 9, 90, kDay + 100);
  stop.terminateCause = 1;
  run(ledger, stop);
  LONGS_EQUAL(0, count(*db, "sessions"));
  LONGS_EQUAL(0, ledger.pendingSessions());
  core::Result<std::vector<aaa::acct::SessionRow>> h = aaa::acct::sessionHistory(*db, "alice", 10);
  CHECK(h.isOk());
  LONGS_EQUAL(1, h->size());
  const aaa::acct::SessionRow& row = (*h)[0];
  STRCMP_EQUAL("s1", row.acctSessionId.c_str());
  STRCMP_EQUAL("bras", row.nas.c_str());
  STRCMP_EQUAL("127.0.0.1", row.nasAddress.c_str());
  LONGS_EQUAL(1, row.nasPort);
  STRCMP_EQUAL("eth0.100", row.nasPortId.c_str());
  STRCMP_EQUAL("100.64.0.7", row.framedIp.c_str());
  STRCMP_EQUAL("AA-BB-CC-00-11-22", row.callingStationId.c_str());
  LONGS_EQUAL(kDay + 10, row.started);
  LONGS_EQUAL(kDay + 100, row.updated);
  LONGS_EQUAL(kDay + 100, row.stopped);
  STRCMP_EQUAL("user-request", row.closeReason.c_str());
  CHECK((uint64_t{5} << 32) + 9 == row.counters.inputOctets);
  LONGS_EQUAL(90, row.counters.outputOctets);
  flushAll(ledger);
  CHECK((uint64_t{5} << 32) + 9 == static_cast<uint64_t>(journalInput()));
  CHECK((uint64_t{5} << 32) + 9 == static_cast<uint64_t>(dailyInput()));
  LONGS_EQUAL(0, count(*db, "session_starts"));  // pruned behind the watermark
  // A late Interim of the closed session neither revives it nor counts again.
  run(ledger, record(aaa::acct::kInterimUpdate, "s1", 4000, 40, kDay + 70));
  flushAll(ledger);
  LONGS_EQUAL(0, count(*db, "sessions"));
  CHECK((uint64_t{5} << 32) + 9 == static_cast<uint64_t>(journalInput()));
}

TEST(Ledger, AYoungSessionSurvivesACrashWithItsLatestAttributes) {
  {
    Ledger ledger;
    run(ledger, record(aaa::acct::kStart, "s1", 0, 0, kDay + 10));
    AcctRecord interim = record(aaa::acct::kInterimUpdate, "s1", 2500, 25, kDay + 40);
    interim.framedIp = "100.64.0.9";  // assigned after the Start
    interim.staleAfter = 120;
    run(ledger, interim);
    run(ledger, record(aaa::acct::kStart, "s2", 0, 0, kDay + 20));
    run(ledger, record(aaa::acct::kStop, "s2", 700, 7, kDay + 50));  // closed young: stays closed
    // "kill -9" before any flush.
  }
  LONGS_EQUAL(0, count(*db, "sessions"));
  for (int restart = 0; restart < 2; ++restart) {
    Ledger ledger;
    flushAll(ledger);
    LONGS_EQUAL(1, count(*db, "sessions"));
    core::Result<aaa::acct::SessionRow> row = aaa::acct::findSession(*db, aaa::acct::sessionUid("bras", "s1", 1, ""));
    CHECK_TEXT(row.isOk(), row.status().message().c_str());
    STRCMP_EQUAL("active", row->state.c_str());
    LONGS_EQUAL(2500, row->counters.inputOctets);
    LONGS_EQUAL(kDay + 10, row->started);
    LONGS_EQUAL(kDay + 40, row->updated);
    STRCMP_EQUAL("100.64.0.9", row->framedIp.c_str());
    LONGS_EQUAL(120, row->staleAfter);
    LONGS_EQUAL(1, count(*db, "session_history"));
    LONGS_EQUAL(3200, dailyInput());
  }
  // The next record after the restart counts only what is new.
  Ledger ledger;
  run(ledger, record(aaa::acct::kStop, "s1", 3000, 30, kDay + 90));
  flushAll(ledger);
  LONGS_EQUAL(0, count(*db, "sessions"));
  LONGS_EQUAL(3700, journalInput());
  LONGS_EQUAL(3700, dailyInput());
  LONGS_EQUAL(3000, queryInt(*db, "SELECT input_octets FROM session_history WHERE acct_session_id = 's1'"));
}

TEST(Ledger, AReusedSessionIdAfterAYoungCloseIsOneNewSessionAcrossACrash) {
  {
    Ledger ledger;
    run(ledger, record(aaa::acct::kStart, "s1", 0, 0, kDay + 10));
    run(ledger, record(aaa::acct::kStop, "s1", 100, 0, kDay + 20));
    run(ledger, record(aaa::acct::kStart, "s1", 0, 0, kDay + 30));  // the NAS reuses the id
    run(ledger, record(aaa::acct::kInterimUpdate, "s1", 50, 0, kDay + 40));
  }
  Ledger ledger;
  flushAll(ledger);
  LONGS_EQUAL(1, count(*db, "sessions"));
  LONGS_EQUAL(kDay + 30, queryInt(*db, "SELECT started FROM sessions"));
  LONGS_EQUAL(50, liveInput());  // the first session's 100 belong to its history row only
  LONGS_EQUAL(100, queryInt(*db, "SELECT input_octets FROM session_history"));
  LONGS_EQUAL(150, dailyInput());
}

TEST(Ledger, AccountingOnClosesYoungSessionsOfThatNasOnly) {
  Ledger ledger;
  run(ledger, record(aaa::acct::kStart, "s1", 0, 0, kDay + 10));
  AcctRecord other = record(aaa::acct::kStart, "s2", 0, 0, kDay + 10);
  other.nas = "other";
  other.uid = aaa::acct::sessionUid(other.nas, "s2", 1, "");
  run(ledger, other);
  run(ledger, record(aaa::acct::kInterimUpdate, "s1", 600, 0, kDay + 70));
  AcctRecord on;
  on.statusType = aaa::acct::kAccountingOn;
  on.nas = "bras";
  on.eventTime = kDay + 80;
  aaa::acct::LedgerChange change;
  CHECK(db->exec("BEGIN").isOk());
  CHECK(ledger.apply(*db, on, &change).isOk());
  CHECK(db->exec("COMMIT").isOk());
  LONGS_EQUAL(1, change.closed.size());
  STRCMP_EQUAL("nas-reboot", queryText("SELECT close_reason FROM session_history").c_str());
  LONGS_EQUAL(600, queryInt(*db, "SELECT input_octets FROM session_history"));
  flushAll(ledger);
  LONGS_EQUAL(1, count(*db, "sessions"));
  STRCMP_EQUAL("other", queryText("SELECT nas FROM sessions").c_str());
}

TEST(Ledger, ADisconnectOfAYoungSessionWritesItsRowFirst) {
  Ledger ledger;
  run(ledger, record(aaa::acct::kStart, "s1", 0, 0, kDay + 10));
  run(ledger, record(aaa::acct::kInterimUpdate, "s1", 800, 0, kDay + 70));
  CHECK(db->exec("BEGIN").isOk());
  CHECK(ledger.markDisconnecting(*db, aaa::acct::sessionUid("bras", "s1", 1, ""), kDay + 100).isOk());
  CHECK(db->exec("COMMIT").isOk());
  STRCMP_EQUAL("disconnecting", queryText("SELECT state FROM sessions").c_str());
  LONGS_EQUAL(800, liveInput());
  // The grace runs out without a Stop: closed as admin-disconnect, with its counters.
  std::vector<std::string> uids{aaa::acct::sessionUid("bras", "s1", 1, "")};
  CHECK(db->exec("BEGIN").isOk());
  CHECK(ledger.closeExpired(*db, uids, kDay + 100, nullptr).isOk());
  CHECK(db->exec("COMMIT").isOk());
  STRCMP_EQUAL("admin-disconnect", queryText("SELECT close_reason FROM session_history").c_str());
  LONGS_EQUAL(800, queryInt(*db, "SELECT input_octets FROM session_history"));
}

TEST(Ledger, TheUserFlushWritesThatUsersYoungSessionsOnly) {
  Ledger ledger;
  run(ledger, record(aaa::acct::kStart, "s1", 0, 0, kDay + 10));
  AcctRecord bob = record(aaa::acct::kStart, "s2", 0, 0, kDay + 10);
  bob.username = "bob";
  run(ledger, bob);
  CHECK(db->exec("BEGIN").isOk());
  CHECK(ledger.flushUser(*db, "alice").isOk());
  CHECK(db->exec("COMMIT").isOk());
  LONGS_EQUAL(1, count(*db, "sessions"));
  STRCMP_EQUAL("alice", queryText("SELECT username FROM sessions").c_str());
  LONGS_EQUAL(1, ledger.pendingSessions());
}

TEST(Ledger, SessionStartsArePrunedBehindTheWatermark) {
  Ledger::Options o;
  o.flushAge = std::chrono::milliseconds(0);  // every entry is old at once
  Ledger ledger(o);
  CHECK(db->exec("BEGIN").isOk());
  for (int i = 0; i < 3000; ++i)
    CHECK(ledger.apply(*db, record(aaa::acct::kStart, "s" + std::to_string(i), 0, 0, kDay + 10), nullptr).isOk());
  CHECK(db->exec("COMMIT").isOk());
  // The flush keeps up (a few entries per record) and the prune follows in ranges of 1,024 or more.
  CHECK(count(*db, "session_starts") < 1100);
  flushAll(ledger);
  LONGS_EQUAL(3000, count(*db, "sessions"));
  LONGS_EQUAL(0, count(*db, "session_starts"));
}
