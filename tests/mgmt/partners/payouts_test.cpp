// Partner payouts to the bank (ADR 0056) through the command table on this run's storage (SQLite,
// or PostgreSQL for _pg): IBAN/BIC refusals; a payout batch as ISO 20022 pain.001.001.03 read back
// with expat (the structure, the sums, each payout's end-to-end id, names with XML's special
// characters) and as CSV; each payout exported once, a batch written again identically; the
// reconciliation of a real camt.053 with debit lines (matched, an odd amount, an unknown id, a
// bank fee), idempotent on a second import; another tenant's statement cannot pay our payout.
// The commission run in pages of one event gives the same ledger as in one page.
#include <expat.h>

#include <functional>
#include <map>
#include <memory>
#include <tuple>

#include "tests/mgmt/support/mgmt_fixture.h"  // last: it ends with CppUTest's headers

using core::Json;
using mgmt::tenancy::Caller;
using mgmt::testing::Fixture;

namespace {


// A small DOM read with expat (namespace-aware: names are "uri|local").
struct Node {
  std::string name, text;
  std::map<std::string, std::string> attrs;
  std::vector<std::unique_ptr<Node>> children;
  Node* parent = nullptr;
  const Node* child(const std::string& local) const {
    for (const auto& c : children)
      if (c->local() == local) return c.get();
    return nullptr;
  }
  std::vector<const Node*> all(const std::string& local) const {
    std::vector<const Node*> out;
    for (const auto& c : children)
      if (c->local() == local) out.push_back(c.get());
    return out;
  }
  std::string local() const { return name.substr(name.find('|') + 1); }
  std::string at(const std::vector<std::string>& path) const {
    const Node* n = this;
    for (const std::string& p : path) {
      n = n->child(p);
      if (!n) return "<missing " + p + ">";
    }
    return n->text;
  }
  std::vector<std::string> childNames() const {
    std::vector<std::string> out;
    for (const auto& c : children) out.push_back(c->local());
    return out;
  }
};

std::unique_ptr<Node> parseXml(const std::string& xml) {
  auto root = std::make_unique<Node>();
  Node* cur = root.get();
  XML_Parser p = XML_ParserCreateNS("UTF-8", '|');
  XML_SetUserData(p, &cur);
  XML_SetElementHandler(
      p,
      [](void* d, const char* name, const char** attrs) {
        Node*& cur = *static_cast<Node**>(d);
        auto n = std::make_unique<Node>();
        n->name = name;
        n->parent = cur;
        for (const char** a = attrs; *a; a += 2) n->attrs[a[0]] = a[1];
        cur->children.push_back(std::move(n));
        cur = cur->children.back().get();
      },
      [](void* d, const char*) {
        Node*& cur = *static_cast<Node**>(d);
        size_t a = cur->text.find_first_not_of(" \n"), b = cur->text.find_last_not_of(" \n");
        cur->text = a == std::string::npos ? "" : cur->text.substr(a, b - a + 1);
        cur = cur->parent;
      });
  XML_SetCharacterDataHandler(p, [](void* d, const char* s, int len) { (*static_cast<Node**>(d))->text.append(s, len); });
  const bool ok = XML_Parse(p, xml.data(), static_cast<int>(xml.size()), XML_TRUE) == XML_STATUS_OK;
  XML_ParserFree(p);
  if (!ok) return nullptr;
  return root;
}

constexpr const char* kIbanA = "DE89370400440532013000";  // the well-known valid example IBAN
constexpr const char* kIbanB = "GB82WEST12345698765432";
constexpr const char* kIbanPlatform = "FR1420041010050500013M02606";
constexpr const char* kNameA = "Shop \"A&B\" <GmbH> & Söhne";

struct Payouts {
  Fixture f;
  std::string acme, globex, a, b, poA, poB, e2eA, e2eB;
  int64_t amountA = 0, amountB = 0;

