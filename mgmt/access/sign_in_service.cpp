#include "mgmt/access/sign_in_service.h"

#include <algorithm>
#include <cctype>

#include "core/identity/totp.h"
#include "core/pki.h"
#include "mgmt/access/person_store.h"
#include "mgmt/access/token_store.h"
#include "mgmt/access/web_sessions.h"
#include "mgmt/mgmt_time.h"
#include "mgmt/tenancy/tenancy_service.h"

namespace mgmt::access {

namespace {

// The "invitation" mail's variables (mgmt/mail/outbox.h): the link to choose a first password.
core::Json invitation(const PersonRow& row, const std::string& link) {
  std::string role = row.role;
  std::replace(role.begin(), role.end(), '-', ' ');
  return core::Json{{"link", link}, {"days", kInviteLinkSeconds / 86400}, {"email", row.email}, {"role", role},
                    {"name", row.name}};
}

const core::Status kWrongPassword = core::permissionDenied("wrong email or password");

bool lowerHex(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// "Alice@Example.COM " -> "alice@example.com"; kInvalidArgument naming "email" when it is not one
// plain address (RFC 5321 4.5.3.1.3: at most 254 bytes).
core::Result<std::string> normalEmail(const std::string& text) {
  std::string e;
  size_t b = text.find_first_not_of(" \t"), end = text.find_last_not_of(" \t");
  if (b != std::string::npos) e = text.substr(b, end - b + 1);
  for (char& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t at = e.find('@');
  bool ok = e.size() >= 3 && e.size() <= 254 && at != std::string::npos && at > 0 && at + 1 < e.size() &&
            e.find('@', at + 1) == std::string::npos && e.find('.', at) != std::string::npos;
  for (char c : e)
    if (static_cast<unsigned char>(c) <= 0x20 || c == ',' || c == '<' || c == '>' || c == '"' || c == 0x7f) ok = false;
  if (!ok) return core::invalidArgument("email: expected one address such as name@example.com");
  return e;
}

Level levelOf(const PersonRow& p) { return levelFromName(p.level).value_or(Level::kTenant); }
bool totpOn(const PersonRow& p) { return !p.totpSecret.empty() && p.totpLastStep >= 0; }

Principal principalFrom(const PersonRow& p) {
  Principal w;
  w.personId = p.id;
  w.email = p.email;
  w.name = p.name;
  w.level = levelOf(p);
  w.role = p.role;
  w.tenantId = p.tenantId.value_or("");
  w.partnerId = p.partnerId.value_or("");
  return w;
}

Person personFrom(const PersonRow& p) {
  Person o;
  o.id = p.id;
  o.email = p.email;
  o.name = p.name;
  o.role = p.role;
  o.tenantId = p.tenantId.value_or("");
  o.partnerId = p.partnerId.value_or("");
  o.status = p.status;
  o.level = levelOf(p);
  o.totp = totpOn(p);
  o.invited = p.passwordHash.empty();
  o.createdAt = p.createdAt;
  o.lastLoginAt = p.lastLoginAt;
  o.lockedUntil = p.lockedUntil;
  return o;
}

// Whether a person's tenant (if any) lets them in: a suspended or missing tenant stops its people.
core::Result<bool> tenantActive(store::Transaction& tx, const std::optional<std::string>& tenantId) {
  if (!tenantId) return true;
  EDGE_ASSIGN_OR_RETURN(std::optional<tenancy::Tenant> t, tenancy::TenantStore(tx).byId(*tenantId));
  return t.has_value() && t->status == "active";
}

// A person `actor` may see: the platform sees everyone, a tenant's people only their tenant's.
// Anyone else is the same not-found as nobody.
core::Result<PersonRow> visiblePerson(store::Transaction& tx, const std::string& email, const Principal& actor) {
  EDGE_ASSIGN_OR_RETURN(std::string e, normalEmail(email));
  EDGE_ASSIGN_OR_RETURN(std::optional<PersonRow> p, PersonStore(tx).byEmail(e));
  bool visible = p && (actor.level == Level::kPlatform ||
                       (actor.level == Level::kTenant && p->tenantId && *p->tenantId == actor.tenantId));
  if (!visible) return core::notFound("no person '" + e + "'");
  return *p;
}

struct NewTokens {
  std::string access, refresh, accessSha, refreshSha;
};

NewTokens drawTokens(const std::string& sessionHex) {
  NewTokens t;
  t.access = "sa-" + sessionHex + "." + core::pki::randomHex(24);
  t.refresh = "sr-" + sessionHex + "." + core::pki::randomHex(24);
  t.accessSha = core::pki::sha256Hex(t.access);
  t.refreshSha = core::pki::sha256Hex(t.refresh);
  return t;
}

}  // namespace

std::optional<BearerParts> parseBearer(const std::string& token) {
  if (token.size() > 256) return std::nullopt;
  size_t dash = token.find('-');
  size_t dot = token.find('.');
  if (dash == std::string::npos || dot == std::string::npos || dot < dash) return std::nullopt;
  BearerParts p{token.substr(0, dash), token.substr(dash + 1, dot - dash - 1), token.substr(dot + 1)};
  if (p.kind != "sa" && p.kind != "sr" && p.kind != "k") return std::nullopt;
  if (!lowerHex(p.id) || p.id.size() > 32 || !lowerHex(p.secret) || p.secret.size() < 16 || p.secret.size() > 128)
    return std::nullopt;
  return p;
}

Principal rootPrincipal() {
  Principal p;
  p.level = Level::kPlatform;
  p.role = "";  // local root: every role (core/command)
  p.email = "";
  p.sessionId = "control socket";
  p.mfa = true;
  return p;
}

Principal principalOf(const core::command::Caller& caller) {
  if (caller.role.empty()) return rootPrincipal();
  Principal p;
  p.role = caller.role;
  p.level = levelOfRole(caller.role).value_or(Level::kPartner);
  if (p.level == Level::kTenant) p.tenantId = caller.scope;
  if (p.level == Level::kPartner)  // its scope is "partner:<id>" (Principal::scope)
    p.partnerId = caller.scope.rfind("partner:", 0) == 0 ? caller.scope.substr(8) : caller.scope;
  p.email = caller.label;
  return p;
}

core::Json personJson(const Person& p) {
  return core::Json{{"id", p.id},           {"email", p.email},
                    {"name", p.name},       {"level", levelName(p.level)},
                    {"role", p.role},       {"tenant", p.tenantId.empty() ? core::Json(nullptr) : core::Json(p.tenantId)},
                    {"status", p.status},   {"totp", p.totp},
                    {"invited", p.invited}, {"created-at", iso(p.createdAt)},
                    {"last-login-at", iso(p.lastLoginAt)}, {"locked-until", iso(p.lockedUntil)}};
}

SignInService::SignInService(Deps deps)
    : d_(std::move(deps)),
      dummyHash_(core::identity::hashPassword(core::pki::randomHex(16), d_.passwordCost).valueOr("")) {}

core::Result<SignedIn> SignInService::login(const LoginRequest& request) {
  const int64_t now = d_.clock.unixSeconds();
  core::Result<std::string> email = normalEmail(request.email);
  if (!email.isOk() || request.password.empty() || request.password.size() > 1024) return kWrongPassword;
  // Read first and verify outside any unit of work: argon2 takes tens of milliseconds and must not
  // hold the writer.
  std::optional<PersonRow> person;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(person, PersonStore(tx).byEmail(*email));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  if (person && person->lockedUntil > now)
    return core::resourceExhausted("too many failed sign-ins: try again in " + std::to_string(person->lockedUntil - now) +
                                   " seconds");
  // The same work for an unknown email as for a known one (no timing oracle).
  bool known = person && person->status == "active" && !person->passwordHash.empty();
  bool passwordOk = core::identity::verifyPassword(known ? person->passwordHash : dummyHash_, request.password) && known;

  std::string codeError;
  SignedIn out;
  core::Status s = d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    if (!person) return kWrongPassword;
    PersonStore people(tx);
    EDGE_ASSIGN_OR_RETURN(std::optional<PersonRow> p, people.byId(person->id));
    if (!p) return kWrongPassword;
    auto fail = [&](const core::Status& why) -> core::Status {
      int64_t failures = (now - p->lastFailureAt >= d_.lockout.forgetSeconds ? 0 : p->failedLogins) + 1;
      int64_t lock = core::identity::lockSeconds(d_.lockout, failures);
      EDGE_RETURN_IF_ERROR(people.recordFailure(p->id, failures, now, lock > 0 ? now + lock : 0));
      codeError = why.message();
      return core::Status::ok();  // commit the count; the refusal is answered below
    };
    if (!passwordOk) return fail(kWrongPassword);
    bool mfa = false;
    if (totpOn(*p)) {
      if (request.code.empty()) return core::failedPrecondition("a one-time code is required");
      EDGE_ASSIGN_OR_RETURN(std::string secret, core::identity::fromBase32(p->totpSecret));
      std::optional<int64_t> step = core::identity::totpStep(secret, request.code, now);
      if (step && *step > p->totpLastStep) {
        EDGE_RETURN_IF_ERROR(people.useTotpStep(p->id, *step));
      } else {
        EDGE_ASSIGN_OR_RETURN(bool used, people.useRecoveryCode(p->id, core::pki::sha256Hex(request.code), now));
        if (!used) return fail(core::permissionDenied("wrong one-time code"));
      }
      mfa = true;
    }
    EDGE_ASSIGN_OR_RETURN(bool active, tenantActive(tx, p->tenantId));
    if (!active) return core::permissionDenied("the tenant is suspended: ask the platform's support");
    const std::string hex = core::pki::randomHex(8);
    NewTokens t = drawTokens(hex);
    SessionRow row;
    row.id = "s-" + hex;
    row.personId = p->id;
    row.origin = request.origin.substr(0, 64);
    row.accessExpiresAt = now + kAccessSeconds;
    row.refreshExpiresAt = now + kRefreshSeconds;
    row.createdAt = row.refreshedAt = now;
    row.mfa = mfa;
    EDGE_RETURN_IF_ERROR(people.insertSession(row, t.accessSha, t.refreshSha));
    EDGE_RETURN_IF_ERROR(people.recordLogin(p->id, now));
    out = SignedIn{t.access, row.accessExpiresAt, t.refresh, row.refreshExpiresAt, principalFrom(*p)};
    out.principal.sessionId = row.id;
    out.principal.mfa = mfa;
    out.principal.mfaPending = roleNeedsMfa(p->role) && !totpOn(*p);
    codeError.clear();
    return core::Status::ok();
  });
  EDGE_RETURN_IF_ERROR(s);
  if (!codeError.empty()) return core::permissionDenied(codeError);
  return out;
}

core::Result<SignedIn> SignInService::refresh(const std::string& refreshToken, const std::string& origin) {
  (void)origin;
  std::optional<BearerParts> parts = parseBearer(refreshToken);
  if (!parts || parts->kind != "sr") return core::permissionDenied("not a refresh token: sign in again");
  const int64_t now = d_.clock.unixSeconds();
  SignedIn out;
  bool reused = false;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    reused = false;
    PersonStore people(tx);
    const std::string id = "s-" + parts->id;
    EDGE_ASSIGN_OR_RETURN(std::optional<SessionRow> session, people.sessionById(id));
    if (!session || session->revokedAt != 0 || session->refreshExpiresAt <= now)
      return core::permissionDenied("the session has ended: sign in again");
    EDGE_ASSIGN_OR_RETURN(bool matches, people.refreshMatches(id, core::pki::sha256Hex(refreshToken), now));
    if (!matches) {
      // A refresh token of this session that was rotated away: someone kept a copy. End it all.
      reused = true;
      return people.revokeSession(id, now);
    }
    EDGE_ASSIGN_OR_RETURN(std::optional<PersonRow> p, people.byId(session->personId));
    if (!p || p->status != "active") return core::permissionDenied("the session has ended: sign in again");
    EDGE_ASSIGN_OR_RETURN(bool active, tenantActive(tx, p->tenantId));
    if (!active) return core::permissionDenied("the tenant is suspended: ask the platform's support");
    NewTokens t = drawTokens(parts->id);
    EDGE_RETURN_IF_ERROR(people.rotateSession(id, t.accessSha, now + kAccessSeconds, t.refreshSha, now + kRefreshSeconds, now));
    out = SignedIn{t.access, now + kAccessSeconds, t.refresh, now + kRefreshSeconds, principalFrom(*p)};
    out.principal.sessionId = id;
    out.principal.mfa = session->mfa;
    out.principal.mfaPending = roleNeedsMfa(p->role) && !totpOn(*p);
    return core::Status::ok();
  }));
  if (reused) return core::permissionDenied("this refresh token was used already: the session is ended, sign in again");
  return out;
}

