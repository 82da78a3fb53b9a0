// CatalogService on a temporary edge.db (the radius area's migrations), driven through edged's own
// command table (edge/commands), so the specs' argument checks apply as in the daemon: NAS clients,
// plans and subscribers added, changed and deleted with their refusals and codes, subscriber-list's
// filters, subscriber-import (valid and refused rows, the capacity check), the snapshot after each
// change, and the plan-changed and subscriber-changed callbacks.
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "aaa/policy/dunning.h"
#include "aaa/policy/store.h"
#include "core/clock.h"
#include "core/command/command.h"
#include "core/command/reply.h"
#include "core/counters.h"
#include "core/store.h"
#include "edge/commands/edge_commands.h"
#include "edge/radius/catalog_service.h"

// CppUTest last: its leak detector #defines new.
#include "tests/edge/radius/service_fixture.h"

#include <CppUTest/TestHarness.h>

namespace {

using core::ControlReply;
using core::Json;
using edge::CatalogService;
using edge::test::codeOf;

}  // namespace

TEST_GROUP(Catalog) {
  std::string dir;
  std::unique_ptr<core::Writer> writer;
  std::unique_ptr<core::Database> reader;
  std::unique_ptr<aaa::policy::SnapshotHolder> snapshots;
  std::unique_ptr<core::ManualClock> clock;
  std::unique_ptr<core::CounterRegistry> counters;
  std::unique_ptr<CatalogService> service;
  std::unique_ptr<core::command::Table> table;
  std::vector<std::set<int64_t>> planChanges;
  std::vector<std::pair<std::string, bool>> subscriberChanges;
  std::vector<std::string> planMoves;  // subscriberPlanChanged's usernames
  std::vector<std::pair<aaa::policy::Subscriber, aaa::policy::Subscriber>> dunningChanges;  // before, after
  std::optional<std::string> capRefusal;
  std::vector<size_t> capAsked;

  void setup() override {
    edge::test::openTempEdgeDb("edge-catalog-test", dir, writer, reader);
    clock = std::make_unique<core::ManualClock>();
    counters = std::make_unique<core::CounterRegistry>();
    snapshots = std::make_unique<aaa::policy::SnapshotHolder>();
    snapshots->publishFull({}, {}, {});
    service = std::make_unique<CatalogService>(CatalogService::Deps{
        *writer, *reader, *snapshots, *clock, *counters,
        [this](size_t adding) -> std::optional<std::string> {
          capAsked.push_back(adding);
          return capRefusal;
        },
        [] { return false; },
        [this](const std::set<int64_t>& ids) { planChanges.push_back(ids); },
        [this](const std::string& u, bool deleted) { subscriberChanges.emplace_back(u, deleted); },
        [this](const std::string& u) { planMoves.push_back(u); },
        [this](const aaa::policy::Subscriber& before, const aaa::policy::Subscriber& after) {
          // The callback comes after the snapshot has the change (the CoA reads the rate there).
          CHECK(snapshots->current()->findSubscriber(after.username)->dunning == after.dunning);
          dunningChanges.emplace_back(before, after);
        }});
    table = edge::test::edgedCommandTable();
    service->registerCommands(*table);  // as RadiusService has it do
  }

  void teardown() override {
    table.reset();
    service.reset();
    snapshots.reset();
    reader.reset();
    writer.reset();
    counters.reset();
    clock.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  ControlReply call(const std::string& name, const Json& args = Json::object()) {
    return table->call(core::command::Caller::root(), name, args);
  }
  void ok(const std::string& name, const Json& args) {
    ControlReply r = call(name, args);
    CHECK_TRUE_TEXT(r.ok(), (name + ": " + r.text).c_str());
  }
  void refused(const ControlReply& r, const char* code, const std::string& text) {
    CHECK_FALSE_TEXT(r.ok(), r.text.c_str());
    STRCMP_EQUAL(code, codeOf(r));
    STRCMP_CONTAINS(text.c_str(), r.text.c_str());
  }
  int64_t rowsIn(const std::string& table) {
    core::Result<core::Statement> st = reader->prepare("SELECT count(*) FROM " + table);
    CHECK(st.isOk());
    CHECK(st->step().isOk());
    return st->columnInt64(0);
  }
  void addHome() { ok("plan-add", Json{{"name", "home"}, {"down", "10M"}, {"up", "2M"}}); }
};

TEST(Catalog, NasAddListDelAndTheSnapshot) {
  ControlReply r = call("nas-add", Json{{"name", "bras-1"}, {"address", "10.0.0.1"}, {"secret", "short"},
                                        {"vendor", "mikrotik"}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("NAS 'bras-1' saved (warning: a shared secret shorter than 16 characters is weak, RFC 2865 3)",
               r.text.c_str());
  CHECK(r.arguments.find("secret") == r.arguments.end());  // never shown
  STRCMP_EQUAL("mikrotik", r.arguments.at("vendor").get<std::string>().c_str());
  ok("nas-add", Json{{"name", "ap-7"}, {"address", "10.0.1.0/24"}, {"secret", "a-long-enough-secret"}});
  auto snap = snapshots->current();
  LONGS_EQUAL(2, snap->nas.size());
  CHECK(snap->findNasByName("bras-1") != nullptr);

  r = call("nas-list");
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("2 NAS clients", r.text.c_str());
  STRCMP_EQUAL("ap-7", r.arguments[0].at("name").get<std::string>().c_str());  // by name
  STRCMP_EQUAL("10.0.1.0/24", r.arguments[0].at("address").get<std::string>().c_str());

  // Another NAS at a taken address is a conflict; a bad address or a missing secret are refused.
  refused(call("nas-add", Json{{"name", "bras-2"}, {"address", "10.0.0.1"}, {"secret", "x"}}), "conflict",
          "another NAS already has the address 10.0.0.1");
  refused(call("nas-add", Json{{"name", "bras-3"}, {"address", "ten"}, {"secret", "x"}}), "invalid-argument", "address");
  refused(call("nas-add", Json{{"name", "bras-3"}, {"address", "10.0.0.3"}}), "invalid-argument", "secret");
  refused(call("nas-list", Json{{"verbose", true}}), "invalid-argument", "unknown argument 'verbose'");
  LONGS_EQUAL(2, snapshots->current()->nas.size());

  r = call("nas-del", Json{{"name", "bras-1"}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("NAS 'bras-1' deleted", r.text.c_str());
  CHECK(snapshots->current()->findNasByName("bras-1") == nullptr);
  refused(call("nas-del", Json{{"name", "bras-1"}}), "not-found", "no NAS named 'bras-1'");
  refused(call("nas-del", Json::object()), "invalid-argument", "name is required");
}

TEST(Catalog, RegisterLocalNasReplacesTheGatewaysClient) {
  aaa::policy::NasClient n;
  n.name = "gateway";
  n.prefix = *aaa::policy::parsePrefix("127.0.0.1");
  n.secret = "one-secret-of-the-gateway";
  CHECK(service->registerLocalNas(n).isOk());
  n.secret = "another-secret-of-the-gateway";
  CHECK(service->registerLocalNas(n).isOk());
  auto snap = snapshots->current();
  LONGS_EQUAL(1, snap->nas.size());
  STRCMP_EQUAL("another-secret-of-the-gateway", snap->findNasByName("gateway")->secret.c_str());
  LONGS_EQUAL(1, rowsIn("nas"));
}

TEST(Catalog, PlansAddSetListDelAndThePlanChangedCallback) {
  ControlReply r = call("plan-add", Json{{"name", "home"}, {"down", "10M"}, {"up", "2M"}, {"data-quota", "5GB"}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("plan 'home' added", r.text.c_str());
  STRCMP_EQUAL("10M", r.arguments.at("down").get<std::string>().c_str());
  STRCMP_EQUAL("5GB", r.arguments.at("data-quota").get<std::string>().c_str());
  ok("plan-add", Json{{"name", "office"}, {"down", "50M"}, {"up", "50M"}});
  const aaa::policy::Plan* home = snapshots->current()->findPlanByName("home");
  CHECK(home != nullptr);
  int64_t homeId = home->id;
  CHECK(planChanges.empty());  // an added plan has no sessions yet

  refused(call("plan-add", Json{{"name", "home"}, {"down", "1M"}, {"up", "1M"}}), "conflict",
          "a plan named 'home' already exists");
  refused(call("plan-add", Json{{"name", "slow"}, {"down", "fast"}, {"up", "1M"}}), "invalid-argument", "down");
  refused(call("plan-add", Json{{"name", "slow"}, {"down", "1M"}, {"up", "1M"}, {"colour", "red"}}),
          "invalid-argument", "unknown argument 'colour'");

  r = call("plan-set", Json{{"name", "home"}, {"down", "20M"}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("plan 'home' changed; new sessions get it at once, live sessions by CoA (see the log)", r.text.c_str());
  LONGS_EQUAL(20000000, snapshots->current()->findPlanByName("home")->downBps);
  LONGS_EQUAL(2000000, snapshots->current()->findPlanByName("home")->upBps);  // unchanged
  LONGS_EQUAL(1, planChanges.size());
  CHECK(planChanges[0] == std::set<int64_t>{homeId});

  // Refused changes change nothing and call nobody.
  refused(call("plan-set", Json{{"name", "nope"}, {"down", "20M"}}), "not-found", "no plan named 'nope'");
  refused(call("plan-set", Json{{"name", "home"}, {"interim", "5"}}), "invalid-argument", "interim");
  LONGS_EQUAL(1, planChanges.size());
  LONGS_EQUAL(20000000, snapshots->current()->findPlanByName("home")->downBps);

  r = call("plan-list");
  STRCMP_EQUAL("2 plans", r.text.c_str());

  // A plan in use cannot go; once unused it can.
  ok("subscriber-add", Json{{"username", "alice"}, {"password", "pw-alice"}, {"plan", "home"}});
  refused(call("plan-del", Json{{"name", "home"}}), "failed-precondition", "plan 'home' is used by 1");
  ok("subscriber-del", Json{{"username", "alice"}});
  r = call("plan-del", Json{{"name", "home"}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("plan 'home' deleted", r.text.c_str());
  CHECK(snapshots->current()->findPlanByName("home") == nullptr);
  refused(call("plan-del", Json{{"name", "home"}}), "not-found", "no plan named 'home'");
}

TEST(Catalog, SubscribersAddSetShowDel) {
  addHome();
  ControlReply r = call("subscriber-add", Json{{"username", "alice"}, {"password", "pw-alice"}, {"plan", "home"},
                                               {"mac", "02-00-00-00-00-0A"}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("subscriber 'alice' added", r.text.c_str());
  STRCMP_EQUAL("home", r.arguments.at("plan").get<std::string>().c_str());
  STRCMP_EQUAL("02:00:00:00:00:0a", r.arguments.at("mac").get<std::string>().c_str());
  CHECK(r.arguments.at("credentials") == Json::array({"nt-hash"}));  // CHAP off: no cleartext
  const aaa::policy::Subscriber* alice = snapshots->current()->findSubscriber("alice");
  CHECK(alice != nullptr);
  CHECK(alice->id > 0);
  LONGS_EQUAL(1, rowsIn("subscribers"));

  refused(call("subscriber-add", Json{{"username", "alice"}, {"password", "x"}, {"plan", "home"}}), "conflict",
          "subscriber 'alice' already exists");
  refused(call("subscriber-add", Json{{"username", "bob"}, {"plan", "home"}}), "invalid-argument", "password");
  refused(call("subscriber-add", Json{{"username", "bob"}, {"password", "x"}, {"plan", "gold"}}), "not-found",
          "plan: no plan named 'gold'");
  refused(call("subscriber-add", Json{{"username", "bob"}, {"password", "x"}, {"plan", "home"}, {"status", "asleep"}}),
          "invalid-argument", "status");
  // A MAC-address username needs no password and is stored in its canonical form.
  r = call("subscriber-add", Json{{"username", "02-00-00-00-00-0B"}, {"plan", "home"}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("subscriber '02:00:00:00:00:0b' added", r.text.c_str());
  LONGS_EQUAL(2, rowsIn("subscribers"));
  CHECK(subscriberChanges.empty());

  r = call("subscriber-set", Json{{"username", "alice"}, {"status", "suspended"}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("subscriber 'alice' changed", r.text.c_str());
  CHECK(snapshots->current()->findSubscriber("alice")->status == aaa::policy::SubscriberStatus::kSuspended);
  LONGS_EQUAL(1, subscriberChanges.size());
  STRCMP_EQUAL("alice", subscriberChanges[0].first.c_str());
  CHECK_FALSE(subscriberChanges[0].second);
  refused(call("subscriber-set", Json{{"username", "carol"}, {"status", "active"}}), "not-found", "no subscriber 'carol'");
  refused(call("subscriber-set", Json{{"username", "alice"}, {"password", ""}}), "invalid-argument", "password");
  LONGS_EQUAL(1, subscriberChanges.size());

  r = call("subscriber-show", Json{{"username", "alice"}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("suspended", r.arguments.at("status").get<std::string>().c_str());
  refused(call("subscriber-show", Json{{"username", "carol"}}), "not-found", "no subscriber 'carol'");

  r = call("subscriber-del", Json{{"username", "alice"}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("subscriber 'alice' deleted", r.text.c_str());
  CHECK(snapshots->current()->findSubscriber("alice") == nullptr);
  LONGS_EQUAL(2, subscriberChanges.size());
  CHECK(subscriberChanges[1] == std::make_pair(std::string("alice"), true));
  refused(call("subscriber-del", Json{{"username", "alice"}}), "not-found", "no subscriber 'alice'");
  LONGS_EQUAL(1, rowsIn("subscribers"));
}

// A subscriber moved to another plan has its live sessions told the new rate (RadiusService queues
// a CoA per session on subscriberPlanChanged); a change that keeps the plan, a plan change of a
// subscriber that is not active, and a refused change tell nothing.
TEST(Catalog, MovingAnActiveSubscriberToAnotherPlanCallsSubscriberPlanChanged) {
  addHome();
  ok("plan-add", Json{{"name", "office"}, {"down", "50M"}, {"up", "50M"}});
  ok("subscriber-add", Json{{"username", "alice"}, {"password", "pw-alice"}, {"plan", "home"}});
  ok("subscriber-add", Json{{"username", "bob"}, {"password", "pw-bob"}, {"plan", "home"}, {"status", "suspended"}});
  ok("subscriber-set", Json{{"username", "alice"}, {"password", "another"}});
  ok("subscriber-set", Json{{"username", "alice"}, {"plan", "home"}});  // the plan it has
  CHECK(planMoves.empty());

  ok("subscriber-set", Json{{"username", "alice"}, {"plan", "office"}});
  CHECK(planMoves == std::vector<std::string>{"alice"});
  // The callback comes after the snapshot has the new plan (the CoA reads its rate there).
  const aaa::policy::Plan* office = snapshots->current()->findPlanByName("office");
  LONGS_EQUAL(office->id, snapshots->current()->findSubscriber("alice")->planId);

  ok("subscriber-set", Json{{"username", "bob"}, {"plan", "office"}});  // suspended: no session to change
  refused(call("subscriber-set", Json{{"username", "alice"}, {"plan", "gold"}}), "not-found", "plan: no plan named 'gold'");
  ok("subscriber-set", Json{{"username", "alice"}, {"plan", "home"}, {"status", "disabled"}});  // moved, not active
  CHECK(planMoves == std::vector<std::string>{"alice"});
  LONGS_EQUAL(5, subscriberChanges.size());  // every change is still told to subscriberChanged
}

// Dunning (ADR 0048): a subscriber-set that changes dunning, its rate or its pay page calls
// dunningChanged with the subscriber before and after (RadiusService then sends the CoA or
// Disconnect aaa::policy::dunningActionOnChange decides); other changes do not; the values survive a
// reload from edge.db and subscriber-show shows them; only an admin (or the local root) changes them.
TEST(Catalog, DunningChangesAreToldWithBeforeAndAfter) {
  addHome();
  ok("subscriber-add", Json{{"username", "alice"}, {"password", "pw-alice"}, {"plan", "home"}});
  ok("subscriber-set", Json{{"username", "alice"}, {"password", "another"}});
  CHECK(dunningChanges.empty());
  ok("subscriber-set", Json{{"username", "alice"}, {"dunning", "throttle"}, {"dunning-rate", "512k/256k"}});
  LONGS_EQUAL(1, dunningChanges.size());
  CHECK(dunningChanges[0].first.dunning == aaa::policy::Dunning::kNone);
  CHECK(dunningChanges[0].second.dunning == aaa::policy::Dunning::kThrottle);
  CHECK(aaa::policy::dunningActionOnChange(dunningChanges[0].first, dunningChanges[0].second) ==
        aaa::policy::DunningAction::kCoa);
  ok("subscriber-set", Json{{"username", "alice"}, {"dunning", "throttle"}, {"dunning-rate", "512k/256k"}});
  LONGS_EQUAL(1, dunningChanges.size());  // the same values: nothing changed
  ok("subscriber-set", Json{{"username", "alice"}, {"dunning", "walled"}, {"dunning-url", "https://pay.example.net/a"}});
  LONGS_EQUAL(2, dunningChanges.size());
  CHECK(aaa::policy::dunningActionOnChange(dunningChanges[1].first, dunningChanges[1].second) ==
        aaa::policy::DunningAction::kDisconnect);
  refused(call("subscriber-set", Json{{"username", "alice"}, {"dunning", "throttle"}, {"dunning-rate", ""}}),
          "invalid-argument", "dunning-rate: required while dunning is 'throttle'");
  LONGS_EQUAL(2, dunningChanges.size());

  ControlReply shown = call("subscriber-show", Json{{"username", "alice"}});
  STRCMP_EQUAL("walled", shown.arguments.at("dunning").get<std::string>().c_str());
  STRCMP_EQUAL("512k/256k", shown.arguments.at("dunning-rate").get<std::string>().c_str());
  STRCMP_EQUAL("https://pay.example.net/a", shown.arguments.at("dunning-url").get<std::string>().c_str());
  core::Result<aaa::policy::Subscriber> stored = aaa::policy::loadSubscriber(*reader, "alice");
  CHECK_TRUE(stored.isOk());
  CHECK(stored->dunning == aaa::policy::Dunning::kWalled);
  LONGS_EQUAL(512000, stored->dunningRate.downBps);
  LONGS_EQUAL(256000, stored->dunningRate.upBps);
  STRCMP_EQUAL("https://pay.example.net/a", stored->dunningUrl.c_str());

  // A technician (the web UI's role) may change the subscriber but not its dunning: lifting it would
  // give service that is not paid for. An admin may.
  core::command::Caller technician;
  technician.role = "technician";
  ControlReply lift = table->call(technician, "subscriber-set", Json{{"username", "alice"}, {"dunning", ""}});
  refused(lift, "permission-denied", "dunning: only an admin changes dunning on the box");
  refused(table->call(technician, "subscriber-set", Json{{"username", "alice"}, {"dunning-url", ""}}),
          "permission-denied", "dunning-url: only an admin");
  CHECK_TRUE(table->call(technician, "subscriber-set", Json{{"username", "alice"}, {"password", "new-pw-1"}}).ok());
  LONGS_EQUAL(2, dunningChanges.size());
  core::command::Caller admin;
  admin.role = "admin";
  CHECK_TRUE(table->call(admin, "subscriber-set", Json{{"username", "alice"}, {"dunning-url", "https://pay.example.net/b"}}).ok());
  LONGS_EQUAL(3, dunningChanges.size());

  ok("subscriber-set", Json{{"username", "alice"}, {"dunning", ""}, {"dunning-rate", ""}, {"dunning-url", ""}});
  LONGS_EQUAL(4, dunningChanges.size());
  stored = aaa::policy::loadSubscriber(*reader, "alice");
  CHECK(stored->dunning == aaa::policy::Dunning::kNone);
  LONGS_EQUAL(0, stored->dunningRate.downBps);
  CHECK_TRUE(stored->dunningUrl.empty());
}

TEST(Catalog, SubscriberListFiltersAndPages) {
  addHome();
  ok("plan-add", Json{{"name", "office"}, {"down", "50M"}, {"up", "50M"}});
  for (const char* u : {"anna", "andy", "bert", "carl"})
    ok("subscriber-add", Json{{"username", u}, {"password", "pw"}, {"plan", std::string(u) == "carl" ? "office" : "home"}});
  ok("subscriber-set", Json{{"username", "bert"}, {"status", "disabled"}});

  ControlReply r = call("subscriber-list");
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("4 of 4 subscribers", r.text.c_str());
  STRCMP_EQUAL("andy", r.arguments.at("subscribers")[0].at("username").get<std::string>().c_str());
  r = call("subscriber-list", Json{{"search", "an"}});
  STRCMP_EQUAL("2 of 2 subscribers", r.text.c_str());
  r = call("subscriber-list", Json{{"plan", "office"}});
  STRCMP_EQUAL("1 of 1 subscribers", r.text.c_str());
  STRCMP_EQUAL("carl", r.arguments.at("subscribers")[0].at("username").get<std::string>().c_str());
  r = call("subscriber-list", Json{{"status", "disabled"}});
  STRCMP_EQUAL("1 of 1 subscribers", r.text.c_str());
  r = call("subscriber-list", Json{{"limit", "2"}, {"offset", 1}});
  STRCMP_EQUAL("2 of 4 subscribers", r.text.c_str());
  LONGS_EQUAL(4, r.arguments.at("total").get<int64_t>());
  STRCMP_EQUAL("anna", r.arguments.at("subscribers")[0].at("username").get<std::string>().c_str());

  refused(call("subscriber-list", Json{{"plan", "gold"}}), "invalid-argument", "plan: no plan named 'gold'");
  refused(call("subscriber-list", Json{{"status", "asleep"}}), "invalid-argument",
          "status: 'asleep' is not one of: active, suspended, disabled");
  refused(call("subscriber-list", Json{{"limit", 0}}), "invalid-argument", "limit: 0 is out of range 1..100000");
}

TEST(Catalog, SubscriberFindMatchesNamesAndMacsBestFirstAndIsBounded) {
  addHome();
  for (const char* u : {"maria", "mario", "amar", "zed"})
    ok("subscriber-add", Json{{"username", u}, {"password", "pw"}, {"plan", "home"}});
  ok("subscriber-set", Json{{"username", "zed"}, {"mac", "02:00:5e:aa:bb:cc"}});
  ok("subscriber-set", Json{{"username", "amar"}, {"mac", "02:00:5e:00:0a:0b"}});

  // Names that start with the text first (by name), then names that contain it; any case.
  ControlReply r = call("subscriber-list", Json{{"find", "MAR"}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("3 of 3 subscribers", r.text.c_str());
  const Json& rows = r.arguments.at("subscribers");
  STRCMP_EQUAL("maria", rows[0].at("username").get<std::string>().c_str());
  STRCMP_EQUAL("mario", rows[1].at("username").get<std::string>().c_str());
  STRCMP_EQUAL("amar", rows[2].at("username").get<std::string>().c_str());
  CHECK_FALSE(r.arguments.at("capped").get<bool>());

  // A bound MAC, written with other separators and case; a part of one in the middle.
  r = call("subscriber-list", Json{{"find", "02-00-5E-AA"}});
  STRCMP_EQUAL("1 of 1 subscribers", r.text.c_str());
  STRCMP_EQUAL("zed", r.arguments.at("subscribers")[0].at("username").get<std::string>().c_str());
  STRCMP_EQUAL("02:00:5e:aa:bb:cc", r.arguments.at("subscribers")[0].at("mac").get<std::string>().c_str());
  r = call("subscriber-list", Json{{"find", "0a:0b"}});
  STRCMP_EQUAL("1 of 1 subscribers", r.text.c_str());
  STRCMP_EQUAL("amar", r.arguments.at("subscribers")[0].at("username").get<std::string>().c_str());
  // MAC prefixes before MAC substrings: both start with 02:00:5e.
  r = call("subscriber-list", Json{{"find", "02005e"}});
  STRCMP_EQUAL("2 of 2 subscribers", r.text.c_str());

  // Paged with limit and offset; nothing for a text nobody has.
  r = call("subscriber-list", Json{{"find", "mar"}, {"limit", 1}, {"offset", 1}});
  STRCMP_EQUAL("1 of 3 subscribers", r.text.c_str());
  STRCMP_EQUAL("mario", r.arguments.at("subscribers")[0].at("username").get<std::string>().c_str());
  r = call("subscriber-list", Json{{"find", "nobody"}});
  STRCMP_EQUAL("0 of 0 subscribers", r.text.c_str());
  refused(call("subscriber-list", Json{{"find", "mar"}, {"plan", "home"}}), "invalid-argument",
          "find: not together with plan, status or search");
}

TEST(Catalog, SubscriberFindStopsCountingAtItsCap) {
  addHome();
  Json rows = Json::array();
  for (int i = 0; i < 1100; ++i)
    rows.push_back(Json{{"line", i + 2}, {"username", "user" + std::to_string(i)}, {"password", "pw"}, {"plan", "home"}});
  ok("subscriber-import", Json{{"rows", rows}});
  ControlReply r = call("subscriber-list", Json{{"find", "user"}, {"limit", 5}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("5 of more than 1000 subscribers", r.text.c_str());
  CHECK_TRUE(r.arguments.at("capped").get<bool>());
  LONGS_EQUAL(1000, r.arguments.at("total").get<int64_t>());
  r = call("subscriber-list", Json{{"find", "user109"}});  // user109, user1090..user1099
  STRCMP_EQUAL("11 of 11 subscribers", r.text.c_str());
  STRCMP_EQUAL("user109", r.arguments.at("subscribers")[0].at("username").get<std::string>().c_str());
}

TEST(Catalog, ImportSavesValidRowsAndReportsRefusedOnesByLine) {
  addHome();
  ok("subscriber-add", Json{{"username", "old"}, {"password", "pw"}, {"plan", "home"}});
  Json rows = Json::array({
      Json{{"line", 2}, {"username", "new-1"}, {"password", "pw"}, {"plan", "home"}},
      Json{{"line", 3}, {"username", "new-2"}, {"password", "pw"}, {"plan", "gold"}},   // no such plan
      Json{{"line", 4}, {"username", "old"}, {"password", "pw"}, {"plan", "home"}},     // exists
      Json{{"line", 5}, {"username", "new-3"}, {"plan", "home"}},                       // no password
      "not a row",
      Json{{"line", 7}, {"username", "new-4"}, {"password", "pw"}, {"plan", "home"}, {"status", "suspended"}},
  });
  ControlReply r = call("subscriber-import", Json{{"rows", rows}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("2 imported, 4 failed", r.text.c_str());
  LONGS_EQUAL(2, r.arguments.at("imported").get<int64_t>());
  std::multiset<int64_t> lines;
  std::string messages;
  for (const Json& e : r.arguments.at("errors")) {
    lines.insert(e.at("line").get<int64_t>());
    messages += e.at("error").get<std::string>() + "\n";
  }
  // The row that is not an object is reported by its position (the 5th, counting from 1).
  CHECK(lines == (std::multiset<int64_t>{3, 4, 5, 5}));
  STRCMP_CONTAINS("plan: no plan named 'gold'", messages.c_str());
  STRCMP_CONTAINS("not an object", messages.c_str());
  STRCMP_CONTAINS("password", messages.c_str());
  auto snap = snapshots->current();
  CHECK(snap->findSubscriber("new-1") != nullptr);
  CHECK(snap->findSubscriber("new-4")->status == aaa::policy::SubscriberStatus::kSuspended);
  CHECK(snap->findSubscriber("new-2") == nullptr);
  LONGS_EQUAL(3, rowsIn("subscribers"));
  // The capacity check was asked for the new valid rows only: new-1 and new-4 (not "old").
  LONGS_EQUAL(1, capAsked.size());
  LONGS_EQUAL(2, capAsked[0]);

  refused(call("subscriber-import", Json{{"rows", "a,b,c"}}), "invalid-argument", "rows");
  refused(call("subscriber-import", Json::object()), "invalid-argument", "rows is required");
}

TEST(Catalog, ImportCapacityCountsOnlyNewValidRowsAndARefusalWritesNothing) {
  addHome();
  ok("subscriber-add", Json{{"username", "old"}, {"password", "pw"}, {"plan", "home"}});
  Json rows = Json::array({
      Json{{"username", "a"}, {"password", "pw"}, {"plan", "home"}},
      Json{{"username", "a"}, {"password", "pw2"}, {"plan", "home"}},  // repeated in the batch
      Json{{"username", "old"}, {"password", "pw"}, {"plan", "home"}},
      Json{{"username", "b"}, {"password", "pw"}, {"plan", "nope"}},
      Json{{"username", "c"}, {"password", "pw"}, {"plan", "home"}},
  });
  capRefusal = "the license allows 1 subscriber";
  ControlReply r = call("subscriber-import", Json{{"rows", rows}});
  refused(r, "failed-precondition", "the license allows 1 subscriber");
  LONGS_EQUAL(1, capAsked.size());
  LONGS_EQUAL(2, capAsked[0]);  // a and c
  LONGS_EQUAL(1, rowsIn("subscribers"));
  CHECK(snapshots->current()->findSubscriber("a") == nullptr);
}

TEST(Catalog, StatsGroupsTheRadiusCounters) {
  counters->counter("radius_access_requests", "requests").inc();
  counters->counter("radius_access_requests", "requests", {{"nas", "bras-1"}}).inc();
  counters->counter("radius_rejects", "rejects", {{"reason", "bad-password"}}).inc();
  counters->counter("http_requests", "not ours").inc();
  ControlReply r = call("stats");
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("RADIUS counters", r.text.c_str());
  CHECK(r.arguments.at("totals").contains("radius_access_requests"));
  CHECK_FALSE(r.arguments.at("totals").contains("http_requests"));
  CHECK(r.arguments.at("clients").at("bras-1").contains("radius_access_requests"));
  CHECK(r.arguments.at("rejects-by-reason").contains("bad-password"));
}
