// The sync area's counters, declared here once (core/counters.h): the sync agent keeps them, the
// health monitor reads the state and last success (the sync-failing alert) and keeps the backlog,
// SNMP serves state, last success and backlog (EDGED-MIB edgedSync). Each user makes the struct from
// the registry and gets the same counters.
#pragma once

#include "core/counters.h"

namespace edge {

struct SyncCounters {
  explicit SyncCounters(core::CounterRegistry& r)
      : state(r.gauge("edged_sync_state", "Sync with the management plane: 1 not enrolled, 2 ok, 3 failing")),
        lastSuccess(r.gauge("edged_sync_last_success_timestamp_seconds", "Last successful check-in (0 = never)")),
        backlog(r.gauge("edged_sync_backlog_records", "Usage journal records not yet acknowledged upstream")),
        cycles(r.counter("edged_sync_cycles_total", "Sync cycles attempted (check-in, pull, uploads)")),
        failures(r.counter("edged_sync_failures_total", "Sync cycles that failed (the box retries with backoff)")),
        usageRows(r.counter("edged_sync_usage_rows_total", "Usage journal rows acknowledged by the management plane")),
        outboxDropped(r.counter("edged_sync_outbox_dropped_total",
                                "Outbox entries dropped because the outbox was full (mgmt unreachable for long)")),
        applied(r.counter("edged_sync_changes_applied_total", "Plan and subscriber changes applied from mgmt")),
        applyErrors(r.counter("edged_sync_change_errors_total",
                              "Changes from mgmt the box refused (see edgectl sync status)")) {}

  core::Counter& state;        // 1 not enrolled (also before the agent starts), 2 ok, 3 failing
  core::Counter& lastSuccess;  // Unix seconds
  core::Counter& backlog;      // set by the health monitor (journal seq - acknowledged watermark)
  core::Counter& cycles;
  core::Counter& failures;
  core::Counter& usageRows;
  core::Counter& outboxDropped;
  core::Counter& applied;
  core::Counter& applyErrors;
};

}  // namespace edge
