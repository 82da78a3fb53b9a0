#include "mgmt/tenancy/tenancy_service.h"

#include <algorithm>

#include "core/license.h"
#include "core/pki.h"
#include "mgmt/mgmt_time.h"
#include "mgmt/tiers.h"

namespace mgmt::tenancy {

using core::CommandArgs;
using core::ControlReply;
using core::Json;

namespace {

// The platform's books are reached as `--tenant platform` and kept in a row named "(platform)"
// (ADR 0071): no tenant may take either name.
bool reservedTenantName(const std::string& name) { return name == kPlatformBiller || name == kPlatformBillerName; }

core::Status noTenant(const std::string& key) {
  return core::notFound("tenant: no tenant '" + key + "' (see tenant list)");
}

}  // namespace

core::Result<Tenant> resolveTenant(store::Transaction& tx, const std::string& key, const Caller& caller) {
  TenantStore tenants(tx);
  EDGE_ASSIGN_OR_RETURN(std::optional<Tenant> t, tenants.byKey(key));
  // Another tenant's name is answered like a name that does not exist.
  if (!t || (!caller.platform() && caller.tenantId != t->id)) return noTenant(key);
  return *t;
}

core::Result<Tenant> tenantFromArgs(store::Transaction& tx, const CommandArgs& args, const Caller& caller) {
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> key, args.text("tenant"));
  if (!key) {
    if (!caller.platform()) return loadTenant(tx, caller.tenantId);
    return core::invalidArgument("tenant is required (--tenant NAME or ID)");
  }
  return resolveTenant(tx, *key, caller);
}

core::Result<Tenant> booksFromArgs(store::Transaction& tx, const CommandArgs& args, const Caller& caller) {
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> key, args.text("tenant"));
  if (!key || *key != kPlatformBiller || !caller.platform()) return tenantFromArgs(tx, args, caller);
  EDGE_ASSIGN_OR_RETURN(std::optional<Tenant> t, TenantStore(tx).byId(kPlatformBiller));
  if (!t) return core::failedPrecondition("tenant: the platform bills no tenant yet (its books start with the first)");
  return *t;
}

core::Result<Tenant> loadTenant(store::Transaction& tx, const std::string& id) {
  TenantStore tenants(tx);
  EDGE_ASSIGN_OR_RETURN(std::optional<Tenant> t, tenants.byId(id));
  if (!t) return core::notFound("no tenant '" + id + "'");
  return *t;
}

TenancyService::TenancyService(Deps deps) : d_(std::move(deps)) {}

// Issues (or re-issues) the tenant's license from its tier and expiry; stored with the tenant and
// delivered to its boxes at their next check-in.
core::Status TenancyService::issueLicense(TenantStore& tenants, Tenant& t, int64_t now) {
  const Tier* tier = findTier(t.tier);
  if (tier == nullptr) return core::internalError("tenant '" + t.name + "' has unknown tier '" + t.tier + "'");
  core::License l;
  l.id = "lic-" + core::pki::randomHex(8);
  l.tenant = t.id;
  l.tier = t.tier;
  l.subscriberCap = tier->subscriberCap;
  l.features = tier->features;
  // Boxes refuse a license not newer than theirs: issued-at strictly increases per tenant.
  l.issuedAt = std::max(now, t.licenseIssuedAt + 1);
  // Valid from a day back (boxes with a slow clock), and always before its expiry (an expiry set in
  // the past, to end a tenant, still makes a well-formed license).
  l.notBefore = std::min(now - 86400, t.expiresAt - 86400);
  l.expiresAt = t.expiresAt;
  l.graceDays = d_.graceDays;
  EDGE_ASSIGN_OR_RETURN(std::string doc, d_.authority.signLicense(l));
  EDGE_RETURN_IF_ERROR(tenants.setLicense(t.id, l.id, doc, l.issuedAt));
  t.licenseId = l.id;
  t.license = doc;
  t.licenseIssuedAt = l.issuedAt;
  return core::Status::ok();
}

