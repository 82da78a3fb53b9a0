// The price list as data: what each tier allows (subscriber cap, features).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mgmt {

struct Tier {
  std::string name;
  uint64_t subscriberCap = 0;  // 0 = unlimited
  std::vector<std::string> features;
};

// nullptr for an unknown name.
const Tier* findTier(const std::string& name);
const std::vector<Tier>& tiers();
// "free, basic, premium, enterprise"
std::string tierNames();

}  // namespace mgmt
