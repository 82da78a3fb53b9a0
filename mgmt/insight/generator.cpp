#include "mgmt/insight/generator.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace mgmt::insight {

const char* causeName(Cause cause) {
  switch (cause) {
    case Cause::kOutage: return "outage";
    case Cause::kMoney: return "money";
    case Cause::kCompetitor: return "competitor";
    case Cause::kLine: return "line";
    case Cause::kNone: break;
  }
  return "none";
}

namespace {

// splitmix64: small, fast, and the same numbers on every platform (std's distributions are not).
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  int below(int n) { return static_cast<int>(uniform() * n); }
  bool chance(double p) { return uniform() < p; }
  double normal() {
    const double u1 = std::max(uniform(), 1e-300), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  int poisson(double lambda) {
    if (lambda <= 0) return 0;
    if (lambda > 30) return std::max(0, static_cast<int>(std::lround(lambda + std::sqrt(lambda) * normal())));
    const double limit = std::exp(-lambda);
    double p = uniform();
    int k = 0;
    while (p > limit) {
      p *= uniform();
      ++k;
    }
    return k;
  }

 private:
  uint64_t s_;
};

uint64_t mix(uint64_t a, uint64_t b, uint64_t c) {
  Rng r(a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL) * 0xbf58476d1ce4e5b9ULL ^ c * 0x94d049bb133111ebULL);
  r.next();
  return r.next();
}

uint16_t clamp16(double v) { return static_cast<uint16_t>(std::clamp(v, 0.0, 65535.0)); }

double logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace

Generator::Generator(GeneratorConfig config) : config_(config) {
  for (int t = 0; t < config_.tenants; ++t) {
    Rng r(mix(config_.seed, static_cast<uint64_t>(t), 0xfeedULL));
    Tenant tenant;
    tenant.id = "tenant-" + std::to_string(t + 1);
    tenant.index = t;
    tenant.baseHazard = r.uniform(0.00004, 0.00009);
    tenant.outageRate = r.uniform(1.0 / 200, 1.0 / 90);
    tenant.priceFactor = r.uniform(0.7, 1.3);
    tenant.areas = 6 + r.below(12);
    tenant.outageMinutes.assign(tenant.areas, std::vector<uint16_t>(config_.days, 0));
    for (auto& area : tenant.outageMinutes) {
      for (int d = 0; d < config_.days; ++d) {
        if (!r.chance(tenant.outageRate)) continue;
        // Most outages are short; one in six takes a street down for hours or days.
        int minutes = r.chance(1.0 / 6) ? 240 + r.below(2600) : 10 + r.below(110);
        for (int k = d; k < config_.days && minutes > 0; ++k) {
          const int today = std::min(minutes, 1440 - static_cast<int>(area[k]));
          area[k] = static_cast<uint16_t>(area[k] + today);
          minutes -= today;
        }
      }
    }
    tenants_.push_back(std::move(tenant));
  }
}

std::vector<Generated> Generator::all() const {
  std::vector<Generated> out;
  out.reserve(static_cast<size_t>(config_.tenants) * config_.customersPerTenant);
  for (int t = 0; t < config_.tenants; ++t)
    for (int i = 0; i < config_.customersPerTenant; ++i) out.push_back(customer(t, i));
  return out;
}

