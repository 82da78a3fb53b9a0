// ISP self-registration and demo tenants (ADR 0029): signup, email verification, provisioning from a
// scenario as a job with steps and progress, the demo's lifecycle (activity extends it, reminders,
// lock at expiry, purge after a grace) and conversion to paid.
//
// Contract:
//  - signup() stores the request and puts a verification mail in the outbox in one unit of work; only
//    a SHA-256 of the link's secret is kept. Refused (kResourceExhausted) past a cap, checked in the
//    same unit of work: signupsPerEmailPerHour per address, pendingPerOrigin unverified signups from
//    one client address (an IPv6 one by its /64) and pendingMax unverified signups in all. A pending
//    signup whose link expired no longer counts and is deleted by lifecycle().
//  - The link's secret is single-purpose: it only verifies this signup (it signs nobody in and is
//    no job id), for verifyTtlSeconds from the signup. verify() creates the demo tenant (no sample
//    data yet) and a provisioning job in one unit of work; the same link again, while it is valid,
//    answers with the same job (idempotent), never a second tenant; after that it is expired too.
//  - The funnel (funnel()): each week's signups counted as they start, verify, finish provisioning
//    and convert, in the unit of work of each step, by the week the signup was made.
//  - runJobs() runs provisioning steps, each step one unit of work with the job's progress, so a
//    restart resumes at the first step not done and no step is written twice. The last step
//    ("ready") mails the contact and invites them as the tenant's owner (Deps::inviteOwner). mgmtd runs it as a
//    singleton job ("provisioning").
//  - lifecycle() (singleton "demo-lifecycle"): deletes pending signups whose link expired; a reminder mail once per expiry when a demo ends within
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
    // When a demo is ready: its owner (the signup's email and contact name) gets a way in, in the
    // ready step's unit of work (mgmt/access: a person and an invitation mail). None: nobody is made.
    std::function<core::Status(store::Transaction&, const std::string& tenantId, const std::string& email,
                               const std::string& name, int64_t now)>
        inviteOwner = {};
    // Unverified signups (link not expired) at once: from one client address, and in all.
    int64_t pendingPerOrigin = 5;
    int64_t pendingMax = 2000;
  };
  struct LifecycleReport {
    std::vector<std::string> reminded, locked, purged;  // tenant names
    int64_t expiredSignups = 0;                          // pending signups deleted (link expired)
  };

  explicit OnboardingService(Deps deps) : d_(std::move(deps)) {}

  // The public signup from client address `origin` (AddressRateLimiter::keyOf: "" for none):
  // {"signup": id, "email": ...}. kInvalidArgument naming the field; kResourceExhausted past a cap
  // (the message names it: "email: ..." for the address's hourly limit).
  core::Result<core::Json> signup(const SignupRequest& request, const std::string& origin = "");
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
  // signup-funnel (weeks, default 12): per week {"week", "started", "verified", "provisioned",
  // "converted"}, oldest first; the platform's only.
  core::ControlReply signupFunnel(const core::Json& args, const tenancy::Caller& caller);
  // branding-set: the tenant's branding in its mail (mail::setBranding); fields left out keep theirs.
  core::ControlReply setBranding(const core::Json& args, const tenancy::Caller& caller);
  // branding-show: what the tenant set (fields it left empty are "": the platform's are used).
  // With "logo": the uploaded logo's path on mgmtd ("/branding/logo/TENANT-ID") and "logo-etag", or "".
  core::ControlReply showBranding(const core::Json& args, const tenancy::Caller& caller);
  // branding-logo-set (tenant, image: the file's bytes in base64): the tenant's logo, checked by
  // mail::checkLogo ("logo: not a PNG or JPEG", "logo: larger than 256 KiB", "logo: wider than 1024
  // px"); answers {"tenant", "content-type", "width", "height", "etag"}.
  core::ControlReply setLogo(const core::Json& args, const tenancy::Caller& caller);
  // branding-logo-clear (tenant): back to the platform's logo; {"tenant", "cleared": true|false}.
  core::ControlReply clearLogo(const core::Json& args, const tenancy::Caller& caller);

 private:
  core::Status purge(store::Transaction& tx, const std::string& tenantId);

  Deps d_;
};

}  // namespace mgmt::onboarding
