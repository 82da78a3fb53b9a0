// The wire types of the device API between the appliance (client) and the management plane
// (server): one definition for both ends, so they cannot drift. Every type turns into JSON and back
// (tests/core/sync_wire_test.cpp round-trips each one); fromJson errors name the field. Each type's
// keys are declared once, in a field table in sync_wire.cpp that both directions are made from.
//
// Device API (HTTPS; every path but /v1/ca and /v1/enroll requires the device's client certificate,
// and the device's identity always comes from that certificate, never from the request):
//   GET  /v1/ca                      the mgmt CA certificate (PEM), compared with the claim's pin
//   POST /v1/enroll   EnrollRequest  -> EnrollResponse   (claim secret + CSR)
//   POST /v1/renew    RenewRequest   -> RenewResponse    (a new CSR before the certificate expires)
//   POST /v1/checkin  CheckinRequest -> CheckinResponse  (reported state -> desired state, commands)
//   GET  /v1/changes?cursor=N&limit=M -> ChangePage      (the tenant's plans and subscribers)
//   POST /v1/usage    UsageBatch     -> UsageAck         (usage journal rows and closed-session
//                                                         summaries, idempotent by seq and id)
//   POST /v1/events   EventBatch     -> EventAck         (changes made on the box, tech actions)
//   POST /v1/results  CommandResult  -> {}               (outcome of a command from a check-in)
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "core/status.h"

