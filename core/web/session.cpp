#include "core/web/session.h"

#include <algorithm>

#include "core/pki.h"

namespace core::web {

bool SessionTable::expired(const Session& s, int64_t now) const {
  return now - s.lastSeen >= limits_.idleSeconds || now - s.created >= limits_.absoluteSeconds;
}

Session SessionTable::create(const std::string& principal, Json data, int64_t now) {
  Session s;
  s.id = core::pki::randomHex(16);
  s.principal = principal;
  s.data = std::move(data);
  s.created = s.lastSeen = now;
  std::lock_guard<std::mutex> lock(mu_);
  if (limits_.maxPerPrincipal > 0) {
    // The principal's own bound first: its least recently used go.
    for (;;) {
      auto lru = sessions_.end();
      size_t n = 0;
      for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
        if (it->second.principal != principal) continue;
        ++n;
        if (lru == sessions_.end() || it->second.lastSeen < lru->second.lastSeen) lru = it;
      }
      if (n < limits_.maxPerPrincipal) break;
      sessions_.erase(lru);
    }
  }
  if (sessions_.size() >= limits_.maxSessions) {
    // Full: the expired go first, then the least recently used.
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if (expired(it->second, now)) it = sessions_.erase(it);
      else ++it;
    }
    if (sessions_.size() >= limits_.maxSessions && !sessions_.empty()) {
      auto lru = std::min_element(sessions_.begin(), sessions_.end(),
                                  [](const auto& a, const auto& b) { return a.second.lastSeen < b.second.lastSeen; });
      sessions_.erase(lru);
    }
  }
  if (limits_.maxSessions > 0) sessions_[s.id] = s;
  return s;
}

std::optional<Session> SessionTable::touch(const std::string& id, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (expired(it->second, now)) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.lastSeen = std::max(it->second.lastSeen, now);
  return it->second;
}

bool SessionTable::update(const std::string& id, Json data) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return false;
  it->second.data = std::move(data);
  ++it->second.version;
  return true;
}

bool SessionTable::remove(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.erase(id) != 0;
}

size_t SessionTable::removePrincipal(const std::string& principal) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second.principal == principal) {
      it = sessions_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

size_t SessionTable::expire(int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (expired(it->second, now)) {
      it = sessions_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

size_t SessionTable::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.size();
}

core::Result<Session> SessionTable::open(const std::string& principal, const std::string& tenant, Json data,
                                         int64_t now) {
  Session s = create(principal, std::move(data), now);
  s.tenant = tenant;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(s.id);
  if (it != sessions_.end()) it->second.tenant = tenant;
  return s;
}

core::Result<std::optional<Session>> SessionTable::find(const std::string& id, int64_t now) { return touch(id, now); }

core::Result<bool> SessionTable::replace(const std::string& id, int64_t version, const Json& data) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end() || it->second.version != version) return false;
  it->second.data = data;
  ++it->second.version;
  return true;
}

core::Status SessionTable::close(const std::string& id) {
  remove(id);
  return core::Status::ok();
}

core::Result<size_t> SessionTable::closePrincipal(const std::string& principal) { return removePrincipal(principal); }

core::Result<size_t> SessionTable::purge(int64_t now) { return expire(now); }

}  // namespace core::web
