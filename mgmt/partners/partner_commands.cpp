#include "mgmt/partners/partner_commands.h"

#include <functional>

namespace mgmt::partners {

using core::ControlReply;
using core::Json;

namespace {

using Serve = ControlReply (PartnerService::*)(const Json&, const tenancy::Caller&);

// The table's caller as the service knows it: a tenant caller's scope is its tenant, a partner's is
// "partner:<id>" (access::Principal::scope). A non-platform caller without a scope is a bug of the
// door that made it, and is refused rather than taken for the platform.
core::command::Table::Handler scoped(PartnerService& s, Serve serve) {
  return [&s, serve](const Json& args, const core::command::Caller& c) -> ControlReply {
    if (!c.role.empty() && c.role.rfind("platform-", 0) != 0 && c.scope.empty())
      return ControlReply::error(core::permissionDenied("a tenant or partner caller without a scope"));
    return (s.*serve)(args, tenancy::Caller{c.scope});
  };
}

}  // namespace

void bindPartnerCommands(core::command::Table& table, PartnerService& s) {
  table.bind("partner-add", scoped(s, &PartnerService::add));
  table.bind("partner-set", scoped(s, &PartnerService::set));
  table.bind("partner-list", scoped(s, &PartnerService::list));
  table.bind("partner-show", scoped(s, &PartnerService::show));
  table.bind("partner-brand-show", scoped(s, &PartnerService::showBrand));
  table.bind("partner-brand-set", scoped(s, &PartnerService::setBrand));
  table.bind("partner-brand-logo-set", scoped(s, &PartnerService::setBrandLogo));
  table.bind("partner-brand-logo-clear", scoped(s, &PartnerService::clearBrandLogo));
  table.bind("commission-plan-set", scoped(s, &PartnerService::setPlan));
  table.bind("commission-plan-list", scoped(s, &PartnerService::listPlans));
  table.bind("partner-plan", scoped(s, &PartnerService::assignPlan));
  table.bind("attribution-set", scoped(s, &PartnerService::attribute));
  table.bind("attribution-list", scoped(s, &PartnerService::attributions));
  table.bind("commission-run", scoped(s, &PartnerService::run));
  table.bind("commission-chargeback", scoped(s, &PartnerService::chargeback));
  table.bind("partner-bonus", scoped(s, &PartnerService::bonus));
  table.bind("partner-ledger", scoped(s, &PartnerService::ledger));
  table.bind("partner-statement", scoped(s, &PartnerService::statement));
  table.bind("payout-approve", scoped(s, &PartnerService::approvePayout));
  table.bind("payout-paid", scoped(s, &PartnerService::markPaid));
  table.bind("payout-list", scoped(s, &PartnerService::payouts));
  table.bind("payout-account-set", scoped(s, &PartnerService::setPayoutAccount));
  table.bind("payout-export", scoped(s, &PartnerService::exportPayouts));
  table.bind("partners-verify", scoped(s, &PartnerService::verify));
}

}  // namespace mgmt::partners
