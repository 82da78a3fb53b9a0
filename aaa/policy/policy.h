// Authorization as a pure function: authorize(request, snapshot, now) -> Decision.
//
// Contract: no I/O, no clock, no globals, no allocation beyond the Decision; the same inputs give
// the same Decision. The caller decodes the request, resolves the NAS, and renders the Decision into
// a reply for the NAS's vendor (aaa/radius/reply.h). The reject reason is for the Reply-Message, a
// counter and the log line; it never carries a password.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "aaa/auth/mschap.h"
#include "aaa/policy/model.h"
#include "aaa/policy/snapshot.h"

namespace aaa::policy {

enum class AuthMethod : uint8_t { kNone, kPap, kChap, kMsChapV2, kMac, kEapTls };
const char* authMethodName(AuthMethod m);

enum class RejectReason : uint8_t {
  kNone = 0,
  kUnknownUser,
  kBadPassword,
  kSuspended,
  kDisabled,
  kExpired,
  kTooManySessions,
  kMacMismatch,
  kMethodNotAllowed,   // the request's method is disabled on this box (or the credentials lack its form)
  kNoCredentials,      // no User-Password, CHAP-Password, MS-CHAP or MAC-auth form
  kMalformed,          // e.g. MS-CHAP2-Response of the wrong length
  kPlanMissing,        // the subscriber's plan is gone: a data error, never the subscriber's fault
  kDataQuotaUsedUp,    // the period's data quota or a block/redirect fair-use tier is reached
  kTimeQuotaUsedUp,    // the period's online time is used up
  kPapOnlyCredential,  // CHAP/MS-CHAP for a subscriber whose password is an imported hash (ADR 0045)
  kSuspendedNonPayment,  // dunning "suspend" (ADR 0048)
  kCount
};
const char* rejectReasonName(RejectReason r);     // "unknown-user": counter label and log
const char* rejectReasonMessage(RejectReason r);  // "Unknown user": what the operator reads (explain)
// What the Reply-Message tells the person logging in: the same words for an unknown user and a
// wrong password, so the reply does not say which usernames exist.
const char* rejectReplyMessage(RejectReason r);

// The parts of an Access-Request that authorization reads. Views point into the decoded packet.
struct AccessRequestView {
  std::string_view userName;
  std::optional<std::string_view> userPassword;         // decrypted
  std::optional<std::string_view> chapPassword;         // 17 octets: ident + response
  std::optional<std::string_view> chapChallenge;        // else the Request Authenticator is used
  std::optional<std::string_view> msChapChallenge;
  std::optional<std::string_view> msChap2Response;
  std::optional<std::string_view> callingStationId;
  const uint8_t* requestAuthenticator = nullptr;        // 16 octets
};

struct Decision {
  bool accept = false;
  RejectReason reason = RejectReason::kNone;
  AuthMethod method = AuthMethod::kNone;
  const Subscriber* subscriber = nullptr;  // valid as long as the snapshot
  const Plan* plan = nullptr;
  uint32_t sessionTimeout = 0;  // plan's, shortened to the expiry, validity and time quota; 0 = none
  std::optional<auth::MsChapV2Accept> msChapV2;  // MS-CHAP2-Success value and MPPE keys
  billing::Rate rate;           // the rate in force: the plan's, a fair-use tier's or a window's

  // Billing state, when the plan has quotas, fair use, windows or a validity (what `subscriber
  // explain` shows, and what the reply's remaining-quota attributes come from).
  bool billed = false;
  billing::Interval period;     // the billing period holding now
  billing::QuotaUsage usage;    // the period's counters and top-ups
  billing::QuotaDecision quota; // tier, window, remaining octets and seconds
  int64_t validUntil = 0;       // end of the validity (first login + validity); 0 = none
  bool firstLogin = false;      // an accept of a subscriber who never logged in: validity starts now

  // An accept of a walled subscriber (dunning, ADR 0048): the walled-garden attributes its reply
  // carries (the snapshot's settings; valid as long as the snapshot). nullptr = not walled.
  const PolicySettings::Walled* walled = nullptr;
};

// Counts the subscriber's open sessions (the session ledger provides it); absent = no limit check.
using SessionCount = std::function<uint32_t(std::string_view username)>;

// The subscriber's counters in a billing period (billing::QuotaBook provides them); absent = the
// period counts as unused.
using QuotaLookup = std::function<billing::QuotaUsage(std::string_view username, int64_t periodStart)>;

// The period anchor of `s` as of `now`: a subscriber who never logged in starts now.
int64_t periodAnchorAt(const Subscriber& s, int64_t now);

// The billing part of a decision for an accepted subscriber on `plan` (sets rate, billed, period,
// usage, quota, validUntil, firstLogin; shortens sessionTimeout). Returns the reject reason, or
// kNone. Also used for CoA after a counter moved. The rate is the dunned one (dunning.h) while the
// subscriber is throttled or walled.
RejectReason evaluateBilling(const Subscriber& s, const Plan& plan, int64_t now, const QuotaLookup& quota,
                             Decision& d);

// The accepted methods come from snapshot.settings (config radius.auth-methods).
Decision authorize(const AccessRequestView& request, const Snapshot& snapshot, int64_t nowUnix,
                   const SessionCount& sessions = {}, const QuotaLookup& quota = {});

// EAP-TLS: the credential is a client certificate the TLS layer has already verified against the
// operator's CA and CRL (aaa/eap/tls_tunnel.h); `certificateName` is its subject CN, which names
// the subscriber. Everything after the credential (account state, MAC binding, plan, sessions,
// quotas) is decided as in authorize(). Only the EAP server calls this, after a verified handshake.
Decision authorizeCertificate(std::string_view certificateName, std::optional<std::string_view> callingStationId,
                              const Snapshot& snapshot, int64_t nowUnix, const SessionCount& sessions = {},
                              const QuotaLookup& quota = {});

// EAP: the subscriber `username` proved its credential by `method` (PAP or MS-CHAPv2) earlier in
// this EAP conversation, or in the TLS session it resumes (aaa/eap/resumption.h, which checks the
// credential is unchanged). Decided now, as authorize() would after the credential: the method must
// still be enabled, then account state, MAC binding, plan, sessions and quotas.
Decision authorizeProven(std::string_view username, AuthMethod method, std::optional<std::string_view> callingStationId,
                         const Snapshot& snapshot, int64_t nowUnix, const SessionCount& sessions = {},
                         const QuotaLookup& quota = {});

}  // namespace aaa::policy
