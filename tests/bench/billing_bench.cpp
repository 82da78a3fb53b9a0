// The billing run's speed (issue 24, Speed): invoices per second for SUBS monthly subscriptions, on
// SQLite (a file in a temporary folder) and on PostgreSQL (--dsn), side by side when both are given.
// Where the time goes: the arithmetic alone (periods, proration, tax; no storage), a run that makes
// drafts, finalizing them (numbers, references, ledger entries), and a run that does both at once.
// Run by tests/bench/billing_bench.py (./scripts/bench); docs/benchmarks.md has the numbers.
//
//   billing_bench [--subs N] [--batch N] [--dsn DSN]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "billing/invoicing/tax.h"
#include "core/clock.h"
#include "tests/bench/bench_storages.h"
#include "mgmt/billing/billing_internal.h"
#include "mgmt/billing/billing_service.h"
#include "mgmt/billing/billing_store.h"
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

struct Args {
  int64_t subs = 20000;
  int64_t batch = 500;
  std::string dsn;
};

void bench(const char* name, const mgmt::store::StorageConfig& config, const Args& args) {
  auto opened = mgmt::store::Storage::open(config, mgmt::mgmtStorageMigrations());
  check(opened.status(), "open");
  mgmt::store::Storage& storage = **opened;
  core::ManualClock clock;  // 2026-01-01
  const std::string tenant = "t-bench";
  auto t0 = Clock::now();
  check(storage.transact([&](mgmt::store::Transaction& tx) -> core::Status {
          EDGE_RETURN_IF_ERROR(tx.exec("INSERT INTO tenants (id, name, tier, created_at, expires_at) "
                                       "VALUES ($1, 'bench', 'enterprise', 0, 4102444800)",
                                       {tenant})
                                   .status());
          mgmt::billing::BillingStore st(tx);
          EDGE_RETURN_IF_ERROR(st.putSettings(tenant, mgmt::billing::Settings{"EUR", false, 14}));
          return st.putTaxRate(tenant, mgmt::billing::TaxRate{"", 2000, "VAT"});
        }),
        "tenant");
  const int64_t jan1 = 20454;
  for (int64_t i = 0; i < args.subs; i += 1000) {
    check(storage.transact([&](mgmt::store::Transaction& tx) -> core::Status {
            mgmt::billing::BillingStore st(tx);
            for (int64_t j = i; j < std::min(args.subs, i + 1000); ++j) {
              mgmt::billing::Subscription s;
              char id[32];
              std::snprintf(id, sizeof id, "sub-%08lld", static_cast<long long>(j));
              s.id = id;
              s.tenantId = tenant;
              s.username = std::string("u") + (id + 4);
              s.startDay = jan1 + j % 28;  // prorated first periods
              s.anchorDay = 1;
              s.billedUntil = jan1;
              s.segments = {mgmt::billing::Segment{s.startDay, "home", 1, 1999 + j % 7}};
              EDGE_RETURN_IF_ERROR(st.insertSubscription(s));
            }
            return core::Status::ok();
          }),
          "subscriptions");
  }
  const double setup = seconds(t0);

  // The arithmetic alone: every subscription's January lines and tax, no storage.
  t0 = Clock::now();
  int64_t sink = 0;
  for (int64_t j = 0; j < args.subs; ++j) {
    mgmt::billing::Subscription s;
    s.id = "x";
    s.startDay = jan1 + j % 28;
    s.anchorDay = 1;
    s.segments = {mgmt::billing::Segment{s.startDay, "home", 1, 1999 + j % 7}};
    std::vector<mgmt::billing::InvoiceLine> lines;
    const billing::Period p = billing::periodContaining(mgmt::billing::ruleOf(s), jan1);
    check(mgmt::billing::appendLines(s, p, s.startDay, p.end, 1, s.residual, lines), "lines");
    sink += billing::applyTax(lines[0].amount, 2000, false, billing::TaxTreatment::kStandard).gross;
  }
  const double arithmetic = seconds(t0);

  mgmt::billing::BillingService service({storage, clock});
  t0 = Clock::now();
  auto drafts = service.runTenant(tenant, jan1, false, args.batch);
  check(drafts.status(), "run (drafts)");
  const double draftSeconds = seconds(t0);
  t0 = Clock::now();
  core::ControlReply fin = service.finalize(core::Json{{"tenant", "bench"}, {"date", "2026-01-01"}}, mgmt::tenancy::Caller{});
  if (!fin.ok()) check(core::internalError(fin.text), "finalize");
  const double finalizeSeconds = seconds(t0);
  t0 = Clock::now();
  auto both = service.runTenant(tenant, jan1 + 31, true, args.batch);
  check(both.status(), "run (finalized)");
  const double bothSeconds = seconds(t0);
  core::ControlReply v = service.verify(core::Json{{"tenant", "bench"}}, mgmt::tenancy::Caller{});
  const int64_t n = args.subs;
  std::printf("%-10s subscriptions %lld, batch %lld (setup %.1f s)\n", name, static_cast<long long>(n),
              static_cast<long long>(args.batch), setup);
  std::printf("%-10s   arithmetic only          %10.0f /s  (%.3f s)\n", name, n / arithmetic, arithmetic);
  std::printf("%-10s   run -> drafts            %10.0f /s  (%.2f s; %lld drafts)\n", name, n / draftSeconds,
              draftSeconds, static_cast<long long>(drafts->invoices));
  std::printf("%-10s   finalize drafts          %10.0f /s  (%.2f s: numbers, RF references, ledger)\n", name,
              n / finalizeSeconds, finalizeSeconds);
  std::printf("%-10s   run, finalized+ledgered  %10.0f /s  (%.2f s; %lld invoices)   goal 5000/s\n", name,
              n / bothSeconds, bothSeconds, static_cast<long long>(both->issued));
  std::printf("%-10s   billing-verify: %s (%s)\n", name, v.ok() ? "ok" : "FAILED", v.text.c_str());
  if (sink == 42) std::printf(" \n");
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
      std::fprintf(stderr, "usage: billing_bench [--subs N] [--batch N] [--dsn DSN]\n");
      return 2;
    }
  }
  return edge_bench::onEachStorage("billing-bench", args.dsn, [&](const char* name, const mgmt::store::StorageConfig& config) {
    bench(name, config, args);
  });
}
