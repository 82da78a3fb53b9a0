// Subscribers: the argument table (unknown arguments refused), each field's form, the one validation
// of an add and a set, applying (plan by name, credentials), and the canonical form of MAC-named
// usernames.
#include <string>

#include "aaa/auth/credentials.h"
#include "catalog/subscriber.h"
#include "tests/catalog/catalog_test_support.h"

#include <CppUTest/TestHarness.h>

using catalog::SubscriberChange;
using catalog::SubscriberFields;
using core::Code;
using core::Json;

namespace {

using catalog_test::with;

core::Result<SubscriberFields> parse(const Json& args) { return catalog::parseSubscriberFields(core::CommandArgs(args)); }

// Parse and validate, as every surface does.
core::Status check(const Json& args, SubscriberChange change) {
  core::Result<SubscriberFields> f = parse(args);
  if (!f.isOk()) return f.status();
  return catalog::validateSubscriber(*f, change);
}

Json alice() { return Json{{"username", "alice"}, {"password", "alice-pw"}, {"plan", "home"}}; }

Json without(Json args, const std::string& key) {
  args.erase(key);
  return args;
}

std::optional<int64_t> plans(const std::string& name) {
  if (name == "home") return 1;
  if (name == "gold") return 2;
  return std::nullopt;
}

}  // namespace

TEST_GROUP(CatalogSubscriber) {};

TEST(CatalogSubscriber, TheArgumentTableIsTheTwelveFields) {
  LONGS_EQUAL(12, catalog::subscriberArguments().size());
  core::Result<SubscriberFields> f = parse(Json{{"username", "alice"}, {"password", "pw"}, {"plan", "home"},
                                                {"mac", "AA-BB-CC-DD-EE-FF"}, {"expires", "2030-01-31T00:00:00Z"},
                                                {"status", "suspended"}, {"static-ip", "100.64.0.9"}});
  CHECK_TRUE_TEXT(f.isOk(), f.status().message().c_str());
  STRCMP_EQUAL("alice", f->username->c_str());
  STRCMP_EQUAL("pw", f->password->c_str());
  STRCMP_EQUAL("home", f->plan->c_str());
  CHECK_TRUE(*f->status == catalog::SubscriberStatus::kSuspended);
  LONGS_EQUAL(1896048000, *f->expiresAt);
  STRCMP_EQUAL("aa:bb:cc:dd:ee:ff", aaa::auth::formatMac(**f->mac).c_str());
  STRCMP_EQUAL("100.64.0.9", catalog::formatIp(**f->staticIp).c_str());
}

TEST(CatalogSubscriber, UnknownArgumentsAreRefused) {
  CHECK_STATUS(Code::kInvalidArgument,
               "unknown argument 'user' (known: username, password, plan, mac, expires, status, static-ip, nt-hash, password-hash, dunning, dunning-rate, dunning-url)",
               parse(with(alice(), "user", "alice")).status());
  // A CSV row's "line" is the import's business, not a subscriber field.
  STRCMP_CONTAINS("unknown argument 'line'", parse(with(alice(), "line", 3)).status().message().c_str());
  CHECK_STATUS(Code::kInvalidArgument, "arguments must be an object", parse(Json("alice")).status());
}

TEST(CatalogSubscriber, AbsentFieldsStayAbsent) {
  core::Result<SubscriberFields> f = parse(Json{{"username", "alice"}});
  CHECK_TRUE(f.isOk());
  CHECK_FALSE(f->password.has_value());
  CHECK_FALSE(f->plan.has_value());
  CHECK_FALSE(f->status.has_value());
  CHECK_FALSE(f->expiresAt.has_value());
  CHECK_FALSE(f->mac.has_value());
  CHECK_FALSE(f->staticIp.has_value());
  // JSON null is absent too.
  f = parse(Json{{"username", "alice"}, {"mac", nullptr}});
  CHECK_FALSE(f->mac.has_value());
}

