// Partners through the command table on the storage of this run (SQLite, or PostgreSQL for _pg):
// commissions from billing's real invoices and payments to the cent (partial payments, flat per
// sale, a credit note clawing back, the hold period, a payout), the run's idempotency, statements
// and partners-verify (which a tampered statement fails), and isolation: another tenant and
// another partner get not-found, a partner reads only its own ledger, attributions and payouts.
#include "mgmt/partners/partner_store.h"
#include "tests/mgmt/support/mgmt_fixture.h"  // last: it ends with CppUTest's headers

using core::Json;
using mgmt::tenancy::Caller;
using mgmt::testing::Fixture;

namespace {


struct Shop {
  Fixture f;
  std::string acme, globex, partner, other, code;

  Shop() {
    acme = f.tenant("acme", "basic");
    globex = f.tenant("globex", "basic");
    must("billing-setup", {{"tenant", "acme"}, {"currency", "EUR"}});
    must("tax-rate-set", {{"tenant", "acme"}, {"rate", "20"}});
    must("plan-add", {{"tenant", "acme"}, {"name", "basic"}, {"down", "10M"}, {"up", "5M"}, {"price", "30.00"}, {"currency", "EUR"}});
    for (const char* u : {"alice", "bob", "carol"})
      must("subscriber-add", {{"tenant", "acme"}, {"username", u}, {"password", "pw"}, {"plan", "basic"}});
    Json p = must("partner-add", {{"tenant", "acme"}, {"name", "Corner Shop"}, {"type", "authorized-dealer"},
                                  {"currency", "EUR"}, {"hold-days", 30}, {"min-payout", "5.00"}})
                 .arguments;
    partner = p["id"].get<std::string>();
    code = p["referral-code"].get<std::string>();
    other = must("partner-add", {{"tenant", "acme"}, {"name", "Other Shop"}, {"type", "referral-partner"}, {"currency", "EUR"}})
                .arguments["id"]
                .get<std::string>();
    must("commission-plan-set", {{"tenant", "acme"}, {"name", "ten"}, {"currency", "EUR"},
                                 {"spec", R"({"rate-bp": 1000, "flat": "2.50"})"}});
    must("partner-plan", {{"tenant", "acme"}, {"partner", partner}, {"plan", "ten"}, {"date", "2026-01-01"}});
    must("partner-plan", {{"tenant", "acme"}, {"partner", other}, {"plan", "ten"}, {"date", "2026-01-01"}});
  }

  core::ControlReply call(const std::string& command, const Json& args, const Caller& caller = Caller{}) {
    return f.call(command, args, caller);
  }
  core::ControlReply must(const std::string& command, const Json& args) {
    core::ControlReply r = f.call(command, args);
    if (!r.ok()) FAIL((command + ": " + r.text).c_str());
    return r;
  }
  core::ControlReply asPartner(const std::string& id, const std::string& command, const Json& args) {
    return f.table->call(core::command::Caller{"partner", "partner:" + id, "test"}, command, args);
  }
  std::string invoiceOf(const std::string& username) {
    Json list = must("invoice-list", {{"tenant", "acme"}, {"username", username}}).arguments;
    for (const Json& i : list)
      if (i["kind"] == "invoice") return i["id"].get<std::string>();
    FAIL(("no invoice of " + username).c_str());
    return "";
  }
  std::vector<int64_t> amounts(const std::string& id) {
    std::vector<int64_t> out;
    const Json entries = must("partner-ledger", {{"tenant", "acme"}, {"partner", id}}).arguments["entries"];
    for (const Json& e : entries) out.push_back(e["amount-minor"].get<int64_t>());
    return out;
  }
  int64_t sum(const std::string& id) {
    int64_t s = 0;
    for (int64_t a : amounts(id)) s += a;
    return s;
  }

  // March 2026: alice (by hand since January) and bob (by referral code from March 1st) are the
  // partner's; carol is given to the other partner on March 10th, after her invoice was issued.
  void march() {
    must("attribution-set", {{"tenant", "acme"}, {"username", "alice"}, {"partner", partner}, {"date", "2026-01-01"}});
    must("attribution-set", {{"tenant", "acme"}, {"username", "bob"}, {"code", code}, {"clicked", "2026-02-20"}, {"date", "2026-03-01"}});
    must("charge-add", {{"tenant", "acme"}, {"username", "alice"}, {"description", "install"}, {"amount", "30.00"}, {"date", "2026-03-02"}});
    must("charge-add", {{"tenant", "acme"}, {"username", "bob"}, {"description", "install"}, {"amount", "100.00"}, {"date", "2026-03-02"}});
    must("charge-add", {{"tenant", "acme"}, {"username", "carol"}, {"description", "install"}, {"amount", "50.00"}, {"date", "2026-03-02"}});
    must("billing-run", {{"tenant", "acme"}, {"date", "2026-03-02"}, {"finalize", true}});
    must("attribution-set", {{"tenant", "acme"}, {"username", "carol"}, {"partner", other}, {"date", "2026-03-10"}});
    must("payment-add", {{"tenant", "acme"}, {"username", "alice"}, {"amount", "10.00"}, {"date", "2026-03-05"}});
    must("payment-add", {{"tenant", "acme"}, {"username", "alice"}, {"amount", "26.00"}, {"date", "2026-03-06"}});
    must("payment-add", {{"tenant", "acme"}, {"username", "bob"}, {"amount", "120.00"}, {"date", "2026-03-07"}});
    must("payment-add", {{"tenant", "acme"}, {"username", "carol"}, {"amount", "60.00"}, {"date", "2026-03-07"}});
  }
};

}  // namespace

