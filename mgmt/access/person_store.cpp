#include "mgmt/access/person_store.h"

namespace mgmt::access {

namespace {

constexpr const char* kPersonColumns =
    "id, email, name, level, role, status, password_hash, totp_secret, tenant_id, partner_id, totp_last_step, "
    "failed_logins, last_failure_at, locked_until, created_at, changed_at, last_login_at";

PersonRow personFrom(const store::Row& r) {
  PersonRow p;
  p.id = r.text(0);
  p.email = r.text(1);
  p.name = r.text(2);
  p.level = r.text(3);
  p.role = r.text(4);
  p.status = r.text(5);
  p.passwordHash = r.text(6);
  p.totpSecret = r.text(7);
  p.tenantId = r.optText(8);
  p.partnerId = r.optText(9);
  p.totpLastStep = r.int64(10);
  p.failedLogins = r.int64(11);
  p.lastFailureAt = r.int64(12);
  p.lockedUntil = r.int64(13);
  p.createdAt = r.int64(14);
  p.changedAt = r.int64(15);
  p.lastLoginAt = r.int64(16);
  return p;
}

constexpr const char* kSessionColumns =
    "id, person_id, origin, access_expires_at, refresh_expires_at, created_at, refreshed_at, revoked_at, mfa";

SessionRow sessionFrom(const store::Row& r) {
  SessionRow s;
  s.id = r.text(0);
  s.personId = r.text(1);
  s.origin = r.text(2);
  s.accessExpiresAt = r.int64(3);
  s.refreshExpiresAt = r.int64(4);
  s.createdAt = r.int64(5);
  s.refreshedAt = r.int64(6);
  s.revokedAt = r.int64(7);
  s.mfa = r.int64(8) != 0;
  return s;
}

core::Result<std::optional<PersonRow>> onePerson(store::Transaction& tx, const std::string& where, const std::string& key) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                        tx.queryOne(std::string("SELECT ") + kPersonColumns + " FROM people WHERE " + where, {key}));
  if (!row) return std::optional<PersonRow>();
  return std::optional<PersonRow>(personFrom(*row));
}

}  // namespace

core::Status PersonStore::insert(const PersonRow& p) {
  return tx_
      .exec("INSERT INTO people(id, email, name, level, role, tenant_id, partner_id, status, password_hash, created_at, "
            "changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            {p.id, p.email, p.name, p.level, p.role, p.tenantId, p.partnerId, p.status, p.passwordHash, p.createdAt,
             p.changedAt})
      .status();
}

core::Result<std::optional<PersonRow>> PersonStore::byEmail(const std::string& email) {
  return onePerson(tx_, "email = $1", email);
}

core::Result<std::optional<PersonRow>> PersonStore::byId(const std::string& id) { return onePerson(tx_, "id = $1", id); }

core::Result<std::vector<PersonRow>> PersonStore::list(const std::string& tenantId) {
  std::vector<store::Row> rows;
  if (tenantId == "*") {
    EDGE_ASSIGN_OR_RETURN(rows, tx_.query(std::string("SELECT ") + kPersonColumns + " FROM people ORDER BY email"));
  } else {
    EDGE_ASSIGN_OR_RETURN(rows, tx_.query(std::string("SELECT ") + kPersonColumns +
                                              " FROM people WHERE tenant_id = $1 ORDER BY email",
                                          {tenantId}));
  }
  std::vector<PersonRow> out;
  for (const store::Row& r : rows) out.push_back(personFrom(r));
  return out;
}

core::Result<int64_t> PersonStore::count() { return tx_.queryInt64("SELECT count(*) FROM people"); }

core::Status PersonStore::setRole(const std::string& id, const std::string& role, int64_t now) {
  return tx_.exec("UPDATE people SET role = $1, changed_at = $2 WHERE id = $3", {role, now, id}).status();
}

core::Status PersonStore::setStatus(const std::string& id, const std::string& status, int64_t now) {
  return tx_.exec("UPDATE people SET status = $1, changed_at = $2 WHERE id = $3", {status, now, id}).status();
}

core::Status PersonStore::setPassword(const std::string& id, const std::string& hash, int64_t now) {
  return tx_
      .exec("UPDATE people SET password_hash = $1, changed_at = $2, failed_logins = 0, locked_until = 0 WHERE id = $3",
            {hash, now, id})
      .status();
}

core::Status PersonStore::setTotp(const std::string& id, const std::string& secretBase32, int64_t lastStep, int64_t now) {
  return tx_
      .exec("UPDATE people SET totp_secret = $1, totp_last_step = $2, changed_at = $3 WHERE id = $4",
            {secretBase32, lastStep, now, id})
      .status();
}

core::Status PersonStore::useTotpStep(const std::string& id, int64_t step) {
  return tx_.exec("UPDATE people SET totp_last_step = $1 WHERE id = $2", {step, id}).status();
}

core::Status PersonStore::recordFailure(const std::string& id, int64_t failures, int64_t now, int64_t lockedUntil) {
  return tx_
      .exec("UPDATE people SET failed_logins = $1, last_failure_at = $2, locked_until = $3 WHERE id = $4",
            {failures, now, lockedUntil, id})
      .status();
}

core::Status PersonStore::recordLogin(const std::string& id, int64_t now) {
  return tx_
      .exec("UPDATE people SET failed_logins = 0, locked_until = 0, last_login_at = $1 WHERE id = $2", {now, id})
      .status();
}

