// InsightStore (mgmt/insight, migration 7) on the storage of this run (SQLite, or PostgreSQL in
// mgmt_insight_store_tests_pg): days written and read back as histories (paging across customers),
// retention, models and scores (ranked, replaced), tenants kept apart, a tenant's purge; and
// InsightService on stored days: train, score, the at-risk list per tenant, the backtest.
#include <memory>

#include "mgmt/insight/churn_model.h"
#include "mgmt/insight/generator.h"
#include "mgmt/insight/insight_service.h"
#include "mgmt/insight/insight_store.h"
#include "mgmt/mgmt_schema.h"
#include "tests/support/test_storage.h"
#include "CppUTest/TestHarness.h"  // last

using mgmt::insight::Day;
using mgmt::insight::History;
using mgmt::insight::InsightStore;
using mgmt::store::Storage;
using mgmt::store::Transaction;

namespace {

const bool kWarm = !mgmt::mgmtStorageMigrations().empty();

struct Db {
  mgmt::store::testing::TestStorage test;
  std::unique_ptr<Storage> storage;
  Db() {
    core::Result<std::unique_ptr<Storage>> s = test.open(mgmt::mgmtStorageMigrations());
    if (!s.isOk()) FAIL(s.status().toString().c_str());
    storage = std::move(*s);
  }
  template <class F>
  void write(F f) {
    core::Status s = storage->transact([&f](Transaction& tx) {
      InsightStore store(tx);
      return f(store);
    });
    CHECK_TRUE_TEXT(s.isOk(), s.toString().c_str());
  }
};

}  // namespace

TEST_GROUP(InsightStore){};

TEST(InsightStore, DaysComeBackAsHistoriesPageByPage) {
  Db db;
  mgmt::insight::GeneratorConfig config;
  config.tenants = 2;
  config.customersPerTenant = 7;
  config.days = 300;
  mgmt::insight::Generator generator(config);
  std::vector<mgmt::insight::Generated> all = generator.all();
  db.write([&all](InsightStore& s) -> core::Status {
    for (const auto& g : all)
      EDGE_RETURN_IF_ERROR(s.putCustomerDays(g.history.tenantId, g.history.customerId, g.history.firstDay, g.history.days));
    return core::Status::ok();
  });
  // Read back tenant-1 in pages of 100 rows (several per customer, and pages that end mid-customer).
  std::vector<History> read;
  db.write([&read, &config](InsightStore& s) {
    return s.forEachCustomer(
        "tenant-1", config.firstDay, config.firstDay + config.days,
        [&read](History&& h) {
          read.push_back(std::move(h));
          return core::Status::ok();
        },
        100);
  });
  int expected = 0;
  for (const auto& g : all) {
    if (g.history.tenantId != "tenant-1") continue;
    ++expected;
    bool found = false;
    for (const History& h : read) {
      if (h.customerId != g.history.customerId) continue;
      found = true;
      CHECK_EQUAL(g.history.firstDay, h.firstDay);
      CHECK_TRUE_TEXT(h.days == g.history.days, h.customerId.c_str());
    }
    CHECK_TRUE_TEXT(found, g.history.customerId.c_str());
  }
  CHECK_EQUAL(expected, static_cast<int>(read.size()));
  // One customer, a range inside its days; one that is not there.
  const History& first = all[0].history;
  db.write([&first](InsightStore& s) -> core::Status {
    auto h = s.customerHistory(first.tenantId, first.customerId, first.firstDay + 10, first.firstDay + 20);
    CHECK_TRUE(h.isOk() && h->has_value());
    CHECK_EQUAL(10, static_cast<int>((*h)->days.size()));
    CHECK_TRUE((*h)->days[0] == first.days[10]);
    auto none = s.customerHistory("tenant-2", "nobody", 0, 1 << 30);
    CHECK_TRUE(none.isOk() && !none->has_value());
    return core::Status::ok();
  });
  // Writing a day again replaces it.
  Day changed{};
  changed[mgmt::insight::kRejects] = 9;
  db.write([&first, &changed](InsightStore& s) { return s.putCustomerDays(first.tenantId, first.customerId, first.firstDay, {changed}); });
  db.write([&first, &changed](InsightStore& s) -> core::Status {
    auto h = s.customerHistory(first.tenantId, first.customerId, first.firstDay, first.firstDay + 1);
    CHECK_TRUE((*h)->days[0] == changed);
    return core::Status::ok();
  });
  // Retention: everything before day firstDay + 100 goes, of both tenants.
  db.write([&config](InsightStore& s) -> core::Status {
    EDGE_RETURN_IF_ERROR(s.putTenantDay("tenant-1", config.firstDay, "\x01"));
    EDGE_RETURN_IF_ERROR(s.putTenantDay("tenant-1", config.firstDay + 150, "\x02"));
    auto deleted = s.deleteDaysBefore(config.firstDay + 100);
    CHECK_TRUE(deleted.isOk() && *deleted > 0);
    auto days = s.tenantDays("tenant-1", 0, 1 << 30);
    CHECK_EQUAL(1, static_cast<int>(days->size()));
    CHECK_EQUAL(config.firstDay + 150, days->at(0).first);
    CHECK_EQUAL(std::string("\x02"), days->at(0).second);
    return core::Status::ok();
  });
  db.write([&all, &config](InsightStore& s) -> core::Status {
    for (const auto& g : all) {
      auto h = s.customerHistory(g.history.tenantId, g.history.customerId, 0, 1 << 30);
      if (h->has_value()) CHECK_TRUE((*h)->firstDay >= config.firstDay + 100);
    }
    return core::Status::ok();
  });
}

