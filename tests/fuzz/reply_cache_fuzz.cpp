// The auth server's reply cache (aaa/radius/reply_cache.h) as a stateful sequence of operations
// decoded from the input, checked after every step against a std::map model:
//   - find(key, now) returns the reply of the key's latest successful insert, exactly when that
//     insert is among the last `capacity` successful inserts (the ring overwrote older slots) and
//     its expiry is after `now`; nullptr otherwise.
//   - size() counts the keys whose latest insert the ring still holds (expired or not).
//   - insert() refuses replies longer than kMaxReply and then changes nothing.
// Keys come from a small space (a few sources, ports, ids and authenticators) so that a key is
// inserted again after it expired, clusters form in the index and the ring wraps often.
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <map>
#include <tuple>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "aaa/radius/reply_cache.h"

namespace {

using aaa::radius::DuplicateKey;
using aaa::radius::ReplyCache;

struct ModelEntry {
  uint64_t seq = 0;  // number of the successful insert that wrote it
  std::vector<uint8_t> reply;
  int64_t expiresNs = 0;
};

using ModelKey = std::tuple<uint8_t, uint16_t, uint8_t, uint8_t>;  // source, port, id, authenticator

DuplicateKey keyOf(const ModelKey& m) {
  DuplicateKey k;
  k.source = aaa::policy::IpAddress::fromV4(0x0a000000u + std::get<0>(m));
  k.port = std::get<1>(m);
  k.id = std::get<2>(m);
  k.authenticator.fill(std::get<3>(m));
  return k;
}

[[noreturn]] void fail(const char* what, uint64_t step) {
  std::fprintf(stderr, "reply cache differs from the model at step %llu: %s\n", static_cast<unsigned long long>(step),
               what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const size_t capacity = size_t{1} << in.ConsumeIntegralInRange<int>(0, 4);  // 1..16
  ReplyCache cache(capacity);
  if (cache.capacity() != capacity) fail("capacity", 0);

  std::map<ModelKey, ModelEntry> model;
  uint64_t inserts = 0;  // successful inserts so far
  int64_t now = 0;
  uint64_t step = 0;

  auto held = [&](const ModelEntry& e) { return inserts - e.seq < capacity; };

  while (in.remaining_bytes() > 0) {
    ++step;
    const uint8_t op = in.ConsumeIntegralInRange<uint8_t>(0, 3);
    ModelKey mk{in.ConsumeIntegralInRange<uint8_t>(0, 2), in.ConsumeIntegralInRange<uint16_t>(0, 2),
                in.ConsumeIntegralInRange<uint8_t>(0, 3), in.ConsumeIntegralInRange<uint8_t>(0, 2)};
    const DuplicateKey key = keyOf(mk);
    switch (op) {
      case 0:
      case 1: {  // insert
        size_t len = in.ConsumeIntegralInRange<size_t>(0, ReplyCache::kMaxReply + 2);
        if (in.ConsumeBool()) len = in.ConsumeIntegralInRange<size_t>(0, 24);  // mostly short replies
        std::vector<uint8_t> reply(len);
        for (size_t i = 0; i < len; ++i) reply[i] = static_cast<uint8_t>(step + i);
        const int64_t expires = now + in.ConsumeIntegralInRange<int64_t>(-2, 20);
        const bool ok = cache.insert(key, reply.data(), reply.size(), expires);
        if (ok != (len <= ReplyCache::kMaxReply)) fail("insert accepted or refused the wrong length", step);
        if (ok) {
          ++inserts;
          model[mk] = ModelEntry{inserts, std::move(reply), expires};
        }
        break;
      }
      case 2: {  // time passes
        now += in.ConsumeIntegralInRange<int64_t>(0, 8);
        break;
      }
      default:
        break;  // a lookup only (below)
    }

    // Every key of the space agrees with the model after every step.
    size_t expectedSize = 0;
    for (const auto& [k, e] : model)
      if (held(e)) ++expectedSize;
    if (cache.size() != expectedSize) fail("size()", step);
    const ModelKey probe = op == 3 ? mk : ModelKey{in.ConsumeIntegralInRange<uint8_t>(0, 2),
                                                   in.ConsumeIntegralInRange<uint16_t>(0, 2),
                                                   in.ConsumeIntegralInRange<uint8_t>(0, 3),
                                                   in.ConsumeIntegralInRange<uint8_t>(0, 2)};
    for (const ModelKey& k : {mk, probe}) {
      size_t len = 12345;
      const uint8_t* got = cache.find(keyOf(k), now, &len);
      auto it = model.find(k);
      const bool expected = it != model.end() && held(it->second) && it->second.expiresNs > now;
      if (expected != (got != nullptr)) fail(expected ? "find() missed a live entry" : "find() returned a dead entry", step);
      if (got != nullptr) {
        if (len != it->second.reply.size()) fail("find() length", step);
        for (size_t i = 0; i < len; ++i)
          if (got[i] != it->second.reply[i]) fail("find() bytes", step);
      }
    }
  }
  return 0;
}
