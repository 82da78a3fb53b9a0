// The public signup body (mgmt/onboarding/signup_request.h): anyone on the internet sends it.
// Input: the body as it arrives.
// Properties: a refusal is kInvalidArgument naming a field ("name: ..."); what is accepted has a valid
// email, a two-letter upper-case country, a size within 1..10,000,000, a known tier and scenario, and
// reads back the same from its own details (parse(details + tier + scenario) == itself).
#include <cctype>
#include <cstdint>
#include <string>

#include "core/json.h"
#include "mgmt/mail/outbox.h"
#include "mgmt/onboarding/scenarios.h"
#include "mgmt/onboarding/signup_request.h"
#include "mgmt/tiers.h"
#include "tests/fuzz/fuzz_support.h"

namespace {
constexpr const char* kTarget = "signup_request";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  core::Result<mgmt::onboarding::SignupRequest> r = mgmt::onboarding::parseSignup(body);
  if (!r.isOk()) {
    FUZZ_CHECK(r.status().code() == core::Code::kInvalidArgument, "a refusal that is not invalid-argument");
    FUZZ_CHECK(r.status().message().find(':') != std::string::npos, "a refusal without its field");
    return 0;
  }
  FUZZ_CHECK(mgmt::mail::validAddress(r->email), "an accepted email that the outbox refuses");
  FUZZ_CHECK(r->country.size() == 2 && std::isupper(static_cast<unsigned char>(r->country[0])) &&
                 std::isupper(static_cast<unsigned char>(r->country[1])),
             "country not two upper-case letters");
  FUZZ_CHECK(r->expectedCustomers >= 1 && r->expectedCustomers <= 10000000, "size out of range");
  FUZZ_CHECK(mgmt::findTier(r->tier) != nullptr, "unknown tier accepted");
  FUZZ_CHECK(mgmt::onboarding::findScenario(r->scenario) != nullptr, "unknown scenario accepted");
  core::Json again = r->details();
  again["tier"] = r->tier;
  again["scenario"] = r->scenario;
  core::Result<mgmt::onboarding::SignupRequest> back = mgmt::onboarding::signupFromJson(again);
  FUZZ_CHECK(back.isOk(), "its own details refused: " + back.status().message());
  FUZZ_CHECK(back->details() == r->details() && back->tier == r->tier && back->scenario == r->scenario,
             "details do not read back the same");
  return 0;
}
