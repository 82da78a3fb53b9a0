// Insight's tables (migration 7, ADR 0042): the daily features of customers and tenants, the trained
// models and the newest scores. SQL for them lives here only.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "mgmt/insight/features.h"
#include "mgmt/store/sql.h"

namespace mgmt::insight {

struct StoredModel {
  std::string tenantId;  // "" = the global prior
  int64_t trainedAt = 0, examples = 0;
  std::string model, metrics;
};

struct Score {
  std::string customerId;
  int score = 0;         // 0-100
  std::string factors;   // in words
  int64_t scoredAt = 0;
};

// One day's run of the daily job (migration 29, ADR 0074): collect, train, score.
struct InsightRun {
  int32_t day = 0;  // days since 1970-01-01 UTC: the day it ran for (it collects the days before)
  int64_t startedAt = 0, finishedAt = 0, attempts = 0;
  std::string outcome;  // running | ok | failed
  std::string detail;   // what it did, or why it failed
};

class InsightStore {
 public:
  explicit InsightStore(store::Transaction& tx) : tx_(tx) {}

  // The customer's days firstDay, firstDay + 1, ... written (a day already there is replaced).
  core::Status putCustomerDays(const std::string& tenantId, const std::string& customerId, int32_t firstDay,
                               const std::vector<Day>& days);
  // The customer's stored days in [from, to) as a history (joinedDay = its first stored day; the
  // caller knows better when it has the customer's record). Missing days inside read as zeros.
  core::Result<std::optional<History>> customerHistory(const std::string& tenantId, const std::string& customerId,
                                                       int32_t from, int32_t to);
  // Every customer of the tenant with days in [from, to), in id order, one history at a time; pages
  // of `pageRows` rows, so a tenant of a million customers is not read into memory at once.
  core::Status forEachCustomer(const std::string& tenantId, int32_t from, int32_t to,
                               const std::function<core::Status(History&&)>& each, int64_t pageRows = 20000);

  core::Status putTenantDay(const std::string& tenantId, int32_t day, const std::string& packed);
  // (day, packed) in [from, to), oldest first.
  core::Result<std::vector<std::pair<int32_t, std::string>>> tenantDays(const std::string& tenantId, int32_t from,
                                                                        int32_t to);

  // Retention: days before `day`, customers' and tenants', of every tenant. Returns rows deleted.
  core::Result<int64_t> deleteDaysBefore(int32_t day);

  core::Status putModel(const StoredModel& model);
  core::Result<std::optional<StoredModel>> model(const std::string& tenantId);

  // The tenant's scores replaced by these (customers not in `scores` keep their old row).
  core::Status putScores(const std::string& tenantId, const std::vector<Score>& scores);
  // The tenant's scored customers: how many, their mean score, how many at or above `minScore`.
  struct ScoreSummary {
    int64_t scored = 0, atRisk = 0;
    double mean = 0;
  };
  core::Result<ScoreSummary> scoreSummary(const std::string& tenantId, int minScore);
  // Highest first, at least `minScore`, at most `limit`.
  core::Result<std::vector<Score>> atRisk(const std::string& tenantId, int minScore, int64_t limit);
  // One customer's newest score, or nullopt when it has none (the partner portal's accounts, ADR 0073).
  core::Result<std::optional<Score>> score(const std::string& tenantId, const std::string& customerId);

  // The daily job's runs: one day's (nullopt: none yet), written whole, the newest first, and the
  // newest day before `before` whose run ended ok.
  core::Result<std::optional<InsightRun>> run(int32_t day);
  core::Status putRun(const InsightRun& run);
  core::Result<std::vector<InsightRun>> runs(int64_t limit);
  core::Result<std::optional<int32_t>> lastOkRunBefore(int32_t before);

  // Everything insight holds for the tenant (its purge).
  core::Status deleteTenant(const std::string& tenantId);

  static constexpr size_t kRowsPerStatement = 256;

 private:
  store::Transaction& tx_;
};

}  // namespace mgmt::insight
