#include "aaa/radius/reply_cache.h"

#include <cstring>

namespace aaa::radius {

ReplyCache::ReplyCache(size_t capacity) {
  size_t c = 1;
  while (c < capacity) c <<= 1;
  ring_.resize(c);
  index_.assign(c * 2, kEmpty);
  ringMask_ = c - 1;
  indexMask_ = c * 2 - 1;
}

const uint8_t* ReplyCache::find(const DuplicateKey& key, int64_t nowNs, size_t* len) const {
  uint32_t h = static_cast<uint32_t>(DuplicateKeyHash{}(key));
  for (size_t pos = h & indexMask_;; pos = (pos + 1) & indexMask_) {
    uint32_t slot = index_[pos];
    if (slot == kEmpty) return nullptr;
    const Slot& s = ring_[slot];
    if (s.hash == h && s.key == key) {
      if (s.expiresNs <= nowNs) return nullptr;
      *len = s.len;
      return s.bytes.data();
    }
  }
}

size_t ReplyCache::indexOf(uint32_t slot) const {
  for (size_t pos = ring_[slot].hash & indexMask_;; pos = (pos + 1) & indexMask_)
    if (index_[pos] == slot) return pos;
}

// Knuth's deletion for linear probing (TAOCP 6.4, Algorithm R): shift back every later entry of
// the cluster whose home is not cyclically in (pos, j], so lookups never meet a false hole.
void ReplyCache::eraseAt(size_t pos) {
  size_t i = pos;
  size_t j = pos;
  for (;;) {
    j = (j + 1) & indexMask_;
    if (index_[j] == kEmpty) break;
    size_t home = ring_[index_[j]].hash & indexMask_;
    bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (stays) continue;
    index_[i] = index_[j];
    i = j;
  }
  index_[i] = kEmpty;
}

bool ReplyCache::insert(const DuplicateKey& key, const uint8_t* reply, size_t len, int64_t expiresNs) {
  if (len > kMaxReply) return false;
  const uint32_t h = static_cast<uint32_t>(DuplicateKeyHash{}(key));
  // One entry per key. A request comes back after its entry expired (a NAS retrying late, or reusing
  // an identifier and authenticator) and is cached again: the old entry must go, or find() would meet
  // it first on the probe path, see it expired and miss the new one, and every later retransmission
  // would be evaluated again instead of answered from the cache (RFC 5080 2.2.2).
  for (size_t pos = h & indexMask_;; pos = (pos + 1) & indexMask_) {
    uint32_t old = index_[pos];
    if (old == kEmpty) break;
    if (ring_[old].hash == h && ring_[old].key == key) {
      eraseAt(pos);
      ring_[old].used = false;  // its ring slot is reused when the head comes round
      --used_;
      break;
    }
  }
  uint32_t slot = static_cast<uint32_t>(head_);
  head_ = (head_ + 1) & ringMask_;
  Slot& s = ring_[slot];
  if (s.used) {
    eraseAt(indexOf(slot));  // the oldest entry makes room
    --used_;
  }
  s.key = key;
  s.hash = h;
  s.expiresNs = expiresNs;
  s.len = static_cast<uint16_t>(len);
  s.used = true;
  if (len > 0) std::memcpy(s.bytes.data(), reply, len);  // an empty reply may come with a null pointer
  size_t pos = s.hash & indexMask_;
  while (index_[pos] != kEmpty) pos = (pos + 1) & indexMask_;
  index_[pos] = slot;
  ++used_;
  return true;
}

}  // namespace aaa::radius