namespace core::sync {

// The name in mgmt's server certificate; the box checks it (core/https_client.h serverName).
inline constexpr const char* kServerName = "edge-mgmt";

// What `mgmtctl claim create` prints: "edge1." + base64url(JSON {url, ca, secret}).
struct ClaimToken {
  std::string url;            // the device API, https://host:port
  std::string caFingerprint;  // SHA-256 of the mgmt CA certificate (lowercase hex)
  std::string secret;
};
std::string encodeClaimToken(const ClaimToken& token);
Result<ClaimToken> decodeClaimToken(const std::string& text);

struct EnrollRequest {
  std::string secret;    // the claim token's secret
  std::string csr;       // PEM, made on the box with its own key
  std::string hostname;
  std::string version;
  // The box's EAP server certificate request (ADR 0069): a CSR (PEM) of a second key made on the box
  // for EAP, or "" when the box wants none (EAP off, or an operator's own certificate installed).
  std::string eapCsr;
};

struct EnrollResponse {
  std::string deviceId;
  std::string tenantId;
  std::string tenantName;
  std::string certificate;    // PEM, valid 90 days
  std::string caCertificate;  // PEM
  std::string license;        // the signed license document (core/license.h)
  std::string licenseKey;     // the public key licenses are verified with (PEM)
  int64_t pollInterval = 60;  // seconds
  // For an eapCsr: the EAP server certificate (PEM, the mgmt CA's, serverAuth, subjectAltName dNSName
  // eapName, as long as the device certificate) and the name phones check; "" when none was asked for.
  std::string eapCertificate;
  std::string eapName;
};

struct RenewRequest {
  std::string csr;
  std::string eapCsr;  // as in EnrollRequest: "" = no EAP certificate wanted
};
struct RenewResponse {
  std::string certificate;
  std::string eapCertificate;  // as in EnrollResponse
  std::string eapName;
};

// The sessions open on the box at a check-in through one NAS client (ADR 0074): mgmt counts their
// subscribers in an outage's impact (a silent box; an unreachable device serving that NAS).
struct LiveNas {
  std::string nas;                 // the NAS client's name on the box
  std::vector<std::string> users;  // usernames with a session open through it (each once, sorted)
};
// Bounds of CheckinRequest::live: mgmt refuses a check-in past them (fromJson names the field), the
// box keeps within them (groupLiveSessions counts what it leaves out).
inline constexpr size_t kMaxLiveSessions = 20000;   // usernames in all
inline constexpr size_t kMaxLiveBytes = 512 * 1024; // of usernames (the box counts them as JSON strings)
inline constexpr size_t kMaxLiveName = 253;         // bytes of one username or NAS name (RFC 2865 5.1)

struct CheckinRequest {
  std::string version;
  int64_t uptime = 0;          // seconds
  int64_t clock = 0;           // the box's Unix time
  int64_t subscribers = 0;
  int64_t sessions = 0;
  int64_t backlog = 0;         // usage rows and events not yet uploaded
  std::string licenseId;       // the installed license ("" = none)
  std::string licenseState;    // core::licenseStateName
  int64_t cursor = 0;          // the change cursor the box has applied
  Json health = Json::object();  // free-form health figures (disk, alerts, apply errors)
  // The sessions open now, by NAS (ADR 0074), and how many the box left out to stay in the bounds.
  std::vector<LiveNas> live;
  int64_t liveOmitted = 0;
};

// The box's open sessions as (NAS, username) pairs grouped for a check-in: by NAS then username,
// each pair once; an empty username, a name past kMaxLiveName bytes or not UTF-8, and what would go past
// kMaxLiveSessions usernames or kMaxLiveBytes are left out, and *omitted counts every pair left out.
std::vector<LiveNas> groupLiveSessions(std::vector<std::pair<std::string, std::string>> sessions, int64_t* omitted);

struct Command {
  int64_t id = 0;
  std::string kind;            // "disconnect" (arguments: user)
  Json arguments = Json::object();
};

// A person of the box's tenant who may sign in to the box's technician UI (ADR 0046): mgmt's own
// argon2id PHC string of the password they set on mgmt (core/identity/password.h), never a password.
struct CentralAccount {
  std::string email;
  std::string role;          // the box's rung: "technician" or "admin"
  std::string passwordHash;  // "$argon2id$v=19$..."
};

struct CheckinResponse {
  int64_t pollInterval = 60;
  int64_t serverTime = 0;
  int64_t cursor = 0;          // the tenant's newest change: the box pulls when it is behind
  std::string license;         // a newer signed license, or ""
  std::string desiredVersion;  // firmware the box should run ("" = no opinion)
  bool renewCertificate = false;
  std::vector<Command> commands;
  // The tenant's central technicians, all of them each time (a handful): the box replaces its
  // central accounts with them when the version differs from the one it stored. "" (an older mgmt):
  // the box keeps what it has.
  std::string accountsVersion;  // SHA-256 (hex) of the list as sent
  std::vector<CentralAccount> accounts;
};

struct Change {
  std::string kind;            // "plan" or "subscriber"
  std::string name;            // plan name or username
  int64_t version = 0;
  bool deleted = false;
  Json spec = Json::object();  // the plan-add / subscriber-add arguments
};

struct ChangePage {
  int64_t cursor = 0;          // apply the changes, then ask again from here
  bool full = false;           // a full resync: `changes` is everything; records not in it are gone
  bool more = false;           // more changes wait beyond this page
  std::vector<Change> changes;
};

struct UsageRow {
  int64_t seq = 0;             // the box's usage journal sequence
  int64_t at = 0;
  std::string session;         // the session's unique id
  std::string username;
  int64_t inputOctets = 0;
  int64_t outputOctets = 0;
  int64_t sessionTime = 0;
};

// A closed session as the box's ledger summed it up (session_history).
struct SessionSummary {
  int64_t id = 0;              // the box's session_history row id (ascending)
  std::string session;         // the session's unique id
  std::string username;
  std::string nas;
  int64_t started = 0;
  int64_t stopped = 0;
  int64_t inputOctets = 0;
  int64_t outputOctets = 0;
  int64_t sessionTime = 0;
  std::string closeReason;
};

struct UsageBatch {
  std::string idempotencyKey;  // "usage:FIRST-LAST"
  std::vector<UsageRow> rows;  // ascending seq
  std::vector<SessionSummary> sessions;  // closed sessions, ascending id
};

struct UsageAck {
  int64_t watermark = 0;       // every row up to here is stored centrally
  int64_t sessionWatermark = 0;  // every closed session up to this id too
  int64_t accepted = 0;        // rows new in this batch
  int64_t duplicates = 0;      // rows already stored (a replay)
};

struct Event {
  int64_t seq = 0;
  int64_t at = 0;
  std::string kind;            // "subscriber-added", "tech-action", ...
  Json data = Json::object();
};

struct EventBatch {
  std::vector<Event> events;
};

struct EventAck {
  int64_t watermark = 0;
};

struct CommandResult {
  int64_t id = 0;
  bool ok = false;
  std::string text;
};

// Every message type of the wire, for declaring and defining their toJson/fromJson once each.
#define EDGE_SYNC_WIRE_TYPES(X) \
  X(EnrollRequest) \
  X(EnrollResponse) \
  X(RenewRequest) \
  X(RenewResponse) \
  X(LiveNas) \
  X(CheckinRequest) \
  X(Command) \
  X(CentralAccount) \
  X(CheckinResponse) \
  X(Change) \
  X(ChangePage) \
  X(UsageRow) \
  X(SessionSummary) \
  X(UsageBatch) \
  X(UsageAck) \
  X(Event) \
  X(EventBatch) \
  X(EventAck) \
  X(CommandResult)

#define EDGE_SYNC_JSON(T)  \
  Json toJson(const T& v); \
  Result<T> fromJson(const Json& j, T* tag);
EDGE_SYNC_WIRE_TYPES(EDGE_SYNC_JSON)
#undef EDGE_SYNC_JSON

// fromJson<T>(json): the typed form of the overloads above.
template <class T>
Result<T> fromJson(const Json& j) {
  return fromJson(j, static_cast<T*>(nullptr));
}

// Parses a body as JSON (depth- and size-limited, core/json.h) then as T; errors read
// "body: parse error at line 1, column 2: ..." / "field 'csr': expected string".
template <class T>
Result<T> parseBody(std::string_view body, const JsonLimits& limits = {}) {
  Result<Json> j = parseJsonWithComments(body, "body", limits);
  if (!j.isOk()) return j.status();
  return fromJson<T>(*j);
}

}  // namespace core::sync
