// partner-health through the command table on the storage of this run (SQLite, or PostgreSQL for
// _pg), ADR 0073: a reseller sees the churn scores of the customers attributed to it today (not a
// rival's, not an unattributed one, not one detached or attributed from tomorrow), a platform partner
// the health of its tenants (never another tenant, never every tenant when it has none), each caller
// only the partners it reaches; and the referral link's cap of visitors per partner and day.
#include <map>
#include <string>
#include <vector>

#include "billing/invoicing/calendar.h"
#include "mgmt/insight/insight_store.h"
#include "mgmt/insight/tenant_health.h"
#include "mgmt/partners/program_service.h"
#include "tests/mgmt/support/mgmt_fixture.h"  // last: it ends with CppUTest's headers

namespace {

// acme: customers alice, bob, hank (Corner Shop's), carol (Rival Shop's), dave (nobody's), erin
// (Corner Shop's until detached today), fred (Corner Shop's from tomorrow), ivan (Corner Shop's, no
// customer record); globex: gina (Globex Shop's). The platform's Big Distributor has acme; Quiet
// Distributor has nobody.
struct HealthWorld {
  mgmt::testing::Fixture f;
  std::string acme, globex, shop, rival, globexShop, distributor, quiet;
  std::map<std::string, std::string> customerOf;  // username -> customer id

  HealthWorld() {
    acme = f.tenant("acme", "basic");
    globex = f.tenant("globex", "basic");
    const int64_t today = f.now() / 86400;
    const std::string yesterday = ::billing::formatDay(today - 1), todayText = ::billing::formatDay(today),
                      tomorrow = ::billing::formatDay(today + 1);
    for (const char* tenant : {"acme", "globex"})
      must("plan-add", {{"tenant", tenant}, {"name", "home"}, {"down", "20M"}, {"up", "5M"}});
    for (const char* u : {"alice", "bob", "hank", "carol", "dave", "erin", "fred", "ivan"})
      must("subscriber-add", {{"tenant", "acme"}, {"username", u}, {"password", "pw-123456"}, {"plan", "home"}});
    must("subscriber-add", {{"tenant", "globex"}, {"username", "gina"}, {"password", "pw-123456"}, {"plan", "home"}});
    for (const char* u : {"alice", "bob", "hank", "carol", "dave", "erin", "fred"})
      customerOf[u] = must("customer-add", {{"tenant", "acme"}, {"name", std::string("Customer ") + u}, {"username", u}})
                          .arguments["id"]
                          .get<std::string>();
    customerOf["gina"] = must("customer-add", {{"tenant", "globex"}, {"name", "Gina"}, {"username", "gina"}})
                             .arguments["id"]
                             .get<std::string>();
    auto add = [this](const char* tenant, const char* name) {
      core::Json args{{"name", name}, {"type", "authorized-dealer"}, {"currency", "EUR"}};
      if (tenant != nullptr) args["tenant"] = tenant;
      return must("partner-add", args).arguments["id"].get<std::string>();
    };
    shop = add("acme", "Corner Shop");
    rival = add("acme", "Rival Shop");
    globexShop = add("globex", "Globex Shop");
    distributor = add(nullptr, "Big Distributor");
    quiet = add(nullptr, "Quiet Distributor");
    auto attribute = [this](const char* tenant, const char* user, const std::string& partner, const std::string& day) {
      must("attribution-set", {{"tenant", tenant}, {"username", user}, {"partner", partner}, {"date", day}});
    };
    for (const char* u : {"alice", "bob", "hank", "erin", "ivan"}) attribute("acme", u, shop, yesterday);
    attribute("acme", "carol", rival, yesterday);
    attribute("acme", "fred", shop, tomorrow);
    must("attribution-set", {{"tenant", "acme"}, {"username", "erin"}, {"detach", true}, {"date", todayText}});
    attribute("globex", "gina", globexShop, yesterday);
    attribute("acme", "acme", distributor, yesterday);  // acme as the platform's account
    // The churn scores insight-score would have written.
    auto scored = [this](const std::string& tenantId, const std::vector<std::pair<const char*, int>>& list) {
      std::vector<mgmt::insight::Score> scores;
      for (const auto& [user, score] : list)
        scores.push_back({customerOf[user], score, std::string(user) + ": usage down 70% in 30 days, 2 late payments", 1000});
      core::Status s = f.storage->transact(
          [&](mgmt::store::Transaction& tx) { return mgmt::insight::InsightStore(tx).putScores(tenantId, scores); });
      if (!s.isOk()) FAIL(s.toString().c_str());
    };
    scored(acme, {{"alice", 72}, {"bob", 20}, {"carol", 90}, {"dave", 80}, {"erin", 85}, {"fred", 95}});
    scored(globex, {{"gina", 99}});
  }

