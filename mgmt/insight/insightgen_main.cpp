// insightgen: the synthetic history of mgmt/insight/generator.h, for people and the demo.
//   insightgen [--seed N] [--tenants N] [--customers N] [--days N] summary|backtest
// summary: customers, churn and causes per tenant; backtest: the time-split backtest's report (the
// cutoff 90 days before the history ends).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#include "mgmt/insight/backtest.h"
#include "mgmt/insight/generator.h"

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: insightgen [--seed N] [--tenants N] [--customers N] [--days N] summary|backtest\n"
               "  --customers is per tenant (default 2000); --days of history (default 540)\n");
  return 2;
}

bool number(const char* text, long min, long max, long* out) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < min || v > max) return false;
  *out = v;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  mgmt::insight::GeneratorConfig config;
  std::string command;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    long v = 0;
    auto value = [&](long min, long max) {
      if (i + 1 >= argc || !number(argv[i + 1], min, max, &v)) {
        std::fprintf(stderr, "insightgen: %s needs a number from %ld to %ld\n", a.c_str(), min, max);
        std::exit(2);
      }
      ++i;
      return v;
    };
    if (a == "--seed") config.seed = static_cast<uint64_t>(value(0, 2147483647));
    else if (a == "--tenants") config.tenants = static_cast<int>(value(1, 1000));
    else if (a == "--customers") config.customersPerTenant = static_cast<int>(value(1, 10000000));
    else if (a == "--days") config.days = static_cast<int32_t>(value(200, 2000));
    else if (command.empty() && (a == "summary" || a == "backtest")) command = a;
    else return usage();
  }
  if (command.empty()) return usage();

  mgmt::insight::Generator generator(config);
  const std::vector<mgmt::insight::Generated> all = generator.all();
  if (command == "summary") {
    std::map<std::string, std::map<std::string, int>> causes;
    std::map<std::string, int> customers, churned;
    for (const auto& g : all) {
      ++customers[g.history.tenantId];
      if (g.churnDay >= 0) {
        ++churned[g.history.tenantId];
        ++causes[g.history.tenantId][mgmt::insight::causeName(g.cause)];
      }
    }
    for (const auto& [tenant, n] : customers) {
      std::printf("%s: %d customers, %d churned (", tenant.c_str(), n, churned[tenant]);
      bool first = true;
      for (const auto& [cause, k] : causes[tenant]) {
        std::printf("%s%s %d", first ? "" : ", ", cause.c_str(), k);
        first = false;
      }
      std::printf(")\n");
    }
    return 0;
  }
  std::vector<mgmt::insight::Labeled> labeled;
  for (const auto& g : all) labeled.push_back({&g.history, g.churnDay});
  mgmt::insight::BacktestOptions options;
  options.cutoff = config.firstDay + config.days - options.horizon;
  core::Result<mgmt::insight::BacktestReport> report = mgmt::insight::backtest(labeled, options);
  if (!report.isOk()) {
    std::fprintf(stderr, "insightgen: %s\n", report.status().toString().c_str());
    return 1;
  }
  std::fputs(report->text().c_str(), stdout);
  return 0;
}
