// Fleet monitoring's commands on mgmtd's table (alert-list, alert-show, notification-settings-get/set,
// notification-preference-set, maintenance-add/list/cancel, notification-log), scoped through
// mgmt_tenancy: a tenant's caller sees only its own tenant. Specs in mgmt/mgmt_commands.cpp.
#pragma once

#include "core/command/command.h"
#include "mgmt/monitoring/monitoring_service.h"

namespace mgmt::monitoring {

void bindMonitoringCommands(core::command::Table& table, MonitoringService& monitoring);

// "1767225600" or "2026-01-01T00:00Z" / "2026-01-01T00:00:00Z" -> Unix seconds; kInvalidArgument
// naming `key` otherwise.
core::Result<int64_t> parseTime(const std::string& text, const std::string& key);

}  // namespace mgmt::monitoring