core::Status PersonStore::replaceRecoveryCodes(const std::string& personId, const std::vector<std::string>& sha256s) {
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM recovery_codes WHERE person_id = $1", {personId}).status());
  for (const std::string& h : sha256s)
    EDGE_RETURN_IF_ERROR(
        tx_.exec("INSERT INTO recovery_codes(person_id, code_sha256) VALUES ($1, $2)", {personId, h}).status());
  return core::Status::ok();
}

core::Result<bool> PersonStore::useRecoveryCode(const std::string& personId, const std::string& sha256, int64_t now) {
  EDGE_ASSIGN_OR_RETURN(int64_t n, tx_.exec("UPDATE recovery_codes SET used_at = $1 WHERE person_id = $2 AND "
                                            "code_sha256 = $3 AND used_at = 0",
                                            {now, personId, sha256}));
  return n > 0;
}

core::Status PersonStore::insertLink(const std::string& sha256, const std::string& personId, const std::string& purpose,
                                     int64_t now, int64_t expiresAt) {
  return tx_
      .exec("INSERT INTO password_links(token_sha256, person_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            {sha256, personId, purpose, now, expiresAt})
      .status();
}

core::Result<std::optional<std::string>> PersonStore::useLink(const std::string& sha256, int64_t now) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("UPDATE password_links SET used_at = $1 WHERE token_sha256 = $2 AND used_at = 0 AND "
                                  "expires_at > $1 RETURNING person_id",
                                  {now, sha256}));
  if (rows.empty()) return std::optional<std::string>();
  return std::optional<std::string>(rows[0].text(0));
}

core::Status PersonStore::insertSession(const SessionRow& s, const std::string& accessSha256,
                                        const std::string& refreshSha256) {
  return tx_
      .exec("INSERT INTO auth_sessions(id, person_id, access_sha256, access_expires_at, refresh_sha256, "
            "refresh_expires_at, mfa, origin, created_at, refreshed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            {s.id, s.personId, accessSha256, s.accessExpiresAt, refreshSha256, s.refreshExpiresAt, s.mfa, s.origin,
             s.createdAt, s.refreshedAt})
      .status();
}

core::Result<std::optional<SessionRow>> PersonStore::sessionByAccess(const std::string& accessSha256, int64_t now) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                        tx_.queryOne(std::string("SELECT ") + kSessionColumns +
                                         " FROM auth_sessions WHERE access_sha256 = $1 AND revoked_at = 0 AND "
                                         "access_expires_at > $2",
                                     {accessSha256, now}));
  if (!row) return std::optional<SessionRow>();
  return std::optional<SessionRow>(sessionFrom(*row));
}

core::Result<std::optional<SessionRow>> PersonStore::sessionById(const std::string& id) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                        tx_.queryOne(std::string("SELECT ") + kSessionColumns + " FROM auth_sessions WHERE id = $1", {id}));
  if (!row) return std::optional<SessionRow>();
  return std::optional<SessionRow>(sessionFrom(*row));
}

core::Result<bool> PersonStore::refreshMatches(const std::string& id, const std::string& refreshSha256, int64_t now) {
  EDGE_ASSIGN_OR_RETURN(int64_t n, tx_.queryInt64("SELECT count(*) FROM auth_sessions WHERE id = $1 AND refresh_sha256 = $2 "
                                                  "AND revoked_at = 0 AND refresh_expires_at > $3",
                                                  {id, refreshSha256, now}));
  return n > 0;
}

core::Status PersonStore::rotateSession(const std::string& id, const std::string& accessSha256, int64_t accessExpiresAt,
                                        const std::string& refreshSha256, int64_t refreshExpiresAt, int64_t now) {
  return tx_
      .exec("UPDATE auth_sessions SET access_sha256 = $1, access_expires_at = $2, refresh_sha256 = $3, "
            "refresh_expires_at = $4, refreshed_at = $5 WHERE id = $6",
            {accessSha256, accessExpiresAt, refreshSha256, refreshExpiresAt, now, id})
      .status();
}

core::Status PersonStore::revokeSession(const std::string& id, int64_t now) {
  return tx_.exec("UPDATE auth_sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at = 0", {now, id}).status();
}

core::Status PersonStore::revokeSessionsOf(const std::string& personId, int64_t now) {
  return tx_.exec("UPDATE auth_sessions SET revoked_at = $1 WHERE person_id = $2 AND revoked_at = 0", {now, personId})
      .status();
}

core::Result<std::vector<SessionRow>> PersonStore::activeSessionsOf(const std::string& personId, int64_t now) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query(std::string("SELECT ") + kSessionColumns +
                                      " FROM auth_sessions WHERE person_id = $1 AND revoked_at = 0 AND "
                                      "refresh_expires_at > $2 ORDER BY created_at",
                                  {personId, now}));
  std::vector<SessionRow> out;
  for (const store::Row& r : rows) out.push_back(sessionFrom(r));
  return out;
}

core::Status PersonStore::deleteTenant(const std::string& tenantId) {
  for (const char* table : {"recovery_codes", "password_links", "auth_sessions"})
    EDGE_RETURN_IF_ERROR(tx_.exec(std::string("DELETE FROM ") + table +
                                      " WHERE person_id IN (SELECT id FROM people WHERE tenant_id = $1)",
                                  {tenantId})
                             .status());
  return tx_.exec("DELETE FROM people WHERE tenant_id = $1", {tenantId}).status();
}

}  // namespace mgmt::access
