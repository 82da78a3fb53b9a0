// The partner programme through the command table on the storage of this run (SQLite, or
// PostgreSQL for _pg): territories and attribution by territory with the words of why (and that
// it never replaces one by hand), agreements gating payouts, certification with expiry in lists,
// the tier review into the tier history, applications with review and mail; each command's
// isolation: another tenant gets not-found, a partner reads its own and changes nothing; the
// scheduled tier review (once a day per level, its last run shown) and referral-link visits.
#include <chrono>

#include "billing/commissions/commissions.h"
#include "mgmt/mail/mail_store.h"
#include "mgmt/partners/program_service.h"
#include "mgmt/partners/partner_store.h"
#include "tests/mgmt/support/mgmt_fixture.h"  // last: it ends with CppUTest's headers

using core::Json;
using mgmt::tenancy::Caller;
using mgmt::testing::Fixture;

namespace {


struct Programme {
  Fixture f;
  std::string acme, globex, bavaria, germany;

  Programme() {
    acme = f.tenant("acme", "basic");
    globex = f.tenant("globex", "basic");
    must("plan-add", {{"tenant", "acme"}, {"name", "basic"}, {"down", "10M"}, {"up", "5M"}});
    for (const char* u : {"alice", "bob", "carol"})
      must("subscriber-add", {{"tenant", "acme"}, {"username", u}, {"password", "pw"}, {"plan", "basic"}});
    must("customer-add", {{"tenant", "acme"}, {"name", "Alice"}, {"username", "alice"}, {"country", "de"},
                          {"region", "Bavaria"}, {"city", "Munich"}, {"postal", "80331"}});
    must("customer-add", {{"tenant", "acme"}, {"name", "Bob"}, {"username", "bob"}, {"country", "DE"}, {"region", "Bavaria"}});
    must("customer-add", {{"tenant", "acme"}, {"name", "Carol"}, {"username", "carol"}, {"country", "DE"}, {"region", "Saxony"}});
    bavaria = add("Bavaria Net");
    germany = add("Germany Wide");
  }

  std::string add(const std::string& name) {
    return must("partner-add", {{"tenant", "acme"}, {"name", name}, {"type", "authorized-dealer"}, {"currency", "EUR"}})
        .arguments["id"]
        .get<std::string>();
  }
  core::ControlReply call(const std::string& command, const Json& args, const Caller& caller = Caller{}) {
    return f.call(command, args, caller);
  }
  core::ControlReply must(const std::string& command, const Json& args, const Caller& caller = Caller{}) {
    core::ControlReply r = f.call(command, args, caller);
    if (!r.ok()) FAIL((command + ": " + r.text).c_str());
    return r;
  }
  core::ControlReply asPartner(const std::string& id, const std::string& command, const Json& args) {
    return f.table->call(core::command::Caller{"partner", "partner:" + id, "pat@bavaria.example"}, command, args);
  }
  core::ControlReply fromAddress(const std::string& origin, const std::string& command, const Json& args) {
    return f.table->call(core::command::Caller{"platform-owner", "", "test", origin}, command, args);
  }
};

}  // namespace

TEST_GROUP(PartnerProgramme){};

