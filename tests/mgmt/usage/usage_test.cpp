// What boxes upload, through the usage service, on the storage of this run: usage and sessions are
// idempotent by their keys (a replay changes nothing), events are too, a subscriber made on a box
// becomes a central one, and a tenant reads only its own usage.
#include <random>
#include <thread>
#include <vector>

#include "mgmt/usage/usage_store.h"

#include "mgmt/mgmt_time.h"
#include "tests/mgmt/support/mgmt_fixture.h"  // last: it ends with CppUTest's headers

using core::Json;
using mgmt::tenancy::Caller;
using mgmt::testing::Fixture;

namespace {
}

TEST_GROUP(Usage){};

TEST(Usage, UsageIsIdempotentBySequence) {
  Fixture f;
  f.tenant("acme", "basic");
  mgmt::fleet::Device d = f.enroll("acme");
  core::sync::UsageBatch batch{"usage:1-2",
                               {{1, 10, "s", "alice", 100, 1000, 5}, {2, 11, "s", "alice", 50, 500, 5}},
                               {{7, "s", "alice", "bras", 10, 20, 150, 1500, 10, "user-request"}}};
  core::Result<core::sync::UsageAck> ack = f.platform->usage.upload(d, batch);
  CHECK_TRUE(ack.isOk());
  CHECK_EQUAL(2, ack->accepted);
  CHECK_EQUAL(2, ack->watermark);
  core::Result<core::sync::UsageAck> replay = f.platform->usage.upload(d, batch);
  CHECK_EQUAL(0, replay->accepted);
  CHECK_EQUAL(2, replay->duplicates);
  core::ControlReply usage = f.call("usage", Json{{"tenant", "acme"}, {"user", "alice"}});
  CHECK_EQUAL(150, usage.arguments[0]["input-octets"].get<int64_t>());
  CHECK_EQUAL(1500, usage.arguments[0]["output-octets"].get<int64_t>());
  CHECK_EQUAL(2, usage.arguments[0]["records"].get<int64_t>());
  CHECK_EQUAL(7, replay->sessionWatermark);
  CHECK_EQUAL(2, replay->watermark);
  core::ControlReply sessions = f.call("session-list", Json{{"tenant", "acme"}});
  CHECK_EQUAL(1u, sessions.arguments.size());  // the replay did not double it
  STRCMP_EQUAL("user-request", sessions.arguments[0]["close-reason"].get<std::string>().c_str());
  // A batch that overlaps: only the new row counts; the watermark never goes back.
  core::sync::UsageBatch overlap{"usage:2-3", {{2, 11, "s", "alice", 50, 500, 5}, {3, 12, "s", "alice", 1, 2, 3}}, {}};
  core::Result<core::sync::UsageAck> third = f.platform->usage.upload(d, overlap);
  CHECK_EQUAL(1, third->accepted);
  CHECK_EQUAL(1, third->duplicates);
  CHECK_EQUAL(3, third->watermark);
  CHECK_EQUAL(7, third->sessionWatermark);
  core::sync::UsageBatch old{"usage:1-1", {{1, 10, "s", "alice", 100, 1000, 5}}, {}};
  CHECK_EQUAL(3, f.platform->usage.upload(d, old)->watermark);
  CHECK_EQUAL(151, f.call("usage", Json{{"tenant", "acme"}, {"user", "alice"}}).arguments[0]["input-octets"].get<int64_t>());
}