  core::ControlReply must(const std::string& command, const core::Json& args) {
    core::ControlReply r = f.call(command, args);
    if (!r.ok()) FAIL((command + ": " + r.text).c_str());
    return r;
  }
  core::ControlReply asPartner(const std::string& id, const std::string& command, const core::Json& args) {
    return f.table->call(core::command::Caller{"partner", "partner:" + id, "test"}, command, args);
  }
  core::ControlReply asTenant(const std::string& tenantId, const std::string& command, const core::Json& args) {
    return f.table->call(core::command::Caller{"tenant-admin", tenantId, "test"}, command, args);
  }
};

std::vector<std::string> healthAccounts(const core::ControlReply& r) {
  std::vector<std::string> out;
  for (const core::Json& a : r.arguments["accounts"]) out.push_back(a["account"].get<std::string>());
  return out;
}

// Nothing of the accounts the caller must not see is in the whole reply.
void checkNothingOf(const core::ControlReply& r, const std::vector<std::string>& words) {
  const std::string all = r.text + r.arguments.dump();
  for (const std::string& w : words) CHECK_TEXT(all.find(w) == std::string::npos, (w + " leaked: " + all).c_str());
}

}  // namespace

TEST_GROUP(PartnerHealth){};

TEST(PartnerHealth, AResellerSeesTheChurnRiskOfItsCustomersInForceTodayOnly) {
  HealthWorld w;
  core::ControlReply r = w.asPartner(w.shop, "partner-health", core::Json::object());
  CHECK_TEXT(r.ok(), r.text.c_str());
  // Highest risk first; hank has a customer and no score, ivan no customer record: last, unknown.
  CHECK_TRUE((std::vector<std::string>{"alice", "bob", "hank", "ivan"}) == healthAccounts(r));
  const core::Json& a = r.arguments["accounts"];
  CHECK_EQUAL(72, a[0]["churn-score"].get<int>());
  STRCMP_EQUAL("at risk", a[0]["band"].get<std::string>().c_str());
  STRCMP_EQUAL("alice: usage down 70% in 30 days, 2 late payments", a[0]["factors"].get<std::string>().c_str());
  STRCMP_EQUAL(mgmt::insight::retentionAction(a[0]["factors"].get<std::string>()).c_str(),
               a[0]["action"].get<std::string>().c_str());
  CHECK_FALSE(a[0]["action"].get<std::string>().empty());
  CHECK_EQUAL(20, a[1]["churn-score"].get<int>());
  STRCMP_EQUAL("watch", a[1]["band"].get<std::string>().c_str());  // from half the at-risk score (30)
  CHECK_FALSE(a[2]["known"].get<bool>());
  STRCMP_EQUAL("no score yet", a[2]["band"].get<std::string>().c_str());
  STRCMP_EQUAL("no customer record for this subscriber yet", a[3]["factors"].get<std::string>().c_str());
  CHECK_EQUAL(1, r.arguments["summary"]["at-risk"].get<int>());
  CHECK_EQUAL(1, r.arguments["summary"]["watch"].get<int>());
  CHECK_EQUAL(2, r.arguments["summary"]["no-data"].get<int>());
  // carol is a rival's, dave nobody's, erin detached today, fred the shop's only from tomorrow, gina
  // another tenant's: none of them, nor their scores.
  checkNothingOf(r, {"carol", "dave", "erin", "fred", "gina", w.customerOf["carol"], w.customerOf["dave"]});
  // The tenant's admin reaches its reseller and reads the same; --limit keeps the riskiest.
  core::ControlReply managed = w.asTenant(w.acme, "partner-health", {{"partner", w.shop}, {"limit", 1}});
  CHECK_TEXT(managed.ok(), managed.text.c_str());
  CHECK_TRUE((std::vector<std::string>{"alice"}) == healthAccounts(managed));
  CHECK_EQUAL(4, managed.arguments["total"].get<int>());
}

