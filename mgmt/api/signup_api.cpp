#include "mgmt/api/signup_api.h"

#include <functional>

#include "core/log.h"
#include "mgmt/api/api_status.h"

namespace mgmt::api {

using core::HttpRequest;
using core::HttpResponse;
using core::Json;

namespace {

// The table has decided the role; the service confines a tenant caller to its tenant (the scope).
core::command::Table::Handler scoped(
    std::function<core::ControlReply(const Json&, const tenancy::Caller&)> serve) {
  return [serve = std::move(serve)](const Json& args, const core::command::Caller& c) -> core::ControlReply {
    if (c.role.rfind("tenant", 0) == 0 && c.scope.empty())
      return core::ControlReply::error(core::permissionDenied("a tenant caller without a tenant"));
    return serve(args, tenancy::Caller{c.scope});
  };
}

}  // namespace

void routeSignupApi(core::HttpServer& server, onboarding::OnboardingService& onboarding) {
  core::HttpRouteLimits small;
  small.maxBodyBytes = onboarding::kMaxSignupBytes;
  server.route(
      "POST", "/api/v1/signup",
      [&onboarding](const HttpRequest& req) {
        core::Result<onboarding::SignupRequest> parsed = onboarding::parseSignup(req.body);
        if (!parsed.isOk()) return errorResponse(parsed.status());
        core::Result<Json> made = onboarding.signup(*parsed);
        if (!made.isOk()) {
          if (made.status().code() == core::Code::kInternal || made.status().code() == core::Code::kUnavailable)
            core::logWarning("signup: ", made.status().toString());
          return errorResponse(made.status());
        }
        Json body = *made;
        body["next"] = "open the link we sent to " + (*made)["email"].get<std::string>() + " within 24 hours";
        return HttpResponse::json(202, body);
      },
      small);
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
  table.bind("branding-set", scoped([&onboarding](const Json& a, const tenancy::Caller& c) {
    return onboarding.setBranding(a, c);
  }));
  table.bind("branding-show", scoped([&onboarding](const Json& a, const tenancy::Caller& c) {
    return onboarding.showBranding(a, c);
  }));
}

}  // namespace mgmt::api
