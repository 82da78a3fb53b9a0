#include "edge/diagnostics/pcap.h"

namespace edge::diagnostics {

namespace {

uint32_t read32(const unsigned char* p, bool swap) {
  uint32_t v = uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
  if (swap) v = ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >> 8) & 0xff00) | (v >> 24);
  return v;
}

}  // namespace

core::Result<PcapSummary> summarizePcap(std::string_view data) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  if (data.size() < 24) return core::invalidArgument("not a capture file (shorter than a pcap header)");
  uint32_t magic = read32(p, false);
  bool swap;
  if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d)
    swap = false;
  else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1)
    swap = true;
  else
    return core::invalidArgument("not a capture file (no pcap magic number)");
  PcapSummary s;
  s.snapLength = read32(p + 16, swap);
  s.linkType = read32(p + 20, swap);
  // Some writers put 0 for "no limit"; records are then bounded by the format's own sanity limit.
  uint64_t limit = s.snapLength == 0 ? 262144 : s.snapLength;
  size_t at = 24;
  while (at < data.size()) {
    if (data.size() - at < 16) {
      s.truncated = true;
      break;
    }
    uint32_t incl = read32(p + at + 8, swap);
    if (incl > limit) return core::invalidArgument("not a capture file (a record longer than the snap length)");
    if (data.size() - at - 16 < incl) {
      s.truncated = true;
      break;
    }
    s.packets++;
    s.capturedBytes += incl;
    at += 16 + size_t{incl};
  }
  return s;
}

}  // namespace edge::diagnostics
