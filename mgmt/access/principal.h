// Who is asking mgmt for something: a principal (a signed-in person, or an API token of a person or
// of an integration) at one of three levels, with one role. ADR 0028.
//
// Levels and roles (the role names are the rungs of mgmtd's command table, mgmt/mgmt_commands.h):
//   platform  platform-owner, platform-admin, platform-support
//   tenant    tenant-owner, tenant-admin, tenant-staff, tenant-billing, tenant-technician,
//             tenant-read-only                                  (confined to their tenant)
//   partner   partner                                           (confined to their partner: its
//                                                                ledger, statements, payouts and
//                                                                accounts, read-only; the console's
//                                                                partner portal)
//
// Contract
// - Which role may run which command is written once, in each command's spec (core/command's
//   Spec::roles): the table refuses the rest with permission-denied before a handler runs. Nothing
//   else (a page, a route) decides it.
// - A principal turns into the table's caller with caller(origin): role = its role, scope = its
//   tenant (tenant level) or partner (partner level), label = its email or token id, origin = where
//   the request came from (for the audit log). The services then confine a tenant-level caller to
//   its tenant (tenancy::Caller), exactly as they do for tenant tokens.
// - A platform role needs a second factor: a principal whose sign-in did not give one
//   (mfaPending) may only enrol TOTP, read `me` and sign out; every command refuses it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/command/command.h"
#include "mgmt/tenancy/caller.h"

namespace mgmt::access {

enum class Level { kPlatform, kTenant, kPartner };

const char* levelName(Level level);                             // "platform", "tenant", "partner"
std::optional<Level> levelFromName(const std::string& name);

// Every role, platform ones first (the order the console lists them in).
const std::vector<std::string>& allRoles();
// The level a role belongs to; nullopt for an unknown role.
std::optional<Level> levelOfRole(const std::string& role);
// Whether a role must sign in with a second factor (the platform's).
bool roleNeedsMfa(const std::string& role);
// Whether a caller of `actorRole` may give `role` to someone: a platform owner any role; a platform
// admin any role but platform-owner; a tenant owner any tenant role; a tenant admin tenant roles
// but tenant-owner; both also the partner role (people of the tenant's own resellers). Nobody else
// manages people.
bool mayGrant(const std::string& actorRole, const std::string& role);

struct Principal {
  std::string personId;   // "p-..." for a person (their session or their own token); "" for an
                          // integration's token
  std::string email;      // the person's; "" for an integration
  std::string name;
  Level level = Level::kTenant;
  std::string role;       // one of allRoles()
  std::string tenantId;   // tenant level: the tenant it is confined to
  std::string partnerId;  // partner level
  std::string sessionId;  // the sign-in session ("s-...") or the API token ("k-...") it came from
  bool mfa = false;       // this sign-in gave a second factor
  bool mfaPending = false;  // a platform role signed in without one: may only enrol TOTP

  // The command table's caller for this principal, from `origin` (an address).
  core::command::Caller caller(const std::string& origin) const;
  // How the services scope what it reaches: a tenant-level principal its tenant; a partner one a
  // scope that names no tenant ("partner:<id>": the partner commands confine it to that partner;
  // every other service refuses it); the platform all.
  tenancy::Caller scope() const;
  // "alice@example.com" or "token k-12ab".
  std::string label() const;
};

}  // namespace mgmt::access
