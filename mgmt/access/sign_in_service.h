// Signing people in to mgmt (ADR 0028): accounts by email with an argon2id password
// (core/identity), TOTP with single-use recovery codes (required for platform roles), lockout with
// backoff, sign-in sessions made of a short-lived access token and a revocable refresh token, and
// password links (reset, invitation) sent through the mail outbox. The admin API's auth routes
// (mgmt/api/auth_api) and the web console (mgmt/console) both call this service; neither decides
// anything about a password or a token itself.
//
// Contract
// - Only hashes are stored: argon2id for passwords, SHA-256 for access, refresh and API tokens,
//   recovery codes and password links. A secret is returned once, to the caller that made it.
// - login() answers the same kPermissionDenied "wrong email or password" (HTTP 401) for an unknown email, a
//   wrong password and a disabled person (no account enumeration); a locked account gets
//   kResourceExhausted naming the seconds left (retry-after), checked before the password, so
//   guessing costs no argon2 work. Each failure counts on the person's row (every mgmtd sees it):
//   after LockoutPolicy::freeFailures the account locks for firstLockSeconds, doubling per
//   further failure up to maxLockSeconds; a success clears it.
// - A person with TOTP must give a code (or an unused recovery code) with the password; without
//   it login() answers kFailedPrecondition "a one-time code is required" (the form asks for it and
//   sends both again). A used TOTP step is never accepted twice.
// - A platform role without TOTP signs in with mfaPending: its access token reaches only me,
//   logout and TOTP enrolment until enrolment is confirmed (then it signs in again).
// - Tokens: access "sa-<session>.<secret>" (kAccessSeconds), refresh "sr-<session>.<secret>"
//   (kRefreshSeconds). refresh() rotates both; presenting a refresh token that was already rotated
//   away revokes the whole session (theft detection). logout() revokes the session.
// - authenticate() takes any bearer: an access token or an API token ("k-<id>.<secret>", the
//   tokens of AccessService). It answers nullopt (never an error) for anything unknown, expired,
//   revoked, for a disabled person, and for anything of a tenant that is not active (a suspended
//   tenant's people and tokens stop at once).
// - Every operation is one unit of work; the service keeps no state (several mgmtd share it).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/identity/lockout.h"
#include "core/identity/password.h"
#include "core/json.h"
#include "core/status.h"
#include "mgmt/access/principal.h"
#include "mgmt/store/sql.h"

namespace mgmt::access {

constexpr int64_t kAccessSeconds = 15 * 60;
constexpr int64_t kRefreshSeconds = 30 * 24 * 3600;
constexpr int64_t kResetLinkSeconds = 60 * 60;
constexpr int64_t kInviteLinkSeconds = 7 * 24 * 3600;
constexpr int kRecoveryCodes = 10;

struct LoginRequest {
  std::string email;
  std::string password;
  std::string code;    // a TOTP code or a recovery code; "" when none was asked for yet
  std::string origin;  // the client's address (audit, sessions list)
};

struct SignedIn {
  std::string accessToken;
  int64_t accessExpiresAt = 0;
  std::string refreshToken;
  int64_t refreshExpiresAt = 0;
  Principal principal;
};

struct TotpEnrollment {
  std::string secretBase32;  // for typing into an app
  std::string otpauthUri;    // for a QR code (core/identity/totp.h qrSvg)
};

// A person as listed (never a hash).
struct Person {
  std::string id, email, name, role, tenantId, partnerId, status;
  Level level = Level::kTenant;
  bool totp = false;
  bool invited = false;  // no password yet
  int64_t createdAt = 0, lastLoginAt = 0, lockedUntil = 0;
};

// A bearer token's parts: kind "sa" (access), "sr" (refresh) or "k" (API token), the id of its
// session or token, and its secret. nullopt for anything else (at most 256 bytes, lower-case hex
// id and secret): the one parser of a token from outside, fuzzed (tests/fuzz/bearer_fuzz.cpp).
struct BearerParts {
  std::string kind, id, secret;
};
std::optional<BearerParts> parseBearer(const std::string& token);

// One sign-in session as listed to its person.
struct SessionInfo {
  std::string id, origin;
  int64_t createdAt = 0, refreshedAt = 0, refreshExpiresAt = 0;
};

class SignInService {
 public:
  struct Deps {
    store::Storage& storage;
    const core::Clock& clock;
    core::identity::PasswordCost passwordCost = {};
    core::identity::LockoutPolicy lockout = {};
    // The base of the links in mail (consoleUrl() + "/reset?token=..."), asked when a mail is made:
    // mgmtd's admin port is known only once it listens (port 0 in the config picks one).
    std::function<std::string()> consoleUrl = {};
    // Puts a mail in the outbox inside the caller's unit of work (mgmt/mail's enqueue, wired by the
    // composition root so this library does not depend on mail). Without it, invitations and
    // resets answer kFailedPrecondition "mail is not set up".
    std::function<core::Status(store::Transaction& tx, const std::string& tenantId, const std::string& to,
                               const std::string& templateName, const core::Json& variables, int64_t now)>
        mail = {};
    // The scope of a partner ("" for a platform partner, else the tenant it resells for), nullopt
    // when there is none: read in the caller's unit of work through the partners' store (wired by
    // the composition root, so this library does not depend on partners). Without it, partner
    // people cannot be added.
    std::function<core::Result<std::optional<std::string>>(store::Transaction& tx, const std::string& partnerId)>
        partnerScope = {};
  };
  explicit SignInService(Deps deps);