// attribution-list keeps the history and says which rows are in force today; the portal's "Customers
// and leads" lists only those.
TEST(PartnerHealth, TheAttributionHistorySaysWhichRowsAreInForceToday) {
  HealthWorld w;
  core::ControlReply r = w.asPartner(w.shop, "attribution-list", core::Json::object());
  CHECK_TEXT(r.ok(), r.text.c_str());
  std::map<std::string, bool> current;
  for (const core::Json& a : r.arguments["attributions"]) {
    STRCMP_EQUAL(w.shop.c_str(), a["partner"].get<std::string>().c_str());
    current[a["username"].get<std::string>()] = a["current"].get<bool>();
  }
  // erin's row stays in the shop's history but was ended by today's detach; fred's begins tomorrow.
  CHECK_TRUE((std::map<std::string, bool>{
                 {"alice", true}, {"bob", true}, {"hank", true}, {"ivan", true}, {"erin", false}, {"fred", false}}) ==
             current);
  // The tenant's own view of erin: the detach row (no partner) is never "current" for anyone.
  core::ControlReply erin = w.asTenant(w.acme, "attribution-list", {{"username", "erin"}});
  CHECK_TEXT(erin.ok(), erin.text.c_str());
  LONGS_EQUAL(2, erin.arguments["attributions"].size());
  for (const core::Json& a : erin.arguments["attributions"]) CHECK_FALSE(a["current"].get<bool>());
}

TEST(PartnerHealth, EachCallerReachesOnlyThePartnersItMayAndNothingOfOthers) {
  HealthWorld w;
  // A partner naming another partner, of its tenant, of another tenant or of the platform: not found.
  for (const std::string& other : {w.rival, w.globexShop, w.distributor}) {
    core::ControlReply r = w.asPartner(w.shop, "partner-health", {{"partner", other}});
    CHECK_TEXT(r.code == core::Code::kNotFound, (other + ": " + r.text).c_str());
    checkNothingOf(r, {"carol", "gina", "acme"});
  }
  core::ControlReply back = w.asPartner(w.distributor, "partner-health", {{"partner", w.shop}});
  CHECK_TRUE(back.code == core::Code::kNotFound);
  // A tenant reaches its own resellers only.
  CHECK_TRUE(w.asTenant(w.acme, "partner-health", {{"partner", w.globexShop}}).code == core::Code::kNotFound);
  CHECK_TRUE(w.asTenant(w.globex, "partner-health", {{"partner", w.shop}}).code == core::Code::kNotFound);
  CHECK_TRUE(w.asTenant(w.acme, "partner-health", {{"partner", w.distributor}}).code == core::Code::kNotFound);
  core::ControlReply rival = w.asTenant(w.acme, "partner-health", {{"partner", w.rival}});
  CHECK_TRUE((std::vector<std::string>{"carol"}) == healthAccounts(rival));
  core::ControlReply globexShop = w.asPartner(w.globexShop, "partner-health", core::Json::object());
  CHECK_TRUE((std::vector<std::string>{"gina"}) == healthAccounts(globexShop));
  checkNothingOf(globexShop, {"alice", "acme"});
  // A partner's people read only through partner commands: the tenant's own insight is refused them.
  CHECK_TRUE(w.asPartner(w.shop, "insight-at-risk", {{"tenant", "acme"}}).code == core::Code::kPermissionDenied);
  CHECK_TRUE(w.asPartner(w.shop, "tenant-health", core::Json::object()).code == core::Code::kPermissionDenied);
  // A partner caller without a scope is refused rather than taken for the platform.
  core::ControlReply unscoped =
      w.f.table->call(core::command::Caller{"partner", "", "test"}, "partner-health", {{"partner", w.shop}});
  CHECK_TRUE(unscoped.code == core::Code::kPermissionDenied);
}

