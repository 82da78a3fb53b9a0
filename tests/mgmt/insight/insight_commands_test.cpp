// Insight's commands through mgmtd's command table (what mgmtctl and the admin API's
// GET /api/v1/insight-at-risk call), on the storage of this run: the platform trains, a tenant
// scores and lists its own customers at risk with factors, and never sees or scores another's.
#include "mgmt/billing/dunning_store.h"
#include "mgmt/billing/topup_store.h"
#include "mgmt/customers/customer_store.h"
#include "mgmt/insight/daily_run.h"
#include "mgmt/insight/generator.h"
#include "mgmt/insight/insight_store.h"
#include "mgmt/monitoring/monitoring_store.h"
#include "mgmt/usage/usage_store.h"
#include "tests/mgmt/support/mgmt_fixture.h"  // last: it ends with CppUTest's headers

using core::Json;
using mgmt::tenancy::Caller;
using mgmt::testing::Fixture;

namespace {

// Two tenants' generated histories (120 customers each over 400 days), stored under their ids with
// customer ids that say whose they are. Returns the last day + 1.
int32_t load(Fixture& f, const std::string& acme, const std::string& globex) {
  mgmt::insight::GeneratorConfig config;
  config.tenants = 2;
  config.customersPerTenant = 120;
  config.days = 400;
  const std::vector<mgmt::insight::Generated> all = mgmt::insight::Generator(config).all();
  core::Status s = f.storage->transact([&](mgmt::store::Transaction& tx) -> core::Status {
    mgmt::insight::InsightStore store(tx);
    for (const auto& g : all) {
      const bool first = g.history.tenantId == "tenant-1";
      EDGE_RETURN_IF_ERROR(store.putCustomerDays(first ? acme : globex, (first ? "acme-" : "globex-") + g.history.customerId,
                                                 g.history.firstDay, g.history.days));
    }
    return core::Status::ok();
  });
  CHECK_TRUE_TEXT(s.isOk(), s.toString().c_str());
  return config.firstDay + config.days;
}
}  // namespace

TEST_GROUP(InsightCommands){};

