// The management plane's composition root: one service per area over one store::Storage, wired
// together (a tenant's counts from catalog and fleet; a demo's sample data from app/demo), and the
// operator commands bound to them. No business logic and no SQL here: see the services
// (mgmt/tenancy, access, fleet, catalog, usage) and the APIs over them (mgmt/api).
//
// Thread-safe: the services keep no state between calls; each call is one unit of work.
#pragma once

#include "core/clock.h"
#include "core/command/command.h"
#include "mgmt/access/access_service.h"
#include "mgmt/api/operator_commands.h"
#include "mgmt/authority.h"
#include "mgmt/billing/billing_service.h"
#include "mgmt/billing/collection_service.h"
#include "mgmt/billing/dunning_service.h"
#include "mgmt/billing/platform_billing.h"
#include "mgmt/billing/topup_service.h"
#include "mgmt/catalog/catalog_service.h"
#include "mgmt/customers/customer_service.h"
#include "mgmt/importing/import_service.h"
#include "mgmt/insight/insight_service.h"
#include "mgmt/partners/partner_service.h"
#include "mgmt/partners/program_service.h"
#include "mgmt/fleet/fleet_service.h"
#include "mgmt/fleet/rollout_service.h"
#include "mgmt/mgmt_config.h"
#include "mgmt/monitoring/monitoring_service.h"
#include "mgmt/onboarding/onboarding_service.h"
#include "mgmt/store/sql.h"
#include "mgmt/tenancy/tenancy_service.h"
#include "mgmt/usage/usage_service.h"

namespace mgmt {

class Platform {
 public:
  Platform(const MgmtConfig& config, const Authority& authority, store::Storage& storage,
           const core::Clock& clock = core::SystemClock::instance());

  tenancy::TenancyService tenancy;
  access::AccessService access;
  access::SignInService signIn;
  access::AuditLog audit;
  fleet::FleetService fleet;
  fleet::RolloutService rollouts;  // the firmware catalog and rollouts in rings (ADR 0052)
  catalog::CatalogService catalog;
  usage::UsageService usage;
  billing::BillingService billing;
  billing::CollectionService collection;  // online payments and bank statements (ADR 0039)
  billing::TopupService topups;           // top-up products and purchases in self-care (ADR 0058)
  billing::DunningService dunning;        // dunning steps, the job, restores on payment (ADR 0047)
  billing::PlatformBillingService platformBilling;  // the platform billing its tenants (ADR 0071)
  customers::CustomerService customers;
  importing::ImportService importing;  // import batches and their rollback (ADR 0049)
  insight::InsightService insight;  // churn models and scores (ADR 0042)
  monitoring::MonitoringService monitoring;  // fleet alerts, outage impact, notifications (ADR 0054)
  partners::PartnerService partners;  // partners, commissions, payouts (ADR 0041)
  // Territories, applications, agreements, certification, tier review (ADR 0055).
  partners::ProgramService partnerProgram;

  api::Services services() { return api::Services{tenancy, access, signIn, audit, fleet, catalog, usage, customers, billing}; }
  // Self-registration, demo scenarios and lifecycle, conversion (ADR 0029).
  onboarding::OnboardingService onboarding;

  // Binds every operator command (mgmt/mgmt_commands) but mgmtd's own.
  void bind(core::command::Table& table);

  // Counts for mgmtd's status.
  core::Json statusJson(const Authority& authority);
};

}  // namespace mgmt
