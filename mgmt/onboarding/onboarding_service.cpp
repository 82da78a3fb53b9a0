#include "mgmt/onboarding/onboarding_service.h"

#include <chrono>

#include "core/command_args.h"
#include "core/pki.h"
#include "mgmt/catalog/catalog_store.h"
#include "mgmt/fleet/fleet_store.h"
#include "mgmt/mail/logo_store.h"
#include "mgmt/mail/mail_store.h"
#include "mgmt/mail/outbox.h"
#include "mgmt/mgmt_time.h"
#include "mgmt/onboarding/onboarding_store.h"
#include "mgmt/onboarding/scenarios.h"
#include "mgmt/tiers.h"
#include "mgmt/usage/usage_store.h"

namespace mgmt::onboarding {

using core::ControlReply;
using core::Json;
using tenancy::Tenant;
using tenancy::TenantStore;

namespace {

constexpr const char* kProvisionDemo = "provision-demo";

Json jobJson(const JobRow& j, const std::string& tenantName) {
  Json log = Json::array();
  if (core::Result<Json> parsed = core::parseJsonWithComments(j.log, "job log"); parsed.isOk()) log = *parsed;
  const int64_t percent = j.stepsTotal == 0 ? 0 : j.stepsDone * 100 / j.stepsTotal;
  return Json{{"id", j.id},
              {"kind", j.kind},
              {"state", j.state},
              {"step", j.step},
              {"steps-done", j.stepsDone},
              {"steps-total", j.stepsTotal},
              {"percent", percent},
              {"log", log},
              {"error", j.error},
              {"tenant", tenantName},
              {"created", iso(j.createdAt)},
              {"updated", iso(j.updatedAt)}};
}

std::string dayOf(int64_t unix) { return iso(unix).substr(0, 10); }

// The funnel's week of a moment: the date of its Monday (UTC). 1970-01-01 was a Thursday.
std::string weekOf(int64_t unix) {
  const int64_t days = (unix >= 0 ? unix : unix - 86399) / 86400;
  const int64_t sinceMonday = ((days + 3) % 7 + 7) % 7;
  return dayOf((days - sinceMonday) * 86400);
}

}  // namespace

core::Result<Json> OnboardingService::signup(const SignupRequest& r, const std::string& origin) {
  const int64_t now = d_.clock.unixSeconds();
  const std::string secret = core::pki::randomHex(20);
  SignupRow row;
  row.id = "s-" + core::pki::randomHex(6);
  row.email = r.email;
  row.details = r.details().dump();
  row.tier = r.tier;
  row.scenario = r.scenario;
  row.verifyExpiresAt = now + d_.verifyTtlSeconds;
  row.createdAt = now;
  row.origin = origin.substr(0, 64);
  const std::string link = (d_.publicUrl ? d_.publicUrl() : std::string()) + "/signup/verify?token=" + secret;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    OnboardingStore store(tx);
    EDGE_ASSIGN_OR_RETURN(int64_t recent, store.recentSignups(r.email, now - 3600));
    if (recent >= d_.signupsPerEmailPerHour)
      return core::resourceExhausted("email: too many signups for this address; try again in an hour");
    // The caps that keep one client (and all of them) from growing the table and the outbox.
    EDGE_ASSIGN_OR_RETURN(int64_t fromOrigin, store.pendingSignupsFrom(row.origin, now));
    if (fromOrigin >= d_.pendingPerOrigin)
      return core::resourceExhausted("too many signups from your address are waiting for their email link: "
                                     "open one of those links, or try again when they expire");
    EDGE_ASSIGN_OR_RETURN(int64_t pending, store.pendingSignups(now));
    if (pending >= d_.pendingMax)
      return core::resourceExhausted("signups are paused: too many are waiting for their email link; try again later");
    EDGE_RETURN_IF_ERROR(store.insertSignup(row, core::pki::sha256Hex(secret)));
    EDGE_RETURN_IF_ERROR(store.countFunnel(weekOf(now), "started"));
    return mail::enqueue(tx, "", r.email, "signup-verify", Json{{"link", link}, {"business", r.businessName}}, now)
        .status();
  }));
  return Json{{"signup", row.id}, {"email", r.email}, {"scenario", r.scenario}, {"tier", r.tier},
              {"verify-by", iso(row.verifyExpiresAt)}};
}

