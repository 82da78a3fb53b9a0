// The technician's diagnostics (edge/diagnostics): the target a person types for ping, traceroute
// and dig (target.h), and the capture file tcpdump wrote (pcap.h), whose records carry whatever the
// network sent. Input: a selector octet, then the text or the file.
// Properties: an accepted target never starts with '-' (a tool would read it as an option) and holds
// only letters, digits, '.', '-', '_' and ':' (no space, quote or shell character, nothing a tool's
// argument parser treats specially); a capture's summary never counts more than the file holds.
#include <cctype>
#include <cstdint>
#include <string>

#include "edge/diagnostics/pcap.h"
#include "edge/diagnostics/target.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr const char* kTarget = "diagnostics";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    if (!edge::diagnostics::validateTarget(text).isOk()) return 0;
    FUZZ_CHECK(!text.empty() && text[0] != '-', "accepted a target starting with '-': " + text);
    for (char c : text) {
      unsigned char u = static_cast<unsigned char>(c);
      FUZZ_CHECK(std::isalnum(u) || c == '.' || c == '-' || c == '_' || c == ':', "accepted '" + text + "'");
    }
    FUZZ_CHECK(text.size() <= 254, "accepted a target of " + std::to_string(text.size()) + " octets");
    return 0;
  }
  core::Result<edge::diagnostics::PcapSummary> s = edge::diagnostics::summarizePcap(text);
  if (!s.isOk()) return 0;
  FUZZ_CHECK(24 + s->packets * 16 + s->capturedBytes <= text.size(), "counted more than the file holds");
  return 0;
}
