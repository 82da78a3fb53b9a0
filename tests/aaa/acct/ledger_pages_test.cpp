// The ledger's reads for screens (aaa/acct/ledger_pages.cpp): a page of live sessions filtered by part
// of a username, a NAS, the start of an address and part of a MAC (separators and case ignored),
// sorted by start, bytes or user, counted, paged by offset or by key; sessions per NAS; usage per day.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "aaa/acct/ledger.h"
#include "tests/aaa/acct/ledger_db.h"

#include <CppUTest/TestHarness.h>

namespace {

using aaa::acct::AcctRecord;
using aaa::acct::Ledger;
using aaa::acct::SessionQuery;

using aaa::acct::test::kDay;

AcctRecord start(const std::string& user, const std::string& nas, const std::string& sid, const std::string& ip,
                 const std::string& mac, int64_t at) {
  AcctRecord r;
  r.statusType = aaa::acct::kStart;
  r.acctSessionId = sid;
  r.username = user;
  r.nas = nas;
  r.nasAddress = "127.0.0.1";
  r.uid = aaa::acct::sessionUid(nas, sid, 1, "");
  r.nasPort = 1;
  r.framedIp = ip;
  r.callingStationId = mac;
  r.eventTime = at;
  r.staleAfter = 900;
  return r;
}

AcctRecord interim(AcctRecord r, uint64_t in, uint64_t out, int64_t at) {
  r.statusType = aaa::acct::kInterimUpdate;
  r.eventTime = at;
  r.counters.inputOctets = in;
  r.counters.outputOctets = out;
  r.counters.sessionTime = static_cast<uint32_t>(at - kDay);
  return r;
}

}  // namespace

TEST_GROUP_BASE(LedgerPages, aaa::acct::test::LedgerDbTest) {
  aaa::acct::SessionPage page(const SessionQuery& q) {
    core::Result<aaa::acct::SessionPage> p = aaa::acct::liveSessionPage(*db, q);
    CHECK_TEXT(p.isOk(), p.status().message().c_str());
    return *p;
  }

  // alice on nas-a (10.1.0.5, AA-BB-CC-00-00-01), bob on nas-a (10.1.0.6), carol on nas-b (10.2.0.7,
  // aa:bb:cc:00:00:03); bob used the most, alice started last.
  void fill() {
    AcctRecord a = start("alice", "nas-a", "s1", "10.1.0.5", "AA-BB-CC-00-00-01", kDay + 30);
    AcctRecord b = start("Bob", "nas-a", "s2", "10.1.0.6", "aa:bb:cc:00:00:02", kDay + 10);
    AcctRecord c = start("carol", "nas-b", "s3", "10.2.0.7", "aa:bb:cc:00:00:03", kDay + 20);
    run(a);
    run(b);
    run(c);
    run(interim(a, 100, 200, kDay + 60));
    run(interim(b, 5000, 9000, kDay + 60));
    run(interim(c, 1000, 1000, kDay + 60));
    flushAll();
  }
};

TEST(LedgerPages, EverySessionNewestFirstWithTheTotal) {
  fill();
  aaa::acct::SessionPage p = page(SessionQuery{});
  LONGS_EQUAL(3, p.total);
  LONGS_EQUAL(3, p.rows.size());
  STRCMP_EQUAL("alice", p.rows[0].username.c_str());
  STRCMP_EQUAL("carol", p.rows[1].username.c_str());
  STRCMP_EQUAL("Bob", p.rows[2].username.c_str());
  LONGS_EQUAL(200, p.rows[0].counters.outputOctets);
}

TEST(LedgerPages, SortsByBytesAndByUser) {
  fill();
  SessionQuery q;
  q.sort = SessionQuery::Sort::kBytes;
  aaa::acct::SessionPage p = page(q);
  STRCMP_EQUAL("Bob", p.rows[0].username.c_str());
  STRCMP_EQUAL("carol", p.rows[1].username.c_str());
  STRCMP_EQUAL("alice", p.rows[2].username.c_str());
  q.sort = SessionQuery::Sort::kUser;
  p = page(q);
  // SQLite's binary order: upper case first.
  STRCMP_EQUAL("Bob", p.rows[0].username.c_str());
  STRCMP_EQUAL("alice", p.rows[1].username.c_str());
  STRCMP_EQUAL("carol", p.rows[2].username.c_str());
}

TEST(LedgerPages, FiltersByPartOfTheUsernameInAnyCase) {
  fill();
  SessionQuery q;
  q.user = "BO";
  aaa::acct::SessionPage p = page(q);
  LONGS_EQUAL(1, p.total);
  STRCMP_EQUAL("Bob", p.rows[0].username.c_str());
  q.user = "ar";  // carol
  p = page(q);
  LONGS_EQUAL(1, p.total);
  STRCMP_EQUAL("carol", p.rows[0].username.c_str());
}

