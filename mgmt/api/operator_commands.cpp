#include "mgmt/api/operator_commands.h"

#include <functional>

#include "mgmt/api/access_commands.h"

namespace mgmt::api {

using core::ControlReply;
using core::Json;

namespace {

using tenancy::scoped;  // the caller rule every service shares (mgmt/tenancy/caller.h)

using ScopedServe = std::function<ControlReply(const Json& args, const tenancy::Caller& caller)>;

}  // namespace

void bindOperatorCommands(core::command::Table& table, const Services& s) {
  tenancy::TenancyService& tenancy = s.tenancy;
  access::AccessService& access = s.access;
  fleet::FleetService& fleet = s.fleet;
  catalog::CatalogService& catalog = s.catalog;
  usage::UsageService& usage = s.usage;
  using tenancy::Caller;

  table.bind("tenant-add", scoped([&tenancy](const Json& a, const Caller& c) { return tenancy.add(a, c); }));
  table.bind("tenant-list", scoped([&tenancy](const Json& a, const Caller& c) { return tenancy.list(a, c); }));
  table.bind("tenant-show", scoped([&tenancy](const Json& a, const Caller& c) { return tenancy.show(a, c); }));
  table.bind("tenant-set", scoped([&tenancy](const Json& a, const Caller& c) { return tenancy.set(a, c); }));
  table.bind("tenant-suspend",
             scoped([&tenancy](const Json& a, const Caller& c) { return tenancy.setStatus(a, c, "suspended"); }));
  table.bind("tenant-resume",
             scoped([&tenancy](const Json& a, const Caller& c) { return tenancy.setStatus(a, c, "active"); }));
  table.bind("license-show", scoped([&tenancy](const Json& a, const Caller& c) { return tenancy.license(a, c); }));

  table.bind("claim-create", scoped([&fleet](const Json& a, const Caller& c) { return fleet.createClaim(a, c); }));
  table.bind("device-list", scoped([&fleet](const Json& a, const Caller& c) { return fleet.listDevices(a, c); }));
  table.bind("device-show", scoped([&fleet](const Json& a, const Caller& c) { return fleet.showDevice(a, c); }));
  table.bind("device-revoke", scoped([&fleet](const Json& a, const Caller& c) { return fleet.revokeDevice(a, c); }));
  table.bind("device-rekey", scoped([&fleet](const Json& a, const Caller& c) { return fleet.rekeyDevice(a, c); }));
  table.bind("session-disconnect",
             scoped([&fleet](const Json& a, const Caller& c) { return fleet.disconnectSessions(a, c); }));
  table.bind("command-list", scoped([&fleet](const Json& a, const Caller& c) { return fleet.listCommands(a, c); }));

  table.bind("plan-add", scoped([&catalog](const Json& a, const Caller& c) { return catalog.addPlan(a, c, false); }));
  table.bind("plan-set", scoped([&catalog](const Json& a, const Caller& c) { return catalog.addPlan(a, c, true); }));
  table.bind("plan-list", scoped([&catalog](const Json& a, const Caller& c) { return catalog.listPlans(a, c); }));
  table.bind("plan-del", scoped([&catalog](const Json& a, const Caller& c) { return catalog.deletePlan(a, c); }));
  table.bind("subscriber-add",
             scoped([&catalog](const Json& a, const Caller& c) { return catalog.addSubscriber(a, c, false); }));
  table.bind("subscriber-set",
             scoped([&catalog](const Json& a, const Caller& c) { return catalog.addSubscriber(a, c, true); }));
  table.bind("subscriber-del",
             scoped([&catalog](const Json& a, const Caller& c) { return catalog.deleteSubscriber(a, c); }));
  table.bind("subscriber-list",
             scoped([&catalog](const Json& a, const Caller& c) { return catalog.listSubscribers(a, c); }));

  table.bind("usage", scoped([&usage](const Json& a, const Caller& c) { return usage.totals(a, c); }));
  table.bind("session-list", scoped([&usage](const Json& a, const Caller& c) { return usage.sessions(a, c); }));

  customers::CustomerService& customers = s.customers;
  table.bind("customer-add", scoped([&customers](const Json& a, const Caller& c) { return customers.put(a, c, false); }));
  table.bind("customer-set", scoped([&customers](const Json& a, const Caller& c) { return customers.put(a, c, true); }));
  table.bind("customer-del", scoped([&customers](const Json& a, const Caller& c) { return customers.remove(a, c); }));
  table.bind("customer-show", scoped([&customers](const Json& a, const Caller& c) { return customers.show(a, c); }));
  table.bind("customer-list", scoped([&customers](const Json& a, const Caller& c) { return customers.list(a, c); }));

  // Tokens, people and the audit log: their handlers need the caller's role too (grants).
  bindAccessCommands(table, access, s.signIn, s.audit);

  billing::BillingService& billing = s.billing;
  table.bind("billing-setup", scoped([&billing](const Json& a, const Caller& c) { return billing.setup(a, c); }));
  table.bind("tax-rate-set", scoped([&billing](const Json& a, const Caller& c) { return billing.setTaxRate(a, c); }));
  table.bind("tax-rate-list", scoped([&billing](const Json& a, const Caller& c) { return billing.listTaxRates(a, c); }));
  table.bind("billing-customer", scoped([&billing](const Json& a, const Caller& c) { return billing.setCustomer(a, c); }));
  table.bind("subscription-add",
             scoped([&billing](const Json& a, const Caller& c) { return billing.addSubscription(a, c); }));
  table.bind("subscription-list",
             scoped([&billing](const Json& a, const Caller& c) { return billing.listSubscriptions(a, c); }));
  table.bind("subscription-change",
             scoped([&billing](const Json& a, const Caller& c) { return billing.changeSubscription(a, c); }));
  table.bind("subscription-cancel",
             scoped([&billing](const Json& a, const Caller& c) { return billing.cancelSubscription(a, c); }));
  table.bind("charge-add", scoped([&billing](const Json& a, const Caller& c) { return billing.addCharge(a, c); }));
  table.bind("billing-run", scoped([&billing](const Json& a, const Caller& c) { return billing.run(a, c); }));
  table.bind("invoice-list", scoped([&billing](const Json& a, const Caller& c) { return billing.listInvoices(a, c); }));
  table.bind("invoice-show", scoped([&billing](const Json& a, const Caller& c) { return billing.showInvoice(a, c); }));
  table.bind("invoice-finalize", scoped([&billing](const Json& a, const Caller& c) { return billing.finalize(a, c); }));
  table.bind("credit-note-add", scoped([&billing](const Json& a, const Caller& c) { return billing.creditNote(a, c); }));
  table.bind("payment-add", scoped([&billing](const Json& a, const Caller& c) { return billing.addPayment(a, c); }));
  table.bind("refund-add", scoped([&billing](const Json& a, const Caller& c) { return billing.refund(a, c); }));
  table.bind("billing-balance", scoped([&billing](const Json& a, const Caller& c) { return billing.balances(a, c); }));
  table.bind("billing-verify", scoped([&billing](const Json& a, const Caller& c) { return billing.verify(a, c); }));
  table.bind("billing-aging", scoped([&billing](const Json& a, const Caller& c) { return billing.aging(a, c); }));
  table.bind("billing-tax-report", scoped([&billing](const Json& a, const Caller& c) { return billing.taxReport(a, c); }));
  table.bind("billing-revenue", scoped([&billing](const Json& a, const Caller& c) { return billing.revenue(a, c); }));
  table.bind("payment-list", scoped([&billing](const Json& a, const Caller& c) { return billing.listPayments(a, c); }));
  table.bind("payment-show", scoped([&billing](const Json& a, const Caller& c) { return billing.showPayment(a, c); }));
}

}  // namespace mgmt::api