Generated Generator::customer(int tenantIndex, int index) const {
  const Tenant& tenant = tenants_[tenantIndex];
  Rng r(mix(config_.seed, static_cast<uint64_t>(tenantIndex) + 1, static_cast<uint64_t>(index)));
  Generated g;
  History& h = g.history;
  h.tenantId = tenant.id;
  h.customerId = "c" + std::to_string(index);
  // Seven in ten were customers before the history starts; the others join during it.
  h.joinedDay = r.chance(0.7) ? config_.firstDay - r.below(900) : config_.firstDay + r.below(config_.days - 60);
  h.firstDay = std::max(h.joinedDay, config_.firstDay);
  const int32_t end = config_.firstDay + config_.days;

  // The customer's constants.
  const double s0 = std::clamp(0.72 + 0.1 * r.normal(), 0.45, 0.95);  // satisfaction at rest
  const double baseUsage = std::exp(std::log(700.0) + 0.6 * r.normal());  // MB/day
  double cap = baseUsage * 30 * r.uniform(0.75, 1.8);                    // MB per month
  const int area = r.below(tenant.areas);
  const bool fragile = r.chance(0.25);
  const double moneyRate = (fragile ? 0.002 : 0.0003) * tenant.priceFactor;
  const double competitorRate = 0.0006;
  const double lineRate = 0.0008;
  const int billingDay = r.below(30);

  // The latent state and the episodes.
  double s = s0;
  int moneyLeft = 0, competitorLeft = 0, competitorLength = 0, lineLeft = 0;
  int unpaidSince = -1;    // day index of a failed invoice not yet paid
  int latePayOn = -1;      // day index a late invoice gets paid
  int dunning = 0;
  int32_t leavesOn = -1;  // decided to leave: the subscription ends at the end of the notice
  Cause decidedFor = Cause::kNone;
  double decidedShare = 0;
  double monthUsage = 0;
  int exhaustedMonths = 0;
  bool exhaustedThisMonth = false;
  // What each cause took from the satisfaction over the last 90 days (a ring of days).
  std::array<std::array<double, 4>, 90> lost{};

  for (int32_t day = h.firstDay; day < end; ++day) {
    const int di = day - config_.firstDay;
    Day out{};
    std::array<double, 4> drop{};  // outage, money, competitor, line

    // Episodes start.
    if (moneyLeft == 0 && r.chance(moneyRate)) moneyLeft = 60 + r.below(100);
    if (competitorLeft == 0 && r.chance(competitorRate)) competitorLength = competitorLeft = 40 + r.below(60);
    if (lineLeft == 0 && r.chance(lineRate)) lineLeft = 60 + r.below(120);

    const int outage = tenant.outageMinutes[area][di];
    out[kOutageMinutes] = static_cast<uint16_t>(outage);
    drop[0] = outage / 1440.0 * 0.4;
    if (moneyLeft > 0) drop[1] += 0.003;
    if (competitorLeft > 0) drop[2] += 0.009;
    if (lineLeft > 0) drop[3] += 0.004;

    // Billing: one invoice a month on the customer's day.
    bool terminated = false;
    if ((day - h.joinedDay) % 30 == billingDay % 30 && unpaidSince < 0 && latePayOn < 0) {
      if (moneyLeft > 0) {
        if (r.chance(0.3 * tenant.priceFactor)) {
          unpaidSince = day;
          out[kPaymentFailed] += 1;
          drop[1] += 0.04;
        } else if (r.chance(0.7)) {
          latePayOn = day + 4 + r.below(18);
        }
      } else if (r.chance(0.008)) {
        unpaidSince = day;  // a card that expired
        out[kPaymentFailed] += 1;
      } else if (r.chance(0.03)) {
        latePayOn = day + 2 + r.below(10);
      }
    }
    if (latePayOn == day) {
      out[kInvoiceLate] = 1;
      latePayOn = -1;
    }
    if (unpaidSince >= 0) {
      const int waited = day - unpaidSince;
      dunning = waited >= 20 ? 3 : waited >= 10 ? 2 : waited >= 3 ? 1 : 0;
      // Someone without money trouble pays within days; someone in it may be cut off at 45 days.
      const double payChance = moneyLeft > 0 ? 0.035 : 0.3;
      if (waited > 1 && waited % 7 == 0 && r.chance(0.5)) out[kPaymentFailed] += 1;  // retries
      if (r.chance(payChance)) {
        out[kInvoiceLate] += 1;
        unpaidSince = -1;
        dunning = 0;
      } else if (waited >= 45) {
        terminated = r.chance(0.55);
        if (!terminated) {
          out[kInvoiceLate] += 1;
          unpaidSince = -1;
          dunning = 0;
        }
      }
    }
    out[kDunningStep] = static_cast<uint16_t>(dunning);
    const bool suspended = dunning >= 3;

    // Satisfaction: pulled back to rest, pushed down by the episodes, with noise.
    const double totalDrop = drop[0] + drop[1] + drop[2] + drop[3];
    s += 0.012 * (s0 - s) - totalDrop + 0.012 * r.normal();
    s = std::clamp(s, -0.5, 1.2);
    lost[di % 90] = drop;

    // What can be seen.
    const double progress = competitorLeft > 0 ? 1.0 - static_cast<double>(competitorLeft) / competitorLength : 0.0;
    double uMult = std::exp(0.8 * (s - s0)) * (competitorLeft > 0 ? 1.0 - 0.65 * progress : 1.0);
    if (exhaustedThisMonth) uMult *= 0.35;  // throttled
    if (leavesOn >= 0) uMult *= 0.5;     // moving over to whoever they are leaving for
    double usage = suspended ? 0.0 : baseUsage * uMult * std::exp(0.35 * r.normal()) * (1.0 - outage / 1440.0);
    if (day % 7 == 5 || day % 7 == 6) usage *= 1.3;
    out[kUsageMb] = clamp16(usage);
    out[kSessions] = static_cast<uint16_t>(std::min(500, suspended ? 0 : r.poisson(1.6 * std::min(uMult, 1.5) + (lineLeft > 0 ? 4.0 : 0.0))));
    out[kRejects] = static_cast<uint16_t>(std::min(500, r.poisson(0.03 + (lineLeft > 0 ? 1.8 : 0.0) + (suspended ? 5.0 : 0.0))));

    if ((day - h.joinedDay) % 30 == billingDay % 30) {
      exhaustedMonths = exhaustedThisMonth ? exhaustedMonths + 1 : 0;
      exhaustedThisMonth = false;
      monthUsage = 0;
    }
    monthUsage += usage;
    if (!exhaustedThisMonth && monthUsage > cap) {
      out[kQuotaExhausted] = 1;
      if (r.chance(s > 0.55 ? 0.6 : 0.2)) {
        out[kTopUps] = 1;
        monthUsage -= cap / 4;
      } else {
        exhaustedThisMonth = true;
      }
    }
    if (exhaustedMonths >= 2 && s > 0.55 && r.chance(0.02)) {
      out[kPlanUp] = 1;
      cap *= 1.5;
      exhaustedMonths = 0;
    } else if ((s < 0.4 || moneyLeft > 0) && r.chance(0.003)) {
      out[kPlanDown] = 1;
      cap *= 0.7;
    }

    h.days.push_back(out);
    if (moneyLeft > 0) --moneyLeft;
    if (competitorLeft > 0) --competitorLeft;
    if (lineLeft > 0) --lineLeft;

    // Churn: a floor nothing predicts (moving house: at once), and a decision to leave whose hazard
    // rises steeply as satisfaction falls; a decision takes effect at the end of the notice (45-135
    // days), and being cut off for not paying at once.
    auto attribute = [&lost](bool cutOff, Cause* cause, double* share) {
      std::array<double, 4> sum{};
      for (const auto& l : lost)
        for (int c = 0; c < 4; ++c) sum[c] += l[c];
      if (cutOff) sum[1] += 1.0;
      const double total = sum[0] + sum[1] + sum[2] + sum[3];
      const int top = static_cast<int>(std::max_element(sum.begin(), sum.end()) - sum.begin());
      *cause = total >= 0.15 ? static_cast<Cause>(top + 1) : Cause::kNone;
      *share = total >= 0.15 ? sum[top] / total : 0.0;
    };
    if (leavesOn < 0 && r.chance(0.03 * logistic((0.3 - s) / 0.05))) {
      leavesOn = day + 45 + r.below(91);
      attribute(false, &decidedFor, &decidedShare);
    }
    if (terminated) {
      g.churnDay = day + 1;
      attribute(true, &g.cause, &g.causeShare);
      break;
    }
    if (r.chance(tenant.baseHazard)) {
      g.churnDay = day + 1;
      break;  // cause none: nothing in the history says so
    }
    if (leavesOn >= 0 && day + 1 >= leavesOn) {
      g.churnDay = day + 1;
      g.cause = decidedFor;
      g.causeShare = decidedShare;
      break;
    }
  }
  return g;
}

}  // namespace mgmt::insight
