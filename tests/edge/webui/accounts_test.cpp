// The technician UI's accounts: argon2id hashes, lockout with backoff per account and per source,
// the user-* commands on a temporary edge.db (migration 6), and roles decided by the command table.
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/command/command.h"
#include "core/command/reply.h"
#include "core/store.h"
#include "edge/commands/edge_commands.h"
#include "edge/webui/accounts.h"
#include "core/identity/lockout.h"
#include "core/identity/password.h"
#include "core/identity/totp.h"
#include "edge/webui/webui_schema.h"

// CppUTest last: its leak detector #defines new.
#include <CppUTest/TestHarness.h>

namespace {

using edge::webui::AccountOptions;
using edge::webui::AccountService;
using core::identity::Lockout;
using core::identity::LockoutPolicy;

// Cheap hashes for tests (the appliance uses 19 MiB, two passes).
const core::identity::PasswordCost kCheap{1, 64, 1};

// edge.db as far as this area needs it: the versions of other areas get placeholders (their places
// only), ours (6, 7, 10) are the real ones.
std::vector<core::Migration> webuiDbMigrations() {
  std::vector<core::Migration> m;
  for (const core::Migration& w : edge::webui::webuiMigrations()) {
    for (int v = static_cast<int>(m.size()) + 1; v < w.version; ++v)
      m.push_back({v, "placeholder " + std::to_string(v), "CREATE TABLE placeholder_" + std::to_string(v) + "(x);"});
    m.push_back(w);
  }
  return m;
}
// Built before main(), so that CppUTest's per-test leak check does not see these statics.
const std::vector<core::Migration> kMigrations = webuiDbMigrations();
const std::vector<core::command::Spec>& kSpecs = edge::edgeCommandSpecs();
const std::vector<std::string>& kRoles = edge::edgeRoles();

}  // namespace

TEST_GROUP(Passwords){};

TEST(Passwords, Argon2idHashesVerifyOnlyTheirPassword) {
  core::Result<std::string> h = core::identity::hashPassword("correct horse battery", kCheap);
  CHECK_TRUE_TEXT(h.isOk(), h.status().message().c_str());
  STRCMP_CONTAINS("$argon2id$v=19$m=64,t=1,p=1$", h->c_str());
  CHECK_TRUE(core::identity::verifyPassword(*h, "correct horse battery"));
  CHECK_FALSE(core::identity::verifyPassword(*h, "correct horse batterY"));
  CHECK_FALSE(core::identity::verifyPassword(*h, ""));
  // A fresh salt each time: the same password never gives the same string.
  core::Result<std::string> again = core::identity::hashPassword("correct horse battery", kCheap);
  CHECK_TRUE(again.isOk());
  CHECK_TRUE(*h != *again);
  // Anything that is not an argon2id hash never verifies (no cleartext, no other scheme).
  CHECK_FALSE(core::identity::verifyPassword("correct horse battery", "correct horse battery"));
  CHECK_FALSE(core::identity::verifyPassword("$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA", "x"));
}

TEST(Passwords, RulesAskForTenToTwoHundredFiftySixCharacters) {
  CHECK_TRUE(core::identity::checkPasswordRules("0123456789").isOk());
  core::Status s = core::identity::checkPasswordRules("short");
  CHECK_TRUE(s.code() == core::Code::kInvalidArgument);
  STRCMP_CONTAINS("at least 10", s.message().c_str());
  CHECK_FALSE(core::identity::checkPasswordRules(std::string(257, 'x')).isOk());
}

TEST_GROUP(Lockouts){};

