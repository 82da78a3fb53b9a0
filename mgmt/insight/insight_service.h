// Insight over mgmt's storage (issue 26, ADR 0042): trains the churn models from the stored daily
// features (the global prior over every tenant given, then each tenant's own on that prior), scores
// a tenant's customers with its model (the prior when it has none yet) and keeps the scores and
// their factors, lists a tenant's customers at risk, runs the time-split backtest on stored days,
// and applies the retention. Callers check who may ask (the command layer); every call names the
// tenant whose rows it reads, and a tenant's rows are read by tenant id only.
//
// Churn, for training and the backtest, is a customer whose days stop before the day of training
// (the box stops reporting a customer whose subscription was terminated or cancelled).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "mgmt/insight/backtest.h"
#include "mgmt/insight/insight_store.h"
#include "mgmt/store/sql.h"

namespace mgmt::insight {

struct InsightOptions {
  int retentionDays = 400;   // days of features kept (the backtest needs 90 + 90 + 180 and some)
  int atRiskScore = 30;      // the at-risk list's threshold
  size_t scoreBatch = 4096;  // scores written per statement group while scoring
  BacktestOptions model;     // horizon, snapshots, regularisation
  // The daily run (daily_run.h, ADR 0074): on or off, at which minute of the UTC day, and how many
  // times a failed day is tried (an hour apart).
  bool daily = true;
  int dailyMinute = 150;  // 02:30 UTC
  int dailyAttempts = 3;
};

struct TrainReport {
  int tenants = 0;
  int64_t examples = 0;      // the global prior's
  int64_t customers = 0;
};

class InsightService {
 public:
  InsightService(store::Storage& storage, InsightOptions options) : storage_(storage), options_(options) {}

  // Trains on the days before `today` (days since 1970-01-01) and stores the models; `now` is the
  // time stamp written with them.
  core::Result<TrainReport> train(const std::vector<std::string>& tenants, int32_t today, int64_t now);
  // Scores the tenant's customers active on the day before `today`; returns how many.
  core::Result<int64_t> score(const std::string& tenantId, int32_t today, int64_t now);
  // The tenant's customers scoring at least the threshold, highest first, at most `limit`.
  core::Result<std::vector<Score>> atRisk(const std::string& tenantId, int64_t limit);
  // The backtest with its cutoff 90 days before `today`, on the tenants' stored days.
  core::Result<BacktestReport> backtest(const std::vector<std::string>& tenants, int32_t today);
  // Deletes days older than the retention; returns rows deleted.
  core::Result<int64_t> applyRetention(int32_t today);

  const InsightOptions& options() const { return options_; }
  store::Storage& storage() const { return storage_; }

 private:
  // The tenant's histories over the days a training or backtest at `cutoff` reads.
  core::Result<std::vector<History>> histories(const std::string& tenantId, int32_t from, int32_t to);
  store::Storage& storage_;
  InsightOptions options_;
};

}  // namespace mgmt::insight
