// The shadow check (issue 30, ADR 0050): replay Access-Requests for a sample of imported subscribers
// to the ISP's running RADIUS server and to our box, and compare what each decided and the reply
// attributes that matter, listing every difference and whether the dry run predicted it.
//
// - Who: the importable subscribers of the ImportPlan (the same source, read again) that have a
//   cleartext password (a hash cannot be replayed: such subscribers are counted as skipped), a
//   sample of `sample` of them chosen by `seed` (the same seed, the same sample).
// - What: PAP for each, and CHAP too (the source has the cleartext); Calling-Station-Id is the
//   subscriber's bound MAC when it has one. Every request carries Message-Authenticator and checks
//   the one in the answer (BlastRADIUS).
// - Compared: Accept/Reject, and from an Accept the rate (Mikrotik-Rate-Limit or
//   WISPr-Bandwidth-Max-Down/-Up, as down/up bit/s), Session-Timeout, Idle-Timeout,
//   Framed-IP-Address, Acct-Interim-Interval. Session-Timeouts within `sessionSlackSeconds` are the
//   same (an expiry counted down between the two answers).
// - Predicted: a difference the dry run foretold for that subscriber (a warning naming the
//   attribute, "PAP only" for a CHAP reject, a default plan in place of the source's values), or the
//   source giving no Acct-Interim-Interval where our plan sends its default. Anything else is NOT
//   predicted (a DEFAULT that depends on the request, which the import applies to nobody, shows
//   here as unpredicted differences: the report's file-wide warnings name it).
// - Bounded: at most `ratePerSecond` requests per second to each server (default 10), requests in
//   turn, never in parallel; each retried twice within `timeoutMs`.
// Uses the repository's RADIUS codec (aaa/radius/packet.h) and CHAP (aaa/auth/chap.h).
#pragma once

#include <cstdint>
#include <functional>
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
  std::string dictionary = "/usr/share/freeradius";
};

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

// Runs the check; InvalidArgument for bad options (rate, sample, addresses, secrets), and the
// dictionary's error when it cannot be loaded. `progress` gets a line now and then.
core::Result<VerifyReport> shadowCheck(const ImportPlan& plan, const VerifyOptions& options,
                                       const std::function<void(const std::string&)>& progress = {});

core::Json verifyJson(const VerifyReport& report);
std::string verifyText(const VerifyReport& report);

inline constexpr size_t kMaxVerifySample = 10000;
inline constexpr double kMaxVerifyRate = 100;

}  // namespace importer