core::Status SignInService::logout(const std::string& token) {
  std::optional<BearerParts> parts = parseBearer(token);
  if (!parts || (parts->kind != "sa" && parts->kind != "sr")) return core::Status::ok();
  const int64_t now = d_.clock.unixSeconds();
  return d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    PersonStore people(tx);
    const std::string id = "s-" + parts->id;
    const std::string sha = core::pki::sha256Hex(token);
    bool mine = false;
    if (parts->kind == "sa") {
      EDGE_ASSIGN_OR_RETURN(std::optional<SessionRow> s, people.sessionByAccess(sha, 0));
      mine = s && s->id == id;
    } else {
      EDGE_ASSIGN_OR_RETURN(mine, people.refreshMatches(id, sha, 0));
    }
    if (!mine) return core::Status::ok();
    return people.revokeSession(id, now);
  });
}

core::Result<std::optional<Principal>> SignInService::authenticate(const std::string& bearer) {
  std::optional<BearerParts> parts = parseBearer(bearer);
  if (!parts || parts->kind == "sr") return std::optional<Principal>();
  const int64_t now = d_.clock.unixSeconds();
  std::optional<Principal> out;
  const std::string sha = core::pki::sha256Hex(bearer);
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    out.reset();
    PersonStore people(tx);
    if (parts->kind == "sa") {
      EDGE_ASSIGN_OR_RETURN(std::optional<SessionRow> s, people.sessionByAccess(sha, now));
      if (!s) return core::Status::ok();
      EDGE_ASSIGN_OR_RETURN(std::optional<PersonRow> p, people.byId(s->personId));
      if (!p || p->status != "active") return core::Status::ok();
      EDGE_ASSIGN_OR_RETURN(bool active, tenantActive(tx, p->tenantId));
      if (!active) return core::Status::ok();
      Principal w = principalFrom(*p);
      w.sessionId = s->id;
      w.mfa = s->mfa;
      w.mfaPending = roleNeedsMfa(p->role) && !s->mfa;
      out = w;
      return core::Status::ok();
    }
    TokenStore tokens(tx);
    EDGE_ASSIGN_OR_RETURN(std::optional<Token> k, tokens.usable(sha, now));
    if (!k) return core::Status::ok();
    EDGE_ASSIGN_OR_RETURN(bool active, tenantActive(tx, k->tenantId));
    if (!active) return core::Status::ok();
    Principal w;
    w.role = tokenRole(*k);
    w.level = levelOfRole(w.role).value_or(Level::kPartner);
    w.tenantId = k->tenantId.value_or("");
    w.sessionId = k->id;
    w.mfa = true;  // a token is its own factor: made by someone who signed in with theirs
    if (k->personId) {
      EDGE_ASSIGN_OR_RETURN(std::optional<PersonRow> p, people.byId(*k->personId));
      if (!p || p->status != "active") return core::Status::ok();
      w.personId = p->id;
      w.email = p->email;
      w.name = p->name;
    }
    if (k->lastUsedAt < now - 60) EDGE_RETURN_IF_ERROR(tokens.touch(k->id, now));
    out = w;
    return core::Status::ok();
  }));
  return out;
}

