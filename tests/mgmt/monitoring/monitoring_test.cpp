// Fleet monitoring (mgmt/monitoring, migration 17, ADR 0054) on the storage of this run (SQLite, or
// PostgreSQL in mgmt_monitoring_tests_pg): a silent box raises one offline alert (a second pass adds
// nothing), its impact is the subscribers seen on it in the window with their customers, alerts rank
// by customers affected, the alert closes on a check-in; alarms in the check-in health; notifications
// by preference (email through the outbox, SMS, none), quiet hours hold SMS but not email, a webhook
// signed over "t.body" that the payment webhooks' verifier accepts, retries with backoff, planned
// maintenance announced once; settings errors name the key; tenants never see each other's alerts.
// The transport is a fake here; the real HTTPS one against the SMS simulator in
// tests/integration/monitoring_test.py.
#include <map>
#include <memory>
#include <vector>

#include "billing/payments/webhook_signature.h"
#include "mgmt/customers/customer_store.h"
#include "mgmt/fleet/fleet_store.h"
#include "mgmt/mail/outbox.h"
#include "mgmt/mgmt_schema.h"
#include "mgmt/monitoring/live_store.h"
#include "mgmt/monitoring/monitoring_service.h"
#include "mgmt/monitoring/notify_rules.h"
#include "mgmt/usage/usage_store.h"
#include "tests/support/test_storage.h"
#include "CppUTest/TestHarness.h"  // last

using core::Json;
using mgmt::monitoring::Alert;
using mgmt::monitoring::MonitoringService;
using mgmt::monitoring::Notification;
using mgmt::monitoring::NotifySettings;
using mgmt::store::Transaction;

namespace {

const bool kWarm = !mgmt::mgmtStorageMigrations().empty();

constexpr int64_t kNow = 1796000000;  // 2026-11-30 00:53:20 UTC

struct FakeTransport : mgmt::monitoring::NotifyTransport {
  struct Sms {
    mgmt::monitoring::SmsMessage m;
  };
  std::vector<mgmt::monitoring::SmsMessage> sms;
  struct Hook {
    std::string url, body;
    std::map<std::string, std::string> headers;
  };
  std::vector<Hook> hooks;
  int failNext = 0;
  core::Status sendSms(const mgmt::monitoring::SmsMessage& m) override {
    if (failNext > 0) {
      --failNext;
      return core::Status(core::Code::kUnavailable, "SMS provider answered HTTP 503");
    }
    sms.push_back(m);
    return core::Status::ok();
  }
  core::Status postWebhook(const std::string& url, const std::string& body,
                           const std::map<std::string, std::string>& headers) override {
    hooks.push_back(Hook{url, body, headers});
    return core::Status::ok();
  }
};

struct Db {
  mgmt::store::testing::TestStorage test;
  std::unique_ptr<mgmt::store::Storage> storage;
  std::unique_ptr<MonitoringService> service;
  int64_t seq = 0;

  Db() {
    core::Result<std::unique_ptr<mgmt::store::Storage>> s = test.open(mgmt::mgmtStorageMigrations());
    if (!s.isOk()) FAIL(s.status().toString().c_str());
    storage = std::move(*s);
    mgmt::monitoring::MonitoringOptions o;
    o.pollInterval = 10;
    o.missedPolls = 3;        // silent after 30 s
    o.impactWindow = 3600;
    o.maintenanceLead = 600;
    o.maxAttempts = 3;
    service = std::make_unique<MonitoringService>(MonitoringService::Deps{*storage, core::SystemClock::instance(), o});
  }
  void write(const std::function<core::Status(Transaction&)>& f) {
    core::Status s = storage->transact(f);
    CHECK_TRUE_TEXT(s.isOk(), s.toString().c_str());
  }
  void tenant(const std::string& id) {
    write([&](Transaction& tx) {
      return tx
          .exec("INSERT INTO tenants(id, name, tier, created_at, expires_at) VALUES ($1, $2, 'premium', 1, 9999999999)",
                {id, id})
          .status();
    });
  }
  void box(const std::string& tenant, const std::string& id, int64_t lastCheckin, const Json& health = Json::object()) {
    write([&](Transaction& tx) -> core::Status {
      mgmt::fleet::DeviceRow d;
      d.id = id;
      d.tenantId = tenant;
      d.hostname = id + ".example";
      d.enrolledAt = lastCheckin - 100;
      mgmt::fleet::FleetStore fleet(tx);
      EDGE_RETURN_IF_ERROR(fleet.insertDevice(d));
      return fleet.recordCheckin(id, lastCheckin, Json{{"health", health}}.dump()).status();
    });
  }
  void checkin(const std::string& id, int64_t at, const Json& health = Json::object()) {
    write([&](Transaction& tx) -> core::Status {
      return mgmt::fleet::FleetStore(tx).recordCheckin(id, at, Json{{"health", health}}.dump()).status();
    });
  }
  void used(const std::string& tenant, const std::string& device, const std::string& user, int64_t at) {
    write([&](Transaction& tx) -> core::Status {
      core::sync::UsageRow u;
      u.seq = ++seq;
      u.at = at;
      u.session = "s-" + std::to_string(seq);
      u.username = user;
      u.inputOctets = 100;
      return mgmt::usage::UsageStore(tx).insertUsage(device, tenant, u).status();
    });
  }
  void customer(const std::string& tenant, const std::string& id, const std::string& user, const std::string& email,
                const std::string& phone) {
    write([&](Transaction& tx) -> core::Status {
      mgmt::customers::Customer c;
      c.tenantId = tenant;
      c.id = id;
      c.name = "Customer " + id;
      c.username = user;
      c.email = email;
      c.phone = phone;
      c.createdAt = c.updatedAt = 1;
      return mgmt::customers::CustomerStore(tx).put(c);
    });
  }
  std::vector<Notification> log(const std::string& tenant) {
    core::Result<std::vector<Notification>> r = service->log(tenant, 100);
    CHECK_TRUE_TEXT(r.isOk(), r.status().toString().c_str());
    return *r;
  }
  int64_t count(const std::string& sql, const mgmt::store::Params& params) {
    int64_t n = -1;
    write([&](Transaction& tx) -> core::Status {
      EDGE_ASSIGN_OR_RETURN(n, tx.queryInt64(sql, params));
      return core::Status::ok();
    });
    return n;
  }
};

const Notification* find(const std::vector<Notification>& log, const std::string& channel, const std::string& customer,
                         const std::string& event = "opened") {
  for (const Notification& n : log)
    if (n.channel == channel && n.customerId == customer && n.event == event) return &n;
  return nullptr;
}

Json smsAndWebhook() {
  return Json{{"sms", true},
              {"sms-api-url", "https://sms.example"},
              {"sms-account", "AC123"},
              {"sms-token", "tok"},
              {"sms-from", "+15550001111"},
              {"webhook-url", "https://hooks.example/outage"},
              {"webhook-secret", "0123456789abcdef0123"}};
}

}  // namespace

