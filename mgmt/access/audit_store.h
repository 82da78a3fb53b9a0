// The audit_log table (migration 3, ADR 0028): one row per mutating command the command table ran
// or refused. SQL for it lives here only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt::access {

struct AuditRow {
  int64_t id = 0, at = 0;
  std::string actor, role, tenantId, origin, command, arguments, outcome, before, after;
};

struct AuditQuery {
  std::string tenantId;  // "" = the platform's own rows; "*" = every row
  std::string actor, command;  // exact; "" = any
  int64_t since = 0, until = 0;  // at >= since, at < until; 0 = open
  int64_t limit = 100;
  // Keyset paging: only rows after this row's place in the order (0 = from the start).
  int64_t afterId = 0;
  bool oldestFirst = false;
};

class AuditStore {
 public:
  explicit AuditStore(store::Transaction& tx) : tx_(tx) {}
  core::Status insert(const AuditRow& row);
  // Every row about the tenant (a demo's purge).
  core::Status deleteTenant(const std::string& tenantId);
  core::Result<std::vector<AuditRow>> search(const AuditQuery& q);

 private:
  store::Transaction& tx_;
};

}  // namespace mgmt::access
