// Dunning through the command table, on the storage of this run (SQLite, or PostgreSQL for
// mgmt_billing_tests_pg): policies are checked field by field; over random histories of invoices and
// payments the standing of each subscription equals a simple reference computed from its invoices;
// the job is idempotent (one log row and one mail per step reached); a payment restores service in
// its own unit of work; the subscriber carries the standing to the boxes (change feed), whose
// check-ins come sooner meanwhile; a tenant sees only its own dunning.
#include <random>
#include <thread>
#include <vector>

#include "billing/invoicing/calendar.h"
#include "mgmt/billing/dunning_policy.h"
#include "mgmt/mail/mail_store.h"
#include "tests/mgmt/support/mgmt_fixture.h"  // last: it ends with CppUTest's headers

using core::Json;
using mgmt::billing::DunningPolicy;
using mgmt::tenancy::Caller;
using mgmt::testing::Fixture;

namespace {

const bool kWarm = mgmt::testing::warm() && !mgmt::billing::defaultDunningPolicy().steps.empty();

int64_t dayOf(const char* text) { return *::billing::parseDay(text, "day"); }

std::string money(int64_t minor) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%02lld", static_cast<long long>(minor / 100), static_cast<long long>(minor % 100));
  return buf;
}

// One tenant billing in USD with plan basic (30.00 a month, 10M/5M) and customers with an email.
struct Tenant {
  Fixture& f;
  std::string name, id;

  Tenant(Fixture& fixture, std::string tenantName, const std::vector<std::string>& customers = {"alice"})
      : f(fixture), name(std::move(tenantName)) {
    id = f.tenant(name, "basic");
    must("billing-setup", {{"currency", "USD"}, {"payment-days", 14}});
    must("plan-add", {{"name", "basic"}, {"down", "10M"}, {"up", "5M"}, {"price", "30.00"}, {"currency", "USD"}});
    for (const std::string& c : customers) {
      must("subscriber-add", {{"username", c}, {"password", "secret-" + c}, {"plan", "basic"}});
      must("customer-add", {{"name", c}, {"email", c + "@example.net"}, {"username", c}});
    }
  }
  core::ControlReply call(const std::string& command, Json args) {
    if (!args.contains("tenant")) args["tenant"] = name;
    return f.call(command, args);
  }
  core::ControlReply must(const std::string& command, Json args) {
    core::ControlReply r = call(command, std::move(args));
    if (!r.ok()) FAIL((command + ": " + r.text).c_str());
    return r;
  }
  std::string subscribe(const std::string& user, const std::string& start) {
    return must("subscription-add", {{"username", user}, {"plan", "basic"}, {"start", start}, {"anchor-day", 1}})
        .arguments["id"]
        .get<std::string>();
  }
  void at(int64_t day) { f.clock.setWall((day * 86400 + 12 * 3600) * 1000); }
  Json subscriber(const std::string& user) {
    for (const Json& s : must("subscriber-list", Json::object()).arguments)
      if (s["username"] == user) return s;
    FAIL(("no subscriber " + user).c_str());
    return Json();
  }
  Json status(const std::string& user) { return must("dunning-status", {{"username", user}}).arguments; }
  int64_t mails(const std::string& templateName) {
    int64_t n = 0;
    core::Status s = f.storage->transact([&](mgmt::store::Transaction& tx) -> core::Status {
      EDGE_ASSIGN_OR_RETURN(std::vector<mgmt::mail::OutboxMessage> rows, mgmt::mail::MailStore(tx).recent(id, 1000));
      n = 0;
      for (const auto& m : rows) n += m.templateName == templateName ? 1 : 0;
      return core::Status::ok();
    });
    CHECK_TEXT(s.isOk(), s.toString().c_str());
    return n;
  }
};

std::string field(const Json& spec, const char* key) {
  return spec.contains(key) && spec[key].is_string() ? spec[key].get<std::string>() : std::string();
}

