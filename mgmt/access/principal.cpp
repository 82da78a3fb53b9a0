#include "mgmt/access/principal.h"

#include <algorithm>

#include "mgmt/mgmt_commands.h"

namespace mgmt::access {

const char* levelName(Level level) {
  switch (level) {
    case Level::kPlatform: return "platform";
    case Level::kTenant: return "tenant";
    case Level::kPartner: return "partner";
  }
  return "tenant";
}

std::optional<Level> levelFromName(const std::string& name) {
  if (name == "platform") return Level::kPlatform;
  if (name == "tenant") return Level::kTenant;
  if (name == "partner") return Level::kPartner;
  return std::nullopt;
}

const std::vector<std::string>& allRoles() { return principalRoles(); }

std::optional<Level> levelOfRole(const std::string& role) {
  const std::vector<std::string>& roles = allRoles();
  if (std::find(roles.begin(), roles.end(), role) == roles.end()) return std::nullopt;
  if (role.rfind("platform-", 0) == 0) return Level::kPlatform;
  if (role.rfind("tenant-", 0) == 0) return Level::kTenant;
  return Level::kPartner;
}

bool roleNeedsMfa(const std::string& role) { return levelOfRole(role) == Level::kPlatform; }

bool mayGrant(const std::string& actorRole, const std::string& role) {
  std::optional<Level> level = levelOfRole(role);
  if (!level) return false;
  if (actorRole.empty() || actorRole == "platform-owner") return true;  // "" = local root
  if (actorRole == "platform-admin") return role != "platform-owner";
  // A tenant's owners and admins also manage the people of the tenant's own resellers (the partner
  // role; which partner is the service's check: only the tenant's).
  if (actorRole == "tenant-owner") return *level == Level::kTenant || *level == Level::kPartner;
  if (actorRole == "tenant-admin") return (*level == Level::kTenant && role != "tenant-owner") || *level == Level::kPartner;
  return false;
}

core::command::Caller Principal::caller(const std::string& origin) const {
  return core::command::Caller{role, scope().tenantId, label(), origin};
}

tenancy::Caller Principal::scope() const {
  switch (level) {
    case Level::kPlatform: return tenancy::Caller{};
    case Level::kTenant: return tenancy::Caller{tenantId};
    case Level::kPartner: return tenancy::Caller{"partner:" + partnerId};  // names no tenant
  }
  return tenancy::Caller{"-"};
}

std::string Principal::label() const { return email.empty() ? "token " + sessionId : email; }

}  // namespace mgmt::access
