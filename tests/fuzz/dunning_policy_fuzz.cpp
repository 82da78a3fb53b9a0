// A dunning policy as a tenant's billing staff send it (mgmtctl dunning-policy set --steps, the admin
// API's POST /api/v1/dunning-policy-set, the console's Dunning form): JSON text, parsed by
// mgmt::billing::parseDunningPolicy with the limits the service uses.
// Properties: nothing throws; a refusal names "steps" (or steps[i] and the key); an accepted policy has
// at most 10 steps, days 1..365 rising, terminate only last, and reads back to itself through
// dunningPolicyJson (what is stored is what was meant); the standing never falls as the days past due
// rise (neither its step nor what the box gets), is step 0 at 0 days or fewer, and a throttled
// standing always carries a rate the box accepts.
#include <cstdint>
#include <string>

#include "billing/rating/rules.h"
#include "mgmt/billing/dunning_policy.h"
#include "tests/fuzz/fuzz_support.h"

namespace {
constexpr const char* kTarget = "dunning_policy";

core::Status rateOk(const std::string& rate) { return billing::parseRatePair(rate).status(); }
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace mb = mgmt::billing;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::vector<std::string> templates{"dunning-reminder", "invoice-issued"};
  core::Result<mb::DunningPolicy> p = mb::parseDunningPolicy(text, templates, &rateOk);
  if (!p.isOk()) {
    FUZZ_CHECK(p.status().message().rfind("steps", 0) == 0, "a refusal names no step: " + p.status().message());
    return 0;
  }
  FUZZ_CHECK(p->steps.size() <= mb::kMaxDunningSteps, "too many steps accepted");
  for (size_t i = 0; i < p->steps.size(); ++i) {
    const mb::DunningStep& s = p->steps[i];
    FUZZ_CHECK(s.afterDays >= 1 && s.afterDays <= mb::kMaxDunningDays, "days out of range");
    FUZZ_CHECK(i == 0 || s.afterDays > p->steps[i - 1].afterDays, "days do not rise");
    FUZZ_CHECK(s.action != mb::DunningAction::kTerminate || i + 1 == p->steps.size(), "terminate not last");
  }
  const std::string stored = mb::dunningPolicyJson(*p).dump();
  core::Result<mb::DunningPolicy> again = mb::parseDunningPolicy(stored, templates, &rateOk);
  FUZZ_CHECK(again.isOk(), "a stored policy is refused: " + stored);
  FUZZ_CHECK(mb::dunningPolicyJson(*again).dump() == stored, "a stored policy reads back differently: " + stored);
  FUZZ_CHECK(mb::standingAt(*p, 0).step == 0 && mb::standingAt(*p, -5).step == 0, "in dunning before the due day");
  mb::DunningStanding before = mb::standingAt(*p, 0);
  for (int64_t days = 1; days <= mb::kMaxDunningDays + 1; ++days) {
    const mb::DunningStanding now = mb::standingAt(*p, days);
    FUZZ_CHECK(now.step >= before.step, "the step fell at " + std::to_string(days) + " days");
    FUZZ_CHECK(mb::dunningSeverity(now.dunning) >= mb::dunningSeverity(before.dunning),
               "the box's state got milder at " + std::to_string(days) + " days");
    FUZZ_CHECK(now.dunning != "throttle" || rateOk(now.rate).isOk(), "a throttle without a rate the box accepts");
    FUZZ_CHECK(!before.terminate || now.terminate, "terminate undone by more days");
    before = now;
  }
  return 0;
}
