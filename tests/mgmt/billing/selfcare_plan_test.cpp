// The self-care portal's plan change (mgmt/selfcare SelfcareService::planChoices and changePlan, ADR
// 0043) over the billing engine, on the storage of this run (SQLite, or PostgreSQL for
// mgmt_billing_tests_pg): the preview is the operator's subscription-change preview to the cent; the
// change touches only the signed-in customer's own subscription; only the tenant's plans priced in
// its currency are offered; a second submit changes nothing; no live subscription, no change.
#include <tuple>

#include "billing/invoicing/calendar.h"
#include "mgmt/selfcare/selfcare_service.h"
#include "tests/mgmt/support/mgmt_fixture.h"  // last: it ends with CppUTest's headers

using core::Json;
using mgmt::selfcare::Account;
using mgmt::selfcare::SelfcareService;
using mgmt::testing::Fixture;

namespace {


struct Shop {
  Fixture f;
  std::string tenantId;
  SelfcareService service{SelfcareService::Deps{*f.storage, f.clock}};

  Shop() {
    tenantId = f.tenant("acme", "basic");
    must("billing-setup", {{"currency", "USD"}});
    must("tax-rate-set", {{"rate", "10"}});
    for (auto [name, price, currency] : {std::tuple{"basic", "30.00", "USD"}, std::tuple{"premium", "62.00", "USD"},
                                         std::tuple{"euro", "40.00", "EUR"}})
      must("plan-add", {{"name", name}, {"down", "10M"}, {"up", "5M"}, {"price", price}, {"currency", currency}});
    must("plan-add", {{"name", "free"}, {"down", "1M"}, {"up", "1M"}});
    for (const char* user : {"alice", "bob", "carol"})
      must("subscriber-add", {{"username", user}, {"password", std::string("pw-") + user}, {"plan", "basic"}});
  }
  core::ControlReply must(const std::string& command, Json args) {
    args["tenant"] = "acme";
    core::ControlReply r = f.call(command, args);
    if (!r.ok()) FAIL((command + ": " + r.text).c_str());
    return r;
  }
  // A subscription of `user` from today, its first period billed already (prepaid).
  std::string subscribe(const std::string& user) {
    const std::string start = ::billing::formatDay(f.now() / 86400);
    Json sub = must("subscription-add", {{"username", user}, {"plan", "basic"}, {"start", start}}).arguments;
    must("billing-run", {{"date", start}, {"finalize", true}});
    return sub["id"].get<std::string>();
  }
  Account account(const std::string& user) { return Account{tenantId, user, "", "", ""}; }
  Json plansOf(const std::string& user) {
    return must("subscription-list", {{"username", user}}).arguments[0]["plans"];
  }
};

}  // namespace

TEST_GROUP(SelfcarePlan){};

TEST(SelfcarePlan, OnlyTheTenantsPricedPlansInItsCurrencyAreOffered) {
  Shop s;
  s.subscribe("alice");
  core::Result<Json> choices = s.service.planChoices(s.account("alice"));
  CHECK_TEXT(choices.isOk(), choices.status().toString().c_str());
  STRCMP_EQUAL("basic", (*choices)["current"].get<std::string>().c_str());
  CHECK_EQUAL(1u, (*choices)["plans"].size());  // not basic (current), euro (EUR), free (no price)
  STRCMP_EQUAL("premium", (*choices)["plans"][0]["name"].get<std::string>().c_str());
  for (const char* plan : {"euro", "free", "gold", ""}) {
    core::Result<Json> r = s.service.changePlan(s.account("alice"), plan, true);
    CHECK_TEXT(r.status().code() == core::Code::kInvalidArgument, plan);
  }
  // Without a live subscription there is nothing to change.
  CHECK((*s.service.planChoices(s.account("bob")))["subscription"].is_null());
  CHECK(s.service.changePlan(s.account("bob"), "premium", false).status().code() == core::Code::kFailedPrecondition);
}

TEST(SelfcarePlan, ThePreviewIsTheEnginesAndTheChangeIsTheCustomersOwn) {
  Shop s;
  const std::string alice = s.subscribe("alice");
  s.subscribe("carol");
  core::Result<Json> preview = s.service.changePlan(s.account("alice"), "premium", true);
  CHECK_TEXT(preview.isOk(), preview.status().toString().c_str());
  Json engine = s.must("subscription-change", {{"subscription", alice}, {"plan", "premium"}, {"preview", true}}).arguments;
  for (const char* key : {"adjustment-minor", "net-minor", "tax-minor", "total-minor"})
    CHECK_EQUAL_TEXT(engine[key].get<int64_t>(), (*preview)[key].get<int64_t>(), key);
  CHECK(engine["adjustment-lines"] == (*preview)["adjustment-lines"]);
  auto planNow = [&](const std::string& user) { return s.plansOf(user).back()["plan"].get<std::string>(); };
  STRCMP_EQUAL("basic", planNow("alice").c_str());  // a preview writes nothing
  core::Result<Json> changed = s.service.changePlan(s.account("alice"), "premium", false);
  CHECK_TEXT(changed.isOk(), changed.status().toString().c_str());
  CHECK_EQUAL((*preview)["total-minor"].get<int64_t>(), (*changed)["total-minor"].get<int64_t>());
  // From today, the day the subscription started: premium replaces basic from its start.
  STRCMP_EQUAL("premium", planNow("alice").c_str());
  CHECK_EQUAL(1u, s.plansOf("alice").size());
  STRCMP_EQUAL("basic", planNow("carol").c_str());  // carol's subscription is not touched
  // A second submit: nothing more.
  core::Result<Json> again = s.service.changePlan(s.account("alice"), "premium", false);
  CHECK(again.isOk() && (*again)["unchanged"].get<bool>());
  CHECK_EQUAL(1u, s.plansOf("alice").size());
  // The engine refuses the same change as a no-op too (two submits racing past the portal's check).
  CHECK(s.must("subscription-change", {{"subscription", alice}, {"plan", "premium"}}).arguments["unchanged"].get<bool>());
  CHECK_EQUAL(1u, s.plansOf("alice").size());
  // Nothing more to invoice than the one change: the credit of basic and the charge of premium.
  s.must("billing-run", {{"finalize", true}});
  Json invoices = s.must("invoice-list", {{"username", "alice"}}).arguments;
  CHECK_EQUAL(2u, invoices.size());
  CHECK_EQUAL((*preview)["total-minor"].get<int64_t>(), invoices[0]["total-minor"].get<int64_t>());
}
