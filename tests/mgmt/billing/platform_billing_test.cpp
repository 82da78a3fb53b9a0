// The platform billing its tenants with the billing engine (ADR 0071), through the command table on
// the storage of this run (SQLite, or PostgreSQL for mgmt_billing_tests_pg): a tenant's subscription
// follows its tier (prorated to the cent on a change), its status (suspended: billed no more) and
// its period (monthly or annual); runs are idempotent; the platform's books verify; a tenant reads
// only its own bills, and the platform's books are the platform's.
#include "billing/invoicing/calendar.h"
#include "mgmt/tenancy/tenant_store.h"
#include "tests/mgmt/support/mgmt_fixture.h"  // last: it ends with CppUTest's headers

using core::Json;
using mgmt::testing::Fixture;

namespace {

// A platform with its clock on a chosen day (UTC midnight).
struct PlatformBills {
  Fixture f;

  void on(int64_t year, unsigned month, unsigned day) {
    f.clock.setWall(::billing::daysFromCivil(year, month, day) * 86400000);
  }
  core::ControlReply as(const char* role, const std::string& tenantId, const std::string& command, Json args) {
    return f.table->call(core::command::Caller{role, tenantId, "test"}, command, args);
  }
  core::ControlReply must(const std::string& command, const Json& args) {
    core::ControlReply r = f.call(command, args);
    if (!r.ok()) FAIL((command + ": " + r.text).c_str());
    return r;
  }
  // The platform's run as of `date`: how many invoices it made.
  int64_t run(const std::string& date) {
    return must("platform-billing-run", Json{{"date", date}}).arguments["invoices"].get<int64_t>();
  }
  // The tenant's issued platform invoices, newest first.
  Json invoicesOf(const std::string& tenant) {
    return must("invoice-list", Json{{"tenant", "platform"}, {"username", tenant}, {"limit", 100}}).arguments;
  }
  Json linesOf(const Json& invoice) {
    return must("invoice-show", Json{{"tenant", "platform"}, {"invoice", invoice["id"]}}).arguments["lines"];
  }
  void verified() {
    core::ControlReply v = f.call("billing-verify", Json{{"tenant", "platform"}});
    CHECK_TEXT(v.ok(), v.text.c_str());
  }
};

int64_t totalOf(const Json& invoice) { return invoice["total-minor"].get<int64_t>(); }

}  // namespace

TEST_GROUP(PlatformBilling){};

TEST(PlatformBilling, ATierChangeIsProratedToTheCentAndASecondRunMakesNothing) {
  PlatformBills p;
  p.on(2026, 3, 10);
  const std::string acme = p.f.tenant("acme", "basic");
  // March 10..31 of 31 days at 49.00: 34.774... -> 34.77, the rest carried.
  CHECK_EQUAL(1, p.run("2026-03-10"));
  Json invoices = p.invoicesOf(acme);
  CHECK_EQUAL(1u, invoices.size());
  CHECK_EQUAL(3477, totalOf(invoices[0]));
  CHECK_EQUAL(1, invoices[0]["number"].get<int64_t>());  // the platform's own series
  CHECK_EQUAL(0, p.run("2026-03-10"));
  CHECK_EQUAL(0, p.run("2026-03-31"));

  // Premium from March 20: the 12 days left are credited at basic and charged at premium.
  p.on(2026, 3, 20);
  p.must("tenant-set", Json{{"tenant", "acme"}, {"tier", "premium"}});
  CHECK_EQUAL(1, p.run("2026-03-20"));
  invoices = p.invoicesOf(acme);
  CHECK_EQUAL(2u, invoices.size());
  Json lines = p.linesOf(invoices[0]);
  CHECK_EQUAL(2u, lines.size());
  // -49.00 * 12 / 31 = -18.9677..., plus the carried 0.0041... -> -18.96; 149.00 * 12 / 31 =
  // 57.6774..., less the carried 0.0035... -> 57.67.
  const int64_t a = lines[0]["amount-minor"].get<int64_t>(), b = lines[1]["amount-minor"].get<int64_t>();
  CHECK_EQUAL(-1896, a < b ? a : b);
  CHECK_EQUAL(5767, a < b ? b : a);
  CHECK_EQUAL(3871, totalOf(invoices[0]));
  // All of March is the exact sum rounded once: (49 * 10 + 149 * 12) / 31 = 73.4838... -> 73.48.
  CHECK_EQUAL(7348, totalOf(invoices[0]) + totalOf(invoices[1]));
  // The same tier again changes nothing.
  p.must("tenant-set", Json{{"tenant", "acme"}, {"tier", "premium"}});
  CHECK_EQUAL(0, p.run("2026-03-20"));

  // April in full at premium, once.
  CHECK_EQUAL(1, p.run("2026-04-01"));
  CHECK_EQUAL(0, p.run("2026-04-01"));
  CHECK_EQUAL(14900, totalOf(p.invoicesOf(acme)[0]));
  Json numbers = Json::array();
  for (const Json& i : p.invoicesOf(acme)) numbers.push_back(i["number"]);
  CHECK(numbers == Json({3, 2, 1}));
  p.verified();
}

