// Clock, ids, event bus and counters: the small pieces every subsystem uses.
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/counters.h"
#include "core/event_bus.h"
#include "core/ids.h"

#include <CppUTest/TestHarness.h>

TEST_GROUP(Clock){};

TEST(Clock, ManualClockMovesOnlyWhenTold) {
  core::ManualClock clock(1767225600000);
  LONGS_EQUAL(1767225600, clock.unixSeconds());
  auto mono = clock.monotonicNow();
  clock.advance(std::chrono::milliseconds(1500));
  LONGS_EQUAL(1767225601, clock.unixSeconds());
  CHECK_TRUE(clock.monotonicNow() - mono == std::chrono::milliseconds(1500));
  STRCMP_EQUAL("2026-01-01T00:00:01.500Z", core::formatRfc3339(clock.wallNow()).c_str());
}

TEST(Clock, ParsesIso8601AsOperatorsTypeIt) {
  LONGS_EQUAL(1798675200, *core::parseIso8601("2026-12-31"));
  LONGS_EQUAL(1798740000, *core::parseIso8601("2026-12-31T18:00:00Z"));
  LONGS_EQUAL(1798732800, *core::parseIso8601("2026-12-31T18:00+02:00"));
  LONGS_EQUAL(1798740000, *core::parseIso8601("2026-12-31 18:00:00"));
  LONGS_EQUAL(1798740000, *core::parseIso8601("2026-12-31T18:00:00.250Z"));
  CHECK_FALSE(core::parseIso8601("2026-02-31").isOk());
  CHECK_FALSE(core::parseIso8601("31/12/2026").isOk());
  CHECK_FALSE(core::parseIso8601("2026-12-31T25:00").isOk());
  CHECK_FALSE(core::parseIso8601("2026-12-31Tjunk").isOk());
}

TEST_GROUP(Ids){};

TEST(Ids, V4HasVersionAndVariantAndIsUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = core::uuidV4();
    CHECK_TRUE(core::isUuid(id));
    CHECK_EQUAL('4', id[14]);
    CHECK_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');
    seen.insert(id);
  }
  LONGS_EQUAL(1000, seen.size());
}

TEST(Ids, V7CarriesTimeAndSortsInCreationOrder) {
  core::ManualClock clock(0x0123456789ab);
  std::string first = core::uuidV7(clock);
  CHECK_TRUE(core::isUuid(first));
  STRCMP_EQUAL("01234567-89ab", first.substr(0, 13).c_str());
  CHECK_EQUAL('7', first[14]);
  std::string prev = first;
  for (int i = 0; i < 5000; ++i) {  // many in the same millisecond: still strictly ordered
    std::string next = core::uuidV7(clock);
    CHECK_TRUE(next > prev);
    prev = next;
  }
  clock.advance(std::chrono::milliseconds(-10));  // a clock stepping back must not break order
  CHECK_TRUE(core::uuidV7(clock) > prev);
}

TEST(Ids, IsUuidRejectsNonCanonical) {
  CHECK_FALSE(core::isUuid("0123456789ab-7000-8000-000000000000"));
  CHECK_FALSE(core::isUuid("01234567-89AB-7000-8000-000000000000"));
}

struct Ping {
  int n;
};
struct Pong {
  std::string text;
};

TEST_GROUP(EventBus){};

TEST(EventBus, DeliversByTypeInOrder) {
  core::EventBus bus;
  std::vector<std::string> got;
  bus.subscribe<Ping>([&](const Ping& p) { got.push_back("a" + std::to_string(p.n)); });
  auto id = bus.subscribe<Ping>([&](const Ping& p) { got.push_back("b" + std::to_string(p.n)); });
  bus.subscribe<Pong>([&](const Pong& p) { got.push_back(p.text); });
  bus.publish(Ping{1});
  bus.publish(Pong{"x"});
  bus.unsubscribe(id);
  bus.publish(Ping{2});
  LONGS_EQUAL(4, got.size());
  STRCMP_EQUAL("a1", got[0].c_str());
  STRCMP_EQUAL("b1", got[1].c_str());
  STRCMP_EQUAL("x", got[2].c_str());
  STRCMP_EQUAL("a2", got[3].c_str());
}

