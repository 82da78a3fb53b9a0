// The management plane's rules without the network: tenants and caps, tenant isolation, changes by
// cursor (and the full resync), idempotent usage, claim tokens (uses, expiry, proof of possession).
#include "mgmt/platform.h"

#include <unistd.h>

#include <cstdlib>

#include "core/clock.h"
#include "core/pki.h"
#include "mgmt/authority.h"
#include "mgmt/mgmt_schema.h"
#include "mgmt/tiers.h"

#include <CppUTest/TestHarness.h>

using core::Json;
using namespace mgmt;

namespace {

// The lazily built tables, built before the tests run (CppUTest's leak checker counts them otherwise).
const bool kWarm = (mgmtMigrations(), tiers(), Platform::commands(), mgmtConfigTable(), core::pki::randomHex(1), true);

int64_t now() { return core::SystemClock::instance().unixSeconds(); }

struct Fixture {
  std::string dir;
  MgmtConfig config;
  Authority authority;
  std::unique_ptr<core::Database> db;
  std::unique_ptr<Platform> platform;

  Fixture() {
    char tmpl[] = "/tmp/mgmt-unit-XXXXXX";
    dir = ::mkdtemp(tmpl);
    config = mgmtConfigTable().defaults();
    config.dataDir = dir;
    config.deviceApi.port = 8443;
    core::Status s = authority.open(config, now());
    CHECK_TRUE_TEXT(s.isOk(), s.message().c_str());
    core::StoreOptions o;
    o.path = dir + "/mgmt.db";
    o.synchronous = core::StoreOptions::Synchronous::kOff;
    o.migrations = mgmtMigrations();
    db = std::move(core::Database::open(o).value());
    platform = std::make_unique<Platform>(config, authority, *db);
  }
  ~Fixture() {
    platform.reset();
    db.reset();
    std::system(("rm -rf " + dir).c_str());
  }
  core::ControlReply call(const std::string& command, Json args, const Caller& caller = Caller{}) {
    return platform->call(command, args, caller);
  }
  std::string tenant(const std::string& name, const std::string& tier) {
    core::ControlReply r = call("tenant-add", Json{{"name", name}, {"tier", tier}});
    CHECK_EQUAL_TEXT(0, r.result, r.text.c_str());
    return r.arguments["id"].get<std::string>();
  }
  Device enroll(const std::string& tenantName) {
    core::ControlReply claim = call("claim-create", Json{{"tenant", tenantName}});
    std::string secret = core::sync::decodeClaimToken(claim.arguments["token"].get<std::string>())->secret;
    std::string key = *core::pki::generateKey();
    ApiResult<core::sync::EnrollResponse> r =
        platform->enroll(core::sync::EnrollRequest{secret, *core::pki::createCsr(key, "box"), "box", "t"}, now());
    CHECK_FALSE(r.error.has_value());
    ApiResult<Device> d = platform->authenticate(core::pki::certificateInfo(r.value.certificate)->pem);
    CHECK_FALSE(d.error.has_value());
    return d.value;
  }
};

}  // namespace

TEST_GROUP(Platform){};

TEST(Platform, CentralCapNamesTheTier) {
  Fixture f;
  f.tenant("acme", "free");
  CHECK_EQUAL(0, f.call("plan-add", Json{{"tenant", "acme"}, {"name", "p"}, {"down", "1M"}, {"up", "1M"}}).result);
  for (int i = 0; i < 100; ++i)
    CHECK_EQUAL(0, f.call("subscriber-add", Json{{"tenant", "acme"}, {"username", "u" + std::to_string(i)},
                                                 {"password", "pw"}, {"plan", "p"}}).result);
  core::ControlReply over = f.call("subscriber-add", Json{{"tenant", "acme"}, {"username", "x"}, {"password", "pw"}, {"plan", "p"}});
  CHECK_EQUAL(1, over.result);
  CHECK_TRUE(over.text.find("subscriber cap of 100") != std::string::npos);
  // Changing an existing one is not adding.
  CHECK_EQUAL(0, f.call("subscriber-set", Json{{"tenant", "acme"}, {"username", "u1"}, {"status", "suspended"}}).result);
  // The box's own rules, centrally: an unknown plan, a bad MAC.
  CHECK_EQUAL(1, f.call("subscriber-set", Json{{"tenant", "acme"}, {"username", "u1"}, {"plan", "nope"}}).result);
  CHECK_EQUAL(1, f.call("subscriber-set", Json{{"tenant", "acme"}, {"username", "u1"}, {"mac", "zz"}}).result);
}

TEST(Platform, TenantCallersSeeOnlyTheirTenant) {
  Fixture f;
  std::string a = f.tenant("acme", "basic");
  std::string b = f.tenant("globex", "basic");
  Caller callerB{b};
  core::ControlReply r = f.call("plan-list", Json{{"tenant", "acme"}}, callerB);
  CHECK_EQUAL(1, r.result);
  CHECK_TRUE(r.text.find("no tenant 'acme'") != std::string::npos);
  CHECK_EQUAL(1, f.call("plan-add", Json{{"tenant", a}, {"name", "p"}, {"down", "1M"}, {"up", "1M"}}, callerB).result);
  CHECK_EQUAL(0, f.call("plan-add", Json{{"name", "mine"}, {"down", "1M"}, {"up", "1M"}}, callerB).result);
  core::ControlReply list = f.call("tenant-list", Json::object(), callerB);
  CHECK_EQUAL(1u, list.arguments.size());
  CHECK_EQUAL(1, f.call("tenant-add", Json{{"name", "x"}, {"tier", "free"}}, callerB).result);
}

