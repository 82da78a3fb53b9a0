#include "mgmt/access/web_sessions.h"

#include <mbedtls/md.h>

#include "core/ids.h"
#include "core/pki.h"
#include "core/secret_box.h"
#include "core/web/cookie.h"

namespace mgmt::access {

namespace {

// HMAC-SHA-256(key = label, data = id): the sealing key of a session's data (32 bytes).
std::string sealingKey(const std::string& id) {
  static constexpr char kLabel[] = "mgmt web session data v1";
  unsigned char out[32];
  mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), reinterpret_cast<const unsigned char*>(kLabel),
                  sizeof kLabel - 1, reinterpret_cast<const unsigned char*>(id.data()), id.size(), out);
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

// Sealed with AES-256-GCM (core/secret_box.h: nonce | ciphertext | tag); the row's surface and id
// hash are the additional data, so a sealed value copied to another row does not open.
core::Result<std::string> seal(const std::string& id, const std::string& aad, const std::string& plain) {
  return core::aesGcmSeal(sealingKey(id), aad, plain);
}

// The plain text, or nullopt when `sealed` was not sealed under this id for this row.
std::optional<std::string> unseal(const std::string& id, const std::string& aad, const std::string& sealed) {
  core::Result<std::string> plain = core::aesGcmOpen(sealingKey(id), aad, sealed);
  if (!plain.isOk()) return std::nullopt;
  return *plain;
}

WebSessionStore::Row rowOf(const store::Row& r) {
  WebSessionStore::Row row;
  row.idSha256 = r.text(0);
  row.surface = r.text(1);
  row.principal = r.text(2);
  row.tenantId = r.text(3);
  row.sealed = r.bytes(4);
  row.createdAt = r.int64(5);
  row.lastSeen = r.int64(6);
  row.version = r.int64(7);
  return row;
}

}  // namespace

// ---- WebSessionStore ----

core::Status WebSessionStore::insert(const Row& row) {
  return tx_
      .exec("INSERT INTO web_sessions (id_sha256, surface, principal, tenant_id, data, created_at, last_seen, version) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            {row.idSha256, row.surface, row.principal, row.tenantId, store::Value::Bytes{row.sealed}, row.createdAt,
             row.lastSeen, row.version})
      .status();
}

core::Result<std::optional<WebSessionStore::Row>> WebSessionStore::find(const std::string& surface,
                                                                        const std::string& idSha256) {
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> r,
                        tx_.queryOne("SELECT id_sha256, surface, principal, tenant_id, data, created_at, last_seen, "
                                     "version FROM web_sessions WHERE id_sha256 = $1 AND surface = $2",
                                     {idSha256, surface}));
  if (!r) return std::optional<Row>();
  return std::optional<Row>(rowOf(*r));
}

core::Status WebSessionStore::seen(const std::string& surface, const std::string& idSha256, int64_t now,
                                   int64_t every) {
  return tx_
      .exec("UPDATE web_sessions SET last_seen = $3 WHERE id_sha256 = $1 AND surface = $2 AND last_seen <= $4",
            {idSha256, surface, now, now - every})
      .status();
}

core::Result<bool> WebSessionStore::replace(const std::string& surface, const std::string& idSha256, int64_t version,
                                            const std::string& sealed) {
  EDGE_ASSIGN_OR_RETURN(int64_t n, tx_.exec("UPDATE web_sessions SET data = $4, version = version + 1 "
                                            "WHERE id_sha256 = $1 AND surface = $2 AND version = $3",
                                            {idSha256, surface, version, store::Value::Bytes{sealed}}));
  return n > 0;
}

core::Result<int64_t> WebSessionStore::remove(const std::string& surface, const std::string& idSha256) {
  return tx_.exec("DELETE FROM web_sessions WHERE id_sha256 = $1 AND surface = $2", {idSha256, surface});
}

core::Result<int64_t> WebSessionStore::removePrincipal(const std::string& surface, const std::string& principal) {
  return tx_.exec("DELETE FROM web_sessions WHERE surface = $1 AND principal = $2", {surface, principal});
}