TEST(InsightCommands, PlatformTrainsTenantsScoreAndListTheirOwn) {
  Fixture f;
  const std::string acme = f.tenant("acme", "premium");
  const std::string globex = f.tenant("globex", "premium");
  const int32_t today = load(f, acme, globex);
  const Json day = today;

  // Before a model exists, scoring says to train first.
  core::ControlReply early = f.call("insight-score", Json{{"day", day}}, Caller{acme});
  CHECK_TRUE(early.result != 0);
  CHECK_TRUE_TEXT(early.text.find("insight train") != std::string::npos, early.text.c_str());

  // Training is the platform's.
  core::ControlReply refused = f.call("insight-train", Json{{"day", day}}, Caller{acme});
  CHECK_TRUE(refused.result != 0);
  core::ControlReply trained = f.call("insight-train", Json{{"day", day}});
  CHECK_EQUAL_TEXT(0, trained.result, trained.text.c_str());
  CHECK_EQUAL(2, trained.arguments["tenants"].get<int>());

  // acme scores its own and lists them, highest first, with factors in words.
  core::ControlReply scored = f.call("insight-score", Json{{"day", day}}, Caller{acme});
  CHECK_EQUAL_TEXT(0, scored.result, scored.text.c_str());
  CHECK_TRUE(scored.arguments["scored"].get<int64_t>() > 20);
  core::ControlReply risk = f.call("insight-at-risk", Json::object(), Caller{acme});
  CHECK_EQUAL_TEXT(0, risk.result, risk.text.c_str());
  const Json& list = risk.arguments["customers"];
  CHECK_TRUE_TEXT(!list.empty(), risk.text.c_str());
  int previous = 101;
  for (const Json& c : list) {
    CHECK_TRUE(c["customer"].get<std::string>().rfind("acme-", 0) == 0);
    CHECK_TRUE(c["score"].get<int>() <= previous);
    previous = c["score"].get<int>();
  }
  CHECK_TRUE_TEXT(!list[0]["factors"].get<std::string>().empty(), list.dump().c_str());

  // acme cannot name globex: not-found, as for a tenant that does not exist (nothing leaks).
  for (const char* command : {"insight-at-risk", "insight-score", "insight-backtest"}) {
    Json args{{"tenant", globex}};
    if (std::string(command) != "insight-at-risk") args["day"] = day;
    core::ControlReply other = f.call(command, args, Caller{acme});
    CHECK_TRUE_TEXT(other.result != 0, command);
    CHECK_EQUAL_TEXT(std::string("not-found"), other.toJson().value("code", ""), (std::string(command) + ": " + other.text).c_str());
  }
  // globex has not scored: its list is empty, and has none of acme's.
  core::ControlReply globexRisk = f.call("insight-at-risk", Json::object(), Caller{globex});
  CHECK_EQUAL_TEXT(0, globexRisk.result, globexRisk.text.c_str());
  CHECK_EQUAL(0, static_cast<int>(globexRisk.arguments["customers"].size()));
  // The platform may ask for any tenant's.
  core::ControlReply platformView = f.call("insight-at-risk", Json{{"tenant", acme}, {"limit", 3}});
  CHECK_EQUAL_TEXT(0, platformView.result, platformView.text.c_str());
  CHECK_EQUAL(std::min<int>(3, static_cast<int>(list.size())), static_cast<int>(platformView.arguments["customers"].size()));

  // A tenant's backtest covers its own customers only.
  core::ControlReply backtest = f.call("insight-backtest", Json{{"day", day}}, Caller{acme});
  CHECK_EQUAL_TEXT(0, backtest.result, backtest.text.c_str());
  CHECK_EQUAL(1, static_cast<int>(backtest.arguments["tenants"].size()));
  CHECK_TRUE(backtest.arguments["tenants"].contains(acme));
  CHECK_TRUE(backtest.arguments["overall"]["customers"].get<int64_t>() > 20);
}

