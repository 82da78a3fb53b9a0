// People and their sign-in through the access services, on the storage of this run (SQLite, or
// PostgreSQL in the _pg run): passwords, lockout with backoff, sessions (access + refresh with
// rotation and reuse detection), TOTP with recovery codes, reset links, suspended tenants, and who
// may manage whom. Mail is a fake that keeps what it was given (a unit test; the integration test
// reads the real SMTP sink).
#include <map>
#include <vector>

#include "core/identity/totp.h"
#include "mgmt/access/person_store.h"
#include "mgmt/access/sign_in_service.h"
#include "mgmt/access/web_sessions.h"
#include "tests/mgmt/support/mgmt_fixture.h"  // last: it ends with CppUTest's headers

using core::Json;
using mgmt::access::LoginRequest;
using mgmt::access::Principal;
using mgmt::access::SignedIn;
using mgmt::access::SignInService;
using mgmt::testing::Fixture;

namespace {
const std::string kPassword = "correct horse battery";

struct Mail {
  std::string tenant, to, templateName, link;
};

// The service under test, on the fixture's storage and clock, with a cheap argon2 cost and a mail
// fake that records each message.
struct People {
  Fixture f;
  std::vector<Mail> sent;
  std::unique_ptr<SignInService> svc;

  People() {
    SignInService::Deps d{*f.storage, f.clock};
    d.passwordCost = core::identity::PasswordCost{1, 64, 1};
    d.consoleUrl = [] { return std::string("https://console.test"); };
    d.mail = [this](mgmt::store::Transaction&, const std::string& tenant, const std::string& to, const std::string& tmpl,
                    const Json& vars, int64_t) {
      sent.push_back(Mail{tenant, to, tmpl, vars.value("link", std::string())});
      return core::Status::ok();
    };
    svc = std::make_unique<SignInService>(d);
  }

  Principal root() { return mgmt::access::rootPrincipal(); }

  void add(const std::string& email, const std::string& role, const std::string& tenant = "") {
    core::Result<mgmt::access::Person> p = svc->addPerson(email, "", role, tenant, kPassword, root());
    CHECK_TRUE_TEXT(p.isOk(), p.status().toString().c_str());
  }

  core::Result<SignedIn> login(const std::string& email, const std::string& password = kPassword,
                               const std::string& code = "") {
    return svc->login(LoginRequest{email, password, code, "192.0.2.7"});
  }

  std::optional<Principal> who(const std::string& bearer) {
    core::Result<std::optional<Principal>> p = svc->authenticate(bearer);
    CHECK_TRUE(p.isOk());
    return *p;
  }
};

std::string tokenIn(const std::string& link) { return link.substr(link.find("token=") + 6); }

}  // namespace

TEST_GROUP(People){};

TEST(People, SignInGivesASessionThatRefreshesAndEnds) {
  People t;
  std::string acme = t.f.tenant("acme", "basic");
  t.add("Alice@Example.com", "tenant-admin", "acme");
  core::Result<SignedIn> s = t.login("  alice@example.COM ");
  CHECK_TRUE_TEXT(s.isOk(), s.status().toString().c_str());
  STRCMP_EQUAL("tenant-admin", s->principal.role.c_str());
  STRCMP_EQUAL(acme.c_str(), s->principal.tenantId.c_str());
  CHECK_EQUAL(t.f.now() + mgmt::access::kAccessSeconds, s->accessExpiresAt);
  std::optional<Principal> p = t.who(s->accessToken);
  CHECK_TRUE(p.has_value());
  STRCMP_EQUAL("alice@example.com", p->email.c_str());
  // The refresh token is not an access token.
  CHECK_FALSE(t.who(s->refreshToken).has_value());
  // The access token dies after 15 minutes; the refresh token makes new ones and stops itself.
  t.f.clock.advance(std::chrono::minutes(16));
  CHECK_FALSE(t.who(s->accessToken).has_value());
  core::Result<SignedIn> r = t.svc->refresh(s->refreshToken, "192.0.2.7");
  CHECK_TRUE_TEXT(r.isOk(), r.status().toString().c_str());
  CHECK_TRUE(t.who(r->accessToken).has_value());
  // Using the rotated-away refresh token again is theft: the whole session ends.
  core::Result<SignedIn> replay = t.svc->refresh(s->refreshToken, "192.0.2.7");
  CHECK_TRUE(replay.status().code() == core::Code::kPermissionDenied);
  CHECK_FALSE(t.who(r->accessToken).has_value());
  CHECK_FALSE(t.svc->refresh(r->refreshToken, "x").isOk());
  // Sign out ends a session at once.
  core::Result<SignedIn> again = t.login("alice@example.com");
  CHECK_TRUE(again.isOk());
  CHECK_TRUE(t.svc->logout(again->accessToken).isOk());
  CHECK_FALSE(t.who(again->accessToken).has_value());
  CHECK_FALSE(t.svc->refresh(again->refreshToken, "x").isOk());
}

