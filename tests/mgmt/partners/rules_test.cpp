// The partner programme's pure rules, table-driven: who owns a place among overlapping territories
// (every rule of ADR 0055 and each tie, with the words of why), the place's validation, and the
// automatic tier rule with its hysteresis on each side of every threshold.
#include <string>
#include <vector>

#include "mgmt/partners/territory_rules.h"
#include "mgmt/partners/tier_rules.h"

#include <CppUTest/TestHarness.h>

using mgmt::partners::Place;
using mgmt::partners::Territory;

namespace {

constexpr int64_t kDay = 86400;
const int64_t kJan1 = 20454 * kDay;  // 2026-01-01

Place P(std::string country, std::string region = "", std::string city = "", std::string postal = "") {
  return Place{std::move(country), std::move(region), std::move(city), std::move(postal)};
}

Territory terr(int64_t id, const std::string& partner, Place place, bool exclusive, int64_t createdAt) {
  Territory t;
  t.id = id;
  t.partnerId = "pa-" + partner;
  t.partnerName = partner;
  t.place = std::move(place);
  t.exclusive = exclusive;
  t.createdAt = createdAt;
  return t;
}

}  // namespace

TEST_GROUP(TerritoryRules){};

TEST(TerritoryRules, EveryRuleAndTieDecidesTheWinnerAndSaysWhy) {
  const Place munich{"DE", "Bavaria", "Munich", "80331"};
  struct Case {
    const char* name;
    std::vector<Territory> territories;
    Place place;
    std::string winner;  // partner name, "" = none
    std::string why;     // a part of the words of why
  };
  const std::vector<Case> cases = {
      {"nothing covers", {terr(1, "X", P("FR"), true, kJan1)}, munich, "", "no territory covers DE/Bavaria/Munich/80331"},
      {"a place without a country", {terr(1, "X", P("DE"), true, kJan1)}, Place{}, "", "no territory covers a place without a country"},
      {"one covers", {terr(1, "X", P("DE"), false, kJan1), terr(2, "Y", P("AT"), true, kJan1)}, munich, "X",
       "shared territory DE of partner X (pa-X) covers DE/Bavaria/Munich/80331; no other territory does"},
      {"exclusive beats shared, even a more specific shared one",
       {terr(1, "Y", P("DE", "Bavaria", "Munich"), false, kJan1), terr(2, "X", P("DE"), true, kJan1 + 5 * kDay)}, munich, "X",
       "exclusive territory DE of partner X (pa-X) beats shared DE/Bavaria/Munich of Y (pa-Y) (exclusive beats shared)"},
      {"exclusive region beats shared country (the issue's example)",
       {terr(1, "Y", P("DE"), false, kJan1), terr(2, "X", P("DE", "Bavaria"), true, kJan1)}, munich, "X",
       "exclusive territory DE/Bavaria of partner X (pa-X) beats shared DE of Y (pa-Y) (exclusive beats shared)"},
      {"most specific wins among shared: region over country",
       {terr(1, "Y", P("DE"), false, kJan1), terr(2, "X", P("DE", "Bavaria"), false, kJan1 + kDay)}, munich, "X",
       "(most specific wins: a region is finer than a country)"},
      {"most specific wins among exclusive: postal code over city",
       {terr(1, "Y", P("DE", "", "Munich"), true, kJan1), terr(2, "X", P("DE", "", "", "80331"), true, kJan1 + kDay)}, munich,
       "X", "(most specific wins: a postal code is finer than a city)"},
      {"city over region",
       {terr(1, "Y", P("DE", "Bavaria"), false, kJan1), terr(2, "X", P("DE", "Bavaria", "Munich"), false, kJan1)}, munich,
       "X", "(most specific wins: a city is finer than a region)"},
      {"then the earliest",
       {terr(1, "Y", P("DE", "Bavaria"), true, kJan1 + 3 * kDay), terr(2, "X", P("DE", "Bavaria"), true, kJan1)}, munich, "X",
       "(earliest wins: added 2026-01-01, the other 2026-01-04)"},
      {"added in the same second: the lower id",
       {terr(7, "Y", P("DE"), false, kJan1), terr(3, "X", P("DE"), false, kJan1)}, munich, "X",
       "(earliest wins: added in the same second, #3 before #7)"},
      {"names compare without case and spaces",
       {terr(1, "X", P("de", " bavaria ", "MUNICH"), false, kJan1)}, munich, "X", "covers"},
      {"a territory naming a field the place lacks does not cover it",
       {terr(1, "Y", P("DE", "Bavaria", "", "80331"), true, kJan1), terr(2, "X", P("DE"), false, kJan1)},
       Place{"DE", "Bavaria", "", ""}, "X", "no other territory does"},
      {"another region does not cover",
       {terr(1, "Y", P("DE", "Saxony"), true, kJan1), terr(2, "X", P("DE"), false, kJan1)}, munich, "X",
       "no other territory does"},
      {"every beaten territory is named",
       {terr(1, "Y", P("DE"), false, kJan1), terr(2, "Z", P("DE", "Bavaria"), false, kJan1),
        terr(3, "X", P("DE", "Bavaria"), true, kJan1)},
       munich, "X", "beats shared DE/Bavaria of Z (pa-Z) (exclusive beats shared); exclusive DE/Bavaria of X (pa-X) beats shared DE of Y (pa-Y) (exclusive beats shared)"},
  };
  for (const Case& c : cases) {
    mgmt::partners::TerritoryDecision d = mgmt::partners::decideTerritory(c.place, c.territories);
    const std::string got = d.winner ? d.winner->partnerName : "";
    if (got != c.winner || d.why.find(c.why) == std::string::npos)
      FAIL((std::string(c.name) + ": winner '" + got + "', why: " + d.why).c_str());
  }
}