// A batch larger than one statement takes (UsageStore::kRowsPerStatement), partly a replay: every
// new row is stored once and summed into its own subscriber, to the byte.
TEST(Usage, ALargeBatchIsStoredInSeveralStatementsAndSummedPerSubscriber) {
  Fixture f;
  f.tenant("acme", "basic");
  mgmt::fleet::Device d = f.enroll("acme");
  auto rows = [](int64_t first, int64_t last) {
    core::sync::UsageBatch b;
    b.idempotencyKey = "usage:" + std::to_string(first) + "-" + std::to_string(last);
    for (int64_t s = first; s <= last; ++s)
      b.rows.push_back({s, 1000 + s, "s" + std::to_string(s / 10), "u" + std::to_string(s % 7), s, 2 * s, 1});
    return b;
  };
  core::Result<core::sync::UsageAck> first = f.platform->usage.upload(d, rows(1, 700));
  CHECK_TRUE_TEXT(first.isOk(), first.status().toString().c_str());
  CHECK_EQUAL(700, first->accepted);
  CHECK_EQUAL(0, first->duplicates);
  // 601..1300: 100 replayed rows, 600 new ones.
  core::Result<core::sync::UsageAck> second = f.platform->usage.upload(d, rows(601, 1300));
  CHECK_TRUE_TEXT(second.isOk(), second.status().toString().c_str());
  CHECK_EQUAL(600, second->accepted);
  CHECK_EQUAL(100, second->duplicates);
  CHECK_EQUAL(1300, second->watermark);
  int64_t expectInput[7] = {}, expectRecords[7] = {}, expectLast[7] = {};
  for (int64_t s = 1; s <= 1300; ++s) {
    expectInput[s % 7] += s;
    expectRecords[s % 7] += 1;
    expectLast[s % 7] = 1000 + s;
  }
  core::ControlReply usage = f.call("usage", Json{{"tenant", "acme"}});
  CHECK_EQUAL(7u, usage.arguments.size());
  for (const Json& u : usage.arguments) {
    const size_t k = std::stoul(u["username"].get<std::string>().substr(1));
    CHECK_EQUAL(expectInput[k], u["input-octets"].get<int64_t>());
    CHECK_EQUAL(2 * expectInput[k], u["output-octets"].get<int64_t>());
    CHECK_EQUAL(expectRecords[k], u["records"].get<int64_t>());
    CHECK_EQUAL(expectRecords[k], u["session-time"].get<int64_t>());
    STRCMP_EQUAL(mgmt::iso(expectLast[k]).c_str(), u["last-record"].get<std::string>().c_str());
  }
  core::Result<int64_t> stored = f.platform->usage.usageRecords();
  CHECK_EQUAL(1300, *stored);
}

TEST(Usage, ATenantReadsOnlyItsOwnUsage) {
  Fixture f;
  f.tenant("acme", "basic");
  std::string b = f.tenant("globex", "basic");
  mgmt::fleet::Device d = f.enroll("acme");
  core::sync::UsageBatch batch{"usage:1-1", {{1, 10, "s", "alice", 100, 1000, 5}},
                               {{1, "s", "alice", "bras", 10, 20, 100, 1000, 10, "user-request"}}};
  CHECK_TRUE(f.platform->usage.upload(d, batch).isOk());
  Caller callerB{b};
  core::ControlReply other = f.call("usage", Json{{"tenant", "acme"}}, callerB);
  CHECK_TRUE(other.code == core::Code::kNotFound);
  CHECK_TRUE(f.call("session-list", Json{{"tenant", "acme"}}, callerB).code == core::Code::kNotFound);
  core::ControlReply own = f.call("usage", Json::object(), callerB);
  CHECK_EQUAL(0u, own.arguments.size());
  CHECK_EQUAL(0u, f.call("session-list", Json::object(), callerB).arguments.size());
  // A user with no usage reads as zeros.
  core::ControlReply nobody = f.call("usage", Json{{"tenant", "acme"}, {"user", "bob"}});
  CHECK_EQUAL(1u, nobody.arguments.size());
  CHECK_EQUAL(0, nobody.arguments[0]["records"].get<int64_t>());
}

