// The sync area's store (edge/sync/sync_store.h) on its tables in a temporary database: the
// enrollment row and a cycle's progress, the records mgmt gave, the bounded outbox.
#include "edge/sync/sync_store.h"

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "edge/sync/sync_schema.h"

#include <CppUTest/TestHarness.h>

namespace {
// Built before main: CppUTest's leak check would count the lazily built list against a test.
const std::vector<core::Migration>& kSyncMigrations = edge::syncMigrations();
}  // namespace

TEST_GROUP(SyncStore) {
  std::string dir;
  std::unique_ptr<core::Database> db;

  void setup() override {
    char tmpl[] = "/tmp/edge-sync-store-XXXXXX";
    char* made = ::mkdtemp(tmpl);
    CHECK(made != nullptr);
    dir = made;
    core::StoreOptions o;
    o.path = dir + "/edge.db";
    core::Result<std::unique_ptr<core::Database>> opened = core::Database::open(o);
    CHECK_TEXT(opened.isOk(), opened.status().message().c_str());
    db = std::move(*opened);
    // The area's tables alone (edged numbers them after the other areas' migrations).
    for (const core::Migration& m : kSyncMigrations) CHECK_TEXT(db->exec(m.sql).isOk(), m.name.c_str());
  }

  void teardown() override {
    db.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

TEST(SyncStore, EnrollmentThenProgressOnlyForTheSameDevice) {
  core::Result<std::optional<edge::sync::SyncStateRow>> none = edge::sync::loadState(*db);
  CHECK_TEXT(none.isOk(), none.status().message().c_str());
  CHECK_FALSE(none->has_value());
  edge::sync::SyncStateRow s;
  s.deviceId = "dev-1";
  s.tenantId = "t-1";
  s.tenantName = "Acme";
  s.url = "https://mgmt.example:8443";
  s.enrolledAt = 1000;
  s.pollInterval = 30;
  CHECK(edge::sync::saveEnrollment(*db, s).isOk());
  s.cursor = 7;
  s.usageWatermark = 42;
  s.sessionWatermark = 3;
  s.eventWatermark = 5;
  s.lastSuccess = 1100;
  s.lastAttempt = 1100;
  s.failures = 0;
  CHECK(edge::sync::saveProgress(*db, s).isOk());
  // A cycle that ran for another enrollment changes nothing.
  edge::sync::SyncStateRow stale = s;
  stale.deviceId = "dev-0";
  stale.cursor = 99;
  stale.lastError = "old";
  CHECK(edge::sync::saveProgress(*db, stale).isOk());
  core::Result<std::optional<edge::sync::SyncStateRow>> got = edge::sync::loadState(*db);
  CHECK(got.isOk() && got->has_value());
  const edge::sync::SyncStateRow& r = **got;
  STRCMP_EQUAL("dev-1", r.deviceId.c_str());
  STRCMP_EQUAL("Acme", r.tenantName.c_str());
  STRCMP_EQUAL("https://mgmt.example:8443", r.url.c_str());
  LONGS_EQUAL(1000, r.enrolledAt);
  LONGS_EQUAL(7, r.cursor);
  LONGS_EQUAL(42, r.usageWatermark);
  LONGS_EQUAL(3, r.sessionWatermark);
  LONGS_EQUAL(5, r.eventWatermark);
  LONGS_EQUAL(30, r.pollInterval);
  LONGS_EQUAL(1100, r.lastSuccess);
  STRCMP_EQUAL("", r.lastError.c_str());
  // Enrolling again (another device record) starts every stream over, session history included.
  edge::sync::SyncStateRow again;
  again.deviceId = "dev-2";
  again.tenantId = "t-1";
  again.tenantName = "Acme";
  again.url = "https://mgmt.example:8443";
  again.enrolledAt = 2000;
  CHECK(edge::sync::saveEnrollment(*db, again).isOk());
  got = edge::sync::loadState(*db);
  CHECK(got.isOk() && got->has_value());
  STRCMP_EQUAL("dev-2", (*got)->deviceId.c_str());
  LONGS_EQUAL(0, (*got)->usageWatermark);
  LONGS_EQUAL(0, (*got)->sessionWatermark);
  LONGS_EQUAL(0, (*got)->eventWatermark);
  LONGS_EQUAL(0, (*got)->cursor);
}

TEST(SyncStore, RecordsSubscribersBeforePlansAndForgotten) {
  CHECK(edge::sync::rememberRecord(*db, "plan", "home", 1).isOk());
  CHECK(edge::sync::rememberRecord(*db, "subscriber", "alice", 2).isOk());
  CHECK(edge::sync::rememberRecord(*db, "plan", "home", 3).isOk());  // a newer version replaces
  auto records = edge::sync::records(*db);
  CHECK(records.isOk());
  LONGS_EQUAL(2, records->size());
  STRCMP_EQUAL("subscriber", (*records)[0].first.c_str());
  STRCMP_EQUAL("alice", (*records)[0].second.c_str());
  STRCMP_EQUAL("plan", (*records)[1].first.c_str());
  CHECK(edge::sync::forgetRecord(*db, "subscriber", "alice").isOk());
  records = edge::sync::records(*db);
  CHECK(records.isOk());
  LONGS_EQUAL(1, records->size());
}

TEST(SyncStore, TheOutboxKeepsTheNewestAndCountsWhatItDrops) {
  for (int i = 1; i <= 3; ++i) {
    core::Result<int64_t> dropped =
        edge::sync::appendOutbox(*db, 100 + i, "subscriber-add", "{\"n\":" + std::to_string(i) + "}", 2);
    CHECK_TEXT(dropped.isOk(), dropped.status().message().c_str());
    LONGS_EQUAL(i == 3 ? 1 : 0, *dropped);
  }
  core::Result<std::vector<edge::sync::OutboxEntry>> all = edge::sync::outboxAfter(*db, 0, 10);
  CHECK(all.isOk());
  LONGS_EQUAL(2, all->size());
  LONGS_EQUAL(2, (*all)[0].seq);
  LONGS_EQUAL(102, (*all)[0].at);
  STRCMP_EQUAL("subscriber-add", (*all)[0].kind.c_str());
  STRCMP_EQUAL("{\"n\":3}", (*all)[1].data.c_str());
  core::Result<std::vector<edge::sync::OutboxEntry>> page = edge::sync::outboxAfter(*db, 2, 1);
  CHECK(page.isOk() && page->size() == 1);
  LONGS_EQUAL(3, (*page)[0].seq);
  LONGS_EQUAL(1, *edge::sync::outboxCountAfter(*db, 2));
  LONGS_EQUAL(2, *edge::sync::outboxCountAfter(*db, 0));
  // A new enrollment starts the streams over.
  CHECK(edge::sync::rememberRecord(*db, "plan", "home", 1).isOk());
  CHECK(edge::sync::clearStreams(*db).isOk());
  LONGS_EQUAL(0, *edge::sync::outboxCountAfter(*db, 0));
  LONGS_EQUAL(0, edge::sync::records(*db)->size());
}
