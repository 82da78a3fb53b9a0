// Durable NAS clients, plans and subscribers in the appliance database (tables from migration 2 in
// edge/edge_schema.cpp). Functions take the Database of the caller's context: the Writer's
// connection inside a Writer job for changes, a read connection for loads.
//
// Contract: each function validates nothing beyond what SQLite enforces (names unique, a plan in use
// cannot be deleted); input validation is the catalog's (catalog/). Errors name the object
// ("plan 'gold' is used by 12 subscribers").
#pragma once

#include <string>
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

}  // namespace aaa::policy
