// Lines of edge-snmp-poll as edged reads them (edge/netmon/device_state.h parsePollLine): what a
// network device answered over SNMP, passed on by our child process. Input: the line.
// Properties: no crash; an accepted line writes back (pollLine) to one that parses to the same
// result; applying it to a device state keeps the state sane (reachable after an answer, interfaces
// down no more than those reported).
#include <cstdint>
#include <string>

#include "edge/netmon/device_state.h"
#include "tests/fuzz/fuzz_support.h"

namespace {
constexpr const char* kTarget = "netmon_poll";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string line(reinterpret_cast<const char*>(data), size);
  core::Result<edge::netmon::PollResult> r = edge::netmon::parsePollLine(line);
  if (!r.isOk()) {
    FUZZ_CHECK(r.status().message().rfind("poll line: ", 0) == 0, "an error not naming the field: " + r.status().message());
    return 0;
  }
  const std::string again = edge::netmon::pollLine(*r);
  core::Result<edge::netmon::PollResult> back = edge::netmon::parsePollLine(again);
  FUZZ_CHECK(back.isOk(), "pollLine wrote a line parsePollLine refuses: " + again);
  FUZZ_CHECK(edge::netmon::pollLine(*back) == again, "not the same after a round trip: " + again);
  edge::netmon::DeviceState s;
  edge::netmon::apply(s, *r, 1800000000, 2);
  edge::netmon::apply(s, *r, 1800000030, 2);
  FUZZ_CHECK(s.reachable == r->ok || s.failedPolls == 2, "reachable does not follow the answers");
  FUZZ_CHECK(s.interfacesDown.size() <= r->interfaces.size(), "more interfaces down than reported");
  return 0;
}