  Payouts() {
    acme = f.tenant("acme", "basic");
    globex = f.tenant("globex", "basic");
    for (const char* t : {"acme", "globex"}) {
      must("billing-setup", {{"tenant", t}, {"currency", "EUR"}});
      must("tax-rate-set", {{"tenant", t}, {"rate", "20"}});
    }
    must("plan-add", {{"tenant", "acme"}, {"name", "basic"}, {"down", "10M"}, {"up", "5M"}, {"price", "30.00"}, {"currency", "EUR"}});
    for (const char* u : {"alice", "bob"})
      must("subscriber-add", {{"tenant", "acme"}, {"username", u}, {"password", "pw"}, {"plan", "basic"}});
    a = must("partner-add", {{"tenant", "acme"}, {"name", kNameA}, {"type", "authorized-dealer"}, {"currency", "EUR"},
                             {"hold-days", 0}, {"iban", "de89 3704 0044 0532 0130 00"}, {"bic", "cobadeffxxx"}})
            .arguments["id"].get<std::string>();
    b = must("partner-add", {{"tenant", "acme"}, {"name", "Corner Shop"}, {"type", "referral-partner"}, {"currency", "EUR"},
                             {"hold-days", 0}, {"iban", kIbanB}})
            .arguments["id"].get<std::string>();
    must("commission-plan-set", {{"tenant", "acme"}, {"name", "ten"}, {"currency", "EUR"}, {"spec", R"({"rate-bp": 1000, "flat": "2.50"})"}});
    for (const std::string& p : {a, b}) must("partner-plan", {{"tenant", "acme"}, {"partner", p}, {"plan", "ten"}, {"date", "2026-01-01"}});
    must("attribution-set", {{"tenant", "acme"}, {"username", "alice"}, {"partner", a}, {"date", "2026-01-01"}});
    must("attribution-set", {{"tenant", "acme"}, {"username", "bob"}, {"partner", b}, {"date", "2026-01-01"}});
    must("charge-add", {{"tenant", "acme"}, {"username", "alice"}, {"description", "install"}, {"amount", "100.00"}, {"date", "2026-03-02"}});
    must("charge-add", {{"tenant", "acme"}, {"username", "bob"}, {"description", "install"}, {"amount", "50.00"}, {"date", "2026-03-02"}});
    must("billing-run", {{"tenant", "acme"}, {"date", "2026-03-02"}, {"finalize", true}});
    must("payment-add", {{"tenant", "acme"}, {"username", "alice"}, {"amount", "120.00"}, {"date", "2026-03-05"}});
    must("payment-add", {{"tenant", "acme"}, {"username", "bob"}, {"amount", "60.00"}, {"date", "2026-03-05"}});
    must("commission-run", {{"tenant", "acme"}});
    Json pa = must("payout-approve", {{"tenant", "acme"}, {"partner", a}, {"date", "2026-03-10"}}).arguments;
    Json pb = must("payout-approve", {{"tenant", "acme"}, {"partner", b}, {"date", "2026-03-10"}}).arguments;
    poA = pa["id"].get<std::string>(), e2eA = pa["end-to-end-id"].get<std::string>(), amountA = pa["amount-minor"].get<int64_t>();
    poB = pb["id"].get<std::string>(), e2eB = pb["end-to-end-id"].get<std::string>(), amountB = pb["amount-minor"].get<int64_t>();
  }

