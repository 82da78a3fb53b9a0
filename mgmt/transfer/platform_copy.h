// Copying a whole platform from one storage to another, and comparing two storages (mgmtctl
// migrate / verify, ADR 0025). Either storage may be SQLite or PostgreSQL; both must be at the same
// schema version (open both with mgmtStorageMigrations()). The source must not change while it is
// read: copy from a snapshot (store/sqlite/sqlite_snapshot.h) or from a stopped platform.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt::transfer {

struct CopyOptions {
  bool replace = false;      // delete what the target holds first (else a non-empty target is refused)
  int64_t batchRows = 2000;  // rows per read and per target transaction
};

// After each batch: `done` of `total` rows of `table` are in the target.
struct Progress {
  std::string table;
  int64_t done = 0;
  int64_t total = 0;
};
using ProgressFn = std::function<void(const Progress&)>;

struct TableCount {
  std::string table;
  int64_t source = 0;
  int64_t target = 0;
};

struct CopyReport {
  std::vector<TableCount> tables;  // rows copied per table (target: rows there afterwards)
  int64_t identities = 0;          // identity sequences moved past the copied ids
  int64_t deleted = 0;             // rows the target held before (replace)
};

// Checks that both have mgmt's tables with the same columns and nothing else, refuses a non-empty
// target unless `options.replace` (kFailedPrecondition, naming what it holds), then copies table by
// table in dependency order, in batches read in key order and each committed in one target
// transaction, and sets the target's identity sequences past the copied ids. A failure midway leaves
// a partial target: run again with replace. Does not verify: call verifyPlatform afterwards.
core::Result<CopyReport> copyPlatform(store::Storage& source, store::Storage& target, const CopyOptions& options,
                                      const ProgressFn& progress = {});

struct VerifyReport {
  std::vector<TableCount> tables;       // row counts per table on each side
  int64_t devices = 0;                  // devices whose usage sums were compared
  int64_t tenants = 0;                  // tenants whose usage sums were compared
  std::vector<std::string> mismatches;  // in words; empty when both hold the same
  bool ok() const { return mismatches.empty(); }
  // ok, or kCorrupt listing the first mismatches.
  core::Status status() const;
};

// Compares the two: rows per table; usage rows, bytes in and out and seconds summed per device and
// per tenant; the per-subscriber totals summed per tenant. Each side is read in one read-only
// transaction (one snapshot each).
core::Result<VerifyReport> verifyPlatform(store::Storage& source, store::Storage& target);

}  // namespace mgmt::transfer
