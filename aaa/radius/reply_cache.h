// The RFC 5080 2.2.2 reply cache of the auth server: fixed memory, no allocation per request.
//
// Entries live in a ring of `capacity` slots with the reply bytes inline; an open-addressing
// index (linear probing, backward-shift deletion) finds them by DuplicateKey. Inserting into a full
// ring overwrites the oldest entry, so under load the window is min(ttl, capacity / request rate):
// memory is bounded whatever the traffic, and nothing is freed in bulk (a std::unordered_map of
// hundreds of thousands of replies stalled the worker for tens of milliseconds; see
// docs/benchmarks.md). Replies longer than kMaxReply are not cached (a retransmission of such a
// request is evaluated again, with the same outcome).
//
// Not thread-safe: one per worker.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "aaa/radius/udp_listener.h"

namespace aaa::radius {

class ReplyCache {
 public:
  static constexpr size_t kMaxReply = 320;

  // `capacity` is rounded up to a power of two.
  explicit ReplyCache(size_t capacity);

  // The cached reply for `key` if it has not expired at `nowNs`, else nullptr; `len` gets its size.
  const uint8_t* find(const DuplicateKey& key, int64_t nowNs, size_t* len) const;
  // Caches `reply` for `key` until `expiresNs`, replacing the key's previous entry (expired or not):
  // the index holds at most one entry per key. False (and nothing changed) when it is too long.
  bool insert(const DuplicateKey& key, const uint8_t* reply, size_t len, int64_t expiresNs);

  size_t size() const { return used_; }
  size_t capacity() const { return ring_.size(); }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    DuplicateKey key;
    int64_t expiresNs = 0;
    uint32_t hash = 0;
    uint16_t len = 0;
    bool used = false;
    std::array<uint8_t, kMaxReply> bytes;
  };

  size_t indexOf(uint32_t slot) const;  // position of `slot` in index_
  void eraseAt(size_t pos);

  std::vector<Slot> ring_;
  std::vector<uint32_t> index_;  // slot numbers; twice the ring, so the load stays at most 1/2
  size_t ringMask_ = 0;
  size_t indexMask_ = 0;
  size_t head_ = 0;
  size_t used_ = 0;
};

}  // namespace aaa::radius