TEST(Usage, ASubscriberMadeOnABoxBecomesCentralOnce) {
  Fixture f;
  f.tenant("acme", "basic");
  f.call("plan-add", Json{{"tenant", "acme"}, {"name", "p"}, {"down", "1M"}, {"up", "1M"}});
  mgmt::fleet::Device d = f.enroll("acme");
  core::sync::EventBatch batch;
  batch.events.push_back(core::sync::Event{1, f.now(), "subscriber-added",
                                           Json{{"username", "tech1"}, {"password", "pw"}, {"plan", "p"}}});
  batch.events.push_back(core::sync::Event{2, f.now(), "subscriber-added",
                                           Json{{"username", "bad"}, {"password", "pw"}, {"plan", "nope"}}});
  batch.events.push_back(core::sync::Event{3, f.now(), "tech-action", Json{{"what", "reboot"}}});
  core::Result<core::sync::EventAck> ack = f.platform->usage.events(d, batch, f.now());
  CHECK_TRUE(ack.isOk());
  CHECK_EQUAL(3, ack->watermark);
  core::ControlReply subs = f.call("subscriber-list", Json{{"tenant", "acme"}});
  CHECK_EQUAL(1u, subs.arguments.size());
  STRCMP_EQUAL(d.id.c_str(), subs.arguments[0]["origin"].get<std::string>().c_str());
  int64_t version = f.call("tenant-show", Json{{"tenant", "acme"}}).arguments["version"].get<int64_t>();
  // A replay: nothing new, the same watermark.
  core::Result<core::sync::EventAck> replay = f.platform->usage.events(d, batch, f.now());
  CHECK_EQUAL(3, replay->watermark);
  CHECK_EQUAL(version, f.call("tenant-show", Json{{"tenant", "acme"}}).arguments["version"].get<int64_t>());
}

TEST(Usage, TwoReplicasReplayingTheSameBatchAtOnceCountItOnce) {
  Fixture f;
  f.tenant("acme", "basic");
  mgmt::fleet::Device d = f.enroll("acme");
  // A second mgmtd on the same database: its own Storage and services, no state shared in memory.
  core::Result<std::unique_ptr<mgmt::store::Storage>> second = f.testStorage.open(mgmt::mgmtStorageMigrations());
  CHECK_TRUE(second.isOk());
  mgmt::Platform replica(f.config, f.authority, **second, f.clock);
  core::sync::UsageBatch batch{"usage:1-3",
                               {{1, 10, "s", "alice", 100, 1000, 5}, {2, 11, "s", "alice", 50, 500, 5},
                                {3, 12, "s", "bob", 7, 70, 1}},
                               {{4, "s", "alice", "bras", 10, 20, 150, 1500, 10, "user-request"}}};
  std::vector<core::Status> failures[2];
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {
      mgmt::usage::UsageService& usage = t == 0 ? f.platform->usage : replica.usage;
      for (int i = 0; i < 5; ++i) {
        core::Result<core::sync::UsageAck> ack = usage.upload(d, batch);
        if (!ack.isOk()) failures[t].push_back(ack.status());
      }
    });
  for (std::thread& t : threads) t.join();
  CHECK_EQUAL_TEXT(0u, failures[0].size() + failures[1].size(),
                   (failures[0].empty() ? (failures[1].empty() ? std::string() : failures[1][0].toString())
                                        : failures[0][0].toString()).c_str());
  core::ControlReply usage = f.call("usage", Json{{"tenant", "acme"}});
  CHECK_EQUAL(2u, usage.arguments.size());
  CHECK_EQUAL(150, usage.arguments[0]["input-octets"].get<int64_t>());
  CHECK_EQUAL(2, usage.arguments[0]["records"].get<int64_t>());
  CHECK_EQUAL(7, usage.arguments[1]["input-octets"].get<int64_t>());
  CHECK_EQUAL(1u, f.call("session-list", Json{{"tenant", "acme"}}).arguments.size());
  core::Result<core::sync::UsageAck> again = replica.usage.upload(d, batch);
  CHECK_EQUAL(0, again->accepted);
  CHECK_EQUAL(3, again->watermark);
  CHECK_EQUAL(4, again->sessionWatermark);
}

