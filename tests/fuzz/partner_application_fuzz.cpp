// The public partner application form's fields (mgmt/partners/program_service.h applicationFromArgs)
// and the place a territory or a customer names (territory_rules.h makePlace), both from outside
// (/partners/apply, customer and territory commands). Input: a JSON object as the form or the admin
// API sends it.
// Properties: a refusal is kInvalidArgument naming its field ("email: ..."); an accepted application
// has an address the outbox accepts (its decision is mailed), a known type, a two-letter upper-case
// country, no control characters in its name and company. An accepted place is covered by a
// territory of exactly its own fields, and the territory decision over fixed territories does not
// depend on their order and always names a winner that covers the place.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

#include "billing/commissions/commissions.h"
#include "core/json.h"
#include "mgmt/mail/outbox.h"
#include "mgmt/partners/program_service.h"
#include "mgmt/partners/territory_rules.h"
#include "tests/fuzz/fuzz_support.h"

namespace {
constexpr const char* kTarget = "partner_application";

bool controlFree(const std::string& s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

std::string text(const core::Json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  core::Result<core::Json> parsed =
      core::parseJsonWithComments(std::string(reinterpret_cast<const char*>(data), size), "body", core::JsonLimits{16384, 4});
  if (!parsed.isOk() || !parsed->is_object()) return 0;
  const core::Json& body = *parsed;

  core::Result<mgmt::partners::Application> a = mgmt::partners::applicationFromArgs(body);
  if (!a.isOk()) {
    FUZZ_CHECK(a.status().code() == core::Code::kInvalidArgument, "a refusal that is not invalid-argument");
    FUZZ_CHECK(a.status().message().find(": ") != std::string::npos, "a refusal without its field");
  } else {
    FUZZ_CHECK(mgmt::mail::validAddress(a->email), "an accepted email that the outbox refuses");
    FUZZ_CHECK(::billing::commissions::isPartnerType(a->type), "an unknown type accepted");
    FUZZ_CHECK(a->country.size() == 2 && std::isupper(static_cast<unsigned char>(a->country[0])) &&
                   std::isupper(static_cast<unsigned char>(a->country[1])),
               "country not two upper-case letters");
    FUZZ_CHECK(!a->name.empty() && controlFree(a->name) && !a->company.empty() && controlFree(a->company),
               "a name or company with control characters");
  }

  core::Result<mgmt::partners::Place> place =
      mgmt::partners::makePlace(text(body, "country"), text(body, "region"), text(body, "city"), text(body, "postal"));
  if (!place.isOk()) {
    FUZZ_CHECK(place.status().message().find(": ") != std::string::npos, "a place refused without its field");
    return 0;
  }
  if (place->country.empty()) return 0;
  FUZZ_CHECK(mgmt::partners::covers(*place, *place), "a place not covered by its own territory");
  std::vector<mgmt::partners::Territory> ts;
  auto add = [&](int64_t id, mgmt::partners::Place p, bool exclusive, int64_t at) {
    mgmt::partners::Territory t;
    t.id = id;
    t.partnerId = "pa-" + std::to_string(id);
    t.partnerName = "P" + std::to_string(id);
    t.place = std::move(p);
    t.exclusive = exclusive;
    t.createdAt = at;
    ts.push_back(std::move(t));
  };
  add(1, mgmt::partners::Place{place->country, "", "", ""}, false, 100);
  add(2, *place, false, 200);
  add(3, mgmt::partners::Place{place->country, place->region, "", ""}, true, 300);
  add(4, mgmt::partners::Place{place->country, "", place->city, ""}, true, 300);
  add(5, mgmt::partners::Place{"ZZ", "", "", ""}, true, 50);
  mgmt::partners::TerritoryDecision d = mgmt::partners::decideTerritory(*place, ts);
  std::reverse(ts.begin(), ts.end());
  mgmt::partners::TerritoryDecision back = mgmt::partners::decideTerritory(*place, ts);
  FUZZ_CHECK(d.winner.has_value() && back.winner.has_value(), "no winner though territory #1 covers the place");
  FUZZ_CHECK(d.winner->id == back.winner->id && d.why == back.why, "the decision depends on the territories' order");
  FUZZ_CHECK(mgmt::partners::covers(d.winner->place, *place), "a winner that does not cover the place");
  FUZZ_CHECK(place->country == "ZZ" || d.winner->id != 5, "another country's territory won");
  return 0;
}
