// The signups and jobs tables over one store::Transaction. SQL for them lives here only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt::onboarding {

struct SignupRow {
  std::string id, email, details, tier, scenario, state, tenantId, jobId;
  int64_t verifyExpiresAt = 0, createdAt = 0, verifiedAt = 0;
  std::string origin;  // the address (an IPv6 one by its /64) it came from
};

// One week of the signup funnel: signups made that week (Monday's date) and how many of them have
// verified, finished provisioning and converted so far.
struct FunnelWeek {
  std::string week;
  int64_t started = 0, verified = 0, provisioned = 0, converted = 0;
};

struct JobRow {
  std::string id, kind, tenantId, arguments, state, step, log, error;
  int64_t stepsDone = 0, stepsTotal = 0, createdAt = 0, updatedAt = 0;
};

class OnboardingStore {
 public:
  explicit OnboardingStore(store::Transaction& tx) : tx_(tx) {}

  core::Status insertSignup(const SignupRow& s, const std::string& verifySha256);
  core::Result<std::optional<SignupRow>> signupByVerifier(const std::string& verifySha256);
  core::Result<std::optional<SignupRow>> signupByTenant(const std::string& tenantId);
  // Pending signups of `email` made since `since` (a limit on mail to one address).
  core::Result<int64_t> recentSignups(const std::string& email, int64_t since);
  // Pending signups whose link still works at `now`: all of them, and those from `origin`.
  core::Result<int64_t> pendingSignups(int64_t now);
  core::Result<int64_t> pendingSignupsFrom(const std::string& origin, int64_t now);
  // Deletes pending signups whose link expired before `now`; how many.
  core::Result<int64_t> deleteExpiredSignups(int64_t now);
  // Adds one to `stage` ("started", "verified", "provisioned", "converted") of `week`.
  core::Status countFunnel(const std::string& week, const std::string& stage);
  // The newest `weeks` weeks that have a count, oldest first.
  core::Result<std::vector<FunnelWeek>> funnel(int weeks);
  core::Status markVerified(const std::string& id, const std::string& tenantId, const std::string& jobId, int64_t now);
  core::Status markConverted(const std::string& tenantId);
  // Signups by state, newest first, for the platform's funnel.
  core::Result<std::vector<SignupRow>> signups(int limit);
  core::Status deleteSignupsOfTenant(const std::string& tenantId);

  core::Status insertJob(const JobRow& j);
  core::Result<std::optional<JobRow>> job(const std::string& id);
  // The oldest job not finished (queued or running), if any.
  core::Result<std::optional<JobRow>> nextJob();
  core::Status updateJob(const JobRow& j);
  core::Status deleteJobsOfTenant(const std::string& tenantId);

 private:
  store::Transaction& tx_;
};

}  // namespace mgmt::onboarding
