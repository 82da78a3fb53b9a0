// The health and churn risk of a partner's own accounts (issues 25 and 26; docs/partners.md "Health of
// your accounts"; ADR 0073): `partner-health`, read-only, for the partner's people and for whoever
// manages the partner.
//
// Contract:
//  - Who reaches which partner is reachablePartner's (partner_internal.h): a partner caller
//    ("partner:<id>") only itself, a tenant caller only its own resellers, the platform any; another
//    partner is kNotFound, the same as one that does not exist.
//  - The accounts are those attributed to the partner on the day (PartnerStore::attributionAt, the
//    attribution in force): an account detached since, given to another partner, or attributed from
//    a later day is not listed, and nothing of it is read. Nothing else is read either: the command
//    never lists a tenant's or the platform's other accounts.
//  - A tenant's reseller: its customers (the account's username -> the tenant's customer) with the
//    churn score 0-100 of mgmt/insight (the newest in insight_scores), a band (at risk from
//    InsightOptions::atRiskScore, the threshold of the ISP's own at-risk list; watch from half of it;
//    low risk below), the model's factors in words and the suggested action (retentionAction). A
//    customer without a record or a score yet is listed as "no score yet".
//  - A platform partner: its tenants (every distinct tenant among its accounts, active ones), with the
//    tenant health score of ADR 0059 (health_service.h), its band (healthy, watch, at risk) and the
//    factors that cost it points, most first, in words.
//  - Highest risk first (a customer's score, a tenant's 100 - health), those without data last; at most
//    --limit (default and most 1000).
#pragma once

#include "core/command/command.h"
#include "mgmt/insight/insight_service.h"
#include "mgmt/partners/partner_service.h"

namespace mgmt::partners {

void bindPartnerHealthCommands(core::command::Table& table, PartnerService& partners, insight::InsightService& insight);

}  // namespace mgmt::partners