TEST(LedgerPages, FiltersByNasAddressPrefixAndMacDigits) {
  fill();
  SessionQuery q;
  q.nas = "nas-a";
  LONGS_EQUAL(2, page(q).total);
  q.nas = "nas";  // a NAS name is matched whole
  LONGS_EQUAL(0, page(q).total);
  q = SessionQuery{};
  q.ip = "10.1.";
  LONGS_EQUAL(2, page(q).total);
  q.ip = "10.2.0.7";
  LONGS_EQUAL(1, page(q).total);
  q = SessionQuery{};
  q.mac = "bb:cc:00:00:01";  // stored as AA-BB-CC-00-00-01
  aaa::acct::SessionPage p = page(q);
  LONGS_EQUAL(1, p.total);
  STRCMP_EQUAL("alice", p.rows[0].username.c_str());
  q.mac = "AABBCC";
  LONGS_EQUAL(3, page(q).total);
  q.nas = "nas-b";  // filters combine
  LONGS_EQUAL(1, page(q).total);
}

TEST(LedgerPages, PagesByOffsetAndCountsEveryMatch) {
  fill();
  SessionQuery q;
  q.limit = 2;
  aaa::acct::SessionPage p = page(q);
  LONGS_EQUAL(3, p.total);
  LONGS_EQUAL(2, p.rows.size());
  q.offset = 2;
  p = page(q);
  LONGS_EQUAL(3, p.total);
  LONGS_EQUAL(1, p.rows.size());
  STRCMP_EQUAL("Bob", p.rows[0].username.c_str());
  q.offset = 3;
  p = page(q);
  LONGS_EQUAL(3, p.total);
  LONGS_EQUAL(0, p.rows.size());
  q.limit = 0;
  CHECK(!aaa::acct::liveSessionPage(*db, q).isOk());
}

TEST(LedgerPages, ClosedSessionsAreNotOnThePage) {
  fill();
  AcctRecord stop = interim(start("Bob", "nas-a", "s2", "10.1.0.6", "aa:bb:cc:00:00:02", kDay + 10), 6000, 9000, kDay + 90);
  stop.statusType = aaa::acct::kStop;
  run(stop);
  flushAll();
  aaa::acct::SessionPage p = page(SessionQuery{});
  LONGS_EQUAL(2, p.total);
  core::Result<std::vector<std::pair<std::string, int64_t>>> perNas = aaa::acct::liveSessionsPerNas(*db);
  CHECK(perNas.isOk());
  LONGS_EQUAL(2, perNas->size());
  STRCMP_EQUAL("nas-a", (*perNas)[0].first.c_str());  // a tie: by name
  LONGS_EQUAL(1, (*perNas)[0].second);
  STRCMP_EQUAL("nas-b", (*perNas)[1].first.c_str());
}

TEST(LedgerPages, UsagePerDayOldestFirst) {
  AcctRecord a = start("alice", "nas-a", "s1", "10.1.0.5", "", kDay + 30);
  run(a);
  run(interim(a, 100, 200, kDay + 60));
  run(interim(a, 400, 800, kDay + 86400 + 60));  // the next day: +300 in, +600 out
  flushAll();
  core::Result<std::vector<aaa::acct::DayUsage>> days = aaa::acct::dailyUsage(*db, "alice", kDay, kDay + 2 * 86400);
  CHECK_TEXT(days.isOk(), days.status().message().c_str());
  LONGS_EQUAL(2, days->size());
  LONGS_EQUAL(kDay, (*days)[0].dayStart);
  LONGS_EQUAL(100, (*days)[0].counters.inputOctets);
  LONGS_EQUAL(kDay + 86400, (*days)[1].dayStart);
  LONGS_EQUAL(300, (*days)[1].counters.inputOctets);
  LONGS_EQUAL(600, (*days)[1].counters.outputOctets);
  days = aaa::acct::dailyUsage(*db, "alice", kDay + 86400, kDay + 2 * 86400);
  CHECK(days.isOk());
  LONGS_EQUAL(1, days->size());
}

TEST(LedgerPages, MacsWrittenTheWaysNasWriteThemAndLiteralWildcards) {
  run(start("cisco", "nas-a", "c1", "10.9.0.1", "0200.5e00.00aa", kDay + 1));
  run(start("bare", "nas-a", "c2", "10.9.0.2", "02005E0000BB", kDay + 2));
  run(start("colon", "nas-a", "c3", "10.9.0.3", "02:00:5e:00:00:cc", kDay + 3));
  run(start("50%_off", "nas-a", "c4", "10.9.0.4", "", kDay + 4));
  flushAll();
  SessionQuery q;
  q.mac = "5e-00-00-aa";  // written with '-', stored with '.'
  aaa::acct::SessionPage p = page(q);
  LONGS_EQUAL(1, p.total);
  STRCMP_EQUAL("cisco", p.rows[0].username.c_str());
  q.mac = "5E:00:00:BB";
  p = page(q);
  LONGS_EQUAL(1, p.total);
  STRCMP_EQUAL("bare", p.rows[0].username.c_str());
  q.mac = "e0000c";  // starting on the second digit of a pair
  p = page(q);
  LONGS_EQUAL(1, p.total);
  STRCMP_EQUAL("colon", p.rows[0].username.c_str());
  q.mac = "02005e";
  LONGS_EQUAL(3, page(q).total);
  q = SessionQuery{};
  q.user = "%_";  // literal, not wildcards
  p = page(q);
  LONGS_EQUAL(1, p.total);
  STRCMP_EQUAL("50%_off", p.rows[0].username.c_str());
  q.user = "_";
  LONGS_EQUAL(1, page(q).total);
}

