// The admin API (HTTPS, bearer tokens): one route per operator command of the command table,
// GET /api/v1/NAME?args for reads and POST /api/v1/NAME {args} for the rest. The bearer (a session's
// access token or an API token, auth_api.h) decides the principal before a body is read; the table
// decides the rest (the spec's roles, arguments), and the reply's code the HTTP status
// (api_status.h). A platform person signed in without a second factor is refused every command
// (403) until they enrol one. GET /api/v1/audit-export answers text/csv.
#pragma once

#include "core/command/command.h"
#include "core/http_server.h"
#include "mgmt/access/sign_in_service.h"

namespace mgmt::api {

void routeAdminApi(core::HttpServer& server, core::command::Table& commands, access::SignInService& signIn);

}  // namespace mgmt::api