TEST(Lockouts, FreeFailuresThenALockThatDoublesUpToTheCeiling) {
  Lockout l(LockoutPolicy{3, 30, 100, 3600, 16});
  for (int i = 0; i < 3; ++i) LONGS_EQUAL(0, l.failure("alice", 1000));
  LONGS_EQUAL(0, l.lockedFor("alice", 1000));
  LONGS_EQUAL(30, l.failure("alice", 1000));  // the 4th
  LONGS_EQUAL(30, l.lockedFor("alice", 1000));
  LONGS_EQUAL(10, l.lockedFor("alice", 1020));
  LONGS_EQUAL(0, l.lockedFor("alice", 1030));
  LONGS_EQUAL(60, l.failure("alice", 1030));  // doubled
  LONGS_EQUAL(100, l.failure("alice", 1100)); // 120 capped at 100
  LONGS_EQUAL(100, l.failure("alice", 1200));
  LONGS_EQUAL(0, l.lockedFor("bob", 1200));   // per key
  l.success("alice");
  LONGS_EQUAL(0, l.lockedFor("alice", 1200));
  LONGS_EQUAL(0, l.failures("alice"));
}

TEST(Lockouts, AKeyWithoutFailuresForAnHourStartsOver) {
  Lockout l(LockoutPolicy{2, 30, 900, 3600, 16});
  l.failure("k", 0);
  l.failure("k", 10);
  LONGS_EQUAL(30, l.failure("k", 20));
  LONGS_EQUAL(0, l.failure("k", 20 + 3600));  // forgotten: a free failure again
  LONGS_EQUAL(1, l.failures("k"));
}

TEST(Lockouts, BoundedByDroppingTheOldestKey) {
  Lockout l(LockoutPolicy{1, 30, 900, 3600, 2});
  l.failure("a", 1);
  l.failure("b", 2);
  l.failure("c", 3);  // pushes out a
  LONGS_EQUAL(0, l.failures("a"));
  LONGS_EQUAL(1, l.failures("b"));
  LONGS_EQUAL(1, l.failures("c"));
}

TEST_GROUP(Accounts) {
  std::string dir;
  std::unique_ptr<core::Writer> writer;
  std::unique_ptr<AccountService> accounts;
  int64_t now = 1000;
  std::vector<std::string> changed;

  void setup() override {
    char tmpl[] = "/tmp/edge-webui-test-XXXXXX";
    char* made = ::mkdtemp(tmpl);
    CHECK(made != nullptr);
    dir = made;
    openService();
  }
  void openService() {
    accounts.reset();
    if (writer) writer->stop();
    writer.reset();
    core::StoreOptions o;
    o.path = dir + "/edge.db";
    o.migrations = kMigrations;
    o.synchronous = core::StoreOptions::Synchronous::kOff;
    core::Result<std::unique_ptr<core::Writer>> w = core::Writer::open(o);
    CHECK_TRUE_TEXT(w.isOk(), w.status().message().c_str());
    writer = std::move(*w);
    AccountOptions options;
    options.cost = kCheap;
    options.perAccount = LockoutPolicy{3, 30, 900, 3600, 64};
    options.perSource = LockoutPolicy{6, 60, 900, 3600, 64};
    options.now = [this] { return now; };
    core::Result<std::unique_ptr<AccountService>> a = AccountService::open(*writer, options);
    CHECK_TRUE_TEXT(a.isOk(), a.status().message().c_str());
    accounts = std::move(*a);
    accounts->onChanged([this](const std::string& u) { changed.push_back(u); });
  }
  void teardown() override {
    accounts.reset();
    if (writer) writer->stop();
    writer.reset();
    std::filesystem::remove_all(dir);
  }
};

TEST(Accounts, AddedAccountsSignInAndSurviveARestart) {
  CHECK_TRUE(accounts->add("tech1", "technician", "tech password 1").isOk());
  core::Result<edge::webui::Account> a = accounts->login("tech1", "tech password 1", "10.0.0.9");
  CHECK_TRUE_TEXT(a.isOk(), a.status().message().c_str());
  STRCMP_EQUAL("technician", a->role.c_str());
  openService();  // read back from edge.db
  CHECK_TRUE(accounts->login("tech1", "tech password 1", "10.0.0.9").isOk());
  CHECK_TRUE(accounts->find("tech1").has_value());
}

