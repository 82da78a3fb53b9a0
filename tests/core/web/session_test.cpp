#include "core/web/session.h"

#include <set>
#include <string>

#include "core/web/cookie.h"

#include <CppUTest/TestHarness.h>

using core::web::Session;
using core::web::SessionLimits;
using core::web::SessionTable;

TEST_GROUP(WebSession){};

TEST(WebSession, CreateAndTouch) {
  SessionTable t;
  Session s = t.create("tech1", {{"role", "technician"}}, 1000);
  CHECK_TRUE(core::web::isSessionId(s.id));
  STRCMP_EQUAL("tech1", s.principal.c_str());
  std::optional<Session> found = t.touch(s.id, 1010);
  CHECK_TRUE(found.has_value());
  STRCMP_EQUAL("technician", found->data["role"].get<std::string>().c_str());
  LONGS_EQUAL(1010, found->lastSeen);
  LONGS_EQUAL(1000, found->created);
  CHECK_FALSE(t.touch("0123456789abcdef0123456789abcdef", 1010).has_value());
  CHECK_FALSE(t.touch("", 1010).has_value());
  std::set<std::string> ids;
  for (int i = 0; i < 50; ++i) ids.insert(t.create("x", core::Json::object(), 1000).id);
  LONGS_EQUAL(50, ids.size());
}

TEST(WebSession, IdleAndAbsoluteExpiry) {
  SessionTable t(SessionLimits{16, 600, 3600});
  Session s = t.create("a", core::Json::object(), 0);
  // Kept alive by use, every 599 s, until the absolute limit.
  int64_t now = 0;
  for (; now + 599 < 3600; now += 599) CHECK_TRUE(t.touch(s.id, now + 599).has_value());
  CHECK_FALSE(t.touch(s.id, 3600).has_value());
  LONGS_EQUAL(0, t.size());  // removed when found expired
  Session idle = t.create("b", core::Json::object(), 0);
  CHECK_FALSE(t.touch(idle.id, 600).has_value());
  Session fresh = t.create("c", core::Json::object(), 100);
  t.create("d", core::Json::object(), 0);
  LONGS_EQUAL(1, t.expire(650));  // d; c was seen at 100
  LONGS_EQUAL(1, t.size());
  CHECK_TRUE(t.touch(fresh.id, 650).has_value());
}

TEST(WebSession, BoundedByLeastRecentlyUsed) {
  SessionTable t(SessionLimits{3, 600, 3600});
  Session a = t.create("a", core::Json::object(), 10);
  Session b = t.create("b", core::Json::object(), 20);
  Session c = t.create("c", core::Json::object(), 30);
  CHECK_TRUE(t.touch(a.id, 40).has_value());  // b is now the least recently used
  Session d = t.create("d", core::Json::object(), 50);
  LONGS_EQUAL(3, t.size());
  CHECK_FALSE(t.touch(b.id, 51).has_value());
  CHECK_TRUE(t.touch(a.id, 51).has_value());
  CHECK_TRUE(t.touch(c.id, 51).has_value());
  CHECK_TRUE(t.touch(d.id, 51).has_value());
}

TEST(WebSession, SignOutAndRevoke) {
  SessionTable t;
  Session a1 = t.create("alice", core::Json::object(), 0);
  Session a2 = t.create("alice", core::Json::object(), 0);
  Session b = t.create("bob", core::Json::object(), 0);
  CHECK_TRUE(t.remove(a1.id));
  CHECK_FALSE(t.remove(a1.id));
  t.create("alice", core::Json::object(), 0);
  LONGS_EQUAL(2, t.removePrincipal("alice"));
  CHECK_FALSE(t.touch(a2.id, 1).has_value());
  CHECK_TRUE(t.touch(b.id, 1).has_value());
  LONGS_EQUAL(1, t.size());
}

TEST(WebSession, BoundPerPrincipalAndCompareAndSwap) {
  SessionTable t(SessionLimits{16, 600, 3600, 2});
  core::web::Sessions& sessions = t;
  Session a1 = *sessions.open("alice", "t1", core::Json::object(), 10);
  Session a2 = *sessions.open("alice", "t1", core::Json::object(), 20);
  Session b = *sessions.open("bob", "", core::Json::object(), 25);
  CHECK_TRUE((*sessions.find(a1.id, 30)).has_value());  // a2 is now alice's least recently used
  Session a3 = *sessions.open("alice", "t1", core::Json::object(), 40);
  STRCMP_EQUAL("t1", a3.tenant.c_str());
  CHECK_FALSE((*sessions.find(a2.id, 41)).has_value());
  CHECK_TRUE((*sessions.find(a1.id, 41)).has_value());
  CHECK_TRUE((*sessions.find(b.id, 41)).has_value());  // another principal's are not counted
  // replace() takes the version it read: the second of two writers from one read loses.
  std::optional<Session> read = *sessions.find(a3.id, 42);
  CHECK_TRUE(*sessions.replace(a3.id, read->version, core::Json{{"n", 1}}));
  CHECK_FALSE(*sessions.replace(a3.id, read->version, core::Json{{"n", 2}}));
  std::optional<Session> after = *sessions.find(a3.id, 43);
  LONGS_EQUAL(1, after->data["n"].get<int>());
  LONGS_EQUAL(read->version + 1, after->version);
  CHECK_TRUE(sessions.close(a3.id).isOk());
  CHECK_FALSE((*sessions.find(a3.id, 44)).has_value());
  CHECK_FALSE(*sessions.replace(a3.id, after->version, core::Json::object()));
}
