#include "aaa/policy/policy.h"

#include "aaa/auth/chap.h"
#include "aaa/auth/mac.h"
#include "aaa/auth/pap.h"
#include "aaa/policy/dunning.h"

#include <algorithm>
#include <cstdint>

namespace aaa::policy {

const char* authMethodName(AuthMethod m) {
  switch (m) {
    case AuthMethod::kNone: return "none";
    case AuthMethod::kPap: return "pap";
    case AuthMethod::kChap: return "chap";
    case AuthMethod::kMsChapV2: return "mschapv2";
    case AuthMethod::kMac: return "mac";
    case AuthMethod::kEapTls: return "eap-tls";
  }
  return "none";
}

const char* rejectReasonName(RejectReason r) {
  switch (r) {
    case RejectReason::kNone: return "none";
    case RejectReason::kUnknownUser: return "unknown-user";
    case RejectReason::kBadPassword: return "bad-password";
    case RejectReason::kSuspended: return "suspended";
    case RejectReason::kDisabled: return "disabled";
    case RejectReason::kExpired: return "expired";
    case RejectReason::kTooManySessions: return "too-many-sessions";
    case RejectReason::kMacMismatch: return "mac-mismatch";
    case RejectReason::kMethodNotAllowed: return "method-not-allowed";
    case RejectReason::kPapOnlyCredential: return "pap-only-credential";
    case RejectReason::kNoCredentials: return "no-credentials";
    case RejectReason::kMalformed: return "malformed";
    case RejectReason::kPlanMissing: return "plan-missing";
    case RejectReason::kDataQuotaUsedUp: return "data-quota-used-up";
    case RejectReason::kTimeQuotaUsedUp: return "time-quota-used-up";
    case RejectReason::kSuspendedNonPayment: return "suspended-non-payment";
    case RejectReason::kCount: break;
  }
  return "unknown";
}

const char* rejectReasonMessage(RejectReason r) {
  switch (r) {
    case RejectReason::kNone: return "";
    case RejectReason::kUnknownUser: return "Unknown user";
    case RejectReason::kBadPassword: return "Wrong password";
    case RejectReason::kSuspended: return "Account suspended";
    case RejectReason::kDisabled: return "Account disabled";
    case RejectReason::kExpired: return "Account expired";
    case RejectReason::kTooManySessions: return "Too many sessions";
    case RejectReason::kMacMismatch: return "Device not allowed for this account (MAC mismatch)";
    case RejectReason::kMethodNotAllowed: return "Authentication method not allowed";
    case RejectReason::kPapOnlyCredential: return "Password stored as an imported hash (crypt/MD5/SHA): PAP only";
    case RejectReason::kNoCredentials: return "No credentials in request";
    case RejectReason::kMalformed: return "Malformed credentials";
    case RejectReason::kPlanMissing: return "Account has no valid plan";
    case RejectReason::kDataQuotaUsedUp: return "Data quota used up for this period; top up to continue";
    case RejectReason::kTimeQuotaUsedUp: return "Time quota used up for this period; top up to continue";
    case RejectReason::kSuspendedNonPayment: return "Suspended for non-payment";
    case RejectReason::kCount: break;
  }
  return "Rejected";
}

const char* rejectReplyMessage(RejectReason r) {
  if (r == RejectReason::kUnknownUser || r == RejectReason::kBadPassword) return "Wrong username or password";
  // The client learns no more than for any method the subscriber's stored form lacks; the operator
  // reads the precise reason (counter, log, explain).
  if (r == RejectReason::kPapOnlyCredential) return rejectReasonMessage(RejectReason::kMethodNotAllowed);
  return rejectReasonMessage(r);
}

namespace {

Decision reject(RejectReason reason, AuthMethod method, const Subscriber* s = nullptr) {
  Decision d;
  d.reason = reason;
  d.method = method;
  d.subscriber = s;
  return d;
}

const uint8_t* bytes(std::string_view v) { return reinterpret_cast<const uint8_t*>(v.data()); }

bool hasPassword(const Subscriber& s) { return !s.cleartext.empty() || s.ntHash.has_value() || !s.papHash.empty(); }

// The form of the request: MAC authentication (MikroTik, Wi-Fi controllers) puts the client's MAC
// in User-Name and leaves the password empty, absent or the MAC again. That form is only a claim:
// authorize() grants it to a subscriber without a password, and only from that very station.
bool macForm(const AccessRequestView& r, const std::optional<auth::MacAddress>& nameMac) {
  if (!nameMac) return false;
  if (!r.userPassword || r.userPassword->empty()) return true;
  std::optional<auth::MacAddress> passwordMac = auth::parseMac(*r.userPassword);
  return passwordMac && *passwordMac == *nameMac;
}

// The method the request asks for, given the subscriber it names (nullptr: unknown). A subscriber
// with a password is always asked for it: a MAC-shaped or empty password is just a wrong one
// (a phone number such as 254712345678 parses as a MAC, and must not unlock its account).
AuthMethod methodOf(const AccessRequestView& r, const Subscriber* s, const std::optional<auth::MacAddress>& nameMac) {
  if (r.msChap2Response && r.msChapChallenge) return AuthMethod::kMsChapV2;
  if (r.chapPassword) return AuthMethod::kChap;
  if (macForm(r, nameMac) && (s == nullptr || !hasPassword(*s))) return AuthMethod::kMac;
  if (r.userPassword) return AuthMethod::kPap;
  return AuthMethod::kNone;
}

}  // namespace

int64_t periodAnchorAt(const Subscriber& s, int64_t now) { return s.firstLogin != 0 ? s.firstLogin : now; }

namespace {
void shorten(uint32_t& timeout, int64_t left) {
  if (left < 1) left = 1;
  if (timeout == 0 || left < static_cast<int64_t>(timeout)) timeout = static_cast<uint32_t>(std::min<int64_t>(left, UINT32_MAX));
}
}  // namespace

namespace {
RejectReason evaluateRules(const Subscriber& s, const Plan& plan, int64_t now, const QuotaLookup& quota, Decision& d);
}  // namespace

RejectReason evaluateBilling(const Subscriber& s, const Plan& plan, int64_t now, const QuotaLookup& quota,
                             Decision& d) {
  RejectReason r = evaluateRules(s, plan, now, quota, d);
  d.rate = dunnedRate(s, d.rate);
  return r;
}

namespace {
RejectReason evaluateRules(const Subscriber& s, const Plan& plan, int64_t now, const QuotaLookup& quota, Decision& d) {
  const billing::BillingRules& rules = plan.billing;
  billing::Rate base{plan.downBps, plan.upBps};
  d.rate = base;
  d.firstLogin = s.firstLogin == 0;
  uint64_t validity = s.validitySeconds != 0 ? s.validitySeconds : rules.validitySeconds;
  bool billed = rules.hasQuota() || !rules.windows.empty() || validity != 0;
  if (!billed) return RejectReason::kNone;
  d.billed = true;
  if (validity != 0) {
    d.validUntil = periodAnchorAt(s, now) + static_cast<int64_t>(validity);
    if (d.validUntil <= now) return RejectReason::kExpired;
    shorten(d.sessionTimeout, d.validUntil - now);
  }
  d.period = billing::periodAt(rules.period, now, periodAnchorAt(s, now));
  if (quota) d.usage = quota(s.username, d.period.start);
  d.quota = billing::evaluate(rules, base, d.usage, now);
  d.rate = d.quota.rate;
  if (!d.quota.allow)
    return d.quota.reason.rfind("time", 0) == 0 ? RejectReason::kTimeQuotaUsedUp : RejectReason::kDataQuotaUsedUp;
  if (d.quota.remainingSeconds) shorten(d.sessionTimeout, static_cast<int64_t>(*d.quota.remainingSeconds));
  return RejectReason::kNone;
}
}  // namespace

namespace {
// Everything after the credential: account state, MAC binding, plan, sessions, billing.
Decision accountDecision(const Subscriber& sub, AuthMethod method, std::optional<std::string_view> callingStationId,
                         const Snapshot& snapshot, int64_t now, const SessionCount& sessions, const QuotaLookup& quota,
                         const std::optional<auth::MsChapV2Accept>& msChap) {
  const Subscriber* s = &sub;
  if (s->status == SubscriberStatus::kSuspended) return reject(RejectReason::kSuspended, method, s);
  if (s->status == SubscriberStatus::kDisabled) return reject(RejectReason::kDisabled, method, s);
  if (s->expiresAt != 0 && s->expiresAt <= now) return reject(RejectReason::kExpired, method, s);
  if (s->dunning == Dunning::kSuspend) return reject(RejectReason::kSuspendedNonPayment, method, s);
  if (s->mac) {
    std::optional<auth::MacAddress> calling;
    if (callingStationId) calling = auth::parseMac(*callingStationId);
    if (!calling || *calling != *s->mac) return reject(RejectReason::kMacMismatch, method, s);
  }
  const Plan* plan = snapshot.findPlan(s->planId);
  if (plan == nullptr) return reject(RejectReason::kPlanMissing, method, s);
  if (plan->maxSessions != 0 && sessions && sessions(s->username) >= plan->maxSessions)
    return reject(RejectReason::kTooManySessions, method, s);

  Decision d;
  d.accept = true;
  d.method = method;
  d.subscriber = s;
  d.plan = plan;
  d.sessionTimeout = plan->sessionTimeout;
  if (s->expiresAt != 0) {
    int64_t left = s->expiresAt - now;
    if (d.sessionTimeout == 0 || left < static_cast<int64_t>(d.sessionTimeout)) d.sessionTimeout = static_cast<uint32_t>(left);
  }
  d.msChapV2 = msChap;
  RejectReason billing = evaluateBilling(*s, *plan, now, quota, d);
  if (billing != RejectReason::kNone) {
    d.accept = false;
    d.reason = billing;
    d.msChapV2.reset();
  }
  if (d.accept && s->dunning == Dunning::kWalled) d.walled = &snapshot.settings.walled;
  return d;
}
}  // namespace

Decision authorize(const AccessRequestView& r, const Snapshot& snapshot, int64_t now, const SessionCount& sessions,
                   const QuotaLookup& quota) {
  const PolicySettings& settings = snapshot.settings;
  // Usernames that parse as a MAC are stored in the canonical form (aa:bb:cc:dd:ee:ff), whatever the
  // NAS sends; one stored under its own spelling (older data, a sync) is found too.
  const std::optional<auth::MacAddress> nameMac = auth::parseMac(r.userName);
  const Subscriber* s = nullptr;
  if (nameMac) s = snapshot.findSubscriber(auth::formatMac(*nameMac));
  if (s == nullptr) s = snapshot.findSubscriber(r.userName);

  AuthMethod method = methodOf(r, s, nameMac);
  if (method == AuthMethod::kNone) return reject(RejectReason::kNoCredentials, method);
  bool allowed = (method == AuthMethod::kPap && settings.pap) || (method == AuthMethod::kChap && settings.chap) ||
                 (method == AuthMethod::kMsChapV2 && settings.msChapV2) || (method == AuthMethod::kMac && settings.mac);
  if (!allowed) return reject(RejectReason::kMethodNotAllowed, method);
  if (s == nullptr) return reject(RejectReason::kUnknownUser, method);

  // Credentials first: account state is only revealed to someone who knows the password.
  auth::Credentials creds;
  creds.ntHash = s->ntHash;
  if (!s->cleartext.empty()) creds.cleartext = s->cleartext;
  creds.papHash = s->papHash;
  std::optional<auth::MsChapV2Accept> msChap;
  switch (method) {
    case AuthMethod::kPap:
      if (!hasPassword(*s) || !auth::papMatches(*r.userPassword, creds)) return reject(RejectReason::kBadPassword, method, s);
      break;
    case AuthMethod::kChap: {
      if (s->cleartext.empty())
        return reject(s->papHash.empty() ? RejectReason::kMethodNotAllowed : RejectReason::kPapOnlyCredential, method, s);
      const uint8_t* challenge = r.chapChallenge ? bytes(*r.chapChallenge) : r.requestAuthenticator;
      size_t challengeLen = r.chapChallenge ? r.chapChallenge->size() : 16;
      if (r.chapPassword->size() != auth::kChapPasswordLength) return reject(RejectReason::kMalformed, method, s);
      if (!auth::chapPasswordMatches(bytes(*r.chapPassword), r.chapPassword->size(), challenge, challengeLen,
                                     s->cleartext))
        return reject(RejectReason::kBadPassword, method, s);
      break;
    }
    case AuthMethod::kMsChapV2: {
      if (!s->ntHash)
        return reject(s->papHash.empty() ? RejectReason::kMethodNotAllowed : RejectReason::kPapOnlyCredential, method, s);
      auth::MsChapV2Accept accepted;
      auth::MsChapV2Verdict v =
          auth::verifyMsChapV2(bytes(*r.msChap2Response), r.msChap2Response->size(), bytes(*r.msChapChallenge),
                               r.msChapChallenge->size(), r.userName, *s->ntHash, &accepted);
      if (v == auth::MsChapV2Verdict::kMalformed) return reject(RejectReason::kMalformed, method, s);
      if (v != auth::MsChapV2Verdict::kAccept) return reject(RejectReason::kBadPassword, method, s);
      msChap = accepted;
      break;
    }
    case AuthMethod::kMac: {
      // The MAC is the credential, so it must be the station's own: the NAS saw it on the wire
      // (Calling-Station-Id). A User-Name alone is whatever the client typed.
      std::optional<auth::MacAddress> calling;
      if (r.callingStationId) calling = auth::parseMac(*r.callingStationId);
      if (!calling || *calling != *nameMac) return reject(RejectReason::kMacMismatch, method, s);
      break;
    }
    case AuthMethod::kNone:
    case AuthMethod::kEapTls:  // never a plain request's method (methodOf does not return it)
      break;
  }

  return accountDecision(*s, method, r.callingStationId, snapshot, now, sessions, quota, msChap);
}

Decision authorizeCertificate(std::string_view name, std::optional<std::string_view> callingStationId,
                              const Snapshot& snapshot, int64_t now, const SessionCount& sessions,
                              const QuotaLookup& quota) {
  const Subscriber* s = snapshot.findSubscriber(name);
  if (s == nullptr) return reject(RejectReason::kUnknownUser, AuthMethod::kEapTls);
  return accountDecision(*s, AuthMethod::kEapTls, callingStationId, snapshot, now, sessions, quota, std::nullopt);
}

Decision authorizeProven(std::string_view username, AuthMethod method, std::optional<std::string_view> callingStationId,
                         const Snapshot& snapshot, int64_t now, const SessionCount& sessions, const QuotaLookup& quota) {
  const PolicySettings& settings = snapshot.settings;
  bool allowed = (method == AuthMethod::kPap && settings.pap) || (method == AuthMethod::kMsChapV2 && settings.msChapV2);
  if (!allowed) return reject(RejectReason::kMethodNotAllowed, method);
  const Subscriber* s = snapshot.findSubscriber(username);
  if (s == nullptr) return reject(RejectReason::kUnknownUser, method);
  return accountDecision(*s, method, callingStationId, snapshot, now, sessions, quota, std::nullopt);
}

}  // namespace aaa::policy
