// Revenue reports (billing-revenue: MRR, paying customers, ARPU, churned revenue; revenue.h) through
// the command table, on the storage of this run (SQLite, or PostgreSQL for mgmt_billing_tests_pg):
// random histories of subscriptions (periods, trials, discounts, plan changes, cancellations) made
// with the real commands, checked cent-exact against a simple reference kept by the test from what it
// asked; the CSV; payments listed and shown; a tenant reads only its own reports and payments.
#include <algorithm>
#include <random>
#include <vector>

#include "billing/invoicing/calendar.h"
#include "billing/rating/rules.h"
#include "tests/mgmt/support/mgmt_fixture.h"  // last: it ends with CppUTest's headers

using core::Json;
using mgmt::testing::Fixture;

namespace {

// What the test asked for one subscription: the reference's whole input.
struct RevenueRefSub {
  std::string user;
  int64_t start = 0, months = 1, anchor = 1, trialDays = 0, discountBp = 0, discountPeriods = 0, end = 0;
  std::vector<std::pair<int64_t, int64_t>> prices;  // (from day, price per period)
};

int64_t revenueRefDay(const std::string& text) { return *::billing::parseDay(text, "day"); }

// The monthly value on `day` in 1/120000 minor units, written out plainly.
__int128 revenueRefValue(const RevenueRefSub& s, int64_t day) {
  if (day < s.start || (s.end != 0 && day >= s.end)) return 0;
  int64_t price = 0;
  for (const auto& [from, p] : s.prices)
    if (from <= day) price = p;
  int64_t factor = 10000;
  if (day < s.start + s.trialDays) {
    factor = 0;
  } else if (s.discountBp > 0 && s.discountPeriods > 0) {
    // The discount runs for its periods from the period the trial ends in (periods from the calendar
    // library, tested on its own in tests/billing/invoicing).
    const ::billing::PeriodRule rule{s.start, static_cast<unsigned>(s.anchor), static_cast<unsigned>(s.months)};
    const int64_t until = ::billing::periodAfter(rule, ::billing::periodContaining(rule, s.start + s.trialDays), s.discountPeriods).start;
    if (day < until) factor = 10000 - s.discountBp;
  }
  return static_cast<__int128>(price) * factor * 12 / s.months;
}

int64_t revenueRefRound(__int128 n, __int128 d) { return d == 0 ? 0 : static_cast<int64_t>((2 * n + d) / (2 * d)); }

struct RevenueRefMonth {
  std::string month;
  int64_t mrr = 0, customers = 0, arpu = 0, churned = 0, churnedSubs = 0;
};

// Months by counting: the last `n` months up to `day`'s, each closing on its last day (or on `day`).
std::vector<RevenueRefMonth> revenueReference(const std::vector<RevenueRefSub>& subs, int64_t day, int n) {
  int64_t y;
  unsigned m, d;
  ::billing::civilFromDays(day, y, m, d);
  std::vector<RevenueRefMonth> out;
  for (int back = n - 1; back >= 0; --back) {
    int64_t yy = y, mm = static_cast<int64_t>(m) - back;
    while (mm < 1) mm += 12, --yy;
    const int64_t first = ::billing::daysFromCivil(yy, static_cast<unsigned>(mm), 1);
    const int64_t close = back == 0 ? day : first + ::billing::monthLength(yy, static_cast<unsigned>(mm)) - 1;
    char label[32];
    std::snprintf(label, sizeof label, "%04lld-%02lld", static_cast<long long>(yy), static_cast<long long>(mm));
    RevenueRefMonth r;
    r.month = label;
    __int128 mrr = 0, churned = 0;
    std::vector<std::string> paying;
    for (const RevenueRefSub& s : subs) {
      const __int128 v = revenueRefValue(s, close);
      mrr += v;
      if (v > 0 && std::find(paying.begin(), paying.end(), s.user) == paying.end()) paying.push_back(s.user);
      const __int128 before = revenueRefValue(s, first - 1);
      if (before > 0 && revenueRefValue(s, close) == 0 && s.end != 0 && s.end <= close) {
        churned += before;
        ++r.churnedSubs;
      }
    }
    r.mrr = revenueRefRound(mrr, 120000);
    r.customers = static_cast<int64_t>(paying.size());
    r.arpu = revenueRefRound(mrr, static_cast<__int128>(120000) * r.customers);
    r.churned = revenueRefRound(churned, 120000);
    out.push_back(r);
  }
  return out;
}

struct RevenueBooks {
  Fixture f;
  std::string tenantId;
  explicit RevenueBooks(const char* name = "acme") : tenantName(name) {
    tenantId = f.tenant(name, "enterprise");
    must("billing-setup", {{"currency", "USD"}});
  }
  std::string tenantName;
  core::ControlReply call(const std::string& command, Json args) {
    if (!args.contains("tenant")) args["tenant"] = tenantName;
    return f.call(command, args);
  }
  core::ControlReply must(const std::string& command, Json args) {
    core::ControlReply r = call(command, std::move(args));
    if (!r.ok()) FAIL((command + ": " + r.text).c_str());
    return r;
  }
};

}  // namespace

