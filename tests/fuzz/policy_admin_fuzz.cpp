// Plan and subscriber arguments (aaa/policy/admin.h) as plan-add/plan-set/subscriber-add/-set/import
// take them from edgectl, mgmtctl, the admin API and the sync wire.
// Input: a selector octet (0 plan, 1 subscriber), then the arguments as JSON text.
// Properties: what is accepted is whole: a plan has both rates, bursts at or above them, an interim
// of 0 or at least 60 s, billing rules that validate and that read back from their stored JSON
// unchanged (what mgmt accepts, every box can load); applying the same arguments again changes
// nothing; a subscriber's plan, MAC and address are what the arguments named.
#include <cstdint>
#include <string>

#include "aaa/auth/mac.h"
#include "aaa/policy/admin.h"
#include "aaa/policy/model.h"
#include "billing/rating/rules.h"
#include "core/json.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr const char* kTarget = "policy_admin";
using aaa::policy::Plan;
using aaa::policy::Subscriber;

std::string describe(const Plan& p) {
  return std::to_string(p.downBps) + "/" + std::to_string(p.upBps) + " burst " + std::to_string(p.burstDownBps) + "/" +
         std::to_string(p.burstUpBps) + " " + std::to_string(p.burstThresholdPercent) + "% " +
         std::to_string(p.burstTimeSeconds) + "s timeouts " + std::to_string(p.sessionTimeout) + "/" +
         std::to_string(p.idleTimeout) + " interim " + std::to_string(p.interimInterval) + " max " +
         std::to_string(p.maxSessions) + " pool '" + p.ipPool + "' " + billing::rulesToJson(p.billing).dump();
}

std::string describe(const Subscriber& s) {
  return std::to_string(s.planId) + " " + aaa::policy::subscriberStatusName(s.status) + " " +
         std::to_string(s.expiresAt) + " " + (s.mac ? aaa::auth::formatMac(*s.mac) : "-") + " " +
         (s.staticIp ? aaa::policy::formatIp(*s.staticIp) : "-");
}

std::optional<int64_t> findPlan(const std::string& name) {
  if (name == "home") return 1;
  if (name == "day-pass") return 2;
  return std::nullopt;
}

void plan(const core::Json& args) {
  core::CommandArgs a(args);
  if (!a.only(aaa::policy::kPlanArguments).isOk()) return;
  Plan p;
  if (!aaa::policy::applyPlanArgs(a, p).isOk()) return;
  FUZZ_CHECK(p.downBps > 0 && p.upBps > 0, "a plan without both rates");
  FUZZ_CHECK((p.burstDownBps == 0 || p.burstDownBps >= p.downBps) && (p.burstUpBps == 0 || p.burstUpBps >= p.upBps),
             "a burst below its rate");
  FUZZ_CHECK(p.interimInterval == 0 || p.interimInterval >= 60, "interim below 60 s");
  core::Status valid = billing::validate(p.billing);
  FUZZ_CHECK(valid.isOk(), "accepted billing rules that do not validate: " + valid.message() + " " + describe(p));
  core::Result<billing::BillingRules> stored = billing::rulesFromJson(billing::rulesToJson(p.billing));
  FUZZ_CHECK(stored.isOk(), "accepted billing rules that cannot be loaded back: " + stored.status().message() + " " +
                                describe(p));
  FUZZ_CHECK(billing::rulesToJson(*stored).dump() == billing::rulesToJson(p.billing).dump(), "stored rules differ");
  Plan again = p;
  core::Status twice = aaa::policy::applyPlanArgs(a, again);
  FUZZ_CHECK(twice.isOk() && describe(again) == describe(p),
             "applying the same arguments again changed the plan: " + describe(p) + " -> " + describe(again) + " " +
                 twice.message());
}

void subscriber(const core::Json& args) {
  core::CommandArgs a(args);
  Subscriber s;
  if (!aaa::policy::applySubscriberArgs(a, findPlan, s).isOk()) return;
  if (a.has("plan")) FUZZ_CHECK(s.planId == 1 || s.planId == 2, "plan id");
  if (a.has("mac") && s.mac) {
    core::Result<std::optional<std::string>> text = a.text("mac");
    FUZZ_CHECK(aaa::auth::parseMac(**text) == s.mac, "MAC is not the one given");
  }
  if (a.has("static-ip") && s.staticIp) FUZZ_CHECK(s.staticIp->isV4(), "static-ip not IPv4");
  if (s.expiresAt != 0) FUZZ_CHECK(a.has("expires"), "expires out of nowhere");
  Subscriber again = s;
  FUZZ_CHECK(aaa::policy::applySubscriberArgs(a, findPlan, again).isOk() && describe(again) == describe(s),
             "applying the same arguments again changed the subscriber");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  core::Result<core::Json> args =
      core::parseJsonWithComments(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1), "arguments");
  if (!args.isOk() || !args->is_object()) return 0;
  if (data[0] % 2 == 0)
    plan(*args);
  else
    subscriber(*args);
  return 0;
}
