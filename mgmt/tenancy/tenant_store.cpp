#include "mgmt/tenancy/tenant_store.h"

namespace mgmt::tenancy {

namespace {

constexpr const char* kColumns =
    "id, name, tier, status, demo, created_at, expires_at, version, license_id, license, license_issued_at";

Tenant fromRow(const store::Row& r) {
  Tenant t;
  t.id = r.text(0);
  t.name = r.text(1);
  t.tier = r.text(2);
  t.status = r.text(3);
  t.demo = r.int64(4) != 0;
  t.createdAt = r.int64(5);
  t.expiresAt = r.int64(6);
  t.version = r.int64(7);
  t.licenseId = r.text(8);
  t.license = r.text(9);
  t.licenseIssuedAt = r.int64(10);
  return t;
}

}  // namespace

core::Result<std::optional<Tenant>> TenantStore::byId(const std::string& id) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                        tx_.queryOne(std::string("SELECT ") + kColumns + " FROM tenants WHERE id = $1", {id}));
  if (!row) return std::optional<Tenant>();
  return std::optional<Tenant>(fromRow(*row));
}

core::Result<std::optional<Tenant>> TenantStore::byKey(const std::string& key) {
  EDGE_ASSIGN_OR_RETURN(
      std::optional<store::Row> row,
      tx_.queryOne(std::string("SELECT ") + kColumns + " FROM tenants WHERE (id = $1 OR name = $1) AND id <> $2",
                   {key, std::string(kPlatformBiller)}));
  if (!row) return std::optional<Tenant>();
  return std::optional<Tenant>(fromRow(*row));
}

core::Result<std::vector<Tenant>> TenantStore::list(const std::string& onlyId) {
  EDGE_ASSIGN_OR_RETURN(
      std::vector<store::Row> rows,
      tx_.query(std::string("SELECT ") + kColumns + " FROM tenants WHERE ($1 = '' OR id = $1) AND id <> $2 ORDER BY name",
                {onlyId, std::string(kPlatformBiller)}));
  std::vector<Tenant> out;
  for (const store::Row& r : rows) out.push_back(fromRow(r));
  return out;
}

core::Result<int64_t> TenantStore::count() {
  return tx_.queryInt64("SELECT count(*) FROM tenants WHERE id <> $1", {std::string(kPlatformBiller)});
}

core::Status TenantStore::ensurePlatformBiller(int64_t now) {
  // Suspended and expired for anything but billing: no license, no device, no person is ever its.
  return tx_
      .exec("INSERT INTO tenants(id, name, tier, status, demo, created_at, expires_at) "
            "VALUES ($1, $2, 'enterprise', 'suspended', 0, $3, 0) ON CONFLICT DO NOTHING",
            {std::string(kPlatformBiller), std::string(kPlatformBillerName), now})
      .status();
}

core::Status TenantStore::insert(const Tenant& t) {
  return tx_
      .exec("INSERT INTO tenants(id, name, tier, demo, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
            {t.id, t.name, t.tier, t.demo, t.createdAt, t.expiresAt})
      .status();
}

core::Status TenantStore::update(const Tenant& t) {
  return tx_.exec("UPDATE tenants SET name = $1, tier = $2, expires_at = $3 WHERE id = $4",
                  {t.name, t.tier, t.expiresAt, t.id})
      .status();
}

core::Status TenantStore::setStatus(const std::string& id, const std::string& status) {
  return tx_.exec("UPDATE tenants SET status = $1 WHERE id = $2", {status, id}).status();
}

core::Result<std::vector<std::string>> TenantStore::suspendExpiredDemos(int64_t now) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("UPDATE tenants SET status = 'suspended' WHERE demo <> 0 AND status = 'active' AND "
                                  "expires_at <> 0 AND expires_at <= $1 RETURNING name",
                                  {now}));
  std::vector<std::string> names;
  for (const store::Row& r : rows) names.push_back(r.text(0));
  return names;
}

core::Status TenantStore::setLicense(const std::string& id, const std::string& licenseId, const std::string& document,
                                     int64_t issuedAt) {
  return tx_
      .exec("UPDATE tenants SET license_id = $1, license = $2, license_issued_at = $3 WHERE id = $4",
            {licenseId, document, issuedAt, id})
      .status();
}

core::Result<int64_t> TenantStore::nextVersion(const std::string& id) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                        tx_.queryOne("UPDATE tenants SET version = version + 1 WHERE id = $1 RETURNING version", {id}));
  if (!row) return core::notFound("no tenant '" + id + "'");
  return row->int64(0);
}

core::Result<int64_t> TenantStore::reserveVersions(const std::string& id, int64_t n) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                        tx_.queryOne("UPDATE tenants SET version = version + $1 WHERE id = $2 RETURNING version", {n, id}));
  if (!row) return core::notFound("no tenant '" + id + "'");
  return row->int64(0);
}

namespace {
constexpr const char* kDemoColumns = "id, name, status, contact_email, expires_at, demo_reminded_for, locked_at";
TenantStore::DemoState demoFromRow(const store::Row& r) {
  return TenantStore::DemoState{r.text(0), r.text(1), r.text(2), r.text(3), r.int64(4), r.int64(5), r.int64(6)};
}
}  // namespace

core::Result<std::vector<TenantStore::DemoState>> TenantStore::demos() {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query(std::string("SELECT ") + kDemoColumns + " FROM tenants WHERE demo = 1 ORDER BY id"));
  std::vector<DemoState> out;
  for (const store::Row& r : rows) out.push_back(demoFromRow(r));
  return out;
}

core::Result<std::optional<TenantStore::DemoState>> TenantStore::demo(const std::string& id) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                        tx_.queryOne(std::string("SELECT ") + kDemoColumns + " FROM tenants WHERE demo = 1 AND id = $1",
                                     {id}));
  if (!row) return std::optional<DemoState>{};
  return std::optional<DemoState>{demoFromRow(*row)};
}

core::Status TenantStore::setContactEmail(const std::string& id, const std::string& email) {
  return tx_.exec("UPDATE tenants SET contact_email = $2 WHERE id = $1", {id, email}).status();
}

core::Status TenantStore::setDemoReminded(const std::string& id, int64_t forExpiry) {
  return tx_.exec("UPDATE tenants SET demo_reminded_for = $2 WHERE id = $1", {id, forExpiry}).status();
}

core::Status TenantStore::lockDemo(const std::string& id, int64_t now) {
  if (now == 0) return tx_.exec("UPDATE tenants SET locked_at = 0 WHERE id = $1 AND demo = 1", {id}).status();
  return tx_.exec("UPDATE tenants SET status = 'suspended', locked_at = $2 WHERE id = $1 AND demo = 1", {id, now})
      .status();
}

core::Status TenantStore::convertDemo(const std::string& id, const std::string& tier, const std::string& billing) {
  return tx_
      .exec("UPDATE tenants SET demo = 0, tier = $2, billing = $3, status = 'active', locked_at = 0 WHERE id = $1",
            {id, tier, billing})
      .status();
}

core::Status TenantStore::deleteTenant(const std::string& id) {
  return tx_.exec("DELETE FROM tenants WHERE id = $1", {id}).status();
}

}  // namespace mgmt::tenancy
