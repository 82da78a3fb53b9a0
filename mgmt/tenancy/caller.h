// Who asks: a platform operator (mgmtctl, a platform token) or one tenant's token. Every service
// applies it the same way: a tenant caller reaches only its own tenant, and naming any other gets
// the same answer as naming a tenant that does not exist (nothing leaks).
#pragma once

#include <string>
#include <utility>

#include "core/command/command.h"
#include "core/command/reply.h"
#include "core/status.h"

namespace mgmt::tenancy {

struct Caller {
  std::string tenantId;  // "" = platform operator
  bool platform() const { return tenantId.empty(); }
};

// The command table's caller as the services know it, decided once for every service: local root
// (no role) and platform roles are the platform; any other role is confined to its scope, and one
// without a scope is a bug of the door that made it: refused (permission-denied), never taken for
// the platform.
inline core::Result<Caller> callerOf(const core::command::Caller& c) {
  if (!c.role.empty() && c.role.rfind("platform-", 0) != 0 && c.scope.empty())
    return core::permissionDenied("a tenant caller without a tenant");
  return Caller{c.scope};
}

// A table handler that runs `serve(arguments, Caller)` for a caller callerOf accepts (the table
// has decided the role already).
template <typename Serve>
core::command::Table::Handler scoped(Serve serve) {
  return [serve = std::move(serve)](const core::Json& args, const core::command::Caller& c) -> core::ControlReply {
    core::Result<Caller> caller = callerOf(c);
    if (!caller.isOk()) return core::ControlReply::error(caller.status());
    return serve(args, *caller);
  };
}

}  // namespace mgmt::tenancy
