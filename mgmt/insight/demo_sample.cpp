#include "mgmt/insight/demo_sample.h"

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "core/json.h"
#include "mgmt/catalog/catalog_store.h"
#include "mgmt/customers/customer_store.h"
#include "mgmt/fleet/fleet_store.h"
#include "mgmt/insight/generator.h"
#include "mgmt/insight/insight_store.h"
#include "mgmt/monitoring/monitoring_store.h"
#include "mgmt/monitoring/network_store.h"
#include "mgmt/monitoring/notify_rules.h"

namespace mgmt::insight {

namespace {

constexpr int32_t kDays = 400;

std::string sampleId(const std::string& tenantId, int i) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "cu-%06zx%06d", std::hash<std::string>{}(tenantId) & 0xffffff, i);
  return buf;
}

}  // namespace

core::Result<DemoSample> writeDemoSample(store::Transaction& tx, const tenancy::Tenant& t, int32_t today, int64_t now) {
  if (!t.demo) return core::failedPrecondition("tenant: not a demo tenant; sample insight is only for demos");
  DemoSample out;
  monitoring::MonitoringStore monitoring(tx);
  EDGE_ASSIGN_OR_RETURN(std::vector<monitoring::Alert> before, monitoring.alerts(t.id, "", 1000));
  for (const monitoring::Alert& a : before)
    if (a.detail.find("(sample)") != std::string::npos) return core::alreadyExists("tenant: has its sample insight already");

  // A customer for every sample subscriber without one.
  customers::CustomerStore people(tx);
  EDGE_ASSIGN_OR_RETURN(std::vector<catalog::StoredSpec> subs, catalog::CatalogStore(tx).subscribers(t.id, "", 100000, 0));
  int n = 0;
  for (const catalog::StoredSpec& s : subs) {
    core::Json spec = core::Json::parse(s.spec, nullptr, false);
    if (!spec.is_object() || !spec["username"].is_string()) continue;
    const std::string username = spec["username"].get<std::string>();
    EDGE_ASSIGN_OR_RETURN(std::optional<customers::Customer> existing, people.findByUsername(t.id, username));
    if (existing) continue;
    ++n;
    customers::Customer c;
    c.tenantId = t.id;
    c.id = sampleId(t.id, n);
    c.name = "Sample customer " + username;
    c.username = username;
    c.email = username + "@example.invalid";
    if (n % 4 == 0) {
      char phone[24];
      std::snprintf(phone, sizeof phone, "+1555010%04d", n);
      c.phone = phone;
    }
    c.notes = "sample (demo-insight)";
    c.createdAt = c.updatedAt = now - static_cast<int64_t>(n % 60) * 86400;  // some joined this month
    EDGE_RETURN_IF_ERROR(people.put(c));
    if (!c.phone.empty()) EDGE_RETURN_IF_ERROR(monitoring.putPreference(t.id, c.id, "sms", now));
    ++out.customersAdded;
  }

  // 400 days of features for every customer, from the generator's customers still there at the end.
  EDGE_ASSIGN_OR_RETURN(std::vector<customers::Customer> all, people.search(t.id, {}, 10000, 0));
  GeneratorConfig config;
  config.seed = std::hash<std::string>{}(t.id) & 0x7fffffff;
  config.tenants = 1;
  config.customersPerTenant = static_cast<int>(all.size()) * 3 + 150;
  config.firstDay = today - kDays;
  config.days = kDays;
  Generator generator(config);
  // The generator's customers still there at the end go to the tenant's customers, in order; those
  // who left keep ids of their own ("left-N", no customer record), so the model has leavers to learn
  // from.
  InsightStore insight(tx);
  size_t assigned = 0;
  for (int i = 0; i < config.customersPerTenant; ++i) {
    Generated g = generator.customer(0, i);
    if (g.history.days.empty()) continue;
    std::string id;
    if (g.churnDay >= 0) id = "left-" + std::to_string(i);
    else if (g.history.endDay() == today && assigned < all.size()) id = all[assigned++].id;
    else continue;
    EDGE_RETURN_IF_ERROR(insight.putCustomerDays(t.id, id, g.history.firstDay, g.history.days));
    ++out.histories;
  }

  // One past outage: the box that served the most subscribers in the week before it.
  EDGE_ASSIGN_OR_RETURN(std::vector<fleet::DeviceRow> devices, fleet::FleetStore(tx).devices(t.id));
  const int64_t openedAt = now - 3 * 86400, closedAt = openedAt + 2 * 3600 + 40 * 60;
  std::string box;
  std::vector<monitoring::Affected> affected;
  for (const fleet::DeviceRow& d : devices) {
    if (d.status != "active") continue;
    EDGE_ASSIGN_OR_RETURN(std::vector<monitoring::Affected> seen, monitoring.affectedBy(t.id, {d.id}, openedAt - 30 * 86400));
    if (box.empty() || seen.size() > affected.size()) {
      box = d.id;
      affected = std::move(seen);
    }
  }
  if (box.empty()) return out;  // no box: nothing to have failed
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> id,
                        monitoring.openAlert(t.id, box, "offline", "no check-in since " + monitoring::utcText(openedAt - 180) +
                                                                    " (sample)",
                                             openedAt, 0));
  if (!id) return core::failedPrecondition("devices: box " + box + " has an open offline alert");
  out.alertId = *id;
  EDGE_RETURN_IF_ERROR(monitoring.putImpact(*id, t.id, affected));
  EDGE_RETURN_IF_ERROR(monitoring.closeAlert(box, "offline", closedAt).status());
  out.affected = static_cast<int64_t>(affected.size());
  for (const monitoring::Affected& a : affected) {
    if (a.customerId.empty()) continue;
    monitoring::Notification note;
    note.tenantId = t.id;
    note.source = "alert";
    note.sourceId = *id;
    note.event = "opened";
    note.customerId = a.customerId;
    note.state = "sent";
    note.createdAt = openedAt + 30;
    note.nextAttemptAt = openedAt + 30;
    note.sentAt = openedAt + 31;
    note.attempts = 1;
    if (!a.phone.empty() && a.preference == "sms") {
      note.channel = "sms";
      note.recipient = a.phone;
      note.body = "sample: not sent";
    } else if (!a.email.empty()) {
      note.channel = "email";
      note.recipient = a.email;
      note.body = "sample: not mailed";
    } else {
      continue;
    }
    EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> added, monitoring.addNotification(note));
    if (added) ++out.notifications;
  }

  // Two network devices that box polls (ADR 0062; a real box reports its own and replaces these): the
  // switch in front of the NAS most of its sessions ran through, and an uplink router serving no NAS.
  {
    monitoring::NetworkStore network(tx);
    EDGE_ASSIGN_OR_RETURN(std::vector<monitoring::NetworkStore::NasCount> counts, network.subscribersByNas(t.id, 0));
    std::string nas;
    int64_t most = 0;
    for (const monitoring::NetworkStore::NasCount& c : counts)
      if (c.boxId == box && c.subscribers > most) {
        nas = c.nas;
        most = c.subscribers;
      }
    monitoring::NetworkDevice sw, router;
    sw.name = "access-switch-1";
    sw.kind = "switch";
    sw.nas = nas;
    sw.uptime = 41 * 86400 + 3 * 3600;
    sw.interfacesDown = "[\"ge-0/0/7\"]";
    router.name = "uplink-router";
    router.kind = "router";
    router.uptime = 97 * 86400;
    EDGE_RETURN_IF_ERROR(network.replace(box, t.id, {router, sw}, now));
  }

  // Planned maintenance of that box in a week, announced a day before.
  monitoring::Maintenance m;
  m.tenantId = t.id;
  m.startsAt = (now / 3600 + 7 * 24) * 3600;
  m.endsAt = m.startsAt + 2 * 3600;
  m.devices = {box};
  m.reason = "We are upgrading the equipment that serves your area (sample).";
  m.state = "scheduled";
  m.createdBy = "demo-insight";
  m.createdAt = now;
  EDGE_ASSIGN_OR_RETURN(out.maintenanceId, monitoring.addMaintenance(m));
  return out;
}

}  // namespace mgmt::insight
