// mgmtd's command table (core/command): every operator command, declared once. The control socket
// (mgmtctl, local root), the admin HTTP API (a token: platform or one tenant) and, next, the web
// console dispatch through it; mgmtctl builds its help from it.
#pragma once

#include <string>
#include <vector>

#include "core/command/command.h"

namespace mgmt {

// The roles of mgmt's principals (mgmt/access/principal.h, ADR 0028), the table's rungs:
//   platform-owner, platform-admin, platform-support; tenant-owner, tenant-admin, tenant-staff,
//   tenant-billing, tenant-technician, tenant-read-only (confined to their tenant: Caller::scope);
//   partner (confined to their partner; no command yet).
// Each spec says exactly which roles may run it (Spec::roles). A spec written with the two old
// rungs, role("tenant") or role("platform"), gets its roles from its effect in mgmtCommandSpecs():
//   role("tenant"), read:    every tenant and platform role
//   role("tenant"), change:  tenant-owner, tenant-admin, tenant-staff, platform-owner, platform-admin
//   role("platform"), read:  the three platform roles; change: platform-owner, platform-admin
// "tenant" and "platform" stay on the ladder only for that; no caller has them.
const std::vector<std::string>& mgmtRoles();
// The roles of people and tokens (mgmtRoles() without the two old rungs), platform ones first.
const std::vector<std::string>& principalRoles();
const std::vector<core::command::Spec>& mgmtCommandSpecs();

}  // namespace mgmt
