// The auth server's fixed-memory reply cache against a simple model.
#include <cstring>
#include <deque>
#include <map>
#include <random>
#include <vector>

#include "aaa/radius/reply_cache.h"

#include <CppUTest/TestHarness.h>

namespace {
aaa::radius::DuplicateKey key(uint32_t n) {
  uint8_t packet[20] = {1, static_cast<uint8_t>(n)};
  std::memcpy(packet + 4, &n, 4);  // the authenticator carries n
  return aaa::radius::DuplicateKey::of(aaa::policy::IpAddress::fromV4(0x7f000001), static_cast<uint16_t>(n % 7), packet);
}
}  // namespace

TEST_GROUP(ReplyCache){};

TEST(ReplyCache, FindsWhatWasInsertedUntilItExpires) {
  aaa::radius::ReplyCache c(8);
  const uint8_t reply[] = {2, 9, 0, 20};
  CHECK_TRUE(c.insert(key(1), reply, sizeof reply, 1000));
  size_t len = 0;
  const uint8_t* got = c.find(key(1), 999, &len);
  CHECK(got != nullptr);
  LONGS_EQUAL(4, len);
  MEMCMP_EQUAL(reply, got, 4);
  CHECK(c.find(key(1), 1000, &len) == nullptr);  // expired
  CHECK(c.find(key(2), 0, &len) == nullptr);
}

TEST(ReplyCache, TooLongRepliesAreNotCached) {
  aaa::radius::ReplyCache c(8);
  std::vector<uint8_t> big(aaa::radius::ReplyCache::kMaxReply + 1, 7);
  CHECK_FALSE(c.insert(key(1), big.data(), big.size(), 1000));
  size_t len = 0;
  CHECK(c.find(key(1), 0, &len) == nullptr);
  LONGS_EQUAL(0, c.size());
}

TEST(ReplyCache, RandomOperationsMatchAFifoModel) {
  // Capacity 64: the ring wraps many times, so every insert past 64 evicts the oldest and the
  // index deletions (backward shift) are exercised across wrapped clusters.
  aaa::radius::ReplyCache c(64);
  std::deque<uint32_t> order;          // model: keys in insertion order, at most 64
  std::map<uint32_t, uint8_t> content; // model: key -> first reply byte
  std::mt19937 rng(7);
  for (int i = 0; i < 200000; ++i) {
    uint32_t k = rng() % 500;
    size_t len = 0;
    bool present = content.count(k) != 0;
    const uint8_t* got = c.find(key(k), 0, &len);
    CHECK_EQUAL(present, got != nullptr);
    if (present) {
      LONGS_EQUAL(content[k], got[0]);
      continue;  // a duplicate: the server answers from the cache and does not insert
    }
    uint8_t reply[3] = {static_cast<uint8_t>(rng()), 1, 2};
    CHECK_TRUE(c.insert(key(k), reply, sizeof reply, INT64_MAX));
    order.push_back(k);
    content[k] = reply[0];
    if (order.size() > 64) {
      content.erase(order.front());
      order.pop_front();
    }
    LONGS_EQUAL(order.size(), c.size());
  }
}

TEST(ReplyCache, ARequestCachedAgainAfterItsEntryExpiredIsFound) {
  // Found by tests/fuzz/reply_cache_fuzz.cpp: the second insert left the expired entry on the probe
  // path, find() stopped there, and every retransmission was evaluated again.
  aaa::radius::ReplyCache c(8);
  const uint8_t first[] = {2, 1, 0, 20};
  const uint8_t second[] = {3, 1, 0, 20};
  CHECK_TRUE(c.insert(key(1), first, sizeof first, 100));
  size_t len = 0;
  CHECK(c.find(key(1), 100, &len) == nullptr);  // expired: the server evaluates the request again
  CHECK_TRUE(c.insert(key(1), second, sizeof second, 200));
  const uint8_t* got = c.find(key(1), 150, &len);
  CHECK(got != nullptr);
  LONGS_EQUAL(3, got[0]);
  LONGS_EQUAL(1, c.size());  // one entry per key
}