TEST(PartnerProgramme, TerritoriesAttributeByTheWrittenRulesAndSayWhy) {
  Programme s;
  s.must("partner-territory-add", {{"tenant", "acme"}, {"partner", s.germany}, {"country", "DE"}});
  Json added = s.must("partner-territory-add", {{"tenant", "acme"}, {"partner", s.bavaria}, {"country", "DE"},
                                                {"region", "Bavaria"}, {"exclusive", true}})
                   .arguments;
  // The answer names the overlap and who wins there.
  LONGS_EQUAL(1, added["overlaps"].size());
  STRCMP_CONTAINS("(exclusive beats shared)", added["overlaps"][0]["why"].get<std::string>().c_str());
  CHECK_TRUE(s.call("partner-territory-add", {{"tenant", "acme"}, {"partner", s.bavaria}, {"country", "DE"}, {"region", "Bavaria"}})
                 .code == core::Code::kAlreadyExists);
  STRCMP_CONTAINS("country:", s.call("partner-territory-add", {{"tenant", "acme"}, {"partner", s.bavaria}, {"country", "Deutschland"}}).text.c_str());

  core::ControlReply why = s.must("attribution-explain", {{"tenant", "acme"}, {"username", "alice"}});
  STRCMP_CONTAINS("belongs to no partner", why.text.c_str());
  STRCMP_CONTAINS(("exclusive territory DE/Bavaria of partner Bavaria Net (" + s.bavaria +
                   ") beats shared DE of Germany Wide (" + s.germany + ") (exclusive beats shared)")
                      .c_str(),
                  why.text.c_str());

  // Alice (Munich) and Bob (Bavaria) go to the exclusive Bavarian; Carol (Saxony) to the shared DE.
  s.must("attribution-territory", {{"tenant", "acme"}, {"username", "alice"}, {"date", "2026-01-01"}});
  s.must("attribution-territory", {{"tenant", "acme"}, {"username", "bob"}, {"date", "2026-01-01"}});
  s.must("attribution-territory", {{"tenant", "acme"}, {"username", "carol"}, {"date", "2026-01-01"}});
  Json list = s.must("attribution-list", {{"tenant", "acme"}}).arguments["attributions"];
  std::map<std::string, std::pair<std::string, std::string>> by;
  for (const Json& a : list) by[a["username"]] = {a["partner"], a["source"]};
  CHECK_TRUE(by["alice"] == std::make_pair(s.bavaria, std::string("territory")));
  CHECK_TRUE(by["bob"] == std::make_pair(s.bavaria, std::string("territory")));
  CHECK_TRUE(by["carol"] == std::make_pair(s.germany, std::string("territory")));

  // By hand beats territory: a later territory attribution refuses to replace it.
  s.must("attribution-set", {{"tenant", "acme"}, {"username", "bob"}, {"partner", s.germany}, {"date", "2026-02-01"}});
  core::ControlReply refused = s.call("attribution-territory", {{"tenant", "acme"}, {"username", "bob"}, {"date", "2026-03-01"}});
  CHECK_TRUE(refused.code == core::Code::kFailedPrecondition);
  STRCMP_CONTAINS("not replaced by territory", refused.text.c_str());
  STRCMP_CONTAINS("by hand", s.must("attribution-explain", {{"tenant", "acme"}, {"username", "bob"}, {"date", "2026-03-01"}}).text.c_str());

  // Removing the exclusive territory: Germany Wide covers Munich from then on (history kept).
  Json ts = s.must("partner-territory-list", {{"tenant", "acme"}, {"partner", s.bavaria}}).arguments["territories"];
  LONGS_EQUAL(1, ts.size());
  s.must("partner-territory-remove", {{"tenant", "acme"}, {"id", ts[0]["id"]}});
  s.must("attribution-territory", {{"tenant", "acme"}, {"username", "alice"}, {"date", "2026-04-01"}});
  Json hist = s.must("attribution-list", {{"tenant", "acme"}, {"username", "alice"}}).arguments["attributions"];
  LONGS_EQUAL(2, hist.size());
  LONGS_EQUAL(1, s.must("partner-territory-list", {{"tenant", "acme"}}).arguments["territories"].size());
  LONGS_EQUAL(2, s.must("partner-territory-list", {{"tenant", "acme"}, {"all", true}}).arguments["territories"].size());
  // A place without a customer: explained from the arguments.
  STRCMP_CONTAINS("no territory covers FR", s.must("attribution-explain", {{"tenant", "acme"}, {"country", "FR"}}).text.c_str());
  // A customer without a country is named as such.
  s.must("subscriber-add", {{"tenant", "acme"}, {"username", "dave"}, {"password", "pw"}, {"plan", "basic"}});
  s.must("customer-add", {{"tenant", "acme"}, {"name", "Dave"}, {"username", "dave"}});
  STRCMP_CONTAINS("has no country", s.call("attribution-territory", {{"tenant", "acme"}, {"username", "dave"}}).text.c_str());
}

