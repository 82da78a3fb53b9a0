// The admin API (HTTPS, bearer tokens): one route per operator command of the command table,
// GET /api/v1/NAME?args for reads and POST /api/v1/NAME {args} for the rest. The bearer (a session's
// access token or an API token, auth_api.h) decides the principal before a body is read; the table
// decides the rest (the spec's roles, arguments), and the reply's code the HTTP status
// (api_status.h). A platform person signed in without a second factor is refused every command
// (403) until they enrol one. GET /api/v1/audit-export answers text/csv.
//
// Policy per request of a tenant-level principal (both optional): before its command, the bucket of
// its token or session by its tenant's tier (rate_limit.h: 429 with Retry-After when empty); after a
// command that succeeded, the tenant's activity (a demo's expiry moves on, mgmt/onboarding).
#pragma once

#include <functional>
#include <string>

#include "core/command/command.h"
#include "core/http_server.h"
#include "mgmt/access/sign_in_service.h"
#include "mgmt/api/rate_limit.h"

namespace mgmt::api {

struct AdminApiPolicy {
  ApiRateLimiter* rateLimiter = nullptr;
  std::function<void(const std::string& tenantId)> onTenantActivity;
};

void routeAdminApi(core::HttpServer& server, core::command::Table& commands, access::SignInService& signIn,
                   AdminApiPolicy policy = {});

}  // namespace mgmt::api
