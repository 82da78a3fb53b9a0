// How good the churn model is, measured as it would be used (issue 26, ADR 0042): a time split.
// Models are trained on snapshots whose 90-day outcome was known at the cutoff (the newest of them
// held out for calibration), then score every customer active at the cutoff, and the scores are
// compared with who churned in the 90 days after it. Reports AUC, the top decile's lift and
// calibration (ten bins of equal size, expected calibration error, Brier score).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "mgmt/insight/churn_model.h"

namespace mgmt::insight {

struct CalibrationBin {
  int64_t count = 0;
  double predicted = 0;  // mean predicted probability
  double observed = 0;   // share that churned
};

struct Metrics {
  int64_t customers = 0, churned = 0;
  double auc = 0, lift10 = 0, brier = 0, ece = 0;
  std::vector<CalibrationBin> bins;
};

// `probability` and `churned` of the same customers, in the same order.
Metrics measure(const std::vector<double>& probability, const std::vector<bool>& churned);

struct BacktestOptions {
  int32_t cutoff = 0;         // the day scores are made; outcomes over [cutoff, cutoff + horizon)
  int horizon = 90;
  int snapshots = 4;          // training snapshots, `step` days apart, the newest ends at the cutoff
  int step = 30;
  bool perTenant = true;      // each tenant's own model on the global prior; false: the global model
  TrainOptions train;
};

struct BacktestReport {
  Metrics overall;
  std::map<std::string, Metrics> tenants;
  int64_t trainingExamples = 0;
  std::string text() const;  // for a person: the numbers and the calibration table
};

// `customers` of every tenant; tenant ids from their histories.
core::Result<BacktestReport> backtest(const std::vector<Labeled>& customers, const BacktestOptions& options);

// Training examples whose 90-day outcome is known at `cutoff`: snapshots `step` days apart, the newest
// (ending at the cutoff) held out to calibrate, the older ones to fit (one snapshot: both).
struct Snapshots {
  std::vector<Example> fit, calibrate;
};
Snapshots snapshots(const std::vector<Labeled>& customers, int32_t cutoff, const BacktestOptions& options);
// The global prior (tenant "") on every tenant's examples, then each tenant's model on it.
core::Result<std::map<std::string, ChurnModel>> trainModels(const std::map<std::string, Snapshots>& tenants,
                                                            const BacktestOptions& options);

// The models a backtest or `mgmtctl insight train` makes: the global prior (tenant "") and one per
// tenant, each trained on the snapshots that end at `cutoff`.
core::Result<std::map<std::string, ChurnModel>> trainModels(const std::vector<Labeled>& customers, int32_t cutoff,
                                                            const BacktestOptions& options);

}  // namespace mgmt::insight
