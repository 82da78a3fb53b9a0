#include "mgmt/tiers.h"

#include "core/license.h"

namespace mgmt {

const std::vector<Tier>& tiers() {
  // Free up to 100 subscribers, Basic 1,000, Premium 10,000, Enterprise unlimited (the price list).
  static const std::vector<Tier> list = {
      {"free", 100, {core::kFeatureCaptivePortal}},
      {"basic", 1000, {core::kFeatureCaptivePortal, core::kFeatureVouchers, core::kFeatureSnmp}},
      {"premium", 10000,
       {core::kFeatureCaptivePortal, core::kFeatureVouchers, core::kFeatureSnmp, core::kFeatureFairUse,
        core::kFeatureApi}},
      {"enterprise", 0,
       {core::kFeatureCaptivePortal, core::kFeatureVouchers, core::kFeatureSnmp, core::kFeatureFairUse,
        core::kFeatureApi, core::kFeatureResellers}},
  };
  return list;
}

const Tier* findTier(const std::string& name) {
  for (const Tier& t : tiers())
    if (t.name == name) return &t;
  return nullptr;
}

std::string tierNames() {
  std::string out;
  for (const Tier& t : tiers()) out += (out.empty() ? "" : ", ") + t.name;
  return out;
}

}  // namespace mgmt