core::Result<TotpEnrollment> SignInService::beginTotp(const Principal& who) {
  if (who.personId.empty()) return core::failedPrecondition("only a signed-in person has a second factor");
  const int64_t now = d_.clock.unixSeconds();
  TotpEnrollment e;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    PersonStore people(tx);
    EDGE_ASSIGN_OR_RETURN(std::optional<PersonRow> p, people.byId(who.personId));
    if (!p) return core::notFound("no such person");
    if (totpOn(*p)) return core::failedPrecondition("one-time codes are on already");
    std::string secret = core::identity::newTotpSecret();
    e.secretBase32 = core::identity::toBase32(secret);
    e.otpauthUri = core::identity::otpauthUri("mgmt", p->email, secret);
    return people.setTotp(p->id, e.secretBase32, -1, now);  // -1: being enrolled
  }));
  return e;
}

core::Result<std::vector<std::string>> SignInService::confirmTotp(const Principal& who, const std::string& code) {
  if (who.personId.empty()) return core::failedPrecondition("only a signed-in person has a second factor");
  const int64_t now = d_.clock.unixSeconds();
  std::vector<std::string> codes;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    codes.clear();
    PersonStore people(tx);
    EDGE_ASSIGN_OR_RETURN(std::optional<PersonRow> p, people.byId(who.personId));
    if (!p) return core::notFound("no such person");
    if (totpOn(*p)) return core::failedPrecondition("one-time codes are on already");
    if (p->totpSecret.empty()) return core::failedPrecondition("begin the enrolment first");
    EDGE_ASSIGN_OR_RETURN(std::string secret, core::identity::fromBase32(p->totpSecret));
    std::optional<int64_t> step = core::identity::totpStep(secret, code, now);
    if (!step) return core::invalidArgument("code: not the current code of the new secret");
    EDGE_RETURN_IF_ERROR(people.setTotp(p->id, p->totpSecret, *step, now));
    std::vector<std::string> hashes;
    for (int i = 0; i < kRecoveryCodes; ++i) {
      std::string c = core::pki::randomHex(5);
      c.insert(5, "-");
      codes.push_back(c);
      hashes.push_back(core::pki::sha256Hex(c));
    }
    return people.replaceRecoveryCodes(p->id, hashes);
  }));
  return codes;
}

