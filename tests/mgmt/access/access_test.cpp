// Admin API tokens through the access service, on the storage of this run: a token stands for the
// platform or one tenant, is refused once revoked or expired or while its tenant is suspended, and
// only platform callers manage tokens.
#include <fstream>
#include <thread>

#include "tests/mgmt/support/mgmt_fixture.h"

using core::Json;
using mgmt::tenancy::Caller;
using mgmt::testing::Fixture;

namespace {

std::optional<Caller> callerOf(Fixture& f, const std::string& token) {
  core::Result<std::optional<Caller>> c = f.platform->access.tokenCaller(token);
  CHECK_TRUE(c.isOk());
  return *c;
}

// The token-list entry of token `id`.
Json listed(Fixture& f, const std::string& id) {
  for (const Json& j : f.call("token-list", Json::object()).arguments)
    if (j["id"] == id) return j;
  return Json();
}
}  // namespace

TEST_GROUP(Access){};

TEST(Access, ATokenStandsForThePlatformOrOneTenant) {
  Fixture f;
  std::string a = f.tenant("acme", "basic");
  core::ControlReply platform = f.call("token-create", Json{{"name", "ops"}});
  CHECK_EQUAL(0, platform.result);
  core::ControlReply tenant = f.call("token-create", Json{{"tenant", "acme"}, {"name", "acme-api"}});
  CHECK_EQUAL(0, tenant.result);
  std::optional<Caller> p = callerOf(f, platform.arguments["token"].get<std::string>());
  CHECK_TRUE(p.has_value());
  CHECK_TRUE(p->platform());
  std::optional<Caller> t = callerOf(f, tenant.arguments["token"].get<std::string>());
  CHECK_TRUE(t.has_value());
  STRCMP_EQUAL(a.c_str(), t->tenantId.c_str());
  CHECK_FALSE(callerOf(f, "k-0000.nope").has_value());
  // Listed without secrets, with the tenant's name.
  core::ControlReply list = f.call("token-list", Json::object());
  CHECK_EQUAL(2u, list.arguments.size());
  Json acme = listed(f, tenant.arguments["id"].get<std::string>());
  CHECK_FALSE(acme.contains("token"));
  STRCMP_EQUAL("acme", acme["tenant-name"].get<std::string>().c_str());
  STRCMP_EQUAL("active", acme["state"].get<std::string>().c_str());
  CHECK_TRUE(listed(f, platform.arguments["id"].get<std::string>())["tenant-name"].is_null());
  // Tokens are the platform's business: a tenant's token cannot make or see them.
  CHECK_TRUE(f.call("token-create", Json{{"name", "x"}}, *t).code == core::Code::kPermissionDenied);
  CHECK_TRUE(f.call("token-list", Json::object(), *t).code == core::Code::kPermissionDenied);
  CHECK_TRUE(f.call("token-create", Json{{"tenant", "nobody"}}).code == core::Code::kNotFound);
}

TEST(Access, RevokedExpiredAndSuspendedTokensAreRefused) {
  Fixture f;
  f.tenant("acme", "basic");
  core::ControlReply lasting = f.call("token-create", Json{{"tenant", "acme"}});
  core::ControlReply brief = f.call("token-create", Json{{"name", "brief"}, {"ttl", "1h"}});
  std::string lastingToken = lasting.arguments["token"].get<std::string>();
  std::string briefToken = brief.arguments["token"].get<std::string>();
  CHECK_TRUE(callerOf(f, briefToken).has_value());
  f.clock.advance(std::chrono::hours(2));
  CHECK_FALSE(callerOf(f, briefToken).has_value());
  STRCMP_EQUAL("expired", listed(f, brief.arguments["id"].get<std::string>())["state"].get<std::string>().c_str());
  f.call("tenant-suspend", Json{{"tenant", "acme"}});
  CHECK_FALSE(callerOf(f, lastingToken).has_value());
  f.call("tenant-resume", Json{{"tenant", "acme"}});
  CHECK_TRUE(callerOf(f, lastingToken).has_value());
  std::string id = lasting.arguments["id"].get<std::string>();
  CHECK_EQUAL(0, f.call("token-revoke", Json{{"id", id}}).result);
  CHECK_FALSE(callerOf(f, lastingToken).has_value());
  CHECK_TRUE(f.call("token-revoke", Json{{"id", id}}).code == core::Code::kNotFound);
  STRCMP_EQUAL("revoked", listed(f, id)["state"].get<std::string>().c_str());
}

TEST(Access, TheFirstPlatformTokenIsWrittenOnce) {
  Fixture f;
  std::string path = f.dir + "/admin-token";
  CHECK_TRUE(f.platform->access.ensureAdminToken(path).isOk());
  std::ifstream in(path);
  std::string token;
  std::getline(in, token);
  std::optional<Caller> c = callerOf(f, token);
  CHECK_TRUE(c.has_value());
  CHECK_TRUE(c->platform());
  CHECK_TRUE(f.platform->access.ensureAdminToken(f.dir + "/second").isOk());
  CHECK_EQUAL(1u, f.call("token-list", Json::object()).arguments.size());
  CHECK_FALSE(std::ifstream(f.dir + "/second").good());
}

TEST(Access, TwoMgmtdStartingAtOnceMakeOneFirstToken) {
  Fixture f;
  core::Result<std::unique_ptr<mgmt::store::Storage>> second = f.testStorage.open(mgmt::mgmtStorageMigrations());
  CHECK_TRUE(second.isOk());
  mgmt::Platform replica(f.config, f.authority, **second, f.clock);
  core::Status a, b;
  std::thread one([&] { a = f.platform->access.ensureAdminToken(f.dir + "/token-a"); });
  std::thread two([&] { b = replica.access.ensureAdminToken(f.dir + "/token-b"); });
  one.join();
  two.join();
  CHECK_TRUE_TEXT(a.isOk(), a.toString().c_str());
  CHECK_TRUE_TEXT(b.isOk(), b.toString().c_str());
  CHECK_EQUAL(1u, f.call("token-list", Json::object()).arguments.size());
  // Exactly one of them wrote the token it made.
  CHECK_TRUE(std::ifstream(f.dir + "/token-a").good() != std::ifstream(f.dir + "/token-b").good());
}
