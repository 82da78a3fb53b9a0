// The partners' commands of mgmt/mgmt_commands bound to PartnerService (issue 25).
#pragma once

#include "core/command/command.h"
#include "mgmt/partners/partner_service.h"

namespace mgmt::partners {

void bindPartnerCommands(core::command::Table& table, PartnerService& partners);

}  // namespace mgmt::partners
