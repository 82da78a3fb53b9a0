// Validating plan and subscriber changes given as command arguments (the edgectl/mgmtctl flags as
// JSON): one implementation for the appliance, which applies them, and the management plane, which
// checks them before it stores and distributes them, so a change mgmt accepted is one every box
// accepts.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>

#include "aaa/policy/model.h"
#include "core/command_args.h"
#include "core/status.h"

namespace aaa::policy {

// Every argument plan-add and plan-set take.
extern const std::initializer_list<const char*> kPlanArguments;

// Applies the optional plan arguments (rates, timeouts, billing) onto `p`, then checks the result as
// a whole (rates present, bursts above rates, interim at least 60 s). Errors name the argument.
core::Status applyPlanArgs(const core::CommandArgs& a, Plan& p);

// Resolves a plan name to its id; nullopt when there is no such plan.
using PlanLookup = std::function<std::optional<int64_t>(const std::string& name)>;
// Applies plan, status, expires, mac and static-ip onto `s`. The password is the caller's.
core::Status applySubscriberArgs(const core::CommandArgs& a, const PlanLookup& findPlan, Subscriber& s);

}  // namespace aaa::policy