  core::ControlReply call(const std::string& command, const Json& args, const Caller& caller = Caller{}) {
    return f.call(command, args, caller);
  }
  core::ControlReply must(const std::string& command, const Json& args, const Caller& caller = Caller{}) {
    core::ControlReply r = f.call(command, args, caller);
    if (!r.ok()) FAIL((command + ": " + r.text).c_str());
    return r;
  }
  Json payout(const std::string& id) {
    const Json payouts = must("payout-list", {{"tenant", "acme"}}).arguments["payouts"];
    for (const Json& p : payouts)
      if (p["id"] == id) return p;
    FAIL(("no payout " + id).c_str());
    return Json();
  }
};

// A camt.053 statement of the tenant's account with booked debit entries (money out).
std::string camtWithDebits(const std::string& statementId, const std::vector<std::tuple<std::string, std::string, std::string, std::string>>& debits) {
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt>"
      "<GrpHdr><MsgId>MSG-" + statementId + "</MsgId><CreDtTm>2026-03-13T08:00:00</CreDtTm></GrpHdr>"
      "<Stmt><Id>" + statementId + "</Id><CreDtTm>2026-03-13T08:00:00</CreDtTm>"
      "<Acct><Id><IBAN>" + std::string(kIbanPlatform) + "</IBAN></Id></Acct>";
  for (const auto& [ref, amount, e2e, name] : debits)
    xml += "<Ntry><Amt Ccy=\"EUR\">" + amount + "</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>"
           "<BookgDt><Dt>2026-03-12</Dt></BookgDt><ValDt><Dt>2026-03-12</Dt></ValDt><AcctSvcrRef>" + ref + "</AcctSvcrRef>"
           "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
           "<NtryDtls><TxDtls><Refs><EndToEndId>" + e2e + "</EndToEndId></Refs>"
           "<AmtDtls><TxAmt><Amt Ccy=\"EUR\">" + amount + "</Amt></TxAmt></AmtDtls>"
           "<RltdPties><Cdtr><Nm>" + name + "</Nm></Cdtr></RltdPties></TxDtls></NtryDtls></Ntry>";
  return xml + "</Stmt></BkToCstmrStmt></Document>\n";
}

std::string decimal(int64_t minor) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%02lld", static_cast<long long>(minor / 100), static_cast<long long>(minor % 100));
  return buf;
}

}  // namespace

TEST_GROUP(PartnerPayouts){};

TEST(PartnerPayouts, BankAccountsAreCheckedAndRefusalsNameTheField) {
  Payouts s;
  auto refused = [&](const std::string& cmd, const Json& args, const char* field) {
    core::ControlReply r = s.call(cmd, args);
    CHECK_TRUE_TEXT(r.code == core::Code::kInvalidArgument, (cmd + ": " + r.text).c_str());
    STRCMP_CONTAINS(field, r.text.c_str());
    return r.text;
  };
  // One digit off: the mod-97 check catches it.
  STRCMP_CONTAINS("check digits", refused("partner-set", {{"tenant", "acme"}, {"partner", s.a}, {"iban", "DE89370400440532013001"}}, "iban:").c_str());
  STRCMP_CONTAINS("22 characters", refused("partner-set", {{"tenant", "acme"}, {"partner", s.a}, {"iban", "DE8937040044053201300"}}, "iban:").c_str());
  refused("partner-set", {{"tenant", "acme"}, {"partner", s.a}, {"iban", "1234567890123456"}}, "iban:");
  refused("partner-set", {{"tenant", "acme"}, {"partner", s.a}, {"iban", "DE89-3704-0044-0532-0130-00"}}, "iban:");
  refused("partner-set", {{"tenant", "acme"}, {"partner", s.a}, {"bic", "COBA1EFF"}}, "bic:");
  refused("partner-add", {{"tenant", "acme"}, {"name", "X"}, {"type", "franchise"}, {"currency", "EUR"}, {"bic", "COBADEFF"}}, "bic:");
  refused("payout-account-set", {{"tenant", "acme"}, {"name", "Acme Ltd"}, {"iban", "FR1420041010050500013M02607"}}, "iban:");
  refused("payout-export", {{"tenant", "acme"}, {"format", "xml"}}, "format:");
  // The account as stored: the electronic form.
  Json shown = s.must("partner-show", {{"tenant", "acme"}, {"partner", s.a}}).arguments;
  STRCMP_EQUAL(kIbanA, shown.contains("partner") ? shown["partner"]["iban"].get<std::string>().c_str() : shown["iban"].get<std::string>().c_str());
  // Export needs the account payouts are paid from.
  core::ControlReply noDebtor = s.call("payout-export", {{"tenant", "acme"}});
  CHECK_TRUE(noDebtor.code == core::Code::kFailedPrecondition);
  STRCMP_CONTAINS("payout-account-set", noDebtor.text.c_str());
  // ... and that failure exported nothing: the payouts wait as they were.
  STRCMP_EQUAL("", s.payout(s.poA)["batch"].get<std::string>().c_str());
}