TEST(Accounts, BadNamesRolesPasswordsAndDuplicatesAreRefusedWithTheirCode) {
  CHECK_TRUE(accounts->add("bad name", "viewer", "long enough password").code() == core::Code::kInvalidArgument);
  CHECK_TRUE(accounts->add("v", "root", "long enough password").code() == core::Code::kInvalidArgument);
  CHECK_TRUE(accounts->add("v", "viewer", "short").code() == core::Code::kInvalidArgument);
  CHECK_TRUE(accounts->add("v", "viewer", "long enough password").isOk());
  CHECK_TRUE(accounts->add("v", "admin", "another long password").code() == core::Code::kAlreadyExists);
  CHECK_TRUE(accounts->set("nobody", "admin", "").code() == core::Code::kNotFound);
  CHECK_TRUE(accounts->remove("nobody").code() == core::Code::kNotFound);
  LONGS_EQUAL(1, accounts->list().size());
}

TEST(Accounts, WrongPasswordsLockTheAccountWithBackoffAndTheRightOneWaits) {
  CHECK_TRUE(accounts->add("alice", "viewer", "alice password").isOk());
  for (int i = 0; i < 3; ++i)
    CHECK_TRUE(accounts->login("alice", "guess " + std::to_string(i), "10.0.0.1").status().code() ==
               core::Code::kPermissionDenied);
  core::Status locked = accounts->login("alice", "guess 3", "10.0.0.1").status();
  CHECK_TRUE(locked.code() == core::Code::kResourceExhausted);
  STRCMP_CONTAINS("30 s", locked.message().c_str());
  // Locked: even the right password is refused, from any address, until the lock ends.
  CHECK_TRUE(accounts->login("alice", "alice password", "10.0.0.2").status().code() == core::Code::kResourceExhausted);
  now += 30;
  CHECK_TRUE(accounts->login("alice", "alice password", "10.0.0.2").isOk());
}

TEST(Accounts, OneSourceGuessingManyNamesIsLockedOut) {
  CHECK_TRUE(accounts->add("alice", "viewer", "alice password").isOk());
  for (int i = 0; i < 7; ++i) (void)accounts->login("user" + std::to_string(i), "x", "192.0.2.7");  // 6 free, the 7th locks
  core::Status s = accounts->login("alice", "alice password", "192.0.2.7").status();
  CHECK_TRUE(s.code() == core::Code::kResourceExhausted);
  STRCMP_CONTAINS("this address", s.message().c_str());
  CHECK_TRUE(accounts->login("alice", "alice password", "192.0.2.8").isOk());  // another address is not
}

TEST(Accounts, UnknownNamesAndWrongPasswordsGetTheSameAnswer) {
  CHECK_TRUE(accounts->add("alice", "viewer", "alice password").isOk());
  core::Status unknown = accounts->login("mallory", "alice password", "10.0.0.1").status();
  core::Status wrong = accounts->login("alice", "not her password", "10.0.0.1").status();
  CHECK_TRUE(unknown.code() == wrong.code());
  STRCMP_EQUAL(unknown.message().c_str(), wrong.message().c_str());
}

TEST(Accounts, ChangesAndDeletionsAreReportedSoSessionsEnd) {
  CHECK_TRUE(accounts->add("bob", "technician", "bob password 1").isOk());
  CHECK_TRUE(accounts->set("bob", "viewer", "").isOk());
  STRCMP_EQUAL("viewer", accounts->find("bob")->role.c_str());
  CHECK_TRUE(accounts->set("bob", "", "bob password 2").isOk());
  CHECK_FALSE(accounts->login("bob", "bob password 1", "10.0.0.1").isOk());
  CHECK_TRUE(accounts->login("bob", "bob password 2", "10.0.0.1").isOk());
  CHECK_TRUE(accounts->remove("bob").isOk());
  CHECK_FALSE(accounts->login("bob", "bob password 2", "10.0.0.1").isOk());
  LONGS_EQUAL(3, changed.size());
  STRCMP_EQUAL("bob", changed[0].c_str());
}