TEST(PartnerProgramme, TerritoryCommandsReachOnlyTheirOwn) {
  Programme s;
  s.must("partner-territory-add", {{"tenant", "acme"}, {"partner", s.bavaria}, {"country", "DE"}, {"region", "Bavaria"}});
  s.must("partner-territory-add", {{"tenant", "acme"}, {"partner", s.germany}, {"country", "DE"}});
  const Caller globex{s.globex};
  // Another tenant: acme's partner and territory are not-found; its own list is empty.
  CHECK_TRUE(s.call("partner-territory-add", {{"partner", s.bavaria}, {"country", "DE"}}, globex).code == core::Code::kNotFound);
  CHECK_TRUE(s.call("partner-territory-list", {{"partner", s.bavaria}}, globex).code == core::Code::kNotFound);
  LONGS_EQUAL(0, s.must("partner-territory-list", Json::object(), globex).arguments["territories"].size());
  Json ts = s.must("partner-territory-list", {{"tenant", "acme"}}).arguments["territories"];
  CHECK_TRUE(s.call("partner-territory-remove", {{"id", ts[0]["id"]}}, globex).code == core::Code::kNotFound);
  CHECK_TRUE(s.call("attribution-explain", {{"tenant", "acme"}, {"username", "alice"}}, globex).code == core::Code::kNotFound);
  CHECK_TRUE(s.call("attribution-territory", {{"tenant", "acme"}, {"username", "alice"}}, globex).code == core::Code::kNotFound);
  // A tenant cannot use the platform's partners' territories.
  CHECK_TRUE(s.call("attribution-territory", {{"username", "alice"}, {"platform", true}}, Caller{s.acme}).code == core::Code::kNotFound);
  // A partner lists its own territories only, and changes none.
  Json own = s.asPartner(s.bavaria, "partner-territory-list", Json::object()).arguments["territories"];
  LONGS_EQUAL(1, own.size());
  STRCMP_EQUAL(s.bavaria.c_str(), own[0]["partner"].get<std::string>().c_str());
  CHECK_TRUE(s.asPartner(s.bavaria, "partner-territory-list", {{"partner", s.germany}}).code == core::Code::kNotFound);
  CHECK_TRUE(s.asPartner(s.bavaria, "partner-territory-add", {{"partner", s.bavaria}, {"country", "AT"}}).code ==
             core::Code::kPermissionDenied);
  CHECK_TRUE(s.asPartner(s.bavaria, "partner-territory-remove", {{"id", own[0]["id"]}}).code == core::Code::kPermissionDenied);
  CHECK_TRUE(s.asPartner(s.bavaria, "attribution-territory", {{"tenant", "acme"}, {"username", "alice"}}).code ==
             core::Code::kPermissionDenied);
}

TEST(PartnerProgramme, APayoutWaitsForTheCurrentAgreement) {
  Programme s;
  // No agreement published: payout approve is only about money (nothing payable here).
  STRCMP_CONTAINS("below the minimum", s.call("payout-approve", {{"tenant", "acme"}, {"partner", s.bavaria}}).text.c_str());
  CHECK_TRUE(s.call("agreement-publish", {{"title", "T"}, {"body", "B"}}, Caller{s.acme}).code == core::Code::kPermissionDenied);
  LONGS_EQUAL(1, s.must("agreement-publish", {{"title", "Partner terms 2026"}, {"body", "We pay on time."}}).arguments["version"].get<int>());
  core::ControlReply refused = s.call("payout-approve", {{"tenant", "acme"}, {"partner", s.bavaria}});
  CHECK_TRUE(refused.code == core::Code::kFailedPrecondition);
  STRCMP_CONTAINS("has not accepted the partner agreement version 1 (Partner terms 2026)", refused.text.c_str());
  // Only the partner's own people accept, and only the current text.
  CHECK_TRUE(s.call("agreement-accept", Json::object()).code != core::Code::kOk);
  CHECK_TRUE(s.asPartner(s.bavaria, "agreement-accept", {{"version", 2}}).code == core::Code::kFailedPrecondition);
  core::ControlReply ok = s.asPartner(s.bavaria, "agreement-accept", Json::object());
  if (!ok.ok()) FAIL(ok.text.c_str());
  STRCMP_EQUAL("pat@bavaria.example", ok.arguments["person"].get<std::string>().c_str());
  STRCMP_CONTAINS("below the minimum", s.call("payout-approve", {{"tenant", "acme"}, {"partner", s.bavaria}}).text.c_str());
  // The other partner has not accepted; a new version asks everyone again.
  STRCMP_CONTAINS("has not accepted", s.call("payout-approve", {{"tenant", "acme"}, {"partner", s.germany}}).text.c_str());
  s.must("agreement-publish", {{"title", "Partner terms 2027"}, {"body", "We still pay on time."}});
  STRCMP_CONTAINS("version 2", s.call("payout-approve", {{"tenant", "acme"}, {"partner", s.bavaria}}).text.c_str());
  Json shown = s.asPartner(s.bavaria, "agreement-show", Json::object()).arguments;
  LONGS_EQUAL(2, shown["version"].get<int>());
  CHECK_FALSE(shown["current-accepted"].get<bool>());
  LONGS_EQUAL(1, shown["acceptances"].size());
  LONGS_EQUAL(1, shown["acceptances"][0]["version"].get<int>());
  // Who accepted what is the partner's own: another partner or tenant gets not-found.
  CHECK_TRUE(s.asPartner(s.germany, "agreement-show", {{"partner", s.bavaria}}).code == core::Code::kNotFound);
  CHECK_TRUE(s.call("agreement-show", {{"partner", s.bavaria}}, Caller{s.globex}).code == core::Code::kNotFound);
}

