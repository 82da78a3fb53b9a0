#include "mgmt/access/token_store.h"

namespace mgmt::access {

namespace {

constexpr const char* kColumns =
    "id, tenant_id, name, created_at, expires_at, revoked_at, last_used_at, role, person_id";

Token fromRow(const store::Row& r) {
  Token t;
  t.id = r.text(0);
  t.tenantId = r.optText(1);
  t.name = r.text(2);
  t.createdAt = r.int64(3);
  t.expiresAt = r.int64(4);
  t.revokedAt = r.int64(5);
  t.lastUsedAt = r.int64(6);
  t.role = r.text(7);
  t.personId = r.optText(8);
  return t;
}

}  // namespace

std::string tokenRole(const Token& t) {
  if (!t.role.empty()) return t.role;
  return t.tenantId ? "tenant-admin" : "platform-admin";
}

core::Status TokenStore::insert(const Token& t, const std::string& secretSha256) {
  return tx_
      .exec("INSERT INTO tokens(id, tenant_id, name, secret_sha256, created_at, expires_at, role, person_id) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            {t.id, t.tenantId, t.name, secretSha256, t.createdAt, t.expiresAt, t.role, t.personId})
      .status();
}

core::Result<std::vector<Token>> TokenStore::list() {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query(std::string("SELECT ") + kColumns + " FROM tokens ORDER BY created_at, id"));
  std::vector<Token> out;
  for (const store::Row& r : rows) out.push_back(fromRow(r));
  return out;
}

core::Result<std::optional<Token>> TokenStore::usable(const std::string& secretSha256, int64_t now) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                        tx_.queryOne(std::string("SELECT ") + kColumns +
                                         " FROM tokens WHERE secret_sha256 = $1 AND revoked_at = 0 "
                                         "AND (expires_at = 0 OR expires_at > $2)",
                                     {secretSha256, now}));
  if (!row) return std::optional<Token>();
  return std::optional<Token>(fromRow(*row));
}

core::Status TokenStore::touch(const std::string& id, int64_t now) {
  return tx_.exec("UPDATE tokens SET last_used_at = $1 WHERE id = $2 AND last_used_at < $3", {now, id, now - 60}).status();
}

core::Result<bool> TokenStore::revoke(const std::string& id, int64_t now) {
  EDGE_ASSIGN_OR_RETURN(int64_t n, tx_.exec("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at = 0", {now, id}));
  return n > 0;
}

core::Status TokenStore::revokeOfPerson(const std::string& personId, int64_t now) {
  return tx_.exec("UPDATE tokens SET revoked_at = $1 WHERE person_id = $2 AND revoked_at = 0", {now, personId}).status();
}

core::Result<std::vector<Token>> TokenStore::listOf(const std::string& tenantId) {
  if (tenantId == "*") return list();
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query(std::string("SELECT ") + kColumns + " FROM tokens WHERE tenant_id = $1 ORDER BY created_at, id",
                                  {tenantId}));
  std::vector<Token> out;
  for (const store::Row& r : rows) out.push_back(fromRow(r));
  return out;
}

core::Result<std::optional<Token>> TokenStore::byId(const std::string& id) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                        tx_.queryOne(std::string("SELECT ") + kColumns + " FROM tokens WHERE id = $1", {id}));
  if (!row) return std::optional<Token>();
  return std::optional<Token>(fromRow(*row));
}

core::Result<int64_t> TokenStore::platformTokens() {
  return tx_.queryInt64("SELECT count(*) FROM tokens WHERE tenant_id IS NULL");
}

core::Status TokenStore::deleteTenant(const std::string& tenantId) {
  return tx_
      .exec("DELETE FROM tokens WHERE tenant_id = $1 OR person_id IN (SELECT id FROM people WHERE tenant_id = $1)",
            {tenantId})
      .status();
}

}  // namespace mgmt::access