TEST(Accounts, TheUserCommandsAreForAdminsOnlyAndNeverShowAHash) {
  core::command::Table table(kRoles, kSpecs);
  accounts->registerCommands(table);
  core::Json args{{"username", "carol"}, {"password", "carol password"}, {"role", "technician"}};
  for (const char* role : {"viewer", "technician"}) {
    core::ControlReply r = table.call(core::command::Caller{role, "", "someone"}, "user-add", args);
    CHECK_TRUE(r.code == core::Code::kPermissionDenied);
    LONGS_EQUAL(403, core::command::httpStatus(core::command::publicCode(r.code)));
  }
  CHECK_FALSE(accounts->find("carol").has_value());
  core::ControlReply added = table.call(core::command::Caller{"admin", "", "root"}, "user-add", args);
  CHECK_TRUE_TEXT(added.ok(), added.text.c_str());
  core::ControlReply listed = table.call(core::command::Caller::root(), "user-list", core::Json::object());
  CHECK_TRUE(listed.ok());
  LONGS_EQUAL(1, listed.arguments.size());
  STRCMP_EQUAL("technician", listed.arguments[0]["role"].get<std::string>().c_str());
  CHECK_FALSE(listed.arguments.dump().find("argon2") != std::string::npos);
  core::ControlReply dup = table.call(core::command::Caller::root(), "user-add", args);
  LONGS_EQUAL(409, core::command::httpStatus(core::command::publicCode(dup.code)));
  core::ControlReply set = table.call(core::command::Caller::root(), "user-set",
                                      core::Json{{"username", "carol"}, {"role", "admin"}});
  CHECK_TRUE(set.ok());
  // carol is the only admin now: she stays one (AccountsKeepAnAdmin has the rest), until there is another.
  core::ControlReply last = table.call(core::command::Caller::root(), "user-del", core::Json{{"username", "carol"}});
  LONGS_EQUAL(409, core::command::httpStatus(core::command::publicCode(last.code)));
  CHECK_TRUE(accounts->add("dora", "admin", "dora password").isOk());
  core::ControlReply del = table.call(core::command::Caller::root(), "user-del", core::Json{{"username", "carol"}});
  CHECK_TRUE(del.ok());
  LONGS_EQUAL(404, core::command::httpStatus(core::command::publicCode(
                       table.call(core::command::Caller::root(), "user-del", core::Json{{"username", "carol"}}).code)));
}

TEST(Accounts, TheRoleLadderDecidesWhatAUiCallerMayRun) {
  // The web UI dispatches with the person's role: these are the answers its pages get.
  core::command::Table table(kRoles, kSpecs);
  auto denied = [&table](const char* role, const char* command) {
    return table.call(core::command::Caller{role, "", "ui"}, command, core::Json::object()).code ==
           core::Code::kPermissionDenied;
  };
  CHECK_TRUE(denied("viewer", "subscriber-topup"));
  CHECK_TRUE(denied("viewer", "session-disconnect"));
  CHECK_TRUE(denied("viewer", "nas-add"));
  CHECK_TRUE(denied("technician", "nas-add"));
  CHECK_TRUE(denied("technician", "user-list"));
  CHECK_FALSE(denied("technician", "session-disconnect"));  // refused later for its arguments or handler
  CHECK_FALSE(denied("admin", "nas-del"));
}

// TOTP (RFC 6238) on an account: the code step after the password, replay, lockout, enrollment.
namespace {
std::string codeAt(const std::string& secret, int64_t t) {
  core::Result<std::string> c = core::identity::totpCode(secret, t);
  CHECK_TRUE(c.isOk());
  return *c;
}
}  // namespace

