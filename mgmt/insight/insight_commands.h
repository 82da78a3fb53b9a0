// Insight's commands on mgmtd's table (mgmt/mgmt_commands.cpp declares them; ADR 0042):
// insight-train (platform), insight-score, insight-backtest and insight-at-risk (a tenant's own, or
// any for the platform). The admin API serves the read ones as GET /api/v1/<name>.
#pragma once

#include "core/command/command.h"
#include "mgmt/insight/insight_service.h"

namespace mgmt::insight {

void bindInsightCommands(core::command::Table& table, InsightService& insight);

}  // namespace mgmt::insight
