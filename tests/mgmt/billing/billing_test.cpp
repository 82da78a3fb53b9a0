// Billing through the command table, on the storage of this run (SQLite, or PostgreSQL for
// mgmt_billing_tests_pg): runs are idempotent by (subscription, period), numbers are gapless,
// proration and phases are cent-exact, payments apply once per key, credit notes reverse, the books
// verify, and a tenant sees only its own billing.
#include <thread>
#include <vector>

#include "mgmt/billing/billing_service.h"
#include "tests/mgmt/support/mgmt_fixture.h"  // last: it ends with CppUTest's headers

using core::Json;
using mgmt::tenancy::Caller;
using mgmt::testing::Fixture;

namespace {


// A tenant billing in USD with plans basic (30.00) and premium (62.00) a month, and customers.
struct Books {
  Fixture f;
  std::string tenantId;

  explicit Books(const std::vector<std::string>& customers = {"alice", "bob"}) {
    tenantId = f.tenant("acme", "basic");
    must("billing-setup", {{"tenant", "acme"}, {"currency", "USD"}});
    must("plan-add", {{"tenant", "acme"}, {"name", "basic"}, {"down", "10M"}, {"up", "5M"}, {"price", "30.00"},
                      {"currency", "USD"}});
    must("plan-add", {{"tenant", "acme"}, {"name", "premium"}, {"down", "50M"}, {"up", "10M"}, {"price", "62.00"},
                      {"currency", "USD"}});
    for (const std::string& c : customers)
      must("subscriber-add", {{"tenant", "acme"}, {"username", c}, {"password", "secret-" + c}, {"plan", "basic"}});
  }

  core::ControlReply call(const std::string& command, Json args) {
    if (!args.contains("tenant")) args["tenant"] = "acme";
    return f.call(command, args);
  }
  core::ControlReply must(const std::string& command, Json args) {
    core::ControlReply r = call(command, std::move(args));
    if (!r.ok()) FAIL((command + ": " + r.text).c_str());
    return r;
  }
  std::string subscribe(const std::string& user, Json more) {
    more["username"] = user;
    if (!more.contains("plan")) more["plan"] = "basic";
    return must("subscription-add", more).arguments["id"].get<std::string>();
  }
  Json invoices(const std::string& user = "", const std::string& status = "") {
    Json args{{"limit", 1000}};
    if (!user.empty()) args["username"] = user;
    if (!status.empty()) args["status"] = status;
    return must("invoice-list", args).arguments;
  }
  int64_t balance(const std::string& user) {
    return must("billing-balance", {{"username", user}}).arguments[0]["balance-minor"].get<int64_t>();
  }
  void verified() {
    core::ControlReply v = call("billing-verify", Json::object());
    CHECK_TEXT(v.ok(), v.text.c_str());
  }
};

int64_t minor(const Json& inv, const char* key) { return inv[std::string(key) + "-minor"].get<int64_t>(); }

}  // namespace

TEST_GROUP(Billing){};

TEST(Billing, SetupIsRequiredAndArgumentsAreChecked) {
  Fixture f;
  f.tenant("acme", "basic");
  core::ControlReply r = f.call("billing-run", Json{{"tenant", "acme"}});
  CHECK(r.code == core::Code::kFailedPrecondition);
  CHECK(r.text.find("billing-setup") != std::string::npos);
  r = f.call("billing-setup", Json{{"tenant", "acme"}, {"currency", "usd"}});
  CHECK(r.code == core::Code::kInvalidArgument);
  CHECK(r.text.find("currency 'usd'") != std::string::npos);
  Books b;
  r = b.call("subscription-add", {{"username", "alice"}, {"plan", "basic"}, {"period", "week"}});
  CHECK(r.code == core::Code::kInvalidArgument);
  CHECK(r.text.find("period 'week'") != std::string::npos);
  r = b.call("subscription-add", {{"username", "alice"}, {"plan", "basic"}, {"start", "2026-02-30"}});
  CHECK(r.text.find("start '2026-02-30'") != std::string::npos);
  r = b.call("subscription-add", {{"username", "nobody"}, {"plan", "basic"}});
  CHECK(r.code == core::Code::kNotFound);
  r = b.call("subscription-add", {{"username", "alice"}, {"plan", "gold"}});
  CHECK(r.code == core::Code::kNotFound);
  r = b.call("charge-add", {{"username", "alice"}, {"description", "x"}, {"amount", "1.234"}});
  CHECK(r.code == core::Code::kInvalidArgument);
  CHECK(r.text.find("amount") != std::string::npos);
  r = b.call("charge-add", {{"username", "alice"}, {"description", "x"}, {"amount", "0"}});
  CHECK(r.code == core::Code::kInvalidArgument);
  r = b.call("tax-rate-set", {{"rate", "101"}});
  CHECK(r.code == core::Code::kInvalidArgument);
  // A spec's range refuses before the service: anchor-day 0.
  r = b.call("subscription-add", {{"username", "alice"}, {"plan", "basic"}, {"anchor-day", 0}});
  CHECK(r.code == core::Code::kInvalidArgument);
}