TEST(PartnerPayouts, ABatchAsPain001ReadBackWithItsSumsIdsAndEscapedNames) {
  Payouts s;
  CHECK_TRUE(s.amountA > 0 && s.amountB > 0);
  s.must("payout-account-set", {{"tenant", "acme"}, {"name", "Acme Networks Ltd"}, {"iban", kIbanPlatform}, {"bic", "BNPAFRPP"}});
  Json out = s.must("payout-export", {{"tenant", "acme"}, {"format", "pain001"}, {"date", "2026-03-11"}}).arguments;
  const std::string doc = out["document"].get<std::string>(), batch = out["batch"].get<std::string>();
  CHECK_EQUAL(2, out["payouts"].get<int64_t>());
  // Raw text: the name's special characters are escaped, never raw.
  STRCMP_CONTAINS("Shop &quot;A&amp;B&quot; &lt;GmbH&gt; &amp; Söhne", doc.c_str());
  auto root = parseXml(doc);
  CHECK_TRUE_TEXT(root != nullptr, doc.c_str());
  const Node* document = root->child("Document");
  CHECK_TRUE(document != nullptr);
  STRCMP_EQUAL("urn:iso:std:iso:20022:tech:xsd:pain.001.001.03|Document", document->name.c_str());
  const Node* init = document->child("CstmrCdtTrfInitn");
  CHECK_TRUE(init != nullptr);
  const Node* hdr = init->child("GrpHdr");
  // The element order of the XSD's sequences.
  CHECK_TRUE((std::vector<std::string>{"MsgId", "CreDtTm", "NbOfTxs", "CtrlSum", "InitgPty"}) == hdr->childNames());
  STRCMP_EQUAL(batch.c_str(), hdr->at({"MsgId"}).c_str());
  CHECK_TRUE(batch.size() <= 35);
  STRCMP_EQUAL("2", hdr->at({"NbOfTxs"}).c_str());
  STRCMP_EQUAL(decimal(s.amountA + s.amountB).c_str(), hdr->at({"CtrlSum"}).c_str());
  CHECK_EQUAL(19u, hdr->at({"CreDtTm"}).size());  // 2026-03-11T12:00:00
  std::vector<const Node*> infs = init->all("PmtInf");
  CHECK_EQUAL(1u, infs.size());
  const Node* inf = infs[0];
  CHECK_TRUE((std::vector<std::string>{"PmtInfId", "PmtMtd", "NbOfTxs", "CtrlSum", "PmtTpInf", "ReqdExctnDt", "Dbtr", "DbtrAcct",
                                       "DbtrAgt", "ChrgBr", "CdtTrfTxInf", "CdtTrfTxInf"}) == inf->childNames());
  STRCMP_EQUAL("TRF", inf->at({"PmtMtd"}).c_str());
  STRCMP_EQUAL("SEPA", inf->at({"PmtTpInf", "SvcLvl", "Cd"}).c_str());
  STRCMP_EQUAL("2026-03-11", inf->at({"ReqdExctnDt"}).c_str());
  STRCMP_EQUAL("Acme Networks Ltd", inf->at({"Dbtr", "Nm"}).c_str());
  STRCMP_EQUAL(kIbanPlatform, inf->at({"DbtrAcct", "Id", "IBAN"}).c_str());
  STRCMP_EQUAL("BNPAFRPP", inf->at({"DbtrAgt", "FinInstnId", "BIC"}).c_str());
  STRCMP_EQUAL("SLEV", inf->at({"ChrgBr"}).c_str());
  std::map<std::string, const Node*> byE2e;
  for (const Node* tx : inf->all("CdtTrfTxInf")) byE2e[tx->at({"PmtId", "EndToEndId"})] = tx;
  CHECK_EQUAL(2u, byE2e.size());
  const Node* ta = byE2e[s.e2eA];
  const Node* tb = byE2e[s.e2eB];
  CHECK_TRUE(ta != nullptr && tb != nullptr);
  STRCMP_EQUAL(decimal(s.amountA).c_str(), ta->at({"Amt", "InstdAmt"}).c_str());
  STRCMP_EQUAL("EUR", ta->child("Amt")->child("InstdAmt")->attrs.at("Ccy").c_str());
  STRCMP_EQUAL(kNameA, ta->at({"Cdtr", "Nm"}).c_str());  // read back exactly through the escaping
  STRCMP_EQUAL(kIbanA, ta->at({"CdtrAcct", "Id", "IBAN"}).c_str());
  STRCMP_EQUAL("COBADEFFXXX", ta->at({"CdtrAgt", "FinInstnId", "BIC"}).c_str());
  CHECK_TRUE((std::vector<std::string>{"PmtId", "Amt", "CdtrAgt", "Cdtr", "CdtrAcct", "RmtInf"}) == ta->childNames());
  CHECK_TRUE(tb->child("CdtrAgt") == nullptr);  // IBAN only
  STRCMP_EQUAL(decimal(s.amountB).c_str(), tb->at({"Amt", "InstdAmt"}).c_str());

  // Each payout goes out once: nothing is left to export, and the payouts name their batch.
  core::ControlReply again = s.call("payout-export", {{"tenant", "acme"}});
  CHECK_TRUE_TEXT(again.code == core::Code::kFailedPrecondition, again.text.c_str());
  STRCMP_EQUAL(batch.c_str(), s.payout(s.poA)["batch"].get<std::string>().c_str());
  // The batch written again is the same file (same MsgId and creation time), even a day later.
  s.f.clock.advance(std::chrono::milliseconds(86400 * 1000));
  Json rewritten = s.must("payout-export", {{"tenant", "acme"}, {"batch", batch}, {"date", "2026-03-11"}}).arguments;
  STRCMP_EQUAL(doc.c_str(), rewritten["document"].get<std::string>().c_str());
  // And as CSV for the bank's upload form.
  std::string csv = s.must("payout-export", {{"tenant", "acme"}, {"batch", batch}, {"format", "csv"}, {"date", "2026-03-11"}})
                        .arguments["document"].get<std::string>();
  STRCMP_CONTAINS(("\n" + s.e2eB + "," + s.poB + "," + s.b + ",Corner Shop," + kIbanB + ",," + decimal(s.amountB) +
                   ",EUR,2026-03-11," + batch + "\n").c_str(), csv.c_str());
  STRCMP_CONTAINS("\"Shop \"\"A&B\"\" <GmbH> & Söhne\"", csv.c_str());

  // Another tenant cannot export or name acme's batch; a partner cannot export at all.
  s.must("payout-account-set", {{"name", "Globex"}, {"iban", kIbanB}}, Caller{s.globex});
  CHECK_TRUE(s.call("payout-export", {{"batch", batch}}, Caller{s.globex}).code == core::Code::kNotFound);
  CHECK_TRUE(s.call("payout-export", Json::object(), Caller{s.globex}).code == core::Code::kFailedPrecondition);
  core::ControlReply partner = s.f.table->call(core::command::Caller{"partner", "partner:" + s.a, "test"}, "payout-export", Json::object());
  CHECK_TRUE_TEXT(partner.code == core::Code::kPermissionDenied, partner.text.c_str());
}

