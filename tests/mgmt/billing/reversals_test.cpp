// Money the payment provider takes back, through signed webhooks into CollectionService on the storage
// of this run (SQLite, or PostgreSQL for mgmt_billing_tests_pg) (issue 24, ADR 0058): a refund reopens
// what the payment paid, a dispute's chargeback likewise, a won dispute pays again, a lost one leaves
// the chargeback; each applied once however often it is delivered (by event id and by the provider's
// refund/dispute id), never more than the payment; the books balance after each (billing-verify); the
// partners' commission run claws back what the payment earned. Provider secrets are sealed at rest
// and resealed after a key rotation; webhook events past the retention and old signatures are purged,
// the recent ones kept.
#include "core/pki.h"
#include "core/secret_box.h"
#include "mgmt/billing/collection_store.h"
#include "mgmt/billing/refunds.h"
#include "tests/mgmt/support/mgmt_fixture.h"  // last: it ends with CppUTest's headers

using core::Json;
using mgmt::testing::Fixture;

namespace {

const char* const kSecretKey = "sk_test_unit_0123456789abcdef";
const char* const kWebhookSecret = "whsec_unit_0123456789abcdef";

struct ReversalShop {
  Fixture f;
  std::string acme, partner, invoice;

  ReversalShop() {
    acme = f.tenant("acme", "basic");
    must("billing-setup", {{"currency", "EUR"}});
    must("tax-rate-set", {{"rate", "20"}});
    must("plan-add", {{"name", "basic"}, {"down", "10M"}, {"up", "5M"}, {"price", "30.00"}, {"currency", "EUR"}});
    must("subscriber-add", {{"username", "alice"}, {"password", "pw"}, {"plan", "basic"}});
    partner = must("partner-add", {{"name", "Corner ReversalShop"}, {"type", "authorized-dealer"}, {"currency", "EUR"}})
                  .arguments["id"]
                  .get<std::string>();
    must("commission-plan-set", {{"name", "ten"}, {"currency", "EUR"}, {"spec", R"({"rate-bp": 1000})"}});
    must("partner-plan", {{"partner", partner}, {"plan", "ten"}, {"date", "2026-01-01"}});
    must("attribution-set", {{"username", "alice"}, {"partner", partner}, {"date", "2026-01-01"}});
    must("charge-add", {{"username", "alice"}, {"description", "install"}, {"amount", "30.00"}});
    must("billing-run", {{"finalize", true}});
    invoice = must("invoice-list", {{"username", "alice"}}).arguments[0]["id"].get<std::string>();
  }
  core::ControlReply must(const std::string& command, Json args) {
    if (!args.contains("tenant")) args["tenant"] = "acme";
    core::ControlReply r = f.call(command, args);
    if (!r.ok()) FAIL((command + ": " + r.text).c_str());
    return r;
  }
  // One signed delivery of `event` as the provider sends it.
  core::Result<Json> deliver(const Json& event) {
    const std::string body = event.dump(), t = std::to_string(f.now());
    const std::string header = "t=" + t + ",v1=" + core::pki::hmacSha256Hex(kWebhookSecret, t + "." + body);
    return f.platform->collection.webhook(acme, header, body);
  }
  Json must(const Json& event) {
    core::Result<Json> r = deliver(event);
    if (!r.isOk()) FAIL(r.status().toString().c_str());
    return *r;
  }
  static Json event(const std::string& id, const std::string& type, const Json& object) {
    return Json{{"id", id}, {"object", "event"}, {"type", type}, {"data", {{"object", object}}}};
  }
  // alice pays the invoice's 36.00 online (a checkout made for it, then its paid event).
  void payOnline() {
    CHECK_TRUE(f.storage->transact([&](mgmt::store::Transaction& tx) {
      mgmt::billing::CheckoutSession s;
      s.tenantId = acme;
      s.id = "cs_unit_1";
      s.invoiceId = invoice;
      s.currency = "EUR";
      s.amount = 3600;
      s.url = "https://provider.example/pay/cs_unit_1";
      s.key = "checkout-unit";
      s.createdAt = f.now();
      return mgmt::billing::CollectionStore(tx).insertCheckout(s);
    }).isOk());
    Json paid = must(event("evt_pay", "checkout.session.completed",
                           {{"id", "cs_unit_1"}, {"object", "checkout.session"}, {"payment_status", "paid"},
                            {"amount_total", 3600}, {"currency", "eur"}, {"payment_intent", "pi_unit_1"}}));
    STRCMP_EQUAL(invoice.c_str(), paid["invoice"].get<std::string>().c_str());
  }
  int64_t paid() { return must("invoice-show", {{"invoice", invoice}}).arguments["paid-minor"].get<int64_t>(); }
  void verified() {
    core::ControlReply v = f.call("billing-verify", {{"tenant", "acme"}});
    if (!v.ok()) FAIL(v.text.c_str());
  }
  int64_t commission() {
    int64_t sum = 0;
    const Json entries = must("partner-ledger", {{"partner", partner}}).arguments["entries"];
    for (const Json& e : entries) sum += e["amount-minor"].get<int64_t>();
    return sum;
  }
  std::string storedSecretKey() {
    std::string out;
    CHECK_TRUE(f.storage->transact([&](mgmt::store::Transaction& tx) -> core::Status {
      EDGE_ASSIGN_OR_RETURN(std::optional<mgmt::billing::ProviderAccount> a, mgmt::billing::CollectionStore(tx).provider(acme));
      out = a ? a->secretKey : "";
      return core::Status::ok();
    }).isOk());
    return out;
  }
};

Json refund(const std::string& id, int64_t amount, const std::string& status = "succeeded") {
  return {{"id", id}, {"object", "refund"}, {"amount", amount}, {"currency", "eur"}, {"payment_intent", "pi_unit_1"},
          {"status", status}};
}
Json dispute(const std::string& id, int64_t amount, const std::string& status) {
  return {{"id", id}, {"object", "dispute"}, {"amount", amount}, {"currency", "eur"}, {"payment_intent", "pi_unit_1"},
          {"status", status}};
}

}  // namespace

