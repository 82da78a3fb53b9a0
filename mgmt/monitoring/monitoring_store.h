// Fleet monitoring's tables (migration 17, ADR 0054): alerts (one open per box and kind) and the
// customers each affects, the tenants' notification settings, customers' preferences, planned
// maintenance, and the notification log (one row per source, event, customer and channel). SQL for
// them lives here only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt::monitoring {

struct Alert {
  int64_t id = 0;
  std::string tenantId, deviceId, kind, detail, state;  // kind offline|alarm; state open|closed
  int64_t affected = 0, openedAt = 0, closedAt = 0;
  int64_t groupId = 0;   // the id of the first alert of its group (its own when it started one)
  int64_t ackedAt = 0;   // 0: not acknowledged
  std::string ackedBy;
  std::string site;      // of its box or network device when it opened ('' = none set; ADR 0068)
};

// A subscriber seen on a box recently, with the customer behind it (customerId "" without one).
struct Affected {
  std::string username, customerId, name, email, phone, preference;
};

struct Maintenance {
  int64_t id = 0;
  std::string tenantId;
  int64_t startsAt = 0, endsAt = 0;
  std::vector<std::string> devices;
  std::string reason, state, createdBy;  // state scheduled|notified|cancelled
  int64_t createdAt = 0;
};

struct Notification {
  int64_t id = 0;
  std::string tenantId, source;  // source alert|maintenance
  int64_t sourceId = 0;
  std::string event, customerId, channel, recipient, body, state, lastError;
  int64_t attempts = 0, nextAttemptAt = 0, createdAt = 0, sentAt = 0;
};

class MonitoringStore {
 public:
  explicit MonitoringStore(store::Transaction& tx) : tx_(tx) {}

  // A new open alert, or nullopt when the box already has one open of that kind. Its group (one root
  // cause): the group of an open alert on the same box, else of the tenant's oldest open alert at the
  // same `site` (not ""; ADR 0068), else of the tenant's newest open alert opened at or after
  // now - groupWindow, else a new group (its own id).
  // `subject` tells apart alerts of one kind on one box: the network device's name for
  // device-unreachable (ADR 0062), "" for the box's own.
  core::Result<std::optional<int64_t>> openAlert(const std::string& tenantId, const std::string& deviceId,
                                                 const std::string& kind, const std::string& detail, int64_t now,
                                                 int64_t groupWindow = 0, const std::string& subject = "",
                                                 const std::string& site = "");
  // Acknowledges the tenant's alert (an operator has seen it); false when there is no such alert.
  // Acknowledging again keeps the first acknowledgement.
  core::Result<bool> ackAlert(const std::string& tenantId, int64_t id, const std::string& by, int64_t now);
  // Distinct subscribers affected by each group among the tenant's `groups`: group id -> count.
  core::Result<std::vector<std::pair<int64_t, int64_t>>> groupAffected(const std::string& tenantId,
                                                                        const std::vector<int64_t>& groups);
  // The subscribers already affected by the group's other alerts (told of it once).
  core::Result<std::vector<std::string>> groupUsernames(int64_t groupId, int64_t exceptAlert);
  // Closes the box's open alert of that kind; its id, or nullopt without one.
  core::Result<std::optional<int64_t>> closeAlert(const std::string& deviceId, const std::string& kind, int64_t now,
                                                  const std::string& subject = "");
  // The kinds of the box's open alerts.
  core::Result<std::vector<std::string>> openKinds(const std::string& deviceId);
  // Every open alert's (device, kind), every tenant's: the job's pass reads them once.
  core::Result<std::vector<std::pair<std::string, std::string>>> openAlertKinds();
  // The tenant's alerts ("" = every tenant's), `state` "" = any; open first, then by customers
  // affected (most first), newest first.
  core::Result<std::vector<Alert>> alerts(const std::string& tenantId, const std::string& state, int64_t limit);
  core::Result<std::optional<Alert>> alert(const std::string& tenantId, int64_t id);

  // Subscribers with usage or a closed session on any of `devices` at or after `since`, or a session
  // open on it at its last check-in (ADR 0074), with their customer and preference, by username.
  core::Result<std::vector<Affected>> affectedBy(const std::string& tenantId, const std::vector<std::string>& devices,
                                                 int64_t since);
  // The customers of the tenant's outage alerts (offline, device-unreachable) open at some time in
  // [from, to), each with the part of [from, to) the alert was open (closed 0 = still open):
  // (username, seconds), a username once per alert.
  core::Result<std::vector<std::pair<std::string, int64_t>>> outageSeconds(const std::string& tenantId, int64_t from,
                                                                          int64_t to);
  // The alert's customers as computed when it opened (and its count).
  core::Status putImpact(int64_t alertId, const std::string& tenantId, const std::vector<Affected>& list);
  core::Result<std::vector<Affected>> impact(int64_t alertId, int64_t limit);

  core::Result<std::optional<std::string>> settings(const std::string& tenantId);
  core::Status putSettings(const std::string& tenantId, const std::string& json, int64_t now);
  core::Status putPreference(const std::string& tenantId, const std::string& customerId, const std::string& channel,
                             int64_t now);

  core::Result<int64_t> addMaintenance(const Maintenance& m);
  core::Result<std::vector<Maintenance>> maintenance(const std::string& tenantId, int64_t limit);
  core::Result<std::optional<Maintenance>> maintenanceById(const std::string& tenantId, int64_t id);
  // Whether a scheduled (or notified) window was cancelled.
  core::Result<bool> cancelMaintenance(const std::string& tenantId, int64_t id);
  // Scheduled windows starting at or before `startsBy` (and not over), every tenant's.
  core::Result<std::vector<Maintenance>> maintenanceToAnnounce(int64_t startsBy, int64_t now);
  core::Status markMaintenance(int64_t id, const std::string& state);

  // A new notification row, or nullopt when that (source, event, customer, channel) has one already.
  core::Result<std::optional<int64_t>> addNotification(const Notification& n);
  core::Status setNotificationBody(int64_t id, const std::string& body);
  // Pending SMS and webhook rows due at `now`, oldest first.
  core::Result<std::vector<Notification>> due(int64_t now, int64_t limit);
  core::Status markSent(int64_t id, int64_t now);
  core::Status markRetry(int64_t id, int64_t attempts, int64_t nextAt, const std::string& error, bool giveUp);
  // The tenant's newest first.
  core::Result<std::vector<Notification>> log(const std::string& tenantId, int64_t limit);

  // Everything of the tenant (its purge).
  core::Status deleteTenant(const std::string& tenantId);

 private:
  store::Transaction& tx_;
};

}  // namespace mgmt::monitoring
