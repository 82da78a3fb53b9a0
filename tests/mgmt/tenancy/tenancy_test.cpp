// Tenants through the tenancy service, on the storage of this run: names are unique by the store's
// code, a tenant caller sees only its own tenant (another tenant's name answers like a missing one),
// licenses are re-issued with a strictly newer issued-at, a demo tenant comes with its sample data.
#include "mgmt/mgmt_time.h"
#include "tests/mgmt/support/mgmt_fixture.h"  // last: it ends with CppUTest's headers

using core::Json;
using mgmt::tenancy::Caller;
using mgmt::testing::Fixture;

namespace {
}

TEST_GROUP(Tenancy){};

TEST(Tenancy, ATakenNameIsAlreadyExistsAndWritesNothing) {
  Fixture f;
  f.tenant("acme", "basic");
  core::ControlReply again = f.call("tenant-add", Json{{"name", "acme"}, {"tier", "free"}});
  CHECK_EQUAL(1, again.result);
  CHECK_TRUE(again.code == core::Code::kAlreadyExists);
  CHECK_TRUE(again.text.find("exists already") != std::string::npos);
  CHECK_EQUAL(1u, f.call("tenant-list", Json::object()).arguments.size());
  // A rename onto a taken name is refused the same way.
  f.tenant("globex", "basic");
  core::ControlReply rename = f.call("tenant-set", Json{{"tenant", "globex"}, {"name", "acme"}});
  CHECK_TRUE(rename.code == core::Code::kAlreadyExists);
  CHECK_EQUAL(0, f.call("tenant-show", Json{{"tenant", "globex"}}).result);
}

// "platform" names the platform's books in billing commands and "(platform)" is their row: neither
// can be a tenant's name, by tenant-add or by a rename.
TEST(Tenancy, ThePlatformBooksNamesAreReserved) {
  Fixture f;
  for (const char* reserved : {"platform", "(platform)"}) {
    core::ControlReply added = f.call("tenant-add", Json{{"name", reserved}, {"tier", "free"}});
    CHECK_TRUE(added.code == core::Code::kInvalidArgument);
    CHECK_TEXT(added.text.find("is reserved") != std::string::npos, added.text.c_str());
  }
  f.tenant("acme", "basic");
  core::ControlReply rename = f.call("tenant-set", Json{{"tenant", "acme"}, {"name", "platform"}});
  CHECK_TRUE(rename.code == core::Code::kInvalidArgument);
  STRCMP_EQUAL("acme", f.call("tenant-list", Json::object()).arguments[0]["name"].get<std::string>().c_str());
}

TEST(Tenancy, ATenantCallerSeesOnlyItsTenant) {
  Fixture f;
  std::string a = f.tenant("acme", "basic");
  std::string b = f.tenant("globex", "basic");
  Caller callerB{b};
  core::ControlReply list = f.call("tenant-list", Json::object(), callerB);
  CHECK_EQUAL(1u, list.arguments.size());
  STRCMP_EQUAL(b.c_str(), list.arguments[0]["id"].get<std::string>().c_str());
  // Its own without naming it; another by name or id answers exactly like one that does not exist.
  CHECK_EQUAL(0, f.call("tenant-show", Json::object(), callerB).result);
  core::ControlReply other = f.call("tenant-show", Json{{"tenant", "acme"}}, callerB);
  core::ControlReply missing = f.call("tenant-show", Json{{"tenant", "nobody"}}, callerB);
  CHECK_EQUAL(1, other.result);
  CHECK_TRUE(other.code == core::Code::kNotFound);
  CHECK_TRUE(missing.code == core::Code::kNotFound);
  STRCMP_EQUAL("tenant: no tenant 'acme' (see tenant list)", other.text.c_str());
  CHECK_EQUAL(1, f.call("tenant-show", Json{{"tenant", a}}, callerB).result);
  CHECK_EQUAL(1, f.call("license-show", Json{{"tenant", a}}, callerB).result);
  CHECK_EQUAL(0, f.call("license-show", Json::object(), callerB).result);
  // Platform commands are refused to a tenant's token by the table.
  core::ControlReply add = f.call("tenant-add", Json{{"name", "x"}, {"tier", "free"}}, callerB);
  CHECK_EQUAL(1, add.result);
  CHECK_TRUE(add.code == core::Code::kPermissionDenied);
  CHECK_EQUAL(1, f.call("tenant-suspend", Json{{"tenant", a}}, callerB).result);
  CHECK_EQUAL(2u, f.call("tenant-list", Json::object()).arguments.size());
}

TEST(Tenancy, ANewTierOrExpiryIssuesANewerLicense) {
  Fixture f;
  f.tenant("acme", "free");
  core::ControlReply first = f.call("license-show", Json{{"tenant", "acme"}});
  CHECK_EQUAL(0, first.result);
  // Within the same second: issued-at still increases (boxes refuse a license not newer than theirs).
  CHECK_EQUAL(0, f.call("tenant-set", Json{{"tenant", "acme"}, {"tier", "premium"}}).result);
  core::ControlReply second = f.call("license-show", Json{{"tenant", "acme"}});
  CHECK_TRUE(second.arguments["issued-at"] > first.arguments["issued-at"]);
  STRCMP_EQUAL("premium", second.arguments["tier"].get<std::string>().c_str());
  // A rename alone keeps the license.
  CHECK_EQUAL(0, f.call("tenant-set", Json{{"tenant", "acme"}, {"name", "acme2"}}).result);
  core::ControlReply third = f.call("license-show", Json{{"tenant", "acme2"}});
  CHECK_TRUE(third.arguments["id"] == second.arguments["id"]);
  CHECK_EQUAL(1, f.call("tenant-set", Json{{"tenant", "acme2"}, {"tier", "gold"}}).result);
}

