// The shadow check's logic (import/verify.h) over a fake RadiusAsk: who is sampled (importable,
// cleartext only, the same seed the same sample), what is compared (decision, rate, timers, IP,
// Session-Timeout within its slack), which differences the dry run predicted, the options refused,
// and the reports. The wire side is tests/integration/import_verify_test.py (a real FreeRADIUS).
#include <map>
#include <set>
#include <string>

#include "import/freeradius_users.h"
#include "import/mapping.h"
#include "import/verify.h"

#include <CppUTest/TestHarness.h>

namespace {

importer::ImportPlan plan(const std::string& users, const std::string& defaultPlan = "basic") {
  core::Result<std::vector<importer::UsersEntry>> r = importer::parseFreeradiusUsers(users);
  CHECK_TRUE_TEXT(r.isOk(), r.isOk() ? "" : r.status().message().c_str());
  return importer::mapFreeradiusUsers(*r, {defaultPlan, ""});
}

importer::VerifyOptions options() {
  importer::VerifyOptions o;
  o.theirs = {"192.0.2.1", 1812, "old"};
  o.ours = {"127.0.0.1", 1812, "new"};
  o.ratePerSecond = 100;  // the fake answers at once; pacing is not what these tests look at
  return o;
}

// Answers by server: `theirs` and `ours` map "user METHOD" to an answer; absent: no answer.
struct Fake {
  std::map<std::string, importer::VerifyAnswer> theirs, ours;
  std::vector<std::string> asked;
  importer::RadiusAsk ask() {
    return [this](const importer::RadiusServer& s, const importer::VerifyRequest& q, int) -> core::Result<importer::VerifyAnswer> {
      asked.push_back(s.secret + " " + q.username + " " + q.method + " " + q.mac);
      auto& m = s.secret == "old" ? theirs : ours;
      auto it = m.find(q.username + " " + q.method);
      if (it == m.end()) return core::unavailable("no answer");
      return it->second;
    };
  }
};

importer::VerifyAnswer accept(std::map<std::string, std::string> attrs) { return {"Access-Accept", std::move(attrs)}; }

}  // namespace

TEST_GROUP(ShadowCheck) {};

TEST(ShadowCheck, ComparesAndMarksWhatTheDryRunPredicted) {
  importer::ImportPlan p = plan(
      "ann Cleartext-Password := \"a\", Calling-Station-Id == \"aa:bb:cc:dd:ee:ff\"\n"
      "  Mikrotik-Rate-Limit = \"1M/2M\", Session-Timeout = 3600\n"
      "bo Cleartext-Password := \"b\"\n"
      "cy Crypt-Password := \"$1$salt$qJH7.N4xYta3aEG/dfqo/0\"\n  Mikrotik-Rate-Limit = \"1M/2M\"\n"
      "di Cleartext-Password := \"d\"\n  Mikrotik-Rate-Limit = \"1M/2M\", Framed-IP-Address = 10.0.0.9\n");
  Fake f;
  for (const char* m : {"PAP", "CHAP"}) {
    std::string M = m;
    f.theirs["ann " + M] = accept({{"rate", "2M down / 1M up"}, {"Session-Timeout", "3600"}});
    f.ours["ann " + M] = accept({{"rate", "2M down / 1M up"}, {"Session-Timeout", "3550"}, {"Acct-Interim-Interval", "300"}});
    f.theirs["bo " + M] = accept({});
    f.ours["bo " + M] = accept({{"rate", "1M down / 1M up"}, {"Acct-Interim-Interval", "300"}});
    f.theirs["di " + M] = accept({{"rate", "2M down / 1M up"}, {"Framed-IP-Address", "10.0.0.9"}});
  }
  f.ours["di PAP"] = {"Access-Reject", {}};
  f.ours["di CHAP"] = accept({{"rate", "2M down / 1M up"}, {"Framed-IP-Address", "10.0.0.8"}, {"Acct-Interim-Interval", "300"}});
  core::Result<importer::VerifyReport> r = importer::shadowCheck(p, options(), f.ask());
  CHECK_TRUE(r.isOk());
  LONGS_EQUAL(3, r->subscribers);  // cy has only a hash
  LONGS_EQUAL(1, r->skipped);
  LONGS_EQUAL(6, r->requests);
  LONGS_EQUAL(12, f.asked.size());
  STRCMP_EQUAL("old ann PAP aa:bb:cc:dd:ee:ff", f.asked[0].c_str());  // the bound MAC is sent
  std::set<std::string> got;
  for (const auto& d : r->differences)
    got.insert(d.username + " " + d.method + " " + d.what + " " + d.theirs + " | " + d.ours + (d.predicted ? " P" : " -"));
  std::set<std::string> want = {
      // ann: Session-Timeout 50 s apart is the same; the interim the source does not send is predicted.
      "ann PAP Acct-Interim-Interval (none) | 300 P", "ann CHAP Acct-Interim-Interval (none) | 300 P",
      // bo: no rate in the source, the default plan's here: predicted by its warning.
      "bo PAP rate (none) | 1M down / 1M up P", "bo CHAP rate (none) | 1M down / 1M up P",
      "bo PAP Acct-Interim-Interval (none) | 300 P", "bo CHAP Acct-Interim-Interval (none) | 300 P",
      // di: a reject and another address nobody predicted; its interim was.
      "di PAP decision Access-Accept | Access-Reject -", "di CHAP Framed-IP-Address 10.0.0.9 | 10.0.0.8 -",
      "di CHAP Acct-Interim-Interval (none) | 300 P"};
  for (const std::string& w : want) CHECK_TEXT(got.count(w), ("missing: " + w).c_str());
  LONGS_EQUAL(want.size(), got.size());
  LONGS_EQUAL(0, r->agreed);
  core::Json j = importer::verifyJson(*r);
  LONGS_EQUAL(2, j["unpredicted"].get<int>());
  std::string text = importer::verifyText(*r);
  CHECK_TRUE(text.find("di PAP decision: theirs Access-Accept, ours Access-Reject  NOT PREDICTED") != std::string::npos);
  CHECK_TRUE(text.find("\"a\"") == std::string::npos && j.dump().find("\"b\"") == std::string::npos);
}

