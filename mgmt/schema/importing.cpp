// The management plane's migrations of import batches.
// Shipped texts: never edited (see mgmt/mgmt_schema.cpp for the rules of both dialects).
#include "mgmt/schema/schema_parts.h"

namespace mgmt::schema {

store::Migration v13() {
  return {13, "import batches: what an import added, so it can be rolled back",
          // mgmt/importing (ADR 0049): every `import` apply is a batch; the plans, subscribers and
          // customers it added carry its id in import_batch. Any later write to a row by anything else
          // (plan-set, subscriber-set, customer-set, a delete and re-add) writes '' there: the row is
          // the operator's from then on and a rollback leaves it.
          // SQLite
          "CREATE TABLE import_batches ("
          "  tenant_id TEXT NOT NULL REFERENCES tenants(id),"
          "  id TEXT NOT NULL,"
          "  source TEXT NOT NULL,"
          "  state TEXT NOT NULL CHECK (state IN ('applying','applied','rolled-back')),"
          "  plans INTEGER NOT NULL DEFAULT 0,"
          "  subscribers INTEGER NOT NULL DEFAULT 0,"
          "  customers INTEGER NOT NULL DEFAULT 0,"
          "  created_at INTEGER NOT NULL,"
          "  rolled_back_at INTEGER NOT NULL DEFAULT 0,"
          "  PRIMARY KEY (tenant_id, id)"
          ");"
          "ALTER TABLE plans ADD COLUMN import_batch TEXT NOT NULL DEFAULT '';"
          "ALTER TABLE subscribers ADD COLUMN import_batch TEXT NOT NULL DEFAULT '';"
          "ALTER TABLE customers ADD COLUMN import_batch TEXT NOT NULL DEFAULT '';"
          "CREATE INDEX subscribers_import_batch ON subscribers(tenant_id, import_batch) WHERE import_batch <> '';"
          "CREATE INDEX customers_import_batch ON customers(tenant_id, import_batch) WHERE import_batch <> '';",
          // PostgreSQL
          "CREATE TABLE import_batches ("
          "  tenant_id TEXT NOT NULL REFERENCES tenants(id),"
          "  id TEXT NOT NULL,"
          "  source TEXT NOT NULL,"
          "  state TEXT NOT NULL CHECK (state IN ('applying','applied','rolled-back')),"
          "  plans BIGINT NOT NULL DEFAULT 0,"
          "  subscribers BIGINT NOT NULL DEFAULT 0,"
          "  customers BIGINT NOT NULL DEFAULT 0,"
          "  created_at BIGINT NOT NULL,"
          "  rolled_back_at BIGINT NOT NULL DEFAULT 0,"
          "  PRIMARY KEY (tenant_id, id)"
          ");"
          "ALTER TABLE plans ADD COLUMN import_batch TEXT NOT NULL DEFAULT '';"
          "ALTER TABLE subscribers ADD COLUMN import_batch TEXT NOT NULL DEFAULT '';"
          "ALTER TABLE customers ADD COLUMN import_batch TEXT NOT NULL DEFAULT '';"
          "CREATE INDEX subscribers_import_batch ON subscribers(tenant_id, import_batch) WHERE import_batch <> '';"
          "CREATE INDEX customers_import_batch ON customers(tenant_id, import_batch) WHERE import_batch <> '';"};
}

store::Migration v27() {
  return {27, "import batches' progress: rows done of the whole import, when last moved",
          // mgmt/importing (ADR 0075): every import-apply chunk says how far the whole import is
          // (done of total), so the console shows the progress of an apply running in the
          // background (or by mgmtctl) on any replica, and an apply that stopped (mgmtd killed) is
          // seen as stopped: state still 'applying', updated_at old.
          // SQLite
          "ALTER TABLE import_batches ADD COLUMN rows_total INTEGER NOT NULL DEFAULT 0;"
          "ALTER TABLE import_batches ADD COLUMN rows_done INTEGER NOT NULL DEFAULT 0;"
          "ALTER TABLE import_batches ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;",
          // PostgreSQL
          "ALTER TABLE import_batches ADD COLUMN rows_total BIGINT NOT NULL DEFAULT 0;"
          "ALTER TABLE import_batches ADD COLUMN rows_done BIGINT NOT NULL DEFAULT 0;"
          "ALTER TABLE import_batches ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;"};
}

}  // namespace mgmt::schema
