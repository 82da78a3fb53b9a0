// Top-ups paid before the tenant had a box (issue 24, ADR 0066), on the storage of this run (SQLite,
// or PostgreSQL for mgmt_billing_tests_pg): the paid webhook books the order and sends it nowhere
// (devices 0); the first box enrolled gets it as a "topup" command at its first check-in, with the
// order id as the top-up's id; the order then says devices 1; a second box enrolled later and a second
// delivery of the webhook add nothing; the books stay right (billing-verify).
#include "core/pki.h"
#include "mgmt/billing/collection_store.h"
#include "mgmt/billing/topup_store.h"
#include "tests/mgmt/support/mgmt_fixture.h"  // last: it ends with CppUTest's headers

using core::Json;
using mgmt::testing::Fixture;

namespace {

const char* const kTopupSecretKey = "sk_test_unit_topups_0123456789";
const char* const kTopupWebhookSecret = "whsec_unit_topups_0123456789";

struct TopupShop {
  Fixture f;
  std::string acme;

  TopupShop() {
    acme = f.tenant("acme", "basic");
    must("billing-setup", {{"currency", "EUR"}});
    must("tax-rate-set", {{"rate", "20"}});
    must("plan-add", {{"name", "capped"}, {"down", "8M"}, {"up", "4M"}, {"data-quota", "10KB"}, {"price", "9.00"},
                      {"currency", "EUR"}});
    must("subscriber-add", {{"username", "sam"}, {"password", "pw"}, {"plan", "capped"}});
    must("topup-product-set", {{"name", "1gb"}, {"bytes", "1GB"}, {"price", "5.00"}});
    must("payment-provider-set", {{"secret-key", kTopupSecretKey}, {"webhook-secret", kTopupWebhookSecret}});
  }
  core::ControlReply must(const std::string& command, Json args) {
    if (!args.contains("tenant")) args["tenant"] = "acme";
    core::ControlReply r = f.call(command, args);
    if (!r.ok()) FAIL((command + ": " + r.text).c_str());
    return r;
  }
  // A pending order of "1gb" for sam and its checkout (what Buy writes before the provider answers).
  void order(const std::string& id, const std::string& checkout) {
    CHECK_TRUE(f.storage->transact([&](mgmt::store::Transaction& tx) -> core::Status {
      mgmt::billing::TopupOrder o;
      o.tenantId = acme;
      o.id = id;
      o.username = "sam";
      o.product = "1gb";
      o.bytes = 1000000000;
      o.amount = 500;
      o.currency = "EUR";
      o.checkoutId = checkout;
      o.createdAt = f.now();
      EDGE_RETURN_IF_ERROR(mgmt::billing::TopupStore(tx).insertOrder(o));
      mgmt::billing::CheckoutSession s;
      s.tenantId = acme;
      s.id = checkout;
      s.orderId = id;
      s.currency = "EUR";
      s.amount = 600;
      s.url = "https://provider.example/pay/" + checkout;
      s.key = "topup-" + id;
      s.createdAt = f.now();
      return mgmt::billing::CollectionStore(tx).insertCheckout(s);
    }).isOk());
  }
  Json paid(const std::string& eventId, const std::string& checkout, const std::string& intent) {
    // One signed delivery, as the provider sends it.
    const Json object{{"id", checkout},        {"object", "checkout.session"}, {"payment_status", "paid"},
                      {"amount_total", 600},   {"currency", "eur"},            {"payment_intent", intent}};
    const std::string body =
        Json{{"id", eventId}, {"object", "event"}, {"type", "checkout.session.completed"}, {"data", {{"object", object}}}}
            .dump();
    const std::string t = std::to_string(f.now());
    core::Result<Json> r = f.platform->collection.webhook(
        acme, "t=" + t + ",v1=" + core::pki::hmacSha256Hex(kTopupWebhookSecret, t + "." + body), body);
    if (!r.isOk()) FAIL(r.status().toString().c_str());
    return *r;
  }
  std::vector<core::sync::Command> checkin(const mgmt::fleet::Device& d) {
    core::Result<core::sync::CheckinResponse> r = f.platform->fleet.checkin(d, core::sync::CheckinRequest{}, f.now());
    if (!r.isOk()) FAIL(r.status().toString().c_str());
    return r->commands;
  }
  Json orders() { return must("topup-order-list", Json::object()).arguments; }
};

}  // namespace

TEST_GROUP(TopupsBeforeTheBox) {};

TEST(TopupsBeforeTheBox, OrdersPaidWithoutABoxGoToTheFirstBoxEnrolledOnce) {
  TopupShop s;
  s.order("top-early-1", "cs_early_1");
  s.order("top-early-2", "cs_early_2");
  Json booked = s.paid("evt_early_1", "cs_early_1", "pi_early_1");
  LONGS_EQUAL(0, booked["devices"].get<int64_t>());
  s.paid("evt_early_2", "cs_early_2", "pi_early_2");
  // A pending order (never paid) is not sent anywhere.
  s.order("top-unpaid", "cs_unpaid");
  for (const Json& o : s.orders())
    LONGS_EQUAL(0, o["devices"].get<int64_t>());

  // The first box: both paid orders at its first check-in, oldest first, with the order as the id.
  mgmt::fleet::Device first = s.f.enroll("acme");
  std::vector<core::sync::Command> commands = s.checkin(first);
  LONGS_EQUAL(2, commands.size());
  STRCMP_EQUAL("topup", commands[0].kind.c_str());
  STRCMP_EQUAL("top-early-1", commands[0].arguments["id"].get<std::string>().c_str());
  STRCMP_EQUAL("sam", commands[0].arguments["username"].get<std::string>().c_str());
  LONGS_EQUAL(1000000000, commands[0].arguments["bytes"].get<int64_t>());
  STRCMP_EQUAL("top-early-2", commands[1].arguments["id"].get<std::string>().c_str());
  for (const Json& o : s.orders())
    LONGS_EQUAL(o["state"] == "paid" ? 1 : 0, o["devices"].get<int64_t>());

  // Answered: not sent again. A second box enrolled later gets nothing; the webhook again books nothing.
  for (const core::sync::Command& c : commands)
    CHECK_TRUE(s.f.platform->fleet.commandResult(first, core::sync::CommandResult{c.id, true, "ok"}, s.f.now()).isOk());
  LONGS_EQUAL(0, s.checkin(first).size());
  mgmt::fleet::Device second = s.f.enroll("acme");
  LONGS_EQUAL(0, s.checkin(second).size());
  CHECK_TRUE(s.paid("evt_early_1", "cs_early_1", "pi_early_1")["duplicate"].get<bool>());
  LONGS_EQUAL(2, s.must("invoice-list", {{"username", "sam"}}).arguments.size());
  LONGS_EQUAL(0, s.must("billing-verify", Json::object()).arguments["problems"].size());
}

TEST(TopupsBeforeTheBox, AnOrderPaidWithABoxIsNotSentAgainToTheNextBox) {
  TopupShop s;
  mgmt::fleet::Device first = s.f.enroll("acme");
  s.order("top-with-box", "cs_with_box");
  LONGS_EQUAL(1, s.paid("evt_with_box", "cs_with_box", "pi_with_box")["devices"].get<int64_t>());
  LONGS_EQUAL(1, s.checkin(first).size());
  mgmt::fleet::Device second = s.f.enroll("acme");
  LONGS_EQUAL(0, s.checkin(second).size());
}