core::Result<Json> TenancyService::tenantJson(store::Transaction& tx, const Tenant& t, int64_t now) {
  const Tier* tier = findTier(t.tier);
  Json features = Json::array();
  if (tier != nullptr)
    for (const std::string& f : tier->features) features.push_back(f);
  TenantCounts counts;
  if (d_.counts) {
    EDGE_ASSIGN_OR_RETURN(counts, d_.counts(tx, t.id));
  }
  return Json{{"id", t.id},
              {"name", t.name},
              {"tier", t.tier},
              {"status", t.status},
              {"demo", t.demo},
              {"subscriber-cap", tier != nullptr ? tier->subscriberCap : 0},
              {"features", features},
              {"subscribers", counts.subscribers},
              {"plans", counts.plans},
              {"devices", counts.devices},
              {"created-at", iso(t.createdAt)},
              {"expires-at", iso(t.expiresAt)},
              {"expired", t.expiresAt != 0 && now >= t.expiresAt},
              {"license-id", t.licenseId},
              {"version", t.version}};
}

ControlReply TenancyService::add(const Json& args, const Caller&) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"name", "tier", "demo", "expires"}));
  EDGE_ASSIGN_OR_RETURN(std::optional<bool> demo, a.boolean("demo"));
  const bool isDemo = demo.value_or(false);
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> name, a.text("name"));
  std::string tenantName = name.value_or("");
  if (tenantName.empty()) {
    if (!isDemo) return ControlReply::error("name is required (--name NAME)");
    tenantName = "demo-" + core::pki::randomHex(3);
  }
  if (tenantName.size() > 64) return ControlReply::error("name: at most 64 characters");
  if (reservedTenantName(tenantName)) return ControlReply::error("name: '" + tenantName + "' is reserved for the platform's own books");
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> tierName, a.text("tier"));
  std::string tier = tierName.value_or(isDemo ? "premium" : "");
  if (tier.empty()) return ControlReply::error("tier is required (--tier " + tierNames() + ")");
  if (findTier(tier) == nullptr) return ControlReply::error("tier: '" + tier + "' is not one of: " + tierNames());
  const int64_t now = d_.clock.unixSeconds();
  int64_t expires = now + (isDemo ? 7 * 86400 : d_.licenseDays * 86400);
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> expiresText, a.text("expires"));
  if (expiresText) {
    core::Result<int64_t> t = core::parseIso8601(*expiresText);
    if (!t.isOk()) return ControlReply::error(t.status().withContext("expires"));
    expires = *t;
  }
  Tenant t;
  Json view;
  core::Status s = d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    TenantStore tenants(tx);
    t = Tenant{};
    t.id = "t-" + core::pki::randomHex(4);
    t.name = tenantName;
    t.tier = tier;
    t.status = "active";
    t.demo = isDemo;
    t.createdAt = now;
    t.expiresAt = expires;
    core::Status inserted = tenants.insert(t);
    // The store says a name is taken by its code (a unique key), never by its wording.
    if (inserted.code() == core::Code::kAlreadyExists)
      return core::alreadyExists("name: a tenant named '" + t.name + "' exists already");
    EDGE_RETURN_IF_ERROR(inserted);
    EDGE_RETURN_IF_ERROR(issueLicense(tenants, t, now));
    EDGE_RETURN_IF_ERROR(billingFollows(tx, t, now));
    if (isDemo && d_.sampleData) EDGE_RETURN_IF_ERROR(d_.sampleData(tx, t, now).withContext("creating the demo data"));
    EDGE_ASSIGN_OR_RETURN(view, tenantJson(tx, t, now));
    return core::Status::ok();
  });
  EDGE_RETURN_IF_ERROR(s);
  std::string text = "tenant '" + t.name + "' added (" + t.tier + ")" +
                     (isDemo ? ", a demo expiring " + iso(expires) + " with the small scenario's sample data" : "");
  return ControlReply::success(text, view);
}

