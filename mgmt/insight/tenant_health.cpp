#include "mgmt/insight/tenant_health.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "mgmt/tiers.h"

namespace mgmt::insight {

namespace {

double clamp01(double x) { return std::max(0.0, std::min(1.0, x)); }

std::string percent(double share) {
  const long p = std::lround(share * 100);
  return std::to_string(p) + "%";
}

std::string plural(int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

HealthFactor factor(const char* name, int weight) {
  HealthFactor f;
  f.name = name;
  f.weight = weight;
  return f;
}

void set(HealthFactor& f, double value, std::string words) {
  f.known = true;
  f.value = clamp01(value);
  f.points = f.weight * f.value;
  f.words = std::move(words);
}

}  // namespace

TenantHealth tenantHealth(const TenantSignals& s) {
  TenantHealth h;
  h.tenantId = s.tenantId;
  h.name = s.name;
  h.tier = s.tier;
  HealthFactor devices = factor("devices", 25), payments = factor("payments", 25), growth = factor("growth", 20),
               churn = factor("churn", 30);
  if (s.boxes > 0) {
    std::string words = plural(s.boxesOffline, "box", "boxes") + " of " + std::to_string(s.boxes) + " offline";
    if (s.boxesAlarming > 0) words += ", " + std::to_string(s.boxesAlarming) + " reporting alarms";
    set(devices, 1.0 - (s.boxesOffline + 0.5 * s.boxesAlarming) / static_cast<double>(s.boxes), words);
  } else {
    devices.words = "no boxes yet";
  }
  const int64_t base = s.subscriptions > 0 ? s.subscriptions : s.customers;
  if (base > 0) {
    const double share = static_cast<double>(s.inDunning) / static_cast<double>(base);
    set(payments, 1.0 - 5.0 * share,
        std::to_string(s.inDunning) + " of " + std::to_string(base) + " subscriptions in dunning (" + percent(share) + ")");
  } else {
    payments.words = "no subscriptions yet";
  }
  if (s.customers > 0 || s.customersMonthAgo > 0) {
    if (s.customersMonthAgo == 0) {
      set(growth, 1.0, plural(s.customers, "customer", "customers") + ", every one joined in 30 days");
    } else {
      const double g = static_cast<double>(s.customers - s.customersMonthAgo) / static_cast<double>(s.customersMonthAgo);
      const long p = std::lround(g * 100);
      set(growth, 0.6 + 8.0 * g,
          "customers " + std::string(p >= 0 ? "+" : "") + std::to_string(p) + "% in 30 days (" +
              std::to_string(s.customersMonthAgo) + " to " + std::to_string(s.customers) + ")");
    }
  } else {
    growth.words = "no customers yet";
  }
  if (s.scored > 0) {
    set(churn, 1.0 - s.meanScore / 40.0,
        "mean churn risk " + std::to_string(std::lround(s.meanScore)) + "/100, " +
            plural(s.atRisk, "customer", "customers") + " at risk");
  } else {
    churn.words = "no churn scores yet";
  }
  h.factors = {devices, payments, growth, churn};
  double points = 0, weights = 0, lost = 0;
  for (const HealthFactor& f : h.factors) {
    if (!f.known) continue;
    points += f.points;
    weights += f.weight;
    if (f.weight - f.points > lost + 1e-9) {
      lost = f.weight - f.points;
      h.weakest = f.words;
    }
  }
  h.known = weights > 0;
  if (!h.known) {
    h.band = "no data";
    return h;
  }
  h.score = static_cast<int>(std::lround(100.0 * points / weights));
  h.band = h.score >= 70 ? "healthy" : h.score >= 40 ? "watch" : "at risk";
  return h;
}

std::optional<std::string> premiumUpsell(const TenantSignals& s) {
  std::vector<std::string> why;
  if (s.subscriberCap > 0 && s.subscribers * 10 >= static_cast<int64_t>(s.subscriberCap) * 8)
    why.push_back("uses " + std::to_string(s.subscribers) + " of the " + std::to_string(s.subscriberCap) +
                  " subscribers its " + s.tier + " tier allows");
  std::map<std::string, int> asked;
  for (const std::string& p : s.askedPlugins) ++asked[p];
  for (const auto& [plugin, n] : asked) {
    const Tier* t = lowestTierWith(plugin);
    why.push_back("asked for " + plugin + (t != nullptr ? " (" + t->name + ")" : std::string()) + " " +
                  plural(n, "time", "times") + " in 30 days");
  }
  if (why.empty()) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < why.size(); ++i) out += (i == 0 ? "" : "; ") + why[i];
  return out;
}

std::string retentionAction(const std::string& factors) {
  // The model names the strongest cause first; the first match in the text decides.
  struct Rule {
    const char* words;
    const char* action;
  };
  static const Rule rules[] = {
      {"outage", "apologise for the outages and offer a service credit"},
      {"dunning", "call about the unpaid invoices and offer a payment plan"},
      {"late payment", "offer automatic card payment or a payment plan"},
      {"failed payment", "ask for a new card or another way to pay"},
      {"rejected login", "send a technician: the line or the router keeps failing logins"},
      {"cheaper plan", "offer a loyalty discount on the current plan"},
      {"quota ran out", "offer a plan with a bigger quota"},
      {"usage", "call to ask how the service is doing and offer a loyalty discount"},
      {"sessions", "call to ask how the service is doing and offer a loyalty discount"},
  };
  size_t best = std::string::npos;
  const char* action = "call to ask how the service is doing";
  for (const Rule& r : rules) {
    size_t at = factors.find(r.words);
    if (at != std::string::npos && (best == std::string::npos || at < best)) {
      best = at;
      action = r.action;
    }
  }
  return action;
}

std::optional<CustomerUpsell> customerUpsell(const History& h, int32_t today) {
  if (h.endDay() != today) return std::nullopt;  // no longer a customer
  CustomerUpsell u;
  u.customerId = h.customerId;
  for (int32_t d = std::max(h.firstDay, today - 90); d < std::min(h.endDay(), today); ++d) {
    const Day& day = h.days[static_cast<size_t>(d - h.firstDay)];
    u.exhausted += day[kQuotaExhausted] > 0 ? 1 : 0;
    u.topUps += day[kTopUps];
  }
  if (u.exhausted < 2 && u.topUps < 2) return std::nullopt;
  std::vector<std::string> parts;
  if (u.exhausted > 0) parts.push_back("quota ran out " + plural(u.exhausted, "time", "times"));
  if (u.topUps > 0) parts.push_back(plural(u.topUps, "top-up", "top-ups"));
  u.words = parts[0] + (parts.size() > 1 ? " and " + parts[1] : std::string()) + " in 90 days";
  return u;
}

}  // namespace mgmt::insight