TEST(PartnerProgramme, CertificationExpiresInLists) {
  Programme s;
  s.must("partner-certify", {{"tenant", "acme"}, {"partner", s.bavaria}, {"until", "2020-12-31"}, {"name", "Fibre installer"}});
  s.must("partner-certify", {{"tenant", "acme"}, {"partner", s.germany}, {"until", "2099-12-31"}});
  std::map<std::string, std::string> state;
  const Json partners = s.must("partner-list", {{"tenant", "acme"}}).arguments["partners"];
  for (const Json& p : partners) state[p["id"]] = p["certified"];
  STRCMP_EQUAL("expired", state[s.bavaria].c_str());
  STRCMP_EQUAL("certified", state[s.germany].c_str());
  Json shown = s.must("partner-show", {{"tenant", "acme"}, {"partner", s.bavaria}}).arguments;
  STRCMP_EQUAL("2020-12-31", shown["certified-until"].get<std::string>().c_str());
  STRCMP_EQUAL("Fibre installer", shown["certification"].get<std::string>().c_str());
  s.must("partner-certify", {{"tenant", "acme"}, {"partner", s.bavaria}, {"until", "none"}});
  STRCMP_EQUAL("none", s.must("partner-show", {{"tenant", "acme"}, {"partner", s.bavaria}}).arguments["certified"].get<std::string>().c_str());
  STRCMP_CONTAINS("until 'soon'", s.call("partner-certify", {{"tenant", "acme"}, {"partner", s.bavaria}, {"until", "soon"}}).text.c_str());
  CHECK_TRUE(s.call("partner-certify", {{"partner", s.bavaria}, {"until", "2099-01-01"}}, Caller{s.globex}).code == core::Code::kNotFound);
  CHECK_TRUE(s.asPartner(s.bavaria, "partner-certify", {{"partner", s.bavaria}, {"until", "2099-01-01"}}).code ==
             core::Code::kPermissionDenied);
}

