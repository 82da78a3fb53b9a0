// The web surfaces' sessions and keys in the storage (mgmt/access/web_sessions.h, ADR 0051), on the
// storage of this run: two mgmtd on one database (two Storage objects) see each other's sessions,
// sign-outs and data changes; the cookie's id is in no column and the data is sealed; idle and
// absolute timeouts, the bound per principal, last_seen written at most once a minute, purge; a
// shared CSRF key is made once.
#include <memory>
#include <string>

#include "core/web/cookie.h"
#include "core/web/csrf.h"
#include "mgmt/access/web_sessions.h"
#include "tests/mgmt/support/mgmt_fixture.h"  // last: it ends with CppUTest's headers

using core::web::Session;
using core::web::SessionLimits;
using mgmt::access::StoredSessions;
using mgmt::testing::Fixture;

namespace {
}  // namespace

namespace {

// Every byte of every row of web_sessions, as text (to look for a secret in it).
std::string everything(mgmt::store::Storage& storage) {
  std::string out;
  core::Status s = storage.transact([&](mgmt::store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(std::vector<mgmt::store::Row> rows,
                          tx.query("SELECT id_sha256, surface, principal, tenant_id, data, created_at, last_seen "
                                   "FROM web_sessions"));
    for (const mgmt::store::Row& r : rows)
      out += r.text(0) + "|" + r.text(1) + "|" + r.text(2) + "|" + r.text(3) + "|" + r.bytes(4) + "|" +
             std::to_string(r.int64(5)) + "|" + std::to_string(r.int64(6)) + "\n";
    return core::Status::ok();
  });
  if (!s.isOk()) FAIL(s.toString().c_str());
  return out;
}

int64_t lastSeenInTable(mgmt::store::Storage& storage) {
  int64_t v = -1;
  core::Status s = storage.transact([&](mgmt::store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(v, tx.queryInt64("SELECT last_seen FROM web_sessions"));
    return core::Status::ok();
  });
  if (!s.isOk()) FAIL(s.toString().c_str());
  return v;
}

}  // namespace

TEST_GROUP(WebSessions){};

TEST(WebSessions, AReplicaSeesAnotherReplicasSessionsAndSignOuts) {
  Fixture f;
  core::Result<std::unique_ptr<mgmt::store::Storage>> second = f.testStorage.open(mgmt::mgmtStorageMigrations());
  CHECK_TRUE_TEXT(second.isOk(), second.status().toString().c_str());
  const SessionLimits limits{0, 1800, 12 * 3600, 20};
  StoredSessions a(*f.storage, "console", limits);
  StoredSessions b(**second, "console", limits);
  StoredSessions portal(**second, "selfcare", limits);
  const int64_t t = 1800000000;
  core::Result<Session> opened = a.open("ana@example.net", "", core::Json{{"bearer", "secret-bearer-123"}}, t);
  CHECK_TRUE(opened.isOk());
  CHECK_TRUE(core::web::isSessionId(opened->id));
  core::Result<std::optional<Session>> seen = b.find(opened->id, t + 5);
  CHECK_TRUE(seen.isOk() && seen->has_value());
  STRCMP_EQUAL("ana@example.net", (*seen)->principal.c_str());
  STRCMP_EQUAL("secret-bearer-123", (*seen)->data.value("bearer", "").c_str());
  LONGS_EQUAL(t, (*seen)->created);
  // Another surface, an unknown id and a malformed one are nobody.
  CHECK_FALSE(portal.find(opened->id, t + 5)->has_value());
  CHECK_FALSE(b.find("0123456789abcdef0123456789abcdef", t + 5)->has_value());
  CHECK_FALSE(b.find("' OR 1=1 --", t + 5)->has_value());
  // Neither the id nor the bearer is in the table; the id's hash is.
  const std::string rows = everything(*f.storage);
  CHECK_TRUE(rows.find(opened->id) == std::string::npos);
  CHECK_TRUE(rows.find("secret-bearer") == std::string::npos);
  CHECK_TRUE(rows.find(core::pki::sha256Hex(opened->id)) != std::string::npos);
  // A change on B is what A reads; A's change from the old version loses.
  CHECK_TRUE(*b.replace(opened->id, (*seen)->version, core::Json{{"bearer", "renewed"}}));
  CHECK_FALSE(*a.replace(opened->id, (*seen)->version, core::Json{{"bearer", "stale"}}));
  STRCMP_EQUAL("renewed", (*a.find(opened->id, t + 6))->data.value("bearer", "").c_str());
  // Signing out on B ends it on A.
  CHECK_TRUE(b.close(opened->id).isOk());
  CHECK_FALSE(a.find(opened->id, t + 7)->has_value());
  CHECK_TRUE(b.close(opened->id).isOk());  // already gone: fine
}

