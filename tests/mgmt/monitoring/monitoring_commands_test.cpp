// Fleet monitoring's commands through mgmtd's command table (what mgmtctl and the admin API call), on
// the storage of this run: every route keeps tenants apart (another tenant's name, alert, customer,
// box or maintenance answers not-found, as one that does not exist), roles are checked by the table
// (a reader reads, only owners and admins change the settings, technicians schedule maintenance),
// and bad input is refused naming the key. The job and the rules are in monitoring_test.cpp; the
// whole story with a real box in tests/integration/monitoring_test.py.
#include "mgmt/monitoring/monitoring_store.h"
#include "tests/mgmt/support/mgmt_fixture.h"  // last: it ends with CppUTest's headers

using core::Json;
using mgmt::tenancy::Caller;
using mgmt::testing::Fixture;

namespace {

std::string codeOf(const core::ControlReply& r) { return r.toJson().value("code", ""); }

core::ControlReply as(Fixture& f, const std::string& role, const std::string& tenant, const std::string& command,
                      const Json& args) {
  return f.table->call(core::command::Caller{role, tenant, "test"}, command, args);
}
}  // namespace

TEST_GROUP(MonitoringCommands){};

TEST(MonitoringCommands, EveryRouteKeepsTenantsApart) {
  Fixture f;
  const std::string acme = f.tenant("acme", "premium");
  const std::string globex = f.tenant("globex", "premium");
  const mgmt::fleet::Device box = f.enroll("acme");
  int64_t alertId = 0;
  core::Status s = f.storage->transact([&](mgmt::store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> id,
                          mgmt::monitoring::MonitoringStore(tx).openAlert(acme, box.id, "offline", "test", f.now()));
    alertId = id.value_or(0);
    return core::Status::ok();
  });
  CHECK_TRUE_TEXT(s.isOk(), s.toString().c_str());
  core::ControlReply customer = f.call("customer-add", Json{{"name", "Ann"}, {"email", "ann@example.net"}}, Caller{acme});
  CHECK_EQUAL_TEXT(0, customer.result, customer.text.c_str());
  const std::string ann = customer.arguments["id"].get<std::string>();
  const std::string start = std::to_string(f.now() + 86400), end = std::to_string(f.now() + 90000);
  core::ControlReply added = f.call("maintenance-add",
                                    Json{{"start", start}, {"end", end}, {"devices", Json::array({box.id})}}, Caller{acme});
  CHECK_EQUAL_TEXT(0, added.result, added.text.c_str());
  const int64_t maintenanceId = added.arguments["id"].get<int64_t>();

  // acme sees and changes its own.
  core::ControlReply list = f.call("alert-list", Json::object(), Caller{acme});
  CHECK_EQUAL_TEXT(0, list.result, list.text.c_str());
  LONGS_EQUAL(1, list.arguments["alerts"].size());
  CHECK_EQUAL(0, f.call("alert-show", Json{{"id", alertId}}, Caller{acme}).result);
  CHECK_EQUAL(0, f.call("notification-settings-set", Json{{"settings", "{\"email\": false}"}}, Caller{acme}).result);
  CHECK_FALSE(f.call("notification-settings-get", Json::object(), Caller{acme}).arguments["email"].get<bool>());
  CHECK_EQUAL(0, f.call("notification-preference-set", Json{{"customer", ann}, {"channel", "none"}}, Caller{acme}).result);
  LONGS_EQUAL(1, f.call("maintenance-list", Json::object(), Caller{acme}).arguments["maintenance"].size());
  CHECK_EQUAL(0, f.call("notification-log", Json::object(), Caller{acme}).result);

  // globex naming acme, or acme's alert, customer, box or maintenance: not-found on every route.
  const Json named{{"tenant", acme}};
  auto with = [&named](Json more) {
    for (auto it = named.begin(); it != named.end(); ++it) more[it.key()] = it.value();
    return more;
  };
  const std::vector<std::pair<std::string, Json>> calls = {
      {"alert-list", named},
      {"alert-show", with(Json{{"id", alertId}})},
      {"alert-show", Json{{"id", alertId}}},
      {"notification-settings-get", named},
      {"notification-settings-set", with(Json{{"settings", "{\"email\": true}"}})},
      {"notification-preference-set", with(Json{{"customer", ann}, {"channel", "sms"}})},
      {"notification-preference-set", Json{{"customer", ann}, {"channel", "sms"}}},
      {"maintenance-add", with(Json{{"start", start}, {"end", end}, {"devices", Json::array({box.id})}})},
      {"maintenance-add", Json{{"start", start}, {"end", end}, {"devices", Json::array({box.id})}}},
      {"maintenance-list", named},
      {"maintenance-cancel", with(Json{{"id", maintenanceId}})},
      {"maintenance-cancel", Json{{"id", maintenanceId}}},
      {"notification-log", named},
  };
  for (const auto& [command, args] : calls) {
    core::ControlReply r = f.call(command, args, Caller{globex});
    CHECK_EQUAL_TEXT(std::string("not-found"), codeOf(r), (command + " " + args.dump() + ": " + r.text).c_str());
  }
  // globex's own lists are empty, and acme's state is as it was.
  LONGS_EQUAL(0, f.call("alert-list", Json::object(), Caller{globex}).arguments["alerts"].size());
  LONGS_EQUAL(0, f.call("maintenance-list", Json::object(), Caller{globex}).arguments["maintenance"].size());
  CHECK_FALSE(f.call("notification-settings-get", Json::object(), Caller{acme}).arguments["email"].get<bool>());
  STRCMP_EQUAL("scheduled",
               f.call("maintenance-list", Json::object(), Caller{acme}).arguments["maintenance"][0]["state"].get<std::string>().c_str());
  // The platform sees acme's by name.
  LONGS_EQUAL(1, f.call("alert-list", named).arguments["alerts"].size());
}