// The reference: the oldest due day among the issued invoices left open, the days past it, the last
// step within them, and for the box the most severe action up to there with the rate last given.
struct Expected {
  int step = 0;
  std::string dunning, rate;
};
Expected reference(const DunningPolicy& p, const Json& invoices, int64_t day) {
  int64_t oldest = 0;
  for (const Json& i : invoices)
    if (i["status"] == "issued" && i["kind"] == "invoice" && i["paid-minor"].get<int64_t>() < i["total-minor"].get<int64_t>()) {
      const int64_t due = dayOf(i["due"].get<std::string>().c_str());
      if (oldest == 0 || due < oldest) oldest = due;
    }
  Expected e;
  if (oldest == 0) return e;
  const int64_t days = day - oldest;
  std::string lastRate;
  for (size_t k = 0; k < p.steps.size() && p.steps[k].afterDays <= days; ++k) {
    e.step = static_cast<int>(k) + 1;
    const auto& s = p.steps[k];
    if (!s.rate.empty()) lastRate = s.rate;
    using A = mgmt::billing::DunningAction;
    if (s.action == A::kThrottle) e.dunning = "throttle", e.rate = s.rate;
    if (s.action == A::kWalled) e.dunning = "walled", e.rate = lastRate;
    if (s.action == A::kSuspend) e.dunning = "suspend", e.rate = "";
  }
  return e;
}

// A random valid policy: 1..5 steps, days increasing, box actions never milder, terminate only last.
Json randomPolicy(std::mt19937& rng) {
  const char* actions[] = {"remind", "throttle", "walled", "suspend", "terminate"};
  const char* rates[] = {"1M/512k", "512k/256k", "2M/1M"};
  Json steps = Json::array();
  int64_t day = 0;
  int strongest = 0;
  const int n = 1 + static_cast<int>(rng() % 5);
  for (int i = 0; i < n; ++i) {
    day += 1 + static_cast<int64_t>(rng() % 20);
    int a = static_cast<int>(rng() % 5);
    if (a != 0 && a < strongest) a = 0;
    if (a == 4 && i != n - 1) a = 0;
    Json s{{"after-days", day}, {"action", actions[a]}};
    if (a == 0) s["mail"] = "dunning-reminder";
    if (a == 1 || (a == 2 && rng() % 2 == 0)) s["rate"] = rates[rng() % 3];
    if (a != 0) strongest = a;
    steps.push_back(s);
  }
  return steps;
}

}  // namespace

TEST_GROUP(Dunning){};