TEST(Billing, ARunIsIdempotentByPeriodAndProratesTheFirstOne) {
  Books b;
  b.subscribe("alice", {{"start", "2026-01-15"}, {"anchor-day", 1}});
  // Jan 15..31 of a 31-day period: 30.00 * 17 / 31 = 16.4516... -> 16.45.
  Json run = b.must("billing-run", {{"date", "2026-01-15"}}).arguments;
  CHECK_EQUAL(1, run["invoices"].get<int64_t>());
  CHECK_EQUAL(0, run["issued"].get<int64_t>());
  Json drafts = b.invoices("alice", "draft");
  CHECK_EQUAL(1u, drafts.size());
  CHECK_EQUAL(1645, minor(drafts[0], "total"));
  CHECK_FALSE(drafts[0].contains("number"));  // a draft has no number yet
  // The draft previews with its lines.
  Json shown = b.must("invoice-show", {{"invoice", drafts[0]["id"]}}).arguments;
  CHECK_EQUAL(1u, shown["lines"].size());
  CHECK(shown["lines"][0]["description"].get<std::string>().find("17 of 31 days") != std::string::npos);
  // Twice, and again later for the same day: nothing new.
  CHECK_EQUAL(0, b.must("billing-run", {{"date", "2026-01-15"}}).arguments["invoices"].get<int64_t>());
  CHECK_EQUAL(0, b.must("billing-run", {{"date", "2026-01-31"}}).arguments["invoices"].get<int64_t>());
  // Two months later: February and March, full price, issued at once with numbers 2 and 3 after
  // the draft is finalized as 1.
  CHECK_EQUAL(1, b.must("invoice-finalize", {{"date", "2026-01-16"}}).arguments["issued"].get<int64_t>());
  run = b.must("billing-run", {{"date", "2026-03-01"}, {"finalize", true}}).arguments;
  CHECK_EQUAL(2, run["invoices"].get<int64_t>());
  Json all = b.invoices("alice");
  CHECK_EQUAL(3u, all.size());
  std::vector<int64_t> numbers;
  int64_t sum = 0;
  for (const Json& i : all) {
    numbers.push_back(i["number"].get<int64_t>());
    sum += minor(i, "total");
    CHECK(i["reference"].get<std::string>().rfind("RF", 0) == 0);
  }
  std::sort(numbers.begin(), numbers.end());
  CHECK(numbers == (std::vector<int64_t>{1, 2, 3}));
  CHECK_EQUAL(1645 + 3000 + 3000, sum);
  CHECK_EQUAL(sum, b.balance("alice"));
  // An issued invoice is not a draft any more: finalizing it again is refused.
  core::ControlReply again = b.call("invoice-finalize", {{"invoice", all[0]["id"]}});
  CHECK(again.code == core::Code::kFailedPrecondition);
  b.verified();
}

TEST(Billing, ConcurrentRunsMakeOneInvoicePerPeriod) {
  Books b({"alice", "bob", "carol", "dave"});
  for (const char* u : {"alice", "bob", "carol", "dave"}) b.subscribe(u, {{"start", "2026-01-01"}});
  const std::string tenantId = b.tenantId;
  std::vector<std::thread> threads;
  const int64_t day = 20454 + 31 * 3;  // 2026-04-03: four periods each
  for (int i = 0; i < 3; ++i)
    threads.emplace_back([&] { (void)b.f.platform->billing.runTenant(tenantId, day, true, 1); });
  for (std::thread& t : threads) t.join();
  // Whatever interleaving: 4 customers x 4 periods, numbered 1..16.
  CHECK_EQUAL(16u, b.invoices("", "issued").size());
  b.verified();
}