TEST_GROUP(Monitoring){};

TEST(Monitoring, SilentBoxRaisesOneAlertWithItsImpactAndClosesOnCheckIn) {
  Db db;
  db.tenant("t-acme");
  db.tenant("t-globex");
  db.box("t-acme", "b1", kNow - 5);
  db.box("t-globex", "g1", kNow - 5);
  db.used("t-acme", "b1", "alice", kNow - 600);
  db.used("t-acme", "b1", "bob", kNow - 60);
  db.used("t-acme", "b1", "carol", kNow - 60);   // no customer record
  db.used("t-acme", "b1", "dave", kNow - 7200);  // before the window
  db.used("t-globex", "g1", "alice", kNow - 60); // another tenant's alice on its own box
  db.customer("t-acme", "cu-alice", "alice", "alice@example.net", "");
  db.customer("t-acme", "cu-bob", "bob", "bob@example.net", "+15550002222");
  CHECK_TRUE(db.service->setSettings("t-acme", smsAndWebhook()).isOk());
  CHECK_TRUE(db.service->setPreference("t-acme", "cu-bob", "sms").isOk());

  // Within three check-in intervals: nothing.
  core::Result<MonitoringService::Report> r = db.service->check(kNow + 20);
  CHECK_TRUE_TEXT(r.isOk(), r.status().toString().c_str());
  CHECK_EQUAL(0, r->opened);

  // acme's box silent past them (globex's checks in): one offline alert with three customers.
  db.checkin("g1", kNow + 35);
  r = db.service->check(kNow + 40);
  CHECK_TRUE_TEXT(r.isOk(), r.status().toString().c_str());
  CHECK_EQUAL(1, r->opened);
  CHECK_EQUAL(3, r->queued);  // alice's email, bob's SMS, the webhook
  std::vector<Alert> alerts = *db.service->alerts("t-acme", "open", 10);
  LONGS_EQUAL(1, alerts.size());
  STRCMP_EQUAL("offline", alerts[0].kind.c_str());
  STRCMP_EQUAL("b1", alerts[0].deviceId.c_str());
  CHECK_EQUAL(3, alerts[0].affected);
  auto shown = *db.service->alertShow("t-acme", alerts[0].id, 100);
  LONGS_EQUAL(3, shown.second.size());
  STRCMP_EQUAL("alice", shown.second[0].username.c_str());
  STRCMP_EQUAL("cu-alice", shown.second[0].customerId.c_str());
  STRCMP_EQUAL("bob", shown.second[1].username.c_str());
  STRCMP_EQUAL("carol", shown.second[2].username.c_str());
  STRCMP_EQUAL("", shown.second[2].customerId.c_str());

  // The notifications: alice by email (in the outbox, rendered with the template), bob by SMS.
  std::vector<Notification> log = db.log("t-acme");
  LONGS_EQUAL(3, log.size());
  CHECK_TRUE(find(log, "email", "cu-alice") != nullptr);
  CHECK_TRUE(find(log, "sms", "cu-bob") != nullptr);
  CHECK_TRUE(find(log, "email", "cu-bob") == nullptr);
  CHECK_TRUE(find(log, "webhook", "") != nullptr);
  STRCMP_EQUAL("+15550002222", find(log, "sms", "cu-bob")->recipient.c_str());
  CHECK_EQUAL(1, db.count("SELECT count(*) FROM mail_outbox WHERE tenant_id = $1 AND recipient = $2 AND "
                          "template = 'outage-notice'",
                          {std::string("t-acme"), std::string("alice@example.net")}));

  // Again, and again after a restart (a new service on the same storage): nothing more.
  r = db.service->check(kNow + 50);
  CHECK_EQUAL(0, r->opened);
  CHECK_EQUAL(0, r->queued);
  MonitoringService again({*db.storage, core::SystemClock::instance(), db.service->options()});
  r = again.check(kNow + 60);
  CHECK_EQUAL(0, r->opened);
  LONGS_EQUAL(3, db.log("t-acme").size());
  CHECK_EQUAL(1, db.count("SELECT count(*) FROM mail_outbox WHERE tenant_id = $1", {std::string("t-acme")}));

  // globex sees none of it, and cannot read acme's alert by id.
  LONGS_EQUAL(0, db.service->alerts("t-globex", "", 10)->size());
  CHECK_TRUE(core::Code::kNotFound == (db.service->alertShow("t-globex", alerts[0].id, 10).status().code()));
  LONGS_EQUAL(0, db.log("t-globex").size());

  // The box checks in: the alert closes, the webhook hears of it, customers are not told twice.
  db.checkin("b1", kNow + 70);
  r = db.service->check(kNow + 71);
  CHECK_EQUAL(1, r->closed);
  CHECK_EQUAL(1, r->queued);
  LONGS_EQUAL(0, db.service->alerts("t-acme", "open", 10)->size());
  Alert closed = (*db.service->alerts("t-acme", "closed", 10))[0];
  CHECK_EQUAL(kNow + 71, closed.closedAt);
  const std::vector<Notification> afterClose = db.log("t-acme");
  CHECK_TRUE(find(afterClose, "webhook", "", "closed") != nullptr);

  // Silent once more: a new alert (the old one is closed).
  r = db.service->check(kNow + 71 + 31);
  CHECK_EQUAL(1, r->opened);
  LONGS_EQUAL(2, db.service->alerts("t-acme", "", 10)->size());
}