TEST(WebSessions, TimeoutsBoundPerPrincipalAndSeenOncePerMinute) {
  Fixture f;
  StoredSessions s(*f.storage, "selfcare", SessionLimits{0, 600, 3600, 2});
  const int64_t t = 1800000000;
  Session one = *s.open("t1/ana", "", core::Json::object(), t);
  // last_seen is written only when a minute has passed since it was.
  CHECK_TRUE(s.find(one.id, t + 30)->has_value());
  LONGS_EQUAL(t, lastSeenInTable(*f.storage));
  CHECK_TRUE(s.find(one.id, t + 60)->has_value());
  LONGS_EQUAL(t + 60, lastSeenInTable(*f.storage));
  // Kept alive by use until the absolute limit.
  int64_t now = t + 60;
  for (; now + 590 < t + 3600; now += 590) CHECK_TRUE(s.find(one.id, now + 590)->has_value());
  CHECK_FALSE(s.find(one.id, t + 3600)->has_value());
  CHECK_TRUE(everything(*f.storage).empty());  // removed when found expired
  // Idle.
  Session idle = *s.open("t1/bob", "", core::Json::object(), t);
  CHECK_FALSE(s.find(idle.id, t + 600)->has_value());
  // At most two per principal: the least recently used goes.
  Session a1 = *s.open("t1/cy", "", core::Json::object(), t);
  Session a2 = *s.open("t1/cy", "", core::Json::object(), t + 100);
  CHECK_TRUE(s.find(a1.id, t + 200)->has_value());  // a2 is now the least recently used
  Session a3 = *s.open("t1/cy", "", core::Json::object(), t + 300);
  CHECK_FALSE(s.find(a2.id, t + 301)->has_value());
  CHECK_TRUE(s.find(a1.id, t + 301)->has_value());
  CHECK_TRUE(s.find(a3.id, t + 301)->has_value());
  // closePrincipal ends every one of them.
  LONGS_EQUAL(2, *s.closePrincipal("t1/cy"));
  CHECK_FALSE(s.find(a1.id, t + 302)->has_value());
  // purge: the idle go, the fresh stay.
  Session old = *s.open("t1/dee", "", core::Json::object(), t);
  Session fresh = *s.open("t1/eve", "", core::Json::object(), t + 500);
  LONGS_EQUAL(1, *s.purge(t + 700));
  CHECK_TRUE(s.find(fresh.id, t + 701)->has_value());
  CHECK_FALSE(s.find(old.id, t + 701)->has_value());
}

TEST(WebSessions, ASuspendedTenantsSessionsArePurged) {
  Fixture f;
  const std::string tenant = f.tenant("acme", "basic");
  StoredSessions s(*f.storage, "console", SessionLimits{0, 600, 3600, 0});
  const int64_t t = f.now();
  Session mine = *s.open("owner@acme.example", tenant, core::Json::object(), t);
  Session platform = *s.open("root@example.net", "", core::Json::object(), t);
  LONGS_EQUAL(0, *s.purge(t + 1));
  core::Status suspended = f.storage->transact([&](mgmt::store::Transaction& tx) -> core::Status {
    return tx.exec("UPDATE tenants SET status = 'suspended' WHERE id = $1", {tenant}).status();
  });
  CHECK_TRUE(suspended.isOk());
  LONGS_EQUAL(1, *s.purge(t + 2));
  CHECK_FALSE(s.find(mine.id, t + 3)->has_value());
  CHECK_TRUE(s.find(platform.id, t + 3)->has_value());
}

TEST(WebSessions, TheSharedKeyIsMadeOnceForEveryReplica) {
  Fixture f;
  core::Result<std::unique_ptr<mgmt::store::Storage>> second = f.testStorage.open(mgmt::mgmtStorageMigrations());
  CHECK_TRUE_TEXT(second.isOk(), second.status().toString().c_str());
  core::Result<std::string> a = mgmt::access::sharedWebKey(*f.storage, "console-csrf", 1);
  core::Result<std::string> b = mgmt::access::sharedWebKey(**second, "console-csrf", 2);
  core::Result<std::string> other = mgmt::access::sharedWebKey(**second, "selfcare-csrf", 2);
  CHECK_TRUE(a.isOk() && b.isOk() && other.isOk());
  LONGS_EQUAL(32, a->size());
  CHECK_TRUE(*a == *b);
  CHECK_FALSE(*a == *other);
  // A form's token made by one replica is taken by the other.
  core::web::CsrfTokens one(*a), two(*b);
  const std::string session = "0123456789abcdef0123456789abcdef";
  CHECK_TRUE(two.verify(session, one.tokenFor(session)));
}
