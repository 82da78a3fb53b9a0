#include "mgmt/insight/churn_model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace mgmt::insight {

namespace {

constexpr int kN = kWindowFeatureCount;
constexpr int kP = kN + 1;  // with the intercept, last

double sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

// Solves A x = b for a small symmetric positive definite A (Cholesky). False if A is not.
template <int N>
bool solve(std::array<std::array<double, N>, N> a, std::array<double, N>& b) {
  for (int j = 0; j < N; ++j) {
    double d = a[j][j];
    for (int k = 0; k < j; ++k) d -= a[j][k] * a[j][k];
    if (!(d > 0)) return false;
    a[j][j] = std::sqrt(d);
    for (int i = j + 1; i < N; ++i) {
      double s = a[i][j];
      for (int k = 0; k < j; ++k) s -= a[i][k] * a[j][k];
      a[i][j] = s / a[j][j];
    }
  }
  for (int i = 0; i < N; ++i) {
    double s = b[i];
    for (int k = 0; k < i; ++k) s -= a[i][k] * b[k];
    b[i] = s / a[i][i];
  }
  for (int i = N - 1; i >= 0; --i) {
    double s = b[i];
    for (int k = i + 1; k < N; ++k) s -= a[k][i] * b[k];
    b[i] = s / a[i][i];
  }
  return true;
}

const char* kNumbers[] = {"no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"};
std::string count(int64_t n, const char* one, const char* many) {
  std::string number = n >= 0 && n <= 10 ? kNumbers[n] : std::to_string(n);
  return number + " " + (n == 1 ? one : many);
}

std::string percentChange(double now, double before) {
  const double change = before > 0 ? (now / before - 1.0) * 100.0 : 0.0;
  const long pct = std::lround(std::fabs(change));
  return std::string(change < 0 ? "down " : "up ") + std::to_string(pct) + "%";
}

// The factor in words, or "" when the raw value does not say anything (a count of zero).
std::string words(int feature, const Window& w) {
  switch (feature) {
    case kUsageTrend:
      if (w.usagePrior30 <= 0) return "";
      return "usage " + percentChange(w.usage30, w.usagePrior30) + " in 30 days";
    case kSessionTrend:
      if (w.sessionsPrior30 <= 0) return "";
      return "sessions " + percentChange(w.sessions30, w.sessionsPrior30) + " in 30 days";
    case kRejects90:
      return w.rejects90 > 0 ? count(w.rejects90, "rejected login", "rejected logins") + " in 90 days" : "";
    case kQuota90:
      return w.quota90 > 0 ? "quota ran out " + count(w.quota90, "time", "times") + " in 90 days" : "";
    case kTopUps90:
      return w.topUps90 > 0 ? count(w.topUps90, "top-up", "top-ups") + " in 90 days" : "no top-ups in 90 days";
    case kDowngrades90:
      return w.downgrades90 > 0 ? (w.downgrades90 == 1 ? std::string("moved to a cheaper plan")
                                                        : "moved to a cheaper plan " + count(w.downgrades90, "time", "times")) +
                                      " in 90 days"
                                : "";
    case kUpgrades90:
      return w.upgrades90 > 0 ? count(w.upgrades90, "upgrade", "upgrades") + " in 90 days" : "";
    case kLate180:
      return w.late180 > 0 ? count(w.late180, "late payment", "late payments") + " in 180 days" : "";
    case kFailed90:
      return w.failed90 > 0 ? count(w.failed90, "failed payment", "failed payments") + " in 90 days" : "";
    case kDunning60:
      return w.dunning60 > 0 ? "reached dunning step " + std::to_string(w.dunning60) + (w.dunning60 >= 3 ? " (suspended)" : "") : "";
    case kOutage180:
      if (w.outage180 <= 0) return "";
      if (w.outage180 >= 120) return std::to_string(std::lround(w.outage180 / 60.0)) + " hours of outage in 180 days";
      return std::to_string(w.outage180) + " minutes of outage in 180 days";
    case kTenure:
      return "";  // who the customer is, not something that happened: never a factor
    case kUsageTrend14:
      if (w.usagePrior30 <= 0) return "";
      return "usage " + percentChange(w.usage14, w.usagePrior30) + " in the last 14 days";
    case kUsageVsBaseline:
      if (w.usageBaseline30 <= 0) return "";
      return "usage " + percentChange(w.usage30, w.usageBaseline30) + " against three months before";
    case kUsageLevel:
      return "low usage (" + std::to_string(std::lround(w.usage30 / 30.0)) + " MB a day)";
  }
  return "";
}

}  // namespace

