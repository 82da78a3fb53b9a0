// The web console's and the self-care portal's sessions and keys in mgmt's storage (ADR 0051), so
// that any mgmtd replica serves any visitor: HAProxy runs in TCP mode (TLS ends at mgmtd), so there
// is no sticky cookie, and two requests of one visitor may reach two replicas.
//
// Contract (StoredSessions, a core::web::Sessions):
//  - The cookie's id is never stored: a row is keyed by its SHA-256. The session's data (a console
//    session's bearer and refresh token, a TOTP secret being enrolled) is sealed with AES-256-GCM
//    under a key derived from the id (HMAC-SHA-256), bound to its row: whoever reads the table (a
//    backup, a replica of the database) holds no bearer and can sign no one in.
//  - Idle and absolute timeouts as SessionLimits says; at most maxPerPrincipal sessions per principal
//    (the least recently used of that principal end first; maxSessions is not used: the database is
//    the bound).
//  - last_seen is written at most once a minute per session (kSeenWriteSeconds): every page view
//    would otherwise be a write transaction on the primary (and a synchronous commit to its standby,
//    ADR 0024) for a page that only reads. The price: the idle timeout is exact to a minute (a
//    session may end up to 59 s before idleSeconds have passed since its last request).
//  - close, closePrincipal and purge delete rows: the next request on any replica finds nothing.
//    purge (the expired rows, and those of tenants no longer active) runs under the singleton lock
//    "web-sessions:<surface>" (Storage::withSingletonLock): with several mgmtd one of them does it.
//  - One surface per object ("console", "selfcare"): surfaces never see each other's sessions.
//
// sharedWebKey: a random 32-byte key by name (the CSRF keys), made by whichever mgmtd asks first
// (INSERT ... ON CONFLICT DO NOTHING, then read back, as ADR 0044's ticket keys): every replica
// derives the same CSRF token for a session, so a form rendered by one posts to another. Never logged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/web/session.h"
#include "mgmt/store/sql.h"

namespace mgmt::access {

// The console's surface name: its sessions' principal is the person's email (or "token <id>"), so a
// person disabled or given a new password loses them here too (sign_in_service.cpp).
inline constexpr const char* kConsoleSurface = "console";

// SQL for web_sessions and web_keys (the only place it is written).
class WebSessionStore {
 public:
  explicit WebSessionStore(store::Transaction& tx) : tx_(tx) {}
  struct Row {
    std::string idSha256, surface, principal, tenantId, sealed;
    int64_t createdAt = 0, lastSeen = 0, version = 0;
  };
  core::Status insert(const Row& row);
  core::Result<std::optional<Row>> find(const std::string& surface, const std::string& idSha256);
  // Moves last_seen to `now` unless it was written less than `every` seconds ago.
  core::Status seen(const std::string& surface, const std::string& idSha256, int64_t now, int64_t every);
  // Replaces data when the row is at `version` (and raises it); whether it was.
  core::Result<bool> replace(const std::string& surface, const std::string& idSha256, int64_t version,
                             const std::string& sealed);
  core::Result<int64_t> remove(const std::string& surface, const std::string& idSha256);
  core::Result<int64_t> removePrincipal(const std::string& surface, const std::string& principal);
  // Ends the principal's sessions beyond the `keep` most recently seen; how many.
  core::Result<int64_t> trimPrincipal(const std::string& surface, const std::string& principal, size_t keep);
  // Deletes the rows idle since before `seenBefore` or made before `createdBefore`, and those of
  // tenants that are not active.
  core::Result<int64_t> removeExpired(const std::string& surface, int64_t seenBefore, int64_t createdBefore);
  // The key called `name`; `candidate` becomes it when there is none yet.
  core::Result<std::string> key(const std::string& name, const std::string& candidate, int64_t now);

 private:
  store::Transaction& tx_;
};

class StoredSessions : public core::web::Sessions {
 public:
  static constexpr int64_t kSeenWriteSeconds = 60;

  StoredSessions(store::Storage& storage, std::string surface, core::web::SessionLimits limits);

  core::Result<core::web::Session> open(const std::string& principal, const std::string& tenant, core::Json data,
                                        int64_t now) override;
  core::Result<std::optional<core::web::Session>> find(const std::string& id, int64_t now) override;
  core::Result<bool> replace(const std::string& id, int64_t version, const core::Json& data) override;
  core::Status close(const std::string& id) override;
  core::Result<size_t> closePrincipal(const std::string& principal) override;
  core::Result<size_t> purge(int64_t now) override;

 private:
  store::Storage& storage_;
  const std::string surface_;
  const core::web::SessionLimits limits_;
};

// The shared key `name` (32 random bytes), made once for every replica on the storage.
core::Result<std::string> sharedWebKey(store::Storage& storage, const std::string& name, int64_t now);

}  // namespace mgmt::access
