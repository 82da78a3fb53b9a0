// The appliance's health: gauges the registry does not get from the RADIUS path (subscribers by
// state, sessions per plan, license, sync, gateway, journal commit time, free disk), and the alerts
// raised from them. An alert is published once on the EventBus when its condition starts (and again
// only after it cleared); edged logs it and records it in the event list, the SNMP agent sends it as
// a notification. The gauge edged_alerts_active{alert} tells whether each condition holds now.
//
// Threading: configure() and tick() on the main thread; the gauges are read from anywhere.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/counters.h"
#include "core/event_bus.h"
#include "edge/gateway/gateway_counters.h"
#include "edge/health/alerts_config.h"
#include "edge/radius/radius_counters.h"
#include "edge/health/health_counters.h"
#include "edge/license/license_store.h"
#include "edge/netmon/device_state.h"
#include "edge/radius/radius_service.h"
#include "edge/sync/sync_counters.h"

namespace edge {

// Numbers match the notifications of EDGED-MIB (edgedNotifications.N).
enum class AlertKind {
  kLicenseExpiring = 1,
  kLicenseExpired = 2,
  kSyncFailing = 3,
  kDiskLow = 4,
  kNasSilent = 5,
  kAuthFailureBurst = 6,
  kAcctWriteFailing = 7,
  kCertificateExpiring = 8,  // within alerts.certificate-warning-days of its end (a CRL: of its next update)
  kCertificateExpired = 9,   // expired, not yet valid, unreadable, or a CRL past its next update
  // The ISP's network devices the box polls (edge/netmon, ADR 0062). Not in activeAlerts(): they are
  // not the box's own health (mgmt raises its alerts from the check-in's health.network instead, and
  // a rollout is not held by a switch that is down).
  kDeviceUnreachable = 10,   // a device answered no poll network.failures times in a row
  kDeviceRebooted = 11,      // its sysUpTime went back (raised once per reboot)
  kInterfaceDown = 12,       // an interface set up (ifAdminStatus up) is not up
};
const char* alertKindName(AlertKind kind);  // "license-expiring", ...

// A certificate or CRL of the box that needs someone (edge/certs decides; edged hands them over).
struct CertificateFinding {
  std::string name;      // "eap-certificate"
  bool expired = false;  // kCertificateExpired; else kCertificateExpiring
  std::string text;      // for people, with the file and the date
};

struct Alert {
  AlertKind kind;
  std::string text;  // for people: the log, edgectl events, the notification's edgedAlertText
  std::string nas;   // kNasSilent: the NAS client; kDevice*, kInterfaceDown: the network device
};

class HealthMonitor {
 public:
  HealthMonitor(core::CounterRegistry& counters, core::EventBus& events, RadiusService& radius,
                LicenseStore& license);

  void configure(const AlertsConfig& alerts, const std::string& dataDir);
  // The usage journal sequence the management plane acknowledged (the sync backlog's base).
  void setUsageAcknowledged(std::function<int64_t()> acknowledged) { usageAcknowledged_ = std::move(acknowledged); }
  // The box's certificates that need someone now, checked once a minute (reads files).
  using CertificateCheck = std::function<std::vector<CertificateFinding>(int64_t now)>;
  void setCertificateCheck(CertificateCheck check) { certificateCheck_ = std::move(check); }
  // Where free space comes from: statvfs(2) of the data directory unless a test puts numbers in.
  // Returns false when the file system cannot be asked (the gauges keep their last values).
  using DiskProbe = std::function<bool(const std::string& dir, uint64_t* freeBytes, uint64_t* sizeBytes)>;
  void setDiskProbe(DiskProbe probe) { diskProbe_ = std::move(probe); }
  // The network devices the box polls, as the poller last saw them (edge/netmon/network_poller.h).
  using NetworkSource = std::function<std::vector<netmon::DeviceState>()>;
  void setNetworkSource(NetworkSource source) { network_ = std::move(source); }
  // Every second from the main loop: refreshes the gauges (sessions per plan every 5 s) and raises
  // alerts (checked every 5 s).
  void tick(int64_t now);
  // The names of the alerts whose condition holds now ("disk-low", ...), for the check-in's health
  // (mgmt raises a fleet alarm from them, ADR 0054). Reads the gauges: safe from any thread.
  std::vector<std::string> activeAlerts() const;
  // The counters it declares and keeps, as handles for their readers (SNMP).
  const HealthCounters& counters() const { return counters_; }
  const SyncCounters& syncCounters() const { return sync_; }
  const GatewayGauges& gatewayGauges() const { return gateway_; }

 private:
  void refreshGauges(int64_t now);
  void refreshPlanSessions();
  void checkAlerts(int64_t now);
  void raise(AlertKind kind, std::string text, std::string nas = {});
  void publishActive(int licenseState);
  void checkCertificates(int64_t now);
  void checkNetwork();

  core::CounterRegistry& registry_;
  core::EventBus& events_;
  RadiusService& radius_;
  LicenseStore& license_;
  AlertsConfig alerts_;
  std::string dataDir_;
  int64_t lastRefresh_ = 0;

  HealthCounters counters_;
  SyncCounters sync_;       // reads state and last success, keeps the backlog
  GatewayGauges gateway_;   // shown (as 0) when the gateway is off
  RadiusCounters radiusCounters_;  // reads Access-Rejects and accounting write failures
  std::function<int64_t()> usageAcknowledged_;
  DiskProbe diskProbe_;
  uint64_t subscribersVersion_ = UINT64_MAX;

  // Alert state: raised once per episode. edged_alerts_active{alert} shows it (index: AlertKind).
  std::array<core::Counter*, 13> active_{};
  int lastLicenseState_ = 0;
  bool diskLow_ = false;
  bool syncFailing_ = false;
  int64_t syncFailingSeen_ = 0;  // when the sync was first seen failing in this episode (0 = it is not)
  bool burst_ = false;
  uint64_t lastWriteFailures_ = 0;
  bool acctFailing_ = false;
  std::deque<std::pair<int64_t, uint64_t>> rejectSamples_;  // (time, radius_auth_access_rejects_total)
  struct NasActivity {
    NasRequestCounters counters;
    uint64_t requests = 0;
    int64_t changedAt = 0;
    bool silent = false;
  };
  std::map<std::string, NasActivity> nas_;
  CertificateCheck certificateCheck_;
  int64_t lastCertificateCheck_ = 0;
  std::map<std::string, bool> certificates_;  // name -> expired, for those that need someone (each raised once)
  NetworkSource network_;
  struct DeviceSeen {
    bool unreachable = false;
    int64_t reboots = 0;
    std::vector<std::string> down;
  };
  std::map<std::string, DeviceSeen> devices_;  // network device -> what was announced of it
};

}  // namespace edge