TEST(TerritoryRules, ARemovedTerritoryNoLongerCounts) {
  std::vector<Territory> ts = {terr(1, "X", P("DE"), true, kJan1), terr(2, "Y", P("DE"), false, kJan1)};
  ts[0].removedAt = kJan1 + kDay;
  mgmt::partners::TerritoryDecision d = mgmt::partners::decideTerritory(P("DE"), ts);
  CHECK_TRUE(d.winner.has_value());
  STRCMP_EQUAL("Y", d.winner->partnerName.c_str());
  LONGS_EQUAL(1, d.covering.size());
}

TEST(TerritoryRules, APlaceFromOutsideIsCheckedFieldByField) {
  struct Case {
    Place in;
    std::string error;  // "" = accepted
  };
  const std::vector<Case> cases = {
      {P("de", "Bavaria", "Munich", "80331"), ""},
      {P("", "", "", ""), ""},
      {P("DEU"), "country:"},
      {P("D1"), "country:"},
      {P("", "Bavaria"), "country: a region, city or postal code needs its country"},
      {P("DE", std::string(65, 'a')), "region:"},
      {P("DE", "", "Mu/nich"), "city:"},
      {P("DE", "", "Mu\nnich"), "city:"},
      {P("DE", "", "", "80331;"), "postal:"},
      {P("DE", "", "", std::string(17, '1')), "postal:"},
  };
  for (const Case& c : cases) {
    core::Result<Place> p = mgmt::partners::makePlace(c.in.country, c.in.region, c.in.city, c.in.postal);
    if (c.error.empty()) {
      if (!p.isOk()) FAIL(p.status().message().c_str());
    } else {
      CHECK_FALSE(p.isOk());
      STRCMP_CONTAINS(c.error.c_str(), p.status().message().c_str());
    }
  }
  STRCMP_EQUAL("DE/Bavaria/Munich/80331", mgmt::partners::placeText(*mgmt::partners::makePlace(" de ", "Bavaria", "Munich", "80331")).c_str());
}

TEST_GROUP(TierRules){};

