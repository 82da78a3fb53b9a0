// The health.network part of a box's check-in as mgmt reads it (mgmt::monitoring::reportedDevices,
// ADR 0062): the box's whole report document, as stored from its check-in. The input is tried as is
// and wrapped as {"health": {"network": INPUT}} so the fuzzer reaches the entries quickly.
// Properties: nothing throws; at most 1000 devices, names unique, non-empty and at most 64 bytes; nas
// and kind at most 64 bytes; a reachable device has since 0; interfaces down is a JSON list of at most
// 256 strings of at most 64 bytes each; reading the same document twice gives the same rows.
#include <cstdint>
#include <set>
#include <string>

#include "core/json.h"
#include "mgmt/monitoring/network_report.h"
#include "tests/fuzz/fuzz_support.h"

namespace {
constexpr const char* kTarget = "network_report";

void check(const std::string& doc) {
  namespace mm = mgmt::monitoring;
  const std::vector<mm::NetworkDevice> list = mm::reportedDevices(doc);
  FUZZ_CHECK(list.size() <= 1000, "more than 1000 devices");
  std::set<std::string> names;
  for (const mm::NetworkDevice& d : list) {
    FUZZ_CHECK(!d.name.empty() && d.name.size() <= 64, "a name empty or past 64 bytes");
    FUZZ_CHECK(names.insert(d.name).second, "a name twice: " + d.name);
    FUZZ_CHECK(d.nas.size() <= 64 && d.kind.size() <= 64, "a nas or kind past 64 bytes");
    FUZZ_CHECK(!d.reachable || d.since == 0, "reachable with a since");
    core::Result<core::Json> down = core::parseJsonWithComments(d.interfacesDown, "down");
    FUZZ_CHECK(down.isOk() && down->is_array() && down->size() <= 256, "interfaces down not a short list");
    for (const core::Json& i : *down)
      FUZZ_CHECK(i.is_string() && i.get<std::string>().size() <= 64, "an interface name not a short text");
  }
  const std::vector<mm::NetworkDevice> again = mm::reportedDevices(doc);
  FUZZ_CHECK(again.size() == list.size(), "read twice, different rows");
  for (size_t i = 0; i < list.size(); ++i)
    FUZZ_CHECK(again[i].name == list[i].name && again[i].reachable == list[i].reachable &&
                   again[i].interfacesDown == list[i].interfacesDown,
               "read twice, different rows");
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  check(text);
  check("{\"health\": {\"network\": " + text + "}}");
  return 0;
}