TEST(Dunning, PoliciesAreCheckedFieldByField) {
  Fixture f;
  Tenant t(f, "acme");
  auto refused = [&](const std::string& steps, const char* mention) {
    core::ControlReply r = t.call("dunning-policy-set", {{"steps", steps}});
    CHECK_TEXT(r.code == core::Code::kInvalidArgument, (steps + " -> " + r.text).c_str());
    CHECK_TEXT(r.text.find(mention) != std::string::npos, (r.text + " lacks " + mention).c_str());
  };
  refused("{}", "steps: expected a JSON array");
  refused("[1]", "steps[0]: expected an object");
  refused(R"([{"after-days": 3, "action": "remind", "mail": "dunning-reminder", "colour": "red"}])", "steps[0].colour");
  refused(R"([{"action": "remind", "mail": "dunning-reminder"}])", "steps[0].after-days");
  refused(R"([{"after-days": 0, "action": "suspend"}])", "steps[0].after-days: 0 is outside 1..365");
  refused(R"([{"after-days": 366, "action": "suspend"}])", "steps[0].after-days");
  refused(R"([{"after-days": 5, "action": "suspend"}, {"after-days": 5, "action": "terminate"}])",
          "steps[1].after-days: 5 must be more than the step before");
  refused(R"([{"after-days": 5, "action": "nag"}])", "steps[0].action");
  refused(R"([{"after-days": 5, "action": "throttle"}])", "steps[0].rate: a throttle step needs");
  refused(R"([{"after-days": 5, "action": "throttle", "rate": "fast"}])", "steps[0].rate");
  refused(R"([{"after-days": 5, "action": "suspend", "rate": "1M/1M"}])", "steps[0].rate: only throttle and walled");
  refused(R"([{"after-days": 5, "action": "remind"}])", "steps[0].mail: a remind step needs");
  refused(R"([{"after-days": 5, "action": "remind", "mail": "no-such-template"}])", "steps[0].mail: no mail template");
  refused(R"([{"after-days": 5, "action": "walled"}, {"after-days": 9, "action": "throttle", "rate": "1M/1M"}])",
          "steps[1].action: throttle is milder than walled");
  refused(R"([{"after-days": 5, "action": "terminate"}, {"after-days": 9, "action": "remind", "mail": "dunning-reminder"}])",
          "steps[1]: nothing can follow a terminate step");
  Json many = Json::array();
  for (int i = 1; i <= 11; ++i) many.push_back(Json{{"after-days", i}, {"action", "remind"}, {"mail", "dunning-reminder"}});
  refused(many.dump(), "at most 10 steps");
  refused(std::string(9000, '['), "steps");
  // Nothing was stored: dunning is still off.
  Json got = t.must("dunning-policy-get", Json::object()).arguments;
  CHECK_FALSE(got["set"].get<bool>());
  CHECK_EQUAL(0u, got["steps"].size());
  CHECK(got["default"].size() > 0);
  // A good policy, the documented default, and off.
  const std::string good = R"([{"after-days": 3, "action": "remind", "mail": "dunning-reminder"},
      {"after-days": 7, "action": "throttle", "rate": "1M/512k"}, {"after-days": 9, "action": "remind", "mail": "dunning-reminder"},
      {"after-days": 14, "action": "walled"}, {"after-days": 30, "action": "suspend"}, {"after-days": 60, "action": "terminate"}])";
  t.must("dunning-policy-set", {{"steps", good}});
  got = t.must("dunning-policy-get", Json::object()).arguments;
  CHECK(got["set"].get<bool>());
  CHECK_EQUAL(6u, got["steps"].size());
  CHECK_EQUAL("1M/512k", got["steps"][1]["rate"].get<std::string>());
  t.must("dunning-policy-set", {{"steps", "default"}});
  CHECK(t.must("dunning-policy-get", Json::object()).arguments["steps"] == got["default"]);
  t.must("dunning-policy-set", {{"steps", "off"}});
  CHECK_EQUAL(0u, t.must("dunning-policy-get", Json::object()).arguments["steps"].size());
}

TEST(Dunning, StandingOverRandomHistoriesMatchesTheReference) {
  Fixture f;
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    std::mt19937 rng(seed);
    Tenant t(f, "t" + std::to_string(seed), {"alice", "bob"});
    const Json steps = randomPolicy(rng);
    t.must("dunning-policy-set", {{"steps", steps.dump()}});
    const DunningPolicy policy = *mgmt::billing::parseDunningPolicy(
        steps.dump(), {"dunning-reminder"}, [](const std::string&) { return core::Status::ok(); });
    const int64_t start = dayOf("2026-01-01");
    const std::string alice = t.subscribe("alice", "2026-01-01");
    t.subscribe("bob", "2026-01-01");
    bool terminated = false;
    int64_t up = 0;  // transitions up into a step with a mail, alice's and bob's
    for (int64_t day = start; day < start + 150; day += 1 + static_cast<int64_t>(rng() % 9)) {
      t.at(day);
      t.must("billing-run", {{"date", ::billing::formatDay(day)}, {"finalize", true}});
      for (const char* user : {"alice", "bob"}) {
        if (rng() % 3 != 0) continue;
        const int64_t owed = t.must("billing-balance", {{"username", user}}).arguments[0]["owed-minor"].get<int64_t>();
        if (owed <= 0) continue;
        const int64_t amount = rng() % 2 == 0 ? owed : 1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(owed));
        t.must("payment-add", {{"username", user}, {"amount", money(amount)}, {"date", ::billing::formatDay(day)}});
      }
      t.must("dunning-run", {{"date", ::billing::formatDay(day)}});
      // A second run the same day moves nothing.
      CHECK_EQUAL(0, t.must("dunning-run", {{"date", ::billing::formatDay(day)}}).arguments["moved"].get<int64_t>());
      const Expected e = reference(policy, t.must("invoice-list", {{"username", "alice"}, {"limit", 1000}}).arguments, day);
      const Json st = t.status("alice");
      const std::string where = "seed " + std::to_string(seed) + " on " + ::billing::formatDay(day) + ": " + st.dump();
      if (e.step == 0) {
        CHECK_EQUAL_TEXT(0u, st["in-dunning"].size(), where.c_str());
      } else {
        CHECK_EQUAL_TEXT(1u, st["in-dunning"].size(), where.c_str());
        CHECK_EQUAL_TEXT(alice, st["in-dunning"][0]["subscription"].get<std::string>(), where.c_str());
        CHECK_EQUAL_TEXT(e.step, st["in-dunning"][0]["step"].get<int>(), where.c_str());
      }
      const Json spec = t.subscriber("alice");
      CHECK_EQUAL_TEXT(e.dunning, field(spec, "dunning"), where.c_str());
      CHECK_EQUAL_TEXT(e.rate, field(spec, "dunning-rate"), where.c_str());
      CHECK_EQUAL_TEXT(!e.dunning.empty(), !field(spec, "dunning-url").empty(), where.c_str());
      if (e.step == static_cast<int>(policy.steps.size()) && policy.steps.back().action == mgmt::billing::DunningAction::kTerminate)
        terminated = true;
      // Terminated stays disabled, paid or not.
      CHECK_EQUAL_TEXT(terminated, field(spec, "status") == "disabled", where.c_str());
    }
    // Every move is in the log, and each move up into a step with a mail sent that mail once.
    for (const char* user : {"alice", "bob"}) {
      const Json log = t.must("dunning-status", {{"username", user}, {"limit", 10000}}).arguments["log"];
      for (const Json& l : log) {
        CHECK(l["from-step"] != l["to-step"]);
        CHECK(!l["reason"].get<std::string>().empty());
        const int to = l["to-step"].get<int>();
        if (to > l["from-step"].get<int>() && !policy.steps[static_cast<size_t>(to - 1)].mail.empty()) ++up;
      }
    }
    CHECK_EQUAL(up, t.mails("dunning-reminder"));
  }
}

