// The copy reads the source in key order, one batch per read-only transaction, and writes each batch
// in one target transaction: no transaction stays open for the whole copy (a PostgreSQL target
// would hold millions of rows of SERIALIZABLE state, and transact() cannot nest across the two
// storages anyway). That is why the source must hold still: mgmtctl copies from a snapshot.
#include "mgmt/transfer/platform_copy.h"

#include <algorithm>
#include <map>
#include <set>

#include "mgmt/transfer/transfer_store.h"

namespace mgmt::transfer {

using store::Row;
using store::Storage;
using store::Transaction;
using store::Value;

namespace {

struct Plan {
  const TableSpec* table = nullptr;
  std::vector<std::string> columns;  // the source's order
  std::vector<size_t> keyIndexes;    // where the key's columns are in `columns`
  int64_t total = 0;
};

// The source's tables and columns must be exactly the ones the target has and this build knows.
core::Status checkTables(TransferStore& store, const char* side) {
  EDGE_ASSIGN_OR_RETURN(std::vector<std::string> names, store.tableNames());
  const std::vector<TableSpec>& known = platformTables();
  for (const std::string& name : names) {
    if (std::none_of(known.begin(), known.end(), [&](const TableSpec& t) { return t.name == name; })) {
      return core::failedPrecondition("the " + std::string(side) + " has a table '" + name +
                                      "' that mgmtctl does not know how to copy (mgmt/transfer/transfer_store.cpp)");
    }
  }
  return core::Status::ok();
}

std::string describe(const UsageSums& s) {
  return std::to_string(s.rows) + " rows, " + std::to_string(s.inputOctets) + " bytes in, " +
         std::to_string(s.outputOctets) + " bytes out, " + std::to_string(s.sessionTime) + " s";
}

void compareSums(const char* what, const std::map<std::string, UsageSums>& a, const std::map<std::string, UsageSums>& b,
                 std::vector<std::string>* mismatches) {
  std::set<std::string> keys;
  for (const auto& [k, v] : a) keys.insert(k);
  for (const auto& [k, v] : b) keys.insert(k);
  for (const std::string& k : keys) {
    auto ia = a.find(k), ib = b.find(k);
    const UsageSums none;
    const UsageSums& sa = ia == a.end() ? none : ia->second;
    const UsageSums& sb = ib == b.end() ? none : ib->second;
    if (sa != sb) {
      mismatches->push_back(std::string(what) + " " + k + ": source " + describe(sa) + "; target " + describe(sb));
    }
  }
}

struct Side {
  std::map<std::string, int64_t> counts;
  std::map<std::string, UsageSums> byDevice, byTenant, totalsByTenant;
};

core::Result<Side> readSide(Storage& storage) {
  Side side;
  EDGE_RETURN_IF_ERROR(storage.transact(
      [&side](Transaction& tx) -> core::Status {
        TransferStore store(tx);
        for (const TableSpec& t : platformTables()) {
          EDGE_ASSIGN_OR_RETURN(side.counts[t.name], store.count(t.name));
        }
        EDGE_ASSIGN_OR_RETURN(side.byDevice, store.usageByDevice());
        EDGE_ASSIGN_OR_RETURN(side.byTenant, store.usageByTenant());
        EDGE_ASSIGN_OR_RETURN(side.totalsByTenant, store.totalsByTenant());
        return core::Status::ok();
      },
      Storage::Mode::kReadOnly));
  return side;
}

}  // namespace

core::Status VerifyReport::status() const {
  if (ok()) return core::Status::ok();
  std::string text = std::to_string(mismatches.size()) + " difference(s) between source and target:";
  for (size_t i = 0; i < mismatches.size() && i < 10; ++i) text += "\n  " + mismatches[i];
  if (mismatches.size() > 10) text += "\n  ...";
  return core::Status(core::Code::kCorrupt, text);
}

core::Result<CopyReport> copyPlatform(Storage& source, Storage& target, const CopyOptions& options,
                                      const ProgressFn& progress) {
  if (options.batchRows < 1) return core::invalidArgument("batch rows must be at least 1");
  if (source.schemaVersion() != target.schemaVersion()) {
    return core::failedPrecondition("the source is at schema version " + std::to_string(source.schemaVersion()) +
                                    " and the target at " + std::to_string(target.schemaVersion()) +
                                    ": open both with this release's migrations");
  }

  // What to copy, from the source's catalog, checked against the target's.
  std::vector<Plan> plans;
  EDGE_RETURN_IF_ERROR(source.transact(
      [&plans](Transaction& tx) -> core::Status {
        TransferStore store(tx);
        EDGE_RETURN_IF_ERROR(checkTables(store, "source"));
        for (const TableSpec& t : platformTables()) {
          Plan p;
          p.table = &t;
          EDGE_ASSIGN_OR_RETURN(p.columns, store.columns(t.name));
          for (const std::string& k : t.key) {
            auto at = std::find(p.columns.begin(), p.columns.end(), k);
            if (at == p.columns.end()) return core::failedPrecondition("table " + t.name + " has no column " + k);
            p.keyIndexes.push_back(static_cast<size_t>(at - p.columns.begin()));
          }
          EDGE_ASSIGN_OR_RETURN(p.total, store.count(t.name));
          plans.push_back(std::move(p));
        }
        return core::Status::ok();
      },
      Storage::Mode::kReadOnly));

  CopyReport report;
  int64_t held = 0;
  std::string heldWhere;
  EDGE_RETURN_IF_ERROR(target.transact(
      [&](Transaction& tx) -> core::Status {
        TransferStore store(tx);
        EDGE_RETURN_IF_ERROR(checkTables(store, "target"));
        for (const Plan& p : plans) {
          EDGE_ASSIGN_OR_RETURN(std::vector<std::string> theirs, store.columns(p.table->name));
          std::vector<std::string> a = p.columns, b = theirs;
          std::sort(a.begin(), a.end());
          std::sort(b.begin(), b.end());
          if (a != b) {
            return core::failedPrecondition("table " + p.table->name +
                                            " has other columns in the target than in the source");
          }
          EDGE_ASSIGN_OR_RETURN(int64_t n, store.count(p.table->name));
          if (n > 0) heldWhere += (heldWhere.empty() ? "" : ", ") + p.table->name + " " + std::to_string(n);
          held += n;
        }
        return core::Status::ok();
      },
      Storage::Mode::kReadOnly));
  if (held > 0 && !options.replace) {
    return core::failedPrecondition("the target is not empty (" + heldWhere +
                                    " rows): copy into an empty database, or replace what it holds (migrate --replace)");
  }
  if (held > 0) {
    EDGE_RETURN_IF_ERROR(target.transact([](Transaction& tx) { return TransferStore(tx).deleteAll(); }));
    report.deleted = held;
  }

  for (const Plan& p : plans) {
    std::vector<Value> after;
    int64_t done = 0;
    if (progress) progress(Progress{p.table->name, 0, p.total});
    for (;;) {
      std::vector<Row> rows;
      EDGE_RETURN_IF_ERROR(source.transact(
          [&](Transaction& tx) -> core::Status {
            EDGE_ASSIGN_OR_RETURN(rows, TransferStore(tx).readBatch(*p.table, p.columns, after, options.batchRows));
            return core::Status::ok();
          },
          Storage::Mode::kReadOnly));
      if (rows.empty()) break;
      core::Status s = target.transact(
          [&](Transaction& tx) { return TransferStore(tx).insertRows(p.table->name, p.columns, rows); });
      if (!s.isOk()) {
        return s.withContext("copying " + p.table->name + " (" + std::to_string(done) + " rows were in)");
      }
      done += static_cast<int64_t>(rows.size());
      after.clear();
      for (size_t k : p.keyIndexes) after.push_back(rows.back().value(k));
      if (progress) progress(Progress{p.table->name, done, std::max(done, p.total)});
      if (static_cast<int64_t>(rows.size()) < options.batchRows) break;
    }
    report.tables.push_back(TableCount{p.table->name, p.total, done});
  }
  EDGE_RETURN_IF_ERROR(target.transact([&report](Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(report.identities, TransferStore(tx).advanceIdentities());
    return core::Status::ok();
  }));
  return report;
}

core::Result<VerifyReport> verifyPlatform(Storage& source, Storage& target) {
  EDGE_ASSIGN_OR_RETURN(Side a, readSide(source));
  EDGE_ASSIGN_OR_RETURN(Side b, readSide(target));
  VerifyReport report;
  // Usage first: the bytes each device and tenant was counted are what an operator checks, and the
  // report's text shows only the first ten differences (a platform still running after a copy adds
  // rows to many tables at once).
  compareSums("usage of device", a.byDevice, b.byDevice, &report.mismatches);
  compareSums("usage of tenant", a.byTenant, b.byTenant, &report.mismatches);
  compareSums("usage totals of tenant", a.totalsByTenant, b.totalsByTenant, &report.mismatches);
  for (const TableSpec& t : platformTables()) {
    const int64_t ca = a.counts[t.name], cb = b.counts[t.name];
    report.tables.push_back(TableCount{t.name, ca, cb});
    if (ca != cb) {
      report.mismatches.push_back("table " + t.name + ": " + std::to_string(ca) + " rows in the source, " +
                                  std::to_string(cb) + " in the target");
    }
  }
  std::set<std::string> devices, tenants;
  for (const auto* m : {&a.byDevice, &b.byDevice})
    for (const auto& [k, v] : *m) devices.insert(k);
  for (const auto* m : {&a.byTenant, &b.byTenant, &a.totalsByTenant, &b.totalsByTenant})
    for (const auto& [k, v] : *m) tenants.insert(k);
  report.devices = static_cast<int64_t>(devices.size());
  report.tenants = static_cast<int64_t>(tenants.size());
  return report;
}

}  // namespace mgmt::transfer
