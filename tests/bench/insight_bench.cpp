// Insight's speed (issue 26, Speed): scoring 1,000,000 customers (goal < 60 s) and training a
// tenant's churn model on 100,000 customers (goal < 60 s), on the generator's histories
// (mgmt/insight/generator.h). Generating is not timed; the histories are made in chunks of 10,000
// customers and dropped after use, so memory stays small. Printed beside a reference measured in the
// same run on the same histories: one pass that only reads every day the work reads (the floor any
// scoring of these histories pays). Reading the days from mgmt's storage is not in these numbers.
// Run by ./scripts/bench (tests/bench/insight_bench.py); docs/benchmarks.md has the numbers.
//
//   insight_bench [--score N] [--train N] [--seed N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "mgmt/insight/backtest.h"
#include "mgmt/insight/churn_model.h"
#include "mgmt/insight/generator.h"

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point a) { return std::chrono::duration<double>(Clock::now() - a).count(); }
using namespace mgmt::insight;

constexpr int kChunk = 10000;

// Reads every value of the last 180 days (what windowAt reads at most): the reference.
uint64_t touch(const History& h, int32_t at) {
  uint64_t sum = 0;
  for (int32_t d = std::max(h.firstDay, at - 180); d < std::min(at, h.endDay()); ++d)
    for (uint16_t v : h.days[d - h.firstDay]) sum += v;
  return sum;
}

}  // namespace

int main(int argc, char** argv) {
  long scoreN = 1000000, trainN = 100000, seed = 7;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--score") == 0) scoreN = std::atol(argv[i + 1]);
    else if (std::strcmp(argv[i], "--train") == 0) trainN = std::atol(argv[i + 1]);
    else if (std::strcmp(argv[i], "--seed") == 0) seed = std::atol(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: insight_bench [--score N] [--train N] [--seed N]\n");
      return 2;
    }
  }

  // Training: one tenant of trainN customers over 450 days; the examples of four snapshots 30 days
  // apart whose 90-day outcome is known at the cutoff (what trainModels uses), then the global
  // model and the tenant's model on it as prior, as `mgmtctl insight train` does.
  GeneratorConfig tc;
  tc.seed = static_cast<uint64_t>(seed);
  tc.tenants = 1;
  tc.customersPerTenant = static_cast<int>(trainN);
  tc.days = 450;
  Generator trainGen(tc);
  const int32_t cutoff = tc.firstDay + tc.days;
  BacktestOptions options;
  std::vector<Example> fit, calibrate;
  double featureSeconds = 0, referenceTrain = 0, generate = 0;
  uint64_t sink = 0;
  for (long from = 0; from < trainN; from += kChunk) {
    auto g0 = Clock::now();
    std::vector<Generated> chunk;
    for (long i = from; i < std::min(trainN, from + kChunk); ++i) chunk.push_back(trainGen.customer(0, static_cast<int>(i)));
    std::vector<Labeled> labeled;
    for (const Generated& g : chunk) labeled.push_back({&g.history, g.churnDay});
    generate += since(g0);
    auto r0 = Clock::now();
    for (int k = 0; k < options.snapshots; ++k)
      for (const Generated& g : chunk) sink += touch(g.history, cutoff - options.horizon - k * options.step);
    referenceTrain += since(r0);
    auto f0 = Clock::now();
    for (int k = 0; k < options.snapshots; ++k) {
      std::vector<Example> e = examplesAt(labeled, cutoff - options.horizon - k * options.step, options.horizon);
      (k == 0 ? calibrate : fit).insert((k == 0 ? calibrate : fit).end(), e.begin(), e.end());
    }
    featureSeconds += since(f0);
  }
  auto t0 = Clock::now();
  ChurnModel prior = ChurnModel::train(fit, calibrate, options.train).value();
  ChurnModel tenant = ChurnModel::train(fit, calibrate, options.train, &prior).value();
  const double fitSeconds = since(t0);
  std::printf("training on %ld customers (%zu examples in 4 snapshots, %.1f s to generate, not timed)\n", trainN,
              fit.size() + calibrate.size(), generate);
  std::printf("  window features      %8.2f s\n", featureSeconds);
  std::printf("  fit (global + tenant) %7.2f s\n", fitSeconds);
  std::printf("  total                %8.2f s   goal < 60 s: %s\n", featureSeconds + fitSeconds,
              featureSeconds + fitSeconds < 60 ? "PASS" : "FAIL");
  std::printf("  reference: reading the same days once per snapshot %.2f s\n", referenceTrain);

  // Scoring: scoreN customers over 10 tenants, 200 days of history each; a score and the top
  // factors in words for each, with the tenant model above (the scoring work does not depend on
  // which tenant's weights it uses).
  GeneratorConfig sc;
  sc.seed = static_cast<uint64_t>(seed) + 1;
  sc.tenants = 10;
  // Some customers left before the day: a tenth more are made, and scoring stops at scoreN.
  sc.customersPerTenant = static_cast<int>(scoreN * 11 / 100 + 1);
  sc.days = 200;
  Generator scoreGen(sc);
  const int32_t at = sc.firstDay + sc.days;
  double scoreSeconds = 0, referenceScore = 0;
  generate = 0;
  long scored = 0, atRisk = 0;
  for (int t = 0; t < sc.tenants && scored < scoreN; ++t) {
    for (long from = 0; from < sc.customersPerTenant && scored < scoreN; from += kChunk) {
      auto g0 = Clock::now();
      std::vector<Generated> chunk;
      for (long i = from; i < std::min<long>(sc.customersPerTenant, from + kChunk); ++i)
        chunk.push_back(scoreGen.customer(t, static_cast<int>(i)));
      generate += since(g0);
      auto r0 = Clock::now();
      for (const Generated& g : chunk) sink += touch(g.history, at);
      referenceScore += since(r0);
      auto s0 = Clock::now();
      for (const Generated& g : chunk) {
        if (!activeAt(g.history, at) || scored >= scoreN) continue;
        const Window w = windowAt(g.history, at);
        const int score = tenant.score(w.x);
        if (score >= 30) {
          sink += ChurnModel::factorWords(tenant.factors(w)).size();
          ++atRisk;
        }
        ++scored;
      }
      scoreSeconds += since(s0);
    }
  }
  std::printf("scoring %ld customers active on the day (%.1f s to generate, not timed), %ld at risk (>= 30) "
              "with factors in words\n",
              scored, generate, atRisk);
  std::printf("  score + factors      %8.2f s   (%.0f customers/s)   goal < 60 s: %s\n", scoreSeconds,
              static_cast<double>(scored) / scoreSeconds, scoreSeconds < 60 ? "PASS" : "FAIL");
  std::printf("  reference: reading the same days once %.2f s\n", referenceScore);
  return sink == 42 ? 3 : 0;  // keeps the reference's reads from being optimised away
}
