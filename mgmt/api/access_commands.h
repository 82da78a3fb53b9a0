// The commands of mgmt/access bound to their services: API tokens (token-*), people (person-*) and
// the audit log (audit-*). The table has checked the role (each spec's roles); these turn the
// table's caller into the principal the services check grants and tenants against.
#pragma once

#include "core/command/command.h"
#include "mgmt/access/access_service.h"
#include "mgmt/access/audit_log.h"
#include "mgmt/access/sign_in_service.h"

namespace mgmt::api {

void bindAccessCommands(core::command::Table& table, access::AccessService& tokens, access::SignInService& people,
                        access::AuditLog& audit);

}  // namespace mgmt::api
