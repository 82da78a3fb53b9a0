// The network device state logic (edge/netmon/device_state.h, ADR 0062) with no network: K failed
// polls make a device unreachable and one answer makes it reachable again; sysUpTime going back is a
// reboot, unless it is a TimeTicks wrap; Counter32 error counters are summed across a wrap and start
// again after a reboot; only interfaces an operator set up count as down; poll lines are checked
// field by field.
#include "edge/netmon/device_state.h"

#include <CppUTest/TestHarness.h>

namespace {

using edge::netmon::DeviceState;
using edge::netmon::InterfaceSample;
using edge::netmon::PollResult;

constexpr int64_t kT = 1800000000;

PollResult answer(uint32_t ticks, std::vector<InterfaceSample> interfaces = {}) {
  PollResult r;
  r.name = "sw1";
  r.ok = true;
  r.uptimeTicks = ticks;
  r.interfaces = std::move(interfaces);
  return r;
}

PollResult timeout() {
  PollResult r;
  r.name = "sw1";
  r.error = "timeout";
  return r;
}

InterfaceSample port(int64_t index, const char* name, int64_t admin, int64_t oper, uint32_t in, uint32_t out) {
  InterfaceSample i;
  i.index = index;
  i.name = name;
  i.admin = admin;
  i.oper = oper;
  i.inErrors = in;
  i.outErrors = out;
  return i;
}

}  // namespace

TEST_GROUP(DeviceState){};

TEST(DeviceState, UnreachableOnlyAfterKFailedPollsInARowAndBackOnTheNextAnswer) {
  DeviceState s;
  edge::netmon::apply(s, answer(1000), kT, 3);
  edge::netmon::apply(s, timeout(), kT + 10, 3);
  edge::netmon::apply(s, timeout(), kT + 20, 3);
  CHECK_TRUE(s.reachable);
  LONGS_EQUAL(2, s.failedPolls);
  // An answer in between starts the count again.
  edge::netmon::apply(s, answer(4000), kT + 30, 3);
  LONGS_EQUAL(0, s.failedPolls);
  edge::netmon::apply(s, timeout(), kT + 40, 3);
  edge::netmon::apply(s, timeout(), kT + 50, 3);
  CHECK_TRUE(s.reachable);
  edge::netmon::apply(s, timeout(), kT + 60, 3);
  CHECK_FALSE(s.reachable);
  LONGS_EQUAL(kT + 40, s.unreachableSince);  // the first failed poll of the episode
  STRCMP_EQUAL("timeout", s.lastError.c_str());
  edge::netmon::apply(s, answer(7000), kT + 70, 3);
  CHECK_TRUE(s.reachable);
  LONGS_EQUAL(0, s.unreachableSince);
  LONGS_EQUAL(0, s.reboots);  // uptime went on
}

TEST(DeviceState, UptimeGoingBackIsAReboot) {
  DeviceState s;
  edge::netmon::apply(s, answer(500000), kT, 3);
  edge::netmon::apply(s, answer(503000), kT + 30, 3);
  LONGS_EQUAL(0, s.reboots);
  edge::netmon::apply(s, answer(1500), kT + 60, 3);
  LONGS_EQUAL(1, s.reboots);
  LONGS_EQUAL(kT + 60, s.rebootedAt);
  edge::netmon::apply(s, answer(4500), kT + 90, 3);
  LONGS_EQUAL(1, s.reboots);
}

TEST(DeviceState, ATimeTicksWrapIsNotAReboot) {
  DeviceState s;
  const uint32_t nearEnd = 0xffffffffu - 1000;  // 497 days up, 10 s before the wrap
  edge::netmon::apply(s, answer(nearEnd), kT, 3);
  edge::netmon::apply(s, answer(2000), kT + 30, 3);  // 30 s later: went round, 20 s past it
  LONGS_EQUAL(0, s.reboots);
  // Near the end too, but the new reading is far from where 30 s after it would land: a reboot.
  DeviceState r;
  edge::netmon::apply(r, answer(nearEnd), kT, 3);
  edge::netmon::apply(r, answer(100000000), kT + 30, 3);
  LONGS_EQUAL(1, r.reboots);
}