TEST(PartnerPayouts, ACamt053WithDebitsReconcilesPayoutsOnceAndSendsTheOddOnesToReview) {
  Payouts s;
  const std::string statement = camtWithDebits(
      "STMT-2026-03-12", {{"OUT-1", decimal(s.amountA), s.e2eA, "Shop A&amp;B"},
                          {"OUT-2", decimal(s.amountB + 1), s.e2eB, "Corner Shop"},
                          {"OUT-3", "9.99", "E2E-000000000000", "Someone"},
                          {"OUT-4", "5.00", "NOTPROVIDED", "Bank fees"}});
  Json r = s.must("bank-import", {{"tenant", "acme"}, {"format", "camt053"}, {"statement", statement}}).arguments;
  CHECK_EQUAL(1, r["payouts-reconciled"].get<int64_t>());
  CHECK_EQUAL(2, r["payouts-review"].get<int64_t>());
  CHECK_EQUAL(2, r["review"].get<int64_t>());
  CHECK_EQUAL(1, r["skipped"].get<int64_t>());  // the bank's fee is not ours
  Json a = s.payout(s.poA);
  STRCMP_EQUAL("paid", a["status"].get<std::string>().c_str());
  STRCMP_EQUAL("2026-03-12", a["paid"].get<std::string>().c_str());
  STRCMP_EQUAL("OUT-1", a["bank-ref"].get<std::string>().c_str());
  STRCMP_EQUAL("approved", s.payout(s.poB)["status"].get<std::string>().c_str());  // 1 cent off: not paid
  // The odd ones wait in review with the reason; they cannot be taken for a customer's payment.
  Json review = s.must("bank-line-list", {{"tenant", "acme"}, {"state", "review"}}).arguments;
  CHECK_EQUAL(2u, review.size());
  std::map<std::string, std::string> reasons;
  for (const Json& l : review) reasons[l["ref"].get<std::string>()] = l["reasons"].is_string() ? l["reasons"].get<std::string>() : l["reasons"].dump();
  STRCMP_CONTAINS(("payout " + s.poB + " is").c_str(), reasons["OUT-2"].c_str());
  STRCMP_CONTAINS("no payout of this tenant", reasons["OUT-3"].c_str());
  core::ControlReply accept = s.call("bank-line-accept", {{"tenant", "acme"}, {"ref", "OUT-2"}, {"username", "alice"}});
  CHECK_TRUE_TEXT(accept.code == core::Code::kFailedPrecondition, accept.text.c_str());
  STRCMP_CONTAINS("money out", accept.text.c_str());

  // The same statement again changes nothing.
  Json again = s.must("bank-import", {{"tenant", "acme"}, {"format", "camt053"}, {"statement", statement}}).arguments;
  CHECK_EQUAL(0, again["payouts-reconciled"].get<int64_t>());
  CHECK_EQUAL(0, again["payouts-review"].get<int64_t>());
  CHECK_EQUAL(3, again["imported-before"].get<int64_t>());
  CHECK_EQUAL(2u, s.must("bank-line-list", {{"tenant", "acme"}, {"state", "review"}}).arguments.size());
  STRCMP_EQUAL("OUT-1", s.payout(s.poA)["bank-ref"].get<std::string>().c_str());

  // Another tenant's statement naming acme's payout cannot pay it (unknown there, to review).
  Json other = s.must("bank-import", {{"tenant", "globex"}, {"format", "camt053"},
                                      {"statement", camtWithDebits("GLOBEX-1", {{"G-1", decimal(s.amountB), s.e2eB, "Corner Shop"}})}})
                   .arguments;
  CHECK_EQUAL(0, other["payouts-reconciled"].get<int64_t>());
  CHECK_EQUAL(1, other["payouts-review"].get<int64_t>());
  STRCMP_EQUAL("approved", s.payout(s.poB)["status"].get<std::string>().c_str());
  // The right amount in a later statement pays it; one paid by the bank twice goes to review.
  Json later = s.must("bank-import", {{"tenant", "acme"}, {"format", "camt053"},
                                      {"statement", camtWithDebits("STMT-2026-03-13", {{"OUT-5", decimal(s.amountB), s.e2eB, "Corner Shop"},
                                                                                       {"OUT-6", decimal(s.amountA), s.e2eA, "Shop"}})}})
                   .arguments;
  CHECK_EQUAL(1, later["payouts-reconciled"].get<int64_t>());
  CHECK_EQUAL(1, later["payouts-review"].get<int64_t>());
  STRCMP_EQUAL("paid", s.payout(s.poB)["status"].get<std::string>().c_str());
  // partners-verify still agrees with the ledger.
  s.must("partners-verify", {{"tenant", "acme"}});
}