ControlReply TenancyService::list(const Json& args, const Caller& caller) {
  EDGE_RETURN_IF_ERROR(CommandArgs(args).only({}));
  Json out;
  core::Status s = d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        TenantStore tenants(tx);
        EDGE_ASSIGN_OR_RETURN(std::vector<Tenant> rows, tenants.list(caller.tenantId));
        out = Json::array();
        const int64_t now = d_.clock.unixSeconds();
        for (const Tenant& t : rows) {
          EDGE_ASSIGN_OR_RETURN(Json j, tenantJson(tx, t, now));
          out.push_back(std::move(j));
        }
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly);
  EDGE_RETURN_IF_ERROR(s);
  return ControlReply::success(std::to_string(out.size()) + " tenants", out);
}

ControlReply TenancyService::show(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant"}));
  Tenant t;
  Json view;
  core::Status s = d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(t, tenantFromArgs(tx, a, caller));
        EDGE_ASSIGN_OR_RETURN(view, tenantJson(tx, t, d_.clock.unixSeconds()));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly);
  EDGE_RETURN_IF_ERROR(s);
  return ControlReply::success("tenant '" + t.name + "'", view);
}

ControlReply TenancyService::set(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "name", "tier", "expires"}));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> name, a.text("name"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> tier, a.text("tier"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> expires, a.text("expires"));
  if (name && reservedTenantName(*name)) return ControlReply::error("name: '" + *name + "' is reserved for the platform's own books");
  const Tier* newTier = nullptr;
  if (tier) {
    newTier = findTier(*tier);
    if (newTier == nullptr) return ControlReply::error("tier: '" + *tier + "' is not one of: " + tierNames());
  }
  std::optional<int64_t> expiresAt;
  if (expires) {
    core::Result<int64_t> at = core::parseIso8601(*expires);
    if (!at.isOk()) return ControlReply::error(at.status().withContext("expires"));
    expiresAt = *at;
  }
  const int64_t now = d_.clock.unixSeconds();
  Tenant t;
  Json view;
  core::Status s = d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    TenantStore tenants(tx);
    EDGE_ASSIGN_OR_RETURN(t, tenantFromArgs(tx, a, caller));
    if (newTier != nullptr) {
      if (newTier->subscriberCap != 0 && d_.counts) {
        EDGE_ASSIGN_OR_RETURN(TenantCounts counts, d_.counts(tx, t.id));
        if (static_cast<uint64_t>(counts.subscribers) > newTier->subscriberCap)
          return core::invalidArgument("tier: '" + *tier + "' allows " + std::to_string(newTier->subscriberCap) +
                                       " subscribers and tenant '" + t.name + "' has " +
                                       std::to_string(counts.subscribers));
      }
      t.tier = *tier;
    }
    if (name) t.name = *name;
    if (expiresAt) t.expiresAt = *expiresAt;
    core::Status updated = tenants.update(t);
    if (updated.code() == core::Code::kAlreadyExists)
      return core::alreadyExists("name: a tenant named '" + t.name + "' exists already");
    EDGE_RETURN_IF_ERROR(updated);
    if (tier || expires) EDGE_RETURN_IF_ERROR(issueLicense(tenants, t, now));
    if (tier) EDGE_RETURN_IF_ERROR(billingFollows(tx, t, now));  // prorated from today (ADR 0071)
    EDGE_ASSIGN_OR_RETURN(view, tenantJson(tx, t, now));
    return core::Status::ok();
  });
  EDGE_RETURN_IF_ERROR(s);
  return ControlReply::success(
      "tenant '" + t.name + "' changed" + (tier || expires ? "; its boxes get the new license at their next check-in" : ""),
      view);
}

