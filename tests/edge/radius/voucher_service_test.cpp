// VoucherService on a temporary edge.db (the radius area's migrations): codes, batches, states,
// revoking with Disconnect for live users, and the exported CSV and HTML.
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "aaa/policy/store.h"
#include "core/clock.h"
#include "core/store.h"
#include "edge/radius/radius_schema.h"
#include "edge/radius/service_helpers.h"
#include "edge/radius/voucher_service.h"
#include "edge/radius/voucher_store.h"

// CppUTest last: its leak detector #defines new.
#include "tests/edge/radius/service_fixture.h"

#include <CppUTest/TestHarness.h>

namespace {

using core::Json;
using edge::VoucherService;

// Built before main(), so that CppUTest's per-test leak check does not see it.
const char* const kAlphabetWarm = VoucherService::alphabet();

}  // namespace

TEST_GROUP(Vouchers) {
  std::string dir;
  std::unique_ptr<core::Writer> writer;
  std::unique_ptr<core::Database> reader;
  std::unique_ptr<aaa::policy::SnapshotHolder> snapshots;
  std::unique_ptr<core::ManualClock> clock;
  std::unique_ptr<VoucherService> service;
  std::unique_ptr<core::command::Table> table;
  std::map<std::string, size_t> online;
  std::vector<std::string> disconnected;
  std::optional<std::string> capRefusal;
  std::vector<size_t> capAsked;

  void setup() override {
    edge::test::openTempEdgeDb("edge-voucher-test", dir, writer, reader);
    clock = std::make_unique<core::ManualClock>();
    addPlan("day", 7200);
    addPlan("open", 0);  // no validity, no quota
    addPlan("vip <\"gold\">, east", 3600);
    snapshots = std::make_unique<aaa::policy::SnapshotHolder>();
    reloadSnapshot();
    makeService("Cafe <Bar> & Grill");
  }

  void teardown() override {
    table.reset();
    service.reset();
    snapshots.reset();
    reader.reset();
    writer.reset();
    clock.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  void makeService(const std::string& tenant) {
    service = std::make_unique<VoucherService>(VoucherService::Deps{
        *writer, *reader, *snapshots, *clock, tenant,
        [this](std::string_view u) {
          auto it = online.find(std::string(u));
          return it == online.end() ? size_t{0} : it->second;
        },
        [this](const std::string& u) { disconnected.push_back(u); },
        [this](size_t adding) -> std::optional<std::string> {
          capAsked.push_back(adding);
          return capRefusal;
        },
        [] { return false; }});
    table = edge::test::edgedCommandTable();
    service->registerCommands(*table);  // as RadiusService has it do
  }

  void addPlan(const std::string& name, uint64_t validity) {
    aaa::policy::Plan p;
    p.name = name;
    p.downBps = 4000000;
    p.upBps = 1000000;
    p.billing.validitySeconds = validity;
    edge::test::insertPlan(*writer, p, clock->unixSeconds());
  }

  void reloadSnapshot() { edge::test::reloadSnapshot(*reader, *snapshots); }

  // Through edged's command table, as the daemon runs them (the specs check names and ranges first).
  core::ControlReply generate(const Json& args) {
    return table->call(core::command::Caller::root(), "voucher-generate", args);
  }
  core::ControlReply list(const Json& args) { return table->call(core::command::Caller::root(), "voucher-list", args); }

  std::vector<std::string> codesOf(const core::ControlReply& r) {
    std::vector<std::string> out;
    for (const Json& c : r.arguments.at("codes")) out.push_back(c.get<std::string>());
    return out;
  }

  size_t rowsOf(const std::string& batch) {
    auto rows = edge::loadVouchers(*reader, batch, "");
    CHECK(rows.isOk());
    return rows->size();
  }

  std::map<std::string, std::string> statesOf(const std::string& batch) {
    core::ControlReply r = list(Json{{"batch", batch}});
    CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
    std::map<std::string, std::string> out;
    for (const Json& v : r.arguments) out[v.at("code").get<std::string>()] = v.at("state").get<std::string>();
    return out;
  }

  void setFirstLogin(const std::string& code, int64_t at) {
    auto snap = snapshots->current();
    const aaa::policy::Subscriber* s = snap->findSubscriber(code);
    CHECK(s != nullptr);
    auto updated = std::make_shared<aaa::policy::Subscriber>(*s);
    updated->firstLogin = at;
    snapshots->publishSubscriberChanges({{code, updated}});
  }
};

TEST(Vouchers, GeneratesCountCodesOfTwelveSymbolsWithoutLookAlikes) {
  core::ControlReply r = generate(Json{{"plan", "day"}, {"count", 40}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  std::vector<std::string> codes = codesOf(r);
  LONGS_EQUAL(40, codes.size());
  LONGS_EQUAL(40, r.arguments.at("count").get<size_t>());
  STRCMP_EQUAL("2h", r.arguments.at("valid-for").get<std::string>().c_str());  // the plan's validity
  STRCMP_EQUAL("free", r.arguments.at("price").get<std::string>().c_str());
  std::string batch = r.arguments.at("batch").get<std::string>();
  // Default batch name: the plan and the local time, day-YYYYMMDD-HHMMSS.
  STRCMP_EQUAL("day-", batch.substr(0, 4).c_str());
  LONGS_EQUAL(19, batch.size());
  STRCMP_CONTAINS(("40 vouchers in batch '" + batch + "'").c_str(), r.text.c_str());
  const std::string alphabet = VoucherService::alphabet();
  LONGS_EQUAL(31, alphabet.size());
  for (char bad : std::string("0O1IL")) CHECK(alphabet.find(bad) == std::string::npos);
  std::set<std::string> unique(codes.begin(), codes.end());
  LONGS_EQUAL(40, unique.size());
  auto snap = snapshots->current();
  for (const std::string& c : codes) {
    LONGS_EQUAL(12, c.size());
    for (char ch : c) CHECK_TEXT(alphabet.find(ch) != std::string::npos, c.c_str());
    // Each code is a subscriber of the plan, in the snapshot at once and in the database.
    const aaa::policy::Subscriber* s = snap->findSubscriber(c);
    CHECK_TEXT(s != nullptr, c.c_str());
    CHECK(s->voucherBatch != 0);
    LONGS_EQUAL(snap->findPlanByName("day")->id, s->planId);
    CHECK(s->ntHash.has_value());  // its password is the code
    CHECK(s->cleartext.empty());   // CHAP off: no cleartext kept
  }
  LONGS_EQUAL(40, rowsOf(batch));
  LONGS_EQUAL(1, capAsked.size());
  LONGS_EQUAL(40, capAsked[0]);
}

TEST(Vouchers, PrefixValidForAndPrice) {
  core::ControlReply r = generate(Json{{"plan", "open"}, {"count", "3"}, {"prefix", "GUEST-"}, {"valid-for", "1d"},
                                       {"price", "2.50"}, {"currency", "USD"}, {"batch", "lobby"}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("lobby", r.arguments.at("batch").get<std::string>().c_str());
  STRCMP_EQUAL("1d", r.arguments.at("valid-for").get<std::string>().c_str());
  STRCMP_EQUAL("2.50 USD", r.arguments.at("price").get<std::string>().c_str());
  for (const std::string& c : codesOf(r)) {
    LONGS_EQUAL(18, c.size());
    STRCMP_EQUAL("GUEST-", c.substr(0, 6).c_str());
    LONGS_EQUAL(86400, snapshots->current()->findSubscriber(c)->validitySeconds);
  }
}

TEST(Vouchers, RefusesBadArgumentsAndWritesNothing) {
  struct Case {
    Json args;
    const char* text;
  };
  std::vector<Case> cases = {
      {Json{{"plan", "nope"}, {"count", 1}}, "plan: no plan named 'nope' (see plan list)"},
      {Json{{"plan", "day"}}, "count is required (1 to 10000)"},
      {Json{{"plan", "day"}, {"count", 0}}, "count: 0 is out of range 1..10000"},
      {Json{{"plan", "day"}, {"count", 1}, {"prefix", "a b"}}, "prefix: 'a b' may hold only letters, digits and '-'"},
      {Json{{"plan", "day"}, {"count", 1}, {"prefix", "ABCDEFGHIJKLMNOPQ"}}, "prefix: at most 16 characters"},
      {Json{{"plan", "open"}, {"count", 1}},
       "valid-for: plan 'open' has no validity or quota, so these vouchers would never run out; give --valid-for 1d"},
      {Json{{"plan", "day"}, {"count", 1}, {"price", "1.00"}}, "price: give the currency too (--currency USD)"},
      {Json{{"plan", "day"}, {"count", 1}, {"colour", "red"}}, nullptr},
  };
  for (const Case& c : cases) {
    core::ControlReply r = generate(c.args);
    CHECK_FALSE_TEXT(r.ok(), c.args.dump().c_str());
    LONGS_EQUAL(static_cast<int>(core::Code::kInvalidArgument), static_cast<int>(r.code));
    if (c.text != nullptr) STRCMP_EQUAL(c.text, r.text.c_str());
  }
  LONGS_EQUAL(0, rowsOf(""));
  LONGS_EQUAL(0, snapshots->current()->subscriberCount());
}

TEST(Vouchers, ATakenBatchNameIsAConflictAndAddsNoCodes) {
  CHECK(generate(Json{{"plan", "day"}, {"count", 2}, {"batch", "lobby"}}).ok());
  core::ControlReply again = generate(Json{{"plan", "day"}, {"count", 5}, {"batch", "lobby"}});
  CHECK_FALSE(again.ok());
  LONGS_EQUAL(static_cast<int>(core::Code::kAlreadyExists), static_cast<int>(again.code));
  STRCMP_EQUAL("batch: a voucher batch named 'lobby' exists; give another --batch", again.text.c_str());
  // The whole batch or nothing: neither the table nor the snapshot got the 5 codes.
  LONGS_EQUAL(2, rowsOf(""));
  LONGS_EQUAL(2, snapshots->current()->subscriberCount());
}

TEST(Vouchers, TheSubscriberCapRefusesABatch) {
  capRefusal = "the license allows 10 subscribers";
  core::ControlReply r = generate(Json{{"plan", "day"}, {"count", 7}});
  CHECK_FALSE(r.ok());
  STRCMP_EQUAL("the license allows 10 subscribers", r.text.c_str());
  LONGS_EQUAL(7, capAsked.at(0));
  LONGS_EQUAL(0, rowsOf(""));
}

TEST(Vouchers, ListsByState) {
  std::vector<std::string> codes = codesOf(generate(Json{{"plan", "day"}, {"count", 4}, {"batch", "b"}}));
  CHECK(generate(Json{{"plan", "day"}, {"count", 2}, {"batch", "other"}}).ok());
  int64_t now = clock->unixSeconds();
  setFirstLogin(codes[0], now - 600);       // within its 2h: active
  setFirstLogin(codes[1], now - 3 * 3600);  // 2h are over: expired
  CHECK(service->revoke(Json{{"code", codes[2]}}).ok());
  std::map<std::string, std::string> states = statesOf("b");
  LONGS_EQUAL(4, states.size());
  STRCMP_EQUAL("active", states[codes[0]].c_str());
  STRCMP_EQUAL("expired", states[codes[1]].c_str());
  STRCMP_EQUAL("revoked", states[codes[2]].c_str());
  STRCMP_EQUAL("unused", states[codes[3]].c_str());

  core::ControlReply unused = list(Json{{"state", "unused"}});
  CHECK(unused.ok());
  LONGS_EQUAL(3, unused.arguments.size());  // codes[3] and the other batch's two
  STRCMP_EQUAL("3 vouchers", unused.text.c_str());
  core::ControlReply active = list(Json{{"batch", "b"}, {"state", "active"}});
  LONGS_EQUAL(1, active.arguments.size());
  const Json& a = active.arguments[0];
  STRCMP_EQUAL(codes[0].c_str(), a.at("code").get<std::string>().c_str());
  STRCMP_EQUAL(edge::isoOrEmpty(now - 600 + 7200).c_str(), a.at("valid-until").get<std::string>().c_str());
  LONGS_EQUAL(2, list(Json{{"limit", 2}}).arguments.size());

  core::ControlReply bad = list(Json{{"state", "sold"}});
  CHECK_FALSE(bad.ok());
  STRCMP_EQUAL("state: 'sold' is not one of: unused, active, expired, revoked", bad.text.c_str());
  core::ControlReply missing = list(Json{{"batch", "nope"}});
  LONGS_EQUAL(static_cast<int>(core::Code::kNotFound), static_cast<int>(missing.code));
  STRCMP_EQUAL("no voucher batch 'nope'", missing.text.c_str());
}

TEST(Vouchers, RevokeByCodeDisconnectsALiveUser) {
  std::vector<std::string> codes = codesOf(generate(Json{{"plan", "day"}, {"count", 2}}));
  online[codes[0]] = 1;
  core::ControlReply r = service->revoke(Json{{"code", codes[0]}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("1 voucher(s) revoked", r.text.c_str());
  LONGS_EQUAL(1, disconnected.size());
  STRCMP_EQUAL(codes[0].c_str(), disconnected[0].c_str());
  CHECK(snapshots->current()->findSubscriber(codes[0])->status == aaa::policy::SubscriberStatus::kDisabled);
  CHECK(snapshots->current()->findSubscriber(codes[1])->status == aaa::policy::SubscriberStatus::kActive);
  auto row = edge::loadVouchers(*reader, "", codes[0]);
  CHECK(row.isOk());
  STRCMP_EQUAL("disabled", row->at(0).status.c_str());  // written, not only published

  core::ControlReply again = service->revoke(Json{{"code", codes[0]}});
  STRCMP_EQUAL("0 voucher(s) revoked (the others were revoked already)", again.text.c_str());
  LONGS_EQUAL(1, disconnected.size());

  core::ControlReply unknown = service->revoke(Json{{"code", "NOPE"}});
  CHECK_FALSE(unknown.ok());
  STRCMP_EQUAL("no voucher 'NOPE'", unknown.text.c_str());
  STRCMP_EQUAL("give either --code or --batch", service->revoke(Json::object()).text.c_str());
  STRCMP_EQUAL("give either --code or --batch",
               service->revoke(Json{{"code", codes[1]}, {"batch", "x"}}).text.c_str());
}

TEST(Vouchers, RevokeByBatchDisconnectsOnlyItsLiveUsers) {
  std::vector<std::string> lobby = codesOf(generate(Json{{"plan", "day"}, {"count", 3}, {"batch", "lobby"}}));
  std::vector<std::string> pool = codesOf(generate(Json{{"plan", "day"}, {"count", 2}, {"batch", "pool"}}));
  online[lobby[0]] = 2;
  online[lobby[2]] = 1;
  online[pool[0]] = 1;
  core::ControlReply r = service->revoke(Json{{"batch", "lobby"}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("3 voucher(s) revoked", r.text.c_str());
  std::set<std::string> got(disconnected.begin(), disconnected.end());
  LONGS_EQUAL(2, disconnected.size());
  CHECK(got.count(lobby[0]) == 1 && got.count(lobby[2]) == 1);
  for (const auto& [code, state] : statesOf("lobby")) STRCMP_EQUAL("revoked", state.c_str());
  for (const auto& [code, state] : statesOf("pool")) STRCMP_EQUAL("unused", state.c_str());
  core::ControlReply none = service->revoke(Json{{"batch", "nope"}});
  STRCMP_EQUAL("no voucher batch 'nope'", none.text.c_str());
}

TEST(Vouchers, ExportsCsvWithQuotedFields) {
  std::string batch = "lobby, \"east\"";
  std::vector<std::string> codes = codesOf(generate(
      Json{{"plan", "vip <\"gold\">, east"}, {"count", 2}, {"batch", batch}, {"price", "3"}, {"currency", "EUR"}}));
  core::ControlReply r = service->exportBatch(Json{{"batch", batch}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  STRCMP_EQUAL("csv", r.arguments.at("format").get<std::string>().c_str());
  LONGS_EQUAL(2, r.arguments.at("count").get<size_t>());
  std::string expected = "code,username,password,batch,plan,valid_for,price\n";
  for (const std::string& c : codes)
    expected += c + "," + c + "," + c + ",\"lobby, \"\"east\"\"\",\"vip <\"\"gold\"\">, east\",1h,3.00 EUR\n";
  STRCMP_EQUAL(expected.c_str(), r.arguments.at("content").get<std::string>().c_str());
  STRCMP_EQUAL(("2 vouchers of batch '" + batch + "' as csv").c_str(), r.text.c_str());
}

TEST(Vouchers, ExportsAnHtmlSheetEscaped) {
  std::vector<std::string> codes =
      codesOf(generate(Json{{"plan", "vip <\"gold\">, east"}, {"count", 3}, {"batch", "<b>night</b>"}}));
  core::ControlReply r = service->exportBatch(Json{{"batch", "<b>night</b>"}, {"format", "html"}});
  CHECK_TRUE_TEXT(r.ok(), r.text.c_str());
  std::string html = r.arguments.at("content").get<std::string>();
  STRCMP_CONTAINS("<title>Vouchers &lt;b&gt;night&lt;/b&gt;</title>", html.c_str());
  STRCMP_CONTAINS("<div class=\"tenant\">Cafe &lt;Bar&gt; &amp; Grill</div>", html.c_str());
  CHECK(html.find("<b>night") == std::string::npos);
  CHECK(html.find("Cafe <Bar>") == std::string::npos);
  CHECK(html.find("vip <") == std::string::npos);
  STRCMP_CONTAINS("Plan: vip &lt;", html.c_str());
  size_t cards = 0;
  for (size_t at = html.find("class=\"card\""); at != std::string::npos; at = html.find("class=\"card\"", at + 1)) ++cards;
  LONGS_EQUAL(3, cards);
  for (const std::string& c : codes) STRCMP_CONTAINS(("<div class=\"code\">" + c + "</div>").c_str(), html.c_str());
  STRCMP_CONTAINS("Valid for: 1h from first use", html.c_str());

  core::ControlReply pdf = service->exportBatch(Json{{"batch", "<b>night</b>"}, {"format", "pdf"}});
  STRCMP_EQUAL("format: 'pdf' is not one of: csv, html", pdf.text.c_str());
  core::ControlReply missing = service->exportBatch(Json{{"batch", "nope"}});
  LONGS_EQUAL(static_cast<int>(core::Code::kNotFound), static_cast<int>(missing.code));
  CHECK_FALSE(service->exportBatch(Json::object()).ok());  // --batch is required
}
