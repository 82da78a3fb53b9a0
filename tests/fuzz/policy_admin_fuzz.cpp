// NAS, plan and subscriber arguments (catalog/) as nas-add, plan-add/plan-set and
// subscriber-add/-set/import take them from edgectl, mgmtctl, the admin API and the sync wire.
// Input: a selector octet (0 plan, 1 subscriber, 2 NAS client), then the arguments as JSON text.
// Properties: what is accepted is whole: a plan has a name, both rates, bursts at or above them, an
// interim of 0 or at least 60 s, billing rules that validate and that read back from their stored JSON
// unchanged (what mgmt accepts, every box can load); applying the same arguments again changes
// nothing; a subscriber's plan, MAC and address are what the arguments named; a subscriber change
// the validation accepts can be stored (its password hashed), and an add without a password is a
// MAC-named one; the canonical username is a fixed point; a NAS client has a name, a secret within
// its limit and the prefix it was given.
#include <cstdint>
#include <string>

#include "aaa/auth/mac.h"
#include "billing/rating/rules.h"
#include "catalog/nas.h"
#include "catalog/plan.h"
#include "catalog/subscriber.h"
#include "core/json.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr const char* kTarget = "policy_admin";
using catalog::Plan;
using catalog::Subscriber;

std::string describe(const Plan& p) {
  return p.name + " " + std::to_string(p.downBps) + "/" + std::to_string(p.upBps) + " burst " +
         std::to_string(p.burstDownBps) + "/" + std::to_string(p.burstUpBps) + " " +
         std::to_string(p.burstThresholdPercent) + "% " + std::to_string(p.burstTimeSeconds) + "s timeouts " +
         std::to_string(p.sessionTimeout) + "/" + std::to_string(p.idleTimeout) + " interim " +
         std::to_string(p.interimInterval) + " max " + std::to_string(p.maxSessions) + " pool '" + p.ipPool + "' " +
         billing::rulesToJson(p.billing).dump();
}

std::string describe(const Subscriber& s) {
  return std::to_string(s.planId) + " " + catalog::subscriberStatusName(s.status) + " " +
         std::to_string(s.expiresAt) + " " + (s.mac ? aaa::auth::formatMac(*s.mac) : "-") + " " +
         (s.staticIp ? catalog::formatIp(*s.staticIp) : "-") + " " + (s.ntHash ? "hash" : "nohash") + " dunning '" +
         catalog::dunningName(s.dunning) + "' " + std::to_string(s.dunningRate.downBps) + "/" +
         std::to_string(s.dunningRate.upBps) + " " + s.dunningUrl;
}

std::optional<int64_t> findPlan(const std::string& name) {
  if (name == "home") return 1;
  if (name == "day-pass") return 2;
  return std::nullopt;
}

void plan(const core::Json& args) {
  core::CommandArgs a(args);
  Plan p;
  if (!catalog::applyPlanArgs(a, p).isOk()) return;
  FUZZ_CHECK(a.only(catalog::planArguments()).isOk(), "accepted an argument outside the table");
  FUZZ_CHECK(!p.name.empty() && p.name.size() <= catalog::kMaxPlanNameLength, "a plan without a name of 1..64");
  FUZZ_CHECK(p.downBps > 0 && p.upBps > 0, "a plan without both rates");
  FUZZ_CHECK((p.burstDownBps == 0 || p.burstDownBps >= p.downBps) && (p.burstUpBps == 0 || p.burstUpBps >= p.upBps),
             "a burst below its rate");
  FUZZ_CHECK(p.interimInterval == 0 || p.interimInterval >= 60, "interim below 60 s");
  FUZZ_CHECK(catalog::validatePlan(p).isOk(), "applyPlanArgs accepted what validatePlan refuses: " + describe(p));
  core::Status valid = billing::validate(p.billing);
  FUZZ_CHECK(valid.isOk(), "accepted billing rules that do not validate: " + valid.message() + " " + describe(p));
  core::Result<billing::BillingRules> stored = billing::rulesFromJson(billing::rulesToJson(p.billing));
  FUZZ_CHECK(stored.isOk(), "accepted billing rules that cannot be loaded back: " + stored.status().message() + " " +
                                describe(p));
  FUZZ_CHECK(billing::rulesToJson(*stored).dump() == billing::rulesToJson(p.billing).dump(), "stored rules differ");
  Plan again = p;
  core::Status twice = catalog::applyPlanArgs(a, again);
  FUZZ_CHECK(twice.isOk() && describe(again) == describe(p),
             "applying the same arguments again changed the plan: " + describe(p) + " -> " + describe(again) + " " +
                 twice.message());
}

