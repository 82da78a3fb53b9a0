// The import_batches table and the import_batch marks on plans, subscribers and customers
// (mgmt_schema migration 13, ADR 0049). SQL for them lives here only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt::importing {

struct Batch {
  std::string id;
  std::string source;
  std::string state;  // applying | applied | rolled-back
  int64_t plans = 0, subscribers = 0, customers = 0;  // what it added (all calls)
  int64_t createdAt = 0, rolledBackAt = 0;
  int64_t rowsDone = 0, rowsTotal = 0;  // how far the whole import is (0 of 0: never said)
  int64_t updatedAt = 0;                // the last chunk written
};

class ImportStore {
 public:
  explicit ImportStore(store::Transaction& tx) : tx_(tx) {}

  core::Result<std::optional<Batch>> find(const std::string& tenantId, const std::string& id);
  // Creates the batch (state applying) unless it exists.
  core::Status begin(const std::string& tenantId, const std::string& id, const std::string& source, int64_t now);
  // Takes the batch's row for this unit of work (a chunk and a rollback both take it first) and
  // records the time; false when the batch is rolled back.
  core::Result<bool> touch(const std::string& tenantId, const std::string& id, int64_t now);
  core::Status addCounts(const std::string& tenantId, const std::string& id, int64_t plans, int64_t subscribers,
                         int64_t customers, const std::string& state);
  core::Status setProgress(const std::string& tenantId, const std::string& id, int64_t done, int64_t total);
  // Marks the batch rolled back, taking its row first; false when there is no such batch or it was
  // rolled back already.
  core::Result<bool> markRolledBack(const std::string& tenantId, const std::string& id, int64_t now);
  core::Result<std::vector<Batch>> list(const std::string& tenantId);

  // Live rows still marked with the batch.
  core::Result<std::vector<std::string>> subscribers(const std::string& tenantId, const std::string& batch);
  core::Result<std::vector<std::string>> plans(const std::string& tenantId, const std::string& batch);
  core::Result<std::vector<std::string>> customers(const std::string& tenantId, const std::string& batch);
  // Clears the mark of a plan a rollback keeps (others' subscribers are on it): it is the operator's now.
  core::Status unmarkPlan(const std::string& tenantId, const std::string& name);
  // A tenant's purge.
  core::Status deleteTenant(const std::string& tenantId);

 private:
  store::Transaction& tx_;
};

}  // namespace mgmt::importing
