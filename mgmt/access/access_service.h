// Who may call the admin API: bearer tokens for the platform or one tenant (token-create, -list,
// -revoke), the caller a token stands for, and the platform's first token. People, roles, sessions
// and MFA come next, here.
//
// Contract: only a SHA-256 of a secret is stored, and the secret is shown once. A revoked or expired
// token is refused, and so is a tenant's token while its tenant is suspended. Each operation is one
// unit of work.
#pragma once

#include <optional>
#include <string>

#include "core/clock.h"
#include "core/control_socket.h"
#include "mgmt/store/sql.h"
#include "mgmt/tenancy/caller.h"

namespace mgmt::access {

class AccessService {
 public:
  struct Deps {
    store::Storage& storage;
    const core::Clock& clock;
  };

  explicit AccessService(Deps deps);

  core::ControlReply createToken(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply listTokens(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply revokeToken(const core::Json& args, const tenancy::Caller& caller);

  // The caller a bearer token stands for; nullopt when it is unknown, revoked, expired or its tenant
  // suspended. An error only when the store fails.
  core::Result<std::optional<tenancy::Caller>> tokenCaller(const std::string& token);

  // Creates the platform operator's first token in `path` (mode 0600) when there is none.
  core::Status ensureAdminToken(const std::string& path);

 private:
  Deps d_;
};

}  // namespace mgmt::access