TEST(Platform, ChangesByCursorAndFullResync) {
  Fixture f;
  f.tenant("acme", "basic");
  f.tenant("globex", "basic");
  f.call("plan-add", Json{{"tenant", "acme"}, {"name", "p"}, {"down", "1M"}, {"up", "1M"}});
  f.call("plan-add", Json{{"tenant", "globex"}, {"name", "other"}, {"down", "1M"}, {"up", "1M"}});
  f.call("subscriber-add", Json{{"tenant", "acme"}, {"username", "alice"}, {"password", "pw"}, {"plan", "p"}});
  Device d = f.enroll("acme");
  ApiResult<core::sync::ChangePage> all = f.platform->changes(d, 0, 500);
  CHECK_EQUAL(2u, all.value.changes.size());
  STRCMP_EQUAL("plan", all.value.changes[0].kind.c_str());
  CHECK_EQUAL(2, all.value.cursor);
  f.call("subscriber-del", Json{{"tenant", "acme"}, {"username", "alice"}});
  ApiResult<core::sync::ChangePage> next = f.platform->changes(d, all.value.cursor, 500);
  CHECK_EQUAL(1u, next.value.changes.size());
  CHECK_TRUE(next.value.changes[0].deleted);
  CHECK_EQUAL(3, next.value.cursor);
  // Paging.
  ApiResult<core::sync::ChangePage> first = f.platform->changes(d, 0, 1);
  CHECK_TRUE(first.value.more);
  // A cursor from the future (mgmt restored from a backup): everything, as a full resync.
  ApiResult<core::sync::ChangePage> full = f.platform->changes(d, 99, 500);
  CHECK_TRUE(full.value.full);
  CHECK_EQUAL(1u, full.value.changes.size());
  CHECK_EQUAL(3, full.value.cursor);
}

TEST(Platform, UsageIsIdempotentBySequence) {
  Fixture f;
  f.tenant("acme", "basic");
  Device d = f.enroll("acme");
  core::sync::UsageBatch batch{"usage:1-2",
                               {{1, 10, "s", "alice", 100, 1000, 5}, {2, 11, "s", "alice", 50, 500, 5}},
                               {{7, "s", "alice", "bras", 10, 20, 150, 1500, 10, "user-request"}}};
  ApiResult<core::sync::UsageAck> ack = f.platform->usage(d, batch);
  CHECK_EQUAL(2, ack.value.accepted);
  CHECK_EQUAL(2, ack.value.watermark);
  ApiResult<core::sync::UsageAck> replay = f.platform->usage(d, batch);
  CHECK_EQUAL(0, replay.value.accepted);
  CHECK_EQUAL(2, replay.value.duplicates);
  core::ControlReply usage = f.call("usage", Json{{"tenant", "acme"}, {"user", "alice"}});
  CHECK_EQUAL(150, usage.arguments[0]["input-octets"].get<int64_t>());
  CHECK_EQUAL(1500, usage.arguments[0]["output-octets"].get<int64_t>());
  CHECK_EQUAL(7, replay.value.sessionWatermark);
  core::ControlReply sessions = f.call("session-list", Json{{"tenant", "acme"}});
  CHECK_EQUAL(1u, sessions.arguments.size());  // the replay did not double it
  STRCMP_EQUAL("user-request", sessions.arguments[0]["close-reason"].get<std::string>().c_str());
}

TEST(Platform, ClaimsAreUsedOnceAndCheckTheCsr) {
  Fixture f;
  f.tenant("acme", "basic");
  core::ControlReply claim = f.call("claim-create", Json{{"tenant", "acme"}, {"uses", "1"}});
  std::string secret = core::sync::decodeClaimToken(claim.arguments["token"].get<std::string>())->secret;
  std::string key = *core::pki::generateKey();
  std::string csr = *core::pki::createCsr(key, "box");
  // A CSR whose signature does not match: refused before the claim is used.
  std::string other = *core::pki::createCsr(*core::pki::generateKey(), "box");
  std::string mixed = csr.substr(0, csr.size() / 2) + other.substr(other.size() / 2);
  ApiResult<core::sync::EnrollResponse> bad = f.platform->enroll({secret, mixed, "box", ""}, now());
  CHECK_TRUE(bad.error.has_value());
  CHECK_EQUAL(400, bad.error->status);
  ApiResult<core::sync::EnrollResponse> ok = f.platform->enroll({secret, csr, "box", ""}, now());
  CHECK_FALSE(ok.error.has_value());
  ApiResult<core::sync::EnrollResponse> again = f.platform->enroll({secret, csr, "box", ""}, now());
  CHECK_EQUAL(403, again.error->status);
  core::ControlReply shortClaim = f.call("claim-create", Json{{"tenant", "acme"}, {"ttl", "1h"}});
  std::string s2 = core::sync::decodeClaimToken(shortClaim.arguments["token"].get<std::string>())->secret;
  ApiResult<core::sync::EnrollResponse> late = f.platform->enroll({s2, csr, "box", ""}, now() + 7200);
  CHECK_EQUAL(403, late.error->status);
  CHECK_TRUE(late.error->message.find("expired") != std::string::npos);
}
