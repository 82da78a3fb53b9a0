#include "mgmt/api/signup_api.h"

#include <functional>

#include "core/log.h"
#include "mgmt/api/api_status.h"

namespace mgmt::api {

using core::HttpRequest;
using core::HttpResponse;
using core::Json;

namespace {

using tenancy::scoped;  // the caller rule every service shares (mgmt/tenancy/caller.h)

}  // namespace

SignupGate::SignupGate(onboarding::OnboardingService& onboarding, const core::Clock& clock, SignupLimits limits)
    : onboarding_(onboarding), limiter_(clock, limits.perAddressPerHour, limits.perAddressBurst, "signups") {}

int64_t SignupGate::take(const std::string& remote) { return limiter_.take(remote); }

core::Result<Json> SignupGate::submit(const onboarding::SignupRequest& request, const std::string& remote) {
  core::Result<Json> made = onboarding_.signup(request, AddressRateLimiter::keyOf(remote));
  if (!made.isOk() && (made.status().code() == core::Code::kInternal || made.status().code() == core::Code::kUnavailable))
    core::logWarning("signup: ", made.status().toString());
  if (!made.isOk() && made.status().code() == core::Code::kResourceExhausted)
    core::logInfo("signup: refused from ", remote, ": ", made.status().message());
  return made;
}

void routeSignupApi(core::HttpServer& server, SignupGate& gate) {
  core::HttpRouteLimits small;
  small.maxBodyBytes = onboarding::kMaxSignupBytes;
  // The address's bucket is drawn from before the body is read: a flood of signups, good or bad,
  // costs one header parse each once the bucket is empty.
  small.admit = [&gate](const HttpRequest& req) -> std::optional<HttpResponse> {
    const int64_t wait = gate.take(req.remote);
    if (wait == 0) return std::nullopt;
    return tooManyRequests(gate.refusalText(wait), wait);
  };
  server.route(
      "POST", "/api/v1/signup",
      [&gate](const HttpRequest& req) {
        core::Result<onboarding::SignupRequest> parsed = onboarding::parseSignup(req.body);
        if (!parsed.isOk()) return errorResponse(parsed.status());
        core::Result<Json> made = gate.submit(*parsed, req.remote);
        if (!made.isOk()) {
          if (made.status().code() == core::Code::kResourceExhausted)
            return tooManyRequests(made.status().message(), kSignupCapRetrySeconds);
          return errorResponse(made.status());
        }
        Json body = *made;
        body["next"] = "open the link we sent to " + (*made)["email"].get<std::string>() + " within 24 hours";
        return HttpResponse::json(202, body);
      },
      small);
  onboarding::OnboardingService& onboarding = gate.onboarding();
  core::HttpRouteLimits none;
  none.maxBodyBytes = 1;
  server.route(
      "GET", "/api/v1/signup/verify",
      [&onboarding](const HttpRequest& req) {
        auto token = req.query.find("token");
        if (token == req.query.end()) return HttpResponse::jsonError(400, "token: is required");
        core::Result<Json> verified = onboarding.verify(token->second);
        if (!verified.isOk()) return errorResponse(verified.status());
        Json body = *verified;
        body["progress"] = "/api/v1/signup/job?id=" + (*verified)["job"].get<std::string>();
        return HttpResponse::json(200, body);
      },
      none);
  server.route(
      "GET", "/api/v1/signup/job",
      [&onboarding](const HttpRequest& req) {
        auto id = req.query.find("id");
        if (id == req.query.end()) return HttpResponse::jsonError(400, "id: is required");
        core::Result<Json> job = onboarding.job(id->second);
        if (!job.isOk()) return errorResponse(job.status());
        return HttpResponse::json(200, *job);
      },
      none);
}

void bindOnboardingCommands(core::command::Table& table, onboarding::OnboardingService& onboarding) {
  table.bind("demo-convert", scoped([&onboarding](const Json& a, const tenancy::Caller& c) {
    return onboarding.convert(a, c);
  }));
  table.bind("signup-list", scoped([&onboarding](const Json& a, const tenancy::Caller& c) {
    return onboarding.signupList(a, c);
  }));
  table.bind("signup-funnel", scoped([&onboarding](const Json& a, const tenancy::Caller& c) {
    return onboarding.signupFunnel(a, c);
  }));
  table.bind("branding-set", scoped([&onboarding](const Json& a, const tenancy::Caller& c) {
    return onboarding.setBranding(a, c);
  }));
  table.bind("branding-show", scoped([&onboarding](const Json& a, const tenancy::Caller& c) {
    return onboarding.showBranding(a, c);
  }));
  table.bind("branding-logo-set", scoped([&onboarding](const Json& a, const tenancy::Caller& c) {
    return onboarding.setLogo(a, c);
  }));
  table.bind("branding-logo-clear", scoped([&onboarding](const Json& a, const tenancy::Caller& c) {
    return onboarding.clearLogo(a, c);
  }));
}

}  // namespace mgmt::api
