// The tables of people and their sign-in (migration 3, ADR 0028): people, recovery_codes,
// password_links and auth_sessions. SQL for them lives here only; only hashes of secrets are stored.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt::access {

struct PersonRow {
  std::string id, email, name, level, role, status, passwordHash, totpSecret;
  std::optional<std::string> tenantId, partnerId;
  int64_t totpLastStep = 0, failedLogins = 0, lastFailureAt = 0, lockedUntil = 0;
  int64_t createdAt = 0, changedAt = 0, lastLoginAt = 0;
};

struct SessionRow {
  std::string id, personId, origin;
  int64_t accessExpiresAt = 0, refreshExpiresAt = 0, createdAt = 0, refreshedAt = 0, revokedAt = 0;
  bool mfa = false;
};

class PersonStore {
 public:
  explicit PersonStore(store::Transaction& tx) : tx_(tx) {}

  core::Status insert(const PersonRow& p);
  core::Result<std::optional<PersonRow>> byEmail(const std::string& email);
  core::Result<std::optional<PersonRow>> byId(const std::string& id);
  // A tenant's people, or every person with "*"; by email.
  core::Result<std::vector<PersonRow>> list(const std::string& tenantId);
  core::Result<int64_t> count();
  // A tenant's people with their recovery codes, reset links and sessions (a demo's purge).
  core::Status deleteTenant(const std::string& tenantId);
  core::Status setRole(const std::string& id, const std::string& role, int64_t now);
  core::Status setStatus(const std::string& id, const std::string& status, int64_t now);
  core::Status setPassword(const std::string& id, const std::string& hash, int64_t now);
  // The secret being enrolled is kept in totp_secret with totp_last_step = -1 until confirmed.
  core::Status setTotp(const std::string& id, const std::string& secretBase32, int64_t lastStep, int64_t now);
  core::Status useTotpStep(const std::string& id, int64_t step);
  core::Status recordFailure(const std::string& id, int64_t failures, int64_t now, int64_t lockedUntil);
  core::Status recordLogin(const std::string& id, int64_t now);

  // Recovery codes: replaces all of a person's; use() marks one used, false when none matched.
  core::Status replaceRecoveryCodes(const std::string& personId, const std::vector<std::string>& sha256s);
  core::Result<bool> useRecoveryCode(const std::string& personId, const std::string& sha256, int64_t now);

  // Password links (reset, invite).
  core::Status insertLink(const std::string& sha256, const std::string& personId, const std::string& purpose,
                          int64_t now, int64_t expiresAt);
  // The person of an unused, unexpired link, marking it used; nullopt otherwise.
  core::Result<std::optional<std::string>> useLink(const std::string& sha256, int64_t now);

  // Sessions.
  core::Status insertSession(const SessionRow& s, const std::string& accessSha256, const std::string& refreshSha256);
  core::Result<std::optional<SessionRow>> sessionByAccess(const std::string& accessSha256, int64_t now);
  core::Result<std::optional<SessionRow>> sessionById(const std::string& id);
  // Whether the session's refresh hash is `refreshSha256` (and not revoked or expired).
  core::Result<bool> refreshMatches(const std::string& id, const std::string& refreshSha256, int64_t now);
  core::Status rotateSession(const std::string& id, const std::string& accessSha256, int64_t accessExpiresAt,
                             const std::string& refreshSha256, int64_t refreshExpiresAt, int64_t now);
  core::Status revokeSession(const std::string& id, int64_t now);
  core::Status revokeSessionsOf(const std::string& personId, int64_t now);
  core::Result<std::vector<SessionRow>> activeSessionsOf(const std::string& personId, int64_t now);

 private:
  store::Transaction& tx_;
};

}  // namespace mgmt::access