core::Result<Json> OnboardingService::verify(const std::string& secret) {
  if (secret.empty() || secret.size() > 128) return core::invalidArgument("token: missing or too long");
  const int64_t now = d_.clock.unixSeconds();
  Json out;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    OnboardingStore store(tx);
    EDGE_ASSIGN_OR_RETURN(std::optional<SignupRow> s, store.signupByVerifier(core::pki::sha256Hex(secret)));
    if (!s) return core::notFound("token: this link is not known (it may have been mistyped)");
    // Single-purpose and expiring: after verifyTtlSeconds the link is no use at all, verified or not.
    if (now >= s->verifyExpiresAt) return core::failedPrecondition("token: this link has expired; sign up again");
    if (s->state != "pending") {
      // The same link again: where the first click led.
      EDGE_ASSIGN_OR_RETURN(std::optional<Tenant> t, TenantStore(tx).byId(s->tenantId));
      out = Json{{"tenant", t ? t->name : ""}, {"tenant-id", s->tenantId}, {"job", s->jobId}, {"again", true}};
      return core::Status::ok();
    }
    const Scenario* scenario = findScenario(s->scenario);
    if (scenario == nullptr) return core::internalError("signup " + s->id + " names an unknown scenario");
    EDGE_ASSIGN_OR_RETURN(Json details, core::parseJsonWithComments(s->details, "signup details"));
    EDGE_ASSIGN_OR_RETURN(Tenant t, d_.tenancy.createDemo(tx, details.value("business-name", "demo"), s->tier, now));
    EDGE_RETURN_IF_ERROR(TenantStore(tx).setContactEmail(t.id, s->email));
    JobRow job;
    job.id = "j-" + core::pki::randomHex(8);
    job.kind = kProvisionDemo;
    job.tenantId = t.id;
    job.arguments = Json{{"scenario", scenario->name}, {"signup", s->id}, {"week", weekOf(s->createdAt)}}.dump();
    job.state = "queued";
    job.step = "waiting to start";
    job.stepsTotal = static_cast<int64_t>(scenarioSteps(*scenario).size()) + 1;  // + "ready"
    job.log = "[]";
    job.createdAt = job.updatedAt = now;
    EDGE_RETURN_IF_ERROR(store.insertJob(job));
    EDGE_RETURN_IF_ERROR(store.markVerified(s->id, t.id, job.id, now));
    EDGE_RETURN_IF_ERROR(store.countFunnel(weekOf(s->createdAt), "verified"));
    out = Json{{"tenant", t.name}, {"tenant-id", t.id}, {"job", job.id}, {"again", false}};
    return core::Status::ok();
  }));
  return out;
}

core::Result<Json> OnboardingService::job(const std::string& id) {
  Json out;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(std::optional<JobRow> j, OnboardingStore(tx).job(id));
        if (!j) return core::notFound("job: no job '" + id.substr(0, 64) + "'");
        EDGE_ASSIGN_OR_RETURN(std::optional<Tenant> t, TenantStore(tx).byId(j->tenantId));
        out = jobJson(*j, t ? t->name : "");
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return out;
}