TEST(EventBus, ThrowingHandlerIsCountedAndOthersRun) {
  core::EventBus bus;
  int ran = 0;
  bus.subscribe<Ping>([](const Ping&) { throw 1; });
  bus.subscribe<Ping>([&](const Ping&) { ++ran; });
  bus.publish(Ping{0});
  LONGS_EQUAL(1, ran);
  LONGS_EQUAL(1, bus.handlerErrors());
}

TEST(EventBus, HandlerMayPublish) {
  core::EventBus bus;
  int pongs = 0;
  bus.subscribe<Ping>([&](const Ping&) { bus.publish(Pong{"from ping"}); });
  bus.subscribe<Pong>([&](const Pong&) { ++pongs; });
  bus.publish(Ping{0});
  LONGS_EQUAL(1, pongs);
}

TEST_GROUP(Counters){};

TEST(Counters, RegisteredOnceCountedFromManyThreads) {
  core::CounterRegistry reg;
  core::Counter& c = reg.counter("radius_requests_total", "requests", {{"code", "access-request"}});
  core::Counter& same = reg.counter("radius_requests_total", "requests", {{"code", "access-request"}});
  POINTERS_EQUAL(&c, &same);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) c.inc();
    });
  for (auto& t : threads) t.join();
  LONGS_EQUAL(40000, reg.valueOf("radius_requests_total", {{"code", "access-request"}}));
  LONGS_EQUAL(-1, reg.valueOf("radius_requests_total"));
  reg.gauge("sessions_online", "online").set(7);
  std::vector<core::CounterInfo> all = reg.list();
  LONGS_EQUAL(2, all.size());
  STRCMP_EQUAL("radius_requests_total", all[0].name.c_str());
  CHECK_TRUE(all[1].kind == core::CounterKind::kGauge);
  LONGS_EQUAL(7, all[1].counter->value());
}

TEST(Counters, ANameIsDeclaredOnceAnotherHelpOrTypeIsRefused) {
  core::CounterRegistry reg;
  core::Counter& online = reg.gauge("radius_sessions_online", "Live sessions");
  // The same declaration again (another area's struct made from the same header) is the same counter.
  POINTERS_EQUAL(&online, &reg.gauge("radius_sessions_online", "Live sessions"));
  // Another label set of the family shares its help and type.
  reg.counter("edged_alerts_total", "Alerts raised", {{"alert", "disk-low"}});
  reg.counter("edged_alerts_total", "Alerts raised", {{"alert", "sync-failing"}});
  uint64_t generation = reg.generation();
  std::string refused;
  try {
    reg.gauge("radius_sessions_online", "Sessions online");
  } catch (const std::logic_error& e) {
    refused = e.what();
  }
  STRCMP_CONTAINS("radius_sessions_online is declared twice with a different help text", refused.c_str());
  refused.clear();
  try {
    reg.counter("radius_sessions_online", "Live sessions");
  } catch (const std::logic_error& e) {
    refused = e.what();
  }
  STRCMP_CONTAINS("different type", refused.c_str());
  refused.clear();
  try {
    reg.counter("edged_alerts_total", "Alerts", {{"alert", "nas-silent"}});
  } catch (const std::logic_error& e) {
    refused = e.what();
  }
  STRCMP_CONTAINS("edged_alerts_total is declared twice", refused.c_str());
  refused.clear();
  try {
    reg.gauge("radius_sessions_online", "Live sessions", {}, 1000);
  } catch (const std::logic_error& e) {
    refused = e.what();
  }
  STRCMP_CONTAINS("different scale", refused.c_str());
  // Nothing was added by the refusals; /metrics shows one HELP per name.
  LONGS_EQUAL(generation, reg.generation());
  LONGS_EQUAL(3, reg.list().size());
  POINTERS_EQUAL(&online, reg.find("radius_sessions_online"));
  POINTERS_EQUAL(nullptr, reg.find("edged_alerts_total", {{"alert", "nas-silent"}}));
  STRCMP_CONTAINS("# HELP edged_alerts_total Alerts raised\n# TYPE edged_alerts_total counter\n"
                  "edged_alerts_total{alert=\"disk-low\"} 0\nedged_alerts_total{alert=\"sync-failing\"} 0\n",
                  core::prometheusText(reg).c_str());
}
