// The self-care portal's parts below its pages (mgmt/selfcare), on the storage of this run: one-time
// codes (single use, expiry, wrong tries, replaced by a new one, used once across two mgmtd on one
// database), their limits per account (shared) and per client address (per replica) over a sliding
// window, failed sign-ins per address and per login; the usage chart's SVG (bars scaled to the
// largest day, labels escaped, an accessible name). The pages and the service run against a real
// mgmtd in tests/integration/selfcare_test.py and mgmt_web_replicas.
#include <string>
#include <utility>
#include <vector>

#include "mgmt/selfcare/sign_in_limits.h"
#include "mgmt/selfcare/usage_chart.h"
#include "tests/mgmt/support/mgmt_fixture.h"  // last: it ends with CppUTest's headers

using mgmt::selfcare::SignInLimits;
using mgmt::testing::Fixture;

namespace {
}  // namespace

TEST_GROUP(SelfcareCodes){};

TEST(SelfcareCodes, ACodeWorksOnceAndOnlyUntilItExpires) {
  Fixture f;
  SignInLimits limits(*f.storage);
  core::Result<std::string> code = limits.issue("t-1/ana", "10.0.0.1", 1000);
  CHECK_TRUE(code.isOk());
  CHECK_EQUAL(6u, code->size());
  CHECK_FALSE(*limits.verify("t-2/ana", *code, 1001));  // another tenant's ana
  CHECK_TRUE(*limits.verify("t-1/ana", *code, 1001));
  CHECK_FALSE(*limits.verify("t-1/ana", *code, 1002));  // used
  core::Result<std::string> late = limits.issue("t-1/ana", "10.0.0.1", 2000);
  CHECK_FALSE(*limits.verify("t-1/ana", *late, 2000 + SignInLimits::kCodeSeconds));  // expired
}

TEST(SelfcareCodes, WrongTriesVoidTheCodeAndANewCodeReplacesTheOld) {
  Fixture f;
  SignInLimits limits(*f.storage);
  std::string first = *limits.issue("t-1/bob", "10.0.0.2", 0);
  std::string second = *limits.issue("t-1/bob", "10.0.0.2", 1);
  if (first != second) CHECK_FALSE(*limits.verify("t-1/bob", first, 2));  // replaced (a wrong try)
  std::string wrong = second == "000000" ? "000001" : "000000";
  for (int i = 0; i < SignInLimits::kMaxWrongCodes; ++i) CHECK_FALSE(*limits.verify("t-1/bob", wrong, 3));
  CHECK_FALSE(*limits.verify("t-1/bob", second, 4));  // void after too many wrong tries
}

TEST(SelfcareCodes, CodesAreLimitedPerAccountAndPerAddressOverTheWindow) {
  Fixture f;
  SignInLimits limits(*f.storage);
  for (size_t i = 0; i < SignInLimits::kCodesPerAccount; ++i) CHECK_TRUE(limits.issue("t/a", "1.1.1.1", 100).isOk());
  core::Result<std::string> refused = limits.issue("t/a", "1.1.1.2", 100);
  CHECK_TRUE(refused.status().code() == core::Code::kResourceExhausted);
  CHECK_TRUE(refused.status().message().find("this account") != std::string::npos);
  // After the window the account may ask again.
  CHECK_TRUE(limits.issue("t/a", "1.1.1.2", 100 + SignInLimits::kWindowSeconds).isOk());
  // One address asking for many accounts.
  Fixture g;
  SignInLimits other(*g.storage);
  for (size_t i = 0; i < SignInLimits::kCodesPerAddress; ++i)
    CHECK_TRUE(other.issue("t/u" + std::to_string(i), "9.9.9.9", 50).isOk());
  core::Result<std::string> flood = other.issue("t/fresh", "9.9.9.9", 51);
  CHECK_TRUE(flood.status().code() == core::Code::kResourceExhausted);
  CHECK_TRUE(flood.status().message().find("your address") != std::string::npos);
  CHECK_TRUE(other.issue("t/fresh", "9.9.9.8", 51).isOk());
}

