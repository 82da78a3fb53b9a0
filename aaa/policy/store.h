// Durable NAS clients, plans and subscribers in the appliance database (tables from migration 2 in
// edge/edge_schema.cpp). Functions take the Database of the caller's context: the Writer's
// connection inside a Writer job for changes, a read connection for loads.
//
// Contract: each function validates nothing beyond what SQLite enforces (names unique, a plan in use
// cannot be deleted); input validation is the catalog's (catalog/). Errors name the object
// ("plan 'gold' is used by 12 subscribers").
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "aaa/policy/model.h"
#include "core/status.h"
#include "core/store.h"

namespace aaa::policy {

core::Result<std::vector<NasClient>> loadNas(core::Database& db);
core::Result<std::vector<Plan>> loadPlans(core::Database& db);
core::Result<std::vector<Subscriber>> loadSubscribers(core::Database& db);
core::Result<Subscriber> loadSubscriber(core::Database& db, const std::string& username);

// Insert or replace by name; returns the row id.
core::Result<int64_t> insertNas(core::Database& db, const NasClient& nas, int64_t now);
core::Status deleteNas(core::Database& db, const std::string& name);

core::Result<int64_t> insertPlan(core::Database& db, const Plan& plan, int64_t now);
core::Status updatePlan(core::Database& db, const Plan& plan, int64_t now);  // by id
core::Status deletePlan(core::Database& db, const std::string& name);

core::Result<int64_t> insertSubscriber(core::Database& db, const Subscriber& s, int64_t now);
core::Status updateSubscriber(core::Database& db, const Subscriber& s, int64_t now);  // by id
core::Status deleteSubscriber(core::Database& db, const std::string& username);

// Import batches on the box (edge.db migration 14, issue 30): `edgectl import` adds plans and
// subscribers marked with its batch; any other write of the row (updatePlan, updateSubscriber)
// clears the mark, so a rollback removes only what the batch added and nobody changed since.
struct ImportBatch {
  std::string id;
  std::string state;  // applied | rolled-back
  int64_t plans = 0, subscribers = 0, createdAt = 0, rolledBackAt = 0;
};
// Opens the batch when new; FailedPrecondition when it was rolled back (it takes no more rows).
core::Status openImportBatch(core::Database& db, const std::string& batch, int64_t now);
// Marks a row just added (table "plans" or "subscribers", by id) as the batch's and counts it.
core::Status markImported(core::Database& db, const std::string& table, int64_t id, const std::string& batch);
core::Result<std::vector<ImportBatch>> loadImportBatches(core::Database& db);
// The batch's subscribers still marked (usernames).
core::Result<std::vector<std::string>> importedSubscribers(core::Database& db, const std::string& batch);
// The batch's plans still marked, each with how many subscribers are on it now.
core::Result<std::vector<std::pair<std::string, int64_t>>> importedPlans(core::Database& db, const std::string& batch);
// Takes the mark off a plan that stays (other subscribers are on it): it is the operator's now.
core::Status unmarkPlan(core::Database& db, const std::string& name);
core::Status closeImportBatch(core::Database& db, const std::string& batch, int64_t now);

}  // namespace aaa::policy
