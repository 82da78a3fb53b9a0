// The audit log (ADR 0028): every mutating command, run or refused, by whom (actor, role), when,
// from where, on which tenant, with what (arguments, secrets masked) and what came of it (outcome,
// the reply with secrets masked). Written in one place: record() is the command table's audit hook
// (core/command Table::audit), so no handler writes audit rows itself. Searchable by tenant, actor,
// command and time range, and exportable as CSV (RFC 4180; cells that a spreadsheet would run as a
// formula are prefixed with a quote).
//
// Contract: a tenant's people see only their tenant's rows (rows of commands run by them or by the
// platform on their tenant); the platform sees all. A failure to write a row is returned, for the
// daemon to log and count: the command has already run.
#pragma once

#include <string>

#include "core/clock.h"
#include "core/command/command.h"
#include "mgmt/access/principal.h"
#include "mgmt/store/sql.h"

namespace mgmt::access {

// Replaces, at any depth, the values of keys that carry secrets ("token", "password", "secret", ...)
// with "***".
core::Json maskSecrets(const core::Json& value);
// One CSV cell (RFC 4180 quoting; "=", "+", "-", "@" at the start get a leading "'").
std::string csvCell(const std::string& text);

class AuditLog {
 public:
  struct Deps {
    store::Storage& storage;
    const core::Clock& clock;
  };
  explicit AuditLog(Deps deps) : d_(deps) {}

  core::Status record(const core::command::Caller& caller, const core::command::Spec& spec, const core::Json& arguments,
                      const core::ControlReply& reply);
  // audit-search and audit-export (mgmt_commands.cpp): --tenant, --actor, --command, --since,
  // --until, --limit.
  core::ControlReply search(const core::Json& args, const Principal& actor);
  core::ControlReply exportCsv(const core::Json& args, const Principal& actor);

 private:
  Deps d_;
};

}  // namespace mgmt::access