TEST_GROUP(Partners){};

TEST(Partners, CommissionsFromPaidInvoicesToTheCentWithClawbackHoldAndPayout) {
  Shop s;
  s.march();
  Json run = s.must("commission-run", {{"tenant", "acme"}}).arguments;
  // alice: 10.00 of 36.00 paid is 8.33 of revenue (10% = 0.833), then the rest 21.67; with the flat
  // 2.50 on her first payment the rounded running total gives 0.83, 2.50, 2.17 = 5.50 exactly.
  // bob: 100.00 of revenue -> 10.00, and the flat 2.50. carol: nothing (no partner when invoiced).
  std::vector<int64_t> expected{83, 250, 217, 1000, 250};
  CHECK_TRUE(expected == s.amounts(s.partner));
  CHECK_EQUAL(1800, s.sum(s.partner));
  CHECK_EQUAL(0u, s.amounts(s.other).size());
  // Each entry names the invoice and payment it came from.
  Json entries = s.must("partner-ledger", {{"tenant", "acme"}, {"partner", s.partner}}).arguments["entries"];
  STRCMP_EQUAL(s.invoiceOf("alice").c_str(), entries[0]["invoice"].get<std::string>().c_str());
  CHECK_FALSE(entries[0]["payment"].get<std::string>().empty());
  STRCMP_EQUAL("2026-04-04", entries[0]["released"].get<std::string>().c_str());  // 30 days' hold

  // Running again takes nothing twice.
  CHECK_EQUAL(0, s.must("commission-run", {{"tenant", "acme"}}).arguments["entries"].get<int64_t>());
  CHECK_EQUAL(1800, s.sum(s.partner));

  // A credit note on bob's invoice claws back what it earned, at once.
  s.must("credit-note-add", {{"tenant", "acme"}, {"invoice", s.invoiceOf("bob")}, {"date", "2026-03-20"}});
  s.must("commission-run", {{"tenant", "acme"}});
  CHECK_EQUAL(550, s.sum(s.partner));

  // March's statement: accrued 18.00, clawed back 12.50, closing 5.50, all accruals still on hold, so
  // nothing payable yet (the clawback is netted against them).
  Json st = s.must("partner-statement", {{"tenant", "acme"}, {"partner", s.partner}, {"period", "2026-03"}}).arguments;
  CHECK_EQUAL(1800, st["minor"]["accrued"].get<int64_t>());
  CHECK_EQUAL(-1250, st["minor"]["clawed-back"].get<int64_t>());
  CHECK_EQUAL(550, st["minor"]["closing"].get<int64_t>());
  CHECK_EQUAL(1800, st["minor"]["on-hold"].get<int64_t>());
  CHECK_EQUAL(-1250, st["minor"]["payable"].get<int64_t>());
  CHECK_EQUAL(7u, st["lines"].size());

  // Before the hold ends nothing can be paid; after it, 5.50 (above the 5.00 minimum), once.
  core::ControlReply early = s.call("payout-approve", {{"tenant", "acme"}, {"partner", s.partner}, {"date", "2026-03-31"}});
  CHECK_TRUE(early.code == core::Code::kFailedPrecondition);
  Json po = s.must("payout-approve", {{"tenant", "acme"}, {"partner", s.partner}, {"date", "2026-04-10"}}).arguments;
  CHECK_EQUAL(550, po["amount-minor"].get<int64_t>());
  CHECK_TRUE(s.call("payout-approve", {{"tenant", "acme"}, {"partner", s.partner}, {"date", "2026-04-11"}}).code ==
             core::Code::kFailedPrecondition);
  s.must("payout-paid", {{"tenant", "acme"}, {"payout", po["id"]}, {"date", "2026-04-12"}});
  Json april = s.must("partner-statement", {{"tenant", "acme"}, {"partner", s.partner}, {"period", "2026-04"}}).arguments;
  CHECK_EQUAL(550, april["minor"]["opening"].get<int64_t>());
  CHECK_EQUAL(-550, april["minor"]["paid-out"].get<int64_t>());
  CHECK_EQUAL(0, april["minor"]["closing"].get<int64_t>());
  std::string csv = s.must("payout-list", {{"tenant", "acme"}, {"format", "csv"}}).arguments["csv"].get<std::string>();
  CHECK_TRUE(csv.find(po["id"].get<std::string>() + "," + s.partner + ",Corner Shop,5.50,EUR,paid,2026-04-10,2026-04-12,") !=
             std::string::npos);

  // Verify recomputes both stored statements; a statement changed behind its back fails it.
  Json v = s.must("partners-verify", {{"tenant", "acme"}}).arguments;
  CHECK_EQUAL(2, v["statements"].get<int64_t>());
  core::Status tamper = s.f.storage->transact([](mgmt::store::Transaction& tx) {
    return tx.exec("UPDATE commission_statements SET closing = closing + 1 WHERE period = 202603").status();
  });
  CHECK_TRUE(tamper.isOk());
  core::ControlReply bad = s.call("partners-verify", {{"tenant", "acme"}});
  CHECK_TRUE(bad.code == core::Code::kCorrupt);
  STRCMP_CONTAINS("statement 202603", bad.text.c_str());
}