TEST(TierRules, UpAtTheThresholdDownOnlyPastTheMargin) {
  // silver 10,000.00, gold 50,000.00, platinum 150,000.00; margin 10%: gold's floor is 45,000.00.
  core::Result<mgmt::partners::TierRules> rules = mgmt::partners::parseTierRules(
      core::Json{{"currency", "EUR"}, {"silver", "10000.00"}, {"gold", "50000.00"}, {"platinum", "150000.00"}, {"hysteresis-bp", 1000}});
  if (!rules.isOk()) FAIL(rules.status().message().c_str());
  struct Case {
    const char* current;
    int64_t revenue;
    const char* proposed;
    const char* why;
  };
  const std::vector<Case> cases = {
      {"bronze", 0, "bronze", "keeps bronze (silver needs 10000.00 EUR)"},
      {"bronze", 999999, "bronze", "keeps bronze"},
      {"bronze", 1000000, "silver", "reached silver's 10000.00 EUR: up from bronze"},
      {"bronze", 15000000, "platinum", "up from bronze"},  // straight to the highest reached
      {"silver", 5000000, "gold", "reached gold's 50000.00 EUR"},
      {"gold", 5000000, "gold", "keeps gold"},
      {"gold", 4999999, "gold", "but within the 10.00% margin (45000.00 EUR): stays gold"},
      {"gold", 4500000, "gold", "stays gold"},
      {"gold", 4499999, "silver", "down to silver"},
      {"gold", 899999, "bronze", "down to bronze"},  // below silver's floor (9,000.00) too
      {"gold", 900000, "silver", "down to silver"},  // within silver's margin: drops only to silver
      {"platinum", 4600000, "gold", "down to gold"},
      {"platinum", 13500000, "platinum", "stays platinum"},
      {"platinum", 99999999, "platinum", "keeps platinum"},
  };
  for (const Case& c : cases) {
    mgmt::partners::TierProposal p = mgmt::partners::proposeTier(*rules, c.current, c.revenue);
    if (p.proposed != c.proposed || p.why.find(c.why) == std::string::npos)
      FAIL((std::string(c.current) + " at " + std::to_string(c.revenue) + ": " + p.proposed + ", " + p.why).c_str());
    CHECK_TRUE(p.changes() == (std::string(c.current) != c.proposed));
  }
}

TEST(TierRules, WithoutMarginItFollowsTheThresholds) {
  core::Result<mgmt::partners::TierRules> rules = mgmt::partners::parseTierRules(
      core::Json{{"currency", "EUR"}, {"silver", "100.00"}, {"gold", "200.00"}, {"platinum", "300.00"}, {"hysteresis-bp", 0}});
  CHECK_TRUE(rules.isOk());
  STRCMP_EQUAL("silver", mgmt::partners::proposeTier(*rules, "gold", 19999).proposed.c_str());
  STRCMP_EQUAL("gold", mgmt::partners::proposeTier(*rules, "gold", 20000).proposed.c_str());
}

TEST(TierRules, RulesNameTheBadKey) {
  struct Case {
    core::Json spec;
    const char* error;
  };
  const core::Json ok{{"currency", "EUR"}, {"silver", "1.00"}, {"gold", "2.00"}, {"platinum", "3.00"}};
  auto with = [&](const char* k, core::Json v) {
    core::Json j = ok;
    j[k] = std::move(v);
    return j;
  };
  core::Json noGold = ok;
  noGold.erase("gold");
  const std::vector<Case> cases = {
      {core::Json::array(), "rules:"},
      {with("bogus", 1), "rules: unknown key 'bogus'"},
      {with("currency", 3), "currency:"},
      {noGold, "gold:"},
      {with("gold", "0.50"), "gold: must be above silver's threshold"},
      {with("platinum", "-3"), "platinum:"},
      {with("window-months", 0), "window-months:"},
      {with("hysteresis-bp", 6000), "hysteresis-bp:"},
  };
  for (const Case& c : cases) {
    core::Result<mgmt::partners::TierRules> r = mgmt::partners::parseTierRules(c.spec);
    CHECK_FALSE(r.isOk());
    STRCMP_CONTAINS(c.error, r.status().message().c_str());
  }
  core::Result<mgmt::partners::TierRules> r = mgmt::partners::parseTierRules(ok);
  CHECK_TRUE(r.isOk());
  LONGS_EQUAL(12, r->windowMonths);
  STRCMP_EQUAL("2.00", mgmt::partners::tierRulesJson(*r)["gold"].get<std::string>().c_str());
}
