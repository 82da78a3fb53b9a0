#include "core/siphash.h"

#include <sys/random.h>

#include <cstring>

namespace core {
namespace {

inline uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

struct State {
  uint64_t v0, v1, v2, v3;
  void round() {
    v0 += v1;
    v1 = rotl(v1, 13);
    v1 ^= v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl(v1, 17);
    v1 ^= v2;
    v2 = rotl(v2, 32);
  }
};

SipKey drawKey() {
  SipKey k{};
  uint8_t bytes[16];
  size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  std::memcpy(k.data(), bytes, sizeof bytes);
  return k;
}

}  // namespace

uint64_t sipHash24(const SipKey& key, const void* data, size_t len) noexcept {
  const auto* in = static_cast<const uint8_t*>(data);
  State s{0x736f6d6570736575ULL ^ key[0], 0x646f72616e646f6dULL ^ key[1], 0x6c7967656e657261ULL ^ key[0],
          0x7465646279746573ULL ^ key[1]};
  const size_t whole = len & ~size_t{7};
  for (size_t i = 0; i < whole; i += 8) {
    uint64_t m;
    std::memcpy(&m, in + i, 8);  // little-endian hosts (x86_64, arm64): as the reference reads it
    s.v3 ^= m;
    s.round();
    s.round();
    s.v0 ^= m;
  }
  uint64_t last = static_cast<uint64_t>(len) << 56;
  for (size_t i = 0; i < (len & 7); ++i) last |= static_cast<uint64_t>(in[whole + i]) << (8 * i);
  s.v3 ^= last;
  s.round();
  s.round();
  s.v0 ^= last;
  s.v2 ^= 0xff;
  s.round();
  s.round();
  s.round();
  s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

const SipKey& processSipKey() {
  static const SipKey key = drawKey();
  return key;
}

}  // namespace core
