// Admin API tokens (token-create, -list, -revoke): an integration's or a person's, for the platform or
// one tenant, each with a role (principal.h); the caller a token stands for, and the platform's first
// token. People and sign-in are sign_in_service.h.
//
// Contract: only a SHA-256 of a secret is stored, and the secret is shown once. A revoked or expired
// token is refused, and so is a tenant's token while its tenant is suspended, and a person's token
// once the person is disabled. A tenant's owner makes, sees and revokes only its tenant's tokens, with
// roles it may grant (mayGrant); others' are the same not-found as none. Each operation is one unit
// of work.
#pragma once

#include <optional>
#include <string>

#include "core/clock.h"
#include "core/control_socket.h"
#include "mgmt/access/principal.h"
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

  core::ControlReply createToken(const core::Json& args, const Principal& actor);
  core::ControlReply listTokens(const core::Json& args, const Principal& actor);
  core::ControlReply revokeToken(const core::Json& args, const Principal& actor);

  // The caller a bearer token stands for; nullopt when it is unknown, revoked, expired or its tenant
  // suspended. An error only when the store fails.
  core::Result<std::optional<tenancy::Caller>> tokenCaller(const std::string& token);

  // Creates the platform operator's first token in `path` (mode 0600) when there is none.
  core::Status ensureAdminToken(const std::string& path);

 private:
  Deps d_;
};

}  // namespace mgmt::access
