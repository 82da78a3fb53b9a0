// Imports into a tenant as batches, and their rollback (issue 30, ADR 0049).
//
// Contract:
//  - import-apply takes a chunk of an ImportPlan (mgmtctl import maps the source with the importer
//    library and sends it in chunks): plans (plan-add arguments), subscribers (subscriber-add
//    arguments, each with its source line and, optionally, its customer record). One chunk is one
//    unit of work. Every row goes through the catalog's and the customers' own checks (the tier's
//    subscriber cap included: rows past it are refused, each said); nothing is overwritten: a plan,
//    subscriber or customer (by username) that exists is counted as kept. So a re-run adds nothing.
//  - With dry-run the same chunk is applied and rolled back: the answer says what would happen.
//  - An apply's chunk may say how far the whole import is ("rows-done" of "rows-total", ADR 0075):
//    the batch records it (with the time), and stays "applying" until rows-done reaches rows-total
//    (a chunk without them leaves the batch "applied", as before). import-list shows both.
//  - A chunk and a rollback of the same batch take the batch's row first, so they never interleave:
//    a chunk after the rollback is refused (the batch was rolled back), and a rollback waits for a
//    chunk being written and removes its rows too.
//  - Rows added carry the batch id. Any later write to a row by anything else clears it: a rollback
//    (import-rollback) removes the batch's subscribers and customers still marked, and its plans no
//    other subscriber is on (a plan kept is unmarked and reported), and marks the batch rolled back.
//  - import-history takes a chunk of the source's closed accounting sessions (FreeRADIUS radacct) for
//    a batch being applied: each becomes a usage row and a closed session of the tenant, under the
//    device id historyDevice(tenant) and an id hashed from the session's key, so a re-run (any batch)
//    skips what is there and the totals (charts, quotas) count each session once. A session of a
//    username that is no live subscriber of the tenant is skipped and counted. A rollback removes the
//    history of the subscribers it removes.
//  - Tenant-scoped like every catalog command: a tenant caller reaches only its own tenant.
#pragma once

#include "core/clock.h"
#include "core/command/command.h"
#include "core/control_socket.h"
#include "core/json.h"
#include "core/sync_wire.h"
#include "mgmt/importing/import_chunks.h"
#include "mgmt/store/sql.h"
#include "mgmt/tenancy/caller.h"

namespace mgmt::importing {

// Most rows one import-apply takes: kMaxPlansPerCall, kMaxSubscribersPerCall, kMaxSessionsPerCall
// (import_chunks.h, beside the loop that sends chunks of that size).

// The device id the tenant's imported history is stored under (no box has it: boxes' ids are
// generated, never with a ':').
std::string historyDevice(const std::string& tenantId);
// The id of an imported session (usage seq and session id) for its key: 60 bits of its SHA-256.
int64_t historyId(const std::string& key);
// One row of import-history's `sessions` (row i of the call), checked field by field: the session
// with its id from historyId(key), or InvalidArgument naming the row and field ("sessions[3].stopped:
// before started"). Fuzzed (tests/fuzz/import_history_fuzz.cpp).
core::Result<core::sync::SessionSummary> historySessionOf(const core::Json& row, size_t i);

class ImportService {
 public:
  struct Deps {
    store::Storage& storage;
    const core::Clock& clock;
  };
  explicit ImportService(Deps deps) : d_(deps) {}

  core::ControlReply apply(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply history(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply rollback(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply list(const core::Json& args, const tenancy::Caller& caller);

 private:
  Deps d_;
};

// Binds import-apply, import-history, import-rollback and import-list.
void bindImportCommands(core::command::Table& table, ImportService& service);

}  // namespace mgmt::importing
