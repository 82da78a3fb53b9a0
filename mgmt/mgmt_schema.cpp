// The management plane's schema. Each migration has its SQLite text (as shipped: never edited, so a
// mgmt.db made by an earlier release opens and is at the same version under the same names) and its
// PostgreSQL text, written for the same tables: INTEGER is BIGINT (SQLite's integers are 64-bit),
// an INTEGER PRIMARY KEY (SQLite's rowid) is an identity column, WITHOUT ROWID has no equivalent and
// is left out (every PostgreSQL table is a heap with its primary key as an index). Flags stay 0/1
// integers on both, so the stores' SQL is the same text.
#include "mgmt/mgmt_schema.h"

#include "mgmt/schema/schema_parts.h"

namespace mgmt {

const std::vector<store::Migration>& mgmtStorageMigrations() {
  // In order; a new migration is the next function, in the file of its area (mgmt/schema/).
  static const std::vector<store::Migration> migrations = {
      schema::v1(),
      schema::v2(),
      schema::v3(),
      schema::v4(),
      schema::v5(),
      schema::v6(),
      schema::v7(),
      schema::v8(),
      schema::v9(),
      schema::v10(),
      schema::v11(),
      schema::v12(),
      schema::v13(),
      schema::v14(),
      schema::v15(),
      schema::v16(),
      schema::v17(),
      schema::v18(),
      schema::v19(),
      schema::v20(),
      schema::v21(),
      schema::v22(),
      schema::v23(),
      schema::v24(),
      schema::v25(),
      schema::v26(),
      schema::v27(),
      schema::v28(),
      schema::v29(),
      schema::v30(),
  };
  return migrations;
}

const std::vector<core::Migration>& mgmtMigrations() {
  static const std::vector<core::Migration> migrations = [] {
    std::vector<core::Migration> sqlite;
    for (const store::Migration& m : mgmtStorageMigrations()) sqlite.push_back({m.version, m.name, m.sqlite});
    return sqlite;
  }();
  return migrations;
}

}  // namespace mgmt