TEST_GROUP(Reversals){};

TEST(Reversals, RefundsAndDisputesReopenTheInvoiceOnceAndClawBackCommission) {
  ReversalShop s;
  s.f.platform->collection.setSecrets(
      std::make_shared<const core::SecretBox>(*core::SecretBox::fromKeys({std::string(32, 'k')})));
  s.must("payment-provider-set", {{"secret-key", kSecretKey}, {"webhook-secret", kWebhookSecret}});
  s.payOnline();
  CHECK_EQUAL(3600, s.paid());
  s.must("commission-run", Json::object());
  const int64_t earned = s.commission();
  CHECK_TRUE(earned > 0);

  // A refund still pending books nothing; once it succeeds, 10.00 of the invoice is open again.
  CHECK_TRUE(s.must(ReversalShop::event("evt_r0", "refund.created", refund("re_1", 1000, "pending"))).contains("ignored"));
  CHECK_EQUAL(3600, s.paid());
  Json r = s.must(ReversalShop::event("evt_r1", "refund.updated", refund("re_1", 1000)));
  CHECK_EQUAL(1000, r["amount-minor"].get<int64_t>());
  CHECK_EQUAL(2600, s.paid());
  s.verified();
  // The same event again (its id), and another event about the same refund (its id): nothing more.
  CHECK_TRUE(s.must(ReversalShop::event("evt_r1", "refund.updated", refund("re_1", 1000)))["duplicate"].get<bool>());
  CHECK_TRUE(s.must(ReversalShop::event("evt_r2", "charge.refund.updated", refund("re_1", 1000)))["duplicate"].get<bool>());
  CHECK_EQUAL(2600, s.paid());
  Json owed = s.must("billing-balance", {{"username", "alice"}}).arguments[0];
  CHECK_EQUAL(1000, owed["owed-minor"].get<int64_t>());

  // The commission run sees the reversal and claws back what the payment earned.
  s.must("commission-run", Json::object());
  CHECK_TRUE(s.commission() < earned);
  bool clawback = false;
  const Json entries = s.must("partner-ledger", {{"partner", s.partner}}).arguments["entries"];
  for (const Json& e : entries) clawback |= e["kind"] == "clawback";
  CHECK_TRUE(clawback);

  // A dispute takes 6.00 at once; won, it comes back as a payment; a second one of 20.00 is lost.
  s.must(ReversalShop::event("evt_d1", "charge.dispute.created", dispute("dp_1", 600, "needs_response")));
  CHECK_EQUAL(2000, s.paid());
  s.must(ReversalShop::event("evt_d2", "charge.dispute.closed", dispute("dp_1", 600, "won")));
  CHECK_EQUAL(2600, s.paid());
  CHECK_TRUE(s.must(ReversalShop::event("evt_d3", "charge.dispute.closed", dispute("dp_1", 600, "won")))["duplicate"].get<bool>());
  CHECK_EQUAL(2600, s.paid());
  s.must(ReversalShop::event("evt_d4", "charge.dispute.created", dispute("dp_2", 2000, "needs_response")));
  s.must(ReversalShop::event("evt_d5", "charge.dispute.closed", dispute("dp_2", 2000, "lost")));
  CHECK_EQUAL(600, s.paid());
  s.verified();
  // Never more than the payment: 36.00 paid, 10.00 + 6.00 + 20.00 taken: nothing is left to take.
  Json none = s.must(ReversalShop::event("evt_r3", "refund.created", refund("re_2", 500)));
  CHECK_EQUAL(0, none["amount-minor"].get<int64_t>());
  CHECK_EQUAL(600, s.paid());
  s.verified();

  // An event for a payment we do not know is refused (the provider delivers it again later).
  Json stranger = refund("re_3", 100);
  stranger["payment_intent"] = "pi_unknown";
  CHECK_TRUE(s.deliver(ReversalShop::event("evt_x", "refund.created", stranger)).status().code() == core::Code::kInvalidArgument);
}

