// The tenants table (tenants, their tier, status, license and per-tenant version counter), over one
// store::Transaction. SQL for tenants lives here only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt::tenancy {

// The platform's own row: the biller of its tenants in the billing tables (ADR 0071), whose rows
// reference tenants(id). Not a tenant: list() and count() leave it out and byKey() never finds it
// (tenancy::booksFromArgs is the one way to name it, for the platform's billing commands).
inline constexpr const char* kPlatformBiller = "platform";
// Its row's name. Both this and kPlatformBiller are refused as tenant names (tenant-add, tenant-set,
// onboarding's demos): `--tenant platform` means the platform's books, and the row must always fit.
inline constexpr const char* kPlatformBillerName = "(platform)";

struct Tenant {
  std::string id, name, tier, status;
  bool demo = false;
  int64_t createdAt = 0, expiresAt = 0, version = 0, licenseIssuedAt = 0;
  std::string licenseId, license;
};

class TenantStore {
 public:
  explicit TenantStore(store::Transaction& tx) : tx_(tx) {}

  core::Result<std::optional<Tenant>> byId(const std::string& id);
  // By id or by name.
  core::Result<std::optional<Tenant>> byKey(const std::string& key);
  // Every tenant by name, or only `onlyId` when it is not empty.
  core::Result<std::vector<Tenant>> list(const std::string& onlyId);
  core::Result<int64_t> count();

  // kAlreadyExists when the name is taken.
  core::Status insert(const Tenant& t);
  // The platform biller's row (kPlatformBiller), made the first time a tenant is billed; nothing
  // when it exists.
  core::Status ensurePlatformBiller(int64_t now);
  // Name, tier and expiry; kAlreadyExists when the new name is taken.
  core::Status update(const Tenant& t);
  core::Status setStatus(const std::string& id, const std::string& status);
  // Active demo tenants whose expiry is at or before `now` become suspended; returns their names.
  core::Result<std::vector<std::string>> suspendExpiredDemos(int64_t now);
  core::Status setLicense(const std::string& id, const std::string& licenseId, const std::string& document,
                          int64_t issuedAt);
  // Takes the tenant's next version number (every change of its desired state takes one).
  core::Result<int64_t> nextVersion(const std::string& id);
  // Takes n versions at once (a bulk write, ADR 0049): the last of them; they are last-n+1 .. last.
  core::Result<int64_t> reserveVersions(const std::string& id, int64_t n);

  // The demo lifecycle (ADR 0029; columns of migration 5).
  struct DemoState {
    std::string id, name, status, contactEmail;
    int64_t expiresAt = 0, remindedFor = 0, lockedAt = 0;
  };
  // Demo tenants (demo = 1), every one.
  core::Result<std::vector<DemoState>> demos();
  core::Result<std::optional<DemoState>> demo(const std::string& id);
  core::Status setContactEmail(const std::string& id, const std::string& email);
  core::Status setDemoReminded(const std::string& id, int64_t forExpiry);
  // Suspends the tenant and records when (the grace before its purge starts there); `now` 0 only
  // forgets the lock (the platform brought the demo back).
  core::Status lockDemo(const std::string& id, int64_t now);
  // No longer a demo: its tier and billing details (JSON), status active, unlocked.
  core::Status convertDemo(const std::string& id, const std::string& tier, const std::string& billing);
  core::Status deleteTenant(const std::string& id);

 private:
  store::Transaction& tx_;
};

}  // namespace mgmt::tenancy