TEST(ShadowCheck, KnownPasswordsReplayHashedSubscribersAndPapOnlyIsPredicted) {
  importer::ImportPlan p = plan("cy Crypt-Password := \"$1$salt$qJH7.N4xYta3aEG/dfqo/0\"\n  Mikrotik-Rate-Limit = \"1M/2M\"\n");
  Fake f;
  f.theirs["cy PAP"] = f.ours["cy PAP"] = accept({{"rate", "2M down / 1M up"}});
  f.theirs["cy CHAP"] = accept({{"rate", "2M down / 1M up"}});  // a server that still had the cleartext
  f.ours["cy CHAP"] = {"Access-Reject", {}};
  importer::VerifyOptions o = options();
  o.passwords = {{"cy", "password"}};
  core::Result<importer::VerifyReport> r = importer::shadowCheck(p, o, f.ask());
  CHECK_TRUE(r.isOk());
  LONGS_EQUAL(1, r->subscribers);
  LONGS_EQUAL(0, r->skipped);
  LONGS_EQUAL(1, r->agreed);
  LONGS_EQUAL(1, r->differences.size());
  STRCMP_EQUAL("decision", r->differences[0].what.c_str());
  STRCMP_EQUAL("CHAP", r->differences[0].method.c_str());
  CHECK_TRUE(r->differences[0].predicted);
  STRCMP_EQUAL("the dry run said: PAP only (the password is kept as a hash here)", r->differences[0].why.c_str());
}

TEST(ShadowCheck, NoAnswerIsAnErrorAndADifference) {
  importer::ImportPlan p = plan("ann Cleartext-Password := \"a\"\n  Mikrotik-Rate-Limit = \"1M/2M\"\n");
  Fake f;
  f.ours["ann PAP"] = accept({});
  importer::VerifyOptions o = options();
  o.chap = false;
  core::Result<importer::VerifyReport> r = importer::shadowCheck(p, o, f.ask());
  CHECK_TRUE(r.isOk());
  LONGS_EQUAL(1, r->requests);
  LONGS_EQUAL(1, r->errors.size());
  STRCMP_EQUAL("ann PAP: their server: no answer", r->errors[0].c_str());
  LONGS_EQUAL(1, r->differences.size());
  STRCMP_EQUAL("no answer", r->differences[0].theirs.c_str());
  CHECK_FALSE(r->differences[0].predicted);
}

TEST(ShadowCheck, SampleIsSeededAndBounded) {
  std::string users;
  for (int i = 0; i < 40; ++i) users += "u" + std::to_string(i) + " Cleartext-Password := \"p\"\n  Mikrotik-Rate-Limit = \"1M/1M\"\n";
  importer::ImportPlan p = plan(users);
  auto sampled = [&](uint64_t seed) {
    Fake f;
    importer::VerifyOptions o = options();
    o.sample = 5;
    o.seed = seed;
    o.chap = false;
    CHECK_TRUE(importer::shadowCheck(p, o, f.ask()).isOk());
    std::set<std::string> who;
    for (const std::string& a : f.asked) who.insert(a.substr(a.find(' ') + 1));
    return who;
  };
  LONGS_EQUAL(5, sampled(7).size());
  CHECK_TRUE(sampled(7) == sampled(7));
  CHECK_TRUE(sampled(7) != sampled(8));
}

TEST(ShadowCheck, OptionsAreChecked) {
  importer::ImportPlan p = plan("ann Cleartext-Password := \"a\"\n");
  Fake f;
  auto error = [&](importer::VerifyOptions o) {
    core::Result<importer::VerifyReport> r = importer::shadowCheck(p, o, f.ask());
    CHECK_FALSE(r.isOk());
    return r.isOk() ? std::string() : r.status().message();
  };
  importer::VerifyOptions o = options();
  o.ratePerSecond = 500;
  STRCMP_EQUAL("rate: requests per second must be above 0 and at most 100", error(o).c_str());
  o = options();
  o.sample = 0;
  STRCMP_EQUAL("sample: 1 to 10000 subscribers", error(o).c_str());
  o = options();
  o.theirs.host = "radius.example";
  STRCMP_EQUAL("their server: 'radius.example' is not a numeric IPv4 or IPv6 address", error(o).c_str());
  o = options();
  o.ours.secret = "";
  STRCMP_EQUAL("our box: the shared secret is empty", error(o).c_str());
  LONGS_EQUAL(0, f.asked.size());
}