TEST(Partners, RefusalsNameTheField) {
  Shop s;
  auto text = [&](const std::string& cmd, const Json& args) { return s.call(cmd, args).text; };
  STRCMP_CONTAINS("type:", text("partner-add", {{"tenant", "acme"}, {"name", "X"}, {"type", "friend"}, {"currency", "EUR"}}).c_str());
  STRCMP_CONTAINS("currency:", text("partner-add", {{"tenant", "acme"}, {"name", "X"}, {"type", "franchise"}, {"currency", "eur"}}).c_str());
  STRCMP_CONTAINS("name:", text("partner-add", {{"tenant", "acme"}, {"name", "Corner Shop"}, {"type", "franchise"}, {"currency", "EUR"}}).c_str());
  STRCMP_CONTAINS("rate-bp:", text("commission-plan-set", {{"tenant", "acme"}, {"name", "x"}, {"currency", "EUR"}, {"spec", R"({"rate-bp": -1})"}}).c_str());
  STRCMP_CONTAINS("spec", text("commission-plan-set", {{"tenant", "acme"}, {"name", "x"}, {"currency", "EUR"}, {"spec", "{nope"}}).c_str());
  STRCMP_CONTAINS("plan:", text("partner-plan", {{"tenant", "acme"}, {"partner", s.partner}, {"plan", "none"}}).c_str());
  // A referral code outside the partner's window (90 days) attributes nothing.
  core::ControlReply late = s.call("attribution-set", {{"tenant", "acme"}, {"username", "carol"}, {"code", s.code},
                                                       {"clicked", "2025-01-01"}, {"date", "2026-03-01"}});
  CHECK_TRUE(late.code == core::Code::kFailedPrecondition);
  STRCMP_CONTAINS("clicked:", late.text.c_str());
  STRCMP_CONTAINS("period:", text("partner-statement", {{"tenant", "acme"}, {"partner", s.partner}, {"period", "March"}}).c_str());
}

