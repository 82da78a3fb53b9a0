// What the radius service tests share: a temporary database (edge.db on the radius area's
// migrations, or the accounting database), edged's own command table with a service's handlers
// bound (so the specs' checks, argument ranges included, apply as in the daemon), the snapshot
// reloaded from the database, and a plan written as the catalog writes it.
#pragma once

#include <stdlib.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "aaa/policy/snapshot.h"
#include "aaa/policy/store.h"
#include "core/command/command.h"
#include "core/command/reply.h"
#include "core/store.h"
#include "edge/commands/edge_commands.h"
#include "edge/radius/radius_schema.h"

#include <CppUTest/TestHarness.h>

namespace edge::test {

// edge.db as far as the radius area needs it: the radius area's migrations at their shipped
// versions, and each version another area holds (1 is edge_app's event log, others are the sync
// area's and the technician UI's) kept by a placeholder, so the store sees 1..N without a gap.
inline std::vector<core::Migration> radiusDbMigrations() {
  std::vector<core::Migration> m;
  for (const core::Migration& r : edge::radiusMigrations()) {
    while (static_cast<int>(m.size()) + 1 < r.version) {
      const int version = static_cast<int>(m.size()) + 1;
      m.push_back({version, "another area's migration",
                   version == 1 ? "CREATE TABLE events(id INTEGER PRIMARY KEY);" : "SELECT 1;"});
    }
    m.push_back(r);
  }
  return m;
}

// Built before main(), so that CppUTest's per-test leak check does not see these statics. edged's
// specs are whole here: catalog's argument tables they copy are built on first use.
inline const std::vector<core::Migration> kRadiusDbMigrations = radiusDbMigrations();
inline const std::vector<std::string>& kRoles = edge::edgeRoles();
inline const std::vector<core::command::Spec>& kSpecs = edge::edgeCommandSpecs();

// A folder under /tmp (its name starts with `prefix`) holding `file` on `migrations`: the writer,
// and a read connection when `reader` is given. Synchronous off: a test's crash needs no
// durability. Returns the options the database was opened with.
inline core::StoreOptions openTempDb(const char* prefix, const std::string& file,
                                     const std::vector<core::Migration>& migrations, std::string& dir,
                                     std::unique_ptr<core::Writer>& writer, std::unique_ptr<core::Database>* reader) {
  std::string tmpl = std::string("/tmp/") + prefix + "-XXXXXX";
  char* made = ::mkdtemp(tmpl.data());
  CHECK(made != nullptr);
  dir = made;
  core::StoreOptions o;
  o.path = dir + "/" + file;
  o.migrations = migrations;
  o.synchronous = core::StoreOptions::Synchronous::kOff;
  core::Result<std::unique_ptr<core::Writer>> w = core::Writer::open(o);
  CHECK_TRUE_TEXT(w.isOk(), w.status().message().c_str());
  writer = std::move(*w);
  if (reader != nullptr) {
    core::Result<std::unique_ptr<core::Database>> r = core::Database::open(o);
    CHECK_TRUE_TEXT(r.isOk(), r.status().message().c_str());
    *reader = std::move(*r);
  }
  return o;
}

// edge.db with the radius area's tables, its writer and a read connection.
inline void openTempEdgeDb(const char* prefix, std::string& dir, std::unique_ptr<core::Writer>& writer,
                           std::unique_ptr<core::Database>& reader) {
  openTempDb(prefix, "edge.db", kRadiusDbMigrations, dir, writer, &reader);
}

// edged's command table, no command bound yet (a service's registerCommands binds its own, as
// RadiusService has each do).
inline std::unique_ptr<core::command::Table> edgedCommandTable() {
  return std::make_unique<core::command::Table>(kRoles, kSpecs);
}

// The public code of a reply ("invalid-argument", "not-found"...).
inline const char* codeOf(const core::ControlReply& r) {
  return core::command::publicCodeName(core::command::publicCode(r.code));
}

// The snapshot as the database holds it now (NAS clients, plans, subscribers).
inline void reloadSnapshot(core::Database& reader, aaa::policy::SnapshotHolder& snapshots) {
  auto nas = aaa::policy::loadNas(reader);
  auto plans = aaa::policy::loadPlans(reader);
  auto subs = aaa::policy::loadSubscribers(reader);
  CHECK(nas.isOk() && plans.isOk() && subs.isOk());
  snapshots.publishFull(std::move(*nas), std::move(*plans), std::move(*subs));
}

// Writes `plan` through the writer, as the catalog's store does.
inline void insertPlan(core::Writer& writer, const aaa::policy::Plan& plan, int64_t now) {
  core::Status s = writer.submit([&](core::Database& db) -> core::Status {
    core::Result<int64_t> id = aaa::policy::insertPlan(db, plan, now);
    return id.isOk() ? core::Status::ok() : id.status();
  }).get();
  CHECK_TRUE_TEXT(s.isOk(), s.message().c_str());
}

}  // namespace edge::test