void subscriber(const core::Json& args) {
  core::CommandArgs a(args);
  core::Result<catalog::SubscriberFields> f = catalog::parseSubscriberFields(a);
  if (!f.isOk()) return;
  FUZZ_CHECK(a.only(catalog::subscriberArguments()).isOk(), "accepted an argument outside the table");
  if (f->username) {
    std::string canonical = catalog::canonicalUsername(*f->username);
    FUZZ_CHECK(catalog::canonicalUsername(canonical) == canonical, "the canonical username is not a fixed point");
    FUZZ_CHECK(aaa::auth::parseMac(canonical).has_value() == aaa::auth::parseMac(*f->username).has_value(),
               "canonicalization changed whether the username is a MAC");
  }
  const bool addable = catalog::validateSubscriber(*f, catalog::SubscriberChange::kAdd).isOk();
  const bool settable = catalog::validateSubscriber(*f, catalog::SubscriberChange::kSet).isOk();
  const bool hasPassword = f->password && !f->password->empty();
  if (addable) {
    FUZZ_CHECK(!f->username->empty() && f->username->size() <= catalog::kMaxUsernameOctets, "username length");
    FUZZ_CHECK(f->plan.has_value(), "an add without a plan");
    FUZZ_CHECK(hasPassword || aaa::auth::parseMac(*f->username), "an add without a password that is not MAC-named");
  }
  if (settable) FUZZ_CHECK(!f->password || hasPassword, "a set that empties the password");
  Subscriber s;
  core::Status applied = catalog::applySubscriberFields(*f, findPlan, false, s);
  // What the validation accepts can be stored: only the plan lookup may still refuse it, and for a
  // set, throttle without a rate in the change (this subscriber has none stored).
  if (addable || settable)
    FUZZ_CHECK(applied.isOk() || applied.code() == core::Code::kNotFound ||
                   (!addable && applied.message().rfind("dunning-rate: required", 0) == 0),
               "validated fields that cannot be applied: " + applied.message());
  if (!applied.isOk()) return;
  if (f->plan) FUZZ_CHECK(s.planId == 1 || s.planId == 2, "plan id");
  if (a.has("mac") && s.mac) {
    core::Result<std::optional<std::string>> text = a.text("mac");
    FUZZ_CHECK(aaa::auth::parseMac(**text) == s.mac, "MAC is not the one given");
  }
  if (a.has("static-ip") && s.staticIp) FUZZ_CHECK(s.staticIp->isV4(), "static-ip not IPv4");
  if (s.expiresAt != 0) FUZZ_CHECK(a.has("expires"), "expires out of nowhere");
  if (s.dunning == catalog::Dunning::kThrottle) FUZZ_CHECK(s.dunningRate.downBps != 0, "throttled without a rate");
  if (!s.dunningUrl.empty()) FUZZ_CHECK(s.dunningUrl.rfind("https://", 0) == 0 && s.dunningUrl.size() <= 253, "a dunning-url that is not https");
  FUZZ_CHECK(s.ntHash.has_value() == hasPassword, "credentials without a password, or a password without them");
  FUZZ_CHECK(s.cleartext.empty(), "cleartext kept although CHAP is off");
  Subscriber again = s;
  FUZZ_CHECK(catalog::applySubscriberFields(*f, findPlan, false, again).isOk() && describe(again) == describe(s) &&
                 again.ntHash == s.ntHash,
             "applying the same arguments again changed the subscriber");
}

void nas(const core::Json& args) {
  core::CommandArgs a(args);
  core::Result<catalog::NasClient> n = catalog::nasFromArgs(a);
  if (!n.isOk()) return;
  FUZZ_CHECK(a.only(catalog::nasArguments()).isOk(), "accepted an argument outside the table");
  FUZZ_CHECK(catalog::validateNas(*n).isOk(), "nasFromArgs accepted what validateNas refuses");
  FUZZ_CHECK(!n->name.empty(), "a NAS without a name");
  FUZZ_CHECK(!n->secret.empty() && n->secret.size() <= catalog::kMaxNasSecretOctets, "secret length");
  FUZZ_CHECK(n->coaPort != 0, "CoA port 0");
  // The stored form of the prefix reads back as the same prefix (the store keeps formatPrefix()).
  std::string error;
  std::optional<catalog::IpPrefix> back = catalog::parsePrefix(catalog::formatPrefix(n->prefix), &error);
  FUZZ_CHECK(back && back->address == n->prefix.address && back->length == n->prefix.length,
             "the prefix does not read back: " + catalog::formatPrefix(n->prefix) + " " + error);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  core::Result<core::Json> args =
      core::parseJsonWithComments(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1), "arguments");
  if (!args.isOk() || !args->is_object()) return 0;
  switch (data[0] % 3) {
    case 0: plan(*args); break;
    case 1: subscriber(*args); break;
    default: nas(*args); break;
  }
  return 0;
}
