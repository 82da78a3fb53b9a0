// What the mgmt benches share: one run on a fresh SQLite file in a temporary folder (removed after),
// then the same on PostgreSQL when a DSN is given, side by side in one run.
#pragma once

#include <stdlib.h>

#include <functional>
#include <string>

#include "mgmt/store/sql.h"

namespace edge_bench {

// `prefix` names the temporary folder (/tmp/<prefix>-XXXXXX). 1 when the folder cannot be made, else 0.
inline int onEachStorage(const std::string& prefix, const std::string& dsn,
                         const std::function<void(const char* name, const mgmt::store::StorageConfig&)>& run) {
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  const char* dir = ::mkdtemp(tmpl.data());
  if (dir == nullptr) return 1;
  mgmt::store::StorageConfig sqlite;
  sqlite.backend = mgmt::store::Backend::kSqlite;
  sqlite.path = std::string(dir) + "/mgmt.db";
  run("sqlite", sqlite);
  if (!dsn.empty()) {
    mgmt::store::StorageConfig pg;
    pg.backend = mgmt::store::Backend::kPostgres;
    pg.dsn = dsn;
    run("postgresql", pg);
  }
  std::system((std::string("rm -rf ") + dir).c_str());
  return 0;
}

}  // namespace edge_bench
