// The price list as data: what each tier allows (subscriber cap, the box license's features, the
// management plane's plugins, the admin API's rate per token).
//
// Plugins (issue 23, the seeds' tiers): Free has customer management, billing and manual invoicing;
// Basic adds automated billing, email notifications, custom branding and a limited API; Premium adds
// SNMP monitoring, the full API, white label and advanced analytics; Enterprise adds automation,
// custom integrations and an SLA. A command that needs a plugin names it in its spec (Spec::feature);
// the command table refuses it for a tenant whose tier lacks it, naming the plugin and the tier that
// has it (pluginRefusal).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mgmt {

inline constexpr const char* kPluginCustomerManagement = "customer-management";
inline constexpr const char* kPluginBilling = "billing";
inline constexpr const char* kPluginManualInvoicing = "manual-invoicing";
inline constexpr const char* kPluginAutomatedBilling = "automated-billing";
inline constexpr const char* kPluginEmailNotifications = "email-notifications";
inline constexpr const char* kPluginCustomBranding = "custom-branding";
inline constexpr const char* kPluginApi = "api";  // limited on basic, full from premium (the rate)
inline constexpr const char* kPluginSnmpMonitoring = "snmp-monitoring";
inline constexpr const char* kPluginWhiteLabel = "white-label";
inline constexpr const char* kPluginAdvancedAnalytics = "advanced-analytics";
inline constexpr const char* kPluginAutomation = "automation";
inline constexpr const char* kPluginCustomIntegrations = "custom-integrations";
inline constexpr const char* kPluginSla = "sla";

// The currency of the platform's own books (its tenants' subscriptions, ADR 0071).
inline constexpr const char* kPlatformCurrency = "USD";

struct Tier {
  std::string name;
  uint64_t subscriberCap = 0;  // 0 = unlimited
  std::vector<std::string> features;  // the box license's (core/license.h)
  std::vector<std::string> plugins;   // the management plane's
  // The admin API per token: a bucket of `apiBurst` requests refilled at `apiPerSecond`.
  double apiPerSecond = 0;
  double apiBurst = 0;
  // What the platform bills a tenant on this tier (ADR 0071), in minor units of
  // kPlatformCurrency: a month, and a year paid at once (ten months' price: two months free).
  int64_t monthlyPriceMinor = 0;
  int64_t annualPriceMinor = 0;

  bool hasPlugin(const std::string& plugin) const;
  // The price of one billing period of `months` (1 or 12; a quarter is three months).
  int64_t priceFor(int64_t months) const;
};

// nullptr for an unknown name.
const Tier* findTier(const std::string& name);
const std::vector<Tier>& tiers();
// "free, basic, premium, enterprise"
std::string tierNames();
// Every plugin some tier has.
std::vector<std::string> pluginNames();
// The cheapest tier with `plugin`; nullptr when none has it.
const Tier* lowestTierWith(const std::string& plugin);
// The refusal for a tenant on `tier` asking for `command` that needs `plugin`: nullopt when the tier
// has it. "branding-set needs the custom-branding plugin, which the basic tier has (this tenant is on
// free)".
std::optional<std::string> pluginRefusal(const std::string& tier, const std::string& command, const std::string& plugin);

}  // namespace mgmt
