// A commission plan as a platform or tenant admin sends it (mgmtctl commission-plan set --spec, the
// admin API's POST /api/v1/commission-plan-set): JSON text, parsed with the size and depth limits
// the service uses, then billing::commissions::parsePlan.
// Properties: nothing throws; a refusal names a key of the plan (or "spec"); an accepted plan reads
// back to itself through planJson (what is stored is what was meant); its brackets start at 0 and
// rise; its exact bracket amounts never overflow for a month's volume up to 10^12 minor units; the
// base of any partial payment lies between 0 and the invoice's net.
#include <cstdint>
#include <string>

#include "billing/commissions/commissions.h"
#include "core/json.h"
#include "tests/fuzz/fuzz_support.h"

namespace {
constexpr const char* kTarget = "commission_plan";
const char* const kKeys[] = {"spec", "flat", "rate-bp", "brackets", "bracket-mode", "tier-bp", "recurring", "bonus-target", "bonus"};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace cm = billing::commissions;
  const std::string text(reinterpret_cast<const char*>(data), size);
  core::Result<core::Json> spec = core::parseJsonWithComments(text, "spec", core::JsonLimits{8192, 4});
  if (!spec.isOk()) return 0;
  core::Result<cm::Plan> plan = cm::parsePlan(*spec, "EUR");
  if (!plan.isOk()) {
    const std::string& m = plan.status().message();
    bool named = m.find(':') != std::string::npos;  // "<key>: why", the key possibly unknown to plans
    for (const char* k : kKeys) named = named || m.rfind(k, 0) == 0;
    FUZZ_CHECK(named, "a refusal names no key: " + m);
    return 0;
  }
  const core::Json stored = cm::planJson(*plan, "EUR");
  core::Result<cm::Plan> again = cm::parsePlan(stored, "EUR");
  FUZZ_CHECK(again.isOk(), "a stored plan is refused: " + stored.dump() + ": " + again.status().message());
  FUZZ_CHECK(cm::planJson(*again, "EUR") == stored, "a stored plan reads back differently: " + stored.dump());
  for (size_t i = 0; i < plan->brackets.size(); ++i) {
    FUZZ_CHECK(i > 0 || plan->brackets[i].fromMinor == 0, "the first bracket does not start at 0");
    FUZZ_CHECK(i == 0 || plan->brackets[i].fromMinor > plan->brackets[i - 1].fromMinor, "brackets do not rise");
  }
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{99999}, int64_t{1000000000000}}) {
    const int64_t exact = cm::bracketExact(*plan, v);
    FUZZ_CHECK(exact >= 0 && exact <= v * 10000, "bracket amount out of range at volume " + std::to_string(v));
  }
  // Bases from the first bytes as amounts: never below 0 nor above the net.
  if (size >= 12) {
    const int64_t net = (data[0] | data[1] << 8 | data[2] << 16) + 1;
    const int64_t total = net + (data[3] | data[4] << 8);
    const int64_t paid = data[5] | data[6] << 8 | data[7] << 16;
    const int64_t base = cm::paidBase(paid, net, total);
    FUZZ_CHECK(base >= 0 && base <= net, "a base outside 0..net");
    FUZZ_CHECK(paid < total || base == net, "a paid-up invoice's base is not its net");
  }
  return 0;
}