core::Status SignInService::requestPasswordReset(const std::string& email, const std::string& origin) {
  (void)origin;
  core::Result<std::string> e = normalEmail(email);
  if (!e.isOk()) return e.status();
  if (!d_.mail) return core::failedPrecondition("mail is not set up on this platform");
  const int64_t now = d_.clock.unixSeconds();
  return d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    PersonStore people(tx);
    EDGE_ASSIGN_OR_RETURN(std::optional<PersonRow> p, people.byEmail(*e));
    if (!p || p->status != "active") return core::Status::ok();  // the same answer for nobody
    std::string token = core::pki::randomHex(24);
    EDGE_RETURN_IF_ERROR(people.insertLink(core::pki::sha256Hex(token), p->id, "reset", now, now + kResetLinkSeconds));
    return d_.mail(tx, p->tenantId.value_or(""), p->email, "password-reset",
                   core::Json{{"link", linkBase() + "/reset?token=" + token}, {"minutes", kResetLinkSeconds / 60}}, now);
  });
}

core::Status SignInService::resetPassword(const std::string& linkToken, const std::string& newPassword) {
  EDGE_RETURN_IF_ERROR(core::identity::checkPasswordRules(newPassword).withContext("password"));
  if (!lowerHex(linkToken) || linkToken.size() != 48) return core::notFound("the link is unknown, used or expired");
  EDGE_ASSIGN_OR_RETURN(std::string hash, core::identity::hashPassword(newPassword, d_.passwordCost));
  const int64_t now = d_.clock.unixSeconds();
  return d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    PersonStore people(tx);
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> personId, people.useLink(core::pki::sha256Hex(linkToken), now));
    if (!personId) return core::notFound("the link is unknown, used or expired");
    EDGE_RETURN_IF_ERROR(people.setPassword(*personId, hash, now));
    EDGE_RETURN_IF_ERROR(people.revokeSessionsOf(*personId, now));
    // Their console sessions end on every replica in the same unit of work (ADR 0051).
    EDGE_ASSIGN_OR_RETURN(std::optional<PersonRow> person, people.byId(*personId));
    if (!person) return core::Status::ok();
    return WebSessionStore(tx).removePrincipal(kConsoleSurface, person->email).status();
  });
}

