// Reads the summary of a capture file tcpdump wrote (the classic libpcap format: a 24-octet global
// header with magic a1b2c3d4 or a1b23c4d, either byte order, then records of a 16-octet header and
// the captured octets). For the page's "N packets, M bytes" and to refuse offering a file that is
// not a capture. Pure; the file comes from a child process, so it is parsed as outside input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/status.h"

namespace edge::diagnostics {

struct PcapSummary {
  uint32_t linkType = 0;     // 1 Ethernet, 113 Linux cooked (tcpdump -i any), 276 Linux cooked v2
  uint32_t snapLength = 0;
  uint64_t packets = 0;      // whole records
  uint64_t capturedBytes = 0;
  bool truncated = false;    // the last record was cut short (the capture was stopped mid-write)
};

// kInvalidArgument when the data is not a pcap file (short, wrong magic, a record longer than the
// snap length allows).
core::Result<PcapSummary> summarizePcap(std::string_view data);

}  // namespace edge::diagnostics