TEST(CatalogSubscriber, EachFieldsFormIsNamed) {
  CHECK_STATUS(Code::kInvalidArgument, "status: 'banned' is not one of: active, suspended, disabled",
               parse(with(alice(), "status", "banned")).status());
  CHECK_STATUS(Code::kInvalidArgument,
               "expires: '31/12/2026' is not a date (use 2026-12-31, 2026-12-31T18:00:00Z or 2026-12-31T18:00+02:00)",
               parse(with(alice(), "expires", "31/12/2026")).status());
  CHECK_STATUS(Code::kInvalidArgument, "mac: 'not-a-mac' is not a MAC address (e.g. aa:bb:cc:dd:ee:ff)",
               parse(with(alice(), "mac", "not-a-mac")).status());
  CHECK_STATUS(Code::kInvalidArgument, "static-ip: '100.64.0.300' is not an IPv4 address",
               parse(with(alice(), "static-ip", "100.64.0.300")).status());
  CHECK_STATUS(Code::kInvalidArgument, "static-ip: '2001:db8::1' is not an IPv4 address",
               parse(with(alice(), "static-ip", "2001:db8::1")).status());
  CHECK_STATUS(Code::kInvalidArgument, "password: expected text, got boolean",
               parse(with(alice(), "password", true)).status());
  CHECK_STATUS(Code::kInvalidArgument, "username: expected text, got list",
               parse(with(alice(), "username", Json::array())).status());
}

TEST(CatalogSubscriber, EmptyTextsClearAndNeverMeansNoExpiry) {
  core::Result<SubscriberFields> f =
      parse(Json{{"username", "alice"}, {"mac", ""}, {"static-ip", ""}, {"expires", ""}});
  CHECK_TRUE(f.isOk());
  CHECK_TRUE(f->mac.has_value());
  CHECK_FALSE(f->mac->has_value());
  CHECK_TRUE(f->staticIp.has_value());
  CHECK_FALSE(f->staticIp->has_value());
  LONGS_EQUAL(0, *f->expiresAt);
  LONGS_EQUAL(0, *parse(with(alice(), "expires", "never"))->expiresAt);
}

TEST(CatalogSubscriber, AnAddNeedsAUsernameAPlanAndAPassword) {
  CHECK_TRUE(check(alice(), SubscriberChange::kAdd).isOk());
  CHECK_STATUS(Code::kInvalidArgument, "username is required", check(without(alice(), "username"), SubscriberChange::kAdd));
  CHECK_STATUS(Code::kInvalidArgument, "username is required", check(with(alice(), "username", ""), SubscriberChange::kAdd));
  CHECK_STATUS(Code::kInvalidArgument, "plan is required", check(without(alice(), "plan"), SubscriberChange::kAdd));
  CHECK_STATUS(Code::kInvalidArgument, "password is required", check(without(alice(), "password"), SubscriberChange::kAdd));
  // An empty password (a CSV row's empty cell) is no password.
  CHECK_STATUS(Code::kInvalidArgument, "password is required", check(with(alice(), "password", ""), SubscriberChange::kAdd));
}

TEST(CatalogSubscriber, AMacNamedSubscriberNeedsNoPassword) {
  for (const char* mac : {"aa:bb:cc:dd:ee:ff", "AA-BB-CC-DD-EE-FF", "aabb.ccdd.eeff", "AABBCCDDEEFF", "254712345678"}) {
    core::Status s = check(Json{{"username", mac}, {"plan", "home"}}, SubscriberChange::kAdd);
    CHECK_TRUE_TEXT(s.isOk(), (std::string(mac) + ": " + s.message()).c_str());
    CHECK_TRUE(check(Json{{"username", mac}, {"plan", "home"}, {"password", ""}}, SubscriberChange::kAdd).isOk());
  }
  // Not a MAC: a 13-digit number, a phone number with its +, a MAC with a suffix.
  for (const char* name : {"2547123456789", "+254712345678", "aa:bb:cc:dd:ee:ff:ssid"})
    CHECK_STATUS(Code::kInvalidArgument, "password is required",
                 check(Json{{"username", name}, {"plan", "home"}}, SubscriberChange::kAdd));
}

