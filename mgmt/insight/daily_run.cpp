#include "mgmt/insight/daily_run.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "mgmt/insight/day_collector.h"
#include "mgmt/tenancy/tenant_store.h"

namespace mgmt::insight {

namespace {

constexpr int64_t kRetryAfterSeconds = 3600;  // a failed or interrupted day is tried again after this
constexpr int32_t kCatchUpDays = 7;            // days collected at most, when runs were missed

}  // namespace

std::string dailyAtText(int minuteOfDay) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d", (minuteOfDay / 60) % 24, minuteOfDay % 60);
  return buf;
}

int64_t DailyInsight::dueAt(int32_t today, const std::optional<InsightRun>& run) const {
  const InsightOptions& o = insight_.options();
  if (!o.daily) return 0;
  const int64_t slot = static_cast<int64_t>(today) * 86400 + static_cast<int64_t>(o.dailyMinute) * 60;
  if (!run) return slot;
  if (run->outcome == "ok" || run->attempts >= o.dailyAttempts) return 0;
  return std::max(slot, run->startedAt + kRetryAfterSeconds);  // failed, or interrupted while running
}

core::Result<std::optional<InsightRun>> DailyInsight::runIfDue(int64_t now) {
  const int32_t today = static_cast<int32_t>(now / 86400);
  InsightRun claimed;
  bool due = false;
  // The claim: the day's row says "running" before any work, in one unit of work (serializable on
  // PostgreSQL), so a second mgmtd or a restart finds the day taken.
  EDGE_RETURN_IF_ERROR(insight_.storage().transact([&](store::Transaction& tx) -> core::Status {
    InsightStore store(tx);
    EDGE_ASSIGN_OR_RETURN(std::optional<InsightRun> run, store.run(today));
    const int64_t at = dueAt(today, run);
    due = at != 0 && now >= at;
    if (!due) return core::Status::ok();
    claimed = InsightRun{today, now, 0, run ? run->attempts + 1 : 1, "running", ""};
    return store.putRun(claimed);
  }));
  if (!due) return std::optional<InsightRun>();
  const auto started = std::chrono::steady_clock::now();
  core::Result<std::string> done = work(today, now);
  claimed.finishedAt =
      now + std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started).count();
  claimed.outcome = done.isOk() ? "ok" : "failed";
  claimed.detail = (done.isOk() ? *done : done.status().toString()).substr(0, 1000);
  EDGE_RETURN_IF_ERROR(insight_.storage().transact(
      [&](store::Transaction& tx) -> core::Status { return InsightStore(tx).putRun(claimed); }));
  return std::optional<InsightRun>(claimed);
}

core::Result<std::string> DailyInsight::work(int32_t today, int64_t now) {
  std::vector<std::string> tenants;
  std::optional<int32_t> lastOk;
  EDGE_RETURN_IF_ERROR(insight_.storage().transact(
      [&](store::Transaction& tx) -> core::Status {
        tenants.clear();
        EDGE_ASSIGN_OR_RETURN(std::vector<tenancy::Tenant> list, tenancy::TenantStore(tx).list(""));
        for (const tenancy::Tenant& t : list) tenants.push_back(t.id);
        EDGE_ASSIGN_OR_RETURN(lastOk, InsightStore(tx).lastOkRunBefore(today));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  // The days since the last good run collected (that run collected the day before its own), at most
  // a week back; normally just yesterday. A day collected again is replaced, so a retry is harmless.
  const int32_t from = std::max(lastOk.value_or(today - 1), today - kCatchUpDays);
  int64_t written = 0;
  for (int32_t day = from; day < today; ++day)
    for (const std::string& t : tenants) {
      core::Result<CollectReport> r = collectDay(insight_.storage(), t, day);
      if (!r.isOk()) return r.status().withContext("collecting day " + std::to_string(day) + " of tenant " + t);
      written += r->customers;
    }
  std::string words = "collected " + std::to_string(today - from) + " day(s) of " + std::to_string(tenants.size()) +
                      " tenant(s) (" + std::to_string(written) + " customer-days)";
  core::Result<TrainReport> trained = insight_.train(tenants, today, now);
  if (trained.isOk()) {
    words += "; trained the prior on " + std::to_string(trained->examples) + " examples and " +
             std::to_string(trained->tenants) + " tenant model(s)";
  } else if (trained.status().code() == core::Code::kFailedPrecondition) {
    words += "; not trained: not enough history yet";  // a young platform: the run is still good
  } else {
    return trained.status().withContext("training");
  }
  int64_t scored = 0;
  for (const std::string& t : tenants) {
    core::Result<int64_t> n = insight_.score(t, today, now);
    if (n.isOk()) scored += *n;
    else if (n.status().code() != core::Code::kFailedPrecondition)  // no model at all yet: nothing to score with
      return n.status().withContext("scoring tenant " + t);
  }
  words += "; scored " + std::to_string(scored) + " customer(s)";
  EDGE_ASSIGN_OR_RETURN(int64_t deleted, insight_.applyRetention(today));
  if (deleted > 0) words += "; " + std::to_string(deleted) + " day row(s) past the retention deleted";
  return words;
}

core::Result<DailyInsight::Schedule> DailyInsight::schedule(int64_t now, int64_t limit) {
  Schedule s;
  const InsightOptions& o = insight_.options();
  s.enabled = o.daily;
  s.dailyAt = dailyAtText(o.dailyMinute);
  const int32_t today = static_cast<int32_t>(now / 86400);
  std::optional<InsightRun> todays;
  EDGE_RETURN_IF_ERROR(insight_.storage().transact(
      [&](store::Transaction& tx) -> core::Status {
        InsightStore store(tx);
        EDGE_ASSIGN_OR_RETURN(s.runs, store.runs(limit));
        EDGE_ASSIGN_OR_RETURN(todays, store.run(today));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  if (o.daily) {
    const int64_t at = dueAt(today, todays);
    // Not again today: tomorrow's slot. Overdue: the job's next round (within a minute).
    s.nextRunAt = at == 0 ? static_cast<int64_t>(today + 1) * 86400 + static_cast<int64_t>(o.dailyMinute) * 60
                          : std::max(at, now);
  }
  return s;
}

}  // namespace mgmt::insight