TEST(PartnerPayouts, TheRunInPagesOfOneEventWritesTheSameLedgerAsInOnePage) {
  // Two tenants with the same history: one run in pages of one billing ledger entry, one in one page.
  Fixture f;
  auto must = [&](const std::string& cmd, const Json& args) {
    core::ControlReply r = f.call(cmd, args);
    if (!r.ok()) FAIL((cmd + ": " + r.text).c_str());
    return r.arguments;
  };
  std::map<std::string, std::string> partnerOf;
  for (const char* t : {"paged", "whole"}) {
    f.tenant(t, "basic");
    must("billing-setup", {{"tenant", t}, {"currency", "EUR"}});
    must("tax-rate-set", {{"tenant", t}, {"rate", "19"}});
    must("plan-add", {{"tenant", t}, {"name", "basic"}, {"down", "10M"}, {"up", "5M"}, {"price", "33.33"}, {"currency", "EUR"}});
    const std::string p = must("partner-add", {{"tenant", t}, {"name", "P"}, {"type", "franchise"}, {"currency", "EUR"}})["id"].get<std::string>();
    partnerOf[t] = p;
    must("commission-plan-set", {{"tenant", t}, {"name", "mix"}, {"currency", "EUR"},
                                 {"spec", R"({"rate-bp": 725, "flat": "1.10", "recurring": "once", "brackets": [{"from": "0", "rate-bp": 0}, {"from": "50.00", "rate-bp": 300}], "bracket-mode": "marginal"})"}});
    must("partner-plan", {{"tenant", t}, {"partner", p}, {"plan", "mix"}, {"date", "2026-01-01"}});
    for (const char* u : {"u1", "u2", "u3"}) {
      must("subscriber-add", {{"tenant", t}, {"username", u}, {"password", "pw"}, {"plan", "basic"}});
      must("attribution-set", {{"tenant", t}, {"username", u}, {"partner", p}, {"date", "2026-01-01"}});
      must("charge-add", {{"tenant", t}, {"username", u}, {"description", "install"}, {"amount", "21.17"}, {"date", "2026-03-02"}});
    }
    must("billing-run", {{"tenant", t}, {"date", "2026-03-02"}, {"finalize", true}});
    must("payment-add", {{"tenant", t}, {"username", "u1"}, {"amount", "10.01"}, {"date", "2026-03-03"}});
    must("payment-add", {{"tenant", t}, {"username", "u1"}, {"amount", "15.18"}, {"date", "2026-03-04"}});
    must("payment-add", {{"tenant", t}, {"username", "u2"}, {"amount", "25.19"}, {"date", "2026-03-04"}});
    must("payment-add", {{"tenant", t}, {"username", "u3"}, {"amount", "40.00"}, {"date", "2026-03-05"}});
    Json inv = must("invoice-list", {{"tenant", t}, {"username", "u2"}});
    std::string invoice;
    for (const Json& i : inv)
      if (i["kind"] == "invoice") invoice = i["id"].get<std::string>();
    must("credit-note-add", {{"tenant", t}, {"invoice", invoice}, {"date", "2026-03-06"}});
    must("payment-add", {{"tenant", t}, {"username", "u2"}, {"amount", "5.00"}, {"date", "2026-03-07"}});
  }
  const int64_t paged = must("commission-run", {{"tenant", "paged"}, {"batch", 1}})["entries"].get<int64_t>();
  const int64_t whole = must("commission-run", {{"tenant", "whole"}})["entries"].get<int64_t>();
  CHECK_EQUAL(whole, paged);
  CHECK_TRUE(whole >= 6);
  auto ledger = [&](const std::string& t) {
    std::vector<std::string> out;
    const Json entries = must("partner-ledger", {{"tenant", t}, {"partner", partnerOf[t]}})["entries"];
    for (const Json& e : entries)
      out.push_back(e["kind"].get<std::string>() + " " + e["part"].get<std::string>() + " " + std::to_string(e["amount-minor"].get<int64_t>()) + " " +
                    std::to_string(e["seq"].get<int64_t>()));
    return out;
  };
  const std::vector<std::string> a = ledger("paged"), b = ledger("whole");
  CHECK_EQUAL(b.size(), a.size());
  for (size_t i = 0; i < a.size(); ++i) STRCMP_EQUAL(b[i].c_str(), a[i].c_str());
  must("partners-verify", {{"tenant", "paged"}});
  must("partners-verify", {{"tenant", "whole"}});
}