TEST(Monitoring, AlertsRankByCustomersAffected) {
  Db db;
  db.tenant("t-acme");
  db.box("t-acme", "small", kNow - 100);
  db.box("t-acme", "big", kNow - 100);
  db.box("t-acme", "empty", kNow - 100);
  db.used("t-acme", "small", "u1", kNow - 200);
  for (const char* u : {"u2", "u3", "u4"}) db.used("t-acme", "big", u, kNow - 200);
  CHECK_EQUAL(3, db.service->check(kNow)->opened);
  std::vector<Alert> alerts = *db.service->alerts("t-acme", "", 10);
  LONGS_EQUAL(3, alerts.size());
  STRCMP_EQUAL("big", alerts[0].deviceId.c_str());
  CHECK_EQUAL(3, alerts[0].affected);
  STRCMP_EQUAL("small", alerts[1].deviceId.c_str());
  STRCMP_EQUAL("empty", alerts[2].deviceId.c_str());
  CHECK_EQUAL(0, alerts[2].affected);
}

// Boxes of one tenant going silent within monitoring.group-window of each other are one root cause:
// one group, ranked by the customers it affects, each counted once (a subscriber seen on two of the
// boxes), and each customer told once; a box silent later, or another tenant's box, is another group.
// Acknowledging keeps the first person's mark; another tenant's alert cannot be acknowledged.
TEST(Monitoring, AlertsOfOneRootCauseAreGroupedCountedOnceAndToldOnce) {
  Db db;
  db.tenant("t-acme");
  db.tenant("t-globex");
  db.box("t-acme", "site-a", kNow - 100);
  db.box("t-acme", "site-b", kNow - 100);
  db.box("t-acme", "far", kNow + 300);
  db.box("t-globex", "g1", kNow - 100);
  db.used("t-acme", "site-a", "alice", kNow - 200);
  db.used("t-acme", "site-b", "alice", kNow - 150);  // alice roams between the two boxes
  db.used("t-acme", "site-b", "bob", kNow - 150);
  db.used("t-acme", "far", "carol", kNow + 200);
  db.used("t-globex", "g1", "gina", kNow - 150);
  db.customer("t-acme", "cu-alice", "alice", "alice@example.net", "");
  db.customer("t-acme", "cu-bob", "bob", "bob@example.net", "");
  db.customer("t-acme", "cu-carol", "carol", "carol@example.net", "");
  db.customer("t-globex", "cu-gina", "gina", "gina@example.net", "");

  CHECK_EQUAL(3, db.service->check(kNow)->opened);        // site-a, site-b, g1
  CHECK_EQUAL(1, db.service->check(kNow + 400)->opened);  // far: silent 400 s later, past the window
  core::Result<std::vector<MonitoringService::AlertGroup>> groups = db.service->alertGroups("t-acme", "", 10);
  CHECK_TRUE_TEXT(groups.isOk(), groups.status().toString().c_str());
  LONGS_EQUAL(2, groups->size());
  const MonitoringService::AlertGroup site = (*groups)[0];
  LONGS_EQUAL(2, site.alerts.size());
  CHECK_EQUAL(2, site.affected);  // alice and bob, alice once
  CHECK_EQUAL(3, site.counted);   // the alerts' own counts: alice on both
  CHECK_TRUE(site.open);
  CHECK_FALSE(site.acked);
  for (const Alert& a : site.alerts) CHECK_EQUAL(site.id, a.groupId);
  const MonitoringService::AlertGroup far = (*groups)[1];
  LONGS_EQUAL(1, far.alerts.size());
  STRCMP_EQUAL("far", far.alerts[0].deviceId.c_str());
  CHECK_EQUAL(far.alerts[0].id, far.id);
  CHECK_EQUAL(1, far.affected);

  // alice heard of the site's outage once, though two of its alerts list her.
  std::vector<Notification> log = db.log("t-acme");
  int aliceMails = 0;
  for (const Notification& n : log) aliceMails += n.customerId == "cu-alice" ? 1 : 0;
  CHECK_EQUAL(1, aliceMails);
  CHECK_TRUE(find(log, "email", "cu-bob") != nullptr);
  CHECK_TRUE(find(log, "email", "cu-carol") != nullptr);
  CHECK_EQUAL(1, db.count("SELECT count(*) FROM mail_outbox WHERE recipient = $1", {std::string("alice@example.net")}));

  // globex's box went silent in the same pass but is its own group, and sees none of acme's.
  groups = db.service->alertGroups("t-globex", "", 10);
  LONGS_EQUAL(1, groups->size());
  LONGS_EQUAL(1, (*groups)[0].alerts.size());
  STRCMP_EQUAL("g1", (*groups)[0].alerts[0].deviceId.c_str());

  // Acknowledged: the first mark stays; the group is acknowledged once all its open alerts are.
  const int64_t first = site.alerts[0].id, second = site.alerts[1].id;
  core::Result<Alert> acked = db.service->ackAlert("t-acme", first, "tech@acme.example");
  CHECK_TRUE_TEXT(acked.isOk(), acked.status().toString().c_str());
  STRCMP_EQUAL("tech@acme.example", acked->ackedBy.c_str());
  CHECK_TRUE(acked->ackedAt > 0);
  acked = db.service->ackAlert("t-acme", first, "someone-else");
  STRCMP_EQUAL("tech@acme.example", acked->ackedBy.c_str());
  CHECK_FALSE((*db.service->alertGroups("t-acme", "", 10))[0].acked);
  CHECK_TRUE(db.service->ackAlert("t-acme", second, "tech@acme.example").isOk());
  CHECK_TRUE((*db.service->alertGroups("t-acme", "", 10))[0].acked);
  CHECK_TRUE(core::Code::kNotFound == db.service->ackAlert("t-globex", first, "intruder").status().code());

  // A box reporting alarms that then goes silent: one root cause, whatever the window (0 here).
  mgmt::monitoring::MonitoringOptions o = db.service->options();
  o.groupWindow = 0;
  MonitoringService noWindow({*db.storage, core::SystemClock::instance(), o});
  db.box("t-acme", "nas-box", kNow + 1000, Json{{"alerts", Json::array({"nas-silent"})}});
  CHECK_EQUAL(1, noWindow.check(kNow + 1001)->opened);  // the alarm
  CHECK_EQUAL(1, noWindow.check(kNow + 1100)->opened);  // silent: offline, in the alarm's group
  int64_t alarmGroup = 0, offlineGroup = -1;
  const std::vector<Alert> open = *db.service->alerts("t-acme", "open", 20);
  for (const Alert& a : open) {
    if (a.deviceId != "nas-box") continue;
    (a.kind == "alarm" ? alarmGroup : offlineGroup) = a.groupId;
  }
  CHECK_TRUE(alarmGroup != 0);
  CHECK_EQUAL(alarmGroup, offlineGroup);
}

