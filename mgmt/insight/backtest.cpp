#include "mgmt/insight/backtest.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace mgmt::insight {

Metrics measure(const std::vector<double>& probability, const std::vector<bool>& churned) {
  Metrics m;
  const size_t n = probability.size();
  m.customers = static_cast<int64_t>(n);
  if (n == 0) return m;
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return probability[a] < probability[b]; });
  // AUC by ranks (Mann-Whitney), ties at their mean rank.
  double rankSum = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && probability[order[j]] == probability[order[i]]) ++j;
    const double rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (size_t k = i; k < j; ++k)
      if (churned[order[k]]) rankSum += rank;
    i = j;
  }
  for (size_t i = 0; i < n; ++i) m.churned += churned[i] ? 1 : 0;
  const double pos = static_cast<double>(m.churned), neg = static_cast<double>(n) - pos;
  m.auc = pos > 0 && neg > 0 ? (rankSum - pos * (pos + 1) / 2.0) / (pos * neg) : 0.5;
  // Top decile (highest probabilities) against the base rate.
  const size_t top = std::max<size_t>(1, n / 10);
  double topChurned = 0;
  for (size_t k = n - top; k < n; ++k) topChurned += churned[order[k]] ? 1 : 0;
  const double base = pos / static_cast<double>(n);
  m.lift10 = base > 0 ? (topChurned / static_cast<double>(top)) / base : 0;
  // Calibration: ten bins of equal size, lowest first.
  for (int b = 0; b < 10; ++b) {
    const size_t from = n * b / 10, to = n * (b + 1) / 10;
    if (from == to) continue;
    CalibrationBin bin;
    bin.count = static_cast<int64_t>(to - from);
    for (size_t k = from; k < to; ++k) {
      bin.predicted += probability[order[k]];
      bin.observed += churned[order[k]] ? 1 : 0;
    }
    bin.predicted /= static_cast<double>(bin.count);
    bin.observed /= static_cast<double>(bin.count);
    m.ece += std::fabs(bin.predicted - bin.observed) * static_cast<double>(bin.count) / static_cast<double>(n);
    m.bins.push_back(bin);
  }
  for (size_t i = 0; i < n; ++i) {
    const double d = probability[i] - (churned[i] ? 1.0 : 0.0);
    m.brier += d * d / static_cast<double>(n);
  }
  return m;
}

namespace {

std::map<std::string, std::vector<Labeled>> byTenant(const std::vector<Labeled>& customers) {
  std::map<std::string, std::vector<Labeled>> out;
  for (const Labeled& c : customers) out[c.history->tenantId].push_back(c);
  return out;
}

}  // namespace

Snapshots snapshots(const std::vector<Labeled>& customers, int32_t cutoff, const BacktestOptions& o) {
  Snapshots s;
  for (int k = 0; k < o.snapshots; ++k) {
    const int32_t at = cutoff - o.horizon - k * o.step;
    std::vector<Example> e = examplesAt(customers, at, o.horizon);
    if (k == 0) s.calibrate = e;
    if (k > 0 || o.snapshots == 1) s.fit.insert(s.fit.end(), e.begin(), e.end());
  }
  return s;
}

core::Result<std::map<std::string, ChurnModel>> trainModels(const std::map<std::string, Snapshots>& tenants,
                                                            const BacktestOptions& options) {
  std::map<std::string, ChurnModel> models;
  Snapshots global;
  for (const auto& [tenant, s] : tenants) {
    global.fit.insert(global.fit.end(), s.fit.begin(), s.fit.end());
    global.calibrate.insert(global.calibrate.end(), s.calibrate.begin(), s.calibrate.end());
  }
  EDGE_ASSIGN_OR_RETURN(ChurnModel prior, ChurnModel::train(global.fit, global.calibrate, options.train));
  models.emplace("", prior);
  if (!options.perTenant) return models;
  for (const auto& [tenant, own] : tenants) {
    EDGE_ASSIGN_OR_RETURN(ChurnModel model, ChurnModel::train(own.fit, own.calibrate, options.train, &prior));
    models.emplace(tenant, std::move(model));
  }
  return models;
}

core::Result<std::map<std::string, ChurnModel>> trainModels(const std::vector<Labeled>& customers, int32_t cutoff,
                                                            const BacktestOptions& options) {
  std::map<std::string, Snapshots> tenants;
  for (const auto& [tenant, list] : byTenant(customers)) tenants.emplace(tenant, snapshots(list, cutoff, options));
  return trainModels(tenants, options);
}

core::Result<BacktestReport> backtest(const std::vector<Labeled>& customers, const BacktestOptions& options) {
  BacktestReport report;
  EDGE_ASSIGN_OR_RETURN(auto models, trainModels(customers, options.cutoff, options));
  for (const auto& [tenant, model] : models)
    if (!tenant.empty() || !options.perTenant) report.trainingExamples += model.examples();
  std::vector<double> allP;
  std::vector<bool> allY;
  for (const auto& [tenant, list] : byTenant(customers)) {
    auto it = models.find(options.perTenant ? tenant : "");
    const ChurnModel& model = it != models.end() ? it->second : models.at("");
    std::vector<double> p;
    std::vector<bool> y;
    for (const Example& e : examplesAt(list, options.cutoff, options.horizon)) {
      p.push_back(model.probability(e.x));
      y.push_back(e.churned);
    }
    allP.insert(allP.end(), p.begin(), p.end());
    allY.insert(allY.end(), y.begin(), y.end());
    report.tenants.emplace(tenant, measure(p, y));
  }
  report.overall = measure(allP, allY);
  return report;
}

std::string BacktestReport::text() const {
  std::string out;
  char line[256];
  auto metrics = [&](const std::string& name, const Metrics& m) {
    std::snprintf(line, sizeof line, "%-12s customers %7lld churned %6lld (%.1f%%)  AUC %.3f  top-decile lift %.2f  ECE %.4f  Brier %.4f\n",
                  name.c_str(), static_cast<long long>(m.customers), static_cast<long long>(m.churned),
                  m.customers > 0 ? 100.0 * static_cast<double>(m.churned) / static_cast<double>(m.customers) : 0.0, m.auc,
                  m.lift10, m.ece, m.brier);
    out += line;
  };
  metrics("all", overall);
  for (const auto& [tenant, m] : tenants) metrics(tenant, m);
  out += "calibration (all, ten bins of equal size): predicted -> observed\n";
  for (const CalibrationBin& b : overall.bins) {
    std::snprintf(line, sizeof line, "  %6lld customers  %.3f -> %.3f\n", static_cast<long long>(b.count), b.predicted, b.observed);
    out += line;
  }
  std::snprintf(line, sizeof line, "training examples %lld\n", static_cast<long long>(trainingExamples));
  out += line;
  return out;
}

}  // namespace mgmt::insight