TEST(CatalogSubscriber, UsernameAndPasswordLimits) {
  CHECK_TRUE(check(with(alice(), "username", std::string(catalog::kMaxUsernameOctets, 'u')), SubscriberChange::kAdd).isOk());
  CHECK_STATUS(Code::kInvalidArgument, "username: longer than 253 octets (RFC 2865 5.1)",
               check(with(alice(), "username", std::string(254, 'u')), SubscriberChange::kAdd));
  CHECK_STATUS(Code::kInvalidArgument, "username: longer than 253 octets (RFC 2865 5.1)",
               check(with(alice(), "username", std::string(254, 'u')), SubscriberChange::kSet));
  CHECK_TRUE(check(with(alice(), "password", std::string(aaa::auth::kMaxPasswordBytes, 'p')), SubscriberChange::kAdd).isOk());
  core::Status tooLong = check(with(alice(), "password", std::string(129, 'p')), SubscriberChange::kAdd);
  CHECK_TRUE(tooLong.code() == Code::kInvalidArgument);
  STRCMP_CONTAINS("password: password is 129 bytes, longer than the 128", tooLong.message().c_str());
  core::Status nul = check(with(alice(), "password", std::string("pw\0x", 4)), SubscriberChange::kAdd);
  CHECK_STATUS(Code::kInvalidArgument, "password: password contains a NUL character", nul);
  core::Status latin1 = check(with(alice(), "password", std::string("caf\xe9")), SubscriberChange::kSet);
  CHECK_TRUE(latin1.code() == Code::kInvalidArgument);
  STRCMP_CONTAINS("password: password is not valid UTF-8", latin1.message().c_str());
  // The message never carries the password itself.
  CHECK_TRUE(tooLong.message().find("ppppp") == std::string::npos);
}

TEST(CatalogSubscriber, ASetNeedsOnlyTheUsernameAndCannotEmptyThePassword) {
  CHECK_TRUE(check(Json{{"username", "alice"}}, SubscriberChange::kSet).isOk());
  CHECK_TRUE(check(Json{{"username", "alice"}, {"status", "disabled"}}, SubscriberChange::kSet).isOk());
  CHECK_STATUS(Code::kInvalidArgument, "username is required", check(Json{{"status", "disabled"}}, SubscriberChange::kSet));
  CHECK_STATUS(Code::kInvalidArgument, "password: password is empty",
               check(Json{{"username", "alice"}, {"password", ""}}, SubscriberChange::kSet));
}

TEST(CatalogSubscriber, ApplyingResolvesThePlanAndSetsTheFields) {
  catalog::Subscriber s;
  core::Result<SubscriberFields> f = parse(Json{{"username", "alice"}, {"password", "alice-pw"}, {"plan", "gold"},
                                                {"mac", "02:00:00:00:00:01"}, {"static-ip", "100.64.0.9"},
                                                {"status", "suspended"}, {"expires", "2030-01-31"}});
  CHECK_TRUE(f.isOk());
  core::Status applied = catalog::applySubscriberFields(*f, plans, false, s);
  CHECK_TRUE_TEXT(applied.isOk(), applied.message().c_str());
  LONGS_EQUAL(2, s.planId);
  CHECK_TRUE(s.status == catalog::SubscriberStatus::kSuspended);
  CHECK_TRUE(s.expiresAt != 0);
  STRCMP_EQUAL("02:00:00:00:00:01", aaa::auth::formatMac(*s.mac).c_str());
  STRCMP_EQUAL("100.64.0.9", catalog::formatIp(*s.staticIp).c_str());
  STRCMP_EQUAL("", s.username.c_str());  // the caller's (canonicalUsername)
  // The password as its stored forms: the NT hash always, the cleartext only with CHAP on.
  CHECK_TRUE(s.ntHash.has_value());
  CHECK_TRUE(*s.ntHash == aaa::auth::ntPasswordHash("alice-pw"));
  STRCMP_EQUAL("", s.cleartext.c_str());
  catalog::Subscriber chap;
  CHECK_TRUE(catalog::applySubscriberFields(*f, plans, true, chap).isOk());
  STRCMP_EQUAL("alice-pw", chap.cleartext.c_str());
}