TEST(SelfcareCodes, FailedSignInsAreLimitedPerAddressAndPerLogin) {
  Fixture f;
  SignInLimits limits(*f.storage);
  // One address trying many logins.
  for (size_t i = 0; i < SignInLimits::kFailuresPerAddress; ++i) {
    CHECK_TRUE(limits.admitAttempt("2.2.2.2", "t/u" + std::to_string(i), 10).isOk());
    CHECK_TRUE(limits.recordFailure("2.2.2.2", "t/u" + std::to_string(i), 10).isOk());
  }
  core::Status refused = limits.admitAttempt("2.2.2.2", "t/other", 11);
  CHECK_TRUE(refused.code() == core::Code::kResourceExhausted);
  CHECK_TRUE(refused.message().find("your address") != std::string::npos);
  CHECK_TRUE(limits.admitAttempt("2.2.2.3", "t/other", 11).isOk());
  CHECK_TRUE(limits.admitAttempt("2.2.2.2", "t/other", 10 + SignInLimits::kWindowSeconds).isOk());
  // Many addresses trying one login.
  for (size_t i = 0; i < SignInLimits::kFailuresPerLogin; ++i) {
    CHECK_TRUE(limits.admitAttempt("10.1.0." + std::to_string(i), "t/ana", 20).isOk());
    CHECK_TRUE(limits.recordFailure("10.1.0." + std::to_string(i), "t/ana", 20).isOk());
  }
  refused = limits.admitAttempt("10.2.0.1", "t/ana", 21);
  CHECK_TRUE(refused.code() == core::Code::kResourceExhausted);
  CHECK_TRUE(refused.message().find("this account") != std::string::npos);
  CHECK_TRUE(limits.admitAttempt("10.2.0.1", "t/bob", 21).isOk());
}

TEST(SelfcareCodes, ACodeMailedByOneReplicaIsTakenOnceByAnother) {
  Fixture f;
  core::Result<std::unique_ptr<mgmt::store::Storage>> second = f.testStorage.open(mgmt::mgmtStorageMigrations());
  CHECK_TRUE(second.isOk());
  SignInLimits a(*f.storage), b(**second);
  core::Result<std::string> code = a.issue("t-1/ana", "10.0.0.1", 1000);
  CHECK_TRUE(code.isOk());
  CHECK_TRUE(*b.verify("t-1/ana", *code, 1001));
  CHECK_FALSE(*a.verify("t-1/ana", *code, 1002));  // used, on the replica that mailed it too
  CHECK_FALSE(*b.verify("t-1/ana", *code, 1002));
  // The per-account limit counts both replicas' codes.
  CHECK_TRUE(b.issue("t-1/ana", "10.0.0.2", 1003).isOk());
  CHECK_TRUE(a.issue("t-1/ana", "10.0.0.3", 1004).isOk());
  CHECK_TRUE(b.issue("t-1/ana", "10.0.0.4", 1005).status().code() == core::Code::kResourceExhausted);
  // Failures per login too.
  for (size_t i = 0; i < SignInLimits::kFailuresPerLogin; ++i)
    CHECK_TRUE((i % 2 ? a : b).recordFailure("10.9.0." + std::to_string(i), "t-1/bob", 1010).isOk());
  CHECK_TRUE(a.admitAttempt("10.9.1.1", "t-1/bob", 1011).code() == core::Code::kResourceExhausted);
  CHECK_TRUE(b.admitAttempt("10.9.1.1", "t-1/bob", 1011).code() == core::Code::kResourceExhausted);
  // purge keeps what is live and drops the rest.
  CHECK_TRUE(a.purge(1000 + SignInLimits::kWindowSeconds + 10).isOk());
  CHECK_TRUE(a.admitAttempt("10.9.1.1", "t-1/bob", 1000 + SignInLimits::kWindowSeconds + 10).isOk());
}

TEST_GROUP(SelfcareChart){};

TEST(SelfcareChart, BarsScaleToTheLargestDayAndLabelsAreEscaped) {
  std::vector<std::pair<std::string, int64_t>> days = {{"2026-01-01", 0}, {"<b>", 500}, {"2026-01-03", 1000}};
  std::string svg = mgmt::selfcare::usageSvg(days);
  CHECK_TRUE(svg.find("role=\"img\"") != std::string::npos);
  CHECK_TRUE(svg.find("<title id=\"usage-title\">") != std::string::npos);
  CHECK_TRUE(svg.find("<b>") == std::string::npos);
  CHECK_TRUE(svg.find("&lt;b&gt;") != std::string::npos);
  CHECK_TRUE(svg.find("height=\"96\"") != std::string::npos);  // the largest day: full height (100 - 4)
  CHECK_TRUE(svg.find("height=\"48\"") != std::string::npos);  // half of it
  CHECK_TRUE(svg.find("height=\"0\"") != std::string::npos);
  // No usage at all: no bar has height, and nothing divides by zero.
  std::string empty = mgmt::selfcare::usageSvg({{"2026-01-01", 0}});
  CHECK_TRUE(empty.find("height=\"0\"") != std::string::npos);
}
