// Server-side sessions of signed-in people (technician UI, console): the cookie carries only a
// random id (cookie.h); who it is and since when live here, in the daemon's memory (ADR 0014): a
// restart signs everyone out, nothing about a session is ever written to disk, and signing out or
// revoking is removing one entry.
//
// Bounded: at most maxSessions (a new one beyond that pushes out the least recently used), each
// ending after idleSeconds without a request or absoluteSeconds after sign-in, whichever is first.
// Thread-safe. Times come from the caller (unix seconds), so tests need no clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/json.h"

namespace core::web {

struct Session {
  std::string id;         // 32 hex digits, the cookie's value
  std::string principal;  // who signed in
  Json data = Json::object();  // what the surface keeps per session (role, tenant, ...)
  int64_t created = 0;
  int64_t lastSeen = 0;
};

struct SessionLimits {
  size_t maxSessions = 1024;
  int64_t idleSeconds = 30 * 60;
  int64_t absoluteSeconds = 12 * 3600;
};

class SessionTable {
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

 private:
  bool expired(const Session& s, int64_t now) const;
  SessionLimits limits_;
  mutable std::mutex mu_;
  std::map<std::string, Session> sessions_;
};

}  // namespace core::web