TEST(Billing, PlanChangeProratesToTheDayWithoutDrift) {
  Books b;
  const std::string sub = b.subscribe("alice", {{"start", "2026-01-01"}});
  b.must("billing-run", {{"date", "2026-01-01"}, {"finalize", true}});
  // Up to premium on Jan 11: 21 of 31 days credited on basic, charged on premium.
  //   -30.00 * 21 / 31 = -20.3225... -> -20.32 (residual -0.0025...)
  //   +62.00 * 21 / 31 = 42.00 exactly, with the residual -> 42.00
  Json changed = b.must("subscription-change", {{"subscription", sub}, {"plan", "premium"}, {"date", "2026-01-11"}}).arguments;
  CHECK_EQUAL(-2032 + 4200, changed["adjustment-minor"].get<int64_t>());
  b.must("billing-run", {{"date", "2026-01-11"}, {"finalize", true}});
  Json all = b.invoices("alice");
  CHECK_EQUAL(2u, all.size());
  CHECK_EQUAL(2168, minor(all[0], "total"));
  // February on premium; then down to basic at the end of February's term: March on basic.
  b.must("subscription-change", {{"subscription", sub}, {"plan", "basic"}, {"at", "end-of-term"}, {"date", "2026-02-10"}});
  b.must("billing-run", {{"date", "2026-03-01"}, {"finalize", true}});
  all = b.invoices("alice");
  CHECK_EQUAL(4u, all.size());
  int64_t sum = 0;
  for (const Json& i : all) sum += minor(i, "total");
  CHECK_EQUAL(3000 + 2168 + 6200 + 3000, sum);
  b.verified();
}

// The self-care portal's proration preview (ADR 0043) is subscription-change with "preview": the
// same computation in a read-only unit of work. Its numbers are the change's, to the cent, and it
// writes nothing; the change itself moves the subscriber to the new plan (the boxes' change feed).
TEST(Billing, APlanChangePreviewHasTheChangesNumbersAndWritesNothing) {
  Books b;
  b.must("tax-rate-set", {{"rate", "16"}, {"name", "VAT"}});
  const std::string sub = b.subscribe("alice", {{"start", "2026-01-01"}});
  b.must("billing-run", {{"date", "2026-01-01"}, {"finalize", true}});
  const Json args{{"subscription", sub}, {"plan", "premium"}, {"date", "2026-01-11"}};
  Json withPreview = args;
  withPreview["preview"] = true;
  Json preview = b.must("subscription-change", withPreview).arguments;
  CHECK(preview["preview"].get<bool>());
  // -20.32 + 42.00 = 21.68 before tax; 16% exclusive: 3.47 (3.4688 rounded half up), 25.15.
  CHECK_EQUAL(2168, preview["adjustment-minor"].get<int64_t>());
  CHECK_EQUAL(2168, preview["net-minor"].get<int64_t>());
  CHECK_EQUAL(347, preview["tax-minor"].get<int64_t>());
  CHECK_EQUAL(2515, preview["total-minor"].get<int64_t>());
  CHECK_EQUAL(2u, preview["adjustment-lines"].size());
  CHECK_EQUAL(-2032, preview["adjustment-lines"][0]["amount-minor"].get<int64_t>());
  CHECK_EQUAL(4200, preview["adjustment-lines"][1]["amount-minor"].get<int64_t>());
  // Nothing written: still basic in billing and on the boxes, no charge for the next run.
  Json subs = b.must("subscription-list", {{"username", "alice"}}).arguments;
  CHECK_EQUAL(1u, subs[0]["plans"].size());
  STRCMP_EQUAL("basic", b.must("subscriber-list", Json::object()).arguments[0]["plan"].get<std::string>().c_str());
  CHECK_EQUAL(0, b.must("billing-run", {{"date", "2026-01-11"}}).arguments["invoices"].get<int64_t>());
  // The change: the same numbers, then the invoice carries them with the same tax.
  Json changed = b.must("subscription-change", args).arguments;
  CHECK_FALSE(changed["preview"].get<bool>());
  for (const char* key : {"adjustment-minor", "net-minor", "tax-minor", "total-minor"})
    CHECK_EQUAL_TEXT(preview[key].get<int64_t>(), changed[key].get<int64_t>(), key);
  CHECK(preview["adjustment-lines"] == changed["adjustment-lines"]);
  CHECK(changed["subscriber-plan-changed"].get<bool>());
  Json alice;
  for (const Json& s : b.must("subscriber-list", Json::object()).arguments)
    if (s["username"] == "alice") alice = s;
  STRCMP_EQUAL("premium", alice["plan"].get<std::string>().c_str());
  // The same change again (a second submit) changes nothing.
  Json again = b.must("subscription-change", args).arguments;
  CHECK(again["unchanged"].get<bool>());
  CHECK_EQUAL(0, again["adjustment-minor"].get<int64_t>());
  b.must("billing-run", {{"date", "2026-01-11"}, {"finalize", true}});
  Json all = b.invoices("alice");
  CHECK_EQUAL(2u, all.size());
  CHECK_EQUAL(preview["total-minor"].get<int64_t>(), minor(all[0], "total"));
  CHECK_EQUAL(preview["tax-minor"].get<int64_t>(), minor(all[0], "tax"));
  b.verified();
}