// The retention list is the top 20% of the tenant's scored customers with a suggested action; the
// upsell list names customers whose quota ran out or who topped up twice in 90 days; the tenant
// health score is the platform's and explains each factor with its weight. A tenant sees only its
// own customers in each.
TEST(InsightCommands, RetentionUpsellAndTenantHealthKeepTenantsApart) {
  Fixture f;
  const std::string acme = f.tenant("acme", "premium");
  const std::string globex = f.tenant("globex", "premium");
  const int32_t today = load(f, acme, globex);
  const Json day = today;
  CHECK_EQUAL(0, f.call("insight-train", Json{{"day", day}}).result);
  CHECK_EQUAL(0, f.call("insight-score", Json{{"day", day}}, Caller{acme}).result);

  core::ControlReply retention = f.call("insight-retention", Json::object(), Caller{acme});
  CHECK_EQUAL_TEXT(0, retention.result, retention.text.c_str());
  const Json& kept = retention.arguments["customers"];
  core::ControlReply scored = f.call("insight-at-risk", Json{{"limit", 10000}}, Caller{acme});
  // Every active acme customer has a score row; the list is a fifth of them (rounded up), highest first.
  // (A score of 0 is no risk at all: such a customer is not listed even in the top fifth.)
  int64_t all = 0, positive = 0;
  CHECK_TRUE(f.storage->transact([&](mgmt::store::Transaction& tx) -> core::Status {
                        EDGE_ASSIGN_OR_RETURN(all, tx.queryInt64("SELECT count(*) FROM insight_scores WHERE tenant_id = $1", {acme}));
                        EDGE_ASSIGN_OR_RETURN(positive, tx.queryInt64("SELECT count(*) FROM insight_scores WHERE tenant_id = $1 "
                                                                      "AND score > 0", {acme}));
                        return core::Status::ok();
                      }).isOk());
  CHECK_TRUE(all > 20);
  CHECK_TRUE(!kept.empty());
  CHECK_EQUAL(std::min((all + 4) / 5, positive), static_cast<int64_t>(kept.size()));
  int previous = 101;
  for (const Json& c : kept) {
    CHECK_TRUE(c["customer"].get<std::string>().rfind("acme-", 0) == 0);
    CHECK_TRUE(c["score"].get<int>() <= previous);
    previous = c["score"].get<int>();
    CHECK_TRUE_TEXT(!c["action"].get<std::string>().empty(), c.dump().c_str());
  }
  CHECK_EQUAL(scored.arguments["customers"][0]["score"].get<int>(), kept[0]["score"].get<int>());

  core::ControlReply upsell = f.call("insight-upsell", Json{{"day", day}}, Caller{acme});
  CHECK_EQUAL_TEXT(0, upsell.result, upsell.text.c_str());
  CHECK_TRUE_TEXT(!upsell.arguments["customers"].empty(), upsell.text.c_str());
  for (const Json& c : upsell.arguments["customers"]) {
    CHECK_TRUE(c["customer"].get<std::string>().rfind("acme-", 0) == 0);
    CHECK_TRUE(c["quota-exhausted"].get<int>() >= 2 || c["top-ups"].get<int>() >= 2);
    CHECK_TRUE(c["why"].get<std::string>().find("in 90 days") != std::string::npos);
  }

  // acme naming globex: not-found; globex has no scores, so no retention list.
  for (const char* command : {"insight-retention", "insight-upsell"}) {
    core::ControlReply other = f.call(command, Json{{"tenant", globex}}, Caller{acme});
    CHECK_EQUAL_TEXT(std::string("not-found"), other.toJson().value("code", ""), command);
  }
  CHECK_EQUAL(0, static_cast<int>(f.call("insight-retention", Json::object(), Caller{globex}).arguments["customers"].size()));

  // Tenant health: the platform's only; each tenant with its four weighted factors.
  core::ControlReply refused = f.call("tenant-health", Json::object(), Caller{acme});
  CHECK_TRUE(refused.result != 0);
  core::ControlReply health = f.call("tenant-health", Json::object());
  CHECK_EQUAL_TEXT(0, health.result, health.text.c_str());
  bool sawAcme = false;
  for (const Json& t : health.arguments["tenants"]) {
    if (t["tenant"] != acme) continue;
    sawAcme = true;
    LONGS_EQUAL(4, t["factors"].size());
    int weights = 0;
    for (const Json& x : t["factors"]) weights += x["weight"].get<int>();
    CHECK_EQUAL(100, weights);
    // Only churn has data here (no boxes, customers or subscriptions in this fixture).
    CHECK_TRUE(t["known"].get<bool>());
    CHECK_TRUE(t["factors"][3]["known"].get<bool>());
    CHECK_FALSE(t["factors"][0]["known"].get<bool>());
    CHECK_TRUE(t["factors"][3]["words"].get<std::string>().find("mean churn risk") != std::string::npos);
  }
  CHECK_TRUE(sawAcme);
}

