// The snapshot: lookups, overlay changes, deletes, folding, NAS prefix matching, readers.
#include <string>
#include <vector>

#include "aaa/policy/snapshot.h"

#include <CppUTest/TestHarness.h>

namespace {
aaa::policy::Subscriber sub(const std::string& name, int64_t plan = 1) {
  aaa::policy::Subscriber s;
  s.username = name;
  s.planId = plan;
  return s;
}
aaa::policy::NasClient nas(const std::string& name, const std::string& prefix) {
  aaa::policy::NasClient n;
  n.name = name;
  n.prefix = *aaa::policy::parsePrefix(prefix);
  return n;
}
}  // namespace

TEST_GROUP(Snapshot){};

TEST(Snapshot, BaseLookupAtScale) {
  aaa::policy::SnapshotHolder h;
  std::vector<aaa::policy::Subscriber> subs;
  for (int i = 0; i < 100000; ++i) subs.push_back(sub("user" + std::to_string(i)));
  h.publishFull({}, {}, std::move(subs));
  auto s = h.current();
  LONGS_EQUAL(100000, s->subscriberCount());
  for (int i = 0; i < 100000; i += 997) CHECK(s->findSubscriber("user" + std::to_string(i)) != nullptr);
  CHECK(s->findSubscriber("user100000") == nullptr);
  CHECK(s->findSubscriber("") == nullptr);
}

TEST(Snapshot, ChangesGoThroughTheOverlayAndOldReadersKeepTheirView) {
  aaa::policy::SnapshotHolder h;
  h.publishFull({}, {}, {sub("a"), sub("b")});
  auto before = h.current();
  h.publishSubscriberChanges({{"a", std::make_shared<const aaa::policy::Subscriber>(sub("a", 7))},
                              {"b", nullptr},
                              {"c", std::make_shared<const aaa::policy::Subscriber>(sub("c"))}});
  auto after = h.current();
  CHECK(after->version > before->version);
  LONGS_EQUAL(7, after->findSubscriber("a")->planId);
  CHECK(after->findSubscriber("b") == nullptr);
  CHECK(after->findSubscriber("c") != nullptr);
  LONGS_EQUAL(2, after->subscriberCount());
  // The previous snapshot is unchanged.
  LONGS_EQUAL(1, before->findSubscriber("a")->planId);
  CHECK(before->findSubscriber("b") != nullptr);
  CHECK(before->findSubscriber("c") == nullptr);
}

TEST(Snapshot, OverlayFoldsIntoTheBase) {
  aaa::policy::SnapshotHolder h;
  h.publishFull({}, {}, {sub("keep"), sub("gone")});
  std::vector<std::pair<std::string, std::shared_ptr<const aaa::policy::Subscriber>>> changes;
  for (size_t i = 0; i < aaa::policy::SnapshotHolder::kFoldMinimum; ++i)
    changes.emplace_back("n" + std::to_string(i), std::make_shared<const aaa::policy::Subscriber>(sub("n" + std::to_string(i))));
  changes.emplace_back("gone", nullptr);
  h.publishSubscriberChanges(changes);
  auto s = h.current();
  CHECK_TRUE(s->overlay->empty());  // folded
  LONGS_EQUAL(aaa::policy::SnapshotHolder::kFoldMinimum + 1, s->base->size());
  CHECK(s->findSubscriber("keep") != nullptr);
  CHECK(s->findSubscriber("gone") == nullptr);
  CHECK(s->findSubscriber("n4095") != nullptr);
}

TEST(Snapshot, NasLongestPrefixWins) {
  aaa::policy::SnapshotHolder h;
  h.publishNas({nas("wide", "10.0.0.0/8"), nas("host", "10.1.2.3"), nas("mid", "10.1.0.0/16"), nas("v6", "2001:db8::/32")});
  auto s = h.current();
  STRCMP_EQUAL("host", s->findNas(*aaa::policy::parseIp("10.1.2.3"))->name.c_str());
  STRCMP_EQUAL("mid", s->findNas(*aaa::policy::parseIp("10.1.9.9"))->name.c_str());
  STRCMP_EQUAL("wide", s->findNas(*aaa::policy::parseIp("10.200.0.1"))->name.c_str());
  STRCMP_EQUAL("v6", s->findNas(*aaa::policy::parseIp("2001:db8::1"))->name.c_str());
  CHECK(s->findNas(*aaa::policy::parseIp("192.0.2.1")) == nullptr);
  CHECK(s->findNas(*aaa::policy::parseIp("2001:db9::1")) == nullptr);
}

TEST(Snapshot, ReaderCacheFollowsNewVersions) {
  aaa::policy::SnapshotHolder h;
  h.publishFull({}, {}, {sub("a")});
  aaa::policy::ReaderCache reader(h);
  CHECK(reader.get().findSubscriber("a") != nullptr);
  h.publishSubscriberChanges({{"a", nullptr}});
  CHECK(reader.get().findSubscriber("a") == nullptr);
}

TEST(Snapshot, PrefixParsingRefusesHostBitsAndBadLengths) {
  std::string error;
  CHECK_FALSE(aaa::policy::parsePrefix("10.0.0.1/24", &error).has_value());
  CHECK(error.find("host bits") != std::string::npos);
  CHECK_FALSE(aaa::policy::parsePrefix("10.0.0.0/33", &error).has_value());
  CHECK_FALSE(aaa::policy::parsePrefix("example.com", &error).has_value());
  STRCMP_EQUAL("10.0.0.0/24", aaa::policy::formatPrefix(*aaa::policy::parsePrefix("10.0.0.0/24")).c_str());
  STRCMP_EQUAL("2001:db8::/32", aaa::policy::formatPrefix(*aaa::policy::parsePrefix("2001:db8::/32")).c_str());
  STRCMP_EQUAL("192.0.2.7", aaa::policy::formatPrefix(*aaa::policy::parsePrefix("192.0.2.7")).c_str());
}