TEST(PlatformBilling, ASuspendedTenantIsBilledNoMoreAndAResumedOneAgain) {
  PlatformBills p;
  p.on(2026, 4, 1);
  const std::string acme = p.f.tenant("acme", "premium");
  CHECK_EQUAL(1, p.run("2026-04-01"));
  CHECK_EQUAL(14900, totalOf(p.invoicesOf(acme)[0]));
  // Suspended on April 10: the 21 days of 30 left are credited (-104.30), nothing from May on.
  p.on(2026, 4, 10);
  p.must("tenant-suspend", Json{{"tenant", "acme"}});
  CHECK_EQUAL(1, p.run("2026-04-10"));
  CHECK_EQUAL(-10430, totalOf(p.invoicesOf(acme)[0]));
  CHECK_EQUAL(0, p.run("2026-05-01"));
  CHECK_EQUAL(0, p.run("2026-06-01"));
  Json shown = p.must("platform-subscription-show", Json{{"tenant", "acme"}}).arguments;
  CHECK_FALSE(shown["billed"].get<bool>());
  // What it owes less its credit: April's 149.00 less the 104.30 credited.
  CHECK_EQUAL(4470, shown["owed-minor"].get<int64_t>() - shown["credit-minor"].get<int64_t>());
  // Resumed on May 5: billed again from that day, 149.00 * 27 / 31 = 129.774... -> 129.77, the
  // credit paying part of it.
  p.on(2026, 5, 5);
  p.must("tenant-resume", Json{{"tenant", "acme"}});
  CHECK_EQUAL(1, p.run("2026-05-05"));
  CHECK_EQUAL(12977, totalOf(p.invoicesOf(acme)[0]));
  // A demo is not billed at all.
  core::ControlReply d = p.f.call("tenant-add", Json{{"demo", true}, {"name", "trying"}});
  CHECK_TEXT(d.ok(), d.text.c_str());
  Json trying = p.must("platform-subscription-show", Json{{"tenant", "trying"}}).arguments;
  CHECK_FALSE(trying["billed"].get<bool>());
  p.verified();
}

TEST(PlatformBilling, PaymentsAndTheAnnualOption) {
  PlatformBills p;
  p.on(2026, 3, 10);
  const std::string acme = p.f.tenant("acme", "enterprise");
  // The owner chooses to pay by the year before the first run: a year from March 1 (365 days), from
  // the 10th: 3990.00 * 356 / 365 = 3891.616... -> 3891.62.
  core::ControlReply r = p.as("tenant-owner", acme, "platform-subscription-set", Json{{"period", "year"}});
  CHECK_TEXT(r.ok(), r.text.c_str());
  r = p.as("tenant-owner", acme, "platform-subscription-set", Json{{"period", "year"}});
  CHECK(r.arguments["unchanged"].get<bool>());
  CHECK_EQUAL(1, p.run("2026-03-10"));
  Json invoice = p.invoicesOf(acme)[0];
  CHECK_EQUAL(389162, totalOf(invoice));
  CHECK_EQUAL(0, p.run("2026-12-31"));
  CHECK_EQUAL(1, p.run("2027-03-01"));
  CHECK_EQUAL(399000, totalOf(p.invoicesOf(acme)[0]));
  // A bank transfer naming the first invoice's reference pays it; the same key again changes nothing.
  Json pay{{"tenant", "platform"},         {"reference", invoice["reference"]}, {"amount", "3891.62"},
           {"method", "bank"},             {"key", "bank-acme-1"}};
  p.must("payment-add", pay);
  p.must("payment-add", pay);
  Json shown = p.as("tenant-billing", acme, "platform-subscription-show", Json::object()).arguments;
  CHECK_EQUAL(399000, shown["owed-minor"].get<int64_t>());
  STRCMP_EQUAL("year", shown["subscription"]["period"].get<std::string>().c_str());
  STRCMP_EQUAL("enterprise", shown["subscription"]["tier"].get<std::string>().c_str());
  CHECK_EQUAL(2u, shown["invoices"].size());
  p.verified();
}