TEST(Billing, CancelNowCreditsWhatWasBilledAheadAndTheCreditIsRefundable) {
  Books b;
  const std::string sub = b.subscribe("alice", {{"start", "2026-01-01"}});
  b.must("billing-run", {{"date", "2026-01-01"}, {"finalize", true}});
  b.must("payment-add", {{"username", "alice"}, {"amount", "30.00"}});
  CHECK_EQUAL(0, b.balance("alice"));
  // Cancelled on Jan 21: 11 of 31 days back, -10.6451... -> -10.65.
  Json cancelled = b.must("subscription-cancel", {{"subscription", sub}, {"date", "2026-01-21"}}).arguments;
  CHECK_EQUAL(-1065, cancelled["adjustment-minor"].get<int64_t>());
  STRCMP_EQUAL("2026-01-21", cancelled["ends"].get<std::string>().c_str());
  b.must("billing-run", {{"date", "2026-01-21"}, {"finalize", true}});
  CHECK_EQUAL(-1065, b.balance("alice"));  // a credit
  // Nothing more is billed after the end.
  CHECK_EQUAL(0, b.must("billing-run", {{"date", "2026-06-01"}}).arguments["invoices"].get<int64_t>());
  core::ControlReply tooMuch = b.call("refund-add", {{"username", "alice"}, {"amount", "10.66"}});
  CHECK(tooMuch.code == core::Code::kFailedPrecondition);
  b.must("refund-add", {{"username", "alice"}, {"amount", "10.65"}, {"key", "r1"}});
  Json replay = b.must("refund-add", {{"username", "alice"}, {"amount", "10.65"}, {"key", "r1"}}).arguments;
  CHECK(replay["replay"].get<bool>());
  CHECK_EQUAL(0, b.balance("alice"));
  b.verified();
}

TEST(Billing, TrialThenDiscountThenEvergreenPostpaid) {
  Books b;
  b.subscribe("alice", {{"start", "2026-01-01"}, {"mode", "postpaid"}, {"trial-days", 14}, {"discount", "50"},
                        {"discount-periods", 1}});
  // Postpaid: nothing before the period ends.
  CHECK_EQUAL(0, b.must("billing-run", {{"date", "2026-01-31"}}).arguments["invoices"].get<int64_t>());
  b.must("billing-run", {{"date", "2026-02-01"}, {"finalize", true}});
  Json jan = b.must("invoice-show", {{"invoice", b.invoices("alice")[0]["id"]}}).arguments;
  // Jan 1..14 trial (0), Jan 15..31 at 50 %: 30.00 * 17 / 31 / 2 = 8.2258... -> 8.23.
  CHECK_EQUAL(2u, jan["lines"].size());
  CHECK_EQUAL(0, jan["lines"][0]["amount-minor"].get<int64_t>());
  CHECK(jan["lines"][0]["description"].get<std::string>().find("trial") != std::string::npos);
  CHECK_EQUAL(823, jan["lines"][1]["amount-minor"].get<int64_t>());
  b.must("billing-run", {{"date", "2026-03-01"}, {"finalize", true}});
  CHECK_EQUAL(3000, minor(b.invoices("alice")[0], "total"));  // evergreen from February
  b.verified();
}

