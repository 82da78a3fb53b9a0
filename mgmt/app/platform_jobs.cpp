#include "mgmt/app/platform_jobs.h"

#include <chrono>

#include "core/config.h"
#include "core/log.h"
#include "mgmt/insight/daily_run.h"

namespace mgmt::app {

PlatformJobs::PlatformJobs(const MgmtConfig& config, store::Storage& storage, Platform& platform)
    : config_(config),
      storage_(storage),
      platform_(platform),
      notifyTransport_(monitoring::makeHttpsTransport(config.monitoring.notifyCaFile)) {}

PlatformJobs::~PlatformJobs() { stop(); }

core::Status PlatformJobs::start() {
  if (!config_.mail.smtpUrl.empty()) {
    mail::SmtpConfig smtp;
    smtp.url = config_.mail.smtpUrl;
    smtp.from = config_.mail.from;
    smtp.username = config_.mail.username;
    smtp.requireTls = config_.mail.requireTls;
    if (!config_.mail.passwordFile.empty()) {
      EDGE_ASSIGN_OR_RETURN(smtp.password, core::readTextFile(config_.mail.passwordFile, "mail.password-file"));
      while (!smtp.password.empty() && (smtp.password.back() == '\n' || smtp.password.back() == '\r'))
        smtp.password.pop_back();
    }
    if (!mail::validAddress(smtp.from)) return core::invalidArgument("mail.from: not one plain email address");
    transport_ = mail::makeSmtpTransport(smtp);
    sender_ = std::make_unique<mail::MailSender>(
        mail::MailSender::Deps{storage_, core::SystemClock::instance(), *transport_, smtp.from});
    const std::string base = config_.effectiveLinkUrl();
    invoiceMailer_ = std::make_unique<billing::InvoiceMailer>(billing::InvoiceMailer::Deps{
        storage_, core::SystemClock::instance(),
        [base](const std::string& tenantName) { return base + "/selfcare/" + tenantName + "/"; }});
  }
  thread_ = std::thread([this] { loop(); });
  insightThread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      lock.unlock();
      runInsightDaily();
      lock.lock();
      cv_.wait_for(lock, std::chrono::seconds(60), [this] { return stopping_; });
    }
  });
  return core::Status::ok();
}

void PlatformJobs::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (insightThread_.joinable()) insightThread_.join();
}

void PlatformJobs::runInsightDaily() {
  core::Result<bool> ran = storage_.withSingletonLock("insight-daily", [this]() -> core::Status {
    EDGE_ASSIGN_OR_RETURN(std::optional<insight::InsightRun> r,
                          insight::DailyInsight(platform_.insight).runIfDue(platform_.monitoring.now()));
    if (r && r->outcome == "ok") core::logInfo("mgmtd: insight's daily run: ", r->detail);
    if (r && r->outcome != "ok") core::logWarning("mgmtd: insight's daily run failed: ", r->detail);
    return core::Status::ok();
  });
  if (!ran.isOk()) core::logWarning("mgmtd: the insight-daily job failed: ", ran.status().toString());
}

