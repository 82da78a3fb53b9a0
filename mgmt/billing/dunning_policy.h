// A tenant's dunning policy and the step a subscription has reached (issue 24; docs/billing.md
// "Dunning"; ADR 0047). Pure: no storage, no clock.
//
// A policy is an ordered list of steps, each "after N days past due, do this": remind (a mail),
// throttle (the subscriber's rate drops to the step's rate), walled (only the walled garden and the
// pay page), suspend (Access-Reject), terminate (the subscriber is disabled on mgmt). A subscription
// N days past due has reached the last step whose after-days <= N; what the box gets for it is the
// most severe action among the steps up to there (a reminder after a throttle keeps the throttle).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/status.h"

namespace mgmt::billing {

enum class DunningAction { kRemind = 0, kThrottle = 1, kWalled = 2, kSuspend = 3, kTerminate = 4 };
const char* dunningActionName(DunningAction a);  // "remind", "throttle", ...

struct DunningStep {
  int64_t afterDays = 0;  // 1..kMaxDunningDays past the due day
  DunningAction action = DunningAction::kRemind;
  std::string rate;  // throttle (required) and walled (optional): DOWN/UP in the plans' syntax
  std::string mail;  // a mail template: required for remind, optional for the others
};

struct DunningPolicy {
  std::vector<DunningStep> steps;  // by afterDays, strictly increasing; empty: dunning off
};

inline constexpr size_t kMaxDunningSteps = 10;
inline constexpr int64_t kMaxDunningDays = 365;
inline constexpr size_t kMaxDunningPolicyBytes = 8192;

// Parses and checks a policy's JSON text: an array of at most kMaxDunningSteps objects with keys
// after-days (integer 1..365, strictly increasing), action (remind|throttle|walled|suspend|
// terminate), rate (required for throttle, allowed for walled, refused otherwise; checked by
// `rateOk`), mail (required for remind; one of `mailTemplates`). The actions that reach the box
// never get milder along the list (a reminder may come anywhere) and terminate can only be last.
// InvalidArgument naming the step and the key ("steps[2].rate: ...").
using RateCheck = core::Status (*)(const std::string& rate);
core::Result<DunningPolicy> parseDunningPolicy(const std::string& text, const std::vector<std::string>& mailTemplates,
                                               RateCheck rateOk);
core::Json dunningPolicyJson(const DunningPolicy& p);

// The policy `dunning-policy set --steps default` sets (documented in docs/billing.md).
const DunningPolicy& defaultDunningPolicy();

// What a subscription `daysPastDue` past its due day has reached: the step's number (1-based; 0 =
// none, also for daysPastDue <= 0) and what the box gets for it.
struct DunningStanding {
  int step = 0;
  std::string action;   // the reached step's action; "" at step 0
  std::string dunning;  // the subscriber's "dunning": "", "throttle", "walled", "suspend"
  std::string rate;     // its "dunning-rate" ("" = none)
  bool terminate = false;  // a terminate step has been reached
  bool operator==(const DunningStanding& o) const {
    return step == o.step && action == o.action && dunning == o.dunning && rate == o.rate && terminate == o.terminate;
  }
};
DunningStanding standingAt(const DunningPolicy& p, int64_t daysPastDue);

// The more severe of two subscriber dunning values ("" < throttle < walled < suspend).
int dunningSeverity(const std::string& dunning);

}  // namespace mgmt::billing
