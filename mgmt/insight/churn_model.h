// The customer churn model (issue 26, ADR 0042): L2-regularised logistic regression on the window
// features (features.h), standardised, fitted by Newton's method; Platt scaling on a later,
// held-out snapshot calibrates it; a score 0-100 and the top factors in words. A tenant's model is
// fitted towards a prior (the global model over all tenants): the penalty pulls its weights to the
// prior's, so a tenant with little history scores like the prior and one with a lot like itself.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "mgmt/insight/features.h"

namespace mgmt::insight {

using Vector = std::array<double, kWindowFeatureCount>;

struct Example {
  Vector x{};
  bool churned = false;
};

// A customer's history with its end: churnDay is the day the subscription was terminated or
// cancelled (the history stops the day before), -1 while still a customer.
struct Labeled {
  const History* history = nullptr;
  int32_t churnDay = -1;
};

// Customers active on day `at` whose outcome over [at, at + horizon) is known by `knownBy`, with
// their window features and whether they churned in it.
std::vector<Example> examplesAt(const std::vector<Labeled>& customers, int32_t at, int horizon);

struct Factor {
  int feature = 0;           // WindowFeature
  double contribution = 0;   // to the log-odds, above the typical customer
  std::string words;         // "usage down 70% in 30 days"
};

struct TrainOptions {
  double l2 = 1.0;            // on standardised weights, without a prior
  double priorStrength = 300; // with a prior: worth this many examples
  int iterations = 30;
};

class ChurnModel {
 public:
  // Fits on `fit` and calibrates on `calibrate` (Platt; none when empty). With a prior, the prior's
  // standardisation is kept and the weights are pulled towards its. An empty `fit` gives the prior
  // itself (a new tenant), or kFailedPrecondition without one.
  static core::Result<ChurnModel> train(const std::vector<Example>& fit, const std::vector<Example>& calibrate,
                                        const TrainOptions& options, const ChurnModel* prior = nullptr);

  double logit(const Vector& x) const;        // uncalibrated
  double probability(const Vector& x) const;  // calibrated, 0..1
  int score(const Vector& x) const;           // round(100 * probability)
  // Up to `max` features raising the risk most, each above `minContribution` log-odds, in words.
  std::vector<Factor> factors(const Window& w, size_t max = 3, double minContribution = 0.15) const;
  static std::string factorWords(const std::vector<Factor>& factors);  // "a, b and c"

  int64_t examples() const { return examples_; }
  const Vector& weights() const { return weights_; }
  // One line per part; parse refuses a text that does not have every part with finite numbers.
  std::string serialize() const;
  static core::Result<ChurnModel> parse(std::string_view text);

 private:
  Vector mean_{}, scale_{}, weights_{};
  double intercept_ = 0, plattA_ = 1, plattB_ = 0;
  int64_t examples_ = 0;
  Vector standardised(const Vector& x) const;
};

}  // namespace mgmt::insight
