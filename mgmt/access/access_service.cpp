#include "mgmt/access/access_service.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>

#include "core/command_args.h"
#include "core/pki.h"
#include "mgmt/access/token_store.h"
#include "mgmt/mgmt_time.h"
#include "mgmt/tenancy/tenancy_service.h"

namespace mgmt::access {

using core::CommandArgs;
using core::ControlReply;
using core::Json;
using tenancy::Caller;

AccessService::AccessService(Deps deps) : d_(std::move(deps)) {}

ControlReply AccessService::createToken(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "name", "ttl"}));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> ttlText, a.text("ttl"));
  const int64_t now = d_.clock.unixSeconds();
  int64_t expiresAt = 0;
  if (ttlText) {
    EDGE_ASSIGN_OR_RETURN(int64_t ttl, parseTtl(*ttlText));
    expiresAt = now + ttl;
  }
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> name, a.text("name"));
  Token t;
  std::string secret;
  core::Status s = d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    t = Token{};
    if (a.has("tenant")) {
      EDGE_ASSIGN_OR_RETURN(tenancy::Tenant tenant, tenancy::tenantFromArgs(tx, a, caller));
      t.tenantId = tenant.id;
    }
    t.id = "k-" + core::pki::randomHex(4);
    t.name = name.value_or("");
    t.createdAt = now;
    t.expiresAt = expiresAt;
    secret = t.id + "." + core::pki::randomHex(24);
    return TokenStore(tx).insert(t, core::pki::sha256Hex(secret));
  });
  EDGE_RETURN_IF_ERROR(s);
  return ControlReply::success(std::string("token ") + t.id + (t.tenantId ? " for tenant " + *t.tenantId : " for the platform") +
                                   (expiresAt != 0 ? ", valid until " + iso(expiresAt) : std::string()) +
                                   " (shown once; keep it secret)",
                               Json{{"id", t.id}, {"token", secret}, {"tenant", t.tenantId ? Json(*t.tenantId) : Json(nullptr)},
                                    {"expires-at", iso(expiresAt)}});
}

// Tokens without their secrets (only a hash is stored): who, since when, until when, last use.
ControlReply AccessService::listTokens(const Json& args, const Caller&) {
  EDGE_RETURN_IF_ERROR(CommandArgs(args).only({}));
  Json list;
  const int64_t now = d_.clock.unixSeconds();
  core::Status s = d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        list = Json::array();
        EDGE_ASSIGN_OR_RETURN(std::vector<Token> tokens, TokenStore(tx).list());
        tenancy::TenantStore tenants(tx);
        for (const Token& k : tokens) {
          Json tenantName = nullptr;
          if (k.tenantId) {
            EDGE_ASSIGN_OR_RETURN(std::optional<tenancy::Tenant> t, tenants.byId(*k.tenantId));
            tenantName = t ? Json(t->name) : Json(nullptr);
          }
          std::string state = k.revokedAt != 0 ? "revoked" : (k.expiresAt != 0 && k.expiresAt <= now ? "expired" : "active");
          list.push_back(Json{{"id", k.id},
                              {"tenant", k.tenantId ? Json(*k.tenantId) : Json(nullptr)},
                              {"tenant-name", tenantName},
                              {"name", k.name}, {"created-at", iso(k.createdAt)},
                              {"expires-at", iso(k.expiresAt)}, {"revoked-at", iso(k.revokedAt)},
                              {"last-used-at", iso(k.lastUsedAt)}, {"state", state}});
        }
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly);
  EDGE_RETURN_IF_ERROR(s);
  return ControlReply::success(std::to_string(list.size()) + " tokens", list);
}

ControlReply AccessService::revokeToken(const Json& args, const Caller&) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"id"}));
  EDGE_ASSIGN_OR_RETURN(std::string id, a.required("id"));
  bool revoked = false;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(revoked, TokenStore(tx).revoke(id, d_.clock.unixSeconds()));
    return core::Status::ok();
  }));
  if (!revoked) return ControlReply::error(core::notFound("no active token '" + id + "'"));
  return ControlReply::success("token " + id + " revoked: it is refused from now on");
}

core::Result<std::optional<Caller>> AccessService::tokenCaller(const std::string& token) {
  std::optional<Caller> caller;
  const int64_t now = d_.clock.unixSeconds();
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    caller.reset();
    TokenStore tokens(tx);
    EDGE_ASSIGN_OR_RETURN(std::optional<Token> k, tokens.usable(core::pki::sha256Hex(token), now));
    if (!k) return core::Status::ok();
    if (k->tenantId) {
      // A tenant's token is refused while the tenant is suspended.
      EDGE_ASSIGN_OR_RETURN(std::optional<tenancy::Tenant> t, tenancy::TenantStore(tx).byId(*k->tenantId));
      if (!t || t->status != "active") return core::Status::ok();
    }
    if (k->lastUsedAt < now - 60) EDGE_RETURN_IF_ERROR(tokens.touch(k->id, now));
    caller = Caller{k->tenantId.value_or("")};
    return core::Status::ok();
  }));
  return caller;
}

core::Status AccessService::ensureAdminToken(const std::string& path) {
  // The check and the token in one unit of work: two mgmtd starting at once make one token.
  std::string secret;
  const int64_t now = d_.clock.unixSeconds();
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    secret.clear();
    TokenStore tokens(tx);
    EDGE_ASSIGN_OR_RETURN(int64_t n, tokens.platformTokens());
    if (n > 0) return core::Status::ok();
    Token t;
    t.id = "k-" + core::pki::randomHex(4);
    t.name = "first platform token";
    t.createdAt = now;
    secret = t.id + "." + core::pki::randomHex(24);
    return tokens.insert(t, core::pki::sha256Hex(secret));
  }));
  if (secret.empty()) return core::Status::ok();
  std::string token = secret + "\n";
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return core::errnoStatus("writing " + path, errno);
  ::fchmod(fileno(f), 0600);
  bool ok = std::fwrite(token.data(), 1, token.size(), f) == token.size();
  ok = std::fclose(f) == 0 && ok;
  if (!ok) return core::ioError("writing " + path);
  return core::Status::ok();
}

}  // namespace mgmt::access