TEST(Monitoring, AlarmsInTheCheckInHealthRaiseAnAlarmAlertThatClosesWhenCleared) {
  Db db;
  db.tenant("t-acme");
  db.box("t-acme", "b1", kNow, Json{{"alerts", Json::array({"disk 96% full", "NAS 10.0.0.2 silent"})}});
  core::Result<MonitoringService::Report> r = db.service->check(kNow + 1);
  CHECK_EQUAL(1, r->opened);
  std::vector<Alert> alerts = *db.service->alerts("t-acme", "open", 10);
  LONGS_EQUAL(1, alerts.size());
  STRCMP_EQUAL("alarm", alerts[0].kind.c_str());
  STRCMP_EQUAL("disk 96% full; NAS 10.0.0.2 silent", alerts[0].detail.c_str());
  CHECK_EQUAL(0, db.service->check(kNow + 2)->opened);
  db.checkin("b1", kNow + 5, Json{{"alerts", Json::array()}});
  CHECK_EQUAL(1, db.service->check(kNow + 6)->closed);
  LONGS_EQUAL(0, db.service->alerts("t-acme", "open", 10)->size());
}

TEST(Monitoring, DeliveriesAreSignedRetriedWithBackoffAndGivenUp) {
  Db db;
  db.tenant("t-acme");
  db.box("t-acme", "b1", kNow - 100);
  db.used("t-acme", "b1", "bob", kNow - 200);
  db.customer("t-acme", "cu-bob", "bob", "", "+15550002222");
  CHECK_TRUE(db.service->setSettings("t-acme", smsAndWebhook()).isOk());
  CHECK_EQUAL(1, db.service->check(kNow)->opened);

  FakeTransport t;
  t.failNext = 1;  // the SMS provider is down once
  core::Result<MonitoringService::Delivery> d = db.service->deliver(t, kNow);
  CHECK_TRUE_TEXT(d.isOk(), d.status().toString().c_str());
  CHECK_EQUAL(1, d->sent);     // the webhook
  CHECK_EQUAL(1, d->retried);  // the SMS
  LONGS_EQUAL(1, t.hooks.size());
  // The receiver's check: the payment webhooks' verifier accepts the signature over "t.body".
  const FakeTransport::Hook& hook = t.hooks[0];
  STRCMP_EQUAL("https://hooks.example/outage", hook.url.c_str());
  CHECK_TRUE(::billing::verifyWebhook(hook.headers.at("Edge-Signature"), hook.body, "0123456789abcdef0123", kNow).isOk());
  CHECK_FALSE(::billing::verifyWebhook(hook.headers.at("Edge-Signature"), hook.body + " ", "0123456789abcdef0123", kNow).isOk());
  STRCMP_EQUAL(std::to_string(kNow).c_str(), hook.headers.at("Edge-Timestamp").c_str());
  Json body = Json::parse(hook.body);
  STRCMP_EQUAL("alert.opened", body["event"].get<std::string>().c_str());
  CHECK_EQUAL(1, body["alert"]["affected"].get<int>());

  // Not due again before the backoff; then sent, once.
  CHECK_EQUAL(0, db.service->deliver(t, kNow + 29)->sent);
  d = db.service->deliver(t, kNow + 30);
  CHECK_EQUAL(1, d->sent);
  LONGS_EQUAL(1, t.sms.size());
  STRCMP_EQUAL("+15550002222", t.sms[0].to.c_str());
  STRCMP_EQUAL("+15550001111", t.sms[0].from.c_str());
  STRCMP_EQUAL("AC123", t.sms[0].account.c_str());
  CHECK_TRUE(t.sms[0].text.find("down since") != std::string::npos);
  CHECK_EQUAL(0, db.service->deliver(t, kNow + 100000)->sent);
  const std::vector<Notification> afterSms = db.log("t-acme");
  const Notification* sms = find(afterSms, "sms", "cu-bob");
  CHECK_TRUE(sms != nullptr);
  STRCMP_EQUAL("sent", sms->state.c_str());
  CHECK_EQUAL(2, sms->attempts);

  // A webhook receiver that never answers: given up after max-attempts (3), with the reason.
  db.box("t-acme", "b2", kNow - 100);
  CHECK_EQUAL(1, db.service->check(kNow)->opened);
  struct Down : FakeTransport {
    core::Status postWebhook(const std::string&, const std::string&, const std::map<std::string, std::string>&) override {
      return core::Status(core::Code::kUnavailable, "webhook answered HTTP 500");
    }
  } down;
  int64_t at = kNow;
  for (int i = 0; i < 3; ++i) {
    d = db.service->deliver(down, at);
    at += 3600;
  }
  CHECK_EQUAL(1, d->failed);
  bool failed = false;
  for (const Notification& n : db.log("t-acme"))
    if (n.channel == "webhook" && n.state == "failed") failed = n.lastError.find("HTTP 500") != std::string::npos;
  CHECK_TRUE(failed);
}

