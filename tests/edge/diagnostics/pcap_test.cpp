// edge/diagnostics/pcap.h: the summary of a capture file, in either byte order; not-pcap refused.
#include "edge/diagnostics/pcap.h"

#include <cstdint>
#include <string>

#include <CppUTest/TestHarness.h>

namespace {

void put32(std::string& s, uint32_t v, bool big) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>(big ? (v >> (24 - 8 * i)) & 255 : (v >> (8 * i)) & 255));
}

std::string header(bool big, uint32_t snap = 4200, uint32_t link = 113) {
  std::string s;
  put32(s, 0xa1b2c3d4, big);
  s += big ? std::string("\x00\x02\x00\x04", 4) : std::string("\x02\x00\x04\x00", 4);
  put32(s, 0, big);
  put32(s, 0, big);
  put32(s, snap, big);
  put32(s, link, big);
  return s;
}

void record(std::string& s, const std::string& bytes, bool big) {
  put32(s, 1765065600, big);
  put32(s, 0, big);
  put32(s, static_cast<uint32_t>(bytes.size()), big);
  put32(s, static_cast<uint32_t>(bytes.size()), big);
  s += bytes;
}

}  // namespace

TEST_GROUP(Pcap){};

TEST(Pcap, CountsRecordsInEitherByteOrder) {
  for (bool big : {false, true}) {
    std::string f = header(big);
    record(f, std::string(60, 'x'), big);
    record(f, std::string(100, 'y'), big);
    core::Result<edge::diagnostics::PcapSummary> s = edge::diagnostics::summarizePcap(f);
    CHECK_TRUE(s.isOk());
    LONGS_EQUAL(2, s->packets);
    LONGS_EQUAL(160, s->capturedBytes);
    LONGS_EQUAL(113, s->linkType);
    LONGS_EQUAL(4200, s->snapLength);
    CHECK_FALSE(s->truncated);
  }
}

TEST(Pcap, AnEmptyCaptureAndACutLastRecord) {
  core::Result<edge::diagnostics::PcapSummary> empty = edge::diagnostics::summarizePcap(header(false));
  CHECK_TRUE(empty.isOk());
  LONGS_EQUAL(0, empty->packets);
  std::string f = header(false);
  record(f, std::string(50, 'z'), false);
  record(f, std::string(50, 'z'), false);
  f.resize(f.size() - 10);
  core::Result<edge::diagnostics::PcapSummary> cut = edge::diagnostics::summarizePcap(f);
  CHECK_TRUE(cut.isOk());
  LONGS_EQUAL(1, cut->packets);
  CHECK_TRUE(cut->truncated);
}

TEST(Pcap, WhatIsNotACaptureIsRefused) {
  CHECK_FALSE(edge::diagnostics::summarizePcap("").isOk());
  CHECK_FALSE(edge::diagnostics::summarizePcap(std::string(24, '\0')).isOk());
  CHECK_FALSE(edge::diagnostics::summarizePcap("tcpdump: any: You don't have permission to capture").isOk());
  std::string f = header(false, 100);
  record(f, std::string(101, 'x'), false);  // longer than the snap length
  CHECK_FALSE(edge::diagnostics::summarizePcap(f).isOk());
}
