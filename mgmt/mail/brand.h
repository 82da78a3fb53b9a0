// Whose brand a page or a mail shows (issues 23 and 25, ADR 0064): the platform's, a tenant's, or a
// white-label reseller's over its tenant's.
//
// Contract
// - tenantBrand: the tenant's branding (tenant_branding) and uploaded logo (tenant_logos); every field
//   it left empty is the platform's (its name: the branding's display name, else the tenant's name).
//   "" is the platform's own brand.
// - partnerBrand: a partner's brand (partner_branding, partner_logos) over its tenant's (a reseller)
//   or the platform's (a platform partner). A reseller's brand shows only while its tenant's tier has
//   the white-label plugin and the partner is active; otherwise it is the tenant's brand.
// - customerBrand: the brand a tenant's customer sees (self-care pages, mail): its reseller's when the
//   customer's attribution on `day` is to an active reseller of that tenant that set a brand (and the
//   tier allows it), else the tenant's. A platform partner never brands a tenant's customers.
// - One read-only pass in the caller's unit of work; the logo's bytes are read by brandLogo only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/status.h"
#include "mgmt/mail/logo_store.h"
#include "mgmt/mail/outbox.h"
#include "mgmt/store/sql.h"

namespace mgmt::mail {

struct Brand {
  std::string name;                         // never empty
  std::string primaryColour, accentColour;  // "#rrggbb", never empty
  std::string logoUrl;                      // an https:// logo the tenant linked (mail only), or ""
  // The uploaded logo on mgmtd ("/branding/logo/ID?v=..." or "/branding/partner-logo/ID?v=..."), "".
  std::string logoPath;
  std::string tenantId;   // whose customers these are ("" platform)
  std::string partnerId;  // the reseller or partner whose brand this is; "" the tenant's or platform's
};

// Where mgmtd serves an owner's uploaded logo.
constexpr const char* kTenantLogoPath = "/branding/logo/";
constexpr const char* kPartnerLogoPath = "/branding/partner-logo/";

core::Result<Brand> tenantBrand(store::Transaction& tx, const std::string& tenantId);
core::Result<Brand> partnerBrand(store::Transaction& tx, const std::string& partnerId);
core::Result<Brand> customerBrand(store::Transaction& tx, const std::string& tenantId, const std::string& username,
                                  int64_t day);
// The uploaded logo's bytes of a brand, nullopt when it shows none.
core::Result<std::optional<Logo>> brandLogo(store::Transaction& tx, const Brand& brand);

}  // namespace mgmt::mail