core::Result<int> OnboardingService::runJobs(int64_t budgetMillis) {
  const auto start = d_.clock.monotonicNow();
  int steps = 0;
  for (;;) {
    if (budgetMillis > 0 &&
        std::chrono::duration_cast<std::chrono::milliseconds>(d_.clock.monotonicNow() - start).count() >= budgetMillis)
      break;
    bool ranOne = false;
    std::string failedJob, failure;
    core::Status s = d_.storage.transact([&](store::Transaction& tx) -> core::Status {
      ranOne = false;
      OnboardingStore store(tx);
      EDGE_ASSIGN_OR_RETURN(std::optional<JobRow> j, store.nextJob());
      if (!j) return core::Status::ok();
      ranOne = true;
      const int64_t now = d_.clock.unixSeconds();
      EDGE_ASSIGN_OR_RETURN(Json args, core::parseJsonWithComments(j->arguments, "job arguments"));
      const Scenario* scenario = findScenario(args.value("scenario", ""));
      EDGE_ASSIGN_OR_RETURN(std::optional<Tenant> t, TenantStore(tx).byId(j->tenantId));
      if (scenario == nullptr || !t) {
        failedJob = j->id;
        failure = !t ? "the tenant is gone" : "unknown scenario";
        return core::Status::ok();
      }
      const std::vector<std::string> names = scenarioSteps(*scenario);
      EDGE_ASSIGN_OR_RETURN(Json log, core::parseJsonWithComments(j->log, "job log"));
      const size_t index = static_cast<size_t>(j->stepsDone);
      std::string name;
      if (index < names.size()) {
        name = names[index];
        EDGE_RETURN_IF_ERROR(writeScenarioStep(tx, *t, *scenario, index, now).withContext(name));
        j->state = "running";
      } else {
        name = "ready";
        const std::string console = d_.publicUrl ? d_.publicUrl() : std::string();
        EDGE_ASSIGN_OR_RETURN(std::optional<TenantStore::DemoState> demo, TenantStore(tx).demo(t->id));
        if (demo && !demo->contactEmail.empty()) {
          EDGE_RETURN_IF_ERROR(mail::enqueue(tx, t->id, demo->contactEmail, "demo-ready",
                                             Json{{"tenant", t->name}, {"scenario", scenario->name},
                                                  {"console-url", console}},
                                             now)
                                   .status());
          if (d_.inviteOwner) {
            std::string contact;
            EDGE_ASSIGN_OR_RETURN(std::optional<SignupRow> signup, store.signupByTenant(t->id));
            if (signup) {
              if (core::Result<Json> d = core::parseJsonWithComments(signup->details, "details"); d.isOk())
                contact = d->value("contact-name", "");
            }
            EDGE_RETURN_IF_ERROR(d_.inviteOwner(tx, t->id, demo->contactEmail, contact, now).withContext("inviting the owner"));
          }
        }
        j->state = "done";
        if (args.contains("week") && args["week"].is_string())
          EDGE_RETURN_IF_ERROR(store.countFunnel(args["week"].get<std::string>(), "provisioned"));
      }
      log.push_back(Json{{"step", name}, {"at", iso(now)}});
      j->log = log.dump();
      j->step = name;
      j->stepsDone = static_cast<int64_t>(index) + 1;
      j->updatedAt = now;
      return store.updateJob(*j);
    });
    if (!s.isOk()) {
      // The step failed and wrote nothing: the job records why, and stops (a person looks at it).
      EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
        OnboardingStore store(tx);
        EDGE_ASSIGN_OR_RETURN(std::optional<JobRow> j, store.nextJob());
        if (!j) return core::Status::ok();
        j->state = "failed";
        j->error = s.message();
        j->updatedAt = d_.clock.unixSeconds();
        return store.updateJob(*j);
      }));
      ++steps;
      continue;
    }
    if (!failedJob.empty()) {
      EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
        OnboardingStore store(tx);
        EDGE_ASSIGN_OR_RETURN(std::optional<JobRow> j, store.job(failedJob));
        if (!j) return core::Status::ok();
        j->state = "failed";
        j->error = failure;
        j->updatedAt = d_.clock.unixSeconds();
        return store.updateJob(*j);
      }));
    }
    if (!ranOne) break;
    ++steps;
  }
  return steps;
}

core::Status OnboardingService::touch(const std::string& tenantId) {
  const int64_t now = d_.clock.unixSeconds();
  const int64_t until = now + d_.demoDays * 86400;
  return d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    TenantStore tenants(tx);
    EDGE_ASSIGN_OR_RETURN(std::optional<TenantStore::DemoState> demo, tenants.demo(tenantId));
    // Only an active demo, and at most one new license a day.
    if (!demo || demo->status != "active" || demo->expiresAt + 86400 > until) return core::Status::ok();
    EDGE_ASSIGN_OR_RETURN(std::optional<Tenant> t, tenants.byId(tenantId));
    if (!t) return core::Status::ok();
    t->expiresAt = until;
    return d_.tenancy.reissueLicense(tx, *t, now);
  });
}