core::Result<int64_t> WebSessionStore::trimPrincipal(const std::string& surface, const std::string& principal,
                                                     size_t keep) {
  EDGE_ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                        tx_.query("SELECT id_sha256 FROM web_sessions WHERE surface = $1 AND principal = $2 "
                                  "ORDER BY last_seen DESC, created_at DESC, id_sha256",
                                  {surface, principal}));
  int64_t n = 0;
  for (size_t i = keep; i < rows.size(); ++i) {
    EDGE_ASSIGN_OR_RETURN(int64_t removed, remove(surface, rows[i].text(0)));
    n += removed;
  }
  return n;
}

core::Result<int64_t> WebSessionStore::removeExpired(const std::string& surface, int64_t seenBefore,
                                                     int64_t createdBefore) {
  EDGE_ASSIGN_OR_RETURN(int64_t expired,
                        tx_.exec("DELETE FROM web_sessions WHERE surface = $1 AND (last_seen < $2 OR created_at < $3)",
                                 {surface, seenBefore, createdBefore}));
  // A suspended (or purged) tenant's sessions: its people and customers are refused at every
  // request already (the console checks the bearer, the portal the tenant); the rows go here.
  EDGE_ASSIGN_OR_RETURN(int64_t inactive,
                        tx_.exec("DELETE FROM web_sessions WHERE surface = $1 AND tenant_id <> '' AND NOT EXISTS "
                                 "(SELECT 1 FROM tenants t WHERE t.id = web_sessions.tenant_id AND t.status = 'active')",
                                 {surface}));
  return expired + inactive;
}

core::Result<std::string> WebSessionStore::key(const std::string& name, const std::string& candidate, int64_t now) {
  EDGE_RETURN_IF_ERROR(tx_.exec("INSERT INTO web_keys (name, secret, created_at) VALUES ($1, $2, $3) "
                                "ON CONFLICT (name) DO NOTHING",
                                {name, store::Value::Bytes{candidate}, now})
                           .status());
  EDGE_ASSIGN_OR_RETURN(std::optional<store::Row> r, tx_.queryOne("SELECT secret FROM web_keys WHERE name = $1", {name}));
  if (!r) return core::internalError("web key " + name + " missing after it was made");
  return r->bytes(0);
}

// ---- StoredSessions ----

StoredSessions::StoredSessions(store::Storage& storage, std::string surface, core::web::SessionLimits limits)
    : storage_(storage), surface_(std::move(surface)), limits_(limits) {}

core::Result<core::web::Session> StoredSessions::open(const std::string& principal, const std::string& tenant,
                                                      core::Json data, int64_t now) {
  core::web::Session s;
  s.id = core::pki::randomHex(16);
  s.principal = principal;
  s.tenant = tenant;
  s.data = std::move(data);
  s.created = s.lastSeen = now;
  WebSessionStore::Row row;
  row.idSha256 = core::pki::sha256Hex(s.id);
  row.surface = surface_;
  row.principal = principal;
  row.tenantId = tenant;
  EDGE_ASSIGN_OR_RETURN(row.sealed, seal(s.id, surface_ + "/" + row.idSha256, s.data.dump()));
  row.createdAt = row.lastSeen = now;
  EDGE_RETURN_IF_ERROR(storage_.transact([&](store::Transaction& tx) -> core::Status {
    WebSessionStore sessions(tx);
    EDGE_RETURN_IF_ERROR(sessions.insert(row));
    if (limits_.maxPerPrincipal > 0)
      EDGE_RETURN_IF_ERROR(sessions.trimPrincipal(surface_, principal, limits_.maxPerPrincipal).status());
    return core::Status::ok();
  }));
  return s;
}

