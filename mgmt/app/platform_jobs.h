// The platform's background work, on a thread of its own so that a long step never holds up
// mgmtd's loop (ADR 0029): every second issued invoices are mailed as PDFs into the outbox
// (singleton "invoice-mailer", only with mail set up; ADR 0040), the mail outbox is sent (singleton "mail-sender") and
// provisioning jobs run for up to two seconds (singleton "provisioning"); every minute the demo
// lifecycle runs (singleton "demo-lifecycle"), the platform bills its tenants (singleton
// "platform-billing", ADR 0071) and the partner tier review of each scope not reviewed
// yet that day (singleton "partner-tiers-review", ADR 0065); every 10 minutes dunning moves subscriptions past due
// to their step (singleton "dunning:<tenant>" each, ADR 0047). With several mgmtd, one of them runs each at a time
// (Storage::withSingletonLock). Every monitoring.check-interval seconds fleet monitoring checks the boxes,
// queues notifications and delivers SMS and webhooks (singleton "monitoring", ADR 0054).
// Insight's daily run (collect, retrain, score; singleton "insight-daily", ADR 0074) has a thread of
// its own, checking every minute, so a long training never holds up mail or monitoring.
// Failures are logged and retried at the next round.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "mgmt/billing/invoice_mailer.h"
#include "mgmt/mail/mail_sender.h"
#include "mgmt/mgmt_config.h"
#include "mgmt/monitoring/notify_transport.h"
#include "mgmt/platform.h"

namespace mgmt::app {

class PlatformJobs {
 public:
  PlatformJobs(const MgmtConfig& config, store::Storage& storage, Platform& platform);
  ~PlatformJobs();
  // Reads the SMTP password file (mail.password-file) and starts the thread.
  core::Status start();
  void stop();
  // One round of everything, on the caller's thread (tests); the demo lifecycle and dunning only
  // when asked (they run every minute and every 10 minutes).
  void runOnce(bool lifecycle, bool dunning = false);
  // Insight's daily run when it is due (mgmt/insight/daily_run.h), on the caller's thread.
  void runInsightDaily();

 private:
  void loop();

  const MgmtConfig& config_;
  store::Storage& storage_;
  Platform& platform_;
  std::unique_ptr<mail::Transport> transport_;
  std::unique_ptr<mail::MailSender> sender_;
  std::unique_ptr<billing::InvoiceMailer> invoiceMailer_;
  std::unique_ptr<monitoring::NotifyTransport> notifyTransport_;  // SMS and webhooks over HTTPS
  std::chrono::steady_clock::time_point nextMonitoring_{};
  std::thread thread_;
  std::thread insightThread_;  // runInsightDaily every minute; waits on cv_ like thread_
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace mgmt::app
