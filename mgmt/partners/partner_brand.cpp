// White label (issues 23 and 25, ADR 0064): a partner's own name, colours and logo, shown on its
// portal and, for a tenant's reseller, on the self-care pages and in the mail of the customers
// attributed to it. Changing it needs the white-label plugin (premium and above) on the reseller's
// tenant: the command table's gate refuses it otherwise, naming the plugin and the tier. Unlike the
// rest of the partners area, a partner's own people may change their brand (and only their own).
#include "core/pki.h"
#include "mgmt/mail/brand.h"
#include "mgmt/mail/logo_store.h"
#include "mgmt/mail/mail_store.h"
#include "mgmt/mail/outbox.h"
#include "mgmt/partners/partner_internal.h"
#include "mgmt/partners/partner_service.h"

namespace mgmt::partners {

using core::CommandArgs;
using core::ControlReply;
using core::Json;
using tenancy::Caller;

namespace {

// The partner the arguments name (a partner's person: its own when it names none).
core::Result<std::string> partnerIdOf(const CommandArgs& a, const Who& who) {
  std::string id = who.partnerId;
  if (a.has("partner")) {
    EDGE_ASSIGN_OR_RETURN(id, a.required("partner"));
  }
  if (id.empty()) return core::invalidArgument("partner: which partner");
  return id;
}

}  // namespace

core::Result<std::string> PartnerService::scopeOfPartner(const std::string& partnerId) {
  std::string scope;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(std::optional<Partner> p, PartnerStore(tx).partner(partnerId));
        if (!p) return core::notFound("partner: no partner '" + partnerId + "'");
        scope = p->scope;
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return scope;
}

ControlReply PartnerService::showBrand(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "partner"}));
  const Who who = whoOf(caller);
  EDGE_ASSIGN_OR_RETURN(std::string id, partnerIdOf(a, who));
  Json j;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        PartnerStore st(tx);
        EDGE_ASSIGN_OR_RETURN(Partner p, reachablePartner(st, who, id));
        EDGE_ASSIGN_OR_RETURN(std::optional<mail::Branding> own, mail::MailStore(tx).partnerBranding(p.id));
        EDGE_ASSIGN_OR_RETURN(std::optional<std::string> etag,
                              mail::LogoStore(tx, mail::LogoStore::Owner::kPartner).etag(p.id));
        EDGE_ASSIGN_OR_RETURN(mail::Brand shown, mail::partnerBrand(tx, p.id));
        const mail::Branding b = own ? *own : mail::Branding{};
        j = Json{{"partner", p.id},
                 {"name", p.name},
                 {"display-name", b.displayName},
                 {"primary-colour", b.primaryColour},
                 {"accent-colour", b.accentColour},
                 {"logo", etag.has_value()},
                 {"logo-url", etag ? mail::kPartnerLogoPath + p.id + "?v=" + etag->substr(0, 16) : ""},
                 // What its portal and its customers see now: its brand, or its tenant's when it set
                 // none or the tenant's tier has no white label.
                 {"white-label", shown.partnerId == p.id},
                 {"shown", Json{{"name", shown.name},
                                {"primary-colour", shown.primaryColour},
                                {"accent-colour", shown.accentColour},
                                {"logo-url", shown.logoPath}}}};
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success("brand of partner '" + j["name"].get<std::string>() + "'", j);
}

ControlReply PartnerService::setBrand(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "partner", "display-name", "primary-colour", "accent-colour"}));
  const Who who = whoOf(caller);
  EDGE_ASSIGN_OR_RETURN(std::string id, partnerIdOf(a, who));
  std::string name;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    PartnerStore st(tx);
    EDGE_ASSIGN_OR_RETURN(Partner p, reachablePartner(st, who, id));
    mail::MailStore mails(tx);
    EDGE_ASSIGN_OR_RETURN(std::optional<mail::Branding> own, mails.partnerBranding(p.id));
    mail::Branding b = own ? *own : mail::Branding{};
    // Absent keys keep their value; "" clears one.
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> display, a.text("display-name"));
    if (display) b.displayName = *display;
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> primary, a.text("primary-colour"));
    if (primary) b.primaryColour = *primary;
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> accent, a.text("accent-colour"));
    if (accent) b.accentColour = *accent;
    name = p.name;
    return mail::setPartnerBranding(tx, p.id, b, d_.clock.unixSeconds());
  }));
  ControlReply shown = showBrand(Json{{"partner", id}}, caller);
  if (!shown.ok()) return shown;
  return ControlReply::success("brand of partner '" + name + "' set", shown.arguments);
}

ControlReply PartnerService::setBrandLogo(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "partner", "image"}));
  const Who who = whoOf(caller);
  EDGE_ASSIGN_OR_RETURN(std::string id, partnerIdOf(a, who));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> image, a.text("image"));
  if (!image) return ControlReply::error(core::invalidArgument("image: required (the logo file in base64)"));
  core::Result<std::string> bytes = core::pki::base64Decode(*image, "image");
  if (!bytes.isOk()) return ControlReply::error(bytes.status());
  EDGE_ASSIGN_OR_RETURN(mail::Logo logo, mail::checkLogo(*bytes));
  Json out;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    PartnerStore st(tx);
    EDGE_ASSIGN_OR_RETURN(Partner p, reachablePartner(st, who, id));
    EDGE_RETURN_IF_ERROR(mail::LogoStore(tx, mail::LogoStore::Owner::kPartner).put(p.id, logo, d_.clock.unixSeconds()));
    out = Json{{"partner", p.id},
               {"name", p.name},
               {"content-type", logo.contentType},
               {"width", logo.width},
               {"height", logo.height},
               {"etag", logo.sha256}};
    return core::Status::ok();
  }));
  return ControlReply::success("logo of partner '" + out["name"].get<std::string>() + "' set", out);
}

ControlReply PartnerService::clearBrandLogo(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "partner"}));
  const Who who = whoOf(caller);
  EDGE_ASSIGN_OR_RETURN(std::string id, partnerIdOf(a, who));
  Json out;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    PartnerStore st(tx);
    EDGE_ASSIGN_OR_RETURN(Partner p, reachablePartner(st, who, id));
    EDGE_ASSIGN_OR_RETURN(bool cleared, mail::LogoStore(tx, mail::LogoStore::Owner::kPartner).clear(p.id));
    out = Json{{"partner", p.id}, {"name", p.name}, {"cleared", cleared}};
    return core::Status::ok();
  }));
  return ControlReply::success("logo of partner '" + out["name"].get<std::string>() + "' cleared", out);
}

}  // namespace mgmt::partners
