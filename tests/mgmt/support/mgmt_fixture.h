// The management plane's services on the storage of this run (tests/support/test_storage.h: SQLite
// on a temporary file, or PostgreSQL when MGMT_TEST_PG_DSN is set), with a CA and license key in a
// temporary data folder and a clock the test sets. Header-only, for the tests under tests/mgmt;
// include it last (it ends with CppUTest's headers).
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

#include "core/clock.h"
#include "core/command/command.h"
#include "core/pki.h"
#include "core/sync_wire.h"
#include "mgmt/authority.h"
#include "mgmt/mgmt_commands.h"
#include "mgmt/mgmt_config.h"
#include "mgmt/mgmt_schema.h"
#include "mgmt/platform.h"
#include "mgmt/tiers.h"
#include "tests/support/test_storage.h"

namespace mgmt::testing {

// The lazily built tables, built before the tests run (CppUTest's leak checker counts them otherwise).
// mgmtd's command specs are whole here: catalog's argument tables they copy are built on first use.
inline bool warm() {
  static const bool done = (mgmtStorageMigrations(), mgmtMigrations(), tiers(), mgmtRoles(), mgmtConfigTable(),
                            mgmtCommandSpecs(), core::pki::randomHex(1), core::SystemClock::instance(), true);
  return done;
}

// Every test program that includes this header builds the tables before main.
inline const bool kWarmed = warm();

inline const std::vector<core::command::Spec>& commandSpecs() { return mgmtCommandSpecs(); }

inline int64_t wallNow() { return core::SystemClock::instance().unixSeconds(); }

struct Fixture {
  std::string dir;
  MgmtConfig config;
  Authority authority;
  core::ManualClock clock{wallNow() * 1000};
  store::testing::TestStorage testStorage;
  std::unique_ptr<store::Storage> storage;
  std::unique_ptr<Platform> platform;
  std::unique_ptr<core::command::Table> table;

  // On this run's test storage, in a new data folder. Or on `storageConfig` (a platform over a
  // database of the test's choosing), and in `dataDir` when given (a second platform with the same
  // CA and keys as the first: the platform a copy or a restore made).
  explicit Fixture(const store::StorageConfig* storageConfig = nullptr, const std::string& dataDir = "") {
    char tmpl[] = "/tmp/mgmt-unit-XXXXXX";
    const char* made = dataDir.empty() ? ::mkdtemp(tmpl) : dataDir.c_str();
    dir = made != nullptr ? made : "/tmp";
    config = mgmtConfigTable().defaults();
    config.dataDir = dir;
    config.deviceApi.port = 8443;
    core::Status s = authority.open(config, now());
    if (!s.isOk()) throw std::runtime_error("authority: " + s.message());
    core::Result<std::unique_ptr<store::Storage>> opened =
        storageConfig != nullptr ? store::Storage::open(*storageConfig, mgmtStorageMigrations())
                                 : testStorage.open(mgmtStorageMigrations());
    if (!opened.isOk()) throw std::runtime_error("storage: " + opened.status().toString());
    storage = std::move(*opened);
    platform = std::make_unique<Platform>(config, authority, *storage, clock);
    table = std::make_unique<core::command::Table>(mgmtRoles(), commandSpecs());
    platform->bind(*table);
  }
  ~Fixture() {
    table.reset();
    platform.reset();
    storage.reset();
    std::system(("rm -rf " + dir).c_str());
  }

  int64_t now() const { return clock.unixSeconds(); }

  // A tenant admin's or the platform owner's command through the command table, as mgmtctl and the
  // admin API send it: role and arguments checked by the table, the tenant scope by the service.
  core::ControlReply call(const std::string& command, const core::Json& args,
                          const tenancy::Caller& caller = tenancy::Caller{}) {
    core::command::Caller c{caller.platform() ? "platform-owner" : "tenant-admin", caller.tenantId, "test"};
    return table->call(c, command, args);
  }

  std::string tenant(const std::string& name, const std::string& tier) {
    core::ControlReply r = call("tenant-add", core::Json{{"name", name}, {"tier", tier}});
    if (r.result != 0) throw std::runtime_error("tenant-add: " + r.text);
    return r.arguments["id"].get<std::string>();
  }

  std::string claimSecret(const std::string& tenantName, const core::Json& more = core::Json::object()) {
    core::Json args = more;
    args["tenant"] = tenantName;
    core::ControlReply claim = call("claim-create", args);
    if (claim.result != 0) throw std::runtime_error("claim-create: " + claim.text);
    return core::sync::decodeClaimToken(claim.arguments["token"].get<std::string>())->secret;
  }

  // Enrolls a box for the tenant; the device as the device API identifies it.
  fleet::Device enroll(const std::string& tenantName, std::string* certificate = nullptr) {
    std::string key = *core::pki::generateKey();
    core::Result<core::sync::EnrollResponse> r = platform->fleet.enroll(
        core::sync::EnrollRequest{claimSecret(tenantName), *core::pki::createCsr(key, "box"), "box", "t", ""}, now());
    if (!r.isOk()) throw std::runtime_error("enroll: " + r.status().message());
    if (certificate != nullptr) *certificate = r->certificate;
    core::Result<fleet::Device> d = platform->fleet.authenticate(core::pki::certificateInfo(r->certificate)->pem);
    if (!d.isOk()) throw std::runtime_error("authenticate: " + d.status().message());
    return *d;
  }
};

}  // namespace mgmt::testing

#include <CppUTest/TestHarness.h>
