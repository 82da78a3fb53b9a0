// Insight on a schedule (issue 26, ADR 0074): once a day, at insight.daily-at (UTC), mgmtd collects
// the daily features of the days before today for every tenant (day_collector.h; the days since the
// last run that ended ok, at most a week back), retrains the churn models (the prior and each
// tenant's), scores every tenant's customers and applies the retention.
//
// Once a day, whatever the number of mgmtd or restarts: the job runs under the singleton lock
// "insight-daily" (Storage::withSingletonLock: one mgmtd at a time) and the day's row in insight_runs
// is claimed in a unit of work before the work starts (outcome running), so another mgmtd, or this
// one after a restart, sees the day taken. A run that failed, or was interrupted (still "running"),
// is tried again an hour after it started, up to `attempts` times that day. The runs are what the
// console's Tenant health page and `insight runs` show: last run, outcome, next run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "mgmt/insight/insight_service.h"
#include "mgmt/insight/insight_store.h"

namespace mgmt::insight {

// Minutes after midnight as "HH:MM" (insight.daily-at is read by mgmt::parseTimeOfDay, mgmt_config.h).
std::string dailyAtText(int minuteOfDay);

class DailyInsight {
 public:
  explicit DailyInsight(InsightService& insight) : insight_(insight) {}

  // The day's run when it is due at `now` (see above): its record as written when it ended (outcome
  // ok or failed: a step's failure ends the run and is its detail), or nullopt when nothing was due.
  // Not enough history to train on yet is not a failure (the detail says so).
  core::Result<std::optional<InsightRun>> runIfDue(int64_t now);

  // The newest runs first, and when the next one is due (0 = never: the schedule is off).
  struct Schedule {
    bool enabled = false;
    std::string dailyAt;  // "HH:MM" UTC
    int64_t nextRunAt = 0;
    std::vector<InsightRun> runs;
  };
  core::Result<Schedule> schedule(int64_t now, int64_t limit);

 private:
  // When today's run is due, given today's row (nullopt: no run yet); 0 = not again today.
  int64_t dueAt(int32_t today, const std::optional<InsightRun>& run) const;
  // The work itself; its words for the record.
  core::Result<std::string> work(int32_t today, int64_t now);

  InsightService& insight_;
};

}  // namespace mgmt::insight
