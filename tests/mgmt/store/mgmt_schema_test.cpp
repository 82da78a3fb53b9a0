// mgmt's schema (mgmt/mgmt_schema.cpp) on the backend of this run: both texts of every migration
// make the same tables with the same constraints, and a mgmt.db made the way mgmtd has always made
// it opens through the storage interface at the same version.
#include <memory>
#include <string>

#include "core/store.h"
#include "mgmt/mgmt_schema.h"
#include "mgmt/store/sql.h"
#include "tests/support/test_storage.h"

#include <CppUTest/TestHarness.h>

using mgmt::store::Backend;
using mgmt::store::Storage;
using mgmt::store::Transaction;
using mgmt::store::testing::TestStorage;

namespace {

const bool kSchemaWarm = (mgmt::mgmtStorageMigrations(), mgmt::mgmtMigrations(), true);

core::Status addTenant(Transaction& t, const std::string& id, const std::string& name) {
  return t.exec("INSERT INTO tenants (id, name, tier, created_at, expires_at) VALUES ($1, $2, 'starter', $3, $4)",
                {id, name, int64_t{1000}, int64_t{2000}})
      .status();
}

}  // namespace

TEST_GROUP(MgmtSchema) {
  TestStorage where;
  std::unique_ptr<Storage> storage;

  void setup() override {
    (void)kSchemaWarm;
    auto opened = where.open(mgmt::mgmtStorageMigrations());
    if (!opened.isOk()) FAIL(opened.status().toString().c_str());
    storage = std::move(*opened);
  }
  void teardown() override { storage.reset(); }
};

TEST(MgmtSchema, EveryMigrationAppliesAndTheConstraintsHold) {
  LONGS_EQUAL(static_cast<long>(mgmt::mgmtStorageMigrations().size()), storage->schemaVersion());
  int64_t firstCommand = 0;
  core::Status s = storage->transact([&](Transaction& t) -> core::Status {
    EDGE_RETURN_IF_ERROR(addTenant(t, "t1", "Acme"));
    EDGE_RETURN_IF_ERROR(t.exec("INSERT INTO plans (tenant_id, name, spec, version, updated_at) VALUES ($1, $2, $3, 1, 5)",
                                {"t1", "basic", "{}"})
                             .status());
    EDGE_ASSIGN_OR_RETURN(firstCommand,
                          t.queryInt64("INSERT INTO commands (tenant_id, device_id, kind, arguments, created_at)"
                                       " VALUES ($1, $2, $3, $4, $5) RETURNING id",
                                       {"t1", "d1", "reboot", "{}", int64_t{7}}));
    // Migration 2's columns are there with their defaults.
    EDGE_RETURN_IF_ERROR(t.exec("INSERT INTO tokens (id, tenant_id, secret_sha256, created_at) VALUES ($1, NULL, $2, 1)",
                                {"tok", "abc"})
                             .status());
    EDGE_ASSIGN_OR_RETURN(int64_t expires, t.queryInt64("SELECT expires_at + revoked_at + last_used_at FROM tokens"));
    if (expires != 0) return core::internalError("token defaults are not 0");
    return core::Status::ok();
  });
  CHECK_TRUE_TEXT(s.isOk(), s.toString().c_str());
  CHECK(firstCommand > 0);
  s = storage->transact([](Transaction& t) { return addTenant(t, "t2", "Acme"); });
  CHECK_TRUE_TEXT(s.code() == core::Code::kAlreadyExists, s.toString().c_str());
  s = storage->transact([](Transaction& t) {
    return t.exec("INSERT INTO plans (tenant_id, name, spec, version, updated_at) VALUES ($1, $2, $3, 1, 5)",
                  {"nobody", "basic", "{}"})
        .status();
  });
  CHECK_TRUE_TEXT(s.code() == core::Code::kFailedPrecondition, s.toString().c_str());
  s = storage->transact([](Transaction& t) { return t.exec("UPDATE tenants SET status = 'gone'").status(); });
  CHECK_TRUE_TEXT(s.code() == core::Code::kFailedPrecondition, s.toString().c_str());
  // 64-bit counters on both.
  s = storage->transact([](Transaction& t) {
    return t.exec("INSERT INTO usage_totals (tenant_id, username, input_octets) VALUES ($1, $2, $3)",
                  {"t1", "alice", int64_t{1} << 40})
        .status();
  });
  CHECK_TRUE(s.isOk());
}

TEST_GROUP(MgmtSchemaSqlite){};

// The mgmt.db of a release before the storage interface: made by core::Database with the SQLite
// texts, as mgmtd.cpp opens it.
TEST(MgmtSchemaSqlite, AnExistingMgmtDbOpensAtItsVersionWithItsRows) {
  TestStorage where;
  if (where.config().backend != Backend::kSqlite) return;  // a file format question: SQLite only
  {
    core::StoreOptions options;
    options.path = where.config().path;
    options.migrations = mgmt::mgmtMigrations();
    auto db = core::Database::open(options);
    CHECK_TRUE(db.isOk());
    CHECK_TRUE((*db)->exec("INSERT INTO tenants (id, name, tier, created_at, expires_at) VALUES ('t1','Old','starter',1,2)").isOk());
  }
  auto opened = where.open(mgmt::mgmtStorageMigrations());
  CHECK_TRUE_TEXT(opened.isOk(), opened.status().toString().c_str());
  LONGS_EQUAL(static_cast<long>(mgmt::mgmtStorageMigrations().size()), (*opened)->schemaVersion());
  std::string name;
  CHECK_TRUE((*opened)
                 ->transact([&](Transaction& t) -> core::Status {
                   EDGE_ASSIGN_OR_RETURN(auto row, t.queryOne("SELECT name FROM tenants WHERE id = $1", {"t1"}));
                   if (row) name = row->text(0);
                   return core::Status::ok();
                 })
                 .isOk());
  STRCMP_EQUAL("Old", name.c_str());
  opened->reset();
  // And back: the old way of opening still accepts the file.
  core::StoreOptions options;
  options.path = where.config().path;
  options.migrations = mgmt::mgmtMigrations();
  auto db = core::Database::open(options);
  CHECK_TRUE(db.isOk());
  LONGS_EQUAL(static_cast<long>(mgmt::mgmtMigrations().size()), (*db)->schemaVersion());
}
