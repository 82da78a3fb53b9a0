#include "edge/health/health.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <unordered_map>

#include "core/license.h"

namespace edge {

const char* alertKindName(AlertKind kind) {
  switch (kind) {
    case AlertKind::kLicenseExpiring: return "license-expiring";
    case AlertKind::kLicenseExpired: return "license-expired";
    case AlertKind::kSyncFailing: return "sync-failing";
    case AlertKind::kDiskLow: return "disk-low";
    case AlertKind::kNasSilent: return "nas-silent";
    case AlertKind::kAuthFailureBurst: return "auth-failure-burst";
    case AlertKind::kAcctWriteFailing: return "acct-write-failing";
    case AlertKind::kCertificateExpiring: return "certificate-expiring";
    case AlertKind::kCertificateExpired: return "certificate-expired";
    case AlertKind::kDeviceUnreachable: return "device-unreachable";
    case AlertKind::kDeviceRebooted: return "device-rebooted";
    case AlertKind::kInterfaceDown: return "interface-down";
  }
  return "alert";
}

HealthMonitor::HealthMonitor(core::CounterRegistry& c, core::EventBus& events, RadiusService& radius,
                             LicenseStore& license)
    : registry_(c),
      events_(events),
      radius_(radius),
      license_(license),
      counters_(c),
      sync_(c),
      gateway_(c),
      radiusCounters_(c),
      diskProbe_([](const std::string& dir, uint64_t* freeBytes, uint64_t* sizeBytes) {
        struct statvfs fs {};
        if (::statvfs(dir.c_str(), &fs) != 0) return false;
        *freeBytes = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
        *sizeBytes = static_cast<uint64_t>(fs.f_blocks) * fs.f_frsize;
        return true;
      }) {
  sync_.state.set(1);  // not enrolled until the sync agent says otherwise (it keeps the sync gauges)
  for (AlertKind kind : {AlertKind::kLicenseExpiring, AlertKind::kLicenseExpired, AlertKind::kSyncFailing,
                         AlertKind::kDiskLow, AlertKind::kNasSilent, AlertKind::kAuthFailureBurst,
                         AlertKind::kAcctWriteFailing, AlertKind::kCertificateExpiring,
                         AlertKind::kCertificateExpired, AlertKind::kDeviceUnreachable, AlertKind::kDeviceRebooted,
                         AlertKind::kInterfaceDown}) {
    active_[static_cast<size_t>(kind)] = &counters_.alertActive(alertKindName(kind));
  }
}

std::vector<std::string> HealthMonitor::activeAlerts() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < active_.size(); ++i) {
    if (i >= static_cast<size_t>(AlertKind::kDeviceUnreachable)) break;  // the network's: health.network instead
    if (active_[i] != nullptr && active_[i]->value() != 0) out.push_back(alertKindName(static_cast<AlertKind>(i)));
  }
  return out;
}

void HealthMonitor::configure(const AlertsConfig& alerts, const std::string& dataDir) {
  alerts_ = alerts;
  dataDir_ = dataDir;
}

void HealthMonitor::tick(int64_t now) {
  refreshGauges(now);
  if (now - lastRefresh_ < 5 && lastRefresh_ != 0) return;
  lastRefresh_ = now;
  refreshPlanSessions();
  checkAlerts(now);
}

void HealthMonitor::refreshGauges(int64_t now) {
  auto snap = radius_.snapshot();
  if (snap->version != subscribersVersion_) {
    subscribersVersion_ = snap->version;
    uint64_t byState[3] = {0, 0, 0};
    snap->forEachSubscriber([&](const aaa::policy::Subscriber& s) { ++byState[static_cast<int>(s.status) % 3]; });
    counters_.subscribers.set(byState[0] + byState[1] + byState[2]);
    counters_.subscribersActive.set(byState[0]);
    counters_.subscribersSuspended.set(byState[1]);
    counters_.subscribersDisabled.set(byState[2]);
  }

  std::optional<core::License> license = license_.current();
  counters_.licenseCap.set(license ? license->subscriberCap : 0);
  counters_.licenseExpiry.set(license ? static_cast<uint64_t>(license->expiresAt) : 0);
  counters_.licenseState.set(static_cast<uint64_t>(
      core::licenseState(license ? &*license : nullptr, license_.observeClock(now), alerts_.licenseWarningDays)));

  int64_t seq = radius_.journalSeq();
  int64_t acked = usageAcknowledged_ ? usageAcknowledged_() : 0;
  sync_.backlog.set(seq > acked ? static_cast<uint64_t>(seq - acked) : 0);
  counters_.commitSeconds.set(radius_.lastJournalCommitMicros());

  uint64_t freeBytes = 0, sizeBytes = 0;
  if (diskProbe_(dataDir_, &freeBytes, &sizeBytes)) {
    counters_.dataFree.set(freeBytes);
    counters_.dataSize.set(sizeBytes);
  }
}