TEST(Accounts, EnrollmentTakesEffectOnlyWithACodeOfTheNewSecret) {
  now = 1700000000;
  CHECK_TRUE(accounts->add("tom", "technician", "tom password 1").isOk());
  std::string secret = core::identity::newTotpSecret();
  LONGS_EQUAL(20, secret.size());
  // A code of another time (an hour away) is not one of now's.
  CHECK_TRUE(accounts->enableTotp("tom", secret, codeAt(secret, now + 3600)).code() == core::Code::kInvalidArgument);
  CHECK_FALSE(accounts->find("tom")->totp);
  CHECK_TRUE(accounts->enableTotp("tom", secret, codeAt(secret, now)).isOk());
  CHECK_TRUE(accounts->find("tom")->totp);
  // The enrollment's code counts as used: it does not sign anyone in afterwards.
  CHECK_TRUE(accounts->checkCode("tom", codeAt(secret, now), "10.0.0.1").code() == core::Code::kPermissionDenied);
  // Read back from edge.db, secret and last step too.
  openService();
  CHECK_TRUE(accounts->find("tom")->totp);
  now += 30;
  CHECK_TRUE(accounts->checkCode("tom", codeAt(secret, now), "10.0.0.1").isOk());
}

TEST(Accounts, ACodeIsAcceptedOnceAndWrongCodesCountTowardTheLockout) {
  now = 1700000000;
  CHECK_TRUE(accounts->add("ann", "viewer", "ann password 1").isOk());
  core::Result<std::string> secret = accounts->resetTotp("ann");
  CHECK_TRUE(secret.isOk());
  // One step of drift either side is accepted (RFC 6238 5.2), two are not.
  CHECK_TRUE(accounts->checkCode("ann", codeAt(*secret, now - 30), "10.0.0.2").isOk());
  CHECK_TRUE(accounts->checkCode("ann", codeAt(*secret, now), "10.0.0.2").isOk());
  // Replay: the same code again, and an older one still inside the window.
  CHECK_TRUE(accounts->checkCode("ann", codeAt(*secret, now), "10.0.0.2").code() == core::Code::kPermissionDenied);
  CHECK_TRUE(accounts->checkCode("ann", codeAt(*secret, now - 30), "10.0.0.2").code() == core::Code::kPermissionDenied);
  CHECK_TRUE(accounts->checkCode("ann", codeAt(*secret, now + 90), "10.0.0.2").code() == core::Code::kPermissionDenied);
  // perAccount allows 3 failures: the third wrong one (the replays above counted) locks the account,
  // and then even the right code of the next step is refused as locked.
  core::Status third = accounts->checkCode("ann", "123456", "10.0.0.2");
  CHECK_TRUE_TEXT(third.code() == core::Code::kResourceExhausted, third.message().c_str());
  now += 1;  // within the 30 s lock
  CHECK_TRUE(accounts->checkCode("ann", codeAt(*secret, now + 30), "10.0.0.3").code() == core::Code::kResourceExhausted);
  // The password step is locked as well: the failures were the account's.
  CHECK_TRUE(accounts->login("ann", "ann password 1", "10.0.0.3").status().code() == core::Code::kResourceExhausted);
}