TEST(MonitoringCommands, RolesAreCheckedByTheTable) {
  Fixture f;
  const std::string acme = f.tenant("acme", "premium");
  const mgmt::fleet::Device box = f.enroll("acme");
  const Json settings{{"settings", "{\"quiet-hours\": \"22:00-07:00\"}"}};
  const Json window{{"start", std::to_string(f.now() + 86400)}, {"end", std::to_string(f.now() + 90000)},
                    {"devices", Json::array({box.id})}};
  CHECK_EQUAL(0, as(f, "tenant-read-only", acme, "notification-settings-get", Json::object()).result);
  CHECK_EQUAL(0, as(f, "tenant-read-only", acme, "alert-list", Json::object()).result);
  CHECK_EQUAL(0, as(f, "tenant-read-only", acme, "notification-log", Json::object()).result);
  STRCMP_EQUAL("permission-denied", codeOf(as(f, "tenant-read-only", acme, "notification-settings-set", settings)).c_str());
  STRCMP_EQUAL("permission-denied", codeOf(as(f, "tenant-staff", acme, "notification-settings-set", settings)).c_str());
  STRCMP_EQUAL("permission-denied", codeOf(as(f, "tenant-technician", acme, "notification-settings-set", settings)).c_str());
  CHECK_EQUAL(0, as(f, "tenant-owner", acme, "notification-settings-set", settings).result);
  STRCMP_EQUAL("permission-denied", codeOf(as(f, "tenant-read-only", acme, "maintenance-add", window)).c_str());
  STRCMP_EQUAL("permission-denied", codeOf(as(f, "tenant-billing", acme, "maintenance-add", window)).c_str());
  core::ControlReply tech = as(f, "tenant-technician", acme, "maintenance-add", window);
  CHECK_EQUAL_TEXT(0, tech.result, tech.text.c_str());
}

TEST(MonitoringCommands, BadInputIsRefusedNamingTheKey) {
  Fixture f;
  const std::string acme = f.tenant("acme", "premium");
  const mgmt::fleet::Device box = f.enroll("acme");
  auto refused = [&](const std::string& command, const Json& args, const std::string& key) {
    core::ControlReply r = f.call(command, args, Caller{acme});
    CHECK_EQUAL_TEXT(std::string("invalid-argument"), codeOf(r), (command + ": " + r.text).c_str());
    CHECK_TRUE_TEXT(r.text.find(key) != std::string::npos, (command + ": " + r.text).c_str());
  };
  refused("notification-settings-set", Json{{"settings", "{\"sms-from\": \"0800 123\"}"}}, "sms-from");
  refused("notification-settings-set", Json{{"settings", "{\"quiet-hours\": \"late\"}"}}, "quiet-hours");
  refused("notification-settings-set", Json{{"settings", "[1]"}}, "JSON object");
  refused("notification-settings-set", Json{{"settings", "{\"a\": {\"b\": {\"c\": {\"d\": {}}}}}"}}, "settings");
  refused("alert-list", Json{{"state", "ringing"}}, "state");
  refused("notification-preference-set", Json{{"customer", "cu-x"}, {"channel", "pigeon"}}, "channel");
  const Json devices = Json::array({box.id});
  refused("maintenance-add", Json{{"start", "tomorrow"}, {"end", "2030-01-01T00:00Z"}, {"devices", devices}}, "start");
  refused("maintenance-add", Json{{"start", "2030-01-01T02:00Z"}, {"end", "2030-01-01T01:00Z"}, {"devices", devices}}, "end");
  core::ControlReply ok = f.call("maintenance-add",
                                 Json{{"start", "2030-01-01T01:00Z"}, {"end", "2030-01-01T03:30Z"}, {"devices", devices}},
                                 Caller{acme});
  CHECK_EQUAL_TEXT(0, ok.result, ok.text.c_str());
  CHECK_EQUAL(1893459600, ok.arguments["starts-at"].get<int64_t>());
  CHECK_EQUAL(1893468600, ok.arguments["ends-at"].get<int64_t>());
}
