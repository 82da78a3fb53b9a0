// Fleet monitoring and proactive notifications (issue 26, ADR 0054).
//
// check(now), the platform job (mgmtd, under the singleton lock "monitoring", every
// monitoring.check-interval seconds):
//  - a box whose last check-in is older than monitoring.missed-polls check-in intervals gets an
//    "offline" alert (one open per box and kind: a second pass adds nothing); its impact is the
//    subscribers with usage or a closed session on it within monitoring.impact-window seconds before
//    it went silent, with their customers; the alert counts them, and alerts rank by that count;
//  - a box whose check-in health reports alarms ("health": {"alerts": [...]}) gets an "alarm" alert;
//  - an alert closes when the box checks in again (offline) or reports no alarm (alarm);
//  - a network device a box polls over SNMP and reports unreachable in its check-in (health.network)
//    gets a "device-unreachable" alert (subject: the device's name); its impact is the subscribers
//    with a session through the NAS that device serves, on that box, in the impact window before it
//    stopped answering (ADR 0062); it closes when the box reports it reachable again (or no more);
//  - planned maintenance starting within monitoring.maintenance-lead seconds is announced once.
// An offline alert and an announced window queue notifications: the affected customers by email (the
// outbox, template "outage-notice", the tenant's branding) and/or SMS by their preference and the
// tenant's settings (notify_rules.h), and the tenant's webhook. Each is one row of the notification
// log per (alert or window, event, customer, channel), written in the same unit of work as the alert,
// so a restart or a second mgmtd never queues it twice.
//
// deliver(transport, now), the same job after check: pending SMS and webhook rows due, sent, retried
// with backoff (notify_rules.h retryDelay) up to monitoring.max-attempts; an SMS due in the tenant's
// quiet hours waits for their end. Email rows are marked sent when handed to the outbox (its sender
// delivers and retries them, ADR 0029).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/json.h"
#include "core/status.h"
#include "mgmt/fleet/fleet_store.h"
#include "mgmt/monitoring/monitoring_store.h"
#include "mgmt/monitoring/network_store.h"
#include "mgmt/monitoring/notify_rules.h"
#include "mgmt/monitoring/notify_transport.h"
#include "mgmt/store/sql.h"

namespace mgmt::monitoring {

struct MonitoringOptions {
  int64_t pollInterval = 60;       // device-poll-interval: the check-ins boxes are told to make
  int64_t missedPolls = 3;         // silent for more than this many intervals = offline
  int64_t impactWindow = 86400;    // a subscriber seen on the box this long before it went silent is affected
  int64_t maintenanceLead = 86400; // maintenance is announced this long before it starts
  int64_t maxAttempts = 10;        // SMS and webhook deliveries given up after this many
  int64_t groupWindow = 300;       // an alert opened this soon after an open one of the tenant joins its group
  int64_t batch = 200;             // deliveries per pass
};

class MonitoringService {
 public:
  struct Deps {
    store::Storage& storage;
    const core::Clock& clock;
    MonitoringOptions options;
  };
  explicit MonitoringService(Deps deps) : d_(std::move(deps)) {}

  struct Report {
    int64_t opened = 0, closed = 0, queued = 0, announced = 0;
  };
  core::Result<Report> check(int64_t now);
  struct Delivery {
    int64_t sent = 0, retried = 0, failed = 0;
  };
  core::Result<Delivery> deliver(NotifyTransport& transport, int64_t now);

