#include "mgmt/monitoring/monitoring_service.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/log.h"
#include "mgmt/customers/customer_store.h"
#include "mgmt/fleet/fleet_store.h"
#include "mgmt/mail/outbox.h"
#include "mgmt/monitoring/alert_json.h"

namespace mgmt::monitoring {

namespace {

using core::Json;

// The alarms a box's check-in health reports ("health": {"alerts": ["disk 95% full", ...]}), joined.
std::string alarmsOf(const std::string& reported) {
  Json doc = Json::parse(reported, nullptr, false);
  if (!doc.is_object() || !doc.contains("health") || !doc["health"].is_object()) return "";
  const Json& health = doc["health"];
  if (!health.contains("alerts") || !health["alerts"].is_array()) return "";
  std::string out;
  for (const Json& a : health["alerts"]) {
    std::string text = a.is_string() ? a.get<std::string>()
                       : a.is_object() && a.contains("text") && a["text"].is_string() ? a["text"].get<std::string>()
                                                                                          : a.dump();
    if (!out.empty()) out += "; ";
    out += text;
    if (out.size() > 500) break;
  }
  return out.substr(0, 500);
}

}  // namespace

Json alertJson(const Alert& a, const std::string& hostname) {
  return Json{{"id", a.id},          {"device", a.deviceId},     {"hostname", hostname},
              {"kind", a.kind},      {"detail", a.detail},       {"state", a.state},
              {"affected", a.affected}, {"opened-at", a.openedAt}, {"closed-at", a.closedAt},
              {"group", a.groupId},  {"site", a.site}};
}

std::vector<Affected> notToldYet(const std::vector<Affected>& affected, const std::vector<std::string>& told) {
  std::set<std::string> seen(told.begin(), told.end());
  std::vector<Affected> out;
  for (const Affected& a : affected)
    if (!seen.count(a.username)) out.push_back(a);
  return out;
}

namespace {

core::Result<NotifySettings> settingsIn(MonitoringStore& store, const std::string& tenantId) {
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> stored, store.settings(tenantId));
  if (!stored) return NotifySettings{};
  return settingsFromJson(*stored);
}

}  // namespace

core::Result<int64_t> MonitoringService::queue(store::Transaction& tx, const std::string& tenantId,
                                               const Subject& subject, const std::vector<Affected>& affected,
                                               int64_t now) {
  MonitoringStore store(tx);
  EDGE_ASSIGN_OR_RETURN(NotifySettings settings, settingsIn(store, tenantId));
  EDGE_ASSIGN_OR_RETURN(mail::Branding brand, mail::brandingOf(tx, tenantId));
  const std::string brandName = brand.displayName.empty() ? mail::platformBranding().displayName : brand.displayName;
  const int64_t quietEnd = quietUntil(settings, now);
  int64_t queued = 0;
  for (const Affected& a : affected) {
    if (a.customerId.empty()) continue;  // a subscriber without a customer record: nobody to tell
    for (const std::string& channel : channelsFor(settings, a.preference, a.email, a.phone)) {
      Notification n;
      n.tenantId = tenantId;
      n.source = subject.source;
      n.sourceId = subject.sourceId;
      n.event = subject.event;
      n.customerId = a.customerId;
      n.channel = channel;
      n.createdAt = now;
      if (channel == "email") {
        // Handed to the outbox in this unit of work: its sender delivers (and retries) it.
        n.recipient = a.email;
        n.state = "sent";
        n.sentAt = now;
        n.nextAttemptAt = now;
        EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> id, store.addNotification(n));
        if (!id) continue;  // queued before
        EDGE_ASSIGN_OR_RETURN(int64_t mailId,
                              mail::enqueue(tx, tenantId, a.email, "outage-notice",
                                            Json{{"customer", a.name.empty() ? a.username : a.name},
                                                 {"title", subject.title},
                                                 {"summary", subject.summary}},
                                            now, nullptr, a.username));
        EDGE_RETURN_IF_ERROR(store.setNotificationBody(*id, "outbox message " + std::to_string(mailId)));
        ++queued;
      } else {
        n.recipient = a.phone;
        n.body = brandName + ": " + subject.sms;
        if (n.body.size() > 320) n.body = n.body.substr(0, 317) + "...";
        n.state = "pending";
        n.nextAttemptAt = quietEnd > 0 ? quietEnd : now;
        EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> id, store.addNotification(n));
        if (id) ++queued;
      }
    }
  }
  if (!settings.webhookUrl.empty()) {
    Notification n;
    n.tenantId = tenantId;
    n.source = subject.source;
    n.sourceId = subject.sourceId;
    n.event = subject.event;
    n.channel = "webhook";
    n.recipient = settings.webhookUrl;
    n.body = subject.webhook.dump();
    n.state = "pending";
    n.nextAttemptAt = now;
    n.createdAt = now;
    EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> id, store.addNotification(n));
    if (id) ++queued;
  }
  return queued;
}

