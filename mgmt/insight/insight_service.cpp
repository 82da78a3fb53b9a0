#include "mgmt/insight/insight_service.h"

#include <map>

namespace mgmt::insight {

namespace {

// The days a model at `cutoff` reads: the oldest snapshot's 180-day window and its horizon.
int32_t oldestDay(const BacktestOptions& o, int32_t cutoff) {
  return cutoff - o.horizon - (o.snapshots - 1) * o.step - 180;
}

std::vector<Labeled> labeled(const std::vector<History>& histories, int32_t today) {
  std::vector<Labeled> out;
  out.reserve(histories.size());
  for (const History& h : histories) out.push_back({&h, h.endDay() < today ? h.endDay() : -1});
  return out;
}

}  // namespace

core::Result<std::vector<History>> InsightService::histories(const std::string& tenantId, int32_t from, int32_t to) {
  std::vector<History> out;
  EDGE_RETURN_IF_ERROR(storage_.transact(
      [&](store::Transaction& tx) {
        out.clear();  // a retried unit of work starts again
        InsightStore store(tx);
        return store.forEachCustomer(tenantId, from, to, [&out](History&& h) {
          out.push_back(std::move(h));
          return core::Status::ok();
        });
      },
      store::Storage::Mode::kReadOnly));
  return out;
}

core::Result<TrainReport> InsightService::train(const std::vector<std::string>& tenants, int32_t today, int64_t now) {
  TrainReport report;
  BacktestOptions o = options_.model;
  o.perTenant = true;
  // One customer at a time: their examples are kept, their days are not (a tenant of a million
  // customers is not held in memory).
  std::map<std::string, Snapshots> examples;
  for (const std::string& t : tenants) {
    Snapshots& mine = examples[t];
    int64_t customers = 0;
    EDGE_RETURN_IF_ERROR(storage_.transact(
        [&](store::Transaction& tx) {
          mine = Snapshots{};  // a retried unit of work starts again
          customers = 0;
          InsightStore store(tx);
          return store.forEachCustomer(t, oldestDay(o, today), today, [&](History&& h) {
            const Labeled one{&h, h.endDay() < today ? h.endDay() : -1};
            Snapshots s = snapshots({one}, today, o);
            mine.fit.insert(mine.fit.end(), s.fit.begin(), s.fit.end());
            mine.calibrate.insert(mine.calibrate.end(), s.calibrate.begin(), s.calibrate.end());
            ++customers;
            return core::Status::ok();
          });
        },
        store::Storage::Mode::kReadOnly));
    report.customers += customers;
  }
  EDGE_ASSIGN_OR_RETURN(auto models, trainModels(examples, o));
  report.examples = models.at("").examples();
  EDGE_RETURN_IF_ERROR(storage_.transact([&](store::Transaction& tx) -> core::Status {
    InsightStore store(tx);
    for (const auto& [tenant, model] : models) {
      // A tenant without history of its own gets no row and scores with the prior.
      if (!tenant.empty() && examples[tenant].fit.empty()) continue;
      EDGE_RETURN_IF_ERROR(store.putModel({tenant, now, model.examples(), model.serialize(), ""}));
    }
    return core::Status::ok();
  }));
  report.tenants = static_cast<int>(models.size()) - 1;
  return report;
}

core::Result<int64_t> InsightService::score(const std::string& tenantId, int32_t today, int64_t now) {
  int64_t scored = 0;
  EDGE_RETURN_IF_ERROR(storage_.transact([&](store::Transaction& tx) -> core::Status {
    scored = 0;
    InsightStore store(tx);
    EDGE_ASSIGN_OR_RETURN(std::optional<StoredModel> stored, store.model(tenantId));
    if (!stored) {
      EDGE_ASSIGN_OR_RETURN(stored, store.model(""));
    }
    if (!stored) return core::failedPrecondition("insight: no churn model yet (run mgmtctl insight train)");
    EDGE_ASSIGN_OR_RETURN(ChurnModel model, ChurnModel::parse(stored->model));
    std::vector<Score> batch;
    auto flush = [&]() -> core::Status {
      EDGE_RETURN_IF_ERROR(store.putScores(tenantId, batch));
      batch.clear();
      return core::Status::ok();
    };
    // Scores are written between pages (each page's rows are read in full before the callback
    // runs), so memory holds one page and one batch, not the tenant.
    EDGE_RETURN_IF_ERROR(store.forEachCustomer(tenantId, today - 180, today, [&](History&& h) -> core::Status {
      if (h.endDay() != today) return core::Status::ok();  // no longer a customer
      const Window w = windowAt(h, today);
      batch.push_back({h.customerId, model.score(w.x), ChurnModel::factorWords(model.factors(w)), now});
      ++scored;
      if (batch.size() >= options_.scoreBatch) return flush();
      return core::Status::ok();
    }));
    return flush();
  }));
  return scored;
}

core::Result<std::vector<Score>> InsightService::atRisk(const std::string& tenantId, int64_t limit) {
  std::vector<Score> out;
  EDGE_RETURN_IF_ERROR(storage_.transact(
      [&](store::Transaction& tx) -> core::Status {
        InsightStore store(tx);
        EDGE_ASSIGN_OR_RETURN(out, store.atRisk(tenantId, options_.atRiskScore, limit));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return out;
}

core::Result<BacktestReport> InsightService::backtest(const std::vector<std::string>& tenants, int32_t today) {
  BacktestOptions o = options_.model;
  o.cutoff = today - o.horizon;
  std::vector<std::vector<History>> kept;
  std::vector<Labeled> everyone;
  for (const std::string& t : tenants) {
    EDGE_ASSIGN_OR_RETURN(std::vector<History> list, histories(t, oldestDay(o, o.cutoff), today));
    kept.push_back(std::move(list));
  }
  for (const auto& list : kept)
    for (const Labeled& l : labeled(list, today)) everyone.push_back(l);
  return insight::backtest(everyone, o);
}

core::Result<int64_t> InsightService::applyRetention(int32_t today) {
  int64_t deleted = 0;
  EDGE_RETURN_IF_ERROR(storage_.transact([&](store::Transaction& tx) -> core::Status {
    InsightStore store(tx);
    EDGE_ASSIGN_OR_RETURN(deleted, store.deleteDaysBefore(today - options_.retentionDays));
    return core::Status::ok();
  }));
  return deleted;
}

}  // namespace mgmt::insight