TEST(Tenancy, ADowngradeBelowTheSubscribersIsRefused) {
  Fixture f;
  f.tenant("acme", "basic");
  CHECK_EQUAL(0, f.call("plan-add", Json{{"tenant", "acme"}, {"name", "p"}, {"down", "1M"}, {"up", "1M"}}).result);
  for (int i = 0; i < 101; ++i)
    CHECK_EQUAL(0, f.call("subscriber-add", Json{{"tenant", "acme"}, {"username", "u" + std::to_string(i)},
                                                 {"password", "pw"}, {"plan", "p"}}).result);
  core::ControlReply r = f.call("tenant-set", Json{{"tenant", "acme"}, {"tier", "free"}});
  CHECK_EQUAL(1, r.result);
  CHECK_TRUE(r.text.find("allows 100 subscribers") != std::string::npos);
  STRCMP_EQUAL("basic", f.call("tenant-show", Json{{"tenant", "acme"}}).arguments["tier"].get<std::string>().c_str());
}

TEST(Tenancy, SuspendAndResume) {
  Fixture f;
  f.tenant("acme", "basic");
  core::ControlReply s = f.call("tenant-suspend", Json{{"tenant", "acme"}});
  CHECK_EQUAL(0, s.result);
  STRCMP_EQUAL("suspended", s.arguments["status"].get<std::string>().c_str());
  CHECK_TRUE(f.call("claim-create", Json{{"tenant", "acme"}}).code == core::Code::kFailedPrecondition);
  CHECK_EQUAL(0, f.call("tenant-resume", Json{{"tenant", "acme"}}).result);
  CHECK_EQUAL(0, f.call("claim-create", Json{{"tenant", "acme"}}).result);
}

TEST(Tenancy, ADemoTenantComesWithSampleData) {
  Fixture f;
  core::ControlReply r = f.call("tenant-add", Json{{"demo", true}});
  CHECK_EQUAL_TEXT(0, r.result, r.text.c_str());
  CHECK_TRUE(r.arguments["demo"].get<bool>());
  CHECK_EQUAL(3, r.arguments["plans"].get<int64_t>());
  CHECK_EQUAL(50, r.arguments["subscribers"].get<int64_t>());
  std::string name = r.arguments["name"].get<std::string>();
  core::ControlReply usage = f.call("usage", Json{{"tenant", name}});
  CHECK_EQUAL(50u, usage.arguments.size());
  CHECK_EQUAL(12, usage.arguments[0]["records"].get<int64_t>());  // the small scenario: 3 months, weekly
  CHECK_EQUAL(10, r.arguments["devices"].get<int64_t>());
  // The demo's subscribers are versioned like any other: a box gets them all.
  core::Result<core::sync::ChangePage> page = f.platform->catalog.changes(r.arguments["id"].get<std::string>(), 0, 5000);
  CHECK_TRUE(page.isOk());
  CHECK_EQUAL(53u, page->changes.size());
}

// The demo-expiry job (mgmtd runs it under a singleton lock): an active demo past its expiry is
// suspended, once; a regular tenant past its expiry and a demo still in its week are left alone.
TEST(Tenancy, TheDemoExpiryJobSuspendsExpiredDemosOnly) {
  Fixture f;
  core::ControlReply demo = f.call("tenant-add", Json{{"demo", true}, {"name", "trial"}});
  CHECK_EQUAL_TEXT(0, demo.result, demo.text.c_str());
  f.tenant("acme", "basic");
  CHECK_EQUAL(0, f.call("tenant-set", Json{{"tenant", "acme"}, {"expires", mgmt::iso(f.now() + 86400)}}).result);
  core::Result<std::vector<std::string>> none = f.platform->tenancy.expireDemos();
  CHECK_TRUE(none.isOk());
  CHECK_EQUAL(0u, none->size());

  f.clock.advance(std::chrono::hours(24 * 7 + 1));  // past the demo's 7 days and acme's expiry
  core::Result<std::vector<std::string>> expired = f.platform->tenancy.expireDemos();
  CHECK_TRUE(expired.isOk());
  CHECK_EQUAL(1u, expired->size());
  STRCMP_EQUAL("trial", expired->at(0).c_str());
  STRCMP_EQUAL("suspended",
               f.call("tenant-show", Json{{"tenant", "trial"}}).arguments["status"].get<std::string>().c_str());
  STRCMP_EQUAL("active", f.call("tenant-show", Json{{"tenant", "acme"}}).arguments["status"].get<std::string>().c_str());
  // Again: nothing more to do.
  CHECK_EQUAL(0u, f.platform->tenancy.expireDemos()->size());
}