TEST(People, WrongPasswordsAnswerTheSameAndLockWithBackoff) {
  People t;
  t.f.tenant("acme", "basic");
  t.add("bob@example.com", "tenant-staff", "acme");
  core::Result<SignedIn> unknown = t.login("nobody@example.com");
  core::Result<SignedIn> wrong = t.login("bob@example.com", "not the password");
  CHECK_TRUE(unknown.status().code() == core::Code::kPermissionDenied);
  CHECK_TRUE(wrong.status().code() == core::Code::kPermissionDenied);
  STRCMP_EQUAL(unknown.status().message().c_str(), wrong.status().message().c_str());
  for (int i = 0; i < 4; ++i) CHECK_FALSE(t.login("bob@example.com", "not the password").isOk());  // 5 free
  CHECK_TRUE(t.login("bob@example.com", "not the password").status().code() == core::Code::kPermissionDenied);
  // The 6th failure locked the account for 30 s: even the right password waits, unchecked.
  core::Result<SignedIn> locked = t.login("bob@example.com");
  CHECK_TRUE(locked.status().code() == core::Code::kResourceExhausted);
  CHECK_TRUE(locked.status().message().find("30 seconds") != std::string::npos);
  t.f.clock.advance(std::chrono::seconds(31));
  CHECK_FALSE(t.login("bob@example.com", "still wrong").isOk());  // the 7th: 60 s
  core::Result<SignedIn> longer = t.login("bob@example.com");
  CHECK_TRUE(longer.status().message().find("60 seconds") != std::string::npos);
  t.f.clock.advance(std::chrono::seconds(61));
  CHECK_TRUE(t.login("bob@example.com").isOk());
  // A success starts over: five free failures again.
  for (int i = 0; i < 5; ++i) CHECK_TRUE(t.login("bob@example.com", "wrong").status().code() == core::Code::kPermissionDenied);
  CHECK_TRUE(t.login("bob@example.com", "wrong").status().code() == core::Code::kPermissionDenied);
  CHECK_TRUE(t.login("bob@example.com").status().code() == core::Code::kResourceExhausted);
}

TEST(People, PlatformRolesNeedTotpAndRecoveryCodesWorkOnce) {
  People t;
  t.add("ops@example.com", "platform-admin");
  core::Result<SignedIn> first = t.login("ops@example.com");
  CHECK_TRUE(first.isOk());
  CHECK_TRUE(first->principal.mfaPending);  // may only enrol
  std::optional<Principal> p = t.who(first->accessToken);
  CHECK_TRUE(p && p->mfaPending);
  core::Result<mgmt::access::TotpEnrollment> e = t.svc->beginTotp(*p);
  CHECK_TRUE(e.isOk());
  CHECK_TRUE(e->otpauthUri.rfind("otpauth://totp/", 0) == 0);
  std::string secret = *core::identity::fromBase32(e->secretBase32);
  CHECK_TRUE(t.svc->confirmTotp(*p, "000000x").status().code() == core::Code::kInvalidArgument);
  core::Result<std::vector<std::string>> codes = t.svc->confirmTotp(*p, *core::identity::totpCode(secret, t.f.now()));
  CHECK_TRUE_TEXT(codes.isOk(), codes.status().toString().c_str());
  CHECK_EQUAL(10u, codes->size());
  // From now on the password alone is not enough, and the answer says so.
  core::Result<SignedIn> noCode = t.login("ops@example.com");
  CHECK_TRUE(noCode.status().code() == core::Code::kFailedPrecondition);
  t.f.clock.advance(std::chrono::seconds(30));
  std::string code = *core::identity::totpCode(secret, t.f.now());
  core::Result<SignedIn> withCode = t.login("ops@example.com", kPassword, code);
  CHECK_TRUE_TEXT(withCode.isOk(), withCode.status().toString().c_str());
  CHECK_FALSE(withCode->principal.mfaPending);
  CHECK_TRUE(withCode->principal.mfa);
  // The same code is not taken twice (replay).
  CHECK_TRUE(t.login("ops@example.com", kPassword, code).status().code() == core::Code::kPermissionDenied);
  // A recovery code instead of a TOTP code: once.
  CHECK_TRUE(t.login("ops@example.com", kPassword, (*codes)[3]).isOk());
  CHECK_TRUE(t.login("ops@example.com", kPassword, (*codes)[3]).status().code() == core::Code::kPermissionDenied);
  // A wrong password with a right code is still a wrong password.
  CHECK_TRUE(t.login("ops@example.com", "nope nope nope", (*codes)[4]).status().code() == core::Code::kPermissionDenied);
}

