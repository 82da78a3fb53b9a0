// The ledger's reads for other areas (aaa/acct/ledger.h): the journal after a sequence with a limit,
// the newest sequence, closed sessions after a history id, and the live sessions of one NAS. Sync
// uploads the first three; the gateway restores its clients from the last.
#include "aaa/acct/ledger.h"
#include "tests/aaa/acct/ledger_db.h"

#include <memory>
#include <string>

#include <CppUTest/TestHarness.h>

namespace {

using aaa::acct::AcctRecord;
using aaa::acct::Ledger;

using aaa::acct::test::kDay;

AcctRecord record(uint32_t type, const std::string& user, const std::string& nas, const std::string& sid,
                  uint64_t in, int64_t at) {
  AcctRecord r;
  r.statusType = type;
  r.acctSessionId = sid;
  r.username = user;
  r.nas = nas;
  r.nasAddress = "127.0.0.1";
  r.uid = aaa::acct::sessionUid(nas, sid, 1, "");
  r.nasPort = 1;
  r.eventTime = at;
  r.staleAfter = 900;
  r.counters.inputOctets = in;
  r.counters.outputOctets = in / 10;
  r.counters.sessionTime = static_cast<uint32_t>(at - kDay);
  return r;
}

}  // namespace

TEST_GROUP_BASE(LedgerReads, aaa::acct::test::LedgerDbTest) {
  // alice on bras: start, interim, stop; bob on the gateway: start, interim (still live).
  void traffic() {
    run(record(aaa::acct::kStart, "alice", "bras", "a1", 0, kDay + 10));
    run(record(aaa::acct::kInterimUpdate, "alice", "bras", "a1", 1000, kDay + 310));
    run(record(aaa::acct::kStart, "bob", "gateway", "b1", 0, kDay + 320));
    run(record(aaa::acct::kStop, "alice", "bras", "a1", 3000, kDay + 400));
    run(record(aaa::acct::kInterimUpdate, "bob", "gateway", "b1", 500, kDay + 620));
  }
};

TEST(LedgerReads, JournalAfterASequenceInOrderWithALimit) {
  core::Result<int64_t> empty = aaa::acct::lastJournalSeq(*db);
  CHECK_TEXT(empty.isOk(), empty.status().message().c_str());
  LONGS_EQUAL(0, *empty);
  traffic();
  core::Result<std::vector<aaa::acct::JournalRow>> all = aaa::acct::journalAfter(*db, 0, 100);
  CHECK_TEXT(all.isOk(), all.status().message().c_str());
  LONGS_EQUAL(5, all->size());
  for (size_t i = 1; i < all->size(); ++i) CHECK((*all)[i - 1].seq < (*all)[i].seq);
  // Deltas, not totals: alice's interim journaled 1000, her stop the 2000 more.
  const aaa::acct::JournalRow& interim = (*all)[1];
  STRCMP_EQUAL("alice", interim.username.c_str());
  STRCMP_EQUAL("bras", interim.nas.c_str());
  STRCMP_EQUAL(aaa::acct::sessionUid("bras", "a1", 1, "").c_str(), interim.uid.c_str());
  LONGS_EQUAL(kDay + 310, interim.at);
  LONGS_EQUAL(1000, interim.counters.inputOctets);
  LONGS_EQUAL(100, interim.counters.outputOctets);
  LONGS_EQUAL(2000, (*all)[3].counters.inputOctets);
  uint64_t aliceSeconds = 0;
  for (const aaa::acct::JournalRow& r : *all)
    if (r.username == "alice") aliceSeconds += r.counters.sessionTime;
  LONGS_EQUAL(400, aliceSeconds);  // her Stop's Acct-Session-Time, in pieces
  core::Result<int64_t> last = aaa::acct::lastJournalSeq(*db);
  CHECK(last.isOk());
  LONGS_EQUAL(all->back().seq, *last);
  // After a watermark, at most `limit` rows, the next ones in order; past the end, none.
  core::Result<std::vector<aaa::acct::JournalRow>> page = aaa::acct::journalAfter(*db, (*all)[1].seq, 2);
  CHECK(page.isOk());
  LONGS_EQUAL(2, page->size());
  LONGS_EQUAL((*all)[2].seq, (*page)[0].seq);
  LONGS_EQUAL((*all)[3].seq, (*page)[1].seq);
  STRCMP_EQUAL("bob", (*page)[0].username.c_str());
  core::Result<std::vector<aaa::acct::JournalRow>> none = aaa::acct::journalAfter(*db, *last, 100);
  CHECK(none.isOk());
  LONGS_EQUAL(0, none->size());
}

TEST(LedgerReads, ClosedSessionsAfterAHistoryId) {
  traffic();
  run(record(aaa::acct::kStop, "bob", "gateway", "b1", 800, kDay + 700));
  core::Result<std::vector<aaa::acct::SessionRow>> closed = aaa::acct::closedSessionsAfter(*db, 0, 10);
  CHECK_TEXT(closed.isOk(), closed.status().message().c_str());
  LONGS_EQUAL(2, closed->size());
  const aaa::acct::SessionRow& alice = (*closed)[0];
  STRCMP_EQUAL("alice", alice.username.c_str());
  STRCMP_EQUAL("closed", alice.state.c_str());
  CHECK(alice.historyId > 0);
  LONGS_EQUAL(kDay + 10, alice.started);
  LONGS_EQUAL(kDay + 400, alice.stopped);
  LONGS_EQUAL(3000, alice.counters.inputOctets);
  STRCMP_EQUAL("bob", (*closed)[1].username.c_str());
  CHECK((*closed)[1].historyId > alice.historyId);
  core::Result<std::vector<aaa::acct::SessionRow>> after = aaa::acct::closedSessionsAfter(*db, alice.historyId, 10);
  CHECK(after.isOk());
  LONGS_EQUAL(1, after->size());
  STRCMP_EQUAL("bob", (*after)[0].username.c_str());
  core::Result<std::vector<aaa::acct::SessionRow>> one = aaa::acct::closedSessionsAfter(*db, 0, 1);
  CHECK(one.isOk());
  LONGS_EQUAL(1, one->size());
  core::Result<std::vector<aaa::acct::SessionRow>> none =
      aaa::acct::closedSessionsAfter(*db, (*closed)[1].historyId, 10);
  CHECK(none.isOk());
  LONGS_EQUAL(0, none->size());
}