TEST(Reversals, SecretsAreSealedAndResealedAfterARotation) {
  ReversalShop s;
  // Stored in the clear before the upgrade: the first start seals them.
  s.must("payment-provider-set", {{"secret-key", kSecretKey}, {"webhook-secret", kWebhookSecret}});
  STRCMP_EQUAL(kSecretKey, s.storedSecretKey().c_str());
  const std::string oldKey(32, 'o'), newKey(32, 'n');
  s.f.platform->collection.setSecrets(std::make_shared<const core::SecretBox>(*core::SecretBox::fromKeys({oldKey})));
  CHECK_EQUAL(1, *s.f.platform->collection.resealSecrets());
  const std::string sealed = s.storedSecretKey();
  CHECK_TRUE(sealed.rfind("enc:v1:", 0) == 0);
  CHECK_TRUE(sealed.find(kSecretKey) == std::string::npos);
  CHECK_EQUAL(0, *s.f.platform->collection.resealSecrets());  // nothing left to do
  s.payOnline();  // the webhook secret opens: the signature checks
  // A rotation: the new key first, the old one still there; the next start reseals under the new one.
  s.f.platform->collection.setSecrets(
      std::make_shared<const core::SecretBox>(*core::SecretBox::fromKeys({newKey, oldKey})));
  CHECK_EQUAL(1, *s.f.platform->collection.resealSecrets());
  CHECK_TRUE(s.storedSecretKey() != sealed);
  // Only the new key now: still opens; a key file without it refuses to open (kCorrupt), not guesses.
  s.f.platform->collection.setSecrets(std::make_shared<const core::SecretBox>(*core::SecretBox::fromKeys({newKey})));
  CHECK_TRUE(s.deliver(ReversalShop::event("evt_late", "customer.created", Json{{"object", "customer"}})).isOk());
  s.f.platform->collection.setSecrets(std::make_shared<const core::SecretBox>(*core::SecretBox::fromKeys({oldKey})));
  CHECK_TRUE(s.deliver(ReversalShop::event("evt_later", "customer.created", Json{{"object", "customer"}})).status().code() ==
             core::Code::kCorrupt);
}