core::Result<MonitoringService::Report> MonitoringService::check(int64_t now) {
  Report report;
  std::vector<fleet::DeviceRow> devices;
  std::set<std::pair<std::string, std::string>> openNow;  // (device, kind) of the open alerts
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(devices, fleet::FleetStore(tx).devices(""));
        EDGE_ASSIGN_OR_RETURN(auto open, MonitoringStore(tx).openAlertKinds());
        openNow = std::set<std::pair<std::string, std::string>>(open.begin(), open.end());
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  const int64_t silentAfter = d_.options.missedPolls * d_.options.pollInterval;
  for (const fleet::DeviceRow& device : devices) {
    if (device.status != "active" || device.lastCheckin == 0) continue;  // revoked, or never seen
    const bool silent = now - device.lastCheckin > silentAfter;
    const std::string alarms = silent ? "" : alarmsOf(device.reported);
    // Nothing to change (the usual pass): no write for this box. The unit of work below reads again.
    const bool offlineOpen = openNow.count({device.id, "offline"}) > 0;
    const bool alarmOpen = openNow.count({device.id, "alarm"}) > 0;
    if (silent == offlineOpen && (alarms.empty() || alarmOpen) && (!alarms.empty() || silent || !alarmOpen)) continue;
    // One unit of work per box: its alerts, impact and notifications together.
    EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
      MonitoringStore store(tx);
      EDGE_ASSIGN_OR_RETURN(std::vector<std::string> open, store.openKinds(device.id));
      auto isOpen = [&open](const char* kind) { return std::find(open.begin(), open.end(), kind) != open.end(); };
      EDGE_ASSIGN_OR_RETURN(std::string site, NetworkStore(tx).siteOf(device.id, ""));
      if (silent && !isOpen("offline")) {
        const std::string detail = "no check-in since " + utcText(device.lastCheckin);
        EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> id, store.openAlert(device.tenantId, device.id, "offline", detail,
                                                                         now, d_.options.groupWindow, "", site));
        if (!id) return core::Status::ok();
        EDGE_ASSIGN_OR_RETURN(std::vector<Affected> affected,
                              store.affectedBy(device.tenantId, {device.id}, device.lastCheckin - d_.options.impactWindow));
        EDGE_RETURN_IF_ERROR(store.putImpact(*id, device.tenantId, affected));
        EDGE_ASSIGN_OR_RETURN(std::optional<Alert> alert, store.alert(device.tenantId, *id));
        // One root cause, one message: customers an earlier alert of the group told are not told again.
        if (alert->groupId != alert->id) {
          EDGE_ASSIGN_OR_RETURN(std::vector<std::string> told, store.groupUsernames(alert->groupId, alert->id));
          affected = notToldYet(affected, told);
        }
        Subject s;
        s.source = "alert";
        s.sourceId = *id;
        s.event = "opened";
        s.title = "service interruption";
        s.summary = "Since " + utcText(device.lastCheckin) +
                    " part of our network serving you has stopped answering, so your service may be interrupted. "
                    "We are working on it; you do not need to do anything.";
        s.sms = "part of our network serving you has been down since " + utcText(device.lastCheckin) +
                ". We are working on it.";
        s.webhook = Json{{"event", "alert.opened"}, {"tenant", device.tenantId}, {"alert", alertJson(*alert, device.hostname)}};
        EDGE_ASSIGN_OR_RETURN(int64_t q, queue(tx, device.tenantId, s, affected, now));
        report.queued += q;
        ++report.opened;
      } else if (!silent && isOpen("offline")) {
        EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> id, store.closeAlert(device.id, "offline", now));
        if (!id) return core::Status::ok();
        EDGE_ASSIGN_OR_RETURN(std::optional<Alert> alert, store.alert(device.tenantId, *id));
        Subject s;
        s.source = "alert";
        s.sourceId = *id;
        s.event = "closed";
        s.webhook = Json{{"event", "alert.closed"}, {"tenant", device.tenantId}, {"alert", alertJson(*alert, device.hostname)}};
        // The tenant's systems hear of the end; customers are not mailed a second time.
        EDGE_ASSIGN_OR_RETURN(int64_t q, queue(tx, device.tenantId, s, {}, now));
        report.queued += q;
        ++report.closed;
      }
      if (!alarms.empty() && !isOpen("alarm")) {
        EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> id,
                              store.openAlert(device.tenantId, device.id, "alarm", alarms, now, d_.options.groupWindow,
                                              "", site));
        if (id) {
          EDGE_ASSIGN_OR_RETURN(std::vector<Affected> affected,
                                store.affectedBy(device.tenantId, {device.id}, now - d_.options.impactWindow));
          EDGE_RETURN_IF_ERROR(store.putImpact(*id, device.tenantId, affected));
          EDGE_ASSIGN_OR_RETURN(std::optional<Alert> alert, store.alert(device.tenantId, *id));
          Subject s;
          s.source = "alert";
          s.sourceId = *id;
          s.event = "opened";
          s.webhook = Json{{"event", "alert.opened"}, {"tenant", device.tenantId}, {"alert", alertJson(*alert, device.hostname)}};
          // An alarm is the operator's to judge: the webhook only, no customer is told.
          EDGE_ASSIGN_OR_RETURN(int64_t q, queue(tx, device.tenantId, s, {}, now));
          report.queued += q;
          ++report.opened;
        }
      } else if (alarms.empty() && !silent && isOpen("alarm")) {
        EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> id, store.closeAlert(device.id, "alarm", now));
        if (id) ++report.closed;
      }
      return core::Status::ok();
    }));
  }
  // The network devices the boxes poll (ADR 0062): their latest state, an alert per device down.
  EDGE_RETURN_IF_ERROR(checkNetwork(devices, now, report));
  // Planned maintenance about to start: its customers told once.
  std::vector<Maintenance> windows;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(windows, MonitoringStore(tx).maintenanceToAnnounce(now + d_.options.maintenanceLead, now));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  for (const Maintenance& m : windows) {
    EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
      MonitoringStore store(tx);
      EDGE_ASSIGN_OR_RETURN(std::optional<Maintenance> fresh, store.maintenanceById(m.tenantId, m.id));
      if (!fresh || fresh->state != "scheduled") return core::Status::ok();  // cancelled or announced meanwhile
      EDGE_ASSIGN_OR_RETURN(std::vector<Affected> affected, store.affectedBy(m.tenantId, m.devices, now - d_.options.impactWindow));
      Subject s;
      s.source = "maintenance";
      s.sourceId = m.id;
      s.event = "scheduled";
      s.title = "planned maintenance on " + utcText(m.startsAt);
      s.summary = "We will work on the network serving you from " + utcText(m.startsAt) + " to " + utcText(m.endsAt) +
                  "; your service may be interrupted meanwhile." + (m.reason.empty() ? "" : " " + m.reason);
      s.sms = "planned maintenance " + utcText(m.startsAt) + " to " + utcText(m.endsAt) + " may interrupt your service.";
      Json devs = Json::array();
      for (const std::string& d : m.devices) devs.push_back(d);
      s.webhook = Json{{"event", "maintenance.scheduled"},
                       {"tenant", m.tenantId},
                       {"maintenance", Json{{"id", m.id}, {"starts-at", m.startsAt}, {"ends-at", m.endsAt},
                                            {"devices", devs}, {"reason", m.reason}, {"affected", affected.size()}}}};
      EDGE_ASSIGN_OR_RETURN(int64_t q, queue(tx, m.tenantId, s, affected, now));
      report.queued += q;
      ++report.announced;
      return store.markMaintenance(m.id, "notified");
    }));
  }
  return report;
}