TEST(CatalogSubscriber, APlanThatDoesNotExistIsNotFound) {
  catalog::Subscriber s;
  CHECK_STATUS(Code::kNotFound, "plan: no plan named 'nope' (see plan list)",
               catalog::applySubscriberFields(*parse(with(alice(), "plan", "nope")), plans, false, s));
  CHECK_STATUS(Code::kNotFound, "plan: no plan named '' (see plan list)",
               catalog::applySubscriberFields(*parse(with(alice(), "plan", "")), plans, false, s));
}

TEST(CatalogSubscriber, ASetChangesOnlyWhatItNamesAndEmptyTextsClear) {
  catalog::Subscriber s;
  CHECK_TRUE(catalog::applySubscriberFields(*parse(with(with(alice(), "mac", "02:00:00:00:00:01"), "static-ip", "10.0.0.7")),
                                            plans, false, s)
                 .isOk());
  catalog::NtHash before = *s.ntHash;
  CHECK_TRUE(catalog::applySubscriberFields(*parse(Json{{"username", "alice"}, {"status", "disabled"}}), plans, false, s).isOk());
  CHECK_TRUE(s.status == catalog::SubscriberStatus::kDisabled);
  LONGS_EQUAL(1, s.planId);
  CHECK_TRUE(s.mac.has_value());
  CHECK_TRUE(*s.ntHash == before);
  CHECK_TRUE(catalog::applySubscriberFields(*parse(Json{{"username", "alice"}, {"mac", ""}, {"static-ip", ""}}), plans,
                                            false, s)
                 .isOk());
  CHECK_FALSE(s.mac.has_value());
  CHECK_FALSE(s.staticIp.has_value());
  CHECK_TRUE(catalog::applySubscriberFields(*parse(Json{{"username", "alice"}, {"password", "new-pw"}}), plans, false, s).isOk());
  CHECK_TRUE(*s.ntHash == aaa::auth::ntPasswordHash("new-pw"));
}

TEST(CatalogSubscriber, AMacNamedAddWithoutPasswordStoresNoCredentials) {
  catalog::Subscriber s;
  CHECK_TRUE(catalog::applySubscriberFields(*parse(Json{{"username", "aa-bb-cc-00-00-01"}, {"password", ""}, {"plan", "home"}}),
                                            plans, true, s)
                 .isOk());
  CHECK_FALSE(s.ntHash.has_value());
  STRCMP_EQUAL("", s.cleartext.c_str());
}

TEST(CatalogSubscriber, MacNamedUsernamesHaveOneCanonicalForm) {
  STRCMP_EQUAL("aa:bb:cc:dd:ee:ff", catalog::canonicalUsername("AA-BB-CC-DD-EE-FF").c_str());
  STRCMP_EQUAL("aa:bb:cc:dd:ee:ff", catalog::canonicalUsername("aabb.ccdd.eeff").c_str());
  STRCMP_EQUAL("aa:bb:cc:dd:ee:ff", catalog::canonicalUsername("AABBCCDDEEFF").c_str());
  STRCMP_EQUAL("aa:bb:cc:dd:ee:ff", catalog::canonicalUsername("aa:bb:cc:dd:ee:ff").c_str());
  // A 12-digit number (a phone number used as a username) reads as a MAC too: one subscriber,
  // whichever way the NAS spells it.
  STRCMP_EQUAL("25:47:12:34:56:78", catalog::canonicalUsername("254712345678").c_str());
  // Anything else is kept as it is (case included).
  STRCMP_EQUAL("Alice", catalog::canonicalUsername("Alice").c_str());
  STRCMP_EQUAL("+254712345678", catalog::canonicalUsername("+254712345678").c_str());
  STRCMP_EQUAL("2547123456789", catalog::canonicalUsername("2547123456789").c_str());
  STRCMP_EQUAL("", catalog::canonicalUsername("").c_str());
}