  // The command layer's reads and changes; every call names the tenant (checked by the caller).
  core::Result<std::vector<Alert>> alerts(const std::string& tenantId, const std::string& state, int64_t limit);
  // The tenant's alerts (as alerts()) in their groups (one root cause each, ADR 0059): a group is
  // open while one of its alerts is; `affected` counts each subscriber once however many of its
  // alerts list them (`counted` is the alerts' sum, the duplicates the group removes). Open groups
  // first, then most affected, then newest.
  struct AlertGroup {
    int64_t id = 0;
    std::vector<Alert> alerts;
    int64_t affected = 0, counted = 0, openedAt = 0;
    bool open = false, acked = true;  // acked: every open alert of it is acknowledged
  };
  core::Result<std::vector<AlertGroup>> alertGroups(const std::string& tenantId, const std::string& state, int64_t limit);
  // kNotFound for another tenant's alert; acknowledging twice keeps the first.
  core::Result<Alert> ackAlert(const std::string& tenantId, int64_t id, const std::string& by);
  // The alert and its customers (kNotFound for another tenant's).
  core::Result<std::pair<Alert, std::vector<Affected>>> alertShow(const std::string& tenantId, int64_t id, int64_t limit);
  core::Result<NotifySettings> settings(const std::string& tenantId);
  core::Result<NotifySettings> setSettings(const std::string& tenantId, const core::Json& patch);
  // kNotFound for a customer the tenant does not have; kInvalidArgument for another channel.
  core::Status setPreference(const std::string& tenantId, const std::string& customerId, const std::string& channel);
  // kInvalidArgument naming start/end/devices; kNotFound for a box the tenant does not have.
  core::Result<Maintenance> addMaintenance(const std::string& tenantId, int64_t startsAt, int64_t endsAt,
                                           const std::vector<std::string>& devices, const std::string& reason,
                                           const std::string& by);
  core::Result<std::vector<Maintenance>> maintenance(const std::string& tenantId, int64_t limit);
  core::Status cancelMaintenance(const std::string& tenantId, int64_t id);
  core::Result<std::vector<Notification>> log(const std::string& tenantId, int64_t limit);

  // The tenant's network devices as their boxes last reported them (ADR 0062), by box and name, with
  // what depends on each: the subscribers whose sessions ran through the NAS it serves on that box
  // within impact-window (those its outage would affect), and its open device-unreachable alert.
  // A device described by the operator (network-device-put) but not reported by its box is listed too
  // (reported false), and what depends on a device includes the devices hanging off it (ADR 0068).
  struct NetworkDeviceView {
    NetworkDevice device;      // as reported (only boxId and name when not reported)
    std::string hostname;      // the box's
    int64_t lastCheckin = 0;   // the box's last check-in: when the device's state was last reported
    bool reported = false, described = false;
    std::string site, upstream, note;  // site: its own, else its box's
    std::vector<std::string> downstream;  // devices of the box hanging off it, directly or not
    std::vector<std::string> nas;         // the NAS it and those serve
    int64_t subscribers = 0;   // with a session through those NAS within impact-window (summed per NAS)
    int64_t online = 0;        // sessions open through those NAS at the box's last check-in (ADR 0074)
    int64_t openAlert = 0;     // 0 = none
  };
  core::Result<std::vector<NetworkDeviceView>> networkDevices(const std::string& tenantId, int64_t now);
  // Describes a network device of the tenant's box (adds or replaces the description): kNotFound
  // "box: ..." for a box the tenant does not have; kInvalidArgument naming name, site, upstream (not a
  // device of that box, itself, or a loop) or note.
  core::Status putNetworkDevice(const std::string& tenantId, const InventoryEntry& entry);
  // kNotFound "name: ..." when the box has no such description.
  core::Status removeNetworkDevice(const std::string& tenantId, const std::string& boxId, const std::string& name);
  // A box's site ("" removes it): kNotFound "box: ..."; kInvalidArgument "site: ...".
  core::Status setBoxSite(const std::string& tenantId, const std::string& boxId, const std::string& site);

  int64_t now() const { return d_.clock.unixSeconds(); }
  const MonitoringOptions& options() const { return d_.options; }
  store::Storage& storage() const { return d_.storage; }

 private:
  struct Subject {  // what a notification is about
    std::string source, event;
    int64_t sourceId = 0;
    std::string title, summary, sms;  // mail's title and paragraph, the SMS text
    core::Json webhook;              // the webhook's body
  };
  // The pass over the boxes' network devices (network_monitor.cpp).
  core::Status checkNetwork(const std::vector<fleet::DeviceRow>& boxes, int64_t now, Report& report);
  core::Result<int64_t> queue(store::Transaction& tx, const std::string& tenantId, const Subject& subject,
                              const std::vector<Affected>& affected, int64_t now);
  Deps d_;
};

}  // namespace mgmt::monitoring