TEST(Monitoring, QuietHoursHoldSmsButNotEmailAndPreferencesDecideTheChannel) {
  Db db;
  db.tenant("t-acme");
  db.box("t-acme", "b1", kNow - 100);
  for (const char* u : {"ann", "ben", "cat", "dan"}) db.used("t-acme", "b1", u, kNow - 200);
  db.customer("t-acme", "cu-ann", "ann", "ann@example.net", "+15550000001");  // default: email
  db.customer("t-acme", "cu-ben", "ben", "ben@example.net", "+15550000002");  // sms
  db.customer("t-acme", "cu-cat", "cat", "cat@example.net", "+15550000003");  // none
  db.customer("t-acme", "cu-dan", "dan", "", "+15550000004");                 // no email: SMS
  Json s = smsAndWebhook();
  s["quiet-hours"] = "00:00-07:00";  // kNow is 00:53 UTC
  CHECK_TRUE(db.service->setSettings("t-acme", s).isOk());
  CHECK_TRUE(db.service->setPreference("t-acme", "cu-ben", "sms").isOk());
  CHECK_TRUE(db.service->setPreference("t-acme", "cu-cat", "none").isOk());
  CHECK_TRUE(core::Code::kNotFound == (db.service->setPreference("t-acme", "cu-nobody", "sms").code()));
  CHECK_TRUE(core::Code::kInvalidArgument == (db.service->setPreference("t-acme", "cu-ann", "pigeon").code()));
  CHECK_EQUAL(1, db.service->check(kNow)->opened);

  std::vector<Notification> log = db.log("t-acme");
  CHECK_TRUE(find(log, "email", "cu-ann") != nullptr);
  CHECK_TRUE(find(log, "sms", "cu-ann") == nullptr);
  CHECK_TRUE(find(log, "sms", "cu-ben") != nullptr);
  CHECK_TRUE(find(log, "email", "cu-cat") == nullptr);
  CHECK_TRUE(find(log, "sms", "cu-cat") == nullptr);
  CHECK_TRUE(find(log, "sms", "cu-dan") != nullptr);
  // Email went to the outbox at once; the SMS wait for 07:00 UTC.
  const int64_t sevenAm = kNow - (kNow % 86400) + 7 * 3600;
  CHECK_EQUAL(sevenAm, find(log, "sms", "cu-ben")->nextAttemptAt);
  FakeTransport t;
  core::Result<MonitoringService::Delivery> d = db.service->deliver(t, kNow + 60);
  LONGS_EQUAL(0, t.sms.size());
  LONGS_EQUAL(1, t.hooks.size());  // webhooks are not held
  d = db.service->deliver(t, sevenAm);
  LONGS_EQUAL(2, t.sms.size());
}

TEST(Monitoring, QuietHoursAcrossMidnightAndInLocalTime) {
  NotifySettings s;
  s.quietHours = "22:00-07:00";
  const int64_t midnight = kNow - (kNow % 86400);
  CHECK_EQUAL(midnight + 7 * 3600, mgmt::monitoring::quietUntil(s, midnight + 3600));
  CHECK_EQUAL(midnight + 86400 + 7 * 3600, mgmt::monitoring::quietUntil(s, midnight + 23 * 3600));
  CHECK_EQUAL(0, mgmt::monitoring::quietUntil(s, midnight + 12 * 3600));
  s.utcOffsetMinutes = 120;  // 21:30 UTC is 23:30 local: quiet until 07:00 local = 05:00 UTC
  CHECK_EQUAL(midnight + 86400 + 5 * 3600, mgmt::monitoring::quietUntil(s, midnight + 21 * 3600 + 1800));
  s.quietHours = "";
  CHECK_EQUAL(0, mgmt::monitoring::quietUntil(s, midnight + 3600));
}

TEST(Monitoring, SettingsErrorsNameTheKeyAndSecretsAreNotShown) {
  Db db;
  db.tenant("t-acme");
  auto error = [&db](const Json& patch) {
    core::Result<NotifySettings> r = db.service->setSettings("t-acme", patch);
    CHECK_FALSE(r.isOk());
    CHECK_TRUE(core::Code::kInvalidArgument == (r.status().code()));
    return r.status().message();
  };
  CHECK_TRUE(error(Json{{"pager", true}}).find("pager: unknown key") != std::string::npos);
  CHECK_TRUE(error(Json{{"email", "yes"}}).find("email: must be true or false") != std::string::npos);
  CHECK_TRUE(error(Json{{"quiet-hours", "22-7"}}).find("quiet-hours") != std::string::npos);
  CHECK_TRUE(error(Json{{"sms", true}}).find("sms-account: needed") != std::string::npos);
  CHECK_TRUE(error(Json{{"sms-from", "5550001"}}).find("sms-from") != std::string::npos);
  CHECK_TRUE(error(Json{{"webhook-url", "http://hooks.example/x"}}).find("webhook-url: must start with https://") !=
             std::string::npos);
  CHECK_TRUE(error(Json{{"webhook-url", "https://hooks.example/x"}, {"webhook-secret", "short"}})
                 .find("webhook-secret") != std::string::npos);
  CHECK_TRUE(error(Json{{"utc-offset-minutes", 9999}}).find("utc-offset-minutes") != std::string::npos);
  // Nothing was saved by the refusals; a good patch merges over what is there.
  CHECK_TRUE(db.service->settings("t-acme")->webhookUrl.empty());
  CHECK_TRUE(db.service->setSettings("t-acme", smsAndWebhook()).isOk());
  CHECK_TRUE(db.service->setSettings("t-acme", Json{{"quiet-hours", "22:00-07:00"}}).isOk());
  NotifySettings s = *db.service->settings("t-acme");
  STRCMP_EQUAL("AC123", s.smsAccount.c_str());
  STRCMP_EQUAL("22:00-07:00", s.quietHours.c_str());
  Json shown = mgmt::monitoring::settingsToJson(s, false);
  STRCMP_EQUAL("(set)", shown["sms-token"].get<std::string>().c_str());
  STRCMP_EQUAL("(set)", shown["webhook-secret"].get<std::string>().c_str());
}