TEST(Billing, TaxesByRegionInclusiveExclusiveExemptAndReverseCharge) {
  Books b({"alice", "bob", "carol"});
  b.must("tax-rate-set", {{"rate", "16"}, {"name", "VAT"}});
  b.must("tax-rate-set", {{"region", "zanzibar"}, {"rate", "7.7"}});
  b.must("billing-customer", {{"username", "bob"}, {"region", "zanzibar"}});
  b.must("billing-customer", {{"username", "carol"}, {"tax", "reverse-charge"}, {"tax-id", "EU123"}});
  core::ControlReply noId = b.call("billing-customer", {{"username", "alice"}, {"tax", "reverse-charge"}});
  CHECK(noId.code == core::Code::kInvalidArgument);
  for (const char* u : {"alice", "bob", "carol"}) b.subscribe(u, {{"start", "2026-01-01"}});
  b.must("billing-run", {{"date", "2026-01-01"}, {"finalize", true}});
  Json a = b.invoices("alice")[0], bo = b.invoices("bob")[0], c = b.invoices("carol")[0];
  CHECK_EQUAL(3000, minor(a, "net"));
  CHECK_EQUAL(480, minor(a, "tax"));
  CHECK_EQUAL(3480, minor(a, "total"));
  CHECK_EQUAL(231, minor(bo, "tax"));  // 7.7 % of 30.00
  CHECK_EQUAL(0, minor(c, "tax"));
  STRCMP_EQUAL("reverse-charge", c["tax-treatment"].get<std::string>().c_str());
  // Prices that include tax: 30.00 is 25.86 + 4.14 at 16 %; the reverse-charged customer pays 25.86.
  b.must("billing-setup", {{"prices-include-tax", true}});
  b.must("billing-run", {{"date", "2026-02-01"}, {"finalize", true}});
  a = b.invoices("alice")[0];
  c = b.invoices("carol")[0];
  CHECK_EQUAL(2586, minor(a, "net"));
  CHECK_EQUAL(414, minor(a, "tax"));
  CHECK_EQUAL(3000, minor(a, "total"));
  CHECK_EQUAL(2586, minor(c, "total"));
  b.verified();
}

TEST(Billing, PaymentsPartialOverpaymentCreditAndIdempotencyKeys) {
  Books b;
  b.subscribe("alice", {{"start", "2026-01-01"}});
  b.must("billing-run", {{"date", "2026-01-01"}, {"finalize", true}});
  Json inv = b.invoices("alice")[0];
  Json p = b.must("payment-add", {{"username", "alice"}, {"amount", "10.00"}, {"key", "desk-1"}}).arguments;
  CHECK_EQUAL(1000, p["allocated-minor"].get<int64_t>());
  // The same key again (a double click, a retried request): the first outcome, nothing applied twice.
  Json again = b.must("payment-add", {{"username", "alice"}, {"amount", "10.00"}, {"key", "desk-1"}}).arguments;
  CHECK(again["replay"].get<bool>());
  CHECK_EQUAL(2000, b.balance("alice"));
  // By the invoice's RF reference (as printed, with spaces), more than is owed: the rest is credit.
  p = b.must("payment-add", {{"reference", inv["reference"]}, {"amount", "25.00"}, {"method", "bank"}}).arguments;
  STRCMP_EQUAL("alice", p["customer"].get<std::string>().c_str());
  CHECK_EQUAL(2000, p["allocated-minor"].get<int64_t>());
  CHECK_EQUAL(500, p["to-credit-minor"].get<int64_t>());
  CHECK_EQUAL(-500, b.balance("alice"));
  // The credit pays part of February's invoice when it is issued.
  b.must("billing-run", {{"date", "2026-02-01"}, {"finalize", true}});
  Json feb = b.invoices("alice")[0];
  CHECK_EQUAL(500, minor(feb, "paid"));
  CHECK_EQUAL(2500, b.balance("alice"));
  // A reference with a wrong check digit is refused, naming the field.
  core::ControlReply bad = b.call("payment-add", {{"reference", "RF00 1"}, {"amount", "1.00"}});
  CHECK(bad.code == core::Code::kInvalidArgument);
  CHECK(bad.text.find("reference") != std::string::npos);
  b.verified();
}

