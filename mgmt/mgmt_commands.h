// mgmtd's command table (core/command): every operator command, declared once. The control socket
// (mgmtctl, local root), the admin HTTP API (a token: platform or one tenant) and, next, the web
// console dispatch through it; mgmtctl builds its help from it.
#pragma once

#include <string>
#include <vector>

#include "core/command/command.h"

namespace mgmt {

// "tenant": a tenant's token, confined to its tenant (Caller::scope); "platform": the platform's.
const std::vector<std::string>& mgmtRoles();
const std::vector<core::command::Spec>& mgmtCommandSpecs();

}  // namespace mgmt
