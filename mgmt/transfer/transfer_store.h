// The SQL of copying a whole platform from one storage to another and of comparing two of them
// (mgmtctl migrate / verify, ADR 0025). Knows mgmt's tables by name and in dependency order; reads
// their columns from the database's own catalog, so a column added by a migration is copied without
// a change here, and a table this file does not know stops the copy instead of being left behind.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt::transfer {

// One of mgmt's tables as the copy sees it.
struct TableSpec {
  std::string name;
  std::vector<std::string> key;  // the primary key: the order the rows are read in, batch after batch
};

// mgmt's tables, each after the tables it references (tenants first).
const std::vector<TableSpec>& platformTables();

// Sums of usage for one device or one tenant: what must be the same to the byte after a copy.
struct UsageSums {
  int64_t rows = 0;
  int64_t inputOctets = 0;
  int64_t outputOctets = 0;
  int64_t sessionTime = 0;
  bool operator==(const UsageSums& o) const {
    return rows == o.rows && inputOctets == o.inputOctets && outputOctets == o.outputOctets &&
           sessionTime == o.sessionTime;
  }
  bool operator!=(const UsageSums& o) const { return !(*this == o); }
};

class TransferStore {
 public:
  explicit TransferStore(store::Transaction& tx) : tx_(tx) {}

  // The tables of the database that are not schema bookkeeping, in no particular order.
  core::Result<std::vector<std::string>> tableNames();
  // The table's columns in the database's order ("" table: kNotFound).
  core::Result<std::vector<std::string>> columns(const std::string& table);
  core::Result<int64_t> count(const std::string& table);

  // Up to `limit` rows of `columns`, in key order, after the row whose key is `after` (empty: from
  // the first row). The key's columns must be among `columns`.
  core::Result<std::vector<store::Row>> readBatch(const TableSpec& table, const std::vector<std::string>& columns,
                                                  const std::vector<store::Value>& after, int64_t limit);
  // Inserts the rows (values in the order of `columns`) with as few statements as the backend's
  // parameter limit allows.
  core::Status insertRows(const std::string& table, const std::vector<std::string>& columns,
                          const std::vector<store::Row>& rows);
  // Every row of every table of platformTables(), the referencing tables first.
  core::Status deleteAll();
  // PostgreSQL: every identity column of mgmt's tables continues after the largest value copied
  // (SQLite's INTEGER PRIMARY KEY takes max(rowid) + 1 by itself). Returns how many it set.
  core::Result<int64_t> advanceIdentities();

  // Usage rows summed per device and per tenant, and the per-subscriber totals summed per tenant.
  core::Result<std::map<std::string, UsageSums>> usageByDevice();
  core::Result<std::map<std::string, UsageSums>> usageByTenant();
  core::Result<std::map<std::string, UsageSums>> totalsByTenant();

 private:
  core::Result<std::map<std::string, UsageSums>> sums(const std::string& sql);

  store::Transaction& tx_;
};

}  // namespace mgmt::transfer
