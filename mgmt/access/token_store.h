// The tokens table: admin API bearer tokens (only a SHA-256 of each secret is stored). SQL for
// tokens lives here only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "mgmt/store/sql.h"

namespace mgmt::access {

struct Token {
  std::string id;
  std::optional<std::string> tenantId;  // none: a platform operator's token
  std::string name;
  std::string role;                     // '' = made before roles (platform-admin or tenant-admin)
  std::optional<std::string> personId;  // a person's own token: it stops with the person
  int64_t createdAt = 0, expiresAt = 0, revokedAt = 0, lastUsedAt = 0;
};

// The role a token acts with: its own, or for a token made before roles the admin of its level.
std::string tokenRole(const Token& t);

class TokenStore {
 public:
  explicit TokenStore(store::Transaction& tx) : tx_(tx) {}

  core::Status insert(const Token& t, const std::string& secretSha256);
  // The tenant's tokens and its people's own (a demo's purge; before PersonStore::deleteTenant).
  core::Status deleteTenant(const std::string& tenantId);
  // By creation, oldest first.
  core::Result<std::vector<Token>> list();
  // The token with this secret hash that is neither revoked nor expired at `now`.
  core::Result<std::optional<Token>> usable(const std::string& secretSha256, int64_t now);
  // Records a use, at most once a minute (enough to tell a live token from a forgotten one).
  core::Status touch(const std::string& id, int64_t now);
  // Whether an active token was revoked (false: none by that id, or revoked already).
  core::Result<bool> revoke(const std::string& id, int64_t now);
  core::Result<int64_t> platformTokens();
  core::Status revokeOfPerson(const std::string& personId, int64_t now);
  // A tenant's tokens ("*": all).
  core::Result<std::vector<Token>> listOf(const std::string& tenantId);
  core::Result<std::optional<Token>> byId(const std::string& id);

 private:
  store::Transaction& tx_;
};

}  // namespace mgmt::access