core::Result<OnboardingService::LifecycleReport> OnboardingService::lifecycle() {
  const int64_t now = d_.clock.unixSeconds();
  LifecycleReport report;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(report.expiredSignups, OnboardingStore(tx).deleteExpiredSignups(now));
    return core::Status::ok();
  }));
  std::vector<TenantStore::DemoState> demos;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(demos, TenantStore(tx).demos());
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  // One unit of work per tenant: one tenant's trouble does not hold back the others.
  for (const TenantStore::DemoState& seen : demos) {
    EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
      TenantStore tenants(tx);
      EDGE_ASSIGN_OR_RETURN(std::optional<TenantStore::DemoState> demo, tenants.demo(seen.id));
      if (!demo) return core::Status::ok();
      const Json vars{{"tenant", demo->name},
                      {"expires", dayOf(demo->expiresAt)},
                      {"days-left", (demo->expiresAt - now + 86399) / 86400},
                      {"purge-date", dayOf((demo->lockedAt != 0 ? demo->lockedAt : now) + d_.purgeGraceDays * 86400)}};
      if (demo->lockedAt != 0) {
        // Brought back by the platform (a new expiry, then tenant-resume): no longer locked.
        if (demo->status == "active" && now < demo->expiresAt) return tenants.lockDemo(demo->id, 0);
        if (now >= demo->lockedAt + d_.purgeGraceDays * 86400) {
          EDGE_RETURN_IF_ERROR(purge(tx, demo->id).withContext("purging demo tenant '" + demo->name + "'"));
          report.purged.push_back(demo->name);
        }
        return core::Status::ok();
      }
      // Past its expiry, active or already suspended (mgmtd's demo-expiry job, or by hand): locked now,
      // and the grace starts.
      if (now >= demo->expiresAt) {
        EDGE_RETURN_IF_ERROR(tenants.lockDemo(demo->id, now));
        if (!demo->contactEmail.empty())
          EDGE_RETURN_IF_ERROR(mail::enqueue(tx, demo->id, demo->contactEmail, "demo-expired", vars, now).status());
        report.locked.push_back(demo->name);
      } else if (demo->status == "active" && demo->expiresAt - now <= d_.reminderDays * 86400 &&
                 demo->remindedFor != demo->expiresAt) {
        if (!demo->contactEmail.empty())
          EDGE_RETURN_IF_ERROR(mail::enqueue(tx, demo->id, demo->contactEmail, "demo-reminder", vars, now).status());
        EDGE_RETURN_IF_ERROR(tenants.setDemoReminded(demo->id, demo->expiresAt));
        report.reminded.push_back(demo->name);
      }
      return core::Status::ok();
    }));
  }
  return report;
}

core::Status OnboardingService::purge(store::Transaction& tx, const std::string& tenantId) {
  EDGE_RETURN_IF_ERROR(usage::UsageStore(tx).deleteTenant(tenantId));
  EDGE_RETURN_IF_ERROR(fleet::FleetStore(tx).deleteTenant(tenantId));
  EDGE_RETURN_IF_ERROR(catalog::CatalogStore(tx).deleteTenant(tenantId));
  EDGE_RETURN_IF_ERROR(mail::MailStore(tx).deleteTenant(tenantId));
  OnboardingStore store(tx);
  EDGE_RETURN_IF_ERROR(store.deleteJobsOfTenant(tenantId));
  EDGE_RETURN_IF_ERROR(store.deleteSignupsOfTenant(tenantId));
  if (d_.purgeOtherAreas) EDGE_RETURN_IF_ERROR(d_.purgeOtherAreas(tx, tenantId));
  return TenantStore(tx).deleteTenant(tenantId);
}