std::vector<Example> examplesAt(const std::vector<Labeled>& customers, int32_t at, int horizon) {
  std::vector<Example> out;
  out.reserve(customers.size());
  for (const Labeled& c : customers) {
    if (!activeAt(*c.history, at)) continue;
    if (c.churnDay >= 0 && c.churnDay < at) continue;
    Example e;
    e.x = windowAt(*c.history, at).x;
    e.churned = c.churnDay >= 0 && c.churnDay < at + horizon;
    out.push_back(e);
  }
  return out;
}

Vector ChurnModel::standardised(const Vector& x) const {
  Vector z;
  for (int j = 0; j < kN; ++j) z[j] = (x[j] - mean_[j]) / scale_[j];
  return z;
}

double ChurnModel::logit(const Vector& x) const {
  double z = intercept_;
  for (int j = 0; j < kN; ++j) z += weights_[j] * (x[j] - mean_[j]) / scale_[j];
  return z;
}

double ChurnModel::probability(const Vector& x) const { return sigmoid(plattA_ * logit(x) + plattB_); }

int ChurnModel::score(const Vector& x) const {
  return static_cast<int>(std::lround(100.0 * probability(x)));
}

core::Result<ChurnModel> ChurnModel::train(const std::vector<Example>& fit, const std::vector<Example>& calibrate,
                                           const TrainOptions& options, const ChurnModel* prior) {
  if (fit.empty()) {
    if (prior == nullptr) return core::failedPrecondition("churn model: no examples to train on and no prior");
    return *prior;
  }
  ChurnModel m;
  m.examples_ = static_cast<int64_t>(fit.size());
  std::array<double, kP> beta{}, beta0{};
  std::array<double, kP> penalty{};
  if (prior != nullptr) {
    m.mean_ = prior->mean_;
    m.scale_ = prior->scale_;
    for (int j = 0; j < kN; ++j) beta0[j] = prior->weights_[j];
    beta0[kN] = prior->intercept_;
    beta = beta0;
    for (int j = 0; j < kN; ++j) penalty[j] = options.priorStrength * 0.05;
    penalty[kN] = options.priorStrength * 0.001;  // the tenant's own churn rate moves freely
  } else {
    const double n = static_cast<double>(fit.size());
    for (const Example& e : fit)
      for (int j = 0; j < kN; ++j) m.mean_[j] += e.x[j] / n;
    Vector var{};
    for (const Example& e : fit)
      for (int j = 0; j < kN; ++j) var[j] += (e.x[j] - m.mean_[j]) * (e.x[j] - m.mean_[j]) / n;
    for (int j = 0; j < kN; ++j) m.scale_[j] = var[j] > 1e-12 ? std::sqrt(var[j]) : 1.0;
    for (int j = 0; j < kN; ++j) penalty[j] = options.l2;
    double positives = 0;
    for (const Example& e : fit) positives += e.churned ? 1 : 0;
    const double rate = std::clamp(positives / n, 1e-4, 1 - 1e-4);
    beta[kN] = std::log(rate / (1 - rate));
  }

  // Newton's method on the penalised log-likelihood; the Hessian is kP x kP.
  std::vector<Vector> z(fit.size());
  for (size_t i = 0; i < fit.size(); ++i) z[i] = m.standardised(fit[i].x);
  for (int it = 0; it < options.iterations; ++it) {
    std::array<double, kP> grad{};
    std::array<std::array<double, kP>, kP> hess{};
    for (size_t i = 0; i < fit.size(); ++i) {
      double eta = beta[kN];
      for (int j = 0; j < kN; ++j) eta += beta[j] * z[i][j];
      const double p = sigmoid(eta);
      const double r = p - (fit[i].churned ? 1.0 : 0.0);
      const double w = std::max(p * (1 - p), 1e-9);
      std::array<double, kP> v;
      for (int j = 0; j < kN; ++j) v[j] = z[i][j];
      v[kN] = 1.0;
      for (int a = 0; a < kP; ++a) {
        grad[a] += r * v[a];
        const double wa = w * v[a];
        for (int b = 0; b <= a; ++b) hess[a][b] += wa * v[b];
      }
    }
    for (int a = 0; a < kP; ++a) {
      grad[a] += penalty[a] * (beta[a] - beta0[a]);
      hess[a][a] += penalty[a] + 1e-9;
      for (int b = 0; b < a; ++b) hess[b][a] = hess[a][b];
    }
    if (!solve<kP>(hess, grad)) return core::internalError("churn model: the Hessian is not positive definite");
    double step = 0;
    for (int a = 0; a < kP; ++a) {
      beta[a] -= grad[a];
      step = std::max(step, std::fabs(grad[a]));
    }
    if (step < 1e-7) break;
  }
  for (int j = 0; j < kN; ++j) m.weights_[j] = beta[j];
  m.intercept_ = beta[kN];

  // Platt scaling: p = sigmoid(a * logit + b), a and b by Newton on the calibration snapshot.
  if (!calibrate.empty()) {
    std::vector<double> s(calibrate.size());
    for (size_t i = 0; i < calibrate.size(); ++i) s[i] = m.logit(calibrate[i].x);
    double a = 1, b = 0;
    for (int it = 0; it < 50; ++it) {
      std::array<double, 2> g{};
      std::array<std::array<double, 2>, 2> h{};
      for (size_t i = 0; i < s.size(); ++i) {
        const double p = sigmoid(a * s[i] + b);
        const double r = p - (calibrate[i].churned ? 1.0 : 0.0), w = std::max(p * (1 - p), 1e-9);
        g[0] += r * s[i];
        g[1] += r;
        h[0][0] += w * s[i] * s[i];
        h[1][0] += w * s[i];
        h[1][1] += w;
      }
      h[0][0] += 1e-6;
      h[1][1] += 1e-6;
      h[0][1] = h[1][0];
      if (!solve<2>(h, g)) break;
      a -= g[0];
      b -= g[1];
      if (std::fabs(g[0]) + std::fabs(g[1]) < 1e-9) break;
    }
    if (std::isfinite(a) && std::isfinite(b) && a > 0) {
      m.plattA_ = a;
      m.plattB_ = b;
    }
  }
  return m;
}