// insight-collect: a day's features from the platform's own data (closed sessions, outage alerts),
// every customer holding a subscriber written (a quiet day too), nothing of another tenant's.
TEST(InsightCommands, CollectWritesADayFromSessionsAndOutages) {
  Fixture f;
  const std::string acme = f.tenant("acme", "premium");
  const std::string globex = f.tenant("globex", "premium");
  const int32_t day = static_cast<int32_t>(f.now() / 86400);  // the customers exist from now on
  const int64_t noon = static_cast<int64_t>(day) * 86400 + 43200;
  // A customer names a subscriber of its tenant (customer-add refuses one that is not there).
  for (const std::string& tenant : {acme, globex}) {
    core::ControlReply plan = f.call("plan-add", Json{{"name", "basic"}, {"down", "10M"}, {"up", "5M"}}, Caller{tenant});
    CHECK_EQUAL_TEXT(0, plan.result, plan.text.c_str());
  }
  for (const auto& [tenant, user] : std::vector<std::pair<std::string, std::string>>{
           {acme, "alice"}, {acme, "bob"}, {globex, "gina"}}) {
    core::ControlReply sub = f.call("subscriber-add",
                                    Json{{"username", user}, {"password", "secret-" + user}, {"plan", "basic"}}, Caller{tenant});
    CHECK_EQUAL_TEXT(0, sub.result, sub.text.c_str());
  }
  for (const char* user : {"alice", "bob"}) {
    core::ControlReply added = f.call("customer-add", Json{{"name", user}, {"username", user}}, Caller{acme});
    CHECK_EQUAL_TEXT(0, added.result, added.text.c_str());
  }
  CHECK_EQUAL(0, f.call("customer-add", Json{{"name", "gina"}, {"username", "gina"}}, Caller{globex}).result);
  core::Status s = f.storage->transact([&](mgmt::store::Transaction& tx) -> core::Status {
    mgmt::usage::UsageStore usage(tx);
    auto session = [&](const std::string& tenant, const std::string& user, int64_t id, int64_t started, int64_t stopped,
                       int64_t octets) {
      core::sync::SessionSummary x;
      x.id = id;
      x.session = "S-" + std::to_string(id);
      x.username = user;
      x.nas = "bras";
      x.started = started;
      x.stopped = stopped;
      x.inputOctets = octets;
      x.outputOctets = octets;
      return usage.insertSession("b1", tenant, x);
    };
    EDGE_RETURN_IF_ERROR(session(acme, "alice", 1, noon, noon + 600, 2500000));      // 5 MB
    EDGE_RETURN_IF_ERROR(session(acme, "alice", 2, noon - 86400, noon + 60, 500000));  // started the day before
    EDGE_RETURN_IF_ERROR(session(globex, "gina", 3, noon, noon + 60, 9000000));
    // alice's box silent for 90 minutes that day.
    mgmt::monitoring::MonitoringStore monitoring(tx);
    EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> alert, monitoring.openAlert(acme, "b1", "offline", "silent", noon));
    EDGE_RETURN_IF_ERROR(monitoring.putImpact(*alert, acme, {mgmt::monitoring::Affected{"alice", "", "", "", "", ""}}));
    EDGE_RETURN_IF_ERROR(monitoring.closeAlert("b1", "offline", noon + 5400).status());
    // alice topped up that day (and once the day before), and stands at dunning step 2.
    mgmt::billing::TopupStore topups(tx);
    for (const auto& [id, paid] : std::vector<std::pair<std::string, int64_t>>{{"to-1", noon}, {"to-2", noon - 86400}}) {
      mgmt::billing::TopupOrder o;
      o.tenantId = acme;
      o.id = id;
      o.username = "alice";
      o.product = "1gb";
      o.bytes = 1000000000;
      o.amount = 500;
      o.currency = "EUR";
      o.state = "paid";
      o.createdAt = paid - 60;
      o.paidAt = paid;
      EDGE_RETURN_IF_ERROR(topups.insertOrder(o));
    }
    mgmt::billing::DunningState standing;
    standing.subscriptionId = "sub-1";
    standing.username = "alice";
    standing.step = 2;
    standing.updatedAt = noon;
    return mgmt::billing::DunningStore(tx).putState(acme, standing);
  });
  CHECK_TRUE_TEXT(s.isOk(), s.toString().c_str());

  core::ControlReply r = f.call("insight-collect", Json{{"day", day}}, Caller{acme});
  CHECK_EQUAL_TEXT(0, r.result, r.text.c_str());
  CHECK_EQUAL(2, r.arguments["customers"].get<int64_t>());  // alice and a quiet bob
  CHECK_EQUAL(1, r.arguments["active"].get<int64_t>());
  // acme cannot collect globex's.
  CHECK_EQUAL(std::string("not-found"),
              f.call("insight-collect", Json{{"tenant", globex}, {"day", day}}, Caller{acme}).toJson().value("code", ""));
  s = f.storage->transact([&](mgmt::store::Transaction& tx) -> core::Status {
    mgmt::customers::CustomerStore customers(tx);
    mgmt::insight::InsightStore insight(tx);
    EDGE_ASSIGN_OR_RETURN(std::optional<mgmt::customers::Customer> alice, customers.findByUsername(acme, "alice"));
    EDGE_ASSIGN_OR_RETURN(auto h, insight.customerHistory(acme, alice->id, day, day + 1));
    CHECK_TRUE(h.has_value());
    const mgmt::insight::Day& d = h->days.at(0);
    CHECK_EQUAL(6, d[mgmt::insight::kUsageMb]);         // 5 MB + 1 MB of the session that stopped that day
    CHECK_EQUAL(1, d[mgmt::insight::kSessions]);        // the one that started that day
    CHECK_EQUAL(90, d[mgmt::insight::kOutageMinutes]);
    CHECK_EQUAL(1, d[mgmt::insight::kTopUps]);          // the one paid that day
    CHECK_EQUAL(2, d[mgmt::insight::kDunningStep]);
    EDGE_ASSIGN_OR_RETURN(std::optional<mgmt::customers::Customer> bob, customers.findByUsername(acme, "bob"));
    EDGE_ASSIGN_OR_RETURN(auto quiet, insight.customerHistory(acme, bob->id, day, day + 1));
    CHECK_TRUE(quiet.has_value());
    CHECK_EQUAL(0, quiet->days.at(0)[mgmt::insight::kSessions]);
    CHECK_EQUAL(0, quiet->days.at(0)[mgmt::insight::kDunningStep]);
    EDGE_ASSIGN_OR_RETURN(std::optional<mgmt::customers::Customer> gina, customers.findByUsername(globex, "gina"));
    EDGE_ASSIGN_OR_RETURN(auto none, insight.customerHistory(globex, gina->id, day, day + 1));
    CHECK_FALSE(none.has_value());
    return core::Status::ok();
  });
  CHECK_TRUE_TEXT(s.isOk(), s.toString().c_str());
}

