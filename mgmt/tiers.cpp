#include "mgmt/tiers.h"

#include <algorithm>

#include "core/license.h"

namespace mgmt {

bool Tier::hasPlugin(const std::string& plugin) const {
  return std::find(plugins.begin(), plugins.end(), plugin) != plugins.end();
}

int64_t Tier::priceFor(int64_t months) const { return months == 12 ? annualPriceMinor : monthlyPriceMinor * months; }

const std::vector<Tier>& tiers() {
  // Free up to 100 subscribers, Basic 1,000, Premium 10,000, Enterprise unlimited (the price list):
  // $0, $49, $149 and $399 a month, or ten times that a year.
  static const std::vector<Tier> list = [] {
    const std::vector<std::string> free = {kPluginCustomerManagement, kPluginBilling, kPluginManualInvoicing};
    std::vector<std::string> basic = free;
    basic.insert(basic.end(), {kPluginAutomatedBilling, kPluginEmailNotifications, kPluginCustomBranding, kPluginApi});
    std::vector<std::string> premium = basic;
    premium.insert(premium.end(), {kPluginSnmpMonitoring, kPluginWhiteLabel, kPluginAdvancedAnalytics});
    std::vector<std::string> enterprise = premium;
    enterprise.insert(enterprise.end(), {kPluginAutomation, kPluginCustomIntegrations, kPluginSla});
    return std::vector<Tier>{
        {"free", 100, {core::kFeatureCaptivePortal}, free, 1, 10, 0, 0},
        {"basic", 1000, {core::kFeatureCaptivePortal, core::kFeatureVouchers, core::kFeatureSnmp}, basic, 5, 20, 4900, 49000},
        {"premium", 10000,
         {core::kFeatureCaptivePortal, core::kFeatureVouchers, core::kFeatureSnmp, core::kFeatureFairUse,
          core::kFeatureApi},
         premium, 25, 100, 14900, 149000},
        {"enterprise", 0,
         {core::kFeatureCaptivePortal, core::kFeatureVouchers, core::kFeatureSnmp, core::kFeatureFairUse,
          core::kFeatureApi, core::kFeatureResellers},
         enterprise, 100, 400, 39900, 399000},
    };
  }();
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

std::vector<std::string> pluginNames() { return tiers().back().plugins; }

const Tier* lowestTierWith(const std::string& plugin) {
  for (const Tier& t : tiers())
    if (t.hasPlugin(plugin)) return &t;
  return nullptr;
}

std::optional<std::string> pluginRefusal(const std::string& tier, const std::string& command, const std::string& plugin) {
  const Tier* t = findTier(tier);
  if (t != nullptr && t->hasPlugin(plugin)) return std::nullopt;
  const Tier* with = lowestTierWith(plugin);
  return command + " needs the " + plugin + " plugin, which " +
         (with != nullptr ? "the " + with->name + " tier" + (with->name == "enterprise" ? "" : " and above") + " ha" +
                                (with->name == "enterprise" ? "s" : "ve")
                          : std::string("no tier has")) +
         " (this tenant is on " + tier + ")";
}

}  // namespace mgmt