  core::Result<SignedIn> login(const LoginRequest& request);
  core::Result<SignedIn> refresh(const std::string& refreshToken, const std::string& origin);
  // Revokes the session an access or refresh token belongs to; ok when it was already gone.
  core::Status logout(const std::string& token);
  // The principal behind a bearer (see the contract); an error only when the store fails.
  core::Result<std::optional<Principal>> authenticate(const std::string& bearer);

  // TOTP enrolment for the signed-in person: begin() draws a secret (kept until confirmed or
  // begun again); confirm() checks a code of it and answers the recovery codes (shown once).
  core::Result<TotpEnrollment> beginTotp(const Principal& who);
  core::Result<std::vector<std::string>> confirmTotp(const Principal& who, const std::string& code);

  // Always ok for an address that is not a person's (no enumeration): a person gets an email with
  // a single-use link valid kResetLinkSeconds.
  core::Status requestPasswordReset(const std::string& email, const std::string& origin);
  // Sets the password of the link's person, uses the link up and revokes their sessions.
  // kInvalidArgument naming "password"; kNotFound "the link is unknown, used or expired".
  core::Status resetPassword(const std::string& linkToken, const std::string& newPassword);

  core::Result<std::vector<SessionInfo>> sessions(const Principal& who);

  // People (the command layer's person-* commands; mgmtctl for the first platform owner). `actor`
  // must be allowed to grant the role (principal.h mayGrant) and, at tenant level, be in the same
  // tenant; others get the same not-found as for a person that does not exist.
  // With a password the person can sign in at once; without, an invitation link is mailed.
  // The partner role needs `partner`: a partner the actor reaches (the platform any; a tenant's
  // owners and admins only the tenant's own resellers; others the not-found of a missing one). A
  // reseller's person also carries the reseller's tenant (its suspension stops them; its people
  // pages list them).
  core::Result<Person> addPerson(const std::string& email, const std::string& name, const std::string& role,
                                 const std::string& tenant, const std::optional<std::string>& password,
                                 const Principal& actor, const std::string& partner = "");
  // The owner of a tenant a signup made (mgmt/onboarding, when its demo is ready), in the caller's
  // unit of work: a tenant-owner with no password yet and an invitation link mailed (valid
  // kInviteLinkSeconds) to the console's /reset page at `consoleUrl` (the caller's: mgmtd's admin
  // port is known only once it listens; "" = Deps::consoleUrl). Nothing happens (ok) when the email is
  // already a person's: they sign in as they do.
  core::Status inviteOwner(store::Transaction& tx, const std::string& tenantId, const std::string& email,
                           const std::string& name, int64_t now, const std::string& consoleUrl = "");
  // `before` (when given) receives the person as they were (for the audit log's before state).
  core::Result<Person> setRole(const std::string& email, const std::string& role, const Principal& actor,
                               Person* before = nullptr);
  // Disabling revokes the person's sessions and tokens at once.
  core::Result<Person> setStatus(const std::string& email, const std::string& status, const Principal& actor,
                                 Person* before = nullptr);
  core::Result<std::vector<Person>> people(const std::string& tenant, const Principal& actor);

 private:
  std::string linkBase() const { return d_.consoleUrl ? d_.consoleUrl() : std::string(); }

  Deps d_;
  std::string dummyHash_;  // verified for an unknown email: the same work as for a known one
};

// The local root (mgmtctl over the control socket) as a principal: platform-owner, no person.
Principal rootPrincipal();
// The principal a command table caller stands for (role "" = local root): level from its role,
// tenant from its scope. What the person-* handlers pass as `actor`.
Principal principalOf(const core::command::Caller& caller);
core::Json personJson(const Person& p);

}  // namespace mgmt::access