TEST(DeviceState, ErrorCountersAreSummedAcrossAWrapAndRestartAfterAReboot) {
  LONGS_EQUAL(10u, edge::netmon::counterDelta(0xfffffffbu, 5u));
  LONGS_EQUAL(7u, edge::netmon::counterDelta(3u, 10u));
  DeviceState s;
  edge::netmon::apply(s, answer(1000, {port(1, "ge-0/0/1", 1, 1, 0xfffffff0u, 100)}), kT, 3);
  LONGS_EQUAL(0, s.inErrors);  // the first reading is the base
  edge::netmon::apply(s, answer(4000, {port(1, "ge-0/0/1", 1, 1, 0x10u, 130)}), kT + 30, 3);
  LONGS_EQUAL(0x20, s.inErrors);
  LONGS_EQUAL(30, s.outErrors);
  // Rebooted: the counters started at 0 again, so the new values are the errors since.
  edge::netmon::apply(s, answer(500, {port(1, "ge-0/0/1", 1, 1, 4, 2)}), kT + 60, 3);
  LONGS_EQUAL(0x20 + 4, s.inErrors);
  LONGS_EQUAL(32, s.outErrors);
  // A new interface: its first reading is its base.
  edge::netmon::apply(s, answer(3500, {port(1, "ge-0/0/1", 1, 1, 4, 2), port(2, "ge-0/0/2", 1, 1, 99, 99)}), kT + 90, 3);
  LONGS_EQUAL(0x20 + 4, s.inErrors);
}

TEST(DeviceState, OnlyInterfacesSetUpCountAsDown) {
  DeviceState s;
  edge::netmon::apply(s, answer(1000, {port(1, "uplink", 1, 2, 0, 0), port(2, "spare", 2, 2, 0, 0),
                                       port(3, "access", 1, 1, 0, 0), port(4, "", 1, 7, 0, 0)}),
                      kT, 3);
  LONGS_EQUAL(2, s.interfacesDown.size());
  STRCMP_EQUAL("uplink", s.interfacesDown[0].c_str());
  STRCMP_EQUAL("if4", s.interfacesDown[1].c_str());  // no ifDescr: named by index
  edge::netmon::apply(s, answer(4000, {port(1, "uplink", 1, 1, 0, 0)}), kT + 30, 3);
  CHECK_TRUE(s.interfacesDown.empty());
}

TEST(DeviceState, PollLinesRoundTripAndBadOnesNameTheField) {
  PollResult r = answer(123456, {port(3, "eth0", 1, 2, 7, 0xffffffffu)});
  core::Result<PollResult> back = edge::netmon::parsePollLine(edge::netmon::pollLine(r));
  CHECK_TRUE(back.isOk());
  LONGS_EQUAL(123456, back->uptimeTicks);
  LONGS_EQUAL(1, back->interfaces.size());
  STRCMP_EQUAL("eth0", back->interfaces[0].name.c_str());
  LONGS_EQUAL(0xffffffffu, back->interfaces[0].outErrors);
  core::Result<PollResult> failed = edge::netmon::parsePollLine(edge::netmon::pollLine(timeout()));
  CHECK_TRUE(failed.isOk());
  CHECK_FALSE(failed->ok);
  STRCMP_EQUAL("timeout", failed->error.c_str());

  auto error = [](const std::string& line) {
    core::Result<PollResult> p = edge::netmon::parsePollLine(line);
    CHECK_FALSE(p.isOk());
    return p.status().message();
  };
  STRCMP_CONTAINS("line", error("not json").c_str());
  STRCMP_CONTAINS("name", error(R"({"ok": true})").c_str());
  STRCMP_CONTAINS("uptime", error(R"({"name": "a", "ok": true, "uptime": -1, "interfaces": []})").c_str());
  STRCMP_CONTAINS("uptime", error(R"({"name": "a", "ok": true, "uptime": 4294967296, "interfaces": []})").c_str());
  STRCMP_CONTAINS("interfaces[0]", error(R"({"name": "a", "ok": true, "uptime": 1, "interfaces": [[1, "x", 1]]})").c_str());
  STRCMP_CONTAINS("interfaces[0].oper",
                  error(R"({"name": "a", "ok": true, "uptime": 1, "interfaces": [[1, "x", 1, "up", 0, 0]]})").c_str());
}

TEST(DeviceState, TheReportSaysSinceOnlyWhileUnreachable) {
  DeviceState s;
  s.name = "sw1";
  s.nas = "bras";
  s.kind = "switch";
  edge::netmon::apply(s, answer(360000, {port(1, "uplink", 1, 2, 0, 0)}), kT, 2);
  edge::netmon::apply(s, timeout(), kT + 30, 2);
  core::Json j = edge::netmon::reportJson(s);
  CHECK_TRUE(j["reachable"].get<bool>());
  LONGS_EQUAL(0, j["since"].get<int64_t>());  // one failure is not an outage yet
  LONGS_EQUAL(3600, j["uptime"].get<int64_t>());
  edge::netmon::apply(s, timeout(), kT + 60, 2);
  j = edge::netmon::reportJson(s);
  CHECK_FALSE(j["reachable"].get<bool>());
  LONGS_EQUAL(kT + 30, j["since"].get<int64_t>());
  STRCMP_EQUAL("bras", j["nas"].get<std::string>().c_str());
  STRCMP_EQUAL("uplink", j["down"][0].get<std::string>().c_str());
}