TEST(Monitoring, MaintenanceIsAnnouncedOnceBeforeItStartsAndNotWhenCancelled) {
  Db db;
  db.tenant("t-acme");
  db.tenant("t-globex");
  db.box("t-acme", "b1", kNow);
  db.box("t-acme", "b2", kNow);
  db.box("t-globex", "g1", kNow);
  const int64_t wall = db.service->now();
  db.used("t-acme", "b1", "ann", wall - 100);
  db.used("t-acme", "b2", "ben", wall - 100);
  db.customer("t-acme", "cu-ann", "ann", "ann@example.net", "");
  db.customer("t-acme", "cu-ben", "ben", "ben@example.net", "");
  // Boxes are checked against the tenant; times against each other.
  CHECK_TRUE(core::Code::kNotFound == (db.service->addMaintenance("t-acme", wall + 3600, wall + 7200, {"g1"}, "", "test").status().code()));
  CHECK_TRUE(core::Code::kInvalidArgument == (db.service->addMaintenance("t-acme", wall + 7200, wall + 3600, {"b1"}, "", "test").status().code()));
  CHECK_TRUE(core::Code::kInvalidArgument == (db.service->addMaintenance("t-acme", wall - 10, wall + 3600, {"b1"}, "", "test").status().code()));
  auto m = db.service->addMaintenance("t-acme", wall + 3600, wall + 7200, {"b1", "b2"}, "Fibre splicing.", "test");
  CHECK_TRUE_TEXT(m.isOk(), m.status().toString().c_str());
  auto cancelled = db.service->addMaintenance("t-acme", wall + 3600, wall + 7200, {"b2"}, "", "test");
  CHECK_TRUE(db.service->cancelMaintenance("t-acme", cancelled->id).isOk());
  CHECK_TRUE(core::Code::kNotFound == (db.service->cancelMaintenance("t-globex", m->id).code()));

  // Boxes checked in at kNow; check at the wall clock's time only announces (lead 600 s: not yet).
  db.checkin("b1", wall);
  db.checkin("b2", wall);
  db.checkin("g1", wall);
  CHECK_EQUAL(0, db.service->check(wall)->announced);
  db.checkin("b1", wall + 3000);
  db.checkin("b2", wall + 3000);
  db.checkin("g1", wall + 3000);
  core::Result<MonitoringService::Report> r = db.service->check(wall + 3001);
  CHECK_EQUAL(1, r->announced);
  CHECK_EQUAL(2, r->queued);
  CHECK_EQUAL(0, db.service->check(wall + 3002)->announced);
  std::vector<Notification> log = db.log("t-acme");
  LONGS_EQUAL(2, log.size());
  for (const Notification& n : log) {
    STRCMP_EQUAL("maintenance", n.source.c_str());
    CHECK_EQUAL(m->id, n.sourceId);
  }
  STRCMP_EQUAL("notified", (*db.service->maintenance("t-acme", 10))[1].state.c_str());
  LONGS_EQUAL(0, db.service->maintenance("t-globex", 10)->size());
}

// ADR 0062: the network devices a box polls, from its check-in's health.network.
TEST(Monitoring, ANetworkDeviceDownIsAnAlertWithTheCustomersOfItsNasOnlyAndClosesWhenBack) {
  Db db;
  db.tenant("t-acme");
  db.tenant("t-globex");
  auto device = [](const char* name, const char* nas, bool reachable, int64_t since) {
    return Json{{"name", name}, {"nas", nas}, {"kind", "switch"}, {"reachable", reachable}, {"since", since},
                {"uptime", 3600}, {"down", Json::array()}};
  };
  db.box("t-acme", "b1", kNow, Json{{"alerts", Json::array()}, {"network", Json::array({device("sw1", "bras", true, 0),
                                                                                          device("sw2", "other", true, 0)})}});
  db.box("t-globex", "g1", kNow);
  auto session = [&db](const std::string& tenant, const std::string& box, const std::string& user, const std::string& nas,
                       int64_t stopped) {
    db.write([&](Transaction& tx) -> core::Status {
      core::sync::SessionSummary s;
      s.id = ++db.seq;
      s.session = "S-" + std::to_string(db.seq);
      s.username = user;
      s.nas = nas;
      s.started = stopped - 60;
      s.stopped = stopped;
      return mgmt::usage::UsageStore(tx).insertSession(box, tenant, s);
    });
  };
  session("t-acme", "b1", "alice", "bras", kNow - 100);
  session("t-acme", "b1", "bob", "other", kNow - 100);
  session("t-acme", "b1", "carol", "bras", kNow - 7200);  // before the impact window
  session("t-globex", "g1", "dave", "bras", kNow - 100);  // another tenant's NAS of the same name
  db.customer("t-acme", "cu-alice", "alice", "alice@example.net", "");
  CHECK_EQUAL(0, db.service->check(kNow + 1)->opened);
  LONGS_EQUAL(2, db.count("SELECT count(*) FROM network_devices WHERE box_id = 'b1' AND reachable = 1", {}));

  db.checkin("b1", kNow + 10, Json{{"network", Json::array({device("sw1", "bras", false, kNow + 5),
                                                             device("sw2", "other", true, 0)})}});
  core::Result<MonitoringService::Report> r = db.service->check(kNow + 11);
  CHECK_TRUE_TEXT(r.isOk(), r.status().toString().c_str());
  CHECK_EQUAL(1, r->opened);
  CHECK_EQUAL(1, r->queued);  // alice's email
  std::vector<Alert> open = *db.service->alerts("t-acme", "open", 10);
  LONGS_EQUAL(1, open.size());
  STRCMP_EQUAL("device-unreachable", open[0].kind.c_str());
  STRCMP_CONTAINS("switch sw1 (NAS bras)", open[0].detail.c_str());
  LONGS_EQUAL(1, open[0].affected);
  auto shown = db.service->alertShow("t-acme", open[0].id, 10);
  LONGS_EQUAL(1, shown->second.size());
  STRCMP_EQUAL("alice", shown->second[0].username.c_str());
  CHECK_TRUE(db.service->alertShow("t-globex", open[0].id, 10).status().code() == core::Code::kNotFound);
  LONGS_EQUAL(0, db.service->alerts("t-globex", "", 10)->size());
  // A second pass, and a second device down on the same box: one alert each.
  CHECK_EQUAL(0, db.service->check(kNow + 12)->opened);
  db.checkin("b1", kNow + 20, Json{{"network", Json::array({device("sw1", "bras", false, kNow + 5),
                                                             device("sw2", "other", false, kNow + 15)})}});
  CHECK_EQUAL(1, db.service->check(kNow + 21)->opened);
  LONGS_EQUAL(2, db.service->alerts("t-acme", "open", 10)->size());
  LONGS_EQUAL(0, db.count("SELECT count(*) FROM network_devices WHERE box_id = 'b1' AND reachable = 1", {}));

  // Back: both close; the box's uptime going on is not a change worth a write.
  db.checkin("b1", kNow + 30, Json{{"network", Json::array({device("sw1", "bras", true, 0), device("sw2", "other", true, 0)})}});
  CHECK_EQUAL(2, db.service->check(kNow + 31)->closed);
  LONGS_EQUAL(0, db.service->alerts("t-acme", "open", 10)->size());
  LONGS_EQUAL(2, db.count("SELECT count(*) FROM network_devices WHERE box_id = 'b1' AND reachable = 1", {}));
  // A device no longer reported is dropped (and its open alert would close).
  db.checkin("b1", kNow + 40, Json{{"network", Json::array({device("sw1", "bras", true, 0)})}});
  CHECK_TRUE(db.service->check(kNow + 41).isOk());
  LONGS_EQUAL(1, db.count("SELECT count(*) FROM network_devices WHERE box_id = 'b1'", {}));
}