TEST_GROUP(Revenue){};

TEST(Revenue, RandomHistoriesMatchASimpleReferenceToTheCent) {
  const std::vector<std::pair<std::string, int64_t>> plans{{"r-basic", 1999}, {"r-plus", 3743}, {"r-max", 12107}};
  const int64_t reportDay = revenueRefDay("2026-11-15");
  int64_t churnSeen = 0, discountSeen = 0, trialSeen = 0, quarterSeen = 0;
  for (unsigned seed = 1; seed <= 3; ++seed) {
    RevenueBooks b;
    for (const auto& [name, price] : plans)
      b.must("plan-add", {{"name", name}, {"down", "10M"}, {"up", "5M"}, {"price", ::billing::formatMoney(price, "")},
                          {"currency", "USD"}});
    std::mt19937 rng(seed);
    auto pick = [&rng](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
    // Now and then the first of the month after `d` (a boundary: the day after a close).
    auto edge = [&](int64_t d) {
      if (pick(0, 9) >= 3) return d;
      int64_t y;
      unsigned m, dd;
      ::billing::civilFromDays(d, y, m, dd);
      return m == 12 ? ::billing::daysFromCivil(y + 1, 1, 1) : ::billing::daysFromCivil(y, m + 1, 1);
    };
    std::vector<RevenueRefSub> subs;
    for (int c = 0; c < 9; ++c) {
      const std::string user = "cust" + std::to_string(c);
      b.must("subscriber-add", {{"username", user}, {"password", "secret-" + user}, {"plan", "r-basic"}});
      for (int k = 0, n = static_cast<int>(pick(1, 2)); k < n; ++k) {
        RevenueRefSub s;
        s.user = user;
        s.start = edge(pick(revenueRefDay("2024-10-20"), revenueRefDay("2026-10-10")));
        const int64_t period = pick(0, 8);
        s.months = period < 6 ? 1 : period < 8 ? 3 : 12;
        s.anchor = pick(1, 28);
        size_t plan = static_cast<size_t>(pick(0, 2));
        Json args{{"username", user}, {"plan", plans[plan].first}, {"start", ::billing::formatDay(s.start)},
                  {"period", s.months == 1 ? "month" : s.months == 3 ? "quarter" : "year"}, {"anchor-day", s.anchor}};
        if (pick(0, 9) < 3) s.trialDays = pick(1, 40), args["trial-days"] = s.trialDays;
        if (pick(0, 9) < 3) {
          s.discountBp = pick(5, 50) * 100;
          s.discountPeriods = pick(1, 3);
          args["discount"] = std::to_string(s.discountBp / 100);
          args["discount-periods"] = s.discountPeriods;
        }
        s.prices.push_back({s.start, plans[plan].second});
        const std::string id = b.must("subscription-add", args).arguments["id"].get<std::string>();
        int64_t last = s.start;
        for (int ch = 0, changes = static_cast<int>(pick(0, 2)); ch < changes; ++ch) {
          const int64_t at = edge(last + pick(1, 200));
          if (at >= reportDay) break;
          plan = (plan + static_cast<size_t>(pick(1, 2))) % plans.size();
          b.must("subscription-change", {{"subscription", id}, {"plan", plans[plan].first}, {"date", ::billing::formatDay(at)}});
          s.prices.push_back({at, plans[plan].second});
          last = at;
        }
        if (pick(0, 9) < 4) {
          const int64_t at = edge(last + pick(1, 240));
          if (at < reportDay + 20) {
            b.must("subscription-cancel", {{"subscription", id}, {"date", ::billing::formatDay(at)}});
            s.end = at;
          }
        }
        if (s.discountBp > 0) ++discountSeen;
        if (s.trialDays > 0) ++trialSeen;
        if (s.months > 1) ++quarterSeen;
        subs.push_back(s);
      }
    }
    const std::vector<RevenueRefMonth> want = revenueReference(subs, reportDay, 24);
    Json got = b.must("billing-revenue", {{"date", "2026-11-15"}, {"months", 24}}).arguments;
    CHECK_EQUAL("USD", got["currency"].get<std::string>());
    CHECK_EQUAL(want.size(), got["months"].size());
    for (size_t i = 0; i < want.size(); ++i) {
      const Json& m = got["months"][i];
      const std::string where = "seed " + std::to_string(seed) + " " + want[i].month;
      CHECK_EQUAL_TEXT(want[i].month, m["month"].get<std::string>(), where.c_str());
      CHECK_EQUAL_TEXT(want[i].mrr, m["mrr-minor"].get<int64_t>(), where.c_str());
      CHECK_EQUAL_TEXT(want[i].customers, m["paying-customers"].get<int64_t>(), where.c_str());
      CHECK_EQUAL_TEXT(want[i].arpu, m["arpu-minor"].get<int64_t>(), where.c_str());
      CHECK_EQUAL_TEXT(want[i].churned, m["churned-minor"].get<int64_t>(), where.c_str());
      CHECK_EQUAL_TEXT(want[i].churnedSubs, m["churned-subscriptions"].get<int64_t>(), where.c_str());
      churnSeen += want[i].churnedSubs;
    }
    CHECK(want.back().mrr > 0);
    // The CSV: the same months, one line each after the header.
    Json csv = b.must("billing-revenue", {{"date", "2026-11-15"}, {"months", 24}, {"format", "csv"}}).arguments;
    const std::string text = csv["csv"].get<std::string>();
    CHECK_EQUAL(0u, text.find("month,close,mrr,paying-customers,arpu,churned,churned-subscriptions\r\n"));
    CHECK_EQUAL(25, std::count(text.begin(), text.end(), '\n'));
    const std::string lastLine = want.back().month + ",2026-11-15," + ::billing::formatMoney(want.back().mrr, "") + "," +
                                 std::to_string(want.back().customers) + "," + ::billing::formatMoney(want.back().arpu, "") + ",";
    CHECK_TEXT(text.find("\r\n" + lastLine) != std::string::npos, lastLine.c_str());
  }
  // The histories reached every rule the reference knows.
  CHECK(churnSeen > 0);
  CHECK(discountSeen > 0);
  CHECK(trialSeen > 0);
  CHECK(quarterSeen > 0);
}

TEST(Revenue, AWorkedExampleInWords) {
  RevenueBooks b;
  b.must("plan-add", {{"name", "home"}, {"down", "10M"}, {"up", "5M"}, {"price", "30.00"}, {"currency", "USD"}});
  b.must("plan-add", {{"name", "biz"}, {"down", "50M"}, {"up", "10M"}, {"price", "100.00"}, {"currency", "USD"}});
  for (const char* u : {"ann", "ben", "cat", "dan"})
    b.must("subscriber-add", {{"username", u}, {"password", std::string("secret-") + u}, {"plan", "home"}});
  // ann: home monthly from 15 January, cancelled from 10 April (last day served 9 April).
  const std::string ann = b.must("subscription-add", {{"username", "ann"}, {"plan", "home"}, {"start", "2026-01-15"}})
                              .arguments["id"].get<std::string>();
  b.must("subscription-cancel", {{"subscription", ann}, {"date", "2026-04-10"}});
  // ben: biz quarterly (100.00 a quarter: 33.333... a month) from 1 February, 10 days of trial.
  b.must("subscription-add", {{"username", "ben"}, {"plan", "biz"}, {"period", "quarter"}, {"start", "2026-02-01"},
                              {"trial-days", 10}});
  // cat: home yearly (30.00 a year: 2.50 a month) from 28 February.
  b.must("subscription-add", {{"username", "cat"}, {"plan", "home"}, {"period", "year"}, {"start", "2026-02-28"}});
  // dan: home monthly from 1 February, cancelled from 1 May: last day served 30 April, so in April's
  // MRR and churned in May.
  const std::string dan = b.must("subscription-add", {{"username", "dan"}, {"plan", "home"}, {"start", "2026-02-01"}})
                              .arguments["id"].get<std::string>();
  b.must("subscription-cancel", {{"subscription", dan}, {"date", "2026-05-01"}});
  Json months = b.must("billing-revenue", {{"date", "2026-05-20"}, {"months", 5}}).arguments["months"];
  auto at = [&](size_t i, const char* key) { return months[i][key].get<int64_t>(); };
  // January closes on the 31st: ann only.
  CHECK_EQUAL("2026-01", months[0]["month"].get<std::string>());
  CHECK_EQUAL(3000, at(0, "mrr-minor"));
  CHECK_EQUAL(1, at(0, "paying-customers"));
  // February: ann 30.00 + ben 33.333... + cat 2.50 + dan 30.00 = 95.8333... -> 95.83, over 4: 23.958... -> 23.96.
  CHECK_EQUAL(9583, at(1, "mrr-minor"));
  CHECK_EQUAL(4, at(1, "paying-customers"));
  CHECK_EQUAL(2396, at(1, "arpu-minor"));
  CHECK_EQUAL(0, at(1, "churned-minor"));
  // April: ann ended on the 10th: 30.00 churned; 65.8333... left for 3 customers (dan still served on the 30th).
  CHECK_EQUAL(6583, at(3, "mrr-minor"));
  CHECK_EQUAL(3000, at(3, "churned-minor"));
  CHECK_EQUAL(1, at(3, "churned-subscriptions"));
  CHECK_EQUAL(3, at(3, "paying-customers"));
  CHECK_EQUAL(2194, at(3, "arpu-minor"));
  // May closes on the report's day; dan's 30.00 (on 30 April) churned in May.
  CHECK_EQUAL("2026-05-20", months[4]["close"].get<std::string>());
  CHECK_EQUAL(3583, at(4, "mrr-minor"));
  CHECK_EQUAL(3000, at(4, "churned-minor"));
  CHECK_EQUAL(1, at(4, "churned-subscriptions"));
  // Refusals name their argument.
  core::ControlReply r = b.call("billing-revenue", {{"months", 0}});
  CHECK(r.code == core::Code::kInvalidArgument);
  r = b.call("billing-revenue", {{"format", "xml"}});
  CHECK(r.code == core::Code::kInvalidArgument);
  CHECK(r.text.find("format") != std::string::npos);
  r = b.call("billing-revenue", {{"date", "2026-02-30"}});
  CHECK(r.text.find("date") != std::string::npos);
}

TEST(Revenue, ATenantReadsOnlyItsOwnReportsAndPayments) {
  RevenueBooks b;
  b.must("plan-add", {{"name", "home"}, {"down", "10M"}, {"up", "5M"}, {"price", "30.00"}, {"currency", "USD"}});
  b.must("subscriber-add", {{"username", "ann"}, {"password", "secret-ann"}, {"plan", "home"}});
  b.must("subscription-add", {{"username", "ann"}, {"plan", "home"}, {"start", "2026-01-01"}});
  b.must("billing-run", {{"date", "2026-01-01"}, {"finalize", true}});
  const Json paid = b.must("payment-add", {{"username", "ann"}, {"amount", "40.00"}, {"date", "2026-01-05"}}).arguments;
  // The payment: listed, shown with the invoice it paid; not online, so nothing to refund online.
  Json list = b.must("payment-list", Json::object()).arguments;
  CHECK_EQUAL(1u, list.size());
  CHECK_EQUAL(paid["id"].get<std::string>(), list[0]["id"].get<std::string>());
  Json shown = b.must("payment-show", {{"payment", paid["id"]}}).arguments;
  CHECK_EQUAL(4000, shown["amount-minor"].get<int64_t>());
  CHECK_EQUAL(0, shown["refundable-minor"].get<int64_t>());
  CHECK_FALSE(shown["online"].get<bool>());
  CHECK_EQUAL(1u, shown["invoices"].size());
  CHECK_EQUAL(3000, shown["invoices"][0]["paid-minor"].get<int64_t>());
  // Another tenant's people: not found for every report and for the payment, whatever they name.
  const std::string other = b.f.tenant("other", "basic");
  const mgmt::tenancy::Caller them{other};
  for (const char* cmd : {"billing-revenue", "billing-aging", "payment-list"}) {
    core::ControlReply r = b.f.call(cmd, Json{{"tenant", "acme"}}, them);
    CHECK_TEXT(r.code == core::Code::kNotFound, cmd);
  }
  CHECK(b.f.call("billing-tax-report", Json{{"tenant", "acme"}, {"from", "2026-01-01"}, {"to", "2026-02-01"}}, them).code ==
        core::Code::kNotFound);
  CHECK(b.f.call("payment-show", Json{{"tenant", "acme"}, {"payment", paid["id"]}}, them).code == core::Code::kNotFound);
  // Its own tenant has no billing: told how to set it up, never acme's figures.
  core::ControlReply own = b.f.call("billing-revenue", Json::object(), them);
  CHECK(own.code == core::Code::kFailedPrecondition);
  CHECK(own.text.find("billing-setup") != std::string::npos);
  CHECK(b.f.call("billing-setup", Json{{"currency", "EUR"}}, them).ok());
  CHECK(b.f.call("payment-show", Json{{"payment", paid["id"]}}, them).code == core::Code::kNotFound);
  CHECK_EQUAL(0u, b.f.call("payment-list", Json::object(), them).arguments.size());
  // A read-only person reads the reports; refunds are billing staff's.
  auto as = [&](const char* role, const std::string& command, Json args) {
    args["tenant"] = "acme";
    return b.f.table->call(core::command::Caller{role, b.tenantId, "test"}, command, args);
  };
  CHECK(as("tenant-read-only", "billing-revenue", Json::object()).ok());
  CHECK(as("tenant-read-only", "payment-show", Json{{"payment", paid["id"]}}).ok());
  CHECK(as("tenant-read-only", "refund-create", Json{{"payment", paid["id"]}, {"key", "k1"}}).code ==
        core::Code::kPermissionDenied);
}