void HealthMonitor::refreshPlanSessions() {
  // Sessions per plan, from the live counts per user.
  auto snap = radius_.snapshot();
  std::unordered_map<int64_t, uint64_t> perPlan;
  for (const auto& [user, n] : radius_.sessionsByUser()) {
    const aaa::policy::Subscriber* s = snap->findSubscriber(user);
    if (s != nullptr) perPlan[s->planId] += n;
  }
  for (const aaa::policy::Plan& p : snap->plans)
    counters_.planSessions(p.name).set(perPlan[p.id]);
}

void HealthMonitor::raise(AlertKind kind, std::string text, std::string nas) {
  counters_.alertsRaised(alertKindName(kind)).inc();
  events_.publish(Alert{kind, std::move(text), std::move(nas)});
}

void HealthMonitor::checkAlerts(int64_t now) {
  // License: each new state from expiring on is announced once.
  int state = static_cast<int>(counters_.licenseState.value());
  if (state != lastLicenseState_) {
    std::optional<core::License> l = license_.current();
    if (state == static_cast<int>(core::LicenseState::kExpiring) && l) {
      raise(AlertKind::kLicenseExpiring, "license " + l->id + " of " + l->tenant + " expires in " +
                                             std::to_string((l->expiresAt - now) / 86400) + " days");
    } else if (state == static_cast<int>(core::LicenseState::kGrace) && l) {
      raise(AlertKind::kLicenseExpired, "license " + l->id + " of " + l->tenant + " has expired; " +
                                            std::to_string(l->graceDays) +
                                            " grace days, then management changes are frozen");
    } else if (state == static_cast<int>(core::LicenseState::kExpired) && l) {
      raise(AlertKind::kLicenseExpired, "license " + l->id + " of " + l->tenant +
                                            " expired and its grace days are over: management changes are frozen, "
                                            "subscribers are still served");
    }
    lastLicenseState_ = state;
  }

  // Sync failing for longer than the threshold (the sync client keeps the gauges), counted from the
  // last success; a box that never had one (its first check-in after enrollment failed) counts from
  // when the failure was first seen, not from 1970.
  const bool failingNow = sync_.state.value() == 3;
  if (!failingNow) syncFailingSeen_ = 0;
  else if (syncFailingSeen_ == 0) syncFailingSeen_ = now;
  const int64_t lastSuccess = static_cast<int64_t>(sync_.lastSuccess.value());
  bool failing = failingNow && now - (lastSuccess != 0 ? lastSuccess : syncFailingSeen_) > alerts_.syncFailingSeconds;
  if (failing && !syncFailing_)
    raise(AlertKind::kSyncFailing, "the sync with the management plane has failed for more than " +
                                       std::to_string(alerts_.syncFailingSeconds) + " s");
  syncFailing_ = failing;

  // Disk: below the threshold once; re-armed one point above it.
  if (alerts_.diskLowPercent > 0 && counters_.dataSize.value() > 0) {
    uint64_t percent = counters_.dataFree.value() * 100 / counters_.dataSize.value();
    if (!diskLow_ && percent < static_cast<uint64_t>(alerts_.diskLowPercent)) {
      diskLow_ = true;
      raise(AlertKind::kDiskLow, "the data directory " + dataDir_ + " has " + std::to_string(percent) +
                                     "% free (threshold " + std::to_string(alerts_.diskLowPercent) + "%)");
    } else if (diskLow_ && percent > static_cast<uint64_t>(alerts_.diskLowPercent)) {
      diskLow_ = false;
    }
  }

  // NAS silent: a NAS that has sent requests and sends none for the threshold.
  if (alerts_.nasSilentSeconds > 0) {
    for (const aaa::policy::NasClient& nas : radius_.snapshot()->nas) {
      NasActivity& a = nas_[nas.name];
      uint64_t requests = a.counters.requests(registry_, nas.name);
      if (requests != a.requests || a.changedAt == 0) {
        a.requests = requests;
        a.changedAt = now;
        a.silent = false;
      } else if (requests > 0 && !a.silent && now - a.changedAt >= alerts_.nasSilentSeconds) {
        a.silent = true;
        raise(AlertKind::kNasSilent,
              "NAS " + nas.name + " has sent no request for " + std::to_string(now - a.changedAt) + " s", nas.name);
      }
    }
  }

  // Access-Rejects within the last minute.
  uint64_t rejects = radiusCounters_.auth.accessRejects->value();
  rejectSamples_.emplace_back(now, rejects);
  while (rejectSamples_.size() > 1 && now - rejectSamples_.front().first > 60) rejectSamples_.pop_front();
  uint64_t inMinute = rejects - rejectSamples_.front().second;
  if (alerts_.authFailureBurst > 0) {
    bool burst = inMinute > static_cast<uint64_t>(alerts_.authFailureBurst);
    if (burst && !burst_)
      raise(AlertKind::kAuthFailureBurst, std::to_string(inMinute) + " Access-Rejects within a minute (threshold " +
                                              std::to_string(alerts_.authFailureBurst) + ")");
    burst_ = burst;
  }

  // Accounting writes failing: new failures since the last check. While they go on (a full disk fails
  // every record) it is one episode; a check without new failures ends it.
  uint64_t failures = radiusCounters_.acct.writeFailures->value();
  const bool writesFailing = failures > lastWriteFailures_;
  if (writesFailing && !acctFailing_)
    raise(AlertKind::kAcctWriteFailing, std::to_string(failures - lastWriteFailures_) +
                                            " accounting records failed to commit (not answered; NAS retries)");
  acctFailing_ = writesFailing;
  lastWriteFailures_ = failures;
  checkCertificates(now);
  checkNetwork();
  publishActive(state);
}

