// The device API's TLS ticket keys (mgmt/fleet/ticket_keys.h, ADR 0044) on the storage of this run:
// two mgmtd on one database hold the same key for a period and switch together; a period's key is
// random, known a period ahead, and deleted once the period is over.
#include <chrono>
#include <memory>
#include <set>
#include <string>

#include "mgmt/fleet/ticket_keys.h"
#include "tests/mgmt/support/mgmt_fixture.h"  // last: it ends with CppUTest's headers

using mgmt::fleet::TicketKeys;
using mgmt::fleet::TicketKeyStore;
using mgmt::testing::Fixture;

namespace {

constexpr int64_t kPeriod = 3600;

// The keys the table holds, by period.
std::map<int64_t, std::string> stored(mgmt::store::Storage& storage) {
  std::map<int64_t, std::string> keys;
  core::Status s = storage.transact([&](mgmt::store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(keys, TicketKeyStore(tx).load(kPeriod, 0));
    return core::Status::ok();
  });
  if (!s.isOk()) FAIL(s.toString().c_str());
  return keys;
}

}  // namespace

TEST_GROUP(TicketKeys){};

TEST(TicketKeys, ReplicasOnOneStorageShareEachPeriodsKeyAndSwitchTogether) {
  Fixture f;
  core::Result<std::unique_ptr<mgmt::store::Storage>> second = f.testStorage.open(mgmt::mgmtStorageMigrations());
  CHECK_TRUE(second.isOk());
  f.clock.setWall((1800000000 / kPeriod) * kPeriod * 1000 + 10 * 1000);  // 10 s into a period
  TicketKeys a(*f.storage, f.clock, kPeriod);
  TicketKeys b(**second, f.clock, kPeriod);
  CHECK_TRUE(a.refresh().isOk());
  CHECK_TRUE(b.refresh().isOk());
  const std::string first = a.current();
  LONGS_EQUAL(64, first.size());
  CHECK_TRUE(first == b.current());
  CHECK_EQUAL(2u, stored(*f.storage).size());  // this period's and the next's, made ahead

  // The boundary passes with no refresh in between: both switch to the next key they already hold.
  f.clock.advance(std::chrono::seconds(kPeriod));
  const std::string next = a.current();
  LONGS_EQUAL(64, next.size());
  CHECK_FALSE(next == first);
  CHECK_TRUE(next == b.current());

  // The next refresh deletes the ended key and makes the one after.
  CHECK_TRUE(b.refresh().isOk());
  CHECK_TRUE(a.refresh().isOk());
  std::map<int64_t, std::string> keys = stored(*f.storage);
  CHECK_EQUAL(2u, keys.size());
  for (const auto& [period, key] : keys) CHECK_FALSE(key == first);
  CHECK_TRUE(a.current() == next);

  // Without a refresh for two periods there is no key: no tickets (full handshakes), never an old key.
  f.clock.advance(std::chrono::seconds(2 * kPeriod));
  CHECK_EQUAL(0u, a.current().size());
  CHECK_TRUE(a.refresh().isOk());
  LONGS_EQUAL(64, a.current().size());
  CHECK_FALSE(a.current() == next);
}

TEST(TicketKeys, KeysAreRandomAndTheRotationLengthIsPartOfTheirName) {
  Fixture f;
  TicketKeys day(*f.storage, f.clock, kPeriod);
  TicketKeys minute(*f.storage, f.clock, 60);
  CHECK_TRUE(day.refresh().isOk());
  CHECK_TRUE(minute.refresh().isOk());
  std::set<std::string> seen = {day.current(), minute.current()};
  CHECK_EQUAL(2u, seen.size());  // another rotation length: other keys, not the same ones cut differently
  for (const std::string& k : seen) {
    std::set<char> bytes(k.begin(), k.end());
    CHECK_TRUE(bytes.size() > 16);  // 64 random bytes, not a pattern
  }
}
