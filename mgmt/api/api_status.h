// The one place a core::Code becomes an HTTP status for mgmtd's APIs: the command layer's mapping
// (core/command: code -> public code -> status), so the device API, the admin API and the CLIs
// agree on what a refusal is.
#pragma once

#include "core/command/command.h"
#include "core/http_server.h"
#include "core/status.h"

namespace mgmt::api {

inline int httpStatusOf(core::Code code) { return core::command::httpStatus(core::command::publicCode(code)); }

// {"error": message} with the status of its code.
inline core::HttpResponse errorResponse(const core::Status& s) {
  return core::HttpResponse::jsonError(httpStatusOf(s.code()), s.message());
}

}  // namespace mgmt::api
