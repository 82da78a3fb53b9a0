// Automatic tier changes by trailing performance (issue 25, ADR 0055): the pure rule of
// `partner tiers-review`. No I/O; the service sums the partner's paid base over the window and asks.
//
// Rules (docs/partners.md, "Automatic tiers"):
//  - A partner's trailing revenue is its paid commissionable base (commission_volumes) over the
//    `window-months` whole calendar months before the review day's month.
//  - Thresholds per tier in the scope's currency: bronze 0 < silver < gold < platinum.
//  - Up: a partner goes up to the highest tier whose threshold the revenue reaches.
//  - Down, with hysteresis: a partner keeps its tier while the revenue is at least the tier's
//    threshold less `hysteresis-bp` (1000 = 10%); below that it drops to the highest lower tier whose
//    threshold less the same margin the revenue still reaches. So a partner near a threshold does
//    not flip up and down from one review to the next.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "core/json.h"
#include "core/status.h"

namespace mgmt::partners {

struct TierRules {
  std::string currency;
  int64_t windowMonths = 12;
  std::array<int64_t, 4> thresholds{};  // minor units, by billing::commissions::kTiers order; [0] = 0
  int64_t hysteresisBp = 1000;
};

// {"currency": "EUR", "window-months": 12, "silver": "10000.00", "gold": "50000.00",
//  "platinum": "150000.00", "hysteresis-bp": 1000}. Errors name the key.
core::Result<TierRules> parseTierRules(const core::Json& spec);
core::Json tierRulesJson(const TierRules& rules);

struct TierProposal {
  std::string current, proposed;
  int64_t revenue = 0;
  std::string why;
  bool changes() const { return current != proposed; }
};

TierProposal proposeTier(const TierRules& rules, const std::string& current, int64_t revenue);

}  // namespace mgmt::partners
