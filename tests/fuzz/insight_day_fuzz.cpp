// Insight's stored inputs (mgmt/insight): a day's packed features (the blob of
// insight_customer_days, to be written from what boxes report) and a churn model's text.
// Input: a selector octet, then the bytes.
//   0  unpackDay
//   1  ChurnModel::parse
// Properties: unpackDay never reads past its input; what it accepts packs back to a blob that
// unpacks to the same day; packing any accepted day is at most 3 bytes a feature. A model that
// parses serializes to a text that parses to the same model (same text again), and scores a fixed
// window as a probability within [0, 1].
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mgmt/insight/churn_model.h"
#include "mgmt/insight/features.h"

using namespace mgmt::insight;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    core::Result<Day> day = unpackDay(in);
    if (!day.isOk()) return 0;
    const std::string packed = packDay(*day);
    if (packed.size() > 3 * kDayFeatureCount) std::abort();
    core::Result<Day> again = unpackDay(packed);
    if (!again.isOk() || *again != *day) std::abort();
    return 0;
  }
  core::Result<ChurnModel> model = ChurnModel::parse(in);
  if (!model.isOk()) return 0;
  const std::string text = model->serialize();
  core::Result<ChurnModel> again = ChurnModel::parse(text);
  if (!again.isOk() || again->serialize() != text) std::abort();
  Window w;
  for (int i = 0; i < kWindowFeatureCount; ++i) w.x[i] = i * 0.5;
  const double p = model->probability(w.x);
  if (!(p >= 0.0 && p <= 1.0) && !std::isnan(p)) std::abort();
  (void)model->factors(w);
  return 0;
}
