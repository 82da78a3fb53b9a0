#include "mgmt/access/access_service.h"

#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstdio>

#include "core/command_args.h"
#include "core/pki.h"
#include "mgmt/access/person_store.h"
#include "mgmt/access/token_store.h"
#include "mgmt/mgmt_time.h"
#include "mgmt/tenancy/tenancy_service.h"

namespace mgmt::access {

using core::CommandArgs;
using core::ControlReply;
using core::Json;
using tenancy::Caller;

AccessService::AccessService(Deps deps) : d_(std::move(deps)) {}

ControlReply AccessService::createToken(const Json& args, const Principal& actor) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "name", "ttl", "role", "person"}));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> ttlText, a.text("ttl"));
  const int64_t now = d_.clock.unixSeconds();
  int64_t expiresAt = 0;
  if (ttlText) {
    EDGE_ASSIGN_OR_RETURN(int64_t ttl, parseTtl(*ttlText));
    expiresAt = now + ttl;
  }
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> name, a.text("name"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> roleText, a.text("role"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> personEmail, a.text("person"));
  Token t;
  std::string secret;
  core::Status s = d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    t = Token{};
    if (personEmail) {
      // A person's own token: their tenant, and by default their role.
      std::string e = *personEmail;
      for (char& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      EDGE_ASSIGN_OR_RETURN(std::optional<PersonRow> p, PersonStore(tx).byEmail(e));
      bool visible = p && (actor.level == Level::kPlatform || (p->tenantId && *p->tenantId == actor.tenantId));
      if (!visible) return core::notFound("person: no person '" + *personEmail + "'");
      if (p->status != "active") return core::failedPrecondition("person: " + p->email + " is disabled");
      t.personId = p->id;
      t.tenantId = p->tenantId;
      t.role = roleText.value_or(p->role);
      if (levelOfRole(t.role) != levelOfRole(p->role))
        return core::invalidArgument("role: a " + p->level + " person's token has a " + p->level + " role");
    } else {
      bool tenantLevel = a.has("tenant") || actor.level == Level::kTenant;
      if (roleText) tenantLevel = levelOfRole(*roleText) == Level::kTenant;
      if (tenantLevel) {
        EDGE_ASSIGN_OR_RETURN(tenancy::Tenant tenant, tenancy::tenantFromArgs(tx, a, actor.scope()));
        t.tenantId = tenant.id;
      } else if (a.has("tenant")) {
        return core::invalidArgument("tenant: a platform role's token belongs to no tenant");
      }
      t.role = roleText.value_or(t.tenantId ? "tenant-admin" : "platform-admin");
    }
    std::optional<Level> level = levelOfRole(t.role);
    if (!level || *level == Level::kPartner) return core::invalidArgument("role: unknown role '" + t.role + "'");
    if ((*level == Level::kTenant) != t.tenantId.has_value())
      return core::invalidArgument("role: " + t.role + (t.tenantId ? " is not a tenant's role" : " needs --tenant"));
    if (!mayGrant(actor.role, t.role)) return core::permissionDenied("role: you may not give the role " + t.role);
    t.id = "k-" + core::pki::randomHex(4);
    t.name = name.value_or("");
    t.createdAt = now;
    t.expiresAt = expiresAt;
    secret = t.id + "." + core::pki::randomHex(24);
    return TokenStore(tx).insert(t, core::pki::sha256Hex(secret));
  });
  EDGE_RETURN_IF_ERROR(s);
  return ControlReply::success(std::string("token ") + t.id + " with role " + t.role +
                                   (t.tenantId ? " for tenant " + *t.tenantId : " for the platform") +
                                   (expiresAt != 0 ? ", valid until " + iso(expiresAt) : std::string()) +
                                   " (shown once; keep it secret)",
                               Json{{"id", t.id}, {"token", secret}, {"tenant", t.tenantId ? Json(*t.tenantId) : Json(nullptr)},
                                    {"role", t.role}, {"expires-at", iso(expiresAt)}});
}

// Tokens without their secrets (only a hash is stored): who, since when, until when, last use.
ControlReply AccessService::listTokens(const Json& args, const Principal& actor) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant"}));
  Json list;
  const int64_t now = d_.clock.unixSeconds();
  core::Status s = d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        list = Json::array();
        std::string key = "*";
        if (actor.level != Level::kPlatform || a.has("tenant")) {
          EDGE_ASSIGN_OR_RETURN(tenancy::Tenant t, tenancy::tenantFromArgs(tx, a, actor.scope()));
          key = t.id;
        }
        EDGE_ASSIGN_OR_RETURN(std::vector<Token> tokens, TokenStore(tx).listOf(key));
        tenancy::TenantStore tenants(tx);
        PersonStore people(tx);
        for (const Token& k : tokens) {
          Json tenantName = nullptr;
          if (k.tenantId) {
            EDGE_ASSIGN_OR_RETURN(std::optional<tenancy::Tenant> t, tenants.byId(*k.tenantId));
            tenantName = t ? Json(t->name) : Json(nullptr);
          }
          Json person = nullptr;
          if (k.personId) {
            EDGE_ASSIGN_OR_RETURN(std::optional<PersonRow> p, people.byId(*k.personId));
            if (p) person = p->email;
          }
          std::string state = k.revokedAt != 0 ? "revoked" : (k.expiresAt != 0 && k.expiresAt <= now ? "expired" : "active");
          list.push_back(Json{{"id", k.id},
                              {"tenant", k.tenantId ? Json(*k.tenantId) : Json(nullptr)},
                              {"tenant-name", tenantName},
                              {"role", tokenRole(k)}, {"person", person},
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

ControlReply AccessService::revokeToken(const Json& args, const Principal& actor) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"id"}));
  EDGE_ASSIGN_OR_RETURN(std::string id, a.required("id"));
  bool revoked = false;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    revoked = false;
    TokenStore tokens(tx);
    EDGE_ASSIGN_OR_RETURN(std::optional<Token> k, tokens.byId(id));
    // A tenant's people reach only their tenant's tokens (others: the same answer as none).
    if (!k || (actor.level != Level::kPlatform && k->tenantId != std::optional<std::string>(actor.tenantId)))
      return core::Status::ok();
    EDGE_ASSIGN_OR_RETURN(revoked, tokens.revoke(id, d_.clock.unixSeconds()));
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
    t.role = "platform-owner";
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
