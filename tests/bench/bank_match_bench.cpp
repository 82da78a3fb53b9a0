// Matching a camt.053 statement (issue 24, Speed: 100,000 entries < 30 s), on SQLite (a file in a
// temporary folder) and on PostgreSQL (--dsn), side by side when both are given. ENTRIES customers
// each have one issued invoice; the statement pays them: 90 % by RF reference and the exact amount
// (paid at once), 5 % partly (review), 5 % without a reference (review by amount and name).
// Where the time goes: reading the XML with expat and no handlers at all (the reference: the floor any
// camt.053 reader pays), parsing it into lines, matching every line in memory, and the whole
// bank-import (open invoices read, lines recorded, payments applied and ledgered, 500 lines a unit of
// work). Run by tests/bench/bank_match_bench.py; docs/benchmarks.md has the numbers.
//
//   bank_match_bench [--entries N] [--dsn DSN]
#include <expat.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "billing/invoicing/creditor_reference.h"
#include "billing/payments/bank_matching.h"
#include "billing/payments/bank_statement.h"
#include "core/clock.h"
#include "tests/bench/bench_storages.h"
#include "mgmt/billing/billing_service.h"
#include "mgmt/billing/billing_store.h"
#include "mgmt/billing/collection_service.h"
#include "mgmt/billing/collection_store.h"
#include "mgmt/mgmt_schema.h"
#include "mgmt/store/sql.h"