core::Result<std::optional<core::web::Session>> StoredSessions::find(const std::string& id, int64_t now) {
  using Out = std::optional<core::web::Session>;
  if (!core::web::isSessionId(id)) return Out();
  const std::string hash = core::pki::sha256Hex(id);
  std::optional<WebSessionStore::Row> row;
  EDGE_RETURN_IF_ERROR(storage_.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(row, WebSessionStore(tx).find(surface_, hash));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  if (!row) return Out();
  const bool expired = now - row->lastSeen >= limits_.idleSeconds || now - row->createdAt >= limits_.absoluteSeconds;
  std::optional<std::string> plain = expired ? std::nullopt : unseal(id, surface_ + "/" + hash, row->sealed);
  core::Json data = plain ? core::Json::parse(*plain, nullptr, false) : core::Json();
  if (expired || !data.is_object()) {
    EDGE_RETURN_IF_ERROR(storage_.transact([&](store::Transaction& tx) -> core::Status {
      return WebSessionStore(tx).remove(surface_, hash).status();
    }));
    return Out();
  }
  if (now - row->lastSeen >= kSeenWriteSeconds) {
    EDGE_RETURN_IF_ERROR(storage_.transact([&](store::Transaction& tx) -> core::Status {
      return WebSessionStore(tx).seen(surface_, hash, now, kSeenWriteSeconds);
    }));
    row->lastSeen = now;
  }
  core::web::Session s;
  s.id = id;
  s.principal = row->principal;
  s.tenant = row->tenantId;
  s.data = std::move(data);
  s.created = row->createdAt;
  s.lastSeen = row->lastSeen;
  s.version = row->version;
  return Out(std::move(s));
}

core::Result<bool> StoredSessions::replace(const std::string& id, int64_t version, const core::Json& data) {
  if (!core::web::isSessionId(id)) return false;
  const std::string hash = core::pki::sha256Hex(id);
  EDGE_ASSIGN_OR_RETURN(std::string sealed, seal(id, surface_ + "/" + hash, data.dump()));
  bool replaced = false;
  EDGE_RETURN_IF_ERROR(storage_.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(replaced, WebSessionStore(tx).replace(surface_, hash, version, sealed));
    return core::Status::ok();
  }));
  return replaced;
}

core::Status StoredSessions::close(const std::string& id) {
  if (!core::web::isSessionId(id)) return core::Status::ok();
  return storage_.transact([&](store::Transaction& tx) -> core::Status {
    return WebSessionStore(tx).remove(surface_, core::pki::sha256Hex(id)).status();
  });
}

core::Result<size_t> StoredSessions::closePrincipal(const std::string& principal) {
  int64_t n = 0;
  EDGE_RETURN_IF_ERROR(storage_.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(n, WebSessionStore(tx).removePrincipal(surface_, principal));
    return core::Status::ok();
  }));
  return static_cast<size_t>(n);
}

core::Result<size_t> StoredSessions::purge(int64_t now) {
  int64_t n = 0;
  EDGE_ASSIGN_OR_RETURN(bool ran, storage_.withSingletonLock("web-sessions:" + surface_, [&]() -> core::Status {
    return storage_.transact([&](store::Transaction& tx) -> core::Status {
      EDGE_ASSIGN_OR_RETURN(n, WebSessionStore(tx).removeExpired(surface_, now - limits_.idleSeconds + 1,
                                                                 now - limits_.absoluteSeconds + 1));
      return core::Status::ok();
    });
  }));
  (void)ran;  // another replica holds the lock: it purges
  return static_cast<size_t>(n);
}

core::Result<std::string> sharedWebKey(store::Storage& storage, const std::string& name, int64_t now) {
  std::string candidate(32, '\0');
  core::secureRandom(reinterpret_cast<uint8_t*>(candidate.data()), candidate.size());
  std::string key;
  EDGE_RETURN_IF_ERROR(storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(key, WebSessionStore(tx).key(name, candidate, now));
    return core::Status::ok();
  }));
  if (key.size() != 32) return core::internalError("web key " + name + " is not 32 bytes");
  return key;
}

}  // namespace mgmt::access
