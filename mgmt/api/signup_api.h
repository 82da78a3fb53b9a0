// The public part of the admin API: ISP self-registration (ADR 0029, limits ADR 0037). No token:
// anyone may sign up, so every route limits its body before reading it, and answers with codes, never
// with data of another signup.
//
//   POST /api/v1/signup                   {business-name, ...} (signup_request.h) -> 202 {"signup", ...}
//   GET  /api/v1/signup/verify?token=T    the emailed link's secret -> 200 {"tenant", "job", "progress"}
//   GET  /api/v1/signup/job?id=J          provisioning progress -> 200 {"state", "percent", "log", ...}
//
// Abuse limits (SignupGate, shared with the console's signup form): each client address (an IPv6 one
// by its /64) draws from a token bucket (signup.per-address-burst, then per-address-per-hour) before
// its body is read; the service caps unverified signups per address and in all, and per email an
// hour. Every refusal by a limit is 429 with Retry-After and {"error", "code", "retry-after"}.
//
// The job id is a random capability handed only to the person who followed the link.
// bindOnboardingCommands binds demo-convert, signup-list, signup-funnel and branding-set.
#pragma once

#include <optional>
#include <string>

#include "core/clock.h"
#include "core/command/command.h"
#include "core/http_server.h"
#include "mgmt/api/rate_limit.h"
#include "mgmt/onboarding/onboarding_service.h"

namespace mgmt::api {

struct SignupLimits {
  double perAddressBurst = 10;
  double perAddressPerHour = 20;
};

// The one way in for a signup, from the API and the console's form alike.
class SignupGate {
 public:
  SignupGate(onboarding::OnboardingService& onboarding, const core::Clock& clock, SignupLimits limits);

  // Takes one request from the address's bucket: 0, or the seconds to wait (nothing taken).
  int64_t take(const std::string& remote);
  std::string refusalText(int64_t wait) const { return limiter_.refusalText(wait); }
  // The signup from `remote`, after take() let it in.
  core::Result<core::Json> submit(const onboarding::SignupRequest& request, const std::string& remote);
  onboarding::OnboardingService& onboarding() { return onboarding_; }

 private:
  onboarding::OnboardingService& onboarding_;
  AddressRateLimiter limiter_;
};

// Seconds a client is told to wait after a cap of the service (kResourceExhausted): the per-email
// limit is hourly, and an hour is also when a pending cap is worth asking again.
constexpr int64_t kSignupCapRetrySeconds = 3600;

void routeSignupApi(core::HttpServer& server, SignupGate& gate);
void bindOnboardingCommands(core::command::Table& table, onboarding::OnboardingService& onboarding);

}  // namespace mgmt::api