TEST(Billing, ACreditNoteReversesAnIssuedInvoice) {
  Books b;
  b.subscribe("alice", {{"start", "2026-01-01"}});
  b.must("billing-run", {{"date", "2026-02-01"}, {"finalize", true}});
  Json jan = b.invoices("alice")[1], feb = b.invoices("alice")[0];
  b.must("payment-add", {{"username", "alice"}, {"amount", "10.00"}});  // on January's (the oldest)
  Json note = b.must("credit-note-add", {{"invoice", jan["id"]}}).arguments;
  STRCMP_EQUAL("credit-note", note["kind"].get<std::string>().c_str());
  CHECK_EQUAL(1, note["number"].get<int64_t>());
  CHECK_EQUAL(-3000, minor(note, "total"));
  // January is closed; the 10.00 paid on it moved to credit and onto February.
  CHECK_EQUAL(2000, b.balance("alice"));
  core::ControlReply twice = b.call("credit-note-add", {{"invoice", jan["id"]}});
  CHECK(twice.code == core::Code::kFailedPrecondition);
  b.verified();
}

TEST(Billing, OneTimeChargesGoOnTheNextRun) {
  Books b;
  b.must("charge-add", {{"username", "bob"}, {"description", "installation"}, {"amount", "25.00"}, {"date", "2026-01-05"}});
  CHECK_EQUAL(0, b.must("billing-run", {{"date", "2026-01-04"}}).arguments["invoices"].get<int64_t>());
  CHECK_EQUAL(1, b.must("billing-run", {{"date", "2026-01-05"}, {"finalize", true}}).arguments["invoices"].get<int64_t>());
  CHECK_EQUAL(0, b.must("billing-run", {{"date", "2026-01-06"}}).arguments["invoices"].get<int64_t>());
  CHECK_EQUAL(2500, b.balance("bob"));
  b.verified();
}

// Accounts receivable aging (billing-aging): what issued invoices leave open, by days past their due
// day (payment terms 14 days) at the report's date, per customer and in total; paid parts are gone;
// the CSV has the same table.
TEST(Billing, AgingPutsWhatIsOwedInBucketsByDaysOverdue) {
  Books b;
  b.must("charge-add", {{"username", "alice"}, {"description", "installation"}, {"amount", "10.00"}, {"date", "2026-01-01"}});
  b.must("billing-run", {{"date", "2026-01-01"}, {"finalize", true}});  // due 2026-01-15
  b.must("charge-add", {{"username", "bob"}, {"description", "router"}, {"amount", "20.00"}, {"date", "2026-03-01"}});
  b.must("billing-run", {{"date", "2026-03-01"}, {"finalize", true}});  // due 2026-03-15
  b.must("charge-add", {{"username", "alice"}, {"description", "top-up"}, {"amount", "5.00"}, {"date", "2026-04-10"}});
  b.must("billing-run", {{"date", "2026-04-10"}, {"finalize", true}});  // due 2026-04-24
  b.must("payment-add", {{"username", "bob"}, {"amount", "5.00"}, {"key", "bob-part"}});

  const Json r = b.must("billing-aging", {{"date", "2026-04-20"}}).arguments;
  STRCMP_EQUAL("2026-04-20", r["date"].get<std::string>().c_str());
  LONGS_EQUAL(2, r["customers"].size());
  const Json alice = r["customers"][0], bob = r["customers"][1];
  STRCMP_EQUAL("alice", alice["customer"].get<std::string>().c_str());
  CHECK_EQUAL(500, alice["current-minor"].get<int64_t>());    // due in 4 days
  CHECK_EQUAL(1000, alice["over-90-minor"].get<int64_t>());   // 95 days overdue
  CHECK_EQUAL(1500, alice["total-minor"].get<int64_t>());
  CHECK_EQUAL(1500, bob["31-60-minor"].get<int64_t>());       // 36 days overdue, 5.00 of 20.00 paid
  CHECK_EQUAL(0, bob["1-30-minor"].get<int64_t>());
  CHECK_EQUAL(3000, r["totals"]["total-minor"].get<int64_t>());
  CHECK_EQUAL(1000, r["totals"]["over-90-minor"].get<int64_t>());
  // On 2026-04-25 alice's 5.00 is 1 day overdue.
  CHECK_EQUAL(500, b.must("billing-aging", {{"date", "2026-04-25"}}).arguments["customers"][0]["1-30-minor"].get<int64_t>());

  const std::string csv = b.must("billing-aging", {{"date", "2026-04-20"}, {"format", "csv"}}).arguments["csv"].get<std::string>();
  STRCMP_EQUAL("customer,current,1-30,31-60,61-90,over-90,total\r\n"
               "alice,5.00,0.00,0.00,0.00,10.00,15.00\r\n"
               "bob,0.00,0.00,15.00,0.00,0.00,15.00\r\n"
               "total,5.00,0.00,15.00,0.00,10.00,30.00\r\n",
               csv.c_str());
  core::ControlReply bad = b.call("billing-aging", {{"format", "xml"}});
  CHECK(bad.code == core::Code::kInvalidArgument);
  CHECK(bad.text.find("format") != std::string::npos);
}