namespace {

using Clock = std::chrono::steady_clock;
double seconds(Clock::time_point a) { return std::chrono::duration<double>(Clock::now() - a).count(); }

void check(const core::Status& s, const char* what) {
  if (s.isOk()) return;
  std::fprintf(stderr, "%s: %s\n", what, s.toString().c_str());
  std::exit(1);
}

std::string money(int64_t minor) {
  char b[32];
  std::snprintf(b, sizeof b, "%lld.%02lld", static_cast<long long>(minor / 100), static_cast<long long>(minor % 100));
  return b;
}

std::string statementFor(const std::vector<billing::OpenInvoice>& open) {
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\">"
                  "<BkToCstmrStmt><GrpHdr><MsgId>BENCH</MsgId></GrpHdr><Stmt><Id>BENCH-1</Id>\n";
  x.reserve(open.size() * 700);
  for (size_t i = 0; i < open.size(); ++i) {
    const billing::OpenInvoice& inv = open[i];
    const int kind = static_cast<int>(i % 20);  // 0: partial, 1: no reference, else exact
    const int64_t amount = kind == 0 ? inv.open / 2 : inv.open;
    std::string rmt = kind == 1 ? "<Ustrd>monthly internet</Ustrd>"
                                : "<Strd><CdtrRefInf><Ref>" + inv.reference + "</Ref></CdtrRefInf></Strd>";
    char ref[32];
    std::snprintf(ref, sizeof ref, "BK%09zu", i);
    x += "<Ntry><NtryRef>" + std::string(ref) + "</NtryRef><Amt Ccy=\"EUR\">" + money(amount) +
         "</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-02-03</Dt></BookgDt>"
         "<AcctSvcrRef>" + ref + "</AcctSvcrRef><NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>"
         "<RltdPties><Dbtr><Pty><Nm>" + inv.username + "</Nm></Pty></Dbtr></RltdPties><RmtInf>" + rmt +
         "</RmtInf></TxDtls></NtryDtls></Ntry>\n";
  }
  return x + "</Stmt></BkToCstmrStmt></Document>\n";
}

void bench(const char* name, const mgmt::store::StorageConfig& config, int64_t entries) {
  auto opened = mgmt::store::Storage::open(config, mgmt::mgmtStorageMigrations());
  check(opened.status(), "open");
  mgmt::store::Storage& storage = **opened;
  core::ManualClock clock;
  const std::string tenant = "t-bench";
  const int64_t jan1 = 20454;
  auto t0 = Clock::now();
  check(storage.transact([&](mgmt::store::Transaction& tx) -> core::Status {
          EDGE_RETURN_IF_ERROR(tx.exec("INSERT INTO tenants (id, name, tier, created_at, expires_at) "
                                       "VALUES ($1, 'bench', 'enterprise', 0, 4102444800)",
                                       {tenant})
                                   .status());
          mgmt::billing::BillingStore st(tx);
          return st.putSettings(tenant, mgmt::billing::Settings{"EUR", false, 14});
        }),
        "tenant");
  for (int64_t i = 0; i < entries; i += 1000) {
    check(storage.transact([&](mgmt::store::Transaction& tx) -> core::Status {
            mgmt::billing::BillingStore st(tx);
            for (int64_t j = i; j < std::min(entries, i + 1000); ++j) {
              mgmt::billing::Subscription s;
              char id[32];
              std::snprintf(id, sizeof id, "sub-%08lld", static_cast<long long>(j));
              s.id = id;
              s.tenantId = tenant;
              s.username = std::string("u") + (id + 4);
              s.startDay = jan1;
              s.anchorDay = 1;
              s.billedUntil = jan1;
              s.segments = {mgmt::billing::Segment{s.startDay, "home", 1, 1999 + j % 7}};
              EDGE_RETURN_IF_ERROR(st.insertSubscription(s));
            }
            return core::Status::ok();
          }),
          "subscriptions");
  }
  mgmt::billing::BillingService billingService({storage, clock});
  check(billingService.runTenant(tenant, jan1, true, 1000).status(), "billing run");
  std::vector<billing::OpenInvoice> open;
  check(storage.transact([&](mgmt::store::Transaction& tx) -> core::Status {
          EDGE_ASSIGN_OR_RETURN(open, mgmt::billing::CollectionStore(tx).openInvoices(tenant));
          return core::Status::ok();
        }),
        "open invoices");
  const std::string xml = statementFor(open);
  const double setup = seconds(t0);

  // The reference: expat over the document with no handlers.
  t0 = Clock::now();
  XML_Parser p = XML_ParserCreateNS("UTF-8", '|');
  if (XML_Parse(p, xml.data(), static_cast<int>(xml.size()), XML_TRUE) != XML_STATUS_OK) check(core::internalError("expat"), "reference");
  XML_ParserFree(p);
  const double reference = seconds(t0);
  t0 = Clock::now();
  auto parsed = billing::parseCamt053(xml);
  check(parsed.status(), "parse");
  const double parse = seconds(t0);
  t0 = Clock::now();
  int64_t sure = 0;
  {
    billing::Matcher matcher(open);
    for (const billing::BankEntry& e : parsed->entries) sure += matcher.match(e).confidence >= billing::kAutoMatch;
  }
  const double match = seconds(t0);
  mgmt::billing::CollectionService collection({storage, clock, "", ""});
  t0 = Clock::now();
  core::ControlReply r = collection.importStatement(
      core::Json{{"tenant", "bench"}, {"format", "camt053"}, {"statement", xml}}, mgmt::tenancy::Caller{});
  const double import = seconds(t0);
  if (!r.ok()) check(core::internalError(r.text), "import");
  core::ControlReply v = billingService.verify(core::Json{{"tenant", "bench"}}, mgmt::tenancy::Caller{});
  const double n = static_cast<double>(parsed->entries.size());
  std::printf("%-10s entries %zu, statement %.1f MB (setup %.1f s)\n", name, parsed->entries.size(),
              xml.size() / 1e6, setup);
  std::printf("%-10s   reference: expat, no handlers %8.0f /s  (%.2f s)\n", name, n / reference, reference);
  std::printf("%-10s   parse camt.053 into lines     %8.0f /s  (%.2f s)\n", name, n / parse, parse);
  std::printf("%-10s   match in memory               %8.0f /s  (%.2f s; %lld sure)\n", name, n / match, match,
              static_cast<long long>(sure));
  std::printf("%-10s   bank-import (record + pay)    %8.0f /s  (%.2f s)   goal < 30 s for 100000\n", name,
              n / import, import);
  std::printf("%-10s   %s\n", name, r.text.c_str());
  std::printf("%-10s   billing-verify: %s (%s)\n", name, v.ok() ? "ok" : "FAILED", v.text.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  int64_t entries = 100000;
  std::string dsn;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--entries") entries = std::atoll(v.c_str());
    else if (k == "--dsn") dsn = v;
    else {
      std::fprintf(stderr, "usage: bank_match_bench [--entries N] [--dsn DSN]\n");
      return 2;
    }
  }
  return edge_bench::onEachStorage("bank-bench", dsn, [&](const char* name, const mgmt::store::StorageConfig& config) {
    bench(name, config, entries);
  });
}
