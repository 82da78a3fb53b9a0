// The partner programme around the commissions (issue 25, ADR 0055; docs/partners.md):
// territories and attribution by territory with the words of why, applications through the public
// form with review, versioned agreements that gate payouts, certification with expiry, and the
// automatic tier review. PartnerService keeps partners, plans, attributions, the ledger and payouts.
//
// Contract:
//  - Who reaches what is PartnerService's rule (partner_internal.h): the platform every partner; a
//    tenant caller its own resellers (another tenant's is kNotFound); a partner caller reads its own
//    territories, certification and agreement state, and accepts the agreement; every other change
//    is refused to it.
//  - Territories compete within one scope (a tenant's resellers, or the platform's partners) by
//    decideTerritory (territory_rules.h). Attribution by territory never overrides an attribution by
//    hand or referral code in force (those are explicit); it fills an unattributed account or
//    replaces an earlier attribution by territory, writing the why into the attribution's note.
//  - A payout is refused until the partner has accepted the current agreement version (when one
//    has been published).
//  - Applications: a public caller submits (limits per address and email, and on pending ones in
//    all: ADR 0037's, mgmt.conf signup.*); approval creates the partner (and the invitation of its
//    person through `invitePartner`), rejection records the reason; both mail the applicant.
#pragma once

#include <functional>
#include <string>

#include "core/clock.h"
#include "core/command/command.h"
#include "core/control_socket.h"
#include "mgmt/partners/program_store.h"
#include "mgmt/store/sql.h"

namespace mgmt::partners {

class ProgramService {
 public:
  struct Deps {
    store::Storage& storage;
    const core::Clock& clock;
    // Mail through the outbox in the caller's unit of work (mgmt/mail's enqueue, wired by the
    // composition root). Without it decisions are recorded and no mail is sent.
    std::function<core::Status(store::Transaction& tx, const std::string& to, const std::string& templateName,
                               const core::Json& variables, int64_t now)>
        mail = {};
    // Invites the approved partner's person with the partner role (the people issue's invitation
    // flow), as `actor`. Without it the partner is made and the reply says to invite by hand.
    std::function<core::Status(const std::string& email, const std::string& name, const std::string& partnerId,
                               const core::command::Caller& actor)>
        invitePartner = {};
    // The public form's limits (ADR 0037): per address and per email per hour, pending in all.
    int64_t perOriginPerHour = 5;
    int64_t perEmailPerHour = 3;
    int64_t pendingMax = 1000;
    // Referral-link visitors recorded per partner and day at most (mgmt.conf referral.*, ADR 0073).
    int64_t visitorsPerPartnerDay = 10000;
  };
  explicit ProgramService(Deps deps) : d_(std::move(deps)) {}

  using Caller = core::command::Caller;
  core::ControlReply addTerritory(const core::Json& args, const Caller& caller);     // partner-territory-add
  core::ControlReply listTerritories(const core::Json& args, const Caller& caller);  // partner-territory-list
  core::ControlReply removeTerritory(const core::Json& args, const Caller& caller);  // partner-territory-remove
  core::ControlReply explain(const core::Json& args, const Caller& caller);          // attribution-explain
  core::ControlReply attributeByTerritory(const core::Json& args, const Caller& caller);  // attribution-territory

  core::ControlReply publishAgreement(const core::Json& args, const Caller& caller);  // agreement-publish
  core::ControlReply showAgreement(const core::Json& args, const Caller& caller);     // agreement-show
  core::ControlReply acceptAgreement(const core::Json& args, const Caller& caller);   // agreement-accept
  core::ControlReply certify(const core::Json& args, const Caller& caller);           // partner-certify

  core::ControlReply setTierRules(const core::Json& args, const Caller& caller);  // partner-tier-rules
  core::ControlReply tiersReview(const core::Json& args, const Caller& caller);   // partner-tiers-review

  core::ControlReply apply(const core::Json& args, const Caller& caller);         // partner-apply (public)
  core::ControlReply applications(const core::Json& args, const Caller& caller);  // partner-application-list
  core::ControlReply decide(const core::Json& args, const Caller& caller);        // partner-application-decide

  // The scheduled tier review (mgmtd's platform job "partner-tiers-review", ADR 0065): every scope
  // with tier rules not reviewed yet today is reviewed with --apply as the local operator, and the
  // run's outcome (or its error) is remembered as the scope's last run (partner-tiers-review shows
  // it). Returns how many scopes it reviewed. The caller holds the job's singleton lock.
  core::Result<int64_t> scheduledTiersReview();

  // A visit through a partner's referral link (public, /ref?code=...; ADR 0065): counted once per
  // partner, day and `visitor` (a keyed hash of the client address made by the caller). Answers the
  // active partner's {"name", "code", "level", "tenant" (a reseller's tenant name), "window-days",
  // "counted" (false when the partner's visitors of the day reached Deps::visitorsPerPartnerDay)};
  // kNotFound for a code no active partner has (nothing recorded).
  core::Result<core::Json> visit(const std::string& code, const std::string& visitor);

  int64_t today() const { return d_.clock.unixSeconds() / 86400; }

 private:
  Deps d_;
};

// Refused with a clear kFailedPrecondition when an agreement is published and the partner has not
// accepted its current version (payout-approve asks, in its unit of work).
core::Status requireCurrentAgreement(store::Transaction& tx, const std::string& partnerId);
// The certification as partner lists show it: {"certification", "certified-until", "certified":
// "certified"|"expired"|"none"} on `day`.
core::Json certificationJson(store::Transaction& tx, const std::string& partnerId, int64_t day);

// An application's fields checked (kInvalidArgument naming the field), nothing stored: the public
// form shows every field's problem at once with it.
core::Result<Application> applicationFromArgs(const core::Json& args);

void bindProgramCommands(core::command::Table& table, ProgramService& s);

}  // namespace mgmt::partners