void PlatformJobs::runOnce(bool lifecycle, bool dunning) {
  auto run = [this](const char* name, const std::function<core::Status()>& work) {
    core::Result<bool> ran = storage_.withSingletonLock(name, work);
    if (!ran.isOk()) core::logWarning("mgmtd: the ", name, " job failed: ", ran.status().toString());
  };
  run("provisioning", [this]() -> core::Status {
    return platform_.onboarding.runJobs(2000).status();
  });
  if (invoiceMailer_) {
    run("invoice-mailer", [this]() -> core::Status {
      EDGE_ASSIGN_OR_RETURN(billing::InvoiceMailer::Report r, invoiceMailer_->mailDue());
      if (r.skipped > 0) core::logInfo("mgmtd: ", r.skipped, " issued invoice(s) not mailed: the customer has no email");
      return core::Status::ok();
    });
  }
  if (sender_) {
    run("mail-sender", [this]() -> core::Status {
      EDGE_ASSIGN_OR_RETURN(mail::MailSender::Report r, sender_->sendDue());
      if (r.failed > 0) core::logWarning("mgmtd: ", r.failed, " mail(s) could not be delivered (given up)");
      return core::Status::ok();
    });
  }
  // Firmware rollouts: open rings, pause on failures (ADR 0052). Each rollout's move is conditional
  // on the state it was read in, so a pause or abort by hand meanwhile wins.
  run("rollouts", [this]() -> core::Status {
    core::Result<fleet::RolloutService::Report> r = platform_.rollouts.advance(platform_.rollouts.now());
    if (!r.isOk()) return r.status();
    if (r->paused > 0) core::logWarning("mgmtd: ", r->paused, " rollout(s) paused themselves (see rollout list)");
    if (r->opened > 0) core::logInfo("mgmtd: ", r->opened, " rollout ring(s) opened");
    if (r->done > 0) core::logInfo("mgmtd: ", r->done, " rollout(s) done");
    return core::Status::ok();
  });
  // Fleet monitoring (ADR 0054): silent boxes and alarms become alerts with their impact, the affected
  // customers and the tenant's systems are notified, SMS and webhooks delivered or retried.
  if (const auto at = std::chrono::steady_clock::now(); at >= nextMonitoring_) {
    nextMonitoring_ = at + std::chrono::seconds(config_.monitoring.checkInterval);
    run("monitoring", [this]() -> core::Status {
      const int64_t now = platform_.monitoring.now();
      EDGE_ASSIGN_OR_RETURN(monitoring::MonitoringService::Report r, platform_.monitoring.check(now));
      if (r.opened > 0 || r.closed > 0 || r.announced > 0)
        core::logInfo("mgmtd: monitoring opened ", r.opened, " alert(s), closed ", r.closed, ", announced ", r.announced,
                      " maintenance window(s), queued ", r.queued, " notification(s)");
      EDGE_ASSIGN_OR_RETURN(monitoring::MonitoringService::Delivery d,
                            platform_.monitoring.deliver(*notifyTransport_, platform_.monitoring.now()));
      if (d.retried > 0) core::logInfo("mgmtd: ", d.retried, " notification(s) to retry later");
      return core::Status::ok();
    });
  }
  if (dunning) {
    // Each tenant under its own lock inside (a tenant's manual dunning-run takes the same one).
    core::Result<billing::DunningService::Report> r = platform_.dunning.runAll(platform_.dunning.today());
    if (!r.isOk()) core::logWarning("mgmtd: the dunning job failed: ", r.status().toString());
    else if (r->moved > 0)
      core::logInfo("mgmtd: dunning moved ", r->moved, " subscription(s), ", r->mailed, " reminder(s)");
    if (r.isOk() && r->failed > 0)
      core::logWarning("mgmtd: dunning could not move ", r->failed, " customer(s), first ", r->firstFailure);
  }
  if (lifecycle) {
    // Webhook housekeeping (ADR 0058): events past payments.webhook-retention-days, signed
    // deliveries past an hour.
    run("webhook-housekeeping", [this]() -> core::Status {
      EDGE_ASSIGN_OR_RETURN(int64_t n, platform_.collection.purgeWebhooks(config_.payments.webhookRetentionDays));
      if (n > 0) core::logInfo("mgmtd: ", n, " old webhook event(s) and signature(s) purged");
      return core::Status::ok();
    });
    // Partner tiers by trailing performance (ADR 0055, 0065): each scope with tier rules once a day;
    // the run's outcome is the scope's last run (partner tiers-review, the console's Tiers page).
    run("partner-tiers-review", [this]() -> core::Status {
      EDGE_ASSIGN_OR_RETURN(int64_t n, platform_.partnerProgram.scheduledTiersReview());
      if (n > 0) core::logInfo("mgmtd: the partner tier review ran for ", n, " level(s)");
      return core::Status::ok();
    });
    // The platform bills its tenants (ADR 0071): what is due today, issued at once; idempotent by
    // (subscription, period), so every minute costs one query when nothing is due.
    run("platform-billing", [this]() -> core::Status {
      EDGE_ASSIGN_OR_RETURN(billing::BillingService::RunResult r, platform_.platformBilling.runDue());
      if (r.issued > 0) core::logInfo("mgmtd: the platform issued ", r.issued, " invoice(s) to its tenants");
      return core::Status::ok();
    });
    run("demo-lifecycle", [this]() -> core::Status {
      EDGE_ASSIGN_OR_RETURN(onboarding::OnboardingService::LifecycleReport r, platform_.onboarding.lifecycle());
      for (const std::string& n : r.reminded) core::logInfo("mgmtd: demo tenant '", n, "' reminded of its expiry");
      for (const std::string& n : r.locked) core::logInfo("mgmtd: demo tenant '", n, "' expired: locked");
      for (const std::string& n : r.purged) core::logInfo("mgmtd: demo tenant '", n, "' purged after its grace");
      return core::Status::ok();
    });
  }
}

void PlatformJobs::loop() {
  auto nextLifecycle = std::chrono::steady_clock::now();
  auto nextDunning = nextLifecycle;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    const auto now = std::chrono::steady_clock::now();
    const bool lifecycle = now >= nextLifecycle;
    if (lifecycle) nextLifecycle = now + std::chrono::seconds(60);
    const bool dunning = now >= nextDunning;
    if (dunning) nextDunning = now + std::chrono::minutes(10);
    runOnce(lifecycle, dunning);
    lock.lock();
    cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
  }
}

}  // namespace mgmt::app
