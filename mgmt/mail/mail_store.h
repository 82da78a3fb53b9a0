// The mail tables (mail_outbox, mail_templates, tenant_branding, partner_branding) over one
// store::Transaction. SQL for them lives here only; it also reads who a partner is and whose reseller
// a customer is (partners, attributions) for the brand (brand.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "mgmt/mail/outbox.h"
#include "mgmt/store/sql.h"

namespace mgmt::mail {

// Whose a partner is: scope "" a platform partner, a tenant id that tenant's reseller.
struct PartnerOwner {
  std::string scope, status, name;
};

struct StoredTemplate {
  std::string subject, text, html;
};

class MailStore {
 public:
  explicit MailStore(store::Transaction& tx) : tx_(tx) {}

  core::Result<int64_t> insert(const OutboxMessage& m, const std::string& variablesJson);
  // Pending messages due at `now`, oldest first.
  core::Result<std::vector<OutboxMessage>> due(int64_t now, int limit);
  core::Result<std::vector<OutboxMessage>> recent(const std::string& tenantId, int limit);
  // A pending message becomes sent; false when it was not pending (sent already).
  core::Result<bool> markSent(int64_t id, int64_t now);
  // A pending message's attempt failed: retried at `nextAt`, or failed when `give_up`.
  core::Status markAttempt(int64_t id, const std::string& error, int64_t nextAt, bool giveUp);

  core::Result<std::optional<StoredTemplate>> templateOf(const std::string& tenantId, const std::string& name);
  core::Status putTemplate(const std::string& tenantId, const std::string& name, const StoredTemplate& t, int64_t now);
  core::Result<std::optional<Branding>> branding(const std::string& tenantId);
  core::Status putBranding(const std::string& tenantId, const Branding& b, int64_t now);
  // A partner's brand (logoUrl unused: a partner uploads its logo, LogoStore kPartner).
  core::Result<std::optional<Branding>> partnerBranding(const std::string& partnerId);
  core::Status putPartnerBranding(const std::string& partnerId, const Branding& b, int64_t now);
  core::Result<std::optional<PartnerOwner>> partnerOwner(const std::string& partnerId);
  // The reseller of this tenant a customer is attributed to on `day`, nullopt when none (or the
  // attribution in force is to a platform partner).
  core::Result<std::optional<std::string>> resellerAt(const std::string& tenantId, const std::string& username,
                                                      int64_t day);
  // Everything mail holds for a tenant: its messages, templates, branding and logo (its purge).
  core::Status deleteTenant(const std::string& tenantId);

 private:
  core::Result<int64_t> insertMessage(const OutboxMessage& m, const std::string& variablesJson);
  store::Transaction& tx_;
};

}  // namespace mgmt::mail
