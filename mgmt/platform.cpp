#include "mgmt/platform.h"

#include "mgmt/access/audit_store.h"
#include "mgmt/access/person_store.h"
#include "mgmt/access/token_store.h"
#include "mgmt/api/payments_api.h"
#include "mgmt/api/signup_api.h"
#include "mgmt/billing/billing_store.h"
#include "mgmt/billing/collection_store.h"
#include "mgmt/billing/dunning_store.h"
#include "mgmt/customers/customer_store.h"
#include "mgmt/fleet/rollout_store.h"
#include "mgmt/importing/import_store.h"
#include "mgmt/insight/insight_commands.h"
#include "mgmt/insight/insight_store.h"
#include "mgmt/mail/outbox.h"
#include "mgmt/monitoring/monitoring_commands.h"
#include "mgmt/monitoring/live_store.h"
#include "mgmt/monitoring/monitoring_store.h"
#include "mgmt/onboarding/scenarios.h"
#include "mgmt/partners/partner_commands.h"
#include "mgmt/partners/partner_health.h"
#include "mgmt/partners/partner_store.h"
#include "mgmt/partners/program_store.h"
#include "mgmt/partners/payout_bank.h"

namespace mgmt {

namespace {

tenancy::TenancyService::Deps tenancyDeps(const MgmtConfig& config, const Authority& authority, store::Storage& storage,
                                          const core::Clock& clock) {
  tenancy::TenancyService::Deps d{storage, authority, clock, config.licenseDays, config.graceDays, nullptr, nullptr, nullptr};
  // A tenant's listing counts rows of other areas, each read by the store that owns it.
  d.counts = [](store::Transaction& tx, const std::string& tenantId) -> core::Result<tenancy::TenantCounts> {
    EDGE_ASSIGN_OR_RETURN(catalog::CatalogCounts c, catalog::countsOf(tx, tenantId));
    EDGE_ASSIGN_OR_RETURN(int64_t devices, fleet::activeDevices(tx, tenantId));
    return tenancy::TenantCounts{c.subscribers, c.plans, devices};
  };
  // tenant-add --demo: the small scenario, the one way demo data is made (mgmt/onboarding).
  d.sampleData = [](store::Transaction& tx, const tenancy::Tenant& t, int64_t now) {
    return onboarding::writeScenario(tx, t, *onboarding::findScenario("small"), now);
  };
  // The platform bills its tenants with the billing engine: a tenant's subscription follows its
  // tier and status in the unit of work that changes them (ADR 0071).
  d.billingFollows = &billing::syncPlatformSubscription;
  return d;
}

// People sign in with the argon2id cost of core/identity's default (ADR 0028: about 50 ms here);
// their reset and invitation links point at the console.
access::SignInService::Deps signInDeps(const MgmtConfig& config, store::Storage& storage, const core::Clock& clock) {
  access::SignInService::Deps d{storage, clock, {}, {}, {}, nullptr};
  d.consoleUrl = [&config] { return config.effectiveLinkUrl(); };  // mgmtd's config: the live admin port
  d.mail = [](store::Transaction& tx, const std::string& tenantId, const std::string& to, const std::string& name,
              const core::Json& variables, int64_t now) {
    return mail::enqueue(tx, tenantId, to, name, variables, now).status();
  };
  // A partner's person is confined to a partner the inviter reaches (its scope decides who that is).
  d.partnerScope = [](store::Transaction& tx, const std::string& id) -> core::Result<std::optional<std::string>> {
    EDGE_ASSIGN_OR_RETURN(std::optional<partners::Partner> p, partners::PartnerStore(tx).partner(id));
    if (!p) return std::optional<std::string>();
    return std::optional<std::string>(p->scope);
  };
  return d;
}

// The partner programme mails applicants through the outbox (platform mail) and limits the public
// form as signups are limited (ADR 0037).
partners::ProgramService::Deps programDeps(const MgmtConfig& config, store::Storage& storage, const core::Clock& clock,
                                           access::SignInService& signIn) {
  partners::ProgramService::Deps d{storage, clock};
  // An approved application's person is invited with the partner role, as the reviewer (who must
  // be allowed to grant it: principal.h mayGrant), through the people's invitation mail.
  d.invitePartner = [&signIn](const std::string& email, const std::string& name, const std::string& partnerId,
                              const core::command::Caller& actor) {
    return signIn.addPerson(email, name, "partner", "", std::nullopt, access::principalOf(actor), partnerId).status();
  };
  d.mail = [](store::Transaction& tx, const std::string& to, const std::string& name, const core::Json& variables,
              int64_t now) { return mail::enqueue(tx, "", to, name, variables, now).status(); };
  d.perOriginPerHour = config.signup.pendingPerAddress;
  d.perEmailPerHour = config.signup.perEmailPerHour;
  d.pendingMax = config.signup.pendingMax;
  d.visitorsPerPartnerDay = config.referral.visitorsPerPartnerDay;
  return d;
}

// Insight's daily run from the insight section (daily-at checked when the configuration was read).
insight::InsightOptions insightOptions(const MgmtConfig& config) {
  insight::InsightOptions o;
  o.daily = config.insight.daily;
  o.dailyMinute = parseTimeOfDay(config.insight.dailyAt).valueOr(150);
  o.dailyAttempts = static_cast<int>(config.insight.dailyAttempts);
  return o;
}

// Links in signup mail point at the admin API (or mail.link-url).
onboarding::OnboardingService::Deps onboardingDeps(const MgmtConfig& config, store::Storage& storage,
                                                   const core::Clock& clock, tenancy::TenancyService& tenancy,
                                                   access::SignInService& signIn) {
  onboarding::OnboardingService::Deps d{storage, clock, tenancy, nullptr, 86400, 7, 2, 14, 3, nullptr};
  d.publicUrl = [&config] { return config.effectiveLinkUrl(); };
  d.signupsPerEmailPerHour = config.signup.perEmailPerHour;
  d.pendingPerOrigin = config.signup.pendingPerAddress;
  d.pendingMax = config.signup.pendingMax;
  // The demo's owner is invited to choose a password on the console when the demo is ready.
  d.inviteOwner = [&signIn, &config](store::Transaction& tx, const std::string& tenantId, const std::string& email,
                                     const std::string& name, int64_t now) {
    return signIn.inviteOwner(tx, tenantId, email, name, now, config.effectiveLinkUrl());
  };
  // A demo's purge in the areas onboarding does not own, each by its own store, children before
  // parents, in the purge's unit of work. What stays is one platform-level audit row saying that the
  // tenant (by id only) was purged and when (ADR 0029).
  d.purgeOtherAreas = [&clock](store::Transaction& tx, const std::string& tenantId) -> core::Status {
    EDGE_RETURN_IF_ERROR(fleet::RolloutStore(tx).deleteTenant(tenantId));
    EDGE_RETURN_IF_ERROR(billing::DunningStore(tx).deleteTenant(tenantId));
    EDGE_RETURN_IF_ERROR(billing::CollectionStore(tx).deleteTenant(tenantId));
    EDGE_RETURN_IF_ERROR(billing::BillingStore(tx).deleteTenant(tenantId));
    EDGE_RETURN_IF_ERROR(importing::ImportStore(tx).deleteTenant(tenantId));
    EDGE_RETURN_IF_ERROR(customers::CustomerStore(tx).deleteTenant(tenantId));
    EDGE_RETURN_IF_ERROR(partners::ProgramStore(tx).deleteTenant(tenantId));
    EDGE_RETURN_IF_ERROR(partners::PartnerStore(tx).deleteTenant(tenantId));
    EDGE_RETURN_IF_ERROR(insight::InsightStore(tx).deleteTenant(tenantId));
    EDGE_RETURN_IF_ERROR(monitoring::MonitoringStore(tx).deleteTenant(tenantId));
    EDGE_RETURN_IF_ERROR(access::TokenStore(tx).deleteTenant(tenantId));
    EDGE_RETURN_IF_ERROR(access::PersonStore(tx).deleteTenant(tenantId));
    access::AuditStore audit(tx);
    EDGE_RETURN_IF_ERROR(audit.deleteTenant(tenantId));
    access::AuditRow row;
    row.at = clock.unixSeconds();
    row.actor = "demo-lifecycle";
    row.role = "platform";
    row.command = "demo-purge";
    row.arguments = core::Json{{"tenant-id", tenantId}}.dump();
    row.outcome = "ok";
    return audit.insert(row);
  };
  return d;
}

}  // namespace

Platform::Platform(const MgmtConfig& config, const Authority& authority, store::Storage& storage,
                   const core::Clock& clock)
    : tenancy(tenancyDeps(config, authority, storage, clock)),
      access({storage, clock}),
      signIn(signInDeps(config, storage, clock)),
      audit({storage, clock}),
      fleet({storage, authority, clock, [&config] { return config.effectivePublicUrl(); }, config.devicePollInterval,
             config.certificateDays, config.dunningPollInterval, &billing::DunningService::tenantInDunning,
             &billing::deliverUndeliveredTopups, config.eapDomain,
             // The sessions a box has open go to monitoring for an outage's impact (ADR 0074).
             [](store::Transaction& tx, const fleet::Device& d, const core::sync::CheckinRequest& r, int64_t now) {
               return monitoring::LiveStore(tx).put(d.id, d.tenantId, r.live, r.liveOmitted, now);
             }}),
      rollouts({storage, clock,
                [&config]() -> core::Result<std::string> {
                  if (config.firmwareKey.empty()) return core::failedPrecondition("firmware-key: not configured");
                  return core::readTextFile(config.firmwareKey, "firmware-key");
                },
                config.effectiveFirmwareDir()}),
      catalog({storage, clock}),
      usage({storage, clock,
             config.storage.usageIngest == "insert" ? usage::IngestPath::kInsert : usage::IngestPath::kBest}),
      billing({storage, clock}),
      // Debit lines of a tenant's bank statement reconcile its resellers' payouts (ADR 0056).
      collection({storage, clock, config.payments.providerUrl, config.payments.providerCaFile, partners::reconcilePayoutLine}),
      topups({storage, clock, collection}),
      // A walled customer is sent to the self-care portal's invoices, where it pays (ADR 0043, 0047).
      dunning({storage, clock,
               [&config](const std::string& tenantName) { return config.effectiveLinkUrl() + "/selfcare/" + tenantName + "/invoices"; }}),
      platformBilling({storage, clock, billing}),
      customers({storage, clock}),
      importing({storage, clock}),
      insight(storage, insightOptions(config)),
      monitoring({storage, clock,
                  monitoring::MonitoringOptions{config.devicePollInterval, config.monitoring.missedPolls,
                                                config.monitoring.impactWindow, config.monitoring.maintenanceLead,
                                                config.monitoring.maxAttempts, config.monitoring.groupWindow}}),
      partners({storage, clock}),
      partnerProgram(programDeps(config, storage, clock, signIn)),
      onboarding(onboardingDeps(config, storage, clock, tenancy, signIn)) {}

void Platform::bind(core::command::Table& table) {
  api::bindOperatorCommands(table, services());
  insight::bindInsightCommands(table, insight);
  monitoring::bindMonitoringCommands(table, monitoring);
  api::bindOnboardingCommands(table, onboarding);
  partners::bindPartnerCommands(table, partners);
  partners::bindProgramCommands(table, partnerProgram);
  partners::bindPartnerHealthCommands(table, partners, insight);
  api::bindCollectionCommands(table, collection, topups);
  importing::bindImportCommands(table, importing);
  billing::bindDunningCommands(table, dunning);
  billing::bindPlatformBillingCommands(table, platformBilling);
  fleet::bindRolloutCommands(table, rollouts);
  // A tenant's tier decides the plugins its people and tokens may use (mgmt/tiers.h).
  // A partner's people act for their partner: a reseller is held to its tenant's tier, a platform
  // partner to none (ADR 0064).
  table.gate([this](const core::command::Caller& caller, const core::command::Spec& spec) -> std::optional<core::ControlReply> {
    if (spec.feature.empty() || caller.scope.rfind("partner:", 0) != 0) return tenancy.pluginGate(caller, spec);
    core::Result<std::string> scope = partners.scopeOfPartner(caller.scope.substr(8));
    if (!scope.isOk()) return core::ControlReply::error(scope.status());
    core::command::Caller asTenant = caller;
    asTenant.scope = *scope;
    return tenancy.pluginGate(asTenant, spec);
  });
}

core::Json Platform::statusJson(const Authority& authority) {
  auto count = [](core::Result<int64_t> n) { return n.valueOr(0); };
  return core::Json{{"tenants", count(tenancy.count())},
                    {"devices", count(fleet.devicesWithStatus("active"))},
                    {"devices-revoked", count(fleet.devicesWithStatus("revoked"))},
                    {"subscribers", count(catalog.subscriberTotal())},
                    {"usage-records", count(usage.usageRecords())},
                    {"ca-fingerprint", authority.caFingerprint()}};
}

}  // namespace mgmt
