// The admin API (HTTPS, bearer tokens): one route per operator command of the command table,
// GET /api/v1/NAME?args for reads and POST /api/v1/NAME {args} for the rest. The token decides the
// caller (platform, or one tenant) before a body is read; the table decides the rest (role,
// arguments), and the reply's code the HTTP status (api_status.h).
#pragma once

#include "core/command/command.h"
#include "core/http_server.h"
#include "mgmt/access/access_service.h"

namespace mgmt::api {

void routeAdminApi(core::HttpServer& server, core::command::Table& commands, access::AccessService& access);

}  // namespace mgmt::api
