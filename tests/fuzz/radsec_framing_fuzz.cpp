// RadSec stream framing (aaa/radius/radsec_framing.h), the first code that sees a RadSec client's
// bytes after TLS. The input is a stream cut into reads of sizes taken from the input itself;
// checked against a reference walk of the whole stream with frameAt():
//   - the framer hands out exactly the reference's packets, in order, each 20..4096 bytes and a
//     view inside the framer's memory;
//   - it reports kMalformed exactly where the reference finds a bad Length, and stays malformed;
//   - it never holds more than one packet plus one read (memory bounded per connection).
#include <cstdint>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "aaa/radius/radsec_framing.h"
#include "tests/fuzz/fuzz_support.h"

namespace {
constexpr const char* kTarget = "radsec_framing";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using aaa::radius::FrameStatus;
  FuzzedDataProvider in(data, size);
  uint8_t seed = in.ConsumeIntegral<uint8_t>();
  std::vector<uint8_t> stream = in.ConsumeRemainingBytes<uint8_t>();

  // Reference: walk the whole stream at once.
  std::vector<std::vector<uint8_t>> expected;
  bool expectMalformed = false;
  for (size_t off = 0;;) {
    size_t n = 0;
    FrameStatus s = aaa::radius::frameAt(stream.data() + off, stream.size() - off, &n);
    if (s == FrameStatus::kMalformed) expectMalformed = true;
    if (s != FrameStatus::kPacket) break;
    expected.emplace_back(stream.begin() + static_cast<std::ptrdiff_t>(off),
                          stream.begin() + static_cast<std::ptrdiff_t>(off + n));
    off += n;
  }

  aaa::radius::StreamFramer framer;
  std::vector<std::vector<uint8_t>> got;
  bool malformed = false;
  size_t off = 0;
  uint32_t x = seed * 2654435761u + 1;
  while (off < stream.size() && !malformed) {
    x = x * 1103515245u + 12345u;
    size_t chunk = 1 + (x >> 8) % 5000;  // from one byte to more than a packet
    if (chunk > stream.size() - off) chunk = stream.size() - off;
    framer.append(stream.data() + off, chunk);
    off += chunk;
    const uint8_t* p = nullptr;
    size_t n = 0;
    FrameStatus s;
    while ((s = framer.next(&p, &n)) == FrameStatus::kPacket) {
      FUZZ_CHECK(n >= aaa::radius::kRadsecMinPacket && n <= aaa::radius::kRadsecMaxPacket, "packet length out of range");
      fuzz::touch(p, n);
      got.emplace_back(p, p + n);
    }
    if (s == FrameStatus::kMalformed) {
      malformed = true;
      FUZZ_CHECK(framer.next(&p, &n) == FrameStatus::kMalformed, "malformed did not stay malformed");
    } else {
      FUZZ_CHECK(framer.pending() < aaa::radius::kRadsecMaxPacket, "holds more than a partial packet after draining");
    }
  }
  FUZZ_CHECK(malformed == expectMalformed, "malformed verdict differs from the reference walk");
  FUZZ_CHECK(got == expected, "packets differ from the reference walk");
  return 0;
}