TEST(Accounts, TotpByRootAndByThePersonThroughTheCommands) {
  now = 1700000000;
  core::command::Table table(kRoles, kSpecs);
  accounts->registerCommands(table);
  CHECK_TRUE(accounts->add("dan", "viewer", "dan password 1").isOk());
  // Root turns it on: the secret is in the answer once, as base32 and as an otpauth URI.
  core::ControlReply on = table.call(core::command::Caller::root(), "user-set",
                                     core::Json{{"username", "dan"}, {"totp", "enable"}});
  CHECK_TRUE_TEXT(on.ok(), on.text.c_str());
  std::string b32 = on.arguments["totp-secret"].get<std::string>();
  STRCMP_CONTAINS(("otpauth://totp/edged:dan?secret=" + b32).c_str(), on.arguments["otpauth-uri"].get<std::string>().c_str());
  core::Result<std::string> secret = core::identity::fromBase32(b32);
  CHECK_TRUE(secret.isOk());
  CHECK_TRUE(accounts->checkCode("dan", codeAt(*secret, now), "10.0.0.4").isOk());
  core::ControlReply listed = table.call(core::command::Caller::root(), "user-list", core::Json::object());
  STRCMP_EQUAL("on", listed.arguments[0]["totp"].get<std::string>().c_str());
  CHECK_FALSE(listed.arguments.dump().find(b32) != std::string::npos);
  CHECK_TRUE(table.call(core::command::Caller::root(), "user-set", core::Json{{"username", "dan"}, {"totp", "maybe"}}).code ==
             core::Code::kInvalidArgument);
  // The person turns it off with their own password (a wrong one is refused), from their session.
  core::command::Caller dan{"viewer", "", "dan"};
  CHECK_TRUE(table.call(dan, "account-totp", core::Json{{"action", "disable"}, {"password", "not my password"}}).code ==
             core::Code::kPermissionDenied);
  CHECK_TRUE(table.call(dan, "account-totp", core::Json{{"action", "disable"}, {"password", "dan password 1"}}).ok());
  CHECK_FALSE(accounts->find("dan")->totp);
  // And enrolls again: a wrong code leaves it off, the app's code turns it on.
  std::string fresh = core::identity::newTotpSecret();
  core::Json enroll{{"action", "enable"}, {"secret", core::identity::toBase32(fresh)}, {"code", "99999x"}};
  CHECK_FALSE(table.call(dan, "account-totp", enroll).ok());
  CHECK_FALSE(accounts->find("dan")->totp);
  enroll["code"] = codeAt(fresh, now);
  CHECK_TRUE(table.call(dan, "account-totp", enroll).ok());
  CHECK_TRUE(accounts->find("dan")->totp);
  // Root has no account of its own to act on.
  CHECK_TRUE(table.call(core::command::Caller::root(), "account-totp", enroll).code == core::Code::kFailedPrecondition);
}

TEST(Accounts, APersonChangesTheirPasswordOnlyWithTheOldOne) {
  core::command::Table table(kRoles, kSpecs);
  accounts->registerCommands(table);
  CHECK_TRUE(accounts->add("eve", "technician", "eve password 1").isOk());
  core::command::Caller eve{"technician", "", "eve"};
  core::ControlReply wrong = table.call(eve, "account-password",
                                        core::Json{{"old-password", "guess guess"}, {"new-password", "eve password 2"}});
  CHECK_TRUE(wrong.code == core::Code::kPermissionDenied);
  CHECK_TRUE(accounts->login("eve", "eve password 1", "10.0.0.5").isOk());
  changed.clear();
  core::ControlReply right = table.call(eve, "account-password",
                                        core::Json{{"old-password", "eve password 1"}, {"new-password", "eve password 2"}});
  CHECK_TRUE_TEXT(right.ok(), right.text.c_str());
  LONGS_EQUAL(1, changed.size());  // her sessions end
  CHECK_FALSE(accounts->login("eve", "eve password 1", "10.0.0.5").isOk());
  CHECK_TRUE(accounts->login("eve", "eve password 2", "10.0.0.5").isOk());
}

