// The FreeRADIUS users-file importer: the parser (line-numbered errors), the mapping onto plans and
// subscribers (DEFAULT entries, group rates, Simultaneous-Use, expirations, mixed hash types) and the
// dry-run report. tests/import/users.sample is the file the integration test imports too.
#include <fstream>
#include <sstream>
#include <string>

#include "import/freeradius_users.h"
#include "import/mapping.h"
#include "tests/import/import_test_support.h"

#include <CppUTest/TestHarness.h>

namespace {

using import_test::find;
using import_test::planOrNull;

std::string readSample() {
  std::ifstream in(std::string(EDGE_SOURCE_DIR) + "/tests/import/users.sample");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool hasWarning(const importer::MappedSubscriber& s, const std::string& part) {
  for (const std::string& w : s.warnings)
    if (w.find(part) != std::string::npos) return true;
  return false;
}

std::string usersParseError(const std::string& text) {
  core::Result<std::vector<importer::UsersEntry>> r = importer::parseFreeradiusUsers(text);
  CHECK_FALSE(r.isOk());
  return r.status().message();
}

}  // namespace

TEST_GROUP(FreeradiusUsers) {};

TEST(FreeradiusUsers, ParsesEntriesChecksRepliesAndFallThrough) {
  core::Result<std::vector<importer::UsersEntry>> r = importer::parseFreeradiusUsers(readSample());
  CHECK_TRUE(r.isOk());
  const auto& e = *r;
  LONGS_EQUAL(13, e.size());
  CHECK_TRUE(e[0].isDefault);
  LONGS_EQUAL(3, e[0].line);
  STRCMP_EQUAL("alice", e[1].name.c_str());
  LONGS_EQUAL(4, e[1].check.size());
  STRCMP_EQUAL("Expiration", e[1].check[3].name.c_str());
  STRCMP_EQUAL(":=", e[1].check[3].op.c_str());
  STRCMP_EQUAL("Jan 15 2027 12:00:00", e[1].check[3].value.c_str());
  LONGS_EQUAL(3, e[1].reply.size());  // Fall-Through is a flag, not a reply item
  STRCMP_EQUAL("Mikrotik-Rate-Limit", e[1].reply[1].name.c_str());  // several items on one line
  STRCMP_EQUAL("10M/20M 20M/40M 8M/16M 10/10", e[1].reply[1].value.c_str());
  CHECK_TRUE(e[1].fallThrough);
  STRCMP_EQUAL("erin smith", e[5].name.c_str());
  STRCMP_EQUAL("e\"rin", e[5].check[0].value.c_str());
  CHECK_FALSE(e[8].fallThrough);  // henry
  STRCMP_EQUAL("==", e[4].check[1].op.c_str());
}

TEST(FreeradiusUsers, ErrorsNameTheLine) {
  STRCMP_EQUAL("line 2: an indented line (reply items) before any entry", usersParseError("# c\n  Session-Timeout = 1\n").c_str());
  STRCMP_EQUAL("line 1: expected an operator (= := == += != > >= < <= =~ !~ =* !*)",
               usersParseError("bob Cleartext-Password \"x\"\n").c_str());
  STRCMP_EQUAL("line 1: unterminated quoted a value for Cleartext-Password",
               usersParseError("bob Cleartext-Password := \"x\n").c_str());
  STRCMP_EQUAL("line 2: the reply list ends with ',' but the next line starts a new entry",
               usersParseError("bob Cleartext-Password := x\n  Session-Timeout = 1,\nalice\n").c_str());
  STRCMP_EQUAL("line 3: $INCLUDE and other directives are not read: import each file by name",
               usersParseError("\n\n$INCLUDE other\n").c_str());
  STRCMP_EQUAL("line 2: not UTF-8 (convert the file first, e.g. iconv -f latin1 -t utf-8)",
               usersParseError("bob Cleartext-Password := x\nJos\xe9 Cleartext-Password := y\n").c_str());
  STRCMP_EQUAL("line 1: expected ',' after Group", usersParseError("bob Group := a Simultaneous-Use := 1\n").c_str());
  STRCMP_EQUAL("line 2: the reply list ends with ',' but the file ends",
               usersParseError("bob Group := a\n  Session-Timeout = 1,").c_str());
}

TEST(FreeradiusUsers, MikrotikRatesAndExpirations) {
  core::Result<importer::RateLimit> r = importer::parseMikrotikRateLimit("10M/20M 20M/40M 8M/16M 10/10");
  CHECK_TRUE(r.isOk());
  LONGS_EQUAL(20000000, r->down);  // tx: the subscriber's download
  LONGS_EQUAL(10000000, r->up);
  LONGS_EQUAL(40000000, r->burstDown);
  LONGS_EQUAL(16000000, r->thresholdDown);
  LONGS_EQUAL(10, r->burstTime);
  r = importer::parseMikrotikRateLimit("512k");
  CHECK_TRUE(r.isOk());
  LONGS_EQUAL(512000, r->down);
  LONGS_EQUAL(512000, r->up);
  CHECK_FALSE(importer::parseMikrotikRateLimit("fast/slow").isOk());
  CHECK_FALSE(importer::parseMikrotikRateLimit("").isOk());

  core::Result<int64_t> t = importer::parseFreeradiusExpiration("Jan 15 2027 12:00:00");
  CHECK_TRUE(t.isOk());
  LONGS_EQUAL(1800014400, *t);  // date -u -d "2027-01-15 12:00:00" +%s
  t = importer::parseFreeradiusExpiration("15 January 2027");
  CHECK_TRUE(t.isOk());
  LONGS_EQUAL(1799971200, *t);
  CHECK_FALSE(importer::parseFreeradiusExpiration("Feb 30 2027").isOk());
  CHECK_FALSE(importer::parseFreeradiusExpiration("tomorrow").isOk());
  CHECK_FALSE(importer::parseFreeradiusExpiration("2027").isOk());
}

TEST(FreeradiusUsers, MapsGroupsDefaultsSessionsExpiryAndPasswordForms) {
  core::Result<std::vector<importer::UsersEntry>> r = importer::parseFreeradiusUsers(readSample());
  CHECK_TRUE(r.isOk());
  importer::ImportPlan p = importer::mapFreeradiusUsers(*r, {});
  LONGS_EQUAL(8, p.subscribers.size());
  LONGS_EQUAL(5, p.defaults);

  // Her own rate (the gold DEFAULT never applies in FreeRADIUS: Group compares unix groups),
  // Simultaneous-Use on a plan of its own.
  const auto& alice = find(p, "alice");
  CHECK_TRUE(alice.importable);
  STRCMP_EQUAL("fr-20M-10M-x2", alice.args["plan"].get<std::string>().c_str());
  STRCMP_EQUAL("alice-secret", alice.args["password"].get<std::string>().c_str());
  STRCMP_EQUAL("2027-01-15T12:00:00Z", alice.args["expires"].get<std::string>().c_str());
  STRCMP_EQUAL("198.51.100.10", alice.args["static-ip"].get<std::string>().c_str());
  STRCMP_EQUAL("cleartext", alice.passwordForm.c_str());
  LONGS_EQUAL(4, alice.methods.size());
  const importer::MappedPlan* gold2 = planOrNull(p, "fr-20M-10M-x2");
  CHECK_TRUE(gold2 != nullptr);
  STRCMP_EQUAL("20M", gold2->args["down"].get<std::string>().c_str());
  STRCMP_EQUAL("10M", gold2->args["up"].get<std::string>().c_str());
  STRCMP_EQUAL("40M", gold2->args["burst-down"].get<std::string>().c_str());
  STRCMP_EQUAL("80", gold2->args["burst-threshold"].get<std::string>().c_str());
  STRCMP_EQUAL("10", gold2->args["burst-time"].get<std::string>().c_str());
  STRCMP_EQUAL("300", gold2->args["interim"].get<std::string>().c_str());
  STRCMP_EQUAL("2", gold2->args["max-sessions"].get<std::string>().c_str());
  STRCMP_EQUAL("20M", planOrNull(p, "fr-20M-10M-x1")->args["down"].get<std::string>().c_str());
  CHECK_FALSE(planOrNull(p, "fr-20M-10M")->args.contains("max-sessions"));
  CHECK_TRUE(gold2->group.empty());  // a users file has no groups FreeRADIUS would apply
  // Her Group := "gold" is no membership, and the gold DEFAULT she would have got is named.
  LONGS_EQUAL(2, alice.warnings.size());
  STRCMP_EQUAL("Group := \"gold\" (line 6) is not a group membership: FreeRADIUS compares Group with the unix "
               "groups of the user",
               alice.warnings[0].c_str());
  STRCMP_EQUAL("DEFAULT Group == \"gold\" (line 36): FreeRADIUS compares Group with unix groups: this DEFAULT's "
               "rate is not imported",
               alice.warnings[1].c_str());

  // An NT hash keeps PAP and MS-CHAPv2: imported as the subscriber's NT hash (ADR 0045), no warning.
  const auto& bob = find(p, "bob");
  STRCMP_EQUAL("nt-hash", bob.passwordForm.c_str());
  CHECK_TRUE(bob.importable);
  STRCMP_EQUAL("8846f7eaee8fb117ad06bdd830b7586c", bob.args["nt-hash"].get<std::string>().c_str());
  CHECK_FALSE(bob.args.contains("password"));
  // No warning about the password; only the two about his Group (the rule above).
  LONGS_EQUAL(2, bob.warnings.size());
  CHECK_TRUE(bob.warnings[0].find("Group := \"gold\" (line 10) is not a group membership") == 0);
  CHECK_TRUE(bob.warnings[1].find("DEFAULT Group == \"gold\" (line 36)") == 0);
  STRCMP_EQUAL("fr-20M-10M", bob.args["plan"].get<std::string>().c_str());

  // crypt and MD5 hashes: imported as PAP-only hashes in the canonical form, said per subscriber.
  const auto& carol = find(p, "carol");
  STRCMP_EQUAL("crypt", carol.passwordForm.c_str());
  CHECK_TRUE(carol.importable);
  STRCMP_EQUAL("{crypt}$1$salt$qJH7.N4xYta3aEG/dfqo/0", carol.args["password-hash"].get<std::string>().c_str());
  LONGS_EQUAL(1, carol.methods.size());
  STRCMP_EQUAL("PAP", carol.methods[0].c_str());
  CHECK_TRUE(hasWarning(carol, "PAP only"));
  const auto& dave = find(p, "dave");
  STRCMP_EQUAL("md5", dave.passwordForm.c_str());
  CHECK_TRUE(dave.importable);
  STRCMP_EQUAL("{md5}X03MO1qnZdYdgyfeuILPmQ==", dave.args["password-hash"].get<std::string>().c_str());
  CHECK_TRUE(hasWarning(dave, "PAP only"));
  STRCMP_EQUAL("AA-BB-CC-DD-EE-01", dave.args["mac"].get<std::string>().c_str());
  const importer::MappedPlan* davePlan = planOrNull(p, "fr-4M-2M");
  CHECK_TRUE(davePlan != nullptr);
  STRCMP_EQUAL("3600", davePlan->args["session-timeout"].get<std::string>().c_str());
  LONGS_EQUAL(1, davePlan->subscribers);

  // Her own WISPr rates (the same as carol's: one plan); the silver DEFAULT is not applied.
  const auto& erin = find(p, "erin smith");
  CHECK_TRUE(erin.importable);
  STRCMP_EQUAL("fr-5M-1M", erin.args["plan"].get<std::string>().c_str());
  STRCMP_EQUAL("fr-5M-1M", carol.args["plan"].get<std::string>().c_str());
  STRCMP_EQUAL("5M", planOrNull(p, "fr-5M-1M")->args["down"].get<std::string>().c_str());
  STRCMP_EQUAL("1M", planOrNull(p, "fr-5M-1M")->args["up"].get<std::string>().c_str());
  STRCMP_EQUAL("900", planOrNull(p, "fr-5M-1M")->args["idle-timeout"].get<std::string>().c_str());
  LONGS_EQUAL(2, planOrNull(p, "fr-5M-1M")->subscribers);
  CHECK_TRUE(hasWarning(erin, "DEFAULT Group == \"silver\" (line 41): FreeRADIUS compares Group with unix groups: "
                              "this DEFAULT's rate is not imported"));
  LONGS_EQUAL(5, p.plans.size());

  // An unsupported reply item is dropped and counted.
  CHECK_TRUE(hasWarning(find(p, "frank"), "reply item Class"));
  LONGS_EQUAL(1, p.unsupported["Class"]);

  // The blocked DEFAULT never matches in FreeRADIUS (it accepts gina): not disabled here either,
  // and she is told which DEFAULTs her Group items do not bring.
  const auto& gina = find(p, "gina");
  CHECK_FALSE(gina.args.contains("status"));
  STRCMP_EQUAL("gina1", gina.args["password"].get<std::string>().c_str());
  CHECK_TRUE(hasWarning(gina, "DEFAULT Group == \"blocked\" (line 3): FreeRADIUS compares Group with unix groups: "
                              "this DEFAULT is not applied (Auth-Type, Reply-Message)"));
  CHECK_TRUE(hasWarning(gina, "DEFAULT Group == \"gold\" (line 36)"));
  CHECK_FALSE(hasWarning(find(p, "henry"), "Group"));
  CHECK_FALSE(gina.importable);  // no rate, no default plan
  CHECK_TRUE(gina.refusal.find("no rate") != std::string::npos);

  // No rate and no default plan: refused; a default plan takes it.
  CHECK_FALSE(find(p, "henry").importable);
  importer::ImportPlan withDefault = importer::mapFreeradiusUsers(*r, {"basic", ""});
  CHECK_TRUE(find(withDefault, "henry").importable);
  STRCMP_EQUAL("basic", find(withDefault, "henry").args["plan"].get<std::string>().c_str());

  // The DEFAULT that compares a request attribute is not applied, nor are the Group DEFAULTs: said once each.
  LONGS_EQUAL(4, p.warnings.size());
  STRCMP_EQUAL("line 3: DEFAULT Group == \"blocked\": FreeRADIUS compares Group with the unix groups of the user, "
               "not a Group := of the file: applied to nobody",
               p.warnings[0].c_str());
  CHECK_TRUE(p.warnings[1].find("line 32: DEFAULT depends on the request (NAS-IP-Address == 10.0.0.1)") == 0);
  CHECK_TRUE(p.warnings[2].find("line 36: DEFAULT Group == \"gold\": ") == 0);
  CHECK_TRUE(p.warnings[3].find("line 41: DEFAULT Group == \"silver\": ") == 0);
  LONGS_EQUAL(5, p.passwordForms["cleartext"]);  // alice, erin, frank, gina, henry
  LONGS_EQUAL(1, p.passwordForms["nt-hash"]);
}

TEST(FreeradiusUsers, MappingIsTheSameOnEveryRun) {
  core::Result<std::vector<importer::UsersEntry>> r = importer::parseFreeradiusUsers(readSample());
  CHECK_TRUE(r.isOk());
  STRCMP_EQUAL(importer::reportJson(importer::mapFreeradiusUsers(*r, {})).dump().c_str(),
               importer::reportJson(importer::mapFreeradiusUsers(*r, {})).dump().c_str());
}

TEST(FreeradiusUsers, ReportCountsAndNeverShowsPasswords) {
  core::Result<std::vector<importer::UsersEntry>> r = importer::parseFreeradiusUsers(readSample());
  CHECK_TRUE(r.isOk());
  importer::ImportPlan p = importer::mapFreeradiusUsers(*r, {});
  core::Json j = importer::reportJson(p);
  LONGS_EQUAL(8, j["counts"]["entries"].get<int64_t>());
  LONGS_EQUAL(6, j["counts"]["importable"].get<int64_t>());  // alice, bob, carol, dave, erin, frank
  LONGS_EQUAL(2, j["counts"]["not-importable"].get<int64_t>());  // gina, henry: no rate
  for (const auto& s : j["subscribers"]) {
    CHECK_FALSE(s.contains("maps-to") && s["maps-to"].contains("nt-hash"));
    CHECK_FALSE(s.contains("maps-to") && s["maps-to"].contains("password-hash"));
  }
  std::string text = importer::reportText(p);
  std::string all = j.dump() + text;
  CHECK_TRUE(all.find("alice-secret") == std::string::npos);
  CHECK_TRUE(all.find("frank1") == std::string::npos);
  CHECK_TRUE(all.find("qJH7.N4xYta3aEG") == std::string::npos);
  CHECK_TRUE(all.find("8846f7eaee8fb117") == std::string::npos);
  CHECK_TRUE(text.find("8 subscribers read (5 DEFAULT entries), 6 importable, 2 not") != std::string::npos);
  CHECK_TRUE(text.find("carol (line 13): imported with warnings\n      - PAP only: the password is stored as a crypt hash") !=
             std::string::npos);
}

// ADR 0045: Password-With-Header is read by its header; a hash that cannot verify anything (cut
// short, wrong length, unknown header) is refused with the reason, never imported.
TEST(FreeradiusUsers, HashFormsByHeaderAndMalformedHashesRefused) {
  const char* users =
      "nt1   Password-With-Header := \"{nt}8846F7EAEE8FB117AD06BDD830B7586C\"\n"
      "clr1  Password-With-Header := \"{clear}s3cret\"\n"
      "ssha1 Password-With-Header := \"{SSHA}/ZQqiNB0KY5DsMfhXruKYQL/lEABAgMEc2FsdA==\"\n"
      "cut1  Crypt-Password := \"$6$saltsalt$hRM5XZ86KXEw9UOmjigeVqFgULtFB2sgpC9lXQ\"\n"
      "md5x  MD5-Password := \"5f4dcc3b5aa765d61d8327deb882cf\"\n"
      "unk1  Password-With-Header := \"{bogus}abc\"\n"
      "both  Cleartext-Password := \"pw\", Crypt-Password := \"$1$salt$qJH7.N4xYta3aEG/dfqo/0\"\n";
  core::Result<std::vector<importer::UsersEntry>> r = importer::parseFreeradiusUsers(users);
  CHECK_TRUE(r.isOk());
  importer::ImportPlan p = importer::mapFreeradiusUsers(*r, {"basic", ""});
  STRCMP_EQUAL("nt-hash", find(p, "nt1").passwordForm.c_str());
  STRCMP_EQUAL("8846f7eaee8fb117ad06bdd830b7586c", find(p, "nt1").args["nt-hash"].get<std::string>().c_str());
  STRCMP_EQUAL("s3cret", find(p, "clr1").args["password"].get<std::string>().c_str());
  STRCMP_EQUAL("ssha1", find(p, "ssha1").passwordForm.c_str());
  CHECK_TRUE(find(p, "ssha1").importable);
  for (const char* bad : {"cut1", "md5x", "unk1"}) {
    CHECK_FALSE_TEXT(find(p, bad).importable, bad);
    CHECK_FALSE_TEXT(find(p, bad).args.contains("password-hash"), bad);
  }
  CHECK_TRUE(find(p, "cut1").refusal.find("truncated") != std::string::npos);
  CHECK_TRUE(find(p, "md5x").refusal.find("MD5-Password") != std::string::npos);
  // The cleartext keeps more methods than the crypt hash: it wins, and no PAP-only warning.
  STRCMP_EQUAL("cleartext", find(p, "both").passwordForm.c_str());
  CHECK_FALSE(hasWarning(find(p, "both"), "PAP only"));
}

// FreeRADIUS (rlm_unix's groupcmp) compares Group, Group-Name and Unix-Group with the unix groups of
// the user: a subscriber is no unix user, so `!=` holds for everyone and `==` for no one.
TEST(FreeradiusUsers, GroupComparesUnixGroupsAsFreeradiusDoes) {
  const char* users =
      "ann  Cleartext-Password := \"a\", Group-Name := \"staff\"\n"
      "     Fall-Through = Yes\n"
      "DEFAULT Group-Name == \"staff\"\n"
      "     Session-Timeout = 60, Fall-Through = Yes\n"
      "DEFAULT Unix-Group != \"staff\"\n"
      "     Mikrotik-Rate-Limit = \"1M/2M\"\n";
  core::Result<std::vector<importer::UsersEntry>> r = importer::parseFreeradiusUsers(users);
  CHECK_TRUE(r.isOk());
  importer::ImportPlan p = importer::mapFreeradiusUsers(*r, {});
  const auto& ann = find(p, "ann");
  CHECK_TRUE(ann.importable);
  STRCMP_EQUAL("fr-2M-1M", ann.args["plan"].get<std::string>().c_str());
  CHECK_FALSE(planOrNull(p, "fr-2M-1M")->args.contains("session-timeout"));
  CHECK_TRUE(hasWarning(ann, "Group-Name := \"staff\" (line 1) is not a group membership"));
  CHECK_TRUE(hasWarning(ann, "DEFAULT Group-Name == \"staff\" (line 3): FreeRADIUS compares Group-Name with unix groups: "
                             "this DEFAULT is not applied (Session-Timeout)"));
  LONGS_EQUAL(2, p.warnings.size());
  CHECK_TRUE(p.warnings[0].find("line 3: DEFAULT Group-Name == \"staff\": ") == 0);
  CHECK_TRUE(p.warnings[1].find("line 5: DEFAULT Unix-Group != \"staff\": ") == 0);
  CHECK_TRUE(p.warnings[1].find("applied to all") != std::string::npos);
}