TEST(InsightStore, ModelsAndScoresPerTenantAndThePurge) {
  Db db;
  db.write([](InsightStore& s) -> core::Status {
    EDGE_RETURN_IF_ERROR(s.putModel({"", 10, 5000, "prior", "auc 0.9"}));
    EDGE_RETURN_IF_ERROR(s.putModel({"acme", 11, 700, "acme model", ""}));
    EDGE_RETURN_IF_ERROR(s.putModel({"acme", 12, 800, "acme model 2", "auc 0.88"}));
    std::vector<mgmt::insight::Score> acme, globex;
    for (int i = 0; i < 600; ++i) acme.push_back({"a" + std::to_string(i), i % 101, "usage down " + std::to_string(i) + "%", 100});
    globex.push_back({"g1", 99, "two late payments", 100});
    EDGE_RETURN_IF_ERROR(s.putScores("acme", acme));
    return s.putScores("globex", globex);
  });
  db.write([](InsightStore& s) -> core::Status {
    auto m = s.model("acme");
    CHECK_TRUE(m.isOk() && m->has_value());
    CHECK_EQUAL(std::string("acme model 2"), (*m)->model);
    CHECK_EQUAL(800, (*m)->examples);
    CHECK_TRUE(s.model("globex")->has_value() == false);
    CHECK_EQUAL(std::string("prior"), (*s.model(""))->model);
    // Highest first, ties by customer id; only acme's.
    auto top = s.atRisk("acme", 90, 5);
    CHECK_EQUAL(5, static_cast<int>(top->size()));
    CHECK_EQUAL(100, top->at(0).score);
    CHECK_EQUAL(std::string("a100"), top->at(0).customerId);
    CHECK_EQUAL(std::string("a201"), top->at(1).customerId);
    for (const auto& sc : *top) CHECK_TRUE(sc.customerId[0] == 'a');
    CHECK_EQUAL(5 * 5, static_cast<int>(s.atRisk("acme", 96, 1000)->size()));  // scores 96-100, five customers each
    return core::Status::ok();
  });
  // A new score replaces the old one; the purge of acme leaves globex as it was.
  db.write([](InsightStore& s) { return s.putScores("acme", {{"a100", 3, "", 200}}); });
  db.write([](InsightStore& s) -> core::Status {
    auto top = s.atRisk("acme", 100, 10);
    CHECK_EQUAL(4, static_cast<int>(top->size()));  // a100's 100 is now 3
    for (const auto& sc : *top) CHECK_TRUE(sc.customerId != "a100");
    EDGE_RETURN_IF_ERROR(s.putCustomerDays("acme", "a1", 20000, {Day{}}));
    return s.deleteTenant("acme");
  });
  db.write([](InsightStore& s) -> core::Status {
    CHECK_EQUAL(0, static_cast<int>(s.atRisk("acme", 0, 1000)->size()));
    CHECK_FALSE(s.model("acme")->has_value());
    CHECK_FALSE(s.customerHistory("acme", "a1", 0, 1 << 30)->has_value());
    CHECK_EQUAL(1, static_cast<int>(s.atRisk("globex", 0, 10)->size()));
    CHECK_TRUE(s.model("")->has_value());
    return core::Status::ok();
  });
}