// Central technicians (ADR 0046): mgmt's list replaces the central accounts when its version
// changes; they sign in with the password set on mgmt, are not editable here, and a removed or
// changed one ends its sessions.
TEST(Accounts, CentralTechniciansFollowMgmtsListAndAreNotEditableHere) {
  core::Result<std::string> h1 = core::identity::hashPassword("central password 1", kCheap);
  core::Result<std::string> h2 = core::identity::hashPassword("central password 2", kCheap);
  CHECK_TRUE(h1.isOk() && h2.isOk());
  CHECK_TRUE(accounts->add("local", "admin", "local password").isOk());
  std::vector<core::sync::CentralAccount> list = {{"ann@isp.example", "technician", *h1},
                                                  {"bob@isp.example", "admin", *h2},
                                                  {"local", "technician", *h1},           // a local name: skipped
                                                  {"bad name@x", "technician", *h1}};     // not an account name
  CHECK_TRUE(accounts->replaceCentral("v1", list).isOk());
  STRCMP_EQUAL("v1", accounts->centralVersion().c_str());
  core::Result<edge::webui::Account> ann = accounts->login("ann@isp.example", "central password 1", "10.0.0.1");
  CHECK_TRUE_TEXT(ann.isOk(), ann.status().message().c_str());
  STRCMP_EQUAL("technician", ann->role.c_str());
  CHECK_TRUE(ann->central);
  CHECK_TRUE(accounts->login("local", "local password", "10.0.0.1").isOk());  // the local one is untouched
  CHECK_FALSE(accounts->find("local")->central);
  CHECK_FALSE(accounts->find("bad name@x").has_value());
  LONGS_EQUAL(3, accounts->list().size());

  // Not editable on the box.
  CHECK_TRUE(accounts->set("ann@isp.example", "admin", "").code() == core::Code::kFailedPrecondition);
  CHECK_TRUE(accounts->remove("ann@isp.example").code() == core::Code::kFailedPrecondition);
  CHECK_TRUE(accounts->changePassword("ann@isp.example", "central password 1", "another password x").code() ==
             core::Code::kFailedPrecondition);
  CHECK_TRUE(accounts->resetTotp("ann@isp.example").status().code() == core::Code::kFailedPrecondition);
  CHECK_TRUE(changed.empty());

  // Kept across a restart, with the version.
  openService();
  STRCMP_EQUAL("v1", accounts->centralVersion().c_str());
  CHECK_TRUE(accounts->login("bob@isp.example", "central password 2", "10.0.0.1").isOk());

  // The same version again changes nothing; an empty version (an older mgmt) neither.
  CHECK_TRUE(accounts->replaceCentral("v1", {}).isOk());
  CHECK_TRUE(accounts->replaceCentral("", {}).isOk());
  CHECK_TRUE(accounts->find("ann@isp.example").has_value());

  // ann disabled on mgmt, bob's password changed: ann is gone and both sessions end; bob signs in
  // with the new password only.
  std::vector<core::sync::CentralAccount> next = {{"bob@isp.example", "admin", *h1}};
  CHECK_TRUE(accounts->replaceCentral("v2", next).isOk());
  CHECK_FALSE(accounts->find("ann@isp.example").has_value());
  CHECK_TRUE(accounts->login("ann@isp.example", "central password 1", "10.0.0.2").status().code() ==
             core::Code::kPermissionDenied);
  CHECK_TRUE(accounts->login("bob@isp.example", "central password 1", "10.0.0.3").isOk());
  CHECK_TRUE(accounts->login("bob@isp.example", "central password 2", "10.0.0.3").status().code() ==
             core::Code::kPermissionDenied);
  LONGS_EQUAL(2, changed.size());
  openService();
  CHECK_FALSE(accounts->find("ann@isp.example").has_value());
  LONGS_EQUAL(2, accounts->list().size());

  // An empty list removes every central account, never a local one.
  CHECK_TRUE(accounts->replaceCentral("v3", {}).isOk());
  LONGS_EQUAL(1, accounts->list().size());
  CHECK_TRUE(accounts->find("local").has_value());
}

