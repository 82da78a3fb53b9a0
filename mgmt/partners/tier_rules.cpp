#include "mgmt/partners/tier_rules.h"

#include <cstdio>

#include "billing/commissions/commissions.h"
#include "billing/rating/rules.h"

namespace mgmt::partners {

using ::billing::commissions::kTiers;

namespace {

int indexOf(const std::string& tier) {
  for (int i = 0; i < 4; ++i)
    if (tier == kTiers[i]) return i;
  return 0;  // an unknown tier is reviewed as bronze
}

// The threshold less the margin, rounded up (the revenue must reach it).
int64_t floorOf(const TierRules& r, int i) {
  const __int128 num = static_cast<__int128>(r.thresholds[i]) * (10000 - r.hysteresisBp);
  return static_cast<int64_t>((num + 9999) / 10000);
}

}  // namespace

core::Result<TierRules> parseTierRules(const core::Json& spec) {
  if (!spec.is_object()) return core::invalidArgument("rules: expected a JSON object");
  for (auto it = spec.begin(); it != spec.end(); ++it) {
    const std::string& k = it.key();
    if (k != "currency" && k != "window-months" && k != "silver" && k != "gold" && k != "platinum" && k != "hysteresis-bp")
      return core::invalidArgument("rules: unknown key '" + k +
                                   "' (known: currency, window-months, silver, gold, platinum, hysteresis-bp)");
  }
  TierRules r;
  if (!spec.contains("currency") || !spec["currency"].is_string())
    return core::invalidArgument("currency: the thresholds' currency, such as EUR");
  r.currency = spec["currency"].get<std::string>();
  if (spec.contains("window-months")) {
    if (!spec["window-months"].is_number_integer() || spec["window-months"].get<int64_t>() < 1 ||
        spec["window-months"].get<int64_t>() > 36)
      return core::invalidArgument("window-months: a whole number of months from 1 to 36");
    r.windowMonths = spec["window-months"].get<int64_t>();
  }
  if (spec.contains("hysteresis-bp")) {
    if (!spec["hysteresis-bp"].is_number_integer() || spec["hysteresis-bp"].get<int64_t>() < 0 ||
        spec["hysteresis-bp"].get<int64_t>() > 5000)
      return core::invalidArgument("hysteresis-bp: basis points from 0 to 5000 (1000 = 10%)");
    r.hysteresisBp = spec["hysteresis-bp"].get<int64_t>();
  }
  for (int i = 1; i < 4; ++i) {
    const char* key = kTiers[i];
    if (!spec.contains(key) || !spec[key].is_string())
      return core::invalidArgument(std::string(key) + ": the trailing revenue that reaches " + key + ", such as \"10000.00\"");
    core::Result<int64_t> m = ::billing::parseMoney(spec[key].get<std::string>(), r.currency);
    if (!m.isOk() || *m <= 0) return core::invalidArgument(std::string(key) + ": a positive amount such as \"10000.00\"");
    if (*m <= r.thresholds[i - 1])
      return core::invalidArgument(std::string(key) + ": must be above " + kTiers[i - 1] + "'s threshold");
    r.thresholds[i] = *m;
  }
  return r;
}

core::Json tierRulesJson(const TierRules& r) {
  core::Json j{{"currency", r.currency}, {"window-months", r.windowMonths}, {"hysteresis-bp", r.hysteresisBp}};
  for (int i = 1; i < 4; ++i) {
    std::string m = ::billing::formatMoney(r.thresholds[i], r.currency);
    j[kTiers[i]] = m.substr(0, m.find(' '));
  }
  return j;
}

TierProposal proposeTier(const TierRules& r, const std::string& current, int64_t revenue) {
  TierProposal p;
  p.current = current;
  p.revenue = revenue;
  const int cur = indexOf(current);
  auto money = [&](int64_t m) { return ::billing::formatMoney(m, r.currency); };
  const std::string trailing = "trailing " + std::to_string(r.windowMonths) + " months " + money(revenue);
  int reached = 0;
  for (int i = 1; i < 4; ++i)
    if (revenue >= r.thresholds[i]) reached = i;
  if (reached > cur) {
    p.proposed = kTiers[reached];
    p.why = trailing + " reached " + kTiers[reached] + "'s " + money(r.thresholds[reached]) + ": up from " + current;
    return p;
  }
  if (cur == 0 || revenue >= r.thresholds[cur]) {
    p.proposed = current;
    p.why = trailing + " keeps " + current;
    if (cur < 3) p.why += " (" + std::string(kTiers[cur + 1]) + " needs " + money(r.thresholds[cur + 1]) + ")";
    return p;
  }
  char margin[32];
  std::snprintf(margin, sizeof margin, "%lld.%02lld%%", static_cast<long long>(r.hysteresisBp / 100),
                static_cast<long long>(r.hysteresisBp % 100));
  if (revenue >= floorOf(r, cur)) {
    p.proposed = current;
    p.why = trailing + " is below " + current + "'s " + money(r.thresholds[cur]) + " but within the " + margin +
            " margin (" + money(floorOf(r, cur)) + "): stays " + current;
    return p;
  }
  int to = 0;
  for (int i = cur - 1; i >= 1; --i)
    if (revenue >= floorOf(r, i)) {
      to = i;
      break;
    }
  p.proposed = kTiers[to];
  p.why = trailing + " is below " + current + "'s " + money(r.thresholds[cur]) + " less the " + margin + " margin (" +
          money(floorOf(r, cur)) + "): down to " + kTiers[to];
  return p;
}

}  // namespace mgmt::partners