TEST(People, ASuspendedTenantsPeopleAndTokensStop) {
  People t;
  t.f.tenant("acme", "basic");
  t.add("carol@example.com", "tenant-owner", "acme");
  core::Result<SignedIn> s = t.login("carol@example.com");
  core::ControlReply token =
      t.f.table->call(core::command::Caller{"tenant-owner", s->principal.tenantId, "carol@example.com"}, "token-create",
                      Json{{"name", "billing sync"}, {"role", "tenant-billing"}});
  CHECK_EQUAL(0, token.result);
  std::string apiToken = token.arguments["token"].get<std::string>();
  std::optional<Principal> api = t.who(apiToken);
  CHECK_TRUE(api.has_value());
  STRCMP_EQUAL("tenant-billing", api->role.c_str());
  t.f.call("tenant-suspend", Json{{"tenant", "acme"}});
  CHECK_FALSE(t.who(s->accessToken).has_value());
  CHECK_FALSE(t.who(apiToken).has_value());
  CHECK_TRUE(t.svc->refresh(s->refreshToken, "x").status().code() == core::Code::kPermissionDenied);
  CHECK_TRUE(t.login("carol@example.com").status().code() == core::Code::kPermissionDenied);
  t.f.call("tenant-resume", Json{{"tenant", "acme"}});
  CHECK_TRUE(t.who(s->accessToken).has_value());
}

TEST(People, WhoMayManageWhom) {
  People t;
  std::string acme = t.f.tenant("acme", "basic");
  std::string other = t.f.tenant("other", "basic");
  t.add("owner@acme.test", "tenant-owner", "acme");
  t.add("admin@acme.test", "tenant-admin", "acme");
  t.add("staff@other.test", "tenant-staff", "other");
  Principal owner = t.login("owner@acme.test")->principal;
  Principal admin = t.login("admin@acme.test")->principal;
  // An owner adds any tenant role in its own tenant, never another tenant's or the platform's.
  CHECK_TRUE(t.svc->addPerson("new@acme.test", "", "tenant-technician", "", kPassword, owner).isOk());
  CHECK_TRUE(t.svc->addPerson("x@acme.test", "", "tenant-staff", "other", kPassword, owner).status().code() ==
             core::Code::kNotFound);
  CHECK_TRUE(t.svc->addPerson("x@acme.test", "", "platform-admin", "", kPassword, owner).status().code() ==
             core::Code::kPermissionDenied);
  // An admin may not make owners, nor change one.
  CHECK_TRUE(t.svc->addPerson("y@acme.test", "", "tenant-owner", "", kPassword, admin).status().code() ==
             core::Code::kPermissionDenied);
  CHECK_TRUE(t.svc->setRole("owner@acme.test", "tenant-read-only", admin).status().code() == core::Code::kPermissionDenied);
  // Another tenant's person is the same not-found as nobody.
  core::Status hidden = t.svc->setStatus("staff@other.test", "disabled", owner).status();
  core::Status nobody = t.svc->setStatus("nobody@acme.test", "disabled", owner).status();
  CHECK_TRUE(hidden.code() == core::Code::kNotFound);
  CHECK_TRUE(nobody.code() == core::Code::kNotFound);
  core::Result<std::vector<mgmt::access::Person>> listed = t.svc->people("", owner);
  CHECK_EQUAL(3u, listed->size());  // owner, admin, new: not other's staff
  CHECK_TRUE(t.svc->people("other", owner).status().code() == core::Code::kNotFound);
  // A tenant role stays a tenant role; a duplicate email is a conflict naming it.
  CHECK_TRUE(t.svc->setRole("new@acme.test", "platform-support", t.root()).status().code() ==
             core::Code::kInvalidArgument);
  CHECK_TRUE(t.svc->addPerson("NEW@acme.test", "", "tenant-staff", "acme", kPassword, t.root()).status().code() ==
             core::Code::kAlreadyExists);
  // Disabling someone ends their sessions and their own tokens at once.
  core::Result<SignedIn> s = t.login("new@acme.test");
  core::ControlReply token = t.f.call("token-create", Json{{"person", "new@acme.test"}});
  CHECK_EQUAL(0, token.result);
  STRCMP_EQUAL("tenant-technician", token.arguments["role"].get<std::string>().c_str());
  CHECK_TRUE(t.who(token.arguments["token"].get<std::string>()).has_value());
  // ... and their console sessions, on every replica (the rows go, ADR 0051).
  mgmt::access::StoredSessions console(*t.f.storage, mgmt::access::kConsoleSurface, core::web::SessionLimits{});
  core::web::Session web = *console.open("new@acme.test", "acme", Json{{"bearer", s->accessToken}}, t.f.now());
  core::web::Session kept = *console.open("admin@acme.test", "acme", Json::object(), t.f.now());
  CHECK_TRUE(t.svc->setStatus("new@acme.test", "disabled", admin).isOk());
  CHECK_FALSE(console.find(web.id, t.f.now())->has_value());
  CHECK_TRUE(console.find(kept.id, t.f.now())->has_value());
  CHECK_FALSE(t.who(s->accessToken).has_value());
  CHECK_FALSE(t.who(token.arguments["token"].get<std::string>()).has_value());
  CHECK_TRUE(t.login("new@acme.test").status().code() == core::Code::kPermissionDenied);
  (void)acme;
  (void)other;
}