core::Result<std::vector<SessionInfo>> SignInService::sessions(const Principal& who) {
  std::vector<SessionInfo> out;
  if (who.personId.empty()) return out;
  const int64_t now = d_.clock.unixSeconds();
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        out.clear();
        EDGE_ASSIGN_OR_RETURN(std::vector<SessionRow> rows, PersonStore(tx).activeSessionsOf(who.personId, now));
        for (const SessionRow& r : rows) out.push_back(SessionInfo{r.id, r.origin, r.createdAt, r.refreshedAt, r.refreshExpiresAt});
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return out;
}

core::Result<Person> SignInService::addPerson(const std::string& email, const std::string& name, const std::string& role,
                                              const std::string& tenant, const std::optional<std::string>& password,
                                              const Principal& actor, const std::string& partner) {
  EDGE_ASSIGN_OR_RETURN(std::string e, normalEmail(email));
  std::optional<Level> level = levelOfRole(role);
  if (!level) {
    std::string known;
    for (const std::string& r : allRoles()) known += (known.empty() ? "" : ", ") + r;
    return core::invalidArgument("role: unknown role '" + role + "' (known: " + known + ")");
  }
  if (!mayGrant(actor.role, role)) return core::permissionDenied("role: you may not give the role " + role);
  if (*level == Level::kPartner) {
    if (partner.empty()) return core::invalidArgument("partner: the partner role needs --partner (the partner's id)");
    if (!tenant.empty()) return core::invalidArgument("tenant: a partner's person belongs to its partner (give only --partner)");
    if (!d_.partnerScope) return core::failedPrecondition("partner: partners are not set up here");
  } else if (!partner.empty()) {
    return core::invalidArgument("partner: only the partner role belongs to a partner");
  }
  if (name.size() > 128) return core::invalidArgument("name: at most 128 characters");
  std::string hash;
  if (password) {
    EDGE_RETURN_IF_ERROR(core::identity::checkPasswordRules(*password).withContext("password"));
    EDGE_ASSIGN_OR_RETURN(hash, core::identity::hashPassword(*password, d_.passwordCost));
  } else if (!d_.mail) {
    return core::failedPrecondition("mail is not set up on this platform: give the person a --password");
  }
  const int64_t now = d_.clock.unixSeconds();
  PersonRow row;
  core::Status s = d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    row = PersonRow{};
    row.tenantId.reset();
    if (*level == Level::kPartner) {
      EDGE_ASSIGN_OR_RETURN(std::optional<std::string> scope, d_.partnerScope(tx, partner));
      // The platform reaches every partner; a tenant's people only the tenant's own resellers.
      const bool reach = scope && (actor.level == Level::kPlatform ||
                                   (actor.level == Level::kTenant && !scope->empty() && *scope == actor.tenantId));
      if (!reach) return core::notFound("partner: no partner '" + partner + "'");
      row.partnerId = partner;
      if (!scope->empty()) row.tenantId = *scope;
    } else if (*level == Level::kTenant) {
      std::string key = tenant.empty() ? actor.tenantId : tenant;
      if (key.empty()) return core::invalidArgument("tenant: a tenant role needs --tenant");
      EDGE_ASSIGN_OR_RETURN(tenancy::Tenant t, tenancy::resolveTenant(tx, key, actor.scope()));
      row.tenantId = t.id;
    } else if (!tenant.empty()) {
      return core::invalidArgument("tenant: a platform role belongs to no tenant");
    }
    row.id = "p-" + core::pki::randomHex(6);
    row.email = e;
    row.name = name;
    row.level = levelName(*level);
    row.role = role;
    row.status = "active";
    row.passwordHash = hash;
    row.createdAt = row.changedAt = now;
    PersonStore people(tx);
    core::Status inserted = people.insert(row);
    if (inserted.code() == core::Code::kAlreadyExists) return core::alreadyExists("a person with the email " + e + " exists already");
    EDGE_RETURN_IF_ERROR(inserted);
    if (password) return core::Status::ok();
    std::string token = core::pki::randomHex(24);
    EDGE_RETURN_IF_ERROR(people.insertLink(core::pki::sha256Hex(token), row.id, "invite", now, now + kInviteLinkSeconds));
    return d_.mail(tx, row.tenantId.value_or(""), e, "invitation", invitation(row, linkBase() + "/reset?token=" + token), now);
  });
  EDGE_RETURN_IF_ERROR(s);
  return personFrom(row);
}