ControlReply OnboardingService::convert(const Json& args, const tenancy::Caller& caller) {
  core::CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "tier", "billing-name", "billing-email", "billing-address", "billing-tax-id"}));
  EDGE_ASSIGN_OR_RETURN(std::string tier, a.required("tier"));
  const Tier* newTier = findTier(tier);
  if (newTier == nullptr) return ControlReply::error(core::invalidArgument("tier: one of " + tierNames()));
  EDGE_ASSIGN_OR_RETURN(std::string billingName, a.required("billing-name"));
  EDGE_ASSIGN_OR_RETURN(std::string billingEmail, a.required("billing-email"));
  EDGE_ASSIGN_OR_RETURN(std::string billingAddress, a.required("billing-address"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> billingTaxId, a.text("billing-tax-id"));
  if (billingName.empty() || billingName.size() > 100)
    return ControlReply::error(core::invalidArgument("billing-name: 1 to 100 characters"));
  if (!mail::validAddress(billingEmail))
    return ControlReply::error(core::invalidArgument("billing-email: not an email address"));
  if (billingAddress.empty() || billingAddress.size() > 500)
    return ControlReply::error(core::invalidArgument("billing-address: 1 to 500 characters"));
  const int64_t now = d_.clock.unixSeconds();
  Json out;
  core::Status s = d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
    if (!t.demo) return core::failedPrecondition("tenant: '" + t.name + "' is not a demo");
    // A provisioning still running would write samples after the drop.
    EDGE_ASSIGN_OR_RETURN(std::optional<SignupRow> signup, OnboardingStore(tx).signupByTenant(t.id));
    if (signup && !signup->jobId.empty()) {
      EDGE_ASSIGN_OR_RETURN(std::optional<JobRow> job, OnboardingStore(tx).job(signup->jobId));
      if (job && (job->state == "queued" || job->state == "running"))
        return core::failedPrecondition("tenant: the demo is still being provisioned; convert it when that is done");
    }
    catalog::CatalogStore catalogStore(tx);
    fleet::FleetStore fleetStore(tx);
    usage::UsageStore usageStore(tx);
    TenantStore tenants(tx);
    int64_t droppedSubscribers = 0, droppedPlans = 0, droppedDevices = 0, keptPlans = 0;
    EDGE_ASSIGN_OR_RETURN(std::vector<std::string> subscribers, catalogStore.sampleSubscribers(t.id));
    for (const std::string& u : subscribers) {
      EDGE_ASSIGN_OR_RETURN(int64_t version, tenants.nextVersion(t.id));
      EDGE_RETURN_IF_ERROR(catalogStore.tombstoneSubscriber(t.id, u, version, now));
      EDGE_RETURN_IF_ERROR(usageStore.deleteTotals(t.id, u));
      ++droppedSubscribers;
    }
    EDGE_ASSIGN_OR_RETURN(std::vector<std::string> plans, catalogStore.samplePlans(t.id));
    for (const std::string& p : plans) {
      EDGE_ASSIGN_OR_RETURN(int64_t own, catalogStore.ownSubscribersOnPlan(t.id, p));
      if (own > 0) {  // the tenant's own customers are on it: it is theirs now
        EDGE_RETURN_IF_ERROR(catalogStore.unmarkSamplePlan(t.id, p));
        ++keptPlans;
        continue;
      }
      EDGE_ASSIGN_OR_RETURN(int64_t version, tenants.nextVersion(t.id));
      EDGE_RETURN_IF_ERROR(catalogStore.tombstonePlan(t.id, p, version, now));
      ++droppedPlans;
    }
    EDGE_ASSIGN_OR_RETURN(std::vector<std::string> devices, fleetStore.sampleDevices(t.id));
    for (const std::string& d : devices) {
      EDGE_RETURN_IF_ERROR(usageStore.deleteDeviceData(d));
      EDGE_RETURN_IF_ERROR(fleetStore.deleteDevice(d));
      ++droppedDevices;
    }
    if (newTier->subscriberCap != 0) {
      EDGE_ASSIGN_OR_RETURN(int64_t own, catalogStore.subscriberCount(t.id));
      if (static_cast<uint64_t>(own) > newTier->subscriberCap)
        return core::invalidArgument("tier: '" + tier + "' allows " + std::to_string(newTier->subscriberCap) +
                                     " customers and tenant '" + t.name + "' has " + std::to_string(own) +
                                     " of its own");
    }
    const Json billing{{"name", billingName}, {"email", billingEmail}, {"address", billingAddress},
                       {"tax-id", billingTaxId.value_or("")}, {"converted", iso(now)}};
    EDGE_RETURN_IF_ERROR(tenants.convertDemo(t.id, tier, billing.dump()));
    t.tier = tier;
    t.demo = false;
    t.status = "active";  // convertDemo's
    t.expiresAt = now + d_.tenancy.licenseDays() * 86400;
    EDGE_RETURN_IF_ERROR(d_.tenancy.reissueLicense(tx, t, now));
    // A paying tenant now: the platform bills it from today (ADR 0071).
    EDGE_RETURN_IF_ERROR(d_.tenancy.billingFollows(tx, t, now));
    EDGE_RETURN_IF_ERROR(OnboardingStore(tx).markConverted(t.id));
    if (signup) EDGE_RETURN_IF_ERROR(OnboardingStore(tx).countFunnel(weekOf(signup->createdAt), "converted"));
    EDGE_RETURN_IF_ERROR(
        mail::enqueue(tx, t.id, billingEmail, "welcome-paid", Json{{"tenant", t.name}, {"tier", tier}}, now).status());
    out = Json{{"tenant", t.name},
               {"tier", tier},
               {"dropped", Json{{"subscribers", droppedSubscribers}, {"plans", droppedPlans}, {"devices", droppedDevices}}},
               {"kept-plans", keptPlans},
               {"expires", iso(t.expiresAt)}};
    return core::Status::ok();
  });
  if (!s.isOk()) return ControlReply::error(s);
  return ControlReply::success("tenant '" + out["tenant"].get<std::string>() + "' is on " + tier +
                                   "; the demo's sample data is gone, its own data stays",
                               out);
}