// ADR 0068: the operator's sites and device links. A router's outage counts the customers of the NAS
// behind the switch that hangs off it; alerts of one site share a group whatever the time between them.
TEST(Monitoring, SitesGroupAlertsAndADeviceOutageCountsTheNasOfTheDevicesHangingOffIt) {
  Db db;
  db.tenant("t-acme");
  db.tenant("t-globex");
  auto device = [](const char* name, const char* nas, bool reachable, int64_t since) {
    return Json{{"name", name}, {"nas", nas}, {"kind", "switch"}, {"reachable", reachable}, {"since", since},
                {"uptime", 3600}, {"down", Json::array()}};
  };
  db.box("t-acme", "b1", kNow, Json{{"network", Json::array({device("r1", "", true, 0), device("sw1", "bras", true, 0)})}});
  db.box("t-acme", "b2", kNow);
  db.box("t-globex", "g1", kNow);
  db.write([&](Transaction& tx) -> core::Status {
    core::sync::SessionSummary s;
    s.id = 1;
    s.session = "S-1";
    s.username = "alice";
    s.nas = "bras";
    s.started = kNow - 160;
    s.stopped = kNow - 100;
    return mgmt::usage::UsageStore(tx).insertSession("b1", "t-acme", s);
  });
  db.customer("t-acme", "cu-alice", "alice", "alice@example.net", "");
  CHECK_TRUE(db.service->check(kNow + 1).isOk());

  // Descriptions: refusals name the field; another tenant's box is not found.
  auto put = [&db](const std::string& tenant, const std::string& box, const std::string& name, const std::string& site,
                   const std::string& upstream) {
    mgmt::monitoring::InventoryEntry e;
    e.boxId = box;
    e.name = name;
    e.site = site;
    e.upstream = upstream;
    return db.service->putNetworkDevice(tenant, e);
  };
  CHECK_TRUE(put("t-acme", "b1", "sw1", "", "r1").isOk());
  core::Status loop = put("t-acme", "b1", "r1", "", "sw1");
  STRCMP_CONTAINS("upstream: sw1 already hangs off r1", loop.message().c_str());
  STRCMP_CONTAINS("upstream: a device cannot hang off itself", put("t-acme", "b1", "r1", "", "r1").message().c_str());
  STRCMP_CONTAINS("upstream: box b1 has no device 'x'", put("t-acme", "b1", "r1", "", "x").message().c_str());
  STRCMP_CONTAINS("name: required", put("t-acme", "b1", "", "", "").message().c_str());
  STRCMP_CONTAINS("site: no control characters", put("t-acme", "b1", "r1", "a\nb", "").message().c_str());
  CHECK_TRUE(put("t-globex", "b1", "r1", "", "").code() == core::Code::kNotFound);
  CHECK_TRUE(db.service->setBoxSite("t-globex", "b1", "x").code() == core::Code::kNotFound);
  CHECK_TRUE(db.service->removeNetworkDevice("t-globex", "b1", "sw1").code() == core::Code::kNotFound);
  CHECK_TRUE(db.service->setBoxSite("t-acme", "b1", "Hill Road").isOk());
  CHECK_TRUE(db.service->setBoxSite("t-acme", "b2", "Hill Road").isOk());
  std::vector<MonitoringService::NetworkDeviceView> list = *db.service->networkDevices("t-acme", kNow + 2);
  LONGS_EQUAL(2, list.size());
  STRCMP_EQUAL("r1", list[0].device.name.c_str());
  LONGS_EQUAL(1, list[0].downstream.size());
  STRCMP_EQUAL("sw1", list[0].downstream[0].c_str());
  LONGS_EQUAL(1, list[0].subscribers);  // alice, through bras behind sw1
  STRCMP_EQUAL("Hill Road", list[1].site.c_str());
  STRCMP_EQUAL("r1", list[1].upstream.c_str());
  LONGS_EQUAL(0, db.service->networkDevices("t-globex", kNow + 2)->size());

  // r1 goes down: its alert counts alice (behind sw1) and is at the site.
  db.checkin("b1", kNow + 10, Json{{"network", Json::array({device("r1", "", false, kNow + 5), device("sw1", "bras", true, 0)})}});
  CHECK_EQUAL(1, db.service->check(kNow + 11)->opened);
  std::vector<Alert> open = *db.service->alerts("t-acme", "open", 10);
  LONGS_EQUAL(1, open.size());
  LONGS_EQUAL(1, open[0].affected);
  STRCMP_EQUAL("Hill Road", open[0].site.c_str());
  // b2, at the same site, goes silent an hour later (past the group window): it joins the site's group.
  db.checkin("b1", kNow + 3600, Json{{"network", Json::array({device("r1", "", false, kNow + 5), device("sw1", "bras", true, 0)})}});
  core::Result<MonitoringService::Report> later = db.service->check(kNow + 3601);
  CHECK_TRUE_TEXT(later.isOk(), later.status().toString().c_str());
  CHECK_EQUAL(2, later->opened);  // b2, and globex's g1 (silent too)
  open = *db.service->alerts("t-acme", "open", 10);
  LONGS_EQUAL(2, open.size());
  CHECK_EQUAL(open[0].groupId, open[1].groupId);
  // Removing a description: the link is gone from the list.
  CHECK_TRUE(db.service->removeNetworkDevice("t-acme", "b1", "sw1").isOk());
  list = *db.service->networkDevices("t-acme", kNow + 3602);
  LONGS_EQUAL(0, list[0].downstream.size());
}