core::Status SignInService::inviteOwner(store::Transaction& tx, const std::string& tenantId, const std::string& email,
                                       const std::string& name, int64_t now, const std::string& consoleUrl) {
  if (!d_.mail) return core::failedPrecondition("mail is not set up on this platform");
  EDGE_ASSIGN_OR_RETURN(std::string e, normalEmail(email));
  PersonStore people(tx);
  EDGE_ASSIGN_OR_RETURN(std::optional<PersonRow> existing, people.byEmail(e));
  if (existing) return core::Status::ok();
  PersonRow row;
  row.id = "p-" + core::pki::randomHex(6);
  row.email = e;
  row.name = name.substr(0, 128);
  row.level = levelName(Level::kTenant);
  row.role = "tenant-owner";
  row.status = "active";
  row.tenantId = tenantId;
  row.createdAt = row.changedAt = now;
  EDGE_RETURN_IF_ERROR(people.insert(row));
  const std::string token = core::pki::randomHex(24);
  EDGE_RETURN_IF_ERROR(people.insertLink(core::pki::sha256Hex(token), row.id, "invite", now, now + kInviteLinkSeconds));
  const std::string base = consoleUrl.empty() ? linkBase() : consoleUrl;
  return d_.mail(tx, tenantId, e, "invitation", invitation(row, base + "/reset?token=" + token), now);
}