TEST(PlatformBilling, ATenantReadsOnlyItsOwnBillsAndThePlatformsBooksAreThePlatforms) {
  PlatformBills p;
  p.on(2026, 3, 1);
  // No tenant billed yet: the platform has no books to show.
  CHECK(p.f.call("billing-verify", Json{{"tenant", "platform"}}).code == core::Code::kFailedPrecondition);
  CHECK_EQUAL(0, p.run("2026-03-01"));
  const std::string acme = p.f.tenant("acme", "basic");
  const std::string other = p.f.tenant("other", "premium");
  CHECK_EQUAL(2, p.run("2026-03-01"));
  const std::string acmeInvoice = p.invoicesOf(acme)[0]["id"].get<std::string>();
  const std::string otherInvoice = p.invoicesOf(other)[0]["id"].get<std::string>();
  // Its own: the subscription and the invoice with its lines.
  core::ControlReply r = p.as("tenant-owner", acme, "platform-subscription-show", Json::object());
  CHECK_TEXT(r.ok(), r.text.c_str());
  CHECK_EQUAL(4900, r.arguments["owed-minor"].get<int64_t>());
  CHECK_EQUAL(1u, r.arguments["invoices"].size());
  r = p.as("tenant-owner", acme, "platform-invoice-show", Json{{"invoice", acmeInvoice}});
  CHECK_TEXT(r.ok(), r.text.c_str());
  CHECK_EQUAL(1u, r.arguments["lines"].size());
  // Another's: the same answer as for nothing at all.
  r = p.as("tenant-owner", acme, "platform-invoice-show", Json{{"invoice", otherInvoice}});
  CHECK(r.code == core::Code::kNotFound);
  r = p.as("tenant-owner", acme, "platform-subscription-show", Json{{"tenant", "other"}});
  CHECK(r.code == core::Code::kNotFound);
  r = p.as("tenant-billing", acme, "platform-subscription-set", Json{{"tenant", "other"}, {"period", "year"}});
  CHECK(r.code == core::Code::kNotFound);
  // Roles: technicians and admins do not read what the tenant pays; the list and the run are the
  // platform's.
  CHECK(p.as("tenant-technician", acme, "platform-subscription-show", Json::object()).code ==
        core::Code::kPermissionDenied);
  CHECK(p.as("tenant-owner", acme, "platform-billing-list", Json::object()).code == core::Code::kPermissionDenied);
  CHECK(p.as("tenant-owner", acme, "platform-billing-run", Json::object()).code == core::Code::kPermissionDenied);
  // The platform's books through the engine's commands: not a tenant's to name.
  for (const char* cmd : {"billing-verify", "invoice-list", "billing-balance"}) {
    r = p.as("tenant-owner", acme, cmd, Json{{"tenant", "platform"}});
    CHECK_TEXT(r.code == core::Code::kNotFound, cmd);
  }
  r = p.as("tenant-owner", acme, "invoice-show", Json{{"tenant", "platform"}, {"invoice", otherInvoice}});
  CHECK(r.code == core::Code::kNotFound);
  // And not a tenant: not listed, not counted, not shown, not changed.
  Json tenants = p.must("tenant-list", Json::object()).arguments;
  CHECK_EQUAL(2u, tenants.size());
  CHECK(p.f.call("tenant-show", Json{{"tenant", mgmt::tenancy::kPlatformBiller}}).code == core::Code::kNotFound);
  CHECK(p.f.call("tenant-set", Json{{"tenant", mgmt::tenancy::kPlatformBiller}, {"tier", "free"}}).code ==
        core::Code::kNotFound);
  CHECK(p.f.call("plan-list", Json{{"tenant", mgmt::tenancy::kPlatformBiller}}).code == core::Code::kNotFound);
  // The platform's list: both tenants, their price and what they owe.
  Json list = p.must("platform-billing-list", Json::object()).arguments;
  CHECK_EQUAL(2u, list.size());
  STRCMP_EQUAL("acme", list[0]["tenant"].get<std::string>().c_str());
  CHECK_EQUAL(4900, list[0]["price-minor"].get<int64_t>());
  CHECK_EQUAL(14900, list[1]["owed-minor"].get<int64_t>());
  p.verified();
}
