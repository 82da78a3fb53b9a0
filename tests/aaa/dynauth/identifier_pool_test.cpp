// Identifiers of the Dynamic Authorization client: per NAS, a counter from a random start, never
// two outstanding requests with the same identifier toward one NAS.
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "aaa/radius/dynauth_client.h"

#include <CppUTest/TestHarness.h>

using aaa::radius::IdentifierPool;

TEST_GROUP(IdentifierPool){};

TEST(IdentifierPool, StartsAtTheRandomStartAndCountsUpPerNas) {
  IdentifierPool pool([]() { return uint8_t{254}; });
  LONGS_EQUAL(254, *pool.acquire("192.0.2.1:3799"));
  pool.release("192.0.2.1:3799", 254);
  // Consecutive requests get different identifiers even when the previous one is free again.
  LONGS_EQUAL(255, *pool.acquire("192.0.2.1:3799"));
  pool.release("192.0.2.1:3799", 255);
  LONGS_EQUAL(0, *pool.acquire("192.0.2.1:3799"));  // wraps
  // Another NAS has its own counter.
  LONGS_EQUAL(254, *pool.acquire("192.0.2.2:3799"));
  LONGS_EQUAL(1, pool.outstanding("192.0.2.1:3799"));
}

TEST(IdentifierPool, SkipsOutstandingIdentifiers) {
  IdentifierPool pool([]() { return uint8_t{10}; });
  const std::string nas = "[2001:db8::1]:3799";
  LONGS_EQUAL(10, *pool.acquire(nas));
  LONGS_EQUAL(11, *pool.acquire(nas));
  pool.release(nas, 10);
  // Go round once: 12..255, 0..9 are handed out, 10 is free, 11 is still outstanding.
  for (int i = 0; i < 254; ++i) CHECK_TRUE(pool.acquire(nas).isOk());
  LONGS_EQUAL(255, pool.outstanding(nas));
  LONGS_EQUAL(10, *pool.acquire(nas));  // the only free one
}

TEST(IdentifierPool, ExhaustedAfter256OutstandingAndFreedByRelease) {
  IdentifierPool pool([]() { return uint8_t{0}; });
  std::set<int> seen;
  for (int i = 0; i < 256; ++i) seen.insert(*pool.acquire("nas"));
  LONGS_EQUAL(256, seen.size());
  core::Result<uint8_t> none = pool.acquire("nas");
  CHECK_FALSE(none.isOk());
  CHECK(none.status().code() == core::Code::kResourceExhausted);
  STRCMP_CONTAINS("256", none.status().message().c_str());
  pool.release("nas", 77);
  LONGS_EQUAL(77, *pool.acquire("nas"));
  pool.release("other", 1);  // unknown NAS: no effect
  LONGS_EQUAL(0, pool.outstanding("other"));
}

TEST(IdentifierPool, DefaultStartComesFromTheCsprngAndDiffersBetweenPools) {
  // 16 pools all starting at the same identifier would be a 1 in 256^15 coincidence.
  std::set<int> starts;
  for (int i = 0; i < 16; ++i) {
    IdentifierPool pool;
    starts.insert(*pool.acquire("nas"));
  }
  CHECK(starts.size() > 1);
}

TEST(IdentifierPool, ConcurrentAcquireNeverHandsOutTheSameIdentifierTwice) {
  IdentifierPool pool;
  std::vector<std::vector<int>> got(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&pool, &got, t]() {
      for (int i = 0; i < 64; ++i) got[t].push_back(*pool.acquire("nas"));
    });
  }
  for (std::thread& th : threads) th.join();
  std::set<int> all;
  for (const auto& v : got) all.insert(v.begin(), v.end());
  LONGS_EQUAL(256, all.size());
}