ControlReply OnboardingService::signupList(const Json& args, const tenancy::Caller& caller) {
  core::CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"limit"}));
  if (!caller.platform()) return ControlReply::error(core::permissionDenied("signups are the platform's"));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, a.integer("limit", 1, 1000));
  Json out = Json::array();
  core::Status s = d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        OnboardingStore store(tx);
        EDGE_ASSIGN_OR_RETURN(std::vector<SignupRow> rows, store.signups(static_cast<int>(limit.value_or(100))));
        for (const SignupRow& r : rows) {
          Json j{{"id", r.id},         {"email", r.email},       {"tier", r.tier},
                 {"scenario", r.scenario}, {"state", r.state},   {"tenant-id", r.tenantId},
                 {"created", iso(r.createdAt)}, {"verified", iso(r.verifiedAt)}};
          if (core::Result<Json> d = core::parseJsonWithComments(r.details, "details"); d.isOk())
            j["business-name"] = d->value("business-name", "");
          if (!r.jobId.empty()) {
            EDGE_ASSIGN_OR_RETURN(std::optional<JobRow> job, store.job(r.jobId));
            if (job) j["provisioning"] = Json{{"state", job->state}, {"percent", job->stepsTotal ? job->stepsDone * 100 / job->stepsTotal : 0}};
          }
          out.push_back(std::move(j));
        }
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly);
  if (!s.isOk()) return ControlReply::error(s);
  return ControlReply::success(std::to_string(out.size()) + " signups", out);
}

ControlReply OnboardingService::signupFunnel(const Json& args, const tenancy::Caller& caller) {
  core::CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"weeks"}));
  if (!caller.platform()) return ControlReply::error(core::permissionDenied("the signup funnel is the platform's"));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> weeks, a.integer("weeks", 1, 520));
  Json out = Json::array();
  core::Status s = d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(std::vector<FunnelWeek> rows, OnboardingStore(tx).funnel(static_cast<int>(weeks.value_or(12))));
        for (const FunnelWeek& w : rows)
          out.push_back(Json{{"week", w.week}, {"started", w.started}, {"verified", w.verified},
                             {"provisioned", w.provisioned}, {"converted", w.converted}});
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly);
  if (!s.isOk()) return ControlReply::error(s);
  return ControlReply::success(std::to_string(out.size()) + " weeks", out);
}

