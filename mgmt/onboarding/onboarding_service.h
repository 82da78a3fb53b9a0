// ISP self-registration and demo tenants (ADR 0029): signup, email verification, provisioning from a
// scenario as a job with steps and progress, the demo's lifecycle (activity extends it, reminders,
// lock at expiry, purge after a grace) and conversion to paid.
//
// Contract:
//  - signup() stores the request and puts a verification mail in the outbox in one unit of work; only
//    a SHA-256 of the link's secret is kept. The link works once, for verifyTtlSeconds.
//  - verify() creates the demo tenant (no sample data yet) and a provisioning job in one unit of work;
//    the same link again answers with the same job (idempotent), never a second tenant.
//  - runJobs() runs provisioning steps, each step one unit of work with the job's progress, so a
//    restart resumes at the first step not done and no step is written twice. mgmtd runs it as a
//    singleton job ("provisioning").
//  - lifecycle() (singleton "demo-lifecycle"): a reminder mail once per expiry when a demo ends within
//    reminderDays; an active demo past its expiry is locked (suspended, mail); a locked demo is purged
//    purgeGraceDays after the lock: every row of the tenant, in every area, goes.
//  - touch(): a demo tenant's activity moves its expiry to now + demoDays (a new license at most once
//    a day).
//  - convert(): a demo becomes a paying tenant on a tier with billing details; its own data stays and
//    the sample rows (marked when written) go: sample subscribers and plans as tombstones (so boxes
//    drop them), sample devices with their usage, sessions and events, the samples' usage totals.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/clock.h"
#include "core/control_socket.h"
#include "core/json.h"
#include "mgmt/onboarding/signup_request.h"
#include "mgmt/store/sql.h"
#include "mgmt/tenancy/caller.h"
#include "mgmt/tenancy/tenancy_service.h"

namespace mgmt::onboarding {

class OnboardingService {
 public:
  struct Deps {
    store::Storage& storage;
    const core::Clock& clock;
    tenancy::TenancyService& tenancy;
    // Where links in mail point (mgmtd's public admin URL, "https://mgmt.example:8444").
    std::function<std::string()> publicUrl;
    int64_t verifyTtlSeconds = 86400;
    int64_t demoDays = 7;
    int64_t reminderDays = 2;
    int64_t purgeGraceDays = 14;
    int64_t signupsPerEmailPerHour = 3;
    // A purge's rows in areas this service does not know (people, billing): none = nothing more.
    std::function<core::Status(store::Transaction&, const std::string& tenantId)> purgeOtherAreas;
  };
  struct LifecycleReport {
    std::vector<std::string> reminded, locked, purged;  // tenant names
  };

  explicit OnboardingService(Deps deps) : d_(std::move(deps)) {}

  // The public signup: {"signup": id, "email": ...}. kInvalidArgument naming the field;
  // kResourceExhausted after too many signups for one address.
  core::Result<core::Json> signup(const SignupRequest& request);
  // The emailed link's secret: {"tenant": name, "tenant-id": id, "job": id}. kNotFound for an unknown
  // secret, kFailedPrecondition for an expired one.
  core::Result<core::Json> verify(const std::string& secret);
  // A job's progress: {"id", "kind", "state", "step", "steps-done", "steps-total", "percent", "log",
  // "error", "tenant"}; kNotFound.
  core::Result<core::Json> job(const std::string& id);
  // Runs pending provisioning steps for at most `budgetMillis` (0: until none is left); returns the
  // number of steps run.
  core::Result<int> runJobs(int64_t budgetMillis = 0);
  core::Result<LifecycleReport> lifecycle();
  core::Status touch(const std::string& tenantId);

  // Commands: demo-convert (tenant, tier, billing-name, billing-email, billing-address, billing-tax-id)
  // and signup-list (the platform's funnel).
  core::ControlReply convert(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply signupList(const core::Json& args, const tenancy::Caller& caller);
  // branding-set: the tenant's branding in its mail (mail::setBranding); fields left out keep theirs.
  core::ControlReply setBranding(const core::Json& args, const tenancy::Caller& caller);
  // branding-show: what the tenant set (fields it left empty are "": the platform's are used).
  core::ControlReply showBranding(const core::Json& args, const tenancy::Caller& caller);

 private:
  core::Status purge(store::Transaction& tx, const std::string& tenantId);

  Deps d_;
};

}  // namespace mgmt::onboarding