// Keyset paging: the page after a row's key and the page before one, in each sort, give every
// session once and in the order the offset pages give them; ties on the sort's number go by uid.
TEST(LedgerPages, PagesByKeyInEverySortLikeTheOffsetPages) {
  for (int i = 0; i < 7; ++i) {
    // Two sessions per start time and per byte count (ties), one user for three of them.
    AcctRecord r = start(i < 3 ? "dave" : "user" + std::to_string(i), "nas-a", "k" + std::to_string(i),
                         "10.3.0." + std::to_string(i), "", kDay + 100 + i / 2);
    run(r);
    run(interim(r, 10 * (i / 2), 0, kDay + 200));
  }
  flushAll();
  for (SessionQuery::Sort sort : {SessionQuery::Sort::kStarted, SessionQuery::Sort::kBytes, SessionQuery::Sort::kUser}) {
    SessionQuery all;
    all.sort = sort;
    std::vector<aaa::acct::SessionRow> expected = page(all).rows;
    LONGS_EQUAL(7, expected.size());
    SessionQuery q;
    q.sort = sort;
    q.limit = 3;
    std::vector<std::string> forward;
    std::vector<aaa::acct::SessionRow> last;
    for (int n = 0; n < 3; ++n) {
      aaa::acct::SessionPage p = page(q);
      LONGS_EQUAL(7, p.total);
      for (const auto& r : p.rows) forward.push_back(r.uid);
      last = p.rows;
      q.after = aaa::acct::sessionKeyOf(p.rows.back(), sort);
    }
    LONGS_EQUAL(7, forward.size());
    for (size_t i = 0; i < expected.size(); ++i) STRCMP_EQUAL(expected[i].uid.c_str(), forward[i].c_str());
    LONGS_EQUAL(0, page(q).rows.size());  // after the last row
    // Back from the last page (one row): the page before it is rows 3..5, then 0..2.
    q.after.reset();
    q.before = aaa::acct::sessionKeyOf(last.front(), sort);
    aaa::acct::SessionPage back = page(q);
    LONGS_EQUAL(3, back.rows.size());
    for (size_t i = 0; i < 3; ++i) STRCMP_EQUAL(expected[3 + i].uid.c_str(), back.rows[i].uid.c_str());
    q.before = aaa::acct::sessionKeyOf(back.rows.front(), sort);
    back = page(q);
    LONGS_EQUAL(3, back.rows.size());
    for (size_t i = 0; i < 3; ++i) STRCMP_EQUAL(expected[i].uid.c_str(), back.rows[i].uid.c_str());
  }
  SessionQuery both;
  both.after = aaa::acct::SessionKey{};
  both.before = aaa::acct::SessionKey{};
  CHECK(!aaa::acct::liveSessionPage(*db, both).isOk());
}

// The MAC filter through the index of migration 7 (few matches: uids from the index, then the
// rows) and through a scan of the table (more matches than those lookups are worth) finds what a
// plain search of the normalized MACs finds, newest first.
TEST(LedgerPages, TheMacFilterFindsTheSameThroughTheIndexAndTheTable) {
  std::vector<std::string> digits;  // by i: the MAC as the filter compares it
  for (int i = 0; i < 2100; ++i) {
    char mac[20];
    std::snprintf(mac, sizeof mac, "02-00-00-00-%02X-%02X", (i >> 8) & 255, i & 255);
    char hex[16];
    std::snprintf(hex, sizeof hex, "02000000%02x%02x", (i >> 8) & 255, i & 255);
    digits.emplace_back(hex);
    run(start("m" + std::to_string(i), "nas-a", "m" + std::to_string(i), "10.4.0.1", mac, kDay + i));
  }
  flushAll();
  for (const char* part : {"02:00:00:00:07:34", "00-07-3", "0200000", "7"}) {
    std::string want;
    for (char c : std::string(part))
      if (std::isxdigit(static_cast<unsigned char>(c))) want.push_back(static_cast<char>(std::tolower(c)));
    std::vector<std::string> expected;  // newest (highest i) first
    for (int i = 2099; i >= 0; --i)
      if (digits[static_cast<size_t>(i)].find(want) != std::string::npos) expected.push_back("m" + std::to_string(i));
    SessionQuery q;
    q.mac = part;
    aaa::acct::SessionPage p = page(q);
    LONGS_EQUAL_TEXT(expected.size(), p.total, part);
    LONGS_EQUAL_TEXT(std::min<size_t>(50, expected.size()), p.rows.size(), part);
    for (size_t k = 0; k < p.rows.size(); ++k) STRCMP_EQUAL_TEXT(expected[k].c_str(), p.rows[k].username.c_str(), part);
  }
}
