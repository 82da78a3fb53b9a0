// Central plans and subscribers through the catalog service, on the storage of this run: the boxes'
// own rules and the tier's cap, duplicates as already-exists, tenant scoping, and changes() by
// cursor (paging, tombstones, and a full resync for a cursor ahead of the tenant).
#include "tests/mgmt/support/mgmt_fixture.h"  // last: it ends with CppUTest's headers

using core::Json;
using mgmt::tenancy::Caller;
using mgmt::testing::Fixture;

namespace {
}

TEST_GROUP(Catalog){};

TEST(Catalog, CentralCapNamesTheTier) {
  Fixture f;
  f.tenant("acme", "free");
  core::ControlReply plan = f.call("plan-add", Json{{"tenant", "acme"}, {"name", "p"}, {"down", "1M"}, {"up", "1M"}});
  CHECK_EQUAL_TEXT(0, plan.result, plan.text.c_str());
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

TEST(Catalog, DuplicatesAreAlreadyExists) {
  Fixture f;
  f.tenant("acme", "basic");
  Json plan{{"tenant", "acme"}, {"name", "p"}, {"down", "1M"}, {"up", "1M"}};
  CHECK_EQUAL(0, f.call("plan-add", plan).result);
  core::ControlReply again = f.call("plan-add", plan);
  CHECK_TRUE(again.code == core::Code::kAlreadyExists);
  Json sub{{"tenant", "acme"}, {"username", "alice"}, {"password", "pw"}, {"plan", "p"}};
  CHECK_EQUAL(0, f.call("subscriber-add", sub).result);
  CHECK_TRUE(f.call("subscriber-add", sub).code == core::Code::kAlreadyExists);
  // Nothing of the refused ones was written: one plan, one subscriber, two versions.
  CHECK_EQUAL(1u, f.call("plan-list", Json{{"tenant", "acme"}}).arguments.size());
  CHECK_EQUAL(1u, f.call("subscriber-list", Json{{"tenant", "acme"}}).arguments.size());
  CHECK_EQUAL(2, f.call("tenant-show", Json{{"tenant", "acme"}}).arguments["version"].get<int64_t>());
  // Set and delete need the row; a plan in use cannot go.
  CHECK_TRUE(f.call("plan-set", Json{{"tenant", "acme"}, {"name", "q"}, {"down", "2M"}}).code == core::Code::kNotFound);
  CHECK_EQUAL(1, f.call("plan-del", Json{{"tenant", "acme"}, {"name", "p"}}).result);
  CHECK_EQUAL(0, f.call("subscriber-del", Json{{"tenant", "acme"}, {"username", "alice"}}).result);
  CHECK_TRUE(f.call("subscriber-del", Json{{"tenant", "acme"}, {"username", "alice"}}).code == core::Code::kNotFound);
  CHECK_EQUAL(0, f.call("plan-del", Json{{"tenant", "acme"}, {"name", "p"}}).result);
  // A deleted plan can be added again.
  CHECK_EQUAL(0, f.call("plan-add", plan).result);
  // Passwords are never listed.
  CHECK_EQUAL(0, f.call("subscriber-add", sub).result);
  STRCMP_EQUAL("(set)", f.call("subscriber-list", Json{{"tenant", "acme"}}).arguments[0]["password"].get<std::string>().c_str());
}

TEST(Catalog, TenantCallersSeeOnlyTheirTenant) {
  Fixture f;
  std::string a = f.tenant("acme", "basic");
  std::string b = f.tenant("globex", "basic");
  Caller callerB{b};
  core::ControlReply r = f.call("plan-list", Json{{"tenant", "acme"}}, callerB);
  CHECK_EQUAL(1, r.result);
  CHECK_TRUE(r.text.find("no tenant 'acme'") != std::string::npos);
  CHECK_EQUAL(1, f.call("plan-add", Json{{"tenant", a}, {"name", "p"}, {"down", "1M"}, {"up", "1M"}}, callerB).result);
  CHECK_EQUAL(0, f.call("plan-add", Json{{"name", "mine"}, {"down", "1M"}, {"up", "1M"}}, callerB).result);
  CHECK_EQUAL(0u, f.call("plan-list", Json{{"tenant", "acme"}}).arguments.size());
  CHECK_EQUAL(1u, f.call("plan-list", Json::object(), callerB).arguments.size());
  CHECK_TRUE(f.call("subscriber-list", Json{{"tenant", a}}, callerB).code == core::Code::kNotFound);
  CHECK_TRUE(f.call("subscriber-add", Json{{"tenant", "acme"}, {"username", "u"}, {"password", "pw"}, {"plan", "mine"}},
                    callerB).code == core::Code::kNotFound);
  // Another tenant's plan is not a plan of this one.
  CHECK_EQUAL(1, f.call("subscriber-add", Json{{"tenant", "acme"}, {"username", "u"}, {"password", "pw"}, {"plan", "mine"}}).result);
}

TEST(Catalog, ChangesByCursorAndFullResync) {
  Fixture f;
  f.tenant("acme", "basic");
  f.tenant("globex", "basic");
  f.call("plan-add", Json{{"tenant", "acme"}, {"name", "p"}, {"down", "1M"}, {"up", "1M"}});
  f.call("plan-add", Json{{"tenant", "globex"}, {"name", "other"}, {"down", "1M"}, {"up", "1M"}});
  f.call("subscriber-add", Json{{"tenant", "acme"}, {"username", "alice"}, {"password", "pw"}, {"plan", "p"}});
  mgmt::fleet::Device d = f.enroll("acme");
  mgmt::catalog::CatalogService& catalog = f.platform->catalog;
  core::Result<core::sync::ChangePage> all = catalog.changes(d.tenantId, 0, 500);
  CHECK_TRUE(all.isOk());
  CHECK_EQUAL(2u, all->changes.size());
  STRCMP_EQUAL("plan", all->changes[0].kind.c_str());
  CHECK_EQUAL(2, all->cursor);
  CHECK_FALSE(all->full);
  f.call("subscriber-del", Json{{"tenant", "acme"}, {"username", "alice"}});
  core::Result<core::sync::ChangePage> next = catalog.changes(d.tenantId, all->cursor, 500);
  CHECK_EQUAL(1u, next->changes.size());
  CHECK_TRUE(next->changes[0].deleted);
  CHECK_EQUAL(3, next->cursor);
  // Up to date: nothing, and the same cursor.
  core::Result<core::sync::ChangePage> none = catalog.changes(d.tenantId, 3, 500);
  CHECK_EQUAL(0u, none->changes.size());
  CHECK_FALSE(none->full);
  CHECK_EQUAL(3, none->cursor);
  // Paging.
  core::Result<core::sync::ChangePage> first = catalog.changes(d.tenantId, 0, 1);
  CHECK_TRUE(first->more);
  CHECK_EQUAL(1u, first->changes.size());
  CHECK_EQUAL(1, first->cursor);
  core::Result<core::sync::ChangePage> rest = catalog.changes(d.tenantId, first->cursor, 500);
  CHECK_FALSE(rest->more);
  CHECK_EQUAL(3, rest->cursor);
  // A cursor from the future (mgmt restored from a backup): everything, as a full resync.
  core::Result<core::sync::ChangePage> full = catalog.changes(d.tenantId, 99, 500);
  CHECK_TRUE(full->full);
  CHECK_EQUAL(1u, full->changes.size());
  CHECK_EQUAL(3, full->cursor);
  // A cursor just one ahead of the tenant is ahead too.
  CHECK_TRUE(catalog.changes(d.tenantId, 4, 500)->full);
}
