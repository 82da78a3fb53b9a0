// The sign-in routes of the admin API (ADR 0028), over access::SignInService:
//   POST /api/v1/auth/login     {"email", "password", "code"?} -> tokens and the principal
//   POST /api/v1/auth/refresh   {"refresh-token"}              -> new tokens (the old ones stop)
//   POST /api/v1/auth/logout    Bearer access token, or {"refresh-token"}: ends the session
//   GET  /api/v1/auth/me        Bearer: the principal, its sessions
//   POST /api/v1/auth/totp/begin, /auth/totp/confirm {"code"}: TOTP enrolment (Bearer)
//   POST /api/v1/auth/password/forgot {"email"} (always 202), /auth/password/reset {"token","password"}
// Bodies are JSON objects of at most 4 KiB and depth 2, refused before they are read when larger.
// Failures: 400 naming the field, 401 wrong credentials or an ended session ("code":
// "unauthenticated"; "mfa-required" when a one-time code must be sent with the password), 429 with
// Retry-After while an account is locked.
//
// identifyBearer() is how every admin route learns its caller: a principal for any valid bearer
// (session access token or API token), or the 401 to answer.
#pragma once

#include <optional>
#include <variant>

#include "core/http_server.h"
#include "mgmt/access/sign_in_service.h"

namespace mgmt::api {

// The principal behind the request's "Authorization: Bearer ..." header, or the response refusing it.
std::variant<access::Principal, core::HttpResponse> identifyBearer(access::SignInService& signIn,
                                                                   const core::HttpRequest& req);

void routeAuthApi(core::HttpServer& server, access::SignInService& signIn);

// A principal as the API and the console show it.
core::Json principalJson(const access::Principal& p);

}  // namespace mgmt::api
