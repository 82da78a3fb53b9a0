// The commission run's speed (issue 25, Speed: 1,000,000 paid invoices on PostgreSQL in < 60 s):
// SUBS customers with one issued, paid invoice each (made through BillingService's billing run, and
// paid by bank statement lines through CollectionService's import: one payment per invoice), every customer attributed to one of 10 partners on a hybrid plan
// (10% plus tiered brackets); then PartnerService::runTenant over all of them, timed, and
// partners-verify. On SQLite (a file) and on PostgreSQL (--dsn) side by side.
// Run by tests/bench/commission_bench.py; docs/benchmarks.md has the numbers.
//
//   commission_bench [--subs N] [--batch N] [--dsn DSN]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/clock.h"
#include "tests/bench/bench_storages.h"
#include "mgmt/billing/billing_service.h"
#include "mgmt/billing/billing_store.h"
#include "mgmt/billing/collection_service.h"
#include "mgmt/billing/collection_store.h"
#include "mgmt/mgmt_schema.h"
#include "mgmt/partners/partner_service.h"
#include "mgmt/partners/partner_store.h"
#include "mgmt/store/sql.h"

namespace {

using Clock = std::chrono::steady_clock;
double seconds(Clock::time_point a) { return std::chrono::duration<double>(Clock::now() - a).count(); }

void check(const core::Status& s, const char* what) {
  if (s.isOk()) return;
  std::fprintf(stderr, "%s: %s\n", what, s.toString().c_str());
  std::exit(1);
}

struct Args {
  int64_t subs = 20000;
  int64_t batch = 2000;
  std::string dsn;
};

std::string user(int64_t j) {
  char id[32];
  std::snprintf(id, sizeof id, "u%08lld", static_cast<long long>(j));
  return id;
}

void bench(const char* name, const mgmt::store::StorageConfig& config, const Args& args) {
  auto opened = mgmt::store::Storage::open(config, mgmt::mgmtStorageMigrations());
  check(opened.status(), "open");
  mgmt::store::Storage& storage = **opened;
  core::ManualClock clock(1767225600000);  // 2026-01-01
  const std::string tenant = "t-bench";
  const int64_t jan1 = 20454;
  auto t0 = Clock::now();
  check(storage.transact([&](mgmt::store::Transaction& tx) -> core::Status {
          EDGE_RETURN_IF_ERROR(tx.exec("INSERT INTO tenants (id, name, tier, created_at, expires_at) "
                                       "VALUES ($1, 'bench', 'enterprise', 0, 4102444800)",
                                       {tenant})
                                   .status());
          mgmt::billing::BillingStore st(tx);
          EDGE_RETURN_IF_ERROR(st.putSettings(tenant, mgmt::billing::Settings{"EUR", false, 14}));
          EDGE_RETURN_IF_ERROR(st.putTaxRate(tenant, mgmt::billing::TaxRate{"", 2000, "VAT"}));
          mgmt::partners::PartnerStore ps(tx);
          const std::string spec =
              R"({"currency":"EUR","plan":{"rate-bp":1000,"brackets":[{"from":"0.00","rate-bp":0},)"
              R"({"from":"1000.00","rate-bp":200}],"bracket-mode":"marginal","recurring":"lifetime"}})";
          for (int p = 0; p < 10; ++p) {
            mgmt::partners::Partner partner;
            partner.id = "pa-bench-" + std::to_string(p);
            partner.scope = tenant;
            partner.name = "Partner " + std::to_string(p);
            partner.type = "authorized-dealer";
            partner.tier = "silver";
            partner.currency = "EUR";
            partner.referralCode = "RBENCH" + std::to_string(p);
            EDGE_RETURN_IF_ERROR(ps.insertPartner(partner));
            EDGE_RETURN_IF_ERROR(ps.assignPlan(partner.id, jan1 - 365, "hybrid", spec));
          }
          return core::Status::ok();
        }),
        "tenant");
  for (int64_t i = 0; i < args.subs; i += 1000) {
    check(storage.transact([&](mgmt::store::Transaction& tx) -> core::Status {
            mgmt::billing::BillingStore st(tx);
            mgmt::partners::PartnerStore ps(tx);
            for (int64_t j = i; j < std::min(args.subs, i + 1000); ++j) {
              mgmt::billing::Subscription s;
              s.id = "sub-" + user(j);
              s.tenantId = tenant;
              s.username = user(j);
              s.startDay = jan1;
              s.anchorDay = 1;
              s.billedUntil = jan1;
              s.segments = {mgmt::billing::Segment{s.startDay, "home", 1, 1999 + j % 7}};
              EDGE_RETURN_IF_ERROR(st.insertSubscription(s));
              EDGE_RETURN_IF_ERROR(ps.attribute(mgmt::partners::Attribution{
                  tenant, s.username, "pa-bench-" + std::to_string(j % 10), "hand", "", jan1 - 30, 0}));
            }
            return core::Status::ok();
          }),
          "subscriptions");
  }
  mgmt::billing::BillingService billing({storage, clock});
  auto run = billing.runTenant(tenant, jan1, true, args.batch);
  check(run.status(), "billing run");
  // Every invoice paid in full by a bank statement line with its reference (billing's import makes
  // the payments, 500 to a transaction): one payment per invoice, as before, in far less setup time.
  std::vector<billing::OpenInvoice> open;
  check(storage.transact([&](mgmt::store::Transaction& tx) -> core::Status {
          EDGE_ASSIGN_OR_RETURN(open, mgmt::billing::CollectionStore(tx).openInvoices(tenant));
          return core::Status::ok();
        }),
        "open invoices");
  mgmt::billing::CollectionService collection({storage, clock, "", ""});
  int64_t paid = 0;
  for (size_t i = 0; i < open.size(); i += 5000) {
    std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\">"
                    "<BkToCstmrStmt><GrpHdr><MsgId>BENCH</MsgId></GrpHdr><Stmt><Id>BENCH-" + std::to_string(i) + "</Id>\n";
    for (size_t j = i; j < std::min(open.size(), i + 5000); ++j) {
      char ref[32], amount[32];
      std::snprintf(ref, sizeof ref, "BK%09zu", j);
      std::snprintf(amount, sizeof amount, "%lld.%02lld", static_cast<long long>(open[j].open / 100),
                    static_cast<long long>(open[j].open % 100));
      x += "<Ntry><Amt Ccy=\"EUR\">" + std::string(amount) + "</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
           "<BookgDt><Dt>2026-01-05</Dt></BookgDt><AcctSvcrRef>" + ref + "</AcctSvcrRef><NtryDtls><TxDtls>"
           "<RmtInf><Strd><CdtrRefInf><Ref>" + open[j].reference + "</Ref></CdtrRefInf></Strd></RmtInf></TxDtls></NtryDtls></Ntry>\n";
    }
    x += "</Stmt></BkToCstmrStmt></Document>\n";
    core::ControlReply r = collection.importStatement(core::Json{{"tenant", "bench"}, {"format", "camt053"}, {"statement", x}},
                                                      mgmt::tenancy::Caller{});
    if (!r.ok()) check(core::internalError(r.text), "bank import");
    paid += r.arguments["matched"].get<int64_t>();
  }
  if (paid != args.subs) check(core::internalError(std::to_string(paid) + " of " + std::to_string(args.subs) + " paid"), "bank import");
  const double setup = seconds(t0);

  mgmt::partners::PartnerService partners({storage, clock});
  t0 = Clock::now();
  auto entries = partners.runTenant(tenant, args.batch);
  check(entries.status(), "commission run");
  const double runSeconds = seconds(t0);
  t0 = Clock::now();
  core::ControlReply v = partners.verify(core::Json::object(), mgmt::tenancy::Caller{});
  const double verifySeconds = seconds(t0);
  const int64_t n = args.subs;
  std::printf("%-10s paid invoices %lld, batch %lld (setup: invoices and payments, %.1f s)\n", name,
              static_cast<long long>(n), static_cast<long long>(args.batch), setup);
  std::printf("%-10s   commission run           %10.0f invoices/s  (%.2f s; %lld ledger entries)   goal 1,000,000 in 60 s = 16667/s\n",
              name, n / runSeconds, runSeconds, static_cast<long long>(*entries));
  std::printf("%-10s   partners-verify: %s (%.2f s; %s)\n", name, v.ok() ? "ok" : "FAILED", verifySeconds, v.text.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--subs") args.subs = std::atoll(v.c_str());
    else if (k == "--batch") args.batch = std::atoll(v.c_str());
    else if (k == "--dsn") args.dsn = v;
    else {
      std::fprintf(stderr, "usage: commission_bench [--subs N] [--batch N] [--dsn DSN]\n");
      return 2;
    }
  }
  return edge_bench::onEachStorage("commission-bench", args.dsn, [&](const char* name, const mgmt::store::StorageConfig& config) {
    bench(name, config, args);
  });
}
