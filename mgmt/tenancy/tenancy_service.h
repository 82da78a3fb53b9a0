// Tenants, their tiers and licenses: tenant-add/list/show/set/suspend/resume and license-show, and
// the tenant scoping every other service applies (resolveTenant, tenantFromArgs).
//
// Contract:
//  - A tenant caller names only its own tenant; any other name or id is "no tenant", the same answer
//    as for a tenant that does not exist.
//  - Every operation is one unit of work (store::Storage::transact); a license is issued in the
//    transaction that changes what it says (tier, expiry), and its issued-at strictly increases per
//    tenant (boxes refuse a license not newer than theirs).
//  - Failures are core::Status codes: a taken name kAlreadyExists, an unknown tenant kNotFound, a
//    bad argument kInvalidArgument.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/clock.h"
#include "core/command/command.h"
#include "core/command_args.h"
#include "core/control_socket.h"
#include "mgmt/authority.h"
#include "mgmt/store/sql.h"
#include "mgmt/tenancy/caller.h"
#include "mgmt/tenancy/tenant_store.h"

namespace mgmt::tenancy {

// What a tenant has in the other areas, for its listing and the tier's cap.
struct TenantCounts {
  int64_t subscribers = 0;
  int64_t plans = 0;
  int64_t devices = 0;  // active ones
};

// The tenant `key` (name or id) as `caller` may see it; kNotFound otherwise.
core::Result<Tenant> resolveTenant(store::Transaction& tx, const std::string& key, const Caller& caller);
// The tenant named by the "tenant" argument; a tenant caller may leave it out (its own).
core::Result<Tenant> tenantFromArgs(store::Transaction& tx, const core::CommandArgs& args, const Caller& caller);
// The books a billing command works on: the platform's own (kPlatformBiller, the biller of its
// tenants, ADR 0071) when a platform caller names `--tenant platform`, else tenantFromArgs.
core::Result<Tenant> booksFromArgs(store::Transaction& tx, const core::CommandArgs& args, const Caller& caller);
// The tenant of a verified device or token (no scoping: the id comes from us); kNotFound without one.
core::Result<Tenant> loadTenant(store::Transaction& tx, const std::string& id);

class TenancyService {
 public:
  struct Deps {
    store::Storage& storage;
    const Authority& authority;
    const core::Clock& clock;
    int64_t licenseDays = 365;  // regular tenants' license validity
    int64_t graceDays = 14;
    // The tenant's rows in the other areas, read in the caller's transaction.
    std::function<core::Result<TenantCounts>(store::Transaction&, const std::string& tenantId)> counts;
    // A demo tenant's sample data, written in tenant-add's transaction; none = no sample data.
    std::function<core::Status(store::Transaction&, const Tenant&, int64_t now)> sampleData;
    // The platform's subscription of the tenant made to follow its tier and status (mgmt/billing's
    // syncPlatformSubscription, ADR 0071), in the unit of work that changed them; none = not billed.
    std::function<core::Status(store::Transaction&, const Tenant&, int64_t now)> billingFollows;
  };

  explicit TenancyService(Deps deps);

  core::ControlReply add(const core::Json& args, const Caller& caller);
  core::ControlReply list(const core::Json& args, const Caller& caller);
  core::ControlReply show(const core::Json& args, const Caller& caller);
  core::ControlReply set(const core::Json& args, const Caller& caller);
  // status: "active" (tenant-resume) or "suspended" (tenant-suspend).
  core::ControlReply setStatus(const core::Json& args, const Caller& caller, const std::string& status);
  core::ControlReply license(const core::Json& args, const Caller& caller);

  // Tenants, for mgmtd's status.
  core::Result<int64_t> count();

  // The demo-expiry job: suspends every active demo tenant past its expiry (its boxes are refused by
  // the device API and keep serving offline; to bring one back, move its expiry with tenant-set, then
  // tenant-resume: resumed while still expired, the next run suspends it again). Returns the names it
  // suspended. mgmtd runs it as a singleton job (Storage::withSingletonLock: one replica at a time);
  // running it twice suspends nothing more.
  core::Result<std::vector<std::string>> expireDemos();

  // For onboarding (mgmt/onboarding, ADR 0029), in the caller's unit of work: a new demo tenant named
  // `name` (or `name-xxxxxx` when taken) on `tier`, licensed until now + 7 days, without sample data;
  // and a tenant's license issued again after its tier or expiry changed.
  core::Result<Tenant> createDemo(store::Transaction& tx, const std::string& name, const std::string& tier, int64_t now);
  core::Status reissueLicense(store::Transaction& tx, Tenant& t, int64_t now);
  // The platform's subscription of `t` follows its tier and status now (a demo converted).
  core::Status billingFollows(store::Transaction& tx, const Tenant& t, int64_t now);
  int64_t licenseDays() const { return d_.licenseDays; }
  // The tenant's tier ("" for an unknown tenant or a store failure): the admin API's rate limiter.
  std::string tierOf(const std::string& tenantId);

  // The command table's gate (core/command): a tenant caller may run a command whose spec names a
  // plugin (Spec::feature) only when its tenant's tier has it; the refusal (permission-denied) names
  // the plugin and the cheapest tier with it. Platform callers and specs without a plugin pass.
  std::optional<core::ControlReply> pluginGate(const core::command::Caller& caller, const core::command::Spec& spec);

 private:
  core::Status issueLicense(TenantStore& tenants, Tenant& t, int64_t now);
  core::Result<core::Json> tenantJson(store::Transaction& tx, const Tenant& t, int64_t now);

  Deps d_;
};

}  // namespace mgmt::tenancy