// The tax report (billing-tax-report): issued invoices and credit notes of [from, to) by region, rate
// and treatment; a credit note counts negative in the period it was issued in.
TEST(Billing, TaxReportSumsIssuedDocumentsByRegionRateAndTreatment) {
  Books b;
  b.must("tax-rate-set", {{"rate", "20"}});
  b.must("billing-customer", {{"username", "bob"}, {"tax", "exempt"}});
  b.must("charge-add", {{"username", "alice"}, {"description", "installation"}, {"amount", "10.00"}, {"date", "2026-01-05"}});
  b.must("charge-add", {{"username", "bob"}, {"description", "installation"}, {"amount", "20.00"}, {"date", "2026-01-06"}});
  b.must("billing-run", {{"date", "2026-01-10"}, {"finalize", true}});
  auto report = [&](const char* from, const char* to) {
    return b.must("billing-tax-report", {{"from", from}, {"to", to}}).arguments;
  };
  auto row = [](const Json& r, const char* treatment) {
    for (const Json& x : r["rows"])
      if (x["treatment"] == treatment) return x;
    return Json();
  };
  const Json jan = report("2026-01-01", "2026-02-01");
  CHECK_EQUAL(2, jan["totals"]["documents"].get<int64_t>());
  CHECK_EQUAL(3000, jan["totals"]["net-minor"].get<int64_t>());
  CHECK_EQUAL(200, jan["totals"]["tax-minor"].get<int64_t>());
  const Json standard = row(jan, "standard");
  STRCMP_EQUAL("20.00", standard["rate-percent"].get<std::string>().c_str());
  CHECK_EQUAL(1000, standard["net-minor"].get<int64_t>());
  CHECK_EQUAL(200, standard["tax-minor"].get<int64_t>());
  CHECK_EQUAL(2000, row(jan, "exempt")["net-minor"].get<int64_t>());
  CHECK_EQUAL(0, row(jan, "exempt")["tax-minor"].get<int64_t>());
  CHECK_EQUAL(0, report("2025-12-01", "2026-01-01")["rows"].size());

  b.must("credit-note-add", {{"invoice", b.invoices("alice")[0]["id"]}, {"date", "2026-02-03"}});
  const Json feb = report("2026-02-01", "2026-03-01");
  CHECK_EQUAL(-1000, feb["totals"]["net-minor"].get<int64_t>());
  CHECK_EQUAL(-200, feb["totals"]["tax-minor"].get<int64_t>());
  const Json both = row(report("2026-01-01", "2026-03-01"), "standard");
  CHECK_EQUAL(2, both["documents"].get<int64_t>());
  CHECK_EQUAL(0, both["tax-minor"].get<int64_t>());
  STRCMP_EQUAL("region,rate-percent,treatment,documents,net,tax\r\n"
               ",20.00,standard,1,-10.00,-2.00\r\n"
               "total,,,1,-10.00,-2.00\r\n",
               b.must("billing-tax-report", {{"from", "2026-02-01"}, {"to", "2026-03-01"}, {"format", "csv"}})
                   .arguments["csv"].get<std::string>().c_str());
  core::ControlReply bad = b.call("billing-tax-report", {{"from", "2026-02-01"}, {"to", "2026-02-01"}});
  CHECK(bad.code == core::Code::kInvalidArgument);
  CHECK(bad.text.find("to:") != std::string::npos);
}

