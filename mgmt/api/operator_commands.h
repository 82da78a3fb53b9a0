// The operator commands of mgmt/mgmt_commands bound to the services that serve them: the one
// dispatch behind the control socket (mgmtctl), the admin API (tokens) and, next, the web console.
// The table checks role and arguments; the handlers here only turn the table's caller into the
// services' (a tenant's token is confined to its tenant) and call one service method.
#pragma once

#include "core/command/command.h"
#include "mgmt/access/access_service.h"
#include "mgmt/billing/billing_service.h"
#include "mgmt/access/audit_log.h"
#include "mgmt/access/sign_in_service.h"
#include "mgmt/catalog/catalog_service.h"
#include "mgmt/customers/customer_service.h"
#include "mgmt/fleet/fleet_service.h"
#include "mgmt/tenancy/tenancy_service.h"
#include "mgmt/usage/usage_service.h"

namespace mgmt::api {

struct Services {
  tenancy::TenancyService& tenancy;
  access::AccessService& access;
  access::SignInService& signIn;
  access::AuditLog& audit;
  fleet::FleetService& fleet;
  catalog::CatalogService& catalog;
  usage::UsageService& usage;
  customers::CustomerService& customers;
  billing::BillingService& billing;
};

// Binds every command of mgmtCommandSpecs() but mgmtd's own (status, shutdown).
void bindOperatorCommands(core::command::Table& table, const Services& services);

}  // namespace mgmt::api
