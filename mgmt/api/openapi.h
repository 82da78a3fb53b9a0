// The admin API's OpenAPI 3.0 document, generated from mgmtd's command table (the same specs the
// routes, mgmtctl's help and the console's forms come from): one path per command the admin API
// serves, GET with query parameters for reads and POST with a JSON object for the rest, each
// argument with its type and limits (length, range), the role it needs, and the answers: 200
// {text, data} or an error {error, code} with the status of its code (core/command's mapping).
// Served at GET /api/v1/openapi.json.
#pragma once

#include <string>
#include <vector>

#include "core/command/command.h"
#include "core/http_server.h"
#include "core/json.h"

namespace mgmt::api {

// Whether the admin API serves `spec` (mgmtd's own commands and CLI-only ones are the control socket's).
bool servedByAdminApi(const core::command::Spec& spec);

core::Json openApiDocument(const std::vector<core::command::Spec>& specs, const std::string& version);

// GET /api/v1/openapi.json: the document of `specs`, public (it says what the API is, not what is in it).
void routeOpenApi(core::HttpServer& server, const std::vector<core::command::Spec>& specs, const std::string& version);

}  // namespace mgmt::api