TEST(Billing, VerifyFindsBooksThatDoNotAddUp) {
  Books b;
  b.subscribe("alice", {{"start", "2026-01-01"}});
  b.must("billing-run", {{"date", "2026-01-01"}, {"finalize", true}});
  b.verified();
  // Someone edits a balance behind the ledger's back.
  core::Status s = b.f.storage->transact([&](mgmt::store::Transaction& tx) {
    return tx.exec("UPDATE ledger_balances SET balance = balance + 1 WHERE account = 'revenue'").status();
  });
  CHECK(s.isOk());
  core::ControlReply v = b.call("billing-verify", Json::object());
  CHECK(v.code == core::Code::kCorrupt);
  CHECK(v.text.find("account revenue") != std::string::npos);
  // And a number taken out of the sequence.
  s = b.f.storage->transact([&](mgmt::store::Transaction& tx) {
    (void)tx.exec("UPDATE ledger_balances SET balance = balance - 1 WHERE account = 'revenue'");
    return tx.exec("UPDATE invoices SET number = 5 WHERE number = 1").status();
  });
  CHECK(s.isOk());
  v = b.call("billing-verify", Json::object());
  CHECK(v.code == core::Code::kCorrupt);
  CHECK(v.text.find("invoice numbers") != std::string::npos);
}

TEST(Billing, ATenantSeesOnlyItsOwnBilling) {
  Books b;
  b.subscribe("alice", {{"start", "2026-01-01"}});
  b.must("billing-run", {{"date", "2026-01-01"}, {"finalize", true}});
  const std::string invoiceId = b.invoices("alice")[0]["id"].get<std::string>();
  const std::string other = b.f.tenant("other", "basic");
  const Caller them{other};
  core::ControlReply r = b.f.call("invoice-show", Json{{"tenant", "acme"}, {"invoice", invoiceId}}, them);
  CHECK(r.code == core::Code::kNotFound);
  r = b.f.call("invoice-show", Json{{"invoice", invoiceId}}, them);
  CHECK(r.code == core::Code::kFailedPrecondition || r.code == core::Code::kNotFound);
  for (const char* cmd : {"billing-run", "billing-verify", "billing-balance", "subscription-list", "invoice-list"}) {
    r = b.f.call(cmd, Json{{"tenant", "acme"}}, them);
    CHECK_TEXT(r.code == core::Code::kNotFound, cmd);
  }
  r = b.f.call("payment-add", Json{{"tenant", "acme"}, {"username", "alice"}, {"amount", "1.00"}}, them);
  CHECK(r.code == core::Code::kNotFound);
  CHECK_EQUAL(3000, b.balance("alice"));
}

TEST(Billing, BillingStaffHandleMoneyTechniciansDoNot) {
  Books b;
  b.subscribe("alice", {{"start", "2026-01-01"}});
  auto as = [&](const char* role, const std::string& command, Json args) {
    args["tenant"] = "acme";
    return b.f.table->call(core::command::Caller{role, b.tenantId, "test"}, command, args);
  };
  CHECK(as("tenant-billing", "billing-run", Json{{"date", "2026-01-01"}, {"finalize", true}}).ok());
  CHECK(as("tenant-billing", "payment-add", Json{{"username", "alice"}, {"amount", "5.00"}}).ok());
  CHECK(as("tenant-technician", "payment-add", Json{{"username", "alice"}, {"amount", "5.00"}}).code ==
        core::Code::kPermissionDenied);
  CHECK(as("tenant-staff", "refund-add", Json{{"username", "alice"}, {"amount", "1.00"}}).code ==
        core::Code::kPermissionDenied);
  CHECK(as("tenant-read-only", "invoice-list", Json::object()).ok());
  CHECK(as("tenant-read-only", "billing-run", Json::object()).code == core::Code::kPermissionDenied);
  CHECK_EQUAL(2500, b.balance("alice"));
}