TEST(People, ResetLinksAreMailedSingleUseAndExpire) {
  People t;
  t.f.tenant("acme", "basic");
  t.add("dora@example.com", "tenant-staff", "acme");
  core::Result<SignedIn> before = t.login("dora@example.com");
  CHECK_TRUE(t.svc->requestPasswordReset("nobody@example.com", "x").isOk());  // the same answer, no mail
  CHECK_EQUAL(0u, t.sent.size());
  CHECK_TRUE(t.svc->requestPasswordReset("Dora@Example.com", "x").isOk());
  CHECK_EQUAL(1u, t.sent.size());
  STRCMP_EQUAL("dora@example.com", t.sent[0].to.c_str());
  STRCMP_EQUAL("password-reset", t.sent[0].templateName.c_str());
  CHECK_TRUE(t.sent[0].link.rfind("https://console.test/reset?token=", 0) == 0);
  std::string token = tokenIn(t.sent[0].link);
  core::Status weak = t.svc->resetPassword(token, "short");
  CHECK_TRUE(weak.code() == core::Code::kInvalidArgument);
  CHECK_TRUE(weak.message().find("password") != std::string::npos);
  CHECK_TRUE(t.svc->resetPassword(token, "a brand new passphrase").isOk());
  CHECK_TRUE(t.svc->resetPassword(token, "another new passphrase").code() == core::Code::kNotFound);  // used
  CHECK_FALSE(t.who(before->accessToken).has_value());  // sessions ended with the old password
  CHECK_FALSE(t.login("dora@example.com").isOk());
  CHECK_TRUE(t.login("dora@example.com", "a brand new passphrase").isOk());
  // A link older than an hour is refused.
  CHECK_TRUE(t.svc->requestPasswordReset("dora@example.com", "x").isOk());
  t.f.clock.advance(std::chrono::minutes(61));
  CHECK_TRUE(t.svc->resetPassword(tokenIn(t.sent[1].link), "a third passphrase!").code() == core::Code::kNotFound);
  // An invitation: no password yet (no sign-in), a link that sets one.
  CHECK_TRUE(t.svc->addPerson("eve@example.com", "Eve", "tenant-read-only", "acme", std::nullopt, t.root()).isOk());
  CHECK_EQUAL(3u, t.sent.size());
  CHECK_TRUE(t.login("eve@example.com", "anything at all").status().code() == core::Code::kPermissionDenied);
  CHECK_TRUE(t.svc->resetPassword(tokenIn(t.sent[2].link), "eve's own passphrase").isOk());
  CHECK_TRUE(t.login("eve@example.com", "eve's own passphrase").isOk());
}

TEST(People, BearerTokensParseStrictly) {
  using mgmt::access::parseBearer;
  CHECK_TRUE(parseBearer("sa-0011aabb.00112233445566778899aabbccddeeff").has_value());
  CHECK_TRUE(parseBearer("k-0011aabb.00112233445566778899aabbccddeeff0011").has_value());
  CHECK_FALSE(parseBearer("").has_value());
  CHECK_FALSE(parseBearer("sa-.00112233445566778899aabbccddeeff").has_value());
  CHECK_FALSE(parseBearer("sx-0011.00112233445566778899aabbccddeeff").has_value());
  CHECK_FALSE(parseBearer("sa-0011AABB.00112233445566778899aabbccddeeff").has_value());
  CHECK_FALSE(parseBearer("sa-0011.0011").has_value());
  CHECK_FALSE(parseBearer("sa-0011." + std::string(300, 'a')).has_value());
}
