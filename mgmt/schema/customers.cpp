// The management plane's migrations of customers.
// Shipped texts: never edited (see mgmt/mgmt_schema.cpp for the rules of both dialects).
#include "mgmt/schema/schema_parts.h"

namespace mgmt::schema {

store::Migration v6() {
  return {6, "customers: the people behind subscribers, searchable by a term index",
          // A customer (mgmt/customers) has a name, contact, service address, notes and tags, and may
          // hold a RADIUS account (username). customer_keys is the search index: one row per word of
          // the name, the username, email, phone digits and each tag, lower-cased; a search is a prefix
          // range over (tenant_id, term), so it costs the same at 1,000 customers and at 1,000,000.
          // SQLite
          "CREATE TABLE customers ("
          "  tenant_id TEXT NOT NULL,"
          "  id TEXT NOT NULL,"
          "  name TEXT NOT NULL,"
          "  email TEXT NOT NULL DEFAULT '',"
          "  phone TEXT NOT NULL DEFAULT '',"
          "  address TEXT NOT NULL DEFAULT '',"
          "  notes TEXT NOT NULL DEFAULT '',"
          "  tags TEXT NOT NULL DEFAULT '',"  // comma-separated, as given
          "  username TEXT NOT NULL DEFAULT '',"
          "  created_at INTEGER NOT NULL,"
          "  updated_at INTEGER NOT NULL,"
          "  PRIMARY KEY (tenant_id, id)"
          ");"
          "CREATE INDEX customers_name ON customers(tenant_id, name);"
          "CREATE TABLE customer_keys ("
          "  tenant_id TEXT NOT NULL,"
          "  term TEXT NOT NULL,"
          "  customer_id TEXT NOT NULL,"
          "  PRIMARY KEY (tenant_id, term, customer_id)"
          ");"
          "CREATE INDEX customer_keys_customer ON customer_keys(tenant_id, customer_id);",
          // PostgreSQL: the term in byte order (COLLATE "C"), so a prefix is a range of the index.
          "CREATE TABLE customers ("
          "  tenant_id TEXT NOT NULL,"
          "  id TEXT NOT NULL,"
          "  name TEXT NOT NULL,"
          "  email TEXT NOT NULL DEFAULT '',"
          "  phone TEXT NOT NULL DEFAULT '',"
          "  address TEXT NOT NULL DEFAULT '',"
          "  notes TEXT NOT NULL DEFAULT '',"
          "  tags TEXT NOT NULL DEFAULT '',"
          "  username TEXT NOT NULL DEFAULT '',"
          "  created_at BIGINT NOT NULL,"
          "  updated_at BIGINT NOT NULL,"
          "  PRIMARY KEY (tenant_id, id)"
          ");"
          "CREATE INDEX customers_name ON customers(tenant_id, name);"
          "CREATE TABLE customer_keys ("
          "  tenant_id TEXT NOT NULL,"
          "  term TEXT COLLATE \"C\" NOT NULL,"
          "  customer_id TEXT NOT NULL,"
          "  PRIMARY KEY (tenant_id, term, customer_id)"
          ");"
          "CREATE INDEX customer_keys_customer ON customer_keys(tenant_id, customer_id);"};
}

}  // namespace mgmt::schema