TEST(PartnerProgramme, TiersReviewProposesWithFiguresAndAppliesIntoTheHistory) {
  Programme s;
  STRCMP_CONTAINS("no tier rules", s.call("partner-tiers-review", {{"tenant", "acme"}}).text.c_str());
  STRCMP_CONTAINS("gold:", s.call("partner-tier-rules", {{"tenant", "acme"}, {"rules", R"({"currency": "EUR", "silver": "100.00", "gold": "50.00", "platinum": "900.00"})"}}).text.c_str());
  s.must("partner-tier-rules", {{"tenant", "acme"},
                                {"rules", R"({"currency": "EUR", "silver": "100.00", "gold": "500.00", "platinum": "900.00", "hysteresis-bp": 1000})"}});
  s.must("partner-set", {{"tenant", "acme"}, {"partner", s.germany}, {"tier", "gold"}, {"date", "2026-01-01"}});
  // Paid base: Bavaria 60.00 + 50.00 in the window (2025-07..2026-06); 300.00 in July is outside it.
  // Germany Wide 460.00: below gold's 500.00 but within the 10% margin (450.00).
  core::Status put = s.f.storage->transact([&](mgmt::store::Transaction& tx) -> core::Status {
    mgmt::partners::PartnerStore st(tx);
    EDGE_RETURN_IF_ERROR(st.setVolume(s.bavaria, 202603, 6000));
    EDGE_RETURN_IF_ERROR(st.setVolume(s.bavaria, 202606, 5000));
    EDGE_RETURN_IF_ERROR(st.setVolume(s.bavaria, 202607, 30000));
    return st.setVolume(s.germany, 202602, 46000);
  });
  CHECK_TRUE(put.isOk());
  Json review = s.must("partner-tiers-review", {{"tenant", "acme"}, {"date", "2026-07-01"}}).arguments;
  std::map<std::string, Json> by;
  for (const Json& p : review["partners"]) by[p["partner"]] = p;
  STRCMP_EQUAL("silver", by[s.bavaria]["proposed"].get<std::string>().c_str());
  LONGS_EQUAL(11000, by[s.bavaria]["revenue-minor"].get<int64_t>());
  STRCMP_CONTAINS("reached silver's 100.00 EUR: up from bronze", by[s.bavaria]["why"].get<std::string>().c_str());
  STRCMP_EQUAL("gold", by[s.germany]["proposed"].get<std::string>().c_str());
  STRCMP_CONTAINS("within the 10.00% margin", by[s.germany]["why"].get<std::string>().c_str());
  // Not applied without --apply.
  Json tiers = s.must("partner-show", {{"tenant", "acme"}, {"partner", s.bavaria}}).arguments["tiers"];
  LONGS_EQUAL(1, tiers.size());
  s.must("partner-tiers-review", {{"tenant", "acme"}, {"date", "2026-07-01"}, {"apply", true}});
  tiers = s.must("partner-show", {{"tenant", "acme"}, {"partner", s.bavaria}}).arguments["tiers"];
  LONGS_EQUAL(2, tiers.size());
  std::string from0701;
  for (const Json& t : tiers)
    if (t["from"] == "2026-07-01") from0701 = t["tier"].get<std::string>();
  STRCMP_EQUAL("silver", from0701.c_str());
  // Reviewing again changes nothing (the history already says silver from that day).
  STRCMP_CONTAINS("0 tier change(s)",
                  s.must("partner-tiers-review", {{"tenant", "acme"}, {"date", "2026-07-01"}, {"apply", true}}).text.c_str());
  CHECK_TRUE(s.call("partner-tiers-review", {{"tenant", "acme"}}, Caller{s.globex}).code == core::Code::kNotFound);
  CHECK_TRUE(s.asPartner(s.bavaria, "partner-tiers-review", Json::object()).code == core::Code::kPermissionDenied);
}

