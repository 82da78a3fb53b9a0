#include "mgmt/onboarding/onboarding_store.h"

namespace mgmt::onboarding {

using store::Row;

namespace {

constexpr const char* kSignupColumns =
    "id, email, details, tier, scenario, state, tenant_id, job_id, verify_expires_at, created_at, verified_at, origin";
constexpr const char* kJobColumns =
    "id, kind, tenant_id, arguments, state, step, log, error, steps_done, steps_total, created_at, updated_at";

SignupRow signupFromRow(const Row& r) {
  return SignupRow{r.text(0), r.text(1), r.text(2), r.text(3), r.text(4),  r.text(5),
                   r.text(6), r.text(7), r.int64(8), r.int64(9), r.int64(10), r.text(11)};
}

JobRow jobFromRow(const Row& r) {
  return JobRow{r.text(0),  r.text(1), r.text(2),  r.text(3),  r.text(4),  r.text(5),
                r.text(6),  r.text(7), r.int64(8), r.int64(9), r.int64(10), r.int64(11)};
}

}  // namespace

core::Status OnboardingStore::insertSignup(const SignupRow& s, const std::string& verifySha256) {
  return tx_
      .exec("INSERT INTO signups (id, email, details, tier, scenario, state, verify_sha256, verify_expires_at, "
            "created_at, origin) VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, $9)",
            {s.id, s.email, s.details, s.tier, s.scenario, verifySha256, s.verifyExpiresAt, s.createdAt, s.origin})
      .status();
}

core::Result<std::optional<SignupRow>> OnboardingStore::signupByVerifier(const std::string& verifySha256) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> row, tx_.queryOne(std::string("SELECT ") + kSignupColumns +
                                                                 " FROM signups WHERE verify_sha256 = $1",
                                                             {verifySha256}));
  if (!row) return std::optional<SignupRow>{};
  return std::optional<SignupRow>{signupFromRow(*row)};
}

core::Result<std::optional<SignupRow>> OnboardingStore::signupByTenant(const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> row, tx_.queryOne(std::string("SELECT ") + kSignupColumns +
                                                                 " FROM signups WHERE tenant_id = $1",
                                                             {tenantId}));
  if (!row) return std::optional<SignupRow>{};
  return std::optional<SignupRow>{signupFromRow(*row)};
}

core::Result<int64_t> OnboardingStore::recentSignups(const std::string& email, int64_t since) {
  return tx_.queryInt64("SELECT count(*) FROM signups WHERE email = $1 AND created_at >= $2", {email, since});
}

core::Result<int64_t> OnboardingStore::pendingSignups(int64_t now) {
  return tx_.queryInt64("SELECT count(*) FROM signups WHERE state = 'pending' AND verify_expires_at > $1", {now});
}

core::Result<int64_t> OnboardingStore::pendingSignupsFrom(const std::string& origin, int64_t now) {
  return tx_.queryInt64(
      "SELECT count(*) FROM signups WHERE origin = $1 AND state = 'pending' AND verify_expires_at > $2", {origin, now});
}

core::Result<int64_t> OnboardingStore::deleteExpiredSignups(int64_t now) {
  return tx_.exec("DELETE FROM signups WHERE state = 'pending' AND verify_expires_at <= $1", {now});
}

core::Status OnboardingStore::countFunnel(const std::string& week, const std::string& stage) {
  // The column is one of four fixed names, never the caller's text.
  static const char* const kStages[] = {"started", "verified", "provisioned", "converted"};
  for (const char* column : kStages) {
    if (stage != column) continue;
    return tx_
        .exec(std::string("INSERT INTO signup_funnel (week, ") + column + ") VALUES ($1, 1) ON CONFLICT(week) DO UPDATE "
                  "SET " + column + " = signup_funnel." + column + " + 1",
              {week})
        .status();
  }
  return core::internalError("signup funnel: no stage '" + stage + "'");
}

core::Result<std::vector<FunnelWeek>> OnboardingStore::funnel(int weeks) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query("SELECT week, started, verified, provisioned, converted FROM signup_funnel "
                                  "ORDER BY week DESC LIMIT $1",
                                  {int64_t{weeks}}));
  std::vector<FunnelWeek> out;
  for (auto it = rows.rbegin(); it != rows.rend(); ++it)
    out.push_back(FunnelWeek{it->text(0), it->int64(1), it->int64(2), it->int64(3), it->int64(4)});
  return out;
}

core::Status OnboardingStore::markVerified(const std::string& id, const std::string& tenantId, const std::string& jobId,
                                           int64_t now) {
  return tx_
      .exec("UPDATE signups SET state = 'verified', tenant_id = $2, job_id = $3, verified_at = $4 WHERE id = $1",
            {id, tenantId, jobId, now})
      .status();
}

core::Status OnboardingStore::markConverted(const std::string& tenantId) {
  return tx_.exec("UPDATE signups SET state = 'converted' WHERE tenant_id = $1", {tenantId}).status();
}

core::Result<std::vector<SignupRow>> OnboardingStore::signups(int limit) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query(std::string("SELECT ") + kSignupColumns +
                                      " FROM signups ORDER BY created_at DESC, id LIMIT $1",
                                  {int64_t{limit}}));
  std::vector<SignupRow> out;
  for (const Row& r : rows) out.push_back(signupFromRow(r));
  return out;
}

core::Status OnboardingStore::deleteSignupsOfTenant(const std::string& tenantId) {
  return tx_.exec("DELETE FROM signups WHERE tenant_id = $1", {tenantId}).status();
}

core::Status OnboardingStore::insertJob(const JobRow& j) {
  return tx_
      .exec("INSERT INTO jobs (id, kind, tenant_id, arguments, state, step, steps_done, steps_total, log, "
            "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            {j.id, j.kind, j.tenantId, j.arguments, j.state, j.step, j.stepsDone, j.stepsTotal, j.log, j.createdAt,
             j.updatedAt})
      .status();
}

core::Result<std::optional<JobRow>> OnboardingStore::job(const std::string& id) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> row,
                        tx_.queryOne(std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id = $1", {id}));
  if (!row) return std::optional<JobRow>{};
  return std::optional<JobRow>{jobFromRow(*row)};
}

core::Result<std::optional<JobRow>> OnboardingStore::nextJob() {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> row,
                        tx_.queryOne(std::string("SELECT ") + kJobColumns +
                                     " FROM jobs WHERE state IN ('queued', 'running') ORDER BY created_at, id LIMIT 1"));
  if (!row) return std::optional<JobRow>{};
  return std::optional<JobRow>{jobFromRow(*row)};
}

core::Status OnboardingStore::updateJob(const JobRow& j) {
  return tx_
      .exec("UPDATE jobs SET state = $2, step = $3, steps_done = $4, log = $5, error = $6, updated_at = $7 "
            "WHERE id = $1",
            {j.id, j.state, j.step, j.stepsDone, j.log, j.error, j.updatedAt})
      .status();
}

core::Status OnboardingStore::deleteJobsOfTenant(const std::string& tenantId) {
  return tx_.exec("DELETE FROM jobs WHERE tenant_id = $1", {tenantId}).status();
}

}  // namespace mgmt::onboarding