ControlReply TenancyService::setStatus(const Json& args, const Caller& caller, const std::string& status) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant"}));
  Tenant t;
  Json view;
  core::Status s = d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    TenantStore tenants(tx);
    EDGE_ASSIGN_OR_RETURN(t, tenantFromArgs(tx, a, caller));
    EDGE_RETURN_IF_ERROR(tenants.setStatus(t.id, status));
    t.status = status;
    // Suspended: billed no more from today (what was billed ahead is credited); resumed: billed again.
    EDGE_RETURN_IF_ERROR(billingFollows(tx, t, d_.clock.unixSeconds()));
    EDGE_ASSIGN_OR_RETURN(view, tenantJson(tx, t, d_.clock.unixSeconds()));
    return core::Status::ok();
  });
  EDGE_RETURN_IF_ERROR(s);
  return ControlReply::success(
      "tenant '" + t.name + "' " + status +
          (status == "suspended" ? ": its boxes are refused by the device API and keep serving subscribers offline" : ""),
      view);
}

core::Result<std::vector<std::string>> TenancyService::expireDemos() {
  std::vector<std::string> names;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(names, TenantStore(tx).suspendExpiredDemos(d_.clock.unixSeconds()));
    return core::Status::ok();
  }));
  return names;
}

core::Result<Tenant> TenancyService::createDemo(store::Transaction& tx, const std::string& name,
                                               const std::string& tier, int64_t now) {
  TenantStore tenants(tx);
  Tenant t;
  t.id = "t-" + core::pki::randomHex(4);
  t.name = name.substr(0, 56);
  EDGE_ASSIGN_OR_RETURN(std::optional<Tenant> taken, tenants.byKey(t.name));
  if (taken || reservedTenantName(t.name)) t.name += "-" + core::pki::randomHex(3);
  t.tier = tier;
  t.status = "active";
  t.demo = true;
  t.createdAt = now;
  t.expiresAt = now + 7 * 86400;
  EDGE_RETURN_IF_ERROR(tenants.insert(t));
  EDGE_RETURN_IF_ERROR(issueLicense(tenants, t, now));
  return t;
}

core::Status TenancyService::reissueLicense(store::Transaction& tx, Tenant& t, int64_t now) {
  TenantStore tenants(tx);
  EDGE_RETURN_IF_ERROR(tenants.update(t));
  return issueLicense(tenants, t, now);
}

core::Status TenancyService::billingFollows(store::Transaction& tx, const Tenant& t, int64_t now) {
  return d_.billingFollows ? d_.billingFollows(tx, t, now) : core::Status::ok();
}

ControlReply TenancyService::license(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant"}));
  Tenant t;
  core::Status s = d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(t, tenantFromArgs(tx, a, caller));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly);
  EDGE_RETURN_IF_ERROR(s);
  EDGE_ASSIGN_OR_RETURN(core::License l, core::verifySignedLicense(t.license, d_.authority.licensePublicKeyPem()));
  Json j = core::licenseToJson(l);
  j["document"] = t.license;
  return ControlReply::success("license " + l.id + " of tenant '" + t.name + "'", j);
}

std::optional<ControlReply> TenancyService::pluginGate(const core::command::Caller& caller,
                                                      const core::command::Spec& spec) {
  if (spec.feature.empty() || caller.scope.empty()) return std::nullopt;
  std::optional<Tenant> t;
  core::Status s = d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(t, TenantStore(tx).byId(caller.scope));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly);
  if (!s.isOk()) return ControlReply::error(s);
  if (!t) return ControlReply::error(core::notFound("no tenant"));
  std::optional<std::string> refusal = pluginRefusal(t->tier, spec.name, spec.feature);
  if (refusal) return ControlReply::error(core::permissionDenied(*refusal));
  return std::nullopt;
}

std::string TenancyService::tierOf(const std::string& tenantId) {
  std::optional<Tenant> t;
  core::Status s = d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(t, TenantStore(tx).byId(tenantId));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly);
  return s.isOk() && t ? t->tier : "";
}

core::Result<int64_t> TenancyService::count() {
  int64_t n = 0;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(n, TenantStore(tx).count());
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return n;
}

}  // namespace mgmt::tenancy