core::Result<MonitoringService::Delivery> MonitoringService::deliver(NotifyTransport& transport, int64_t now) {
  Delivery out;
  std::vector<Notification> due;
  std::map<std::string, NotifySettings> settings;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        MonitoringStore store(tx);
        EDGE_ASSIGN_OR_RETURN(due, store.due(now, d_.options.batch));
        settings.clear();
        for (const Notification& n : due) {
          if (settings.count(n.tenantId)) continue;
          core::Result<NotifySettings> s = settingsIn(store, n.tenantId);
          settings[n.tenantId] = s.isOk() ? *s : NotifySettings{};
        }
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  for (const Notification& n : due) {
    const NotifySettings& s = settings[n.tenantId];
    core::Status sent = core::Status::ok();
    int64_t nextAt = 0;
    bool counts = true;  // the attempt counts (a wait for quiet hours does not)
    if (n.channel == "sms") {
      if (int64_t quietEnd = quietUntil(s, now); quietEnd > 0) {
        sent = core::failedPrecondition("quiet hours until " + utcText(quietEnd));
        nextAt = quietEnd;
        counts = false;
      } else if (!s.sms) {
        sent = core::failedPrecondition("sms: turned off in the tenant's settings");
      } else {
        sent = transport.sendSms(SmsMessage{s.smsApiUrl, s.smsAccount, s.smsToken, s.smsFrom, n.recipient, n.body});
      }
    } else if (n.channel == "webhook") {
      if (s.webhookUrl.empty())
        sent = core::failedPrecondition("webhook-url: no longer set");
      else
        sent = transport.postWebhook(s.webhookUrl, n.body, webhookHeaders(s.webhookSecret, now, n.body, n.id));
    }
    const int64_t attempts = n.attempts + (counts ? 1 : 0);
    const bool giveUp = !sent.isOk() && counts && attempts >= d_.options.maxAttempts;
    if (!sent.isOk() && nextAt == 0) nextAt = now + retryDelay(attempts);
    EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
      MonitoringStore store(tx);
      if (sent.isOk()) return store.markSent(n.id, now);
      return store.markRetry(n.id, attempts, nextAt, sent.message(), giveUp);
    }));
    if (sent.isOk()) {
      ++out.sent;
    } else if (giveUp) {
      ++out.failed;
      core::logWarning("mgmtd: notification ", n.id, " (", n.channel, ") given up: ", sent.message());
    } else {
      ++out.retried;
    }
  }
  return out;
}