TEST(Dunning, APaymentRestoresServiceInItsOwnUnitOfWork) {
  Fixture f;
  Tenant t(f, "acme", {"alice"});
  t.must("dunning-policy-set",
         {{"steps", R"([{"after-days": 3, "action": "remind", "mail": "dunning-reminder"},
                        {"after-days": 10, "action": "throttle", "rate": "1M/512k", "mail": "dunning-reminder"},
                        {"after-days": 20, "action": "walled", "rate": "256k/256k"}])"}});
  const std::string sub = t.subscribe("alice", "2026-01-01");
  const mgmt::fleet::Device box = f.enroll("acme");
  auto poll = [&]() {
    core::sync::CheckinRequest in;
    return f.platform->fleet.checkin(box, in, f.now())->pollInterval;
  };
  CHECK_EQUAL(60, poll());
  t.at(dayOf("2026-01-01"));
  t.must("billing-run", {{"date", "2026-01-01"}, {"finalize", true}});  // 30.00 due 2026-01-15
  // 10 days past due: throttled; the subscriber carries it to the boxes as a new version.
  t.at(dayOf("2026-01-25"));
  const int64_t before = f.platform->catalog.changes(t.id, 0, 5000)->cursor;
  Json run = t.must("dunning-run", {{"date", "2026-01-25"}}).arguments;
  CHECK_EQUAL(1, run["moved"].get<int64_t>());
  core::sync::ChangePage page = *f.platform->catalog.changes(t.id, before, 5000);
  CHECK_EQUAL(1u, page.changes.size());
  CHECK_EQUAL("subscriber", page.changes[0].kind);
  CHECK_EQUAL("throttle", field(page.changes[0].spec, "dunning"));
  CHECK_EQUAL("1M/512k", field(page.changes[0].spec, "dunning-rate"));
  CHECK(field(page.changes[0].spec, "dunning-url").find("/selfcare/acme/invoices") != std::string::npos);
  // The boxes of a tenant in dunning check in sooner.
  CHECK_EQUAL(20, poll());
  // A month later (the next invoice open too): walled. A partial payment of the oldest invoice
  // leaves the newer one: 2026-02-18 is 14 days back: throttled again, at once.
  t.at(dayOf("2026-02-04"));
  t.must("billing-run", {{"date", "2026-02-04"}, {"finalize", true}});  // due 2026-02-18
  t.at(dayOf("2026-03-04"));
  t.must("dunning-run", {{"date", "2026-03-04"}});
  CHECK_EQUAL("walled", field(t.subscriber("alice"), "dunning"));
  t.must("payment-add", {{"username", "alice"}, {"amount", "30.00"}});
  Json st = t.status("alice");
  CHECK_EQUAL("throttle", st["in-dunning"][0]["action"].get<std::string>());
  CHECK_EQUAL("throttle", field(t.subscriber("alice"), "dunning"));
  CHECK_EQUAL("a payment: 14 days past due (oldest open invoice due 2026-02-18)",
              st["log"][0]["reason"].get<std::string>());
  // The rest: back in good standing, the fields cleared (as values: a box applies the whole spec).
  const int64_t cursor = f.platform->catalog.changes(t.id, 0, 5000)->cursor;
  t.must("payment-add", {{"username", "alice"}, {"amount", "30.00"}, {"method", "bank"}});
  st = t.status("alice");
  CHECK_EQUAL(0u, st["in-dunning"].size());
  CHECK_EQUAL("a payment: nothing left open", st["log"][0]["reason"].get<std::string>());
  CHECK_EQUAL(sub, st["log"][0]["subscription"].get<std::string>());
  page = *f.platform->catalog.changes(t.id, cursor, 5000);
  CHECK_EQUAL(1u, page.changes.size());
  CHECK(page.changes[0].spec.contains("dunning"));
  CHECK_EQUAL("", field(page.changes[0].spec, "dunning"));
  CHECK_EQUAL("", field(page.changes[0].spec, "dunning-rate"));
  CHECK_EQUAL("", field(page.changes[0].spec, "dunning-url"));
  CHECK_EQUAL(60, poll());
  // The job agrees: nothing to move.
  CHECK_EQUAL(0, t.must("dunning-run", {{"date", "2026-03-04"}}).arguments["moved"].get<int64_t>());
  // One mail: the throttle step's, when it was first reached (moves down mail nothing; a step jumped
  // over, the remind one, mails nothing either).
  CHECK_EQUAL(1, t.mails("dunning-reminder"));
  CHECK(t.must("billing-verify", Json::object()).ok());
}

TEST(Dunning, ConcurrentRunsMoveEachSubscriptionOnce) {
  // Two mgmtd running the same tenant at once (no lock here: correctness must not need it).
  Fixture f;
  const std::vector<std::string> users{"alice", "bob", "carol", "dave", "erin"};
  Tenant t(f, "acme", users);
  t.must("dunning-policy-set", {{"steps", R"([{"after-days": 5, "action": "remind", "mail": "dunning-reminder"}])"}});
  for (const std::string& u : users) t.subscribe(u, "2026-01-01");
  t.at(dayOf("2026-01-01"));
  t.must("billing-run", {{"date", "2026-01-01"}, {"finalize", true}});
  t.at(dayOf("2026-02-01"));
  std::vector<std::thread> threads;
  int64_t moved[3] = {0, 0, 0};
  for (int i = 0; i < 3; ++i)
    threads.emplace_back([&, i] {
      core::Result<mgmt::billing::DunningService::Report> r = f.platform->dunning.runTenant(t.id, dayOf("2026-02-01"));
      if (r.isOk()) moved[i] = r->moved;
    });
  for (std::thread& th : threads) th.join();
  CHECK_EQUAL(5, moved[0] + moved[1] + moved[2]);
  const Json st = t.must("dunning-status", {{"limit", 100}}).arguments;
  CHECK_EQUAL(5u, st["in-dunning"].size());
  CHECK_EQUAL(5u, st["log"].size());
  CHECK_EQUAL(5, t.mails("dunning-reminder"));
}

TEST(Dunning, AMatchedBankLineRestoresToo) {
  Fixture f;
  Tenant t(f, "acme", {"alice"});
  t.must("dunning-policy-set", {{"steps", R"([{"after-days": 5, "action": "suspend"}])"}});
  t.subscribe("alice", "2026-01-01");
  t.at(dayOf("2026-01-01"));
  t.must("billing-run", {{"date", "2026-01-01"}, {"finalize", true}});
  t.at(dayOf("2026-02-01"));
  t.must("dunning-run", Json::object());
  CHECK_EQUAL("suspend", field(t.subscriber("alice"), "dunning"));
  const Json inv = t.must("invoice-list", {{"username", "alice"}}).arguments[0];
  const std::string csv = "id,date,amount,currency,reference\nBANK-1,2026-02-01,30.00,USD," +
                          inv["reference"].get<std::string>() + "\n";
  const Json imported = t.must("bank-import", {{"format", "csv"}, {"statement", csv}}).arguments;
  CHECK_EQUAL(1, imported["matched"].get<int64_t>());
  CHECK_EQUAL(0u, t.status("alice")["in-dunning"].size());
  CHECK_EQUAL("", field(t.subscriber("alice"), "dunning"));
  CHECK(t.must("billing-verify", Json::object()).ok());
}

TEST(Dunning, PastDueIsPerSubscriptionNotTheAccount) {
  Fixture f;
  Tenant t(f, "acme", {"alice", "bob"});
  t.must("dunning-policy-set", {{"steps", R"([{"after-days": 5, "action": "suspend"}])"}});
  t.subscribe("alice", "2026-01-01");
  t.at(dayOf("2026-01-01"));
  t.must("billing-run", {{"date", "2026-01-01"}, {"finalize", true}});
  // bob owes a one-time charge on no subscription: that is not a subscription past due.
  t.must("charge-add", {{"username", "bob"}, {"description", "router"}, {"amount", "80.00"}});
  t.must("billing-run", {{"date", "2026-01-02"}, {"finalize", true}});
  t.at(dayOf("2026-02-01"));
  t.must("dunning-run", {{"date", "2026-02-01"}});
  CHECK_EQUAL("suspend", field(t.subscriber("alice"), "dunning"));
  CHECK_EQUAL("", field(t.subscriber("bob"), "dunning"));
  // A credit note settles alice's invoice: the job takes her out of dunning.
  const std::string inv = t.must("invoice-list", {{"username", "alice"}}).arguments[0]["id"].get<std::string>();
  t.must("credit-note-add", {{"invoice", inv}});
  t.must("dunning-run", {{"date", "2026-02-01"}});
  CHECK_EQUAL("", field(t.subscriber("alice"), "dunning"));
}

TEST(Dunning, ATenantSeesOnlyItsOwnDunning) {
  Fixture f;
  Tenant acme(f, "acme", {"alice"});
  const std::string sub = acme.subscribe("alice", "2026-01-01");
  acme.must("dunning-policy-set", {{"steps", "default"}});
  const std::string other = f.tenant("globex", "basic");
  const Caller them{other};
  for (const char* cmd : {"dunning-policy-get", "dunning-run", "dunning-status"}) {
    core::ControlReply r = f.call(cmd, Json{{"tenant", "acme"}}, them);
    CHECK_TEXT(r.code == core::Code::kNotFound, cmd);
  }
  core::ControlReply r = f.call("dunning-policy-set", Json{{"tenant", "acme"}, {"steps", "off"}}, them);
  CHECK(r.code == core::Code::kNotFound);
  // Their own tenant, naming acme's subscription or customer: not found like a missing one.
  r = f.call("dunning-status", Json{{"tenant", "globex"}, {"subscription", sub}}, them);
  CHECK(r.code == core::Code::kNotFound);
  r = f.call("dunning-status", Json{{"tenant", "globex"}, {"username", "alice"}}, them);
  CHECK(r.code == core::Code::kNotFound);
  CHECK_EQUAL(6u, acme.must("dunning-policy-get", Json::object()).arguments["steps"].size());
  // Roles: billing staff set and run; a technician and a read-only person only read.
  auto as = [&](const char* role, const std::string& command, Json args) {
    args["tenant"] = "acme";
    return f.table->call(core::command::Caller{role, acme.id, "test"}, command, args);
  };
  CHECK(as("tenant-billing", "dunning-run", Json::object()).ok());
  CHECK(as("tenant-technician", "dunning-policy-set", Json{{"steps", "off"}}).code == core::Code::kPermissionDenied);
  CHECK(as("tenant-read-only", "dunning-run", Json::object()).code == core::Code::kPermissionDenied);
  CHECK(as("tenant-read-only", "dunning-status", Json::object()).ok());
}
