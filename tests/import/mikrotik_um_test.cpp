// The MikroTik User Manager importer: the RouterOS script reader (continuations, quoting, escapes,
// line-numbered errors, limits), RouterOS times, and the mapping of tests/import/mikrotik_um.rsc
// (limitations, profiles, profile-limitations, users, user-profiles) onto plans and subscribers.
#include <fstream>
#include <sstream>
#include <string>

#include "import/mikrotik_um.h"
#include "import/routeros_script.h"
#include "tests/import/import_test_support.h"

#include <CppUTest/TestHarness.h>

namespace {

using import_test::find;
using import_test::hasWarning;
using import_test::plan;

std::string readFixture() {
  std::ifstream in(std::string(EDGE_SOURCE_DIR) + "/tests/import/mikrotik_um.rsc");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

importer::ImportPlan mapUmFixture(importer::MapOptions options = {}) {
  core::Result<std::vector<importer::RouterOsCommand>> r = importer::parseRouterOsScript(readFixture());
  CHECK_TRUE_TEXT(r.isOk(), r.isOk() ? "" : r.status().message().c_str());
  return importer::mapMikrotikUserManager(*r, options);
}

std::string scriptParseError(const std::string& text) {
  core::Result<std::vector<importer::RouterOsCommand>> r = importer::parseRouterOsScript(text);
  CHECK_FALSE(r.isOk());
  return r.isOk() ? "" : r.status().message();
}

}  // namespace

TEST_GROUP(RouterOsScript) {};

TEST(RouterOsScript, ReadsPathsCommandsContinuationsAndStrings) {
  core::Result<std::vector<importer::RouterOsCommand>> r = importer::parseRouterOsScript(readFixture());
  CHECK_TRUE(r.isOk());
  const auto& c = *r;
  LONGS_EQUAL(25, c.size());
  STRCMP_EQUAL("/user-manager", c[0].path.c_str());
  STRCMP_EQUAL("set", c[0].verb.c_str());
  LONGS_EQUAL(9, c[0].line);
  STRCMP_EQUAL("/user-manager limitation", c[2].path.c_str());
  LONGS_EQUAL(13, c[2].line);  // the line the command starts on, continued over four
  STRCMP_EQUAL("10M", c[2].find("rate-limit-tx")->c_str());
  STRCMP_EQUAL("monthly", c[2].find("reset-counters-interval")->c_str());
  // "starts-when=\" + "    first-auth": a wrapped value joins the next line's text.
  STRCMP_EQUAL("first-auth", c[6].find("starts-when")->c_str());
  STRCMP_EQUAL("Hotspot: one day", c[6].find("name-for-users")->c_str());
  STRCMP_EQUAL("sunday,monday,tuesday,wednesday,thursday,friday,saturday", c[9].find("weekdays")->c_str());
  const importer::RouterOsCommand& bob = c[12];
  STRCMP_EQUAL("/user-manager user", bob.path.c_str());
  LONGS_EQUAL(31, bob.line);
  STRCMP_EQUAL("b\"o b\\1", bob.find("password")->c_str());
  STRCMP_EQUAL("", c[16].find("password")->c_str());
  CHECK_TRUE(c[16].find("comment") == nullptr);
}

TEST(RouterOsScript, InlinePathsEscapesBracketsAndSlashPaths) {
  core::Result<std::vector<importer::RouterOsCommand>> r = importer::parseRouterOsScript(
      "/user-manager user add name=a password=\"x\\_y\\41\\t\\$\"\n"
      "/user-manager/user-profile add user=a profile=p\n"
      "/user-manager user set [ find name=\"a b\" ] disabled=yes\n");
  CHECK_TRUE_TEXT(r.isOk(), r.isOk() ? "" : r.status().message().c_str());
  LONGS_EQUAL(3, r->size());
  STRCMP_EQUAL("x yA\t$", (*r)[0].find("password")->c_str());
  STRCMP_EQUAL("/user-manager user-profile", (*r)[1].path.c_str());
  STRCMP_EQUAL("set", (*r)[2].verb.c_str());
  CHECK_TRUE((*r)[2].args[0].bare);
  STRCMP_EQUAL("[ find name=\"a b\" ]", (*r)[2].args[0].key.c_str());
}

TEST(RouterOsScript, ErrorsNameTheLine) {
  STRCMP_EQUAL("line 2: 'add' before any menu path (/user-manager ...)", scriptParseError("# c\nadd name=x\n").c_str());
  STRCMP_EQUAL("line 2: a line ends inside a string (end the line with '\\' to continue it)",
               scriptParseError("/user-manager user\nadd name=\"x\ny\"\n").c_str());
  STRCMP_EQUAL("line 2: a string that never ends (no closing '\"')", scriptParseError("/user-manager user\nadd name=\"x").c_str());
  STRCMP_EQUAL("line 3: unknown escape '\\q' in a string", scriptParseError("/a\n\nadd n=\"\\q\"\n").c_str());
  STRCMP_EQUAL("line 1: script commands (:global) are not read: give a plain /export",
               scriptParseError(":global x 1\n").c_str());
  STRCMP_EQUAL("line 2: expected a command (add, set, remove, ...) or a menu path, not 'frob'",
               scriptParseError("/user-manager user\nfrob name=x\n").c_str());
  STRCMP_EQUAL("line 2: a '\"' inside a bare word (quote the whole value)", scriptParseError("/a\nadd n=x\"y\"\n").c_str());
  STRCMP_EQUAL("line 1: the last line ends in '\\' (a continuation of nothing)", scriptParseError("/a add n=x \\").c_str());
  STRCMP_EQUAL("line 2: '=' without a name before it", scriptParseError("/a\nadd =x\n").c_str());
  STRCMP_EQUAL("line 2: not UTF-8 (convert the file first, e.g. iconv -f latin1 -t utf-8)",
               scriptParseError("/a\nadd n=\"M\xfcller\"\n").c_str());
  STRCMP_EQUAL("line 1: a '[' that is never closed", scriptParseError("/a set [ find \\\n").substr(0, 34).c_str());
  std::string many = "/a add";
  for (int i = 0; i < 300; ++i) many += " k" + std::to_string(i) + "=v";
  STRCMP_EQUAL("line 1: more than 256 arguments in one command", scriptParseError(many).c_str());
  std::string longOne = "/a\nadd n=" + std::string(70000, 'x');
  STRCMP_EQUAL("line 2: a command longer than 64 KiB", scriptParseError(longOne).c_str());
}

TEST(RouterOsScript, Times) {
  LONGS_EQUAL(93784, *importer::parseRouterOsTime("1d2h3m4s"));
  LONGS_EQUAL(604800, *importer::parseRouterOsTime("1w"));
  LONGS_EQUAL(5400, *importer::parseRouterOsTime("01:30:00"));
  LONGS_EQUAL(86400 + 7200, *importer::parseRouterOsTime("1d02:00:00"));
  LONGS_EQUAL(0, *importer::parseRouterOsTime("0s"));
  LONGS_EQUAL(45, *importer::parseRouterOsTime("45"));
  for (const char* bad : {"", "1x", "1d5", "aa:bb", "1:2", "01:60:00", "h"})
    CHECK_FALSE_TEXT(importer::parseRouterOsTime(bad).isOk(), bad);
}

TEST_GROUP(MikrotikUserManager) {};

TEST(MikrotikUserManager, ProfilesAndLimitationsBecomePlans) {
  importer::ImportPlan p = mapUmFixture({"", "USD"});
  STRCMP_EQUAL("mikrotik-um", p.source.c_str());
  LONGS_EQUAL(4, p.plans.size());
  const importer::MappedPlan& x2 = plan(p, "home-10-x2");
  STRCMP_EQUAL(
      "{\"name\":\"home-10-x2\",\"down\":\"10M\",\"up\":\"5M\",\"burst-down\":\"16M\",\"burst-up\":\"8M\",\"burst-time\":\"16\","
      "\"burst-threshold\":\"80\",\"max-sessions\":\"2\",\"data-quota\":\"50GiB\",\"period\":\"month\",\"price\":\"19.99\","
      "\"currency\":\"USD\"}",
      x2.args.dump().c_str());
  LONGS_EQUAL(1, x2.subscribers);
  LONGS_EQUAL(2, plan(p, "home-10").subscribers);  // bob, carol
  STRCMP_EQUAL("1", plan(p, "home-10").args["max-sessions"].get<std::string>().c_str());
  const importer::MappedPlan& dave = plan(p, "home-10-6M-3M");
  STRCMP_EQUAL("6M", dave.args["down"].get<std::string>().c_str());
  STRCMP_EQUAL("3M", dave.args["up"].get<std::string>().c_str());
  STRCMP_EQUAL("3600", dave.args["session-timeout"].get<std::string>().c_str());
  CHECK_FALSE(dave.args.contains("burst-down"));
  const importer::MappedPlan& day = plan(p, "hotspot-day");
  STRCMP_EQUAL("108000s", day.args["time-quota"].get<std::string>().c_str());
  STRCMP_EQUAL("86400s", day.args["validity"].get<std::string>().c_str());
  STRCMP_EQUAL("1.50", day.args["price"].get<std::string>().c_str());
  CHECK_FALSE(day.args.contains("period"));
}

TEST(MikrotikUserManager, UsersBecomeSubscribers) {
  importer::ImportPlan p = mapUmFixture();
  LONGS_EQUAL(7, p.subscribers.size());
  const auto& alice = find(p, "alice");
  CHECK_TRUE(alice.importable);
  STRCMP_EQUAL("alice-secret", alice.args["password"].get<std::string>().c_str());
  STRCMP_EQUAL("cleartext", alice.passwordForm.c_str());
  LONGS_EQUAL(4, alice.methods.size());
  LONGS_EQUAL(30, alice.line);
  const auto& bob = find(p, "bob");
  STRCMP_EQUAL("198.51.100.20", bob.args["static-ip"].get<std::string>().c_str());
  STRCMP_EQUAL("AA:BB:CC:DD:EE:02", bob.args["mac"].get<std::string>().c_str());
  STRCMP_EQUAL("b\"o b\\1", bob.args["password"].get<std::string>().c_str());
  STRCMP_EQUAL("disabled", find(p, "carol").args["status"].get<std::string>().c_str());
  const auto& dave = find(p, "dave");
  STRCMP_EQUAL("home-10-6M-3M", dave.args["plan"].get<std::string>().c_str());
  CHECK_TRUE(hasWarning(dave.warnings, "attribute Class has no equivalent: dropped"));
  CHECK_TRUE(hasWarning(dave.warnings, "lim-night' of profile 'home-10' applies at some times or weekdays only"));
  const auto& erin = find(p, "erin");
  CHECK_FALSE(erin.importable);
  STRCMP_EQUAL("profile 'empty' has no rate limit in both directions: name a default plan", erin.refusal.c_str());
  const auto& frank = find(p, "frank");
  CHECK_FALSE(frank.importable);
  STRCMP_EQUAL("no password", frank.refusal.c_str());
  const auto& guest = find(p, "guest1");
  STRCMP_EQUAL("hotspot-day", guest.args["plan"].get<std::string>().c_str());
  CHECK_TRUE(hasWarning(guest.warnings, "2 profiles assigned: imported on the first, 'hotspot-day'"));
  CHECK_TRUE(hasWarning(guest.warnings, "resets its counters never there; here its quota renews every month"));
  STRCMP_EQUAL("walk-in guest", guest.customer["notes"].get<std::string>().c_str());
  CHECK_TRUE(hasWarning(alice.warnings, "price 19.99: dropped (give --currency)"));
  LONGS_EQUAL(1, p.unsupported.at("Class"));
  CHECK_TRUE(hasWarning(p.warnings, "'/user-manager router add' (1 command): not imported"));
  CHECK_TRUE(hasWarning(p.warnings, "'/user-manager set' (1 command): not imported"));
  // With a default plan, erin (no rate) gets it; frank (no password) still does not.
  importer::ImportPlan d = mapUmFixture({"basic", ""});
  CHECK_TRUE(find(d, "erin").importable);
  STRCMP_EQUAL("basic", find(d, "erin").args["plan"].get<std::string>().c_str());
  CHECK_FALSE(find(d, "frank").importable);
}

TEST(MikrotikUserManager, SameOnEveryRunAndReportHasNoPasswords) {
  importer::ImportPlan a = mapUmFixture(), b = mapUmFixture();
  STRCMP_EQUAL(importer::reportJson(a).dump().c_str(), importer::reportJson(b).dump().c_str());
  std::string text = importer::reportText(a) + importer::reportJson(a).dump();
  CHECK_TRUE(text.find("alice-secret") == std::string::npos);
  CHECK_TRUE(text.find("carol-pw") == std::string::npos);
  CHECK_TRUE(importer::reportText(a).find("7 subscribers read") != std::string::npos);
}

TEST(MikrotikUserManager, DuplicatesAndDanglingReferencesAreWarned) {
  core::Result<std::vector<importer::RouterOsCommand>> r = importer::parseRouterOsScript(
      "/user-manager limitation add name=l rate-limit-rx=1M rate-limit-tx=2M transfer-limit=lots\n"
      "/user-manager profile add name=p\n"
      "/user-manager profile-limitation add profile=nope limitation=l\n"
      "/user-manager profile-limitation add profile=p limitation=l\n"
      "/user-manager user add name=u password=a\n"
      "/user-manager user add name=u password=b\n"
      "/user-manager user-profile add user=u profile=ghost\n"
      "/user-manager user-profile add user=u profile=p\n");
  CHECK_TRUE(r.isOk());
  importer::ImportPlan p = importer::mapMikrotikUserManager(*r, {});
  LONGS_EQUAL(1, p.subscribers.size());
  STRCMP_EQUAL("a", p.subscribers[0].args["password"].get<std::string>().c_str());
  CHECK_TRUE(hasWarning(p.warnings, "line 6: a second user 'u': only the first is imported"));
  CHECK_TRUE(hasWarning(p.warnings, "line 3: profile-limitation names no profile 'nope'"));
  CHECK_TRUE(hasWarning(p.warnings, "line 1: limitation 'l' transfer-limit:"));
  CHECK_TRUE(hasWarning(p.subscribers[0].warnings, "user-profile names no profile 'ghost': ignored"));
  STRCMP_EQUAL("p", p.subscribers[0].args["plan"].get<std::string>().c_str());
}