namespace {

// Every row of usage and usage_totals, in key order, one string per row.
std::vector<std::string> dumpUsage(mgmt::store::Storage& storage) {
  std::vector<std::string> out;
  core::Status s = storage.transact(
      [&](mgmt::store::Transaction& tx) -> core::Status {
        out.clear();
        EDGE_ASSIGN_OR_RETURN(std::vector<mgmt::store::Row> rows,
                              tx.query("SELECT device_id, seq, tenant_id, username, session, at, input_octets, "
                                       "output_octets, session_time FROM usage ORDER BY device_id, seq"));
        for (const mgmt::store::Row& r : rows) {
          std::string line = "usage";
          for (size_t c = 0; c < 9; ++c) line += "|" + r.text(c);
          out.push_back(line);
        }
        EDGE_ASSIGN_OR_RETURN(rows, tx.query("SELECT tenant_id, username, input_octets, output_octets, session_time, "
                                             "records, last_at FROM usage_totals ORDER BY tenant_id, username"));
        for (const mgmt::store::Row& r : rows) {
          std::string line = "totals";
          for (size_t c = 0; c < 7; ++c) line += "|" + r.text(c);
          out.push_back(line);
        }
        return core::Status::ok();
      },
      mgmt::store::Storage::Mode::kReadOnly);
  if (!s.isOk()) FAIL(s.toString().c_str());
  return out;
}

}  // namespace

// The COPY path (a staging table, then one de-duplicating insert) against the multi-row INSERTs it
// replaced, on this run's backend: random batches from three boxes of two tenants, overlapping
// ranges of sequence numbers (replays of parts of earlier batches and of whole ones), usernames
// and session ids holding COPY's delimiters and escapes and UTF-8, sizes across the statements'
// chunk boundaries. After every batch both answer the same fresh rows; at the end the usage and
// usage_totals tables are the same, row for row.
TEST(Usage, CopyIngestAndMultiRowInsertsMakeIdenticalTables) {
  Fixture byInsert;
  Fixture byCopy;
  std::mt19937_64 random(21);
  auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(random); };
  const std::vector<std::string> names = {"alice", "bob\tthe tab", "carol\nnewline", "dave\\backslash", "\\N",
                                          "\\.", "\xc3\xa9milie \xe2\x82\xac", "r\xc3\xb6\r\nfr\xc3\xa9", "\xf0\x9f\x93\xb6 wifi",
                                          "quote'\"s"};
  const std::vector<std::pair<std::string, std::string>> boxes = {{"dev-a", "t1"}, {"dev-b", "t1"}, {"dev-c", "t2"}};
  std::vector<std::pair<size_t, std::vector<core::sync::UsageRow>>> sent;
  for (int round = 0; round < 40; ++round) {
    size_t box = static_cast<size_t>(pick(0, 2));
    std::vector<core::sync::UsageRow> rows;
    if (round % 7 == 6 && !sent.empty()) {  // a whole earlier batch again
      const auto& earlier = sent[static_cast<size_t>(pick(0, static_cast<int64_t>(sent.size()) - 1))];
      box = earlier.first;
      rows = earlier.second;
    } else {
      const int64_t first = pick(1, 3000);
      const int64_t n = round < 3 ? (round == 0 ? 1 : round == 1 ? 513 : 1100) : pick(1, 700);
      for (int64_t seq = first; seq < first + n; ++seq) {
        core::sync::UsageRow u;
        u.seq = seq;
        u.at = 1795000000 + pick(0, 1000000);
        u.username = names[static_cast<size_t>(pick(0, static_cast<int64_t>(names.size()) - 1))];
        u.session = "s\t" + std::to_string(pick(0, 50)) + (pick(0, 3) == 0 ? "\\\n\xc3\xbc" : "");
        u.inputOctets = pick(0, int64_t{1} << 40);
        u.outputOctets = pick(0, int64_t{1} << 40);
        u.sessionTime = pick(0, 86400);
        rows.push_back(u);
      }
    }
    sent.emplace_back(box, rows);
    std::vector<int64_t> fresh[2];
    for (int path = 0; path < 2; ++path) {
      Fixture& f = path == 0 ? byInsert : byCopy;
      core::Status s = f.storage->transact([&](mgmt::store::Transaction& tx) -> core::Status {
        fresh[path].clear();
        mgmt::usage::UsageStore usage(tx, path == 0 ? mgmt::usage::IngestPath::kInsert : mgmt::usage::IngestPath::kCopy);
        EDGE_ASSIGN_OR_RETURN(std::vector<const core::sync::UsageRow*> added,
                              usage.insertUsageRows(boxes[box].first, boxes[box].second, rows));
        for (const core::sync::UsageRow* u : added) fresh[path].push_back(u->seq);
        return usage.addToTotals(boxes[box].second, added);
      });
      CHECK_TRUE_TEXT(s.isOk(), s.toString().c_str());
    }
    CHECK_TRUE_TEXT(fresh[0] == fresh[1], ("round " + std::to_string(round)).c_str());
  }
  const std::vector<std::string> a = dumpUsage(*byInsert.storage);
  const std::vector<std::string> b = dumpUsage(*byCopy.storage);
  CHECK_TRUE(a.size() > 1000);
  LONGS_EQUAL(a.size(), b.size());
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) CHECK_EQUAL(a[i], b[i]);
}