void HealthMonitor::checkNetwork() {
  if (!network_) return;
  uint64_t unreachable = 0, down = 0;
  std::map<std::string, DeviceSeen> seen;
  for (const netmon::DeviceState& d : network_()) {
    DeviceSeen& before = devices_[d.name];
    DeviceSeen now;
    now.unreachable = !d.reachable;
    now.reboots = d.reboots;
    now.down = d.interfacesDown;
    const std::string what = d.kind + " " + d.name + (d.nas.empty() ? "" : " (NAS " + d.nas + ")");
    if (now.unreachable && !before.unreachable)
      raise(AlertKind::kDeviceUnreachable, what + " has not answered SNMP " + std::to_string(d.failedPolls) +
                                               " times in a row: " + d.lastError, d.name);
    if (now.reboots > before.reboots)
      raise(AlertKind::kDeviceRebooted, what + " rebooted (its uptime is " + std::to_string(d.uptimeTicks / 100) + " s)",
            d.name);
    for (const std::string& i : now.down)
      if (std::find(before.down.begin(), before.down.end(), i) == before.down.end())
        raise(AlertKind::kInterfaceDown, what + ": interface " + i + " is down", d.name);
    unreachable += now.unreachable ? 1 : 0;
    down += now.down.size();
    seen[d.name] = std::move(now);
  }
  devices_ = std::move(seen);
  active_[static_cast<size_t>(AlertKind::kDeviceUnreachable)]->set(unreachable);
  active_[static_cast<size_t>(AlertKind::kInterfaceDown)]->set(down);
}

void HealthMonitor::checkCertificates(int64_t now) {
  // Once a minute: the files are read each time (a certificate replaced by hand shows at once).
  if (!certificateCheck_ || (lastCertificateCheck_ != 0 && now - lastCertificateCheck_ < 60)) return;
  lastCertificateCheck_ = now;
  std::map<std::string, bool> seen;
  for (const CertificateFinding& f : certificateCheck_(now)) {
    seen[f.name] = f.expired;
    auto before = certificates_.find(f.name);
    // Each certificate is announced when it starts to need someone, and again when it gets worse.
    if (before == certificates_.end() || (f.expired && !before->second))
      raise(f.expired ? AlertKind::kCertificateExpired : AlertKind::kCertificateExpiring, f.text);
  }
  certificates_ = std::move(seen);
}

void HealthMonitor::publishActive(int licenseState) {
  auto set = [this](AlertKind kind, uint64_t value) { active_[static_cast<size_t>(kind)]->set(value); };
  set(AlertKind::kLicenseExpiring, licenseState == static_cast<int>(core::LicenseState::kExpiring));
  set(AlertKind::kLicenseExpired, licenseState == static_cast<int>(core::LicenseState::kGrace) ||
                                      licenseState == static_cast<int>(core::LicenseState::kExpired));
  set(AlertKind::kSyncFailing, syncFailing_);
  set(AlertKind::kDiskLow, diskLow_);
  uint64_t silent = 0;
  if (alerts_.nasSilentSeconds > 0)  // the NAS clients configured now (nas_ keeps deleted ones)
    for (const aaa::policy::NasClient& nas : radius_.snapshot()->nas) {
      auto it = nas_.find(nas.name);
      if (it != nas_.end() && it->second.silent) ++silent;
    }
  set(AlertKind::kNasSilent, silent);
  set(AlertKind::kAuthFailureBurst, burst_);
  set(AlertKind::kAcctWriteFailing, acctFailing_);
  uint64_t expiring = 0, expired = 0;
  for (const auto& [name, isExpired] : certificates_) ++(isExpired ? expired : expiring);
  set(AlertKind::kCertificateExpiring, expiring);
  set(AlertKind::kCertificateExpired, expired);
}

}  // namespace edge