TEST(InsightStore, TheServiceTrainsScoresAndBacktestsOnStoredDays) {
  Db db;
  mgmt::insight::GeneratorConfig config;
  config.tenants = 2;
  config.customersPerTenant = 150;
  config.days = 400;
  std::vector<mgmt::insight::Generated> all = mgmt::insight::Generator(config).all();
  db.write([&all](InsightStore& s) -> core::Status {
    for (const auto& g : all)
      EDGE_RETURN_IF_ERROR(s.putCustomerDays(g.history.tenantId, g.history.customerId, g.history.firstDay, g.history.days));
    return core::Status::ok();
  });
  const int32_t today = config.firstDay + config.days;
  mgmt::insight::InsightOptions options;
  options.scoreBatch = 16;  // scores written between the pages of days, several times
  mgmt::insight::InsightService service(*db.storage, options);

  // No model yet: scoring says what to do.
  core::Result<int64_t> early = service.score("tenant-1", today, 1000);
  CHECK_FALSE(early.isOk());
  CHECK_TRUE(early.status().message().find("insight train") != std::string::npos);

  // The backtest on stored days is the backtest on the generator's histories (same windows, same
  // labels from where the days stop), once the histories know no more than the store: a customer's
  // first stored day as the day they joined.
  std::vector<History> known;
  for (const auto& g : all) {
    known.push_back(g.history);
    known.back().joinedDay = g.history.firstDay;
  }
  std::vector<mgmt::insight::Labeled> labeled;
  for (size_t i = 0; i < all.size(); ++i) labeled.push_back({&known[i], all[i].churnDay});
  mgmt::insight::BacktestOptions backtestOptions;
  backtestOptions.cutoff = today - 90;
  const auto direct = mgmt::insight::backtest(labeled, backtestOptions).value();
  const auto stored = service.backtest({"tenant-1", "tenant-2"}, today).value();
  CHECK_EQUAL(direct.overall.customers, stored.overall.customers);
  CHECK_EQUAL(direct.overall.churned, stored.overall.churned);
  DOUBLES_EQUAL(direct.overall.auc, stored.overall.auc, 1e-9);

  core::Result<mgmt::insight::TrainReport> trained = service.train({"tenant-1", "tenant-2"}, today, 1000);
  CHECK_TRUE_TEXT(trained.isOk(), trained.status().toString().c_str());
  CHECK_EQUAL(2, trained->tenants);
  CHECK_TRUE(trained->examples > 300);
  db.write([](InsightStore& s) -> core::Status {
    for (const char* t : {"", "tenant-1", "tenant-2"}) CHECK_TRUE_TEXT(s.model(t)->has_value(), t);
    return core::Status::ok();
  });

  // Scores for every customer active on the last day; the at-risk list is the tenant's own.
  int64_t active1 = 0;
  for (const auto& g : all)
    if (g.history.tenantId == "tenant-1" && g.history.endDay() == today) ++active1;
  core::Result<int64_t> scored = service.score("tenant-1", today, 2000);
  CHECK_TRUE_TEXT(scored.isOk(), scored.status().toString().c_str());
  CHECK_EQUAL(active1, *scored);
  std::vector<mgmt::insight::Score> risk = service.atRisk("tenant-1", 1000).value();
  CHECK_TRUE(!risk.empty());
  for (size_t i = 0; i < risk.size(); ++i) {
    CHECK_TRUE(risk[i].score >= service.options().atRiskScore);
    CHECK_TRUE(i == 0 || risk[i - 1].score >= risk[i].score);
    CHECK_EQUAL(2000, risk[i].scoredAt);
  }
  CHECK_TRUE_TEXT(!risk[0].factors.empty(), risk[0].customerId.c_str());
  // tenant-2 has not been scored: nothing of tenant-1 shows there.
  CHECK_EQUAL(0, static_cast<int>(service.atRisk("tenant-2", 1000)->size()));
  // A tenant without a model of its own scores with the prior.
  db.write([&all](InsightStore& s) -> core::Status {
    const auto& g = all[0].history;
    return s.putCustomerDays("tenant-new", "n1", g.firstDay, g.days);
  });
  CHECK_TRUE(service.score("tenant-new", all[0].history.endDay(), 3000).isOk());

  // Retention keeps 400 days.
  core::Result<int64_t> deleted = service.applyRetention(today + 100);
  CHECK_TRUE(deleted.isOk() && *deleted > 0);
}
