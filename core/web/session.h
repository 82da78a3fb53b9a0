// Server-side sessions of signed-in people: the cookie carries only a random id (cookie.h); who it is
// and since when live on the server, behind the Sessions interface. Two implementations:
//  - SessionTable (here): in the daemon's memory (ADR 0014), for the box's technician UI (one
//    process): a restart signs everyone out, nothing about a session is ever written to disk, and
//    signing out or revoking is removing one entry.
//  - mgmt::access::StoredSessions (ADR 0051): in mgmt's storage, so that every mgmtd replica serves
//    every visitor of the console and the self-care portal.
//
// Both: each session ends after idleSeconds without a request or absoluteSeconds after sign-in,
// whichever is first; at most maxPerPrincipal sessions per principal (a new one beyond that ends the
// least recently used of that principal; 0: no such bound). SessionTable also keeps at most
// maxSessions in all (a new one beyond that pushes out the least recently used). Thread-safe. Times
// come from the caller (unix seconds), so tests need no clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/json.h"
#include "core/status.h"

namespace core::web {

struct Session {
  std::string id;         // 32 hex digits, the cookie's value
  std::string principal;  // who signed in
  std::string tenant;     // the tenant it belongs to ("" for none): StoredSessions ends them with it
  Json data = Json::object();  // what the surface keeps per session (role, tenant, ...)
  int64_t created = 0;
  int64_t lastSeen = 0;
  int64_t version = 0;    // raised by every change of data (replace() compares it)
};

struct SessionLimits {
  size_t maxSessions = 1024;
  int64_t idleSeconds = 30 * 60;
  int64_t absoluteSeconds = 12 * 3600;
  size_t maxPerPrincipal = 0;  // 0: no bound per principal
};

// Where a web surface keeps its sessions. Errors are the storage's (an in-memory table has none).
class Sessions {
 public:
  virtual ~Sessions() = default;
  // A new session with a fresh random id (the principal's least recently used beyond the bound end).
  virtual core::Result<Session> open(const std::string& principal, const std::string& tenant, Json data,
                                     int64_t now) = 0;
  // The live session of `id`, seen at `now`; nullopt when unknown or expired (an expired one ends).
  virtual core::Result<std::optional<Session>> find(const std::string& id, int64_t now) = 0;
  // Replaces the data of the session when it is still at `version` (compare and swap, so two requests
  // of one visitor, on one replica or two, cannot both act on the same old data): false when another
  // change came first or the session is gone.
  virtual core::Result<bool> replace(const std::string& id, int64_t version, const Json& data) = 0;
  // Ends one session (signing out); ok when it was already gone.
  virtual core::Status close(const std::string& id) = 0;
  // Ends every session of `principal` (a password change, a disabled account); how many ended.
  virtual core::Result<size_t> closePrincipal(const std::string& principal) = 0;
  // Ends the expired sessions; how many.
  virtual core::Result<size_t> purge(int64_t now) = 0;
};

class SessionTable : public Sessions {
 public:
  explicit SessionTable(SessionLimits limits = {}) : limits_(limits) {}

  // A new session with a fresh random id.
  Session create(const std::string& principal, Json data, int64_t now);
  // The live session of `id`, its lastSeen moved to `now`; nullopt when unknown or expired (an
  // expired one is removed).
  std::optional<Session> touch(const std::string& id, int64_t now);
  bool remove(const std::string& id);
  // Replaces the data of a live session (a refreshed token); false when it is gone.
  bool update(const std::string& id, Json data);
  // Ends every session of `principal` (a password change, a removed account); how many ended.
  size_t removePrincipal(const std::string& principal);
  // Removes the expired sessions; how many.
  size_t expire(int64_t now);
  size_t size() const;

  // Sessions, over the calls above (never an error).
  core::Result<Session> open(const std::string& principal, const std::string& tenant, Json data,
                             int64_t now) override;
  core::Result<std::optional<Session>> find(const std::string& id, int64_t now) override;
  core::Result<bool> replace(const std::string& id, int64_t version, const Json& data) override;
  core::Status close(const std::string& id) override;
  core::Result<size_t> closePrincipal(const std::string& principal) override;
  core::Result<size_t> purge(int64_t now) override;

 private:
  bool expired(const Session& s, int64_t now) const;
  SessionLimits limits_;
  mutable std::mutex mu_;
  std::map<std::string, Session> sessions_;
};

}  // namespace core::web