std::vector<Factor> ChurnModel::factors(const Window& w, size_t max, double minContribution) const {
  std::vector<Factor> all;
  const Vector z = standardised(w.x);
  for (int j = 0; j < kN; ++j) {
    const double c = weights_[j] * z[j];
    if (c < minContribution) continue;
    std::string text = words(j, w);
    if (text.empty()) continue;
    all.push_back({j, c, std::move(text)});
  }
  std::sort(all.begin(), all.end(), [](const Factor& a, const Factor& b) { return a.contribution > b.contribution; });
  // The usage features say one thing (the customer uses the service less): the strongest of them
  // speaks for all, so the other causes are not crowded out of the top.
  auto usage = [](int f) {
    return f == kUsageTrend || f == kUsageTrend14 || f == kUsageVsBaseline || f == kUsageLevel || f == kSessionTrend;
  };
  std::vector<Factor> out;
  bool usageSaid = false;
  for (Factor& f : all) {
    if (out.size() == max) break;
    if (usage(f.feature)) {
      if (usageSaid) continue;
      usageSaid = true;
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::string ChurnModel::factorWords(const std::vector<Factor>& factors) {
  std::string out;
  for (size_t i = 0; i < factors.size(); ++i) {
    if (i > 0) out += i + 1 == factors.size() ? " and " : ", ";
    out += factors[i].words;
  }
  return out;
}

std::string ChurnModel::serialize() const {
  std::ostringstream out;
  out.precision(17);
  out << "churn-model 1 " << kN << "\n";
  auto line = [&out](const char* name, const Vector& v) {
    out << name;
    for (double d : v) out << ' ' << d;
    out << '\n';
  };
  line("mean", mean_);
  line("scale", scale_);
  line("weights", weights_);
  out << "intercept " << intercept_ << "\nplatt " << plattA_ << ' ' << plattB_ << "\nexamples " << examples_ << "\n";
  return out.str();
}

core::Result<ChurnModel> ChurnModel::parse(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::string word;
  int version = 0, n = 0;
  if (!(in >> word >> version >> n) || word != "churn-model" || version != 1)
    return core::invalidArgument("churn model: not a version 1 model");
  if (n != kN) return core::invalidArgument("churn model: " + std::to_string(n) + " features, this release has " + std::to_string(kN));
  ChurnModel m;
  auto vec = [&in](const char* name, Vector& v) -> core::Status {
    std::string w;
    if (!(in >> w) || w != name) return core::invalidArgument(std::string("churn model: missing ") + name);
    for (double& d : v)
      if (!(in >> d) || !std::isfinite(d)) return core::invalidArgument(std::string("churn model: bad number in ") + name);
    return core::Status::ok();
  };
  EDGE_RETURN_IF_ERROR(vec("mean", m.mean_));
  EDGE_RETURN_IF_ERROR(vec("scale", m.scale_));
  EDGE_RETURN_IF_ERROR(vec("weights", m.weights_));
  for (double s : m.scale_)
    if (!(s > 0)) return core::invalidArgument("churn model: a scale is not positive");
  if (!(in >> word) || word != "intercept" || !(in >> m.intercept_) || !std::isfinite(m.intercept_))
    return core::invalidArgument("churn model: missing intercept");
  if (!(in >> word) || word != "platt" || !(in >> m.plattA_ >> m.plattB_) || !std::isfinite(m.plattA_) ||
      !std::isfinite(m.plattB_))
    return core::invalidArgument("churn model: missing platt");
  if (!(in >> word) || word != "examples" || !(in >> m.examples_) || m.examples_ < 0)
    return core::invalidArgument("churn model: missing examples");
  return m;
}

}  // namespace mgmt::insight
