// The platform billing its tenants with the same engine (issue 24; ADR 0071; docs/billing.md): the
// platform is a biller (tenancy::kPlatformBiller) whose customers are its tenants, named by id; each
// paying tenant has one open subscription at its tier's price (mgmt/tiers.h: Free $0, Basic $49,
// Premium $149, Enterprise $399 a month, or ten months' price a year), prepaid, on the 1st of the
// month, in the platform's own invoice series.
//
// Contract:
//  - syncPlatformSubscription makes the tenant's subscription follow its tier and status in the
//    caller's unit of work: a paying tenant (not a demo, active) has an open subscription on its
//    tier, from today; a tier change is a plan change from today, prorated to the day through the
//    engine's residual (what was billed ahead is credited and charged again as adjustment lines); a
//    suspended tenant's subscription ends today (the days billed ahead are credited); resumed, a new
//    one starts. Calling it again changes nothing.
//  - The platform's books are the engine's: gapless numbers of its own, balanced entries,
//    idempotent runs by (subscription, period); billing-verify --tenant platform proves them.
//  - A tenant caller sees only its own subscription and invoices (the same answer as "no such
//    tenant" for any other); the list of every tenant is the platform's.
#pragma once

#include <cstdint>
#include <string>

#include "core/clock.h"
#include "core/command/command.h"
#include "core/control_socket.h"
#include "mgmt/billing/billing_service.h"
#include "mgmt/store/sql.h"
#include "mgmt/tenancy/caller.h"
#include "mgmt/tenancy/tenant_store.h"

namespace mgmt::billing {

core::Status syncPlatformSubscription(store::Transaction& tx, const tenancy::Tenant& t, int64_t now);

class PlatformBillingService {
 public:
  struct Deps {
    store::Storage& storage;
    const core::Clock& clock;
    BillingService& billing;  // the engine's run
  };

  explicit PlatformBillingService(Deps deps);

  // platform-subscription-show: the tenant's subscription, price, what it owes and its invoices.
  core::ControlReply show(const core::Json& args, const tenancy::Caller& caller);
  // platform-invoice-show: one of the tenant's issued invoices with its lines.
  core::ControlReply showInvoice(const core::Json& args, const tenancy::Caller& caller);
  // platform-subscription-set --period month|year: monthly or annual from today (the current
  // subscription ends today, its unused days credited; a new one starts).
  core::ControlReply setPeriod(const core::Json& args, const tenancy::Caller& caller);
  // platform-billing-list: every tenant with its tier, period, price and what it owes (platform).
  core::ControlReply list(const core::Json& args, const tenancy::Caller& caller);
  // platform-billing-run [--date DATE]: invoice and issue what is due (the job does it every minute).
  core::ControlReply run(const core::Json& args, const tenancy::Caller& caller);

  // The job: the platform's run as of today, issued at once; nothing when no tenant is billed yet.
  core::Result<BillingService::RunResult> runDue();

 private:
  Deps d_;
};

void bindPlatformBillingCommands(core::command::Table& table, PlatformBillingService& s);

}  // namespace mgmt::billing