TEST(Reversals, OldWebhookEventsArePurgedAfterTheRetentionAndRecentOnesKept) {
  ReversalShop s;
  s.must("payment-provider-set", {{"secret-key", kSecretKey}, {"webhook-secret", kWebhookSecret}});
  s.payOnline();
  s.f.clock.advance(std::chrono::hours(24 * 89));
  s.must(ReversalShop::event("evt_recent", "customer.created", Json{{"object", "customer"}}));
  auto counts = [&s]() {
    int64_t events = 0, signatures = 0;
    CHECK_TRUE(s.f.storage->transact([&](mgmt::store::Transaction& tx) -> core::Status {
      EDGE_ASSIGN_OR_RETURN(events, tx.queryInt64("SELECT count(*) FROM webhook_events", {}));
      EDGE_ASSIGN_OR_RETURN(signatures, tx.queryInt64("SELECT count(*) FROM webhook_signatures", {}));
      return core::Status::ok();
    }).isOk());
    return std::make_pair(events, signatures);
  };
  CHECK_TRUE(counts() == std::make_pair(int64_t{2}, int64_t{2}));
  // 89 days: within the 90 days' retention; the first delivery's signature (older than an hour) goes.
  CHECK_EQUAL(1, *s.f.platform->collection.purgeWebhooks(90));
  CHECK_TRUE(counts() == std::make_pair(int64_t{2}, int64_t{1}));
  // The first event still answers "duplicate" (its id is remembered).
  CHECK_TRUE(s.must(ReversalShop::event("evt_pay", "checkout.session.completed", Json{{"object", "checkout.session"}}))["duplicate"].get<bool>());
  s.f.clock.advance(std::chrono::hours(24 * 2));
  CHECK_EQUAL(3, *s.f.platform->collection.purgeWebhooks(90));  // evt_pay (91 days) and two signatures
  CHECK_TRUE(counts() == std::make_pair(int64_t{1}, int64_t{0}));
  // A retention below 7 days is never used: the provider may still deliver an event that young.
  CHECK_EQUAL(0, *s.f.platform->collection.purgeWebhooks(1));
  CHECK_TRUE(counts() == std::make_pair(int64_t{1}, int64_t{0}));
  s.verified();
}

