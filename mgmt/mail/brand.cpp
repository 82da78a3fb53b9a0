#include "mgmt/mail/brand.h"

#include "mgmt/mail/mail_store.h"
#include "mgmt/tenancy/tenant_store.h"
#include "mgmt/tiers.h"

namespace mgmt::mail {

namespace {

std::string pick(const std::string& mine, const std::string& fallback) { return mine.empty() ? fallback : mine; }

std::string logoPathOf(const char* base, const std::string& owner, const std::optional<std::string>& etag) {
  return etag ? base + owner + "?v=" + etag->substr(0, 16) : "";
}

}  // namespace

core::Result<Brand> tenantBrand(store::Transaction& tx, const std::string& tenantId) {
  const Branding& p = platformBranding();
  Brand b{p.displayName, p.primaryColour, p.accentColour, p.logoUrl, "", tenantId, ""};
  if (tenantId.empty()) return b;
  EDGE_ASSIGN_OR_RETURN(std::optional<tenancy::Tenant> t, tenancy::TenantStore(tx).byId(tenantId));
  if (!t) return b;
  EDGE_ASSIGN_OR_RETURN(std::optional<Branding> own, MailStore(tx).branding(tenantId));
  const Branding mine = own ? *own : Branding{};
  b.name = pick(mine.displayName, t->name);
  b.primaryColour = pick(mine.primaryColour, p.primaryColour);
  b.accentColour = pick(mine.accentColour, p.accentColour);
  b.logoUrl = pick(mine.logoUrl, p.logoUrl);
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> etag, LogoStore(tx).etag(tenantId));
  b.logoPath = logoPathOf(kTenantLogoPath, tenantId, etag);
  return b;
}

core::Result<Brand> partnerBrand(store::Transaction& tx, const std::string& partnerId) {
  MailStore store(tx);
  EDGE_ASSIGN_OR_RETURN(std::optional<PartnerOwner> owner, store.partnerOwner(partnerId));
  if (!owner) return tenantBrand(tx, "");
  EDGE_ASSIGN_OR_RETURN(Brand b, tenantBrand(tx, owner->scope));
  if (owner->status != "active") return b;
  if (!owner->scope.empty()) {  // a reseller: its tenant's tier must have white label
    EDGE_ASSIGN_OR_RETURN(std::optional<tenancy::Tenant> t, tenancy::TenantStore(tx).byId(owner->scope));
    const Tier* tier = t ? findTier(t->tier) : nullptr;
    if (tier == nullptr || !tier->hasPlugin(kPluginWhiteLabel)) return b;
  }
  EDGE_ASSIGN_OR_RETURN(std::optional<Branding> own, store.partnerBranding(partnerId));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> etag, LogoStore(tx, LogoStore::Owner::kPartner).etag(partnerId));
  if (!own && !etag) return b;  // no brand of its own: its tenant's
  const Branding mine = own ? *own : Branding{};
  b.name = pick(mine.displayName, owner->name);
  b.primaryColour = pick(mine.primaryColour, b.primaryColour);
  b.accentColour = pick(mine.accentColour, b.accentColour);
  // A white label shows nothing of the ISP: not its logo either.
  b.logoUrl.clear();
  b.logoPath = logoPathOf(kPartnerLogoPath, partnerId, etag);
  b.partnerId = partnerId;
  return b;
}

core::Result<Brand> customerBrand(store::Transaction& tx, const std::string& tenantId, const std::string& username,
                                  int64_t day) {
  if (tenantId.empty() || username.empty()) return tenantBrand(tx, tenantId);
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> reseller, MailStore(tx).resellerAt(tenantId, username, day));
  if (!reseller) return tenantBrand(tx, tenantId);
  return partnerBrand(tx, *reseller);
}

core::Result<std::optional<Logo>> brandLogo(store::Transaction& tx, const Brand& brand) {
  if (brand.logoPath.empty()) return std::optional<Logo>();
  if (!brand.partnerId.empty()) return LogoStore(tx, LogoStore::Owner::kPartner).get(brand.partnerId);
  return LogoStore(tx).get(brand.tenantId);
}

}  // namespace mgmt::mail