core::Result<std::vector<Alert>> MonitoringService::alerts(const std::string& tenantId, const std::string& state,
                                                           int64_t limit) {
  if (!state.empty() && state != "open" && state != "closed")
    return core::invalidArgument("state: open or closed");
  std::vector<Alert> out;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(out, MonitoringStore(tx).alerts(tenantId, state, limit));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return out;
}

core::Result<std::vector<MonitoringService::AlertGroup>> MonitoringService::alertGroups(const std::string& tenantId,
                                                                                     const std::string& state,
                                                                                     int64_t limit) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Alert> list, alerts(tenantId, state, limit));
  std::map<int64_t, AlertGroup> byId;
  for (const Alert& a : list) {
    const int64_t gid = a.groupId != 0 ? a.groupId : a.id;
    AlertGroup& g = byId[gid];
    g.id = gid;
    g.alerts.push_back(a);
    g.counted += a.affected;
    if (g.openedAt == 0 || a.openedAt < g.openedAt) g.openedAt = a.openedAt;
    if (a.state == "open") {
      g.open = true;
      if (a.ackedAt == 0) g.acked = false;
    }
  }
  std::vector<int64_t> ids;
  for (const auto& [gid, g] : byId) ids.push_back(gid);
  std::vector<std::pair<int64_t, int64_t>> counts;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(counts, MonitoringStore(tx).groupAffected(tenantId, ids));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  for (const auto& [gid, n] : counts) byId[gid].affected = n;
  std::vector<AlertGroup> out;
  for (auto& [gid, g] : byId) {
    if (!g.open) g.acked = false;  // "acknowledged" speaks of open alerts only
    out.push_back(std::move(g));
  }
  std::sort(out.begin(), out.end(), [](const AlertGroup& a, const AlertGroup& b) {
    if (a.open != b.open) return a.open;
    if (a.affected != b.affected) return a.affected > b.affected;
    return a.openedAt != b.openedAt ? a.openedAt > b.openedAt : a.id > b.id;
  });
  return out;
}

core::Result<Alert> MonitoringService::ackAlert(const std::string& tenantId, int64_t id, const std::string& by) {
  Alert out;
  const int64_t t = now();
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    MonitoringStore store(tx);
    EDGE_ASSIGN_OR_RETURN(bool found, store.ackAlert(tenantId, id, by, t));
    if (!found) return core::notFound("id: no alert " + std::to_string(id));
    EDGE_ASSIGN_OR_RETURN(std::optional<Alert> a, store.alert(tenantId, id));
    out = *a;
    return core::Status::ok();
  }));
  return out;
}