TEST(PartnerProgramme, ApplicationsAreReviewedWithAReasonAndMailed) {
  Programme s;
  const Json form{{"tenant", "acme"}, {"name", "Jo"}, {"company", "Jo's Fibre"}, {"email", "jo@fibre.example"},
                  {"type", "value-added-reseller"}, {"country", "pt"}, {"message", "We install in Porto."}};
  Json bad = form;
  bad["type"] = "friend";
  STRCMP_CONTAINS("type:", s.fromAddress("198.51.100.7", "partner-apply", bad).text.c_str());
  bad = form;
  bad["email"] = "jo";
  STRCMP_CONTAINS("email:", s.fromAddress("198.51.100.7", "partner-apply", bad).text.c_str());
  const std::string first = s.fromAddress("198.51.100.7", "partner-apply", form).arguments["id"].get<std::string>();
  Json second = form;
  second["company"] = "Other Co";
  second["email"] = "ann@other.example";
  const std::string other = s.fromAddress("198.51.100.8", "partner-apply", second).arguments["id"].get<std::string>();
  // Per email per hour (3 by default): the fourth with Jo's address is refused.
  s.fromAddress("198.51.100.9", "partner-apply", form);
  s.fromAddress("198.51.100.10", "partner-apply", form);
  core::ControlReply capped = s.fromAddress("198.51.100.11", "partner-apply", form);
  CHECK_TRUE(capped.code == core::Code::kResourceExhausted);
  STRCMP_CONTAINS("email:", capped.text.c_str());

  Json list = s.must("partner-application-list", {{"tenant", "acme"}, {"status", "pending"}}).arguments["applications"];
  LONGS_EQUAL(4, list.size());
  LONGS_EQUAL(0, s.must("partner-application-list", Json::object(), Caller{s.globex}).arguments["applications"].size());
  CHECK_TRUE(s.call("partner-application-decide", {{"id", first}, {"decision", "approve"}, {"currency", "EUR"}}, Caller{s.globex}).code ==
             core::Code::kNotFound);
  STRCMP_CONTAINS("reason:", s.call("partner-application-decide", {{"tenant", "acme"}, {"id", other}, {"decision", "reject"}}).text.c_str());
  s.must("partner-application-decide", {{"tenant", "acme"}, {"id", other}, {"decision", "reject"}, {"reason", "We have a partner in Lisbon."}});
  core::ControlReply approved =
      s.must("partner-application-decide", {{"tenant", "acme"}, {"id", first}, {"decision", "approve"}, {"currency", "EUR"}});
  const std::string partner = approved.arguments["partner"].get<std::string>();
  // Its person is invited with the partner role (the people's invitation flow).
  STRCMP_CONTAINS("jo@fibre.example is invited to sign in as the partner", approved.text.c_str());
  Json made = s.must("partner-show", {{"tenant", "acme"}, {"partner", partner}}).arguments;
  STRCMP_EQUAL("Jo's Fibre", made["name"].get<std::string>().c_str());
  STRCMP_EQUAL("value-added-reseller", made["type"].get<std::string>().c_str());
  STRCMP_EQUAL("jo@fibre.example", made["email"].get<std::string>().c_str());
  CHECK_TRUE(s.call("partner-application-decide", {{"tenant", "acme"}, {"id", first}, {"decision", "reject"}, {"reason", "x"}}).code ==
             core::Code::kFailedPrecondition);
  // Both applicants are mailed, the rejected one with the reason.
  std::vector<mgmt::mail::OutboxMessage> mail;
  CHECK_TRUE(s.f.storage->transact([&](mgmt::store::Transaction& tx) -> core::Status {
                   EDGE_ASSIGN_OR_RETURN(mail, mgmt::mail::MailStore(tx).recent("", 50));
                   // A reseller's person is the tenant's: its invitation is in the tenant's mail.
                   EDGE_ASSIGN_OR_RETURN(auto tenantMail, mgmt::mail::MailStore(tx).recent(s.acme, 50));
                   mail.insert(mail.end(), tenantMail.begin(), tenantMail.end());
                   return core::Status::ok();
                 }).isOk());
  bool rejectedMail = false, approvedMail = false, invitation = false;
  for (const auto& m : mail) {
    if (m.recipient == "ann@other.example" && m.templateName == "partner-application-rejected" &&
        m.bodyText.find("We have a partner in Lisbon.") != std::string::npos)
      rejectedMail = true;
    if (m.recipient == "jo@fibre.example" && m.templateName == "partner-application-approved" &&
        m.bodyText.find(partner) != std::string::npos)
      approvedMail = true;
    if (m.recipient == "jo@fibre.example" && m.templateName == "invitation" && m.bodyText.find("role partner") != std::string::npos)
      invitation = true;
  }
  CHECK_TRUE(invitation);
  CHECK_TRUE(rejectedMail);
  CHECK_TRUE(approvedMail);
  CHECK_TRUE(s.asPartner(partner, "partner-application-list", Json::object()).code == core::Code::kPermissionDenied);
}

TEST(PartnerProgramme, TheScheduledTierReviewRunsOnceADayPerLevelAndShowsItsLastRun) {
  Programme s;
  mgmt::partners::ProgramService& program = s.f.platform->partnerProgram;
  // No rules anywhere: nothing to review.
  LONGS_EQUAL(0, program.scheduledTiersReview().valueOr(-1));
  s.must("partner-tier-rules", {{"tenant", "acme"}, {"rules", R"({"currency": "EUR", "silver": "100.00", "gold": "500.00", "platinum": "900.00"})"}});
  CHECK_TRUE(s.must("partner-tiers-review", {{"tenant", "acme"}}).arguments["last-run"].is_null());
  // Bavaria's paid base in the whole months before today reaches silver.
  const int64_t month = ::billing::commissions::monthOf(s.f.now() / 86400);
  const int64_t before = month % 100 == 1 ? (month / 100 - 1) * 100 + 12 : month - 1;
  CHECK_TRUE(s.f.storage->transact([&](mgmt::store::Transaction& tx) {
                    return mgmt::partners::PartnerStore(tx).setVolume(s.bavaria, before, 20000);
                  }).isOk());
  LONGS_EQUAL(1, program.scheduledTiersReview().valueOr(-1));
  STRCMP_EQUAL("silver", s.must("partner-show", {{"tenant", "acme"}, {"partner", s.bavaria}}).arguments["tier"].get<std::string>().c_str());
  Json last = s.must("partner-tiers-review", {{"tenant", "acme"}}).arguments["last-run"];
  CHECK_TRUE(last.is_object());
  STRCMP_CONTAINS("1 tier change(s) applied from", last["note"].get<std::string>().c_str());
  // The same day again: nothing runs (another mgmtd, or the next minute's round).
  LONGS_EQUAL(0, program.scheduledTiersReview().valueOr(-1));
  // The next day it runs again and finds nothing to change.
  s.f.clock.advance(std::chrono::hours(24));
  LONGS_EQUAL(1, program.scheduledTiersReview().valueOr(-1));
  last = s.must("partner-tiers-review", {{"tenant", "acme"}}).arguments["last-run"];
  STRCMP_CONTAINS("0 tier change(s)", last["note"].get<std::string>().c_str());
  // Another tenant does not see acme's last run (its own level has none).
  CHECK_TRUE(s.call("partner-tiers-review", {{"tenant", "acme"}}, Caller{s.globex}).code == core::Code::kNotFound);
}