TEST(Accounts, TheLastAdminIsNeitherDeletedNorDemoted) {
  CHECK_TRUE(accounts->add("ada", "admin", "ada password 1").isOk());
  CHECK_TRUE(accounts->add("tom", "technician", "tom password 1").isOk());
  core::Status demote = accounts->set("ada", "technician", "");
  CHECK_TRUE(demote.code() == core::Code::kFailedPrecondition);
  STRCMP_CONTAINS("last admin", demote.message().c_str());
  CHECK_TRUE(accounts->remove("ada").code() == core::Code::kFailedPrecondition);
  // A password change of the last admin is fine, and so is any change of the others.
  CHECK_TRUE(accounts->set("ada", "admin", "ada password 2").isOk());
  CHECK_TRUE(accounts->set("tom", "viewer", "").isOk());
  CHECK_TRUE(accounts->remove("tom").isOk());
  STRCMP_EQUAL("admin", accounts->find("ada")->role.c_str());
  // A central admin counts: with one, the local admin may go.
  core::Result<std::string> h = core::identity::hashPassword("central password 1", kCheap);
  CHECK_TRUE(h.isOk());
  CHECK_TRUE(accounts->replaceCentral("v1", {{"boss@isp.example", "admin", *h}}).isOk());
  CHECK_TRUE(accounts->set("ada", "viewer", "").isOk());
  CHECK_TRUE(accounts->remove("ada").isOk());
  LONGS_EQUAL(1, accounts->list().size());
}

TEST(Accounts, ListShowsLockoutsUntilLiftedAndTheLastSignInKeptAcrossARestart) {
  core::command::Table table(kRoles, kSpecs);
  accounts->registerCommands(table);
  CHECK_TRUE(accounts->add("alice", "viewer", "alice password").isOk());
  auto row = [&table]() {
    core::ControlReply listed = table.call(core::command::Caller::root(), "user-list", core::Json::object());
    CHECK_TRUE(listed.ok());
    return listed.arguments.at(0);
  };
  CHECK_TRUE(row()["locked-until"].is_null());
  CHECK_TRUE(row()["last-login-at"].is_null());
  for (int i = 0; i < 4; ++i) (void)accounts->login("alice", "guess " + std::to_string(i), "10.0.0.1");
  LONGS_EQUAL(1030, accounts->list().at(0).lockedUntil);  // 3 free failures, then 30 s from now (1000)
  STRCMP_EQUAL("1970-01-01T00:17:10.000Z", row()["locked-until"].get<std::string>().c_str());
  // Only admins lift it; then the right password works at once, from another address.
  core::ControlReply refused =
      table.call(core::command::Caller{"technician", "", "tess"}, "user-unlock", core::Json{{"username", "alice"}});
  CHECK_TRUE(refused.code == core::Code::kPermissionDenied);
  CHECK_TRUE(table.call(core::command::Caller::root(), "user-unlock", core::Json{{"username", "nobody"}}).code ==
             core::Code::kNotFound);
  CHECK_TRUE(table.call(core::command::Caller{"admin", "", "ada"}, "user-unlock", core::Json{{"username", "alice"}}).ok());
  CHECK_TRUE(row()["locked-until"].is_null());
  CHECK_TRUE(accounts->login("alice", "alice password", "10.0.0.2").isOk());
  // A completed sign-in is what the UI records (after the code, when there is one).
  now = 2000;
  CHECK_TRUE(accounts->signedIn("alice", "10.0.0.2").isOk());
  openService();
  edge::webui::Account a = accounts->list().at(0);
  LONGS_EQUAL(2000, a.lastLoginAt);
  STRCMP_EQUAL("10.0.0.2", a.lastLoginFrom.c_str());
  LONGS_EQUAL(0, a.lockedUntil);
}

TEST(Accounts, ACentralAccountKeepsItsLastSignInWhenMgmtsListChanges) {
  core::Result<std::string> h = core::identity::hashPassword("central password 1", kCheap);
  CHECK_TRUE(h.isOk());
  CHECK_TRUE(accounts->replaceCentral("v1", {{"ann@isp.example", "technician", *h}}).isOk());
  CHECK_TRUE(accounts->signedIn("ann@isp.example", "192.0.2.4").isOk());
  CHECK_TRUE(accounts->replaceCentral("v2", {{"ann@isp.example", "admin", *h}}).isOk());
  openService();
  STRCMP_EQUAL("192.0.2.4", accounts->find("ann@isp.example")->lastLoginFrom.c_str());
  LONGS_EQUAL(1000, accounts->find("ann@isp.example")->lastLoginAt);
}
