// QuotaService on a temporary edge.db (the radius area's migrations) with an injected clock: top-up
// refusals and their codes, a top-up lifting a blocked subscriber, the quota events of accounting
// (one Enforcement with the tier's rate and the session's keys; a Disconnect when the quota is used
// up), a first login starting the validity, explain's wording, and the ledger classifier's slot.
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "aaa/acct/ledger.h"
#include "aaa/policy/store.h"
#include "billing/rating/rules.h"
#include "core/clock.h"
#include "core/store.h"
#include "edge/radius/enforcement.h"
#include "edge/radius/quota_service.h"
#include "edge/radius/quota_store.h"
#include "edge/radius/radius_schema.h"

// CppUTest last: its leak detector #defines new.
#include "tests/edge/radius/service_fixture.h"

#include <CppUTest/TestHarness.h>

namespace {

using core::Json;
using edge::Enforcement;
using edge::QuotaService;

constexpr uint64_t kGB = 1000ull * 1000 * 1000;

billing::FupTier fup(const std::string& text) {
  core::Result<billing::FupTier> t = billing::parseFup(text);
  CHECK_TRUE_TEXT(t.isOk(), t.status().message().c_str());
  return *t;
}

// Unix seconds of today's local `hour`:00 (windows are in local time).
int64_t localHour(int64_t around, int hour) {
  time_t t = static_cast<time_t>(around);
  std::tm tm{};
  localtime_r(&t, &tm);
  tm.tm_hour = hour;
  tm.tm_min = 0;
  tm.tm_sec = 0;
  tm.tm_isdst = -1;
  return static_cast<int64_t>(std::mktime(&tm));
}

}  // namespace

