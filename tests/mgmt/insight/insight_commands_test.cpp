// Insight's commands through mgmtd's command table (what mgmtctl and the admin API's
// GET /api/v1/insight-at-risk call), on the storage of this run: the platform trains, a tenant
// scores and lists its own customers at risk with factors, and never sees or scores another's.
#include "mgmt/insight/generator.h"
#include "mgmt/insight/insight_store.h"
#include "tests/mgmt/support/mgmt_fixture.h"  // last: it ends with CppUTest's headers

using core::Json;
using mgmt::tenancy::Caller;
using mgmt::testing::Fixture;

namespace {
const bool kWarm = mgmt::testing::warm();

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