// ADR 0074: the sessions a box has open at its check-in count in an outage's impact: a silent box's
// all of them, an unreachable device's those through its NAS. The list is rewritten only on a change.
TEST(Monitoring, SessionsOpenAtTheLastCheckInCountInTheImpact) {
  Db db;
  db.tenant("t-acme");
  db.tenant("t-globex");
  auto device = [](const char* name, const char* nas, bool reachable, int64_t since) {
    return Json{{"name", name}, {"nas", nas}, {"kind", "switch"}, {"reachable", reachable}, {"since", since},
                {"uptime", 3600}, {"down", Json::array()}};
  };
  db.box("t-acme", "b1", kNow, Json{{"network", Json::array({device("sw1", "bras", true, 0)})}});
  db.box("t-acme", "b2", kNow);
  db.box("t-globex", "g1", kNow);
  db.customer("t-acme", "cu-erin", "erin", "erin@example.net", "");
  db.customer("t-globex", "cu-gx", "frank", "frank@globex.example", "");  // globex's frank: not acme's
  db.used("t-acme", "b2", "alice", kNow - 60);  // b2's one closed session
  auto live = [&db](const std::string& box, const std::string& tenant, std::vector<core::sync::LiveNas> list, int64_t at) {
    db.write([&](Transaction& tx) { return mgmt::monitoring::LiveStore(tx).put(box, tenant, list, 0, at); });
  };
  live("b1", "t-acme", {{"bras", {"erin", "frank"}}, {"other", {"gina"}}}, kNow);
  live("b1", "t-acme", {{"bras", {"erin", "frank"}}, {"other", {"gina"}}}, kNow + 5);  // the same: no write
  CHECK_EQUAL(kNow, db.count("SELECT changed_at FROM box_live_sessions WHERE box_id = 'b1'", {}));
  live("b2", "t-acme", {{"bras", {"alice", "hank"}}}, kNow);
  live("g1", "t-globex", {{"bras", {"frank"}}}, kNow);

  // The network device view (the monitoring pass keeps what the check-ins report): online now through
  // sw1's NAS.
  CHECK_EQUAL(0, db.service->check(kNow + 1)->opened);
  auto views = db.service->networkDevices("t-acme", kNow + 1);
  CHECK_TRUE_TEXT(views.isOk(), views.status().toString().c_str());
  LONGS_EQUAL(1, views->size());
  CHECK_EQUAL(2, (*views)[0].online);
  CHECK_EQUAL(0, (*views)[0].subscribers);

  // sw1 stops answering: erin and frank (open through bras), not gina (another NAS) nor b2's.
  db.checkin("b1", kNow + 10, Json{{"network", Json::array({device("sw1", "bras", false, kNow + 5)})}});
  db.checkin("b2", kNow + 10);
  db.checkin("g1", kNow + 10);
  core::Result<MonitoringService::Report> r = db.service->check(kNow + 11);
  CHECK_TRUE_TEXT(r.isOk(), r.status().toString().c_str());
  CHECK_EQUAL(1, r->opened);
  CHECK_EQUAL(1, r->queued);  // erin's email (frank has no acme customer)
  std::vector<Alert> open = *db.service->alerts("t-acme", "open", 10);
  LONGS_EQUAL(1, open.size());
  auto shown = *db.service->alertShow("t-acme", open[0].id, 10);
  LONGS_EQUAL(2, shown.second.size());
  STRCMP_EQUAL("erin", shown.second[0].username.c_str());
  STRCMP_EQUAL("cu-erin", shown.second[0].customerId.c_str());
  STRCMP_EQUAL("frank", shown.second[1].username.c_str());
  STRCMP_EQUAL("", shown.second[1].customerId.c_str());

  // b2 goes silent (the others check in): alice (closed session, and online) once, and hank (online only).
  db.checkin("b1", kNow + 45, Json{{"network", Json::array({device("sw1", "bras", false, kNow + 5)})}});
  db.checkin("g1", kNow + 45);
  r = db.service->check(kNow + 50);
  CHECK_TRUE_TEXT(r.isOk(), r.status().toString().c_str());
  Alert offline;
  const std::vector<Alert> openNow = *db.service->alerts("t-acme", "open", 10);
  for (const Alert& a : openNow)
    if (a.kind == "offline" && a.deviceId == "b2") offline = a;
  CHECK_EQUAL(2, offline.affected);
  shown = *db.service->alertShow("t-acme", offline.id, 10);
  LONGS_EQUAL(2, shown.second.size());
  STRCMP_EQUAL("alice", shown.second[0].username.c_str());
  STRCMP_EQUAL("hank", shown.second[1].username.c_str());
  LONGS_EQUAL(0, db.service->alerts("t-globex", "open", 10)->size());

  // A list that changed is rewritten; a tenant's purge removes its boxes' lists.
  live("b1", "t-acme", {{"bras", {"erin"}}}, kNow + 60);
  CHECK_EQUAL(kNow + 60, db.count("SELECT changed_at FROM box_live_sessions WHERE box_id = 'b1'", {}));
  CHECK_EQUAL(1, db.count("SELECT sessions FROM box_live_sessions WHERE box_id = 'b1'", {}));
  db.write([](Transaction& tx) { return mgmt::monitoring::MonitoringStore(tx).deleteTenant("t-acme"); });
  CHECK_EQUAL(1, db.count("SELECT count(*) FROM box_live_sessions", {}));
  // A stored list that does not read gives no one (never written by this code).
  LONGS_EQUAL(0, mgmt::monitoring::liveListOf("[{\"nas\": 1}, 2, \"x\"").size());
  LONGS_EQUAL(1, mgmt::monitoring::liveListOf("[{\"nas\": \"a\", \"users\": [\"u\"]}, {\"nas\": 1}]").size());
}