TEST(CatalogSubscriber, SetPasswordNamesTheArgument) {
  catalog::Subscriber s;
  CHECK_STATUS(Code::kInvalidArgument, "password: password is empty", catalog::setPassword(s, "", false));
  CHECK_FALSE(s.ntHash.has_value());
  CHECK_TRUE(catalog::setPassword(s, "voucher-code", true).isOk());
  STRCMP_EQUAL("voucher-code", s.cleartext.c_str());
  CHECK_TRUE(*s.ntHash == aaa::auth::ntPasswordHash("voucher-code"));
}

TEST(CatalogSubscriber, StatusNamesRoundTrip) {
  for (catalog::SubscriberStatus st :
       {catalog::SubscriberStatus::kActive, catalog::SubscriberStatus::kSuspended, catalog::SubscriberStatus::kDisabled})
    CHECK_TRUE(catalog::parseSubscriberStatus(catalog::subscriberStatusName(st)) == st);
  CHECK_FALSE(catalog::parseSubscriberStatus("Active").has_value());
}

TEST(CatalogSubscriber, PeriodAnchorIsTheFirstLoginElseTheCreation) {
  catalog::Subscriber s;
  s.createdAt = 1000;
  LONGS_EQUAL(1000, s.periodAnchor());
  s.firstLogin = 2000;
  LONGS_EQUAL(2000, s.periodAnchor());
}

// ADR 0045: an imported NT hash or password hash instead of a password; one of the three, and the
// stored forms replace each other.
TEST(CatalogSubscriber, ImportedHashesAreOneOfThePasswordForms) {
  core::Result<SubscriberFields> nt =
      parse(Json{{"username", "bob"}, {"plan", "home"}, {"nt-hash", "8846F7EAEE8FB117AD06BDD830B7586C"}});
  CHECK_TRUE_TEXT(nt.isOk(), nt.status().message().c_str());
  CHECK_TRUE(catalog::validateSubscriber(*nt, catalog::SubscriberChange::kAdd).isOk());
  catalog::Subscriber s;
  s.cleartext = "old";
  s.papHash = "{md5}X03MO1qnZdYdgyfeuILPmQ==";
  CHECK_TRUE(catalog::applySubscriberFields(*nt, plans, true, s).isOk());
  CHECK_TRUE(s.ntHash.has_value());
  CHECK_TRUE(*s.ntHash == aaa::auth::ntPasswordHash("password"));
  CHECK_TRUE(s.cleartext.empty());
  CHECK_TRUE(s.papHash.empty());

  core::Result<SubscriberFields> h =
      parse(Json{{"username", "carol"}, {"plan", "home"}, {"password-hash", "{SSHA}/ZQqiNB0KY5DsMfhXruKYQL/lEABAgMEc2FsdA=="}});
  CHECK_TRUE_TEXT(h.isOk(), h.status().message().c_str());
  CHECK_TRUE(catalog::validateSubscriber(*h, catalog::SubscriberChange::kAdd).isOk());
  CHECK_TRUE(catalog::applySubscriberFields(*h, plans, true, s).isOk());
  STRCMP_EQUAL("{ssha1}/ZQqiNB0KY5DsMfhXruKYQL/lEABAgMEc2FsdA==", s.papHash.c_str());
  CHECK_FALSE(s.ntHash.has_value());
  CHECK_TRUE(s.cleartext.empty());

  // A password replaces the imported hash.
  CHECK_TRUE(catalog::setPassword(s, "new-pw", true).isOk());
  CHECK_TRUE(s.papHash.empty());
  CHECK_TRUE(s.ntHash.has_value());

  core::Result<SubscriberFields> both = parse(
      Json{{"username", "x"}, {"plan", "home"}, {"password", "pw"}, {"nt-hash", "8846f7eaee8fb117ad06bdd830b7586c"}});
  CHECK_TRUE(both.isOk());
  core::Status st = catalog::validateSubscriber(*both, catalog::SubscriberChange::kAdd);
  CHECK_FALSE(st.isOk());
  CHECK_TRUE(st.message().find("give only one") != std::string::npos);

  core::Result<SubscriberFields> badNt = parse(Json{{"username", "x"}, {"plan", "home"}, {"nt-hash", "8846f7"}});
  CHECK_FALSE(badNt.isOk());
  CHECK_TRUE(badNt.status().message().rfind("nt-hash:", 0) == 0);
  core::Result<SubscriberFields> badHash =
      parse(Json{{"username", "x"}, {"plan", "home"}, {"password-hash", "{crypt}$6$saltsalt$cut"}});
  CHECK_FALSE(badHash.isOk());
  CHECK_TRUE(badHash.status().message().rfind("password-hash:", 0) == 0);
  CHECK_TRUE(badHash.status().message().find("saltsalt") == std::string::npos);
}