TEST(Partners, ATenantAndAPartnerReachOnlyTheirOwn) {
  Shop s;
  s.march();
  s.must("commission-run", {{"tenant", "acme"}});
  const Caller globex{s.globex};
  // Another tenant: acme's partner does not exist for it, on every route that names one.
  const std::vector<std::pair<std::string, Json>> routes{
      {"partner-show", {{"partner", s.partner}}},
      {"partner-ledger", {{"partner", s.partner}}},
      {"partner-statement", {{"partner", s.partner}, {"period", "2026-03"}}},
      {"payout-approve", {{"partner", s.partner}, {"date", "2026-04-10"}}},
      {"payout-list", {{"partner", s.partner}}},
      {"partner-set", {{"partner", s.partner}, {"tier", "gold"}}},
      {"partner-plan", {{"partner", s.partner}, {"plan", "ten"}}},
      {"partner-bonus", {{"partner", s.partner}, {"quarter", "2026-Q1"}}},
      {"attribution-list", {{"partner", s.partner}}},
  };
  for (const auto& [cmd, args] : routes) {
    core::ControlReply r = s.call(cmd, args, globex);
    CHECK_TRUE_TEXT(r.code == core::Code::kNotFound, (cmd + ": " + r.text).c_str());
  }
  CHECK_EQUAL(0u, s.call("partner-list", Json::object(), globex).arguments["partners"].size());
  CHECK_EQUAL(0u, s.call("attribution-list", Json::object(), globex).arguments["attributions"].size());
  CHECK_TRUE(s.call("attribution-set", {{"username", "x"}, {"partner", s.partner}}, globex).code == core::Code::kNotFound);
  CHECK_TRUE(s.call("commission-plan-list", Json::object(), globex).arguments["plans"].empty());
  // acme sees both its partners; the platform sees them with --tenant.
  CHECK_EQUAL(2u, s.call("partner-list", Json::object(), Caller{s.acme}).arguments["partners"].size());

  // The partner itself: its own ledger, statement, attributions and payouts; the other partner's are
  // not-found; it changes nothing.
  core::ControlReply own = s.asPartner(s.partner, "partner-ledger", Json::object());
  CHECK_TRUE_TEXT(own.ok(), own.text.c_str());
  CHECK_EQUAL(5u, own.arguments["entries"].size());
  CHECK_TRUE(s.asPartner(s.partner, "partner-statement", {{"period", "2026-03"}}).ok());
  CHECK_TRUE(s.asPartner(s.partner, "partner-ledger", {{"partner", s.other}}).code == core::Code::kNotFound);
  CHECK_TRUE(s.asPartner(s.partner, "partner-show", {{"partner", s.other}}).code == core::Code::kNotFound);
  CHECK_TRUE(s.asPartner(s.partner, "partner-statement", {{"partner", s.other}, {"period", "2026-03"}}).code ==
             core::Code::kNotFound);
  Json attributions = s.asPartner(s.partner, "attribution-list", Json::object()).arguments["attributions"];
  CHECK_EQUAL(2u, attributions.size());
  for (const Json& a : attributions) CHECK_TRUE(a["username"] == "alice" || a["username"] == "bob");
  Json list = s.asPartner(s.partner, "partner-list", Json::object()).arguments["partners"];
  CHECK_EQUAL(1u, list.size());
  CHECK_TRUE(s.asPartner(s.partner, "payout-list", {{"partner", s.other}}).code == core::Code::kNotFound);
  CHECK_TRUE(s.asPartner(s.partner, "partner-add", {{"name", "Mine"}, {"type", "franchise"}, {"currency", "EUR"}}).code ==
             core::Code::kPermissionDenied);
  CHECK_TRUE(s.asPartner(s.partner, "commission-run", Json::object()).code == core::Code::kPermissionDenied);
}

TEST(Partners, ADemoPurgeTakesTheTenantsResellersAndLeavesOthers) {
  Shop s;
  s.march();
  s.must("commission-run", {{"tenant", "acme"}});
  // globex has a reseller of its own, which must stay.
  s.must("billing-setup", {{"tenant", "globex"}, {"currency", "EUR"}});
  s.must("partner-add", {{"tenant", "globex"}, {"name", "Globex Shop"}, {"type", "franchise"}, {"currency", "EUR"}});
  auto count = [&](const std::string& sql) {
    int64_t n = -1;
    core::Status st = s.f.storage->transact([&](mgmt::store::Transaction& tx) -> core::Status {
      core::Result<int64_t> r = tx.queryInt64(sql);
      if (!r.isOk()) return r.status();
      n = *r;
      return core::Status::ok();
    });
    CHECK_TRUE_TEXT(st.isOk(), st.toString().c_str());
    return n;
  };
  CHECK_TRUE(count("SELECT count(*) FROM commission_entries") > 0);
  core::Status purged = s.f.storage->transact(
      [&](mgmt::store::Transaction& tx) { return mgmt::partners::PartnerStore(tx).deleteTenant(s.acme); });
  CHECK_TRUE_TEXT(purged.isOk(), purged.toString().c_str());
  for (const char* table : {"commission_entries", "commission_invoices", "commission_volumes", "commission_state",
                            "partner_plans", "partner_tiers", "commission_statements", "commission_payouts"})
    CHECK_EQUAL_TEXT(0, count(std::string("SELECT count(*) FROM ") + table +
                              " WHERE partner_id IN ('" + s.partner + "', '" + s.other + "')"),
                     table);
  CHECK_EQUAL(0, count("SELECT count(*) FROM attributions WHERE tenant_id = '" + s.acme + "'"));
  CHECK_EQUAL(0, count("SELECT count(*) FROM commission_plans WHERE scope = '" + s.acme + "'"));
  CHECK_EQUAL(0, count("SELECT count(*) FROM commission_progress WHERE tenant_id = '" + s.acme + "'"));
  CHECK_EQUAL(0, count("SELECT count(*) FROM partners WHERE scope = '" + s.acme + "'"));
  CHECK_EQUAL(1, count("SELECT count(*) FROM partners WHERE scope = '" + s.globex + "'"));
  CHECK_EQUAL(1, count("SELECT count(*) FROM commission_state"));
}