core::Result<std::pair<Alert, std::vector<Affected>>> MonitoringService::alertShow(const std::string& tenantId,
                                                                                   int64_t id, int64_t limit) {
  std::pair<Alert, std::vector<Affected>> out;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        MonitoringStore store(tx);
        EDGE_ASSIGN_OR_RETURN(std::optional<Alert> a, store.alert(tenantId, id));
        if (!a) return core::notFound("id: no alert " + std::to_string(id));
        out.first = *a;
        EDGE_ASSIGN_OR_RETURN(out.second, store.impact(id, limit));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return out;
}

core::Result<NotifySettings> MonitoringService::settings(const std::string& tenantId) {
  NotifySettings out;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        MonitoringStore store(tx);
        EDGE_ASSIGN_OR_RETURN(out, settingsIn(store, tenantId));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return out;
}

core::Result<NotifySettings> MonitoringService::setSettings(const std::string& tenantId, const core::Json& patch) {
  NotifySettings out;
  const int64_t t = now();
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    MonitoringStore store(tx);
    EDGE_ASSIGN_OR_RETURN(NotifySettings base, settingsIn(store, tenantId));
    EDGE_ASSIGN_OR_RETURN(out, applySettings(base, patch));
    return store.putSettings(tenantId, settingsToJson(out, true).dump(), t);
  }));
  return out;
}

core::Status MonitoringService::setPreference(const std::string& tenantId, const std::string& customerId,
                                              const std::string& channel) {
  if (!validPreference(channel)) return core::invalidArgument("channel: email, sms or none");
  const int64_t t = now();
  return d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(std::optional<customers::Customer> c, customers::CustomerStore(tx).find(tenantId, customerId));
    if (!c) return core::notFound("customer: no customer '" + customerId + "'");
    return MonitoringStore(tx).putPreference(tenantId, customerId, channel, t);
  });
}

core::Result<Maintenance> MonitoringService::addMaintenance(const std::string& tenantId, int64_t startsAt,
                                                            int64_t endsAt, const std::vector<std::string>& devices,
                                                            const std::string& reason, const std::string& by) {
  const int64_t t = now();
  if (startsAt <= t) return core::invalidArgument("start: must be in the future");
  if (endsAt <= startsAt) return core::invalidArgument("end: must be after start");
  if (endsAt - startsAt > 7 * 86400) return core::invalidArgument("end: a window lasts at most 7 days");
  if (devices.empty() || devices.size() > 1000) return core::invalidArgument("devices: 1 to 1000 box ids");
  Maintenance m;
  m.tenantId = tenantId;
  m.startsAt = startsAt;
  m.endsAt = endsAt;
  m.devices = devices;
  m.reason = reason;
  m.state = "scheduled";
  m.createdBy = by;
  m.createdAt = t;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    fleet::FleetStore fleet(tx);
    for (const std::string& id : devices) {
      EDGE_ASSIGN_OR_RETURN(std::optional<fleet::DeviceRow> d, fleet.device(id));
      if (!d || d->tenantId != tenantId) return core::notFound("devices: no box '" + id + "'");
    }
    EDGE_ASSIGN_OR_RETURN(m.id, MonitoringStore(tx).addMaintenance(m));
    return core::Status::ok();
  }));
  return m;
}

core::Result<std::vector<Maintenance>> MonitoringService::maintenance(const std::string& tenantId, int64_t limit) {
  std::vector<Maintenance> out;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(out, MonitoringStore(tx).maintenance(tenantId, limit));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return out;
}

core::Status MonitoringService::cancelMaintenance(const std::string& tenantId, int64_t id) {
  return d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(bool done, MonitoringStore(tx).cancelMaintenance(tenantId, id));
    if (!done) return core::notFound("id: no scheduled maintenance " + std::to_string(id));
    return core::Status::ok();
  });
}

core::Result<std::vector<Notification>> MonitoringService::log(const std::string& tenantId, int64_t limit) {
  std::vector<Notification> out;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(out, MonitoringStore(tx).log(tenantId, limit));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return out;
}

}  // namespace mgmt::monitoring
