// The public part of the admin API: ISP self-registration (ADR 0029). No token: anyone may sign up,
// so every route limits its body before reading it, and answers with codes, never with data of
// another signup.
//
//   POST /api/v1/signup                   {business-name, ...} (signup_request.h) -> 202 {"signup", ...}
//   GET  /api/v1/signup/verify?token=T    the emailed link -> 200 {"tenant", "job", "progress"}
//   GET  /api/v1/signup/job?id=J          provisioning progress -> 200 {"state", "percent", "log", ...}
//
// The job id is a random capability handed only to the person who followed the link.
// bindOnboardingCommands binds demo-convert, signup-list and branding-set (mgmt_commands.cpp).
#pragma once

#include "core/command/command.h"
#include "core/http_server.h"
#include "mgmt/onboarding/onboarding_service.h"

namespace mgmt::api {

void routeSignupApi(core::HttpServer& server, onboarding::OnboardingService& onboarding);
void bindOnboardingCommands(core::command::Table& table, onboarding::OnboardingService& onboarding);

}  // namespace mgmt::api
