// The partner programme's tables (mgmt_schema migration 21; issue 25, ADR 0055): territories,
// applications, versioned agreements and their acceptances, tier rules, and a partner's
// certification (two columns of partners that only this store reads and writes). The only SQL for
// them; a thin class over one store::Transaction. PartnerStore keeps the rest of the partners' tables.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "mgmt/partners/territory_rules.h"
#include "mgmt/store/sql.h"

namespace mgmt::partners {

struct Application {
  std::string id;     // "pp-" + 12 hex digits
  std::string scope;  // "" = to be a platform partner
  std::string name, company, email, type, country, message, origin;
  std::string status = "pending", reason, partnerId, reviewedBy;
  int64_t createdAt = 0, reviewedAt = 0;
};

struct Agreement {
  int64_t version = 0;
  std::string title, body;
  int64_t createdAt = 0;
};

struct Acceptance {
  std::string partnerId;
  int64_t version = 0;
  std::string person;  // the person's email (or "root" for the local operator)
  int64_t acceptedAt = 0;
};

struct Certification {
  std::string name;           // "" = never certified
  int64_t certifiedUntil = 0;  // the last day it holds (days since the epoch); 0 = never
};

class ProgramStore {
 public:
  explicit ProgramStore(store::Transaction& tx) : tx_(tx) {}

  // Territories of a scope's partners (removed ones too when `withRemoved`), with the partner's name.
  core::Result<int64_t> insertTerritory(const std::string& scope, const Territory& t);
  core::Result<std::vector<Territory>> territories(const std::string& scope, const std::string& partnerId,
                                                   bool withRemoved);
  core::Result<std::optional<std::pair<std::string, Territory>>> territory(int64_t id);  // (scope, territory)
  core::Status removeTerritory(int64_t id, int64_t at);

  core::Status insertApplication(const Application& a);
  core::Result<std::optional<Application>> application(const std::string& id);
  // scope nullopt = every one; status "" = any; newest first.
  core::Result<std::vector<Application>> applications(const std::optional<std::string>& scope, const std::string& status,
                                                      int64_t limit);
  // Decides a pending application; false when it was no longer pending.
  core::Result<bool> decideApplication(const Application& a);
  // Abuse limits: applications from `origin`, and with `email`, since `since`; pending ones in all.
  core::Result<int64_t> applicationsFrom(const std::string& origin, int64_t since);
  core::Result<int64_t> applicationsBy(const std::string& email, int64_t since);
  core::Result<int64_t> pendingApplications();

  // Agreements: the next version is the newest + 1.
  core::Result<int64_t> insertAgreement(const std::string& title, const std::string& body, int64_t at);
  core::Result<std::optional<Agreement>> currentAgreement();
  core::Result<std::optional<Agreement>> agreement(int64_t version);
  core::Status accept(const Acceptance& a);  // idempotent
  core::Result<std::vector<Acceptance>> acceptances(const std::string& partnerId);
  core::Result<bool> accepted(const std::string& partnerId, int64_t version);

  core::Result<Certification> certification(const std::string& partnerId);
  core::Status setCertification(const std::string& partnerId, const Certification& c);

  core::Result<std::optional<std::string>> tierRules(const std::string& scope);
  core::Status setTierRules(const std::string& scope, const std::string& rules, int64_t at);
  // The scheduled tier review (migration 24): every scope with rules and its last run (0 = never).
  struct ReviewRun {
    std::string scope;
    int64_t reviewedAt = 0;
    std::string note;  // what the run did, in words
  };
  core::Result<std::vector<ReviewRun>> reviewRuns();
  core::Status setReviewed(const std::string& scope, int64_t at, const std::string& note);

  // Visits through referral links (migration 24): one per partner, day and visitor (idempotent), and
  // at most `maxPerDay` visitors per partner and day (ADR 0073): false when that cap kept a new visitor
  // out (nothing written). Concurrent units of work may pass the cap by the few racing at its edge.
  core::Result<bool> recordVisit(const std::string& partnerId, int64_t day, const std::string& visitor, int64_t at,
                                 int64_t maxPerDay);
  // Visits to `partnerId`'s link from `sinceDay` on (days since the epoch).
  core::Result<int64_t> visits(const std::string& partnerId, int64_t sinceDay);

  // A tenant's resellers' territories, acceptances and the tenant's applications and rules (a demo's
  // purge; run before PartnerStore::deleteTenant).
  core::Status deleteTenant(const std::string& tenantId);

 private:
  store::Transaction& tx_;
};

}  // namespace mgmt::partners
