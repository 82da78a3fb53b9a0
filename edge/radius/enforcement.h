// The quota event of the accounting -> CoA path (issue 20 item 5): what billing decided for a
// subscriber's live sessions, decided once (QuotaService, from billing/rating), carried to the
// session side that sends it (a CoA-Request with the new rate, or a Disconnect-Request) without
// evaluating billing again or reading the sessions back with SQL.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aaa/radius/dynauth_client.h"
#include "aaa/radius/reply.h"

namespace edge {

// What identifies a live session to its NAS (RFC 5176 3) and in the ledger: the fields of
// aaa::acct::SessionRow that a CoA or Disconnect needs.
struct EnforcedSession {
  std::string uid;            // the ledger's unique id (Acct-Unique-Session-Id)
  std::string acctSessionId;  // the NAS's Acct-Session-Id
  std::string nas;            // NAS client name
  std::string nasAddress;     // where the NAS listens for CoA (its source address)
  std::string framedIp;
  std::string callingStationId;
};

struct Enforcement {
  std::string username;
  // The sessions concerned, as the ledger knew them when the event was decided. Empty: every live
  // session of `username` at the time it is sent (a command's event, e.g. a top-up).
  std::vector<EnforcedSession> sessions;
  aaa::radius::DynAuthKind kind = aaa::radius::DynAuthKind::kCoa;
  // CoA only: the rate in force from now on (a fair-use tier's or window's, without burst; or the
  // plan's own, whose burst aaa::radius::renderRate adds back when the rate equals the plan's).
  aaa::radius::RateLimit rate;
  // CoA only, when the quota also bounds the session: seconds left (0 = unchanged / none).
  uint32_t sessionTimeout = 0;
  uint32_t idleTimeout = 0;
  std::string why;  // for the log: "fair-use tier 2", "data quota used up", "top-up", ...
};

}  // namespace edge