// What an upload uses on this run's backend (kBest): the service stores and counts a batch once
// either way; on PostgreSQL this is the COPY path end to end, replays included.
TEST(Usage, TheCopyPathIsExactlyOnceThroughTheService) {
  Fixture f;
  f.tenant("acme", "basic");
  mgmt::fleet::Device d = f.enroll("acme");
  core::sync::UsageBatch batch{"usage:1-600", {}, {}};
  for (int64_t seq = 1; seq <= 600; ++seq)
    batch.rows.push_back({seq, 1795000000 + seq, "s\t1", seq % 2 == 0 ? "al\\ice" : "b\nob", 10, 100, 1});
  core::Result<core::sync::UsageAck> ack = f.platform->usage.upload(d, batch);
  CHECK_TRUE_TEXT(ack.isOk(), ack.status().toString().c_str());
  CHECK_EQUAL(600, ack->accepted);
  core::sync::UsageBatch overlap{"usage:301-900", {}, {}};
  for (int64_t seq = 301; seq <= 900; ++seq)
    overlap.rows.push_back({seq, 1795000000 + seq, "s\t1", seq % 2 == 0 ? "al\\ice" : "b\nob", 10, 100, 1});
  ack = f.platform->usage.upload(d, overlap);
  CHECK_TRUE_TEXT(ack.isOk(), ack.status().toString().c_str());
  CHECK_EQUAL(300, ack->accepted);
  CHECK_EQUAL(300, ack->duplicates);
  CHECK_EQUAL(900, ack->watermark);
  ack = f.platform->usage.upload(d, overlap);
  CHECK_EQUAL(0, ack->accepted);
  core::ControlReply usage = f.call("usage", Json{{"tenant", "acme"}});
  CHECK_EQUAL(2u, usage.arguments.size());
  CHECK_EQUAL("al\\ice", usage.arguments[0]["username"].get<std::string>());
  CHECK_EQUAL(450, usage.arguments[0]["records"].get<int64_t>());
  CHECK_EQUAL(4500, usage.arguments[0]["input-octets"].get<int64_t>());
  CHECK_EQUAL("b\nob", usage.arguments[1]["username"].get<std::string>());
  CHECK_EQUAL(450, usage.arguments[1]["records"].get<int64_t>());
}