TEST_GROUP(Quotas) {
  std::string dir;
  std::unique_ptr<core::Writer> writer;
  std::unique_ptr<core::Database> reader;
  std::unique_ptr<aaa::policy::SnapshotHolder> snapshots;
  std::unique_ptr<core::ManualClock> clock;
  std::unique_ptr<QuotaService> service;
  std::map<std::string, size_t> online;
  std::vector<Enforcement> enforced;

  void setup() override {
    edge::test::openTempEdgeDb("edge-quota-test", dir, writer, reader);
    clock = std::make_unique<core::ManualClock>();  // 2026-01-01T00:00:00Z

    billing::BillingRules open;  // no quota, no validity
    addPlan("open", open);
    billing::BillingRules fair;  // slowed after 1 GB, blocked after 2 GB
    fair.tiers = {fup("1GB:2M/1M"), fup("2GB:block")};
    addPlan("fair", fair);
    billing::BillingRules capped;  // 1 GB, then the stop
    capped.dataQuota = kGB;
    addPlan("capped", capped);
    billing::BillingRules day;  // two hours from the first login
    day.validitySeconds = 7200;
    addPlan("day", day);
    billing::BillingRules nights;  // free nights
    nights.dataQuota = 5 * kGB;
    core::Result<billing::TimeWindow> w0 = billing::parseWindow("00:00-06:00:uncounted");
    CHECK_TRUE_TEXT(w0.isOk(), w0.status().message().c_str());
    nights.windows = {*w0};
    addPlan("nights", nights);
    addSubscriber("ann", "fair");
    addSubscriber("bob", "capped");
    addSubscriber("cat", "open");
    addSubscriber("dan", "day");
    addSubscriber("eve", "nights");
    snapshots = std::make_unique<aaa::policy::SnapshotHolder>();
    reloadSnapshot();
    service = std::make_unique<QuotaService>(QuotaService::Deps{
        *writer, *reader, *snapshots, *clock,
        [this](std::string_view u) {
          auto it = online.find(std::string(u));
          return it == online.end() ? size_t{0} : it->second;
        },
        [this](const Enforcement& e) { enforced.push_back(e); }});
  }

  void teardown() override {
    service.reset();
    snapshots.reset();
    reader.reset();
    writer.reset();
    clock.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  void addPlan(const std::string& name, const billing::BillingRules& rules) {
    aaa::policy::Plan p;
    p.name = name;
    p.downBps = 8000000;
    p.upBps = 2000000;
    p.billing = rules;
    edge::test::insertPlan(*writer, p, clock->unixSeconds());
  }

  void addSubscriber(const std::string& name, const std::string& plan) {
    core::Status s = writer->submit([&](core::Database& db) -> core::Status {
      core::Result<std::vector<aaa::policy::Plan>> plans = aaa::policy::loadPlans(db);
      if (!plans.isOk()) return plans.status();
      aaa::policy::Subscriber sub;
      sub.username = name;
      for (const aaa::policy::Plan& p : *plans)
        if (p.name == plan) sub.planId = p.id;
      sub.createdAt = clock->unixSeconds();
      core::Result<int64_t> id = aaa::policy::insertSubscriber(db, sub, clock->unixSeconds());
      return id.isOk() ? core::Status::ok() : id.status();
    }).get();
    CHECK_TRUE_TEXT(s.isOk(), s.message().c_str());
  }

  void reloadSnapshot() { edge::test::reloadSnapshot(*reader, *snapshots); }

  // An Interim-Update of `user`'s session that counted `bytes` in the current period.
  aaa::acct::AcctRecord interim(const std::string& user) {
    aaa::acct::AcctRecord r;
    r.statusType = aaa::acct::kInterimUpdate;
    r.uid = "uid-" + user;
    r.acctSessionId = "sess-" + user;
    r.username = user;
    r.nas = "tower";
    r.nasAddress = "192.0.2.7";
    r.framedIp = "10.0.0.9";
    r.callingStationId = "aa:bb:cc:dd:ee:ff";
    return r;
  }
  void counted(const std::string& user, uint64_t bytes, const aaa::acct::AcctRecord* record) {
    std::optional<aaa::acct::QuotaSlot> slot = service->classify(user, clock->unixSeconds());
    CHECK_TEXT(slot.has_value(), user.c_str());
    aaa::acct::LedgerChange change;
    change.quota.push_back(aaa::acct::QuotaDelta{user, slot->periodStart, bytes, 0});
    service->onQuotaMoved(change, record);
  }

  core::ControlReply topup(Json args) { return service->topup(args); }

  // An authorization of `user` as the auth server decides it now.
  aaa::policy::Decision decide(const std::string& user, std::shared_ptr<const aaa::policy::Snapshot>& keep) {
    keep = snapshots->current();
    aaa::policy::Decision d;
    d.subscriber = keep->findSubscriber(user);
    CHECK(d.subscriber != nullptr);
    d.plan = keep->findPlan(d.subscriber->planId);
    d.method = aaa::policy::AuthMethod::kPap;
    d.accept = aaa::policy::evaluateBilling(*d.subscriber, *d.plan, clock->unixSeconds(), service->lookup(), d) ==
               aaa::policy::RejectReason::kNone;
    return d;
  }
  void authorized(const std::string& user, const aaa::policy::Decision& d) {
    aaa::radius::AuthEvent e{"tower", 7, user, "aa:bb:cc:dd:ee:ff", d.method, d.accept, d.reason, &d};
    service->onAuthorized(e);
  }

  std::vector<std::string> explanation(const std::string& user) {
    core::ControlReply r = service->explain(Json{{"username", user}});
    CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
    std::vector<std::string> out;
    for (const Json& l : r.arguments.at("explanation")) out.push_back(l.get<std::string>());
    return out;
  }
};

TEST(Quotas, TopupRefusalsSayWhyWithTheirCodes) {
  core::ControlReply r = topup(Json{{"username", "ann"}});
  CHECK_FALSE(r.ok());
  LONGS_EQUAL(static_cast<int>(core::Code::kInvalidArgument), static_cast<int>(r.code));
  STRCMP_EQUAL("give what to add: --bytes 5GB, --time 2h and/or --validity 7d", r.text.c_str());

  r = topup(Json{{"username", "nobody"}, {"bytes", "1GB"}});
  LONGS_EQUAL(static_cast<int>(core::Code::kNotFound), static_cast<int>(r.code));
  STRCMP_EQUAL("no subscriber 'nobody'", r.text.c_str());

  r = topup(Json{{"username", "cat"}, {"bytes", "1GB"}});
  LONGS_EQUAL(static_cast<int>(core::Code::kInvalidArgument), static_cast<int>(r.code));
  STRCMP_EQUAL("plan 'open' has no data quota or fair-use tier: there is nothing to top up", r.text.c_str());

  r = topup(Json{{"username", "ann"}, {"time", "2h"}});
  LONGS_EQUAL(static_cast<int>(core::Code::kInvalidArgument), static_cast<int>(r.code));
  STRCMP_EQUAL("plan 'fair' has no time quota: there is nothing to top up", r.text.c_str());

  r = topup(Json{{"username", "ann"}, {"validity", "7d"}});
  LONGS_EQUAL(static_cast<int>(core::Code::kInvalidArgument), static_cast<int>(r.code));
  STRCMP_EQUAL("plan 'fair' has no validity: it never runs out, there is nothing to extend", r.text.c_str());

  r = topup(Json{{"username", "dan"}, {"validity", "soon"}});
  LONGS_EQUAL(static_cast<int>(core::Code::kInvalidArgument), static_cast<int>(r.code));
  STRCMP_CONTAINS("validity: ", r.text.c_str());

  r = topup(Json{{"username", "ann"}, {"bytes", "lots"}});
  LONGS_EQUAL(static_cast<int>(core::Code::kInvalidArgument), static_cast<int>(r.code));

  r = topup(Json{{"username", "ann"}, {"bytes", "1GB"}, {"colour", "red"}});
  LONGS_EQUAL(static_cast<int>(core::Code::kInvalidArgument), static_cast<int>(r.code));

  // Nothing refused was written, and nobody's sessions were touched.
  core::Result<std::vector<edge::TopupSum>> rows = edge::topupsSince(*reader, 0);
  CHECK(rows.isOk());
  LONGS_EQUAL(0, rows->size());
  LONGS_EQUAL(0, enforced.size());
}

TEST(Quotas, TopupLiftingABlockedSubscriberRestoresTheRateOnItsSessions) {
  aaa::acct::AcctRecord rec = interim("ann");
  online["ann"] = 1;
  counted("ann", 2500000000ull, &rec);  // past the 2 GB block
  LONGS_EQUAL(1, enforced.size());
  CHECK(enforced[0].kind == aaa::radius::DynAuthKind::kDisconnect);
  enforced.clear();

  core::ControlReply r = topup(Json{{"username", "ann"}, {"bytes", "1GB"}, {"note", "paid cash"}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("topped up ann: +1GB", r.text.c_str());
  STRCMP_EQUAL("allowed", r.arguments.at("state").get<std::string>().c_str());
  // Every threshold moved up 1 GB: 2.5 GB is past the first tier (3 GB block) only.
  STRCMP_EQUAL("tier 1 (1GB:2M/1M)", r.arguments.at("tier").get<std::string>().c_str());
  LONGS_EQUAL(1, enforced.size());
  const Enforcement& e = enforced[0];
  STRCMP_EQUAL("ann", e.username.c_str());
  CHECK(e.kind == aaa::radius::DynAuthKind::kCoa);
  LONGS_EQUAL(2000000, e.rate.downBps);
  LONGS_EQUAL(1000000, e.rate.upBps);
  LONGS_EQUAL(0, e.sessions.size());  // a command's event: every live session of ann
  STRCMP_EQUAL("top-up", e.why.c_str());

  // The top-up is in edge.db, for the current period, and counts after a restart (load).
  core::Result<std::vector<edge::TopupSum>> rows = edge::topupsSince(*reader, 0);
  CHECK(rows.isOk());
  LONGS_EQUAL(1, rows->size());
  STRCMP_EQUAL("ann", (*rows)[0].username.c_str());
  LONGS_EQUAL(kGB, (*rows)[0].bytes);
  LONGS_EQUAL(service->classify("ann", clock->unixSeconds())->periodStart, (*rows)[0].periodStart);
  LONGS_EQUAL(kGB, service->lookup()("ann", (*rows)[0].periodStart).bonusBytes);
}

// A top-up bought on mgmt comes with its order id (ADR 0058): applied once however often the box
// is given it (a check-in command sent again), stored with that id.
TEST(Quotas, ATopupWithAnIdIsAppliedOnce) {
  core::ControlReply r = topup(Json{{"username", "ann"}, {"bytes", "1GB"}, {"id", "top-1"}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  CHECK_FALSE(r.arguments.contains("replay"));
  core::ControlReply again = topup(Json{{"username", "ann"}, {"bytes", "1GB"}, {"id", "top-1"}});
  CHECK_TRUE_TEXT(again.ok(), again.text.c_str());
  CHECK_TRUE(again.arguments.at("replay").get<bool>());
  STRCMP_CONTAINS("applied before", again.text.c_str());
  core::Result<std::vector<edge::TopupSum>> rows = edge::topupsSince(*reader, 0);
  CHECK(rows.isOk());
  LONGS_EQUAL(1, rows->size());
  LONGS_EQUAL(kGB, (*rows)[0].bytes);
  LONGS_EQUAL(kGB, service->lookup()("ann", (*rows)[0].periodStart).bonusBytes);
  // Another id is another top-up; an empty id is refused naming it.
  CHECK_TRUE(topup(Json{{"username", "ann"}, {"bytes", "1GB"}, {"id", "top-2"}}).ok());
  LONGS_EQUAL(2 * kGB, service->lookup()("ann", (*rows)[0].periodStart).bonusBytes);
  STRCMP_CONTAINS("id:", topup(Json{{"username", "ann"}, {"bytes", "1GB"}, {"id", ""}}).text.c_str());
}

TEST(Quotas, ATopupThatChangesNoTierSendsNothing) {
  core::ControlReply r = topup(Json{{"username", "ann"}, {"bytes", "500MB"}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("full rate", r.arguments.at("tier").get<std::string>().c_str());
  LONGS_EQUAL(0, enforced.size());
}

TEST(Quotas, CrossingAFairUseTierIsOneCoaWithTheTiersRateAndTheSessionsKeys) {
  aaa::acct::AcctRecord rec = interim("ann");
  online["ann"] = 1;
  counted("ann", 600000000ull, &rec);  // below the first tier: nothing
  LONGS_EQUAL(0, enforced.size());
  counted("ann", 600000000ull, &rec);  // 1.2 GB: tier 1
  LONGS_EQUAL(1, enforced.size());
  const Enforcement& e = enforced[0];
  STRCMP_EQUAL("ann", e.username.c_str());
  CHECK(e.kind == aaa::radius::DynAuthKind::kCoa);
  LONGS_EQUAL(2000000, e.rate.downBps);
  LONGS_EQUAL(1000000, e.rate.upBps);
  LONGS_EQUAL(0, e.rate.burstDownBps);
  STRCMP_EQUAL("fair-use tier", e.why.c_str());
  LONGS_EQUAL(1, e.sessions.size());
  STRCMP_EQUAL("uid-ann", e.sessions[0].uid.c_str());
  STRCMP_EQUAL("sess-ann", e.sessions[0].acctSessionId.c_str());
  STRCMP_EQUAL("tower", e.sessions[0].nas.c_str());
  STRCMP_EQUAL("192.0.2.7", e.sessions[0].nasAddress.c_str());
  STRCMP_EQUAL("10.0.0.9", e.sessions[0].framedIp.c_str());
  STRCMP_EQUAL("aa:bb:cc:dd:ee:ff", e.sessions[0].callingStationId.c_str());
  // Further usage inside the same tier: no second event.
  counted("ann", 100000000ull, &rec);
  LONGS_EQUAL(1, enforced.size());
}

TEST(Quotas, AUserWithSeveralSessionsLeavesThemToTheSessionSide) {
  aaa::acct::AcctRecord rec = interim("ann");
  online["ann"] = 2;
  counted("ann", 1200000000ull, &rec);
  LONGS_EQUAL(1, enforced.size());
  CHECK(enforced[0].kind == aaa::radius::DynAuthKind::kCoa);
  LONGS_EQUAL(0, enforced[0].sessions.size());  // every live session of ann, found by the session side
  LONGS_EQUAL(2000000, enforced[0].rate.downBps);
}

TEST(Quotas, AQuotaUsedUpIsADisconnect) {
  aaa::acct::AcctRecord rec = interim("bob");
  online["bob"] = 1;
  counted("bob", 900000000ull, &rec);
  LONGS_EQUAL(0, enforced.size());
  counted("bob", 200000000ull, &rec);  // 1.1 GB of 1 GB
  LONGS_EQUAL(1, enforced.size());
  const Enforcement& e = enforced[0];
  CHECK(e.kind == aaa::radius::DynAuthKind::kDisconnect);
  STRCMP_EQUAL("quota used up", e.why.c_str());
  LONGS_EQUAL(1, e.sessions.size());
  STRCMP_EQUAL("uid-bob", e.sessions[0].uid.c_str());
  // The auth side sees the same book: bob is refused now.
  std::shared_ptr<const aaa::policy::Snapshot> keep;
  aaa::policy::Decision d = decide("bob", keep);
  CHECK_FALSE(d.accept);
}

TEST(Quotas, AFirstLoginStartsTheValidityAtTheClocksTime) {
  clock->advance(std::chrono::hours(5));
  int64_t now = clock->unixSeconds();
  std::shared_ptr<const aaa::policy::Snapshot> keep;
  aaa::policy::Decision d = decide("dan", keep);
  CHECK(d.accept);
  CHECK(d.firstLogin);
  LONGS_EQUAL(now + 7200, d.validUntil);
  authorized("dan", d);
  // In the snapshot at once...
  const aaa::policy::Subscriber* s = snapshots->current()->findSubscriber("dan");
  CHECK(s != nullptr);
  LONGS_EQUAL(now, s->firstLogin);
  // ...and in edge.db once the writer got to it.
  core::Status settled = writer->submit([](core::Database&) { return core::Status::ok(); }).get();
  CHECK(settled.isOk());
  auto subs = aaa::policy::loadSubscribers(*reader);
  CHECK(subs.isOk());
  for (const aaa::policy::Subscriber& x : *subs)
    if (x.username == "dan") LONGS_EQUAL(now, x.firstLogin);
  // Two hours later the validity is over.
  clock->advance(std::chrono::seconds(7200));
  aaa::policy::Decision later = decide("dan", keep);
  CHECK_FALSE(later.accept);
}

TEST(Quotas, ExplainSaysWhyAnAcceptAndARejectCameOutAsTheyDid) {
  std::vector<std::string> lines = explanation("ann");
  LONGS_EQUAL(2, lines.size());
  STRCMP_EQUAL(
      "no reject or billed authentication of ann remembered since edged started (an accept on a plan without "
      "billing rules gets the plan's rate)",
      lines[0].c_str());
  STRCMP_CONTAINS("now: allowed, rate 8M/2M", lines[1].c_str());

  aaa::acct::AcctRecord rec = interim("ann");
  counted("ann", 1200000000ull, &rec);
  std::shared_ptr<const aaa::policy::Snapshot> keep;
  aaa::policy::Decision accept = decide("ann", keep);
  CHECK(accept.accept);
  authorized("ann", accept);
  lines = explanation("ann");
  STRCMP_CONTAINS("from NAS 'tower' (station aa:bb:cc:dd:ee:ff) by pap:", lines[0].c_str());
  bool tier = false, rate = false;
  for (const std::string& l : lines) {
    tier = tier || l == "  fair use: tier 1 (1GB:2M/1M) in force";
    rate = rate || l == "  accepted at rate 2M/1M";
  }
  CHECK_TRUE(tier);
  CHECK_TRUE(rate);

  counted("ann", 1000000000ull, &rec);  // 2.2 GB: blocked
  aaa::policy::Decision reject = decide("ann", keep);
  CHECK_FALSE(reject.accept);
  reject.reason = aaa::policy::RejectReason::kDataQuotaUsedUp;
  authorized("ann", reject);
  core::ControlReply r = service->explain(Json{{"username", "ann"}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("why ann got what they got", r.text.c_str());
  const Json& last = r.arguments.at("last-authentication");
  STRCMP_EQUAL("reject", last.at("result").get<std::string>().c_str());
  STRCMP_EQUAL("tower", last.at("nas").get<std::string>().c_str());
  bool rejected = false;
  for (const Json& l : r.arguments.at("explanation"))
    rejected = rejected || l.get<std::string>() == "  rejected: Data quota used up for this period; top up to continue";
  CHECK_TRUE(rejected);

  r = service->explain(Json{{"username", "nobody"}});
  LONGS_EQUAL(static_cast<int>(core::Code::kNotFound), static_cast<int>(r.code));
}

TEST(Quotas, ExplainListsTheLastRejectsInWordsNewestFirstAndAnAcceptKeepsThem) {
  std::shared_ptr<const aaa::policy::Snapshot> keep;
  core::ControlReply r = service->explain(Json{{"username", "ann"}});
  LONGS_EQUAL(0, r.arguments.at("recent-rejects").size());
  aaa::policy::Decision reject = decide("ann", keep);
  reject.accept = false;
  reject.reason = aaa::policy::RejectReason::kBadPassword;
  authorized("ann", reject);
  reject.reason = aaa::policy::RejectReason::kExpired;
  authorized("ann", reject);
  aaa::policy::Decision accept = decide("ann", keep);
  CHECK(accept.accept);
  authorized("ann", accept);  // an accept does not hide why the earlier attempts failed
  r = service->explain(Json{{"username", "ann"}});
  const Json& rejects = r.arguments.at("recent-rejects");
  LONGS_EQUAL(2, rejects.size());
  STRCMP_EQUAL("expired", rejects[0].at("reason").get<std::string>().c_str());
  STRCMP_EQUAL(aaa::policy::rejectReasonMessage(aaa::policy::RejectReason::kExpired),
               rejects[0].at("reply-message").get<std::string>().c_str());
  STRCMP_EQUAL("tower", rejects[0].at("nas").get<std::string>().c_str());
  STRCMP_EQUAL("aa:bb:cc:dd:ee:ff", rejects[0].at("calling-station-id").get<std::string>().c_str());
  STRCMP_EQUAL(aaa::policy::rejectReasonName(aaa::policy::RejectReason::kBadPassword),
               rejects[1].at("reason").get<std::string>().c_str());
  // At most five are kept.
  for (int i = 0; i < 7; ++i) authorized("ann", reject);
  r = service->explain(Json{{"username", "ann"}});
  LONGS_EQUAL(5, r.arguments.at("recent-rejects").size());
}

TEST(Quotas, TheClassifierCountsDataOutsideAnUncountedWindowOnly) {
  int64_t base = clock->unixSeconds() + 10 * 86400;
  std::optional<aaa::acct::QuotaSlot> night = service->classify("eve", localHour(base, 3));
  std::optional<aaa::acct::QuotaSlot> noon = service->classify("eve", localHour(base, 12));
  CHECK(night.has_value());
  CHECK(noon.has_value());
  CHECK_FALSE(night->countsData);
  CHECK_TRUE(noon->countsData);
  // The same calendar month: the same period.
  LONGS_EQUAL(noon->periodStart, night->periodStart);
  // No quota on the plan, or no such subscriber: nothing is counted per period.
  CHECK_FALSE(service->classify("cat", base).has_value());
  CHECK_FALSE(service->classify("nobody", base).has_value());
}

TEST(Quotas, AStopNamesNoSessionItsUsersOtherSessionsAreFoundBySending) {
  aaa::acct::AcctRecord stop = interim("ann");
  stop.statusType = aaa::acct::kStop;  // this session is over; another one is still live
  online["ann"] = 1;
  counted("ann", 1200000000ull, &stop);
  LONGS_EQUAL(1, enforced.size());
  CHECK(enforced[0].kind == aaa::radius::DynAuthKind::kCoa);
  LONGS_EQUAL(0, enforced[0].sessions.size());
}

TEST(Quotas, ANewPeriodBringsASlowedSubscriberBackToTheFullRate) {
  aaa::acct::AcctRecord rec = interim("ann");
  online["ann"] = 1;
  counted("ann", 1200000000ull, &rec);  // January: tier 1
  LONGS_EQUAL(1, enforced.size());
  enforced.clear();
  clock->advance(std::chrono::hours(24 * 40));  // February: a new calendar month
  counted("ann", 1000000ull, &rec);             // the new period's first counts
  LONGS_EQUAL(1, enforced.size());
  CHECK(enforced[0].kind == aaa::radius::DynAuthKind::kCoa);
  LONGS_EQUAL(8000000, enforced[0].rate.downBps);  // the plan's own rate
  LONGS_EQUAL(2000000, enforced[0].rate.upBps);
  LONGS_EQUAL(1, enforced[0].sessions.size());
}
