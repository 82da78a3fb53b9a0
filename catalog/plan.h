// Plans: rates, bursts, timeouts and the billing rules (billing/rating) a subscriber's sessions get,
// as values, with their one argument table and their one validation. plan-add and plan-set on the
// box and plan-add/plan-set in mgmt all go through applyPlanArgs(), so a plan mgmt accepts is one
// every box accepts. Errors name the argument; their codes are core::Status codes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "billing/rating/rules.h"
#include "core/command_args.h"
#include "core/status.h"

namespace catalog {

struct Plan {
  int64_t id = 0;
  std::string name;
  uint64_t downBps = 0;        // subscriber's download (NAS transmit) rate
  uint64_t upBps = 0;          // subscriber's upload
  uint64_t burstDownBps = 0;   // 0: no burst
  uint64_t burstUpBps = 0;
  uint32_t burstThresholdPercent = 75;  // burst until the average reaches this share of the rate
  uint32_t burstTimeSeconds = 10;
  uint32_t sessionTimeout = 0;  // seconds, 0 = none
  uint32_t idleTimeout = 0;
  uint32_t interimInterval = 300;
  uint32_t maxSessions = 0;     // 0 = unlimited
  std::string ipPool;           // optional Framed-Pool
  billing::BillingRules billing;  // price, period, quotas, fair use, windows, validity
};

// Limits of the plan arguments (each refused above its limit, naming the argument).
inline constexpr size_t kMaxPlanNameLength = 64;
inline constexpr int64_t kMaxBurstThresholdPercent = 100;
inline constexpr int64_t kMaxBurstTimeSeconds = 3600;
inline constexpr int64_t kMaxPlanTimeoutSeconds = 31 * 86400;  // session-timeout and idle-timeout
inline constexpr int64_t kMaxInterimSeconds = 86400;
inline constexpr int64_t kMinInterimSeconds = 60;               // RFC 2869 5.16; 0 = none
inline constexpr int64_t kMaxPlanSessions = 100000;

// Every argument plan-add and plan-set take: name; down, up, burst-down, burst-up (rates: 512k, 10M,
// 1G); burst-threshold (percent), burst-time, session-timeout, idle-timeout, interim (seconds),
// max-sessions, ip-pool; billing: price, currency, period, period-anchor, data-quota, fup (one or a
// list), time-quota, validity, window (one or a list); forms in billing/rating/rules.h.
const std::vector<core::command::Arg>& planArguments();

// Applies plan-add's or plan-set's arguments onto `p` (a default Plan for an add, the stored plan for
// a set): unknown arguments refused, each given argument's form and limits checked, then the result
// as a whole by validatePlan(). A given name replaces p.name. Errors name the argument.
core::Status applyPlanArgs(const core::CommandArgs& a, Plan& p);

// The one check of a plan value: a name of 1..kMaxPlanNameLength characters, billing rules that
// validate (billing::validate), both rates, bursts at or above their rates, an interim of 0 or at
// least kMinInterimSeconds.
core::Status validatePlan(const Plan& p);

}  // namespace catalog
