// mgmtd's "storage" configuration key (mgmt/mgmt_config.h): what Storage::open gets from it, and
// refusals that name the key.
#include <string>

#include "core/json.h"
#include "mgmt/mgmt_config.h"

#include <CppUTest/TestHarness.h>

namespace {

const bool kConfigWarm = (mgmt::mgmtConfigTable(), true);

core::Result<mgmt::MgmtConfig> parse(const std::string& text) {
  (void)kConfigWarm;
  return mgmt::mgmtConfigTable().parse(core::Json::parse(text));
}

}  // namespace

TEST_GROUP(StorageConfig){};

TEST(StorageConfig, SqliteInDataDirByDefault) {
  auto c = parse(R"({"data-dir": "/srv/mgmt"})");
  CHECK_TRUE(c.isOk());
  mgmt::store::StorageConfig s = c->storageConfig();
  CHECK_TRUE(s.backend == mgmt::store::Backend::kSqlite);
  STRCMP_EQUAL("/srv/mgmt/mgmt.db", s.path.c_str());
  LONGS_EQUAL(4, s.connections);
}

TEST(StorageConfig, PostgresWithItsDsn) {
  auto c = parse(R"({"storage": {"backend": "postgres", "connections": 12,
                     "dsn": "host=db1,db2 dbname=mgmt target_session_attrs=read-write"}})");
  CHECK_TRUE_TEXT(c.isOk(), c.status().toString().c_str());
  mgmt::store::StorageConfig s = c->storageConfig();
  CHECK_TRUE(s.backend == mgmt::store::Backend::kPostgres);
  STRCMP_EQUAL("host=db1,db2 dbname=mgmt target_session_attrs=read-write", s.dsn.c_str());
  LONGS_EQUAL(12, s.connections);
}

TEST(StorageConfig, BadValuesNameTheirKey) {
  auto c = parse(R"({"storage": {"backend": "mysql"}})");
  CHECK_TRUE(c.status().code() == core::Code::kInvalidArgument);
  CHECK_TRUE_TEXT(c.status().message().rfind("storage.backend", 0) == 0, c.status().message().c_str());
  c = parse(R"({"storage": {"backend": "postgres"}})");
  CHECK_TRUE_TEXT(c.status().message().rfind("storage.dsn", 0) == 0, c.status().message().c_str());
  c = parse(R"({"storage": {"dsn": "host=x"}})");
  CHECK_TRUE_TEXT(c.status().message().rfind("storage.dsn", 0) == 0, c.status().message().c_str());
  c = parse(R"({"storage": {"backend": "postgres", "dsn": "host=x", "connections": 0}})");
  CHECK_TRUE_TEXT(c.status().message().rfind("storage.connections", 0) == 0, c.status().message().c_str());
  c = parse(R"({"storage": {"dns": "host=x"}})");
  CHECK_TRUE_TEXT(c.status().message().rfind("storage.dns", 0) == 0, c.status().message().c_str());
}