TEST(CatalogSubscriber, DunningFieldsAreCheckedNamingTheKey) {
  core::Result<SubscriberFields> f = parse(Json{{"username", "alice"}, {"dunning", "throttle"},
                                                {"dunning-rate", "512k/256k"},
                                                {"dunning-url", "https://pay.example.net/isp/alice?x=1"}});
  CHECK_TRUE_TEXT(f.isOk(), f.status().message().c_str());
  CHECK_TRUE(*f->dunning == catalog::Dunning::kThrottle);
  LONGS_EQUAL(512000, f->dunningRate->downBps);
  LONGS_EQUAL(256000, f->dunningRate->upBps);
  STRCMP_EQUAL("https://pay.example.net/isp/alice?x=1", f->dunningUrl->c_str());

  auto refused = [](const Json& args) { return parse(with(alice(), args.begin().key(), args.begin().value())).status(); };
  CHECK_STATUS(Code::kInvalidArgument, "dunning: 'blocked' is not one of: '' (none), throttle, walled, suspend",
               refused(Json{{"dunning", "blocked"}}));
  STRCMP_CONTAINS("dunning-rate: '512k': a rate is DOWN/UP", refused(Json{{"dunning-rate", "512k"}}).message().c_str());
  STRCMP_CONTAINS("dunning-rate: ", refused(Json{{"dunning-rate", "0/1M"}}).message().c_str());
  STRCMP_CONTAINS("dunning-rate: ", refused(Json{{"dunning-rate", "fast/slow"}}).message().c_str());
  STRCMP_CONTAINS("dunning-url: ", refused(Json{{"dunning-url", "http://pay.example.net/"}}).message().c_str());
  STRCMP_CONTAINS("dunning-url: must start with https://",
                  refused(Json{{"dunning-url", "HTTPS://pay.example.net/"}}).message().c_str());
  STRCMP_CONTAINS("dunning-url: ", refused(Json{{"dunning-url", "javascript:alert(1)"}}).message().c_str());
  STRCMP_CONTAINS("dunning-url: ", refused(Json{{"dunning-url", "https:///nohost"}}).message().c_str());
  STRCMP_CONTAINS("dunning-url: spaces", refused(Json{{"dunning-url", "https://pay.example.net/a b"}}).message().c_str());
  STRCMP_CONTAINS("dunning-url: spaces", refused(Json{{"dunning-url", "https://pay.example.net/\"><x>"}}).message().c_str());
  // A RADIUS attribute carries at most 253 octets.
  STRCMP_CONTAINS("dunning-url: longer than 253 octets",
                  parse(with(alice(), "dunning-url", "https://pay.example.net/" + std::string(240, 'a'))).status().message().c_str());
  CHECK_TRUE(parse(with(alice(), "dunning-url", "https://pay.example.net/" + std::string(200, 'a'))).isOk());
}