TEST(LedgerReads, LiveSessionsOfOneNas) {
  traffic();
  run(record(aaa::acct::kStart, "carol", "bras", "c1", 0, kDay + 630));
  flushAll();  // what a reader on another connection does first (the overlay written)
  core::Result<std::vector<aaa::acct::SessionRow>> gateway = aaa::acct::liveSessions(*db, "", "gateway");
  CHECK_TEXT(gateway.isOk(), gateway.status().message().c_str());
  LONGS_EQUAL(1, gateway->size());
  STRCMP_EQUAL("bob", (*gateway)[0].username.c_str());
  LONGS_EQUAL(500, (*gateway)[0].counters.inputOctets);
  core::Result<std::vector<aaa::acct::SessionRow>> bras = aaa::acct::liveSessions(*db, "", "bras");
  CHECK(bras.isOk());
  LONGS_EQUAL(1, bras->size());
  STRCMP_EQUAL("carol", (*bras)[0].username.c_str());
}

TEST(LedgerReads, LiveSessionsNowSeeWhatTheLazyViewsDoNotHoldYet) {
  // bob's session is young (ADR 0011): no `sessions` row, only its Start and journal rows.
  run(record(aaa::acct::kStart, "bob", "gateway", "b1", 0, kDay + 10));
  run(record(aaa::acct::kInterimUpdate, "bob", "gateway", "b1", 500, kDay + 310));
  run(record(aaa::acct::kStart, "alice", "bras", "a1", 0, kDay + 20));
  core::Result<std::vector<aaa::acct::SessionRow>> raw = aaa::acct::liveSessions(*db, "", "gateway");
  CHECK(raw.isOk());
  LONGS_EQUAL(0, raw->size());  // what a plain read of the table misses
  core::Result<std::vector<aaa::acct::SessionRow>> young = aaa::acct::liveSessionsNow(*db, "gateway");
  CHECK_TEXT(young.isOk(), young.status().message().c_str());
  LONGS_EQUAL(1, young->size());
  const aaa::acct::SessionRow& b = (*young)[0];
  STRCMP_EQUAL("bob", b.username.c_str());
  STRCMP_EQUAL("b1", b.acctSessionId.c_str());
  STRCMP_EQUAL("active", b.state.c_str());
  LONGS_EQUAL(kDay + 10, b.started);
  LONGS_EQUAL(kDay + 310, b.updated);
  LONGS_EQUAL(500, b.counters.inputOctets);
  LONGS_EQUAL(50, b.counters.outputOctets);
  LONGS_EQUAL(310, b.counters.sessionTime);
  // Written to `sessions`, then an Interim the view does not hold yet: the row plus the journal tail.
  flushAll();
  run(record(aaa::acct::kInterimUpdate, "bob", "gateway", "b1", 800, kDay + 610));
  core::Result<std::vector<aaa::acct::SessionRow>> table = aaa::acct::liveSessions(*db, "", "gateway");
  CHECK(table.isOk() && table->size() == 1);
  LONGS_EQUAL(500, (*table)[0].counters.inputOctets);
  core::Result<std::vector<aaa::acct::SessionRow>> now = aaa::acct::liveSessionsNow(*db, "gateway");
  CHECK(now.isOk());
  LONGS_EQUAL(1, now->size());
  LONGS_EQUAL(800, (*now)[0].counters.inputOctets);
  LONGS_EQUAL(610, (*now)[0].counters.sessionTime);
  LONGS_EQUAL(kDay + 610, (*now)[0].updated);
  // The same totals the writer's view holds once it flushed.
  flushAll();
  core::Result<std::vector<aaa::acct::SessionRow>> flushed = aaa::acct::liveSessions(*db, "", "gateway");
  CHECK(flushed.isOk() && flushed->size() == 1);
  LONGS_EQUAL((*flushed)[0].counters.inputOctets, (*now)[0].counters.inputOctets);
  LONGS_EQUAL((*flushed)[0].counters.outputOctets, (*now)[0].counters.outputOctets);
  LONGS_EQUAL((*flushed)[0].updated, (*now)[0].updated);
  // Every NAS when none is named; a closed session is gone.
  core::Result<std::vector<aaa::acct::SessionRow>> all = aaa::acct::liveSessionsNow(*db, "");
  CHECK(all.isOk());
  LONGS_EQUAL(2, all->size());
  run(record(aaa::acct::kStop, "bob", "gateway", "b1", 900, kDay + 700));
  core::Result<std::vector<aaa::acct::SessionRow>> after = aaa::acct::liveSessionsNow(*db, "gateway");
  CHECK(after.isOk());
  LONGS_EQUAL(0, after->size());
}
