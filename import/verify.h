// The shadow check (issue 30, ADR 0050): replay Access-Requests for a sample of imported subscribers
// to the ISP's running RADIUS server and to our box, and compare what each decided and the reply
// attributes that matter, listing every difference and whether the dry run predicted it.
//
// - Who: the importable subscribers of the ImportPlan (the same source, read again) that have a
//   cleartext password, or one given in `passwords` (a hash alone cannot be replayed: the others
//   are counted as skipped), a sample of `sample` of them chosen by `seed` (the same seed, the same
//   sample).
// - What: PAP for each, and CHAP too (the source has the cleartext); Calling-Station-Id is the
//   subscriber's bound MAC when it has one. Every request carries Message-Authenticator and checks
//   the one in the answer (BlastRADIUS).
// - Compared: Accept/Reject, and from an Accept the rate (Mikrotik-Rate-Limit or
//   WISPr-Bandwidth-Max-Down/-Up, as down/up bit/s), Session-Timeout, Idle-Timeout,
//   Framed-IP-Address, Acct-Interim-Interval. Session-Timeouts within `sessionSlackSeconds` are the
//   same (an expiry counted down between the two answers).
// - Predicted: a difference the dry run foretold for that subscriber (a warning naming the
//   attribute or its rate, "PAP only" for a CHAP reject of a hash-kept password, a default plan in
//   place of the source's values), or the
//   source giving no Acct-Interim-Interval where our plan sends its default. Anything else is NOT
//   predicted (a DEFAULT that depends on the request, which the import applies to nobody, shows
//   here as unpredicted differences: the report's file-wide warnings name it).
// - Bounded: at most `ratePerSecond` requests per second to each server (default 10), requests in
//   turn, never in parallel; each retried twice within `timeoutMs`.
// The exchange itself is a RadiusAsk: import/radius_client.h is the one on the wire (for edgectl and
// mgmtctl alike, ADR 0060), and unit tests give a fake.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/status.h"
#include "import/mapping.h"

namespace importer {

struct RadiusServer {
  std::string host;  // numeric IPv4 or IPv6
  uint16_t port = 1812;
  std::string secret;
};

struct VerifyOptions {
  RadiusServer theirs, ours;
  size_t sample = 50;
  uint64_t seed = 1;
  double ratePerSecond = 10;
  int timeoutMs = 3000;
  std::string nasIp = "127.0.0.1";  // NAS-IP-Address in the requests
  bool chap = true;
  int64_t sessionSlackSeconds = 120;
  // Known passwords of subscribers the source keeps only as a hash (test accounts, or ones the
  // ISP's staff know): such subscribers are replayed too, with these.
  std::map<std::string, std::string> passwords;
};

// One Access-Request as the check means it, and the answer as it compares it.
struct VerifyRequest {
  std::string username, password;
  std::string method;  // PAP | CHAP
  std::string mac;     // Calling-Station-Id, when the subscriber is bound to one
  std::string nasIp;
};
struct VerifyAnswer {
  std::string decision;  // Access-Accept | Access-Reject | Access-Challenge
  // From an Accept: "rate" ("10M down / 5M up", whichever vendor attribute carried it),
  // "Session-Timeout", "Idle-Timeout", "Acct-Interim-Interval" (seconds), "Framed-IP-Address".
  std::map<std::string, std::string> attrs;
};
// Sends one request to one server and returns its verified answer; an error for no (verified)
// answer within timeoutMs.
using RadiusAsk =
    std::function<core::Result<VerifyAnswer>(const RadiusServer& server, const VerifyRequest& request, int timeoutMs)>;

struct VerifyDifference {
  std::string username;
  std::string method;  // PAP | CHAP
  std::string what;    // "decision" | an attribute name | "rate"
  std::string theirs, ours;
  bool predicted = false;
  std::string why;     // the prediction, when predicted
};

struct VerifyReport {
  int subscribers = 0;  // sampled
  int requests = 0;     // to each server
  int agreed = 0;       // requests whose answers matched
  int skipped = 0;      // importable subscribers without a cleartext password
  std::vector<VerifyDifference> differences;
  std::vector<std::string> errors;  // timeouts, bad answers (per request)
};

// Runs the check through `ask`; InvalidArgument for bad options (rate, sample, addresses, secrets).
// `progress` gets a line now and then.
core::Result<VerifyReport> shadowCheck(const ImportPlan& plan, const VerifyOptions& options, const RadiusAsk& ask,
                                       const std::function<void(const std::string&)>& progress = {});

core::Json verifyJson(const VerifyReport& report);
std::string verifyText(const VerifyReport& report);

inline constexpr size_t kMaxVerifySample = 10000;
inline constexpr double kMaxVerifyRate = 100;

}  // namespace importer