// A refund started from mgmt (refund-create, ADR 0066), its two units of work without the provider's
// HTTP call between them (topup_end_to_end makes that call against the simulator): planned, then
// booked once by the provider's refund id with a credit note whose credit settles what the reversal
// reopened, so the invoice stays paid; the provider's webhook of the same refund before or after
// books nothing more; more than is left is refused; the invoice cannot be credited in full on top.
TEST(Reversals, ARefundStartedFromMgmtIsBookedOnceWithACreditNote) {
  ReversalShop s;
  s.must("payment-provider-set", {{"secret-key", kSecretKey}, {"webhook-secret", kWebhookSecret}});
  s.payOnline();
  std::string paymentId;
  CHECK_TRUE(s.f.storage->transact([&](mgmt::store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(std::optional<mgmt::billing::Payment> p,
                          mgmt::billing::BillingStore(tx).paymentByKey(s.acme, "online:pi_unit_1"));
    paymentId = p ? p->id : "";
    return core::Status::ok();
  }).isOk());
  auto plan = [&](std::optional<int64_t> amount) {
    core::Result<mgmt::billing::RefundPlan> out = core::internalError("not run");
    CHECK_TRUE(s.f.storage->transact([&](mgmt::store::Transaction& tx) -> core::Status {
      out = mgmt::billing::planRefund(tx, s.acme, paymentId, amount, "EUR");
      return core::Status::ok();
    }).isOk());
    return out;
  };
  auto book = [&](const mgmt::billing::RefundPlan& p, const std::string& refundId) {
    Json out;
    core::Status st = s.f.storage->transact([&](mgmt::store::Transaction& tx) -> core::Status {
      EDGE_ASSIGN_OR_RETURN(out, mgmt::billing::bookRefund(tx, p, refundId, s.f.now()));
      return core::Status::ok();
    });
    if (!st.isOk()) FAIL(st.toString().c_str());
    return out;
  };

  // 12.00 of the 36.00 (tax 2.00 of it): credit note 1; the invoice stays paid, nothing owed or credited.
  core::Result<mgmt::billing::RefundPlan> first = plan(1200);
  CHECK_TRUE(first.isOk());
  CHECK_EQUAL(1200, first->invoicePart);
  STRCMP_EQUAL(s.invoice.c_str(), first->creditInvoice.c_str());
  Json booked = book(*first, "re_mgmt_1");
  const Json note = booked["credit-note"];
  CHECK_EQUAL(1, note["number"].get<int64_t>());
  CHECK_EQUAL(-1200, note["total-minor"].get<int64_t>());
  CHECK_EQUAL(-200, note["tax-minor"].get<int64_t>());
  STRCMP_EQUAL(s.invoice.c_str(), note["credits"].get<std::string>().c_str());
  CHECK_EQUAL(3600, s.paid());
  s.verified();
  // Booked again (a retry with the same key gives the same refund id), then the provider's webhook.
  Json again = book(*first, "re_mgmt_1");
  STRCMP_EQUAL(note["id"].get<std::string>().c_str(), again["credit-note"]["id"].get<std::string>().c_str());
  CHECK_TRUE(s.must(ReversalShop::event("evt_re_mgmt_1", "refund.created", refund("re_mgmt_1", 1200)))["duplicate"].get<bool>());
  CHECK_EQUAL(3600, s.paid());
  const Json balance = s.must("billing-balance", {{"username", "alice"}}).arguments[0];
  CHECK_EQUAL(0, balance["owed-minor"].get<int64_t>());
  CHECK_EQUAL(0, balance["credit-minor"].get<int64_t>());

  // More than is left is refused, naming the field.
  core::Result<mgmt::billing::RefundPlan> tooMuch = plan(2401);
  CHECK_TRUE(tooMuch.status().code() == core::Code::kInvalidArgument);
  CHECK_TRUE(tooMuch.status().message().find("amount: at most 24.00 EUR") != std::string::npos);
  // The rest, its webhook first this time (it reopens 24.00), then the booking: credit note 2 settles it.
  core::Result<mgmt::billing::RefundPlan> rest = plan(std::nullopt);
  CHECK_TRUE(rest.isOk());
  CHECK_EQUAL(2400, rest->amount);
  s.must(ReversalShop::event("evt_re_mgmt_2", "refund.created", refund("re_mgmt_2", 2400)));
  CHECK_EQUAL(1200, s.paid());
  Json second = book(*rest, "re_mgmt_2");
  CHECK_EQUAL(2, second["credit-note"]["number"].get<int64_t>());
  CHECK_EQUAL(-2400, second["credit-note"]["total-minor"].get<int64_t>());
  CHECK_EQUAL(3600, s.paid());
  s.verified();
  CHECK_TRUE(plan(std::nullopt).status().code() == core::Code::kFailedPrecondition);
  core::ControlReply full = s.f.call("credit-note-add", {{"tenant", "acme"}, {"invoice", s.invoice}});
  CHECK_FALSE(full.ok());
  CHECK_TRUE(full.text.find("refund credit notes already") != std::string::npos);
}