TEST(PartnerProgramme, ReferralLinkVisitsCountOncePerVisitorAndDayWithinTheWindow) {
  Programme s;
  mgmt::partners::ProgramService& program = s.f.platform->partnerProgram;
  const std::string code = s.must("partner-show", {{"tenant", "acme"}, {"partner", s.bavaria}}).arguments["referral-code"];
  core::Result<Json> seen = program.visit(code, "visitor-a");
  CHECK_TRUE(seen.isOk());
  STRCMP_EQUAL("Bavaria Net", (*seen)["name"].get<std::string>().c_str());
  STRCMP_EQUAL("acme", (*seen)["tenant"].get<std::string>().c_str());
  CHECK_TRUE(program.visit(code, "visitor-a").isOk());  // the same visitor, the same day: once
  CHECK_TRUE(program.visit(code, "visitor-b").isOk());
  LONGS_EQUAL(2, s.must("partner-show", {{"tenant", "acme"}, {"partner", s.bavaria}}).arguments["referral-visits"].get<int64_t>());
  // A code nobody has records nothing; a suspended partner's link is dead.
  CHECK_TRUE(program.visit("RNOBODY", "visitor-a").status().code() == core::Code::kNotFound);
  s.must("partner-set", {{"tenant", "acme"}, {"partner", s.germany}, {"status", "suspended"}});
  const std::string other = s.must("partner-show", {{"tenant", "acme"}, {"partner", s.germany}}).arguments["referral-code"];
  CHECK_TRUE(program.visit(other, "visitor-a").status().code() == core::Code::kNotFound);
  LONGS_EQUAL(0, s.must("partner-show", {{"tenant", "acme"}, {"partner", s.germany}}).arguments["referral-visits"].get<int64_t>());
  // The next day the same visitor counts again. The window is the 90 days up to today: 89 days later
  // the first day's two visits have dropped out, the second day's one is still in.
  s.f.clock.advance(std::chrono::hours(24));
  CHECK_TRUE(program.visit(code, "visitor-a").isOk());
  LONGS_EQUAL(3, s.must("partner-show", {{"tenant", "acme"}, {"partner", s.bavaria}}).arguments["referral-visits"].get<int64_t>());
  s.f.clock.advance(std::chrono::hours(24 * 89));
  LONGS_EQUAL(1, s.must("partner-show", {{"tenant", "acme"}, {"partner", s.bavaria}}).arguments["referral-visits"].get<int64_t>());
  // A partner reads its own count; the other tenant does not reach it.
  LONGS_EQUAL(1, s.asPartner(s.bavaria, "partner-show", Json::object()).arguments["referral-visits"].get<int64_t>());
  CHECK_TRUE(s.call("partner-show", {{"partner", s.bavaria}}, Caller{s.globex}).code == core::Code::kNotFound);
}

TEST(PartnerProgramme, ExplainAPlaceAmongThePlatformsPartnersNeedsNoTenant) {
  Programme s;
  const std::string wide = s.must("partner-add", {{"name", "Platform Wide"}, {"type", "distributor"}, {"currency", "EUR"}})
                               .arguments["id"].get<std::string>();
  s.must("partner-territory-add", {{"partner", wide}, {"country", "DE"}, {"exclusive", true}});
  Json j = s.must("attribution-explain", {{"platform", true}, {"country", "DE"}, {"city", "Munich"}, {"region", "Bavaria"}}).arguments;
  STRCMP_EQUAL(wide.c_str(), j["territory-winner"]["partner"].get<std::string>().c_str());
  // A tenant caller still may not ask about the platform's partners.
  CHECK_TRUE(s.call("attribution-explain", {{"platform", true}, {"country", "DE"}}, Caller{s.acme}).code == core::Code::kNotFound);
}