TEST(PartnerHealth, APlatformPartnerSeesTheHealthOfItsTenantsOnly) {
  HealthWorld w;
  core::ControlReply r = w.asPartner(w.distributor, "partner-health", core::Json::object());
  CHECK_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("platform", r.arguments["level"].get<std::string>().c_str());
  CHECK_TRUE((std::vector<std::string>{"acme"}) == healthAccounts(r));
  const core::Json& t = r.arguments["accounts"][0];
  STRCMP_EQUAL(w.acme.c_str(), t["tenant"].get<std::string>().c_str());
  // acme's health as the platform's tenant-health scores it, its factors in words.
  core::ControlReply platform = w.f.call("tenant-health", {{"tenant", w.acme}});
  CHECK_TEXT(platform.ok(), platform.text.c_str());
  const core::Json& expected = platform.arguments["tenants"][0];
  CHECK_TRUE(t["known"].get<bool>());
  CHECK_EQUAL(expected["score"].get<int>(), t["health-score"].get<int>());
  STRCMP_EQUAL(expected["band"].get<std::string>().c_str(), t["band"].get<std::string>().c_str());
  CHECK_EQUAL(4u, t["details"].size());
  // The churn factor (the mean of acme's 6 scores, 442 / 6: 74) costs it the most points: named first.
  const std::string factors = t["factors"].get<std::string>();
  CHECK_TEXT(factors.rfind("mean churn risk 74/100", 0) == 0, factors.c_str());
  checkNothingOf(r, {"globex", w.globex, "alice"});
  // A platform partner with no tenant sees none (never every tenant).
  core::ControlReply none = w.asPartner(w.quiet, "partner-health", core::Json::object());
  CHECK_TEXT(none.ok(), none.text.c_str());
  CHECK_EQUAL(0u, none.arguments["accounts"].size());
  checkNothingOf(none, {"acme", "globex", w.acme, w.globex});
  // The platform opens any partner's.
  core::ControlReply opened = w.f.call("partner-health", {{"partner", w.distributor}});
  CHECK_TRUE((std::vector<std::string>{"acme"}) == healthAccounts(opened));
}

TEST(PartnerHealth, ReferralVisitorsAreCappedPerPartnerAndDay) {
  HealthWorld w;
  mgmt::partners::ProgramService::Deps deps{*w.f.storage, w.f.clock};
  deps.visitorsPerPartnerDay = 2;
  mgmt::partners::ProgramService program(deps);
  auto code = [&w](const std::string& id) {
    return w.must("partner-show", {{"partner", id}}).arguments["referral-code"].get<std::string>();
  };
  auto counted = [&program](const std::string& c, const std::string& visitor) {
    core::Result<core::Json> r = program.visit(c, visitor);
    if (!r.isOk()) FAIL(r.status().toString().c_str());
    return (*r)["counted"].get<bool>();
  };
  auto visits = [&w](const std::string& id) {
    return w.must("partner-show", {{"partner", id}}).arguments["referral-visits"].get<int64_t>();
  };
  const std::string shopCode = code(w.shop);
  CHECK_TRUE(counted(shopCode, "visitor-1"));
  CHECK_TRUE(counted(shopCode, "visitor-2"));
  CHECK_FALSE(counted(shopCode, "visitor-3"));  // the day's cap: nothing written
  CHECK_TRUE(counted(shopCode, "visitor-1"));   // counted already: still counts, once
  CHECK_EQUAL(2, visits(w.shop));
  CHECK_TRUE(counted(code(w.rival), "visitor-3"));  // per partner
  CHECK_EQUAL(1, visits(w.rival));
  w.f.clock.advance(std::chrono::hours(24));
  CHECK_TRUE(counted(shopCode, "visitor-3"));  // a new day
  CHECK_EQUAL(3, visits(w.shop));
  CHECK_TRUE(program.visit("RNOPE", "visitor-9").status().code() == core::Code::kNotFound);
}