// The daily run (ADR 0074): due at insight.daily-at (02:30 UTC by default), once a day whatever the
// number of runners (the day's row is claimed first) or restarts; an interrupted or failed day is
// tried again an hour after it started, up to the attempts; the console's reading of it.
TEST(InsightCommands, DailyRunCollectsTrainsAndScoresOnceADay) {
  Fixture f;
  const std::string acme = f.tenant("acme", "premium");
  const std::string globex = f.tenant("globex", "premium");
  const int32_t today = load(f, acme, globex);
  const int64_t midnight = static_cast<int64_t>(today) * 86400, slot = midnight + 150 * 60;
  mgmt::insight::DailyInsight daily(f.platform->insight);

  // Before 02:30: nothing, and the next run is at 02:30.
  auto r = daily.runIfDue(slot - 60);
  CHECK_TRUE_TEXT(r.isOk(), r.status().toString().c_str());
  CHECK_FALSE(r->has_value());
  CHECK_EQUAL(slot, daily.schedule(slot - 60, 10)->nextRunAt);

  // The run of 02:30 was interrupted (mgmtd killed while "running"): tried again an hour after it
  // started, and then collected, trained and scored.
  core::Status s = f.storage->transact([&](mgmt::store::Transaction& tx) {
    return mgmt::insight::InsightStore(tx).putRun({today, slot, 0, 1, "running", ""});
  });
  CHECK_TRUE_TEXT(s.isOk(), s.toString().c_str());
  CHECK_FALSE(daily.runIfDue(slot + 1800)->has_value());
  CHECK_EQUAL(slot + 3600, daily.schedule(slot + 1800, 10)->nextRunAt);
  r = daily.runIfDue(slot + 3600);
  CHECK_TRUE_TEXT(r.isOk() && r->has_value(), r.status().toString().c_str());
  STRCMP_EQUAL("ok", (*r)->outcome.c_str());
  CHECK_EQUAL(2, (*r)->attempts);
  CHECK_TRUE_TEXT((*r)->detail.find("collected 1 day(s) of ") != std::string::npos, (*r)->detail.c_str());
  CHECK_TRUE_TEXT((*r)->detail.find("trained the prior on") != std::string::npos, (*r)->detail.c_str());
  CHECK_TRUE_TEXT((*r)->detail.find("scored 0 ") == std::string::npos, (*r)->detail.c_str());
  core::ControlReply risk = f.call("insight-at-risk", Json::object(), Caller{acme});
  CHECK_TRUE_TEXT(!risk.arguments["customers"].empty(), risk.text.c_str());

  // Later that day, from this runner, another one on the same storage (a second mgmtd or a restart),
  // or while another holds the job's lock: nothing more.
  mgmt::insight::InsightService second(*f.storage, f.platform->insight.options());
  CHECK_FALSE(daily.runIfDue(slot + 3660)->has_value());
  CHECK_FALSE(mgmt::insight::DailyInsight(second).runIfDue(slot + 7200)->has_value());
  core::Result<bool> held = f.storage->withSingletonLock("insight-daily", [&]() -> core::Status {
    core::Result<bool> inner = f.storage->withSingletonLock("insight-daily", [] { return core::Status::ok(); });
    CHECK_TRUE(inner.isOk() && !*inner);
    return core::Status::ok();
  });
  CHECK_TRUE(held.isOk() && *held);
  CHECK_EQUAL(slot + 86400, daily.schedule(slot + 7200, 10)->nextRunAt);  // tomorrow's

  // A day that failed every attempt waits for the next day.
  s = f.storage->transact([&](mgmt::store::Transaction& tx) {
    return mgmt::insight::InsightStore(tx).putRun({today + 1, slot + 86400, slot + 86400 + 5, 3, "failed", "x"});
  });
  CHECK_TRUE_TEXT(s.isOk(), s.toString().c_str());
  CHECK_FALSE(daily.runIfDue(slot + 86400 + 4 * 3600)->has_value());
  CHECK_EQUAL(slot + 2 * 86400, daily.schedule(slot + 86400 + 4 * 3600, 10)->nextRunAt);

  // Days missed: the next run collects every day since the last good run's (at most a week back).
  r = daily.runIfDue(slot + 3 * 86400);
  CHECK_TRUE_TEXT(r.isOk() && r->has_value(), r.status().toString().c_str());
  STRCMP_EQUAL("ok", (*r)->outcome.c_str());
  CHECK_TRUE_TEXT((*r)->detail.find("collected 3 day(s)") != std::string::npos, (*r)->detail.c_str());

  // Off: never due, no next run.
  mgmt::insight::InsightOptions off = f.platform->insight.options();
  off.daily = false;
  mgmt::insight::InsightService quiet(*f.storage, off);
  CHECK_FALSE(mgmt::insight::DailyInsight(quiet).runIfDue(slot + 4 * 86400)->has_value());
  CHECK_EQUAL(0, mgmt::insight::DailyInsight(quiet).schedule(slot + 4 * 86400, 10)->nextRunAt);

  // insight-runs: the platform's, newest first.
  CHECK_TRUE(f.call("insight-runs", Json::object(), Caller{acme}).result != 0);
  core::ControlReply runs = f.call("insight-runs", Json{{"limit", 2}});
  CHECK_EQUAL_TEXT(0, runs.result, runs.text.c_str());
  CHECK_TRUE(runs.arguments["enabled"].get<bool>());
  STRCMP_EQUAL("02:30", runs.arguments["daily-at"].get<std::string>().c_str());
  LONGS_EQUAL(2, runs.arguments["runs"].size());
  CHECK_EQUAL(today + 3, runs.arguments["runs"][0]["day"].get<int>());
  STRCMP_EQUAL("failed", runs.arguments["runs"][1]["outcome"].get<std::string>().c_str());
}