TEST(CatalogSubscriber, DunningIsAppliedClearedAndThrottleNeedsARate) {
  catalog::Subscriber s;
  CHECK_TRUE(catalog::applySubscriberFields(*parse(alice()), plans, false, s).isOk());
  CHECK_TRUE(s.dunning == catalog::Dunning::kNone);

  // Throttle without a rate, now or stored, is refused naming dunning-rate.
  CHECK_STATUS(Code::kInvalidArgument, "dunning-rate: required while dunning is 'throttle' (DOWN/UP, e.g. 512k/256k)",
               catalog::applySubscriberFields(*parse(Json{{"username", "alice"}, {"dunning", "throttle"}}), plans, false, s));
  // The validation knows as much as the change says: an add needs the rate in it, a set must not clear it.
  CHECK_STATUS(Code::kInvalidArgument, "dunning-rate: required while dunning is 'throttle' (DOWN/UP, e.g. 512k/256k)",
               check(with(alice(), "dunning", "throttle"), SubscriberChange::kAdd));
  CHECK_TRUE(check(Json{{"username", "alice"}, {"dunning", "throttle"}}, SubscriberChange::kSet).isOk());
  CHECK_FALSE(check(Json{{"username", "alice"}, {"dunning", "throttle"}, {"dunning-rate", ""}}, SubscriberChange::kSet).isOk());
  CHECK_TRUE(check(with(with(alice(), "dunning", "throttle"), "dunning-rate", "1M/1M"), SubscriberChange::kAdd).isOk());
  CHECK_TRUE(catalog::applySubscriberFields(
                 *parse(Json{{"username", "alice"}, {"dunning", "throttle"}, {"dunning-rate", "1M/512k"}}), plans, false, s)
                 .isOk());
  CHECK_TRUE(s.dunning == catalog::Dunning::kThrottle);
  LONGS_EQUAL(1000000, s.dunningRate.downBps);
  // Walled keeps the stored rate and adds the pay page; suspend needs neither.
  CHECK_TRUE(catalog::applySubscriberFields(
                 *parse(Json{{"username", "alice"}, {"dunning", "walled"}, {"dunning-url", "https://pay.example.net/"}}),
                 plans, false, s)
                 .isOk());
  CHECK_TRUE(s.dunning == catalog::Dunning::kWalled);
  LONGS_EQUAL(1000000, s.dunningRate.downBps);
  STRCMP_EQUAL("https://pay.example.net/", s.dunningUrl.c_str());
  // A stored rate cannot be cleared while throttled.
  catalog::Subscriber throttled = s;
  throttled.dunning = catalog::Dunning::kThrottle;
  CHECK_FALSE(catalog::applySubscriberFields(*parse(Json{{"username", "alice"}, {"dunning-rate", ""}}), plans, false,
                                             throttled)
                  .isOk());
  // Restore: '' clears all three ("none" is the same as '').
  CHECK_TRUE(catalog::applySubscriberFields(*parse(Json{{"username", "alice"}, {"dunning", "none"}, {"dunning-rate", ""},
                                                        {"dunning-url", ""}}),
                                            plans, false, s)
                 .isOk());
  CHECK_TRUE(s.dunning == catalog::Dunning::kNone);
  LONGS_EQUAL(0, s.dunningRate.downBps);
  CHECK_TRUE(s.dunningUrl.empty());
  STRCMP_EQUAL("", catalog::dunningName(catalog::Dunning::kNone));
  STRCMP_EQUAL("suspend", catalog::dunningName(*catalog::parseDunning("suspend")));
}