ControlReply OnboardingService::setBranding(const Json& args, const tenancy::Caller& caller) {
  core::CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "display-name", "logo-url", "primary-colour", "accent-colour"}));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> name, a.text("display-name"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> logo, a.text("logo-url"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> primary, a.text("primary-colour"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> accent, a.text("accent-colour"));
  Json out;
  core::Status s = d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
    EDGE_ASSIGN_OR_RETURN(mail::Branding b, mail::brandingOf(tx, t.id));
    if (name) b.displayName = *name;
    if (logo) b.logoUrl = *logo;
    if (primary) b.primaryColour = *primary;
    if (accent) b.accentColour = *accent;
    EDGE_RETURN_IF_ERROR(mail::setBranding(tx, t.id, b, d_.clock.unixSeconds()));
    out = Json{{"tenant", t.name},
               {"display-name", b.displayName},
               {"logo-url", b.logoUrl},
               {"primary-colour", b.primaryColour},
               {"accent-colour", b.accentColour}};
    return core::Status::ok();
  });
  if (!s.isOk()) return ControlReply::error(s);
  return ControlReply::success("branding of tenant '" + out["tenant"].get<std::string>() + "' set", out);
}

ControlReply OnboardingService::showBranding(const Json& args, const tenancy::Caller& caller) {
  core::CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant"}));
  Json out;
  core::Status s = d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
        EDGE_ASSIGN_OR_RETURN(std::optional<mail::Branding> b, mail::MailStore(tx).branding(t.id));
        EDGE_ASSIGN_OR_RETURN(std::optional<mail::Logo> logo, mail::LogoStore(tx).get(t.id));
        mail::Branding none;
        const mail::Branding& shown = b ? *b : none;
        out = Json{{"tenant", t.name},
                   {"display-name", shown.displayName},
                   {"logo-url", shown.logoUrl},
                   {"primary-colour", shown.primaryColour},
                   {"accent-colour", shown.accentColour},
                   // The uploaded logo: its path on mgmtd (mgmt/api/logo_api.h) and ETag, or "".
                   {"logo", logo ? "/branding/logo/" + t.id : ""},
                   {"logo-etag", logo ? logo->sha256 : ""}};
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly);
  if (!s.isOk()) return ControlReply::error(s);
  return ControlReply::success("branding of tenant '" + out["tenant"].get<std::string>() + "'", out);
}

ControlReply OnboardingService::setLogo(const Json& args, const tenancy::Caller& caller) {
  core::CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "image"}));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> image, a.text("image"));
  if (!image) return ControlReply::error(core::invalidArgument("image: required (the logo file in base64)"));
  core::Result<std::string> bytes = core::pki::base64Decode(*image, "image");
  if (!bytes.isOk()) return ControlReply::error(bytes.status());
  EDGE_ASSIGN_OR_RETURN(mail::Logo logo, mail::checkLogo(*bytes));
  Json out;
  core::Status s = d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
    EDGE_RETURN_IF_ERROR(mail::LogoStore(tx).put(t.id, logo, d_.clock.unixSeconds()));
    out = Json{{"tenant", t.name},
               {"content-type", logo.contentType},
               {"width", logo.width},
               {"height", logo.height},
               {"etag", logo.sha256}};
    return core::Status::ok();
  });
  if (!s.isOk()) return ControlReply::error(s);
  return ControlReply::success("logo of tenant '" + out["tenant"].get<std::string>() + "' set", out);
}

ControlReply OnboardingService::clearLogo(const Json& args, const tenancy::Caller& caller) {
  core::CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant"}));
  Json out;
  core::Status s = d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
    EDGE_ASSIGN_OR_RETURN(bool cleared, mail::LogoStore(tx).clear(t.id));
    out = Json{{"tenant", t.name}, {"cleared", cleared}};
    return core::Status::ok();
  });
  if (!s.isOk()) return ControlReply::error(s);
  return ControlReply::success("logo of tenant '" + out["tenant"].get<std::string>() + "' cleared", out);
}

}  // namespace mgmt::onboarding