core::Result<Person> SignInService::setRole(const std::string& email, const std::string& role, const Principal& actor,
                                            Person* before) {
  std::optional<Level> level = levelOfRole(role);
  if (!level) return core::invalidArgument("role: unknown role '" + role + "'");
  const int64_t now = d_.clock.unixSeconds();
  PersonRow row;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(row, visiblePerson(tx, email, actor));
    if (before != nullptr) *before = personFrom(row);
    if (!mayGrant(actor.role, row.role) || !mayGrant(actor.role, role))
      return core::permissionDenied("role: you may not change a " + row.role + " to " + role);
    if (levelName(*level) != row.level)
      return core::invalidArgument("role: a " + row.level + " person keeps a " + row.level + " role");
    row.role = role;
    return PersonStore(tx).setRole(row.id, role, now);
  }));
  return personFrom(row);
}

core::Result<Person> SignInService::setStatus(const std::string& email, const std::string& status, const Principal& actor,
                                              Person* before) {
  if (status != "active" && status != "disabled") return core::invalidArgument("status: expected active or disabled");
  const int64_t now = d_.clock.unixSeconds();
  PersonRow row;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(row, visiblePerson(tx, email, actor));
    if (before != nullptr && before->id.empty()) *before = personFrom(row);
    if (!mayGrant(actor.role, row.role)) return core::permissionDenied("status: you may not change a " + row.role);
    if (!actor.personId.empty() && actor.personId == row.id && status == "disabled")
      return core::failedPrecondition("status: you cannot disable yourself");
    row.status = status;
    PersonStore people(tx);
    EDGE_RETURN_IF_ERROR(people.setStatus(row.id, status, now));
    if (status != "disabled") return core::Status::ok();
    EDGE_RETURN_IF_ERROR(people.revokeSessionsOf(row.id, now));
    EDGE_RETURN_IF_ERROR(WebSessionStore(tx).removePrincipal(kConsoleSurface, row.email).status());  // ADR 0051
    return TokenStore(tx).revokeOfPerson(row.id, now);
  }));
  return personFrom(row);
}

core::Result<std::vector<Person>> SignInService::people(const std::string& tenant, const Principal& actor) {
  std::vector<Person> out;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        out.clear();
        std::string key = "*";
        if (actor.level != Level::kPlatform || !tenant.empty()) {
          EDGE_ASSIGN_OR_RETURN(tenancy::Tenant t, tenancy::resolveTenant(tx, tenant.empty() ? actor.tenantId : tenant,
                                                                          actor.scope()));
          key = t.id;
        }
        EDGE_ASSIGN_OR_RETURN(std::vector<PersonRow> rows, PersonStore(tx).list(key));
        for (const PersonRow& r : rows) out.push_back(personFrom(r));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return out;
}

}  // namespace mgmt::access
