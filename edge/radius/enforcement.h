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
  // A CoA changes the rate and nothing else: no Session-Timeout or Idle-Timeout. NASes read a
  // Session-Timeout in a CoA differently (from the session's start, as the Access-Accept's and our
  // gateway's, or from the CoA), so a new bound (a time or validity top-up, a plan's new
  // session-timeout) takes effect at the subscriber's next login, from its Access-Accept; a used-up
  // time quota or validity ends the session with a Disconnect (kind) or at the old Session-Timeout.
  aaa::radius::RateLimit rate;
  std::string why;  // for the log: "fair-use tier 2", "data quota used up", "top-up", ...
};

// A dunning change of a subscriber on the box (ADR 0048), published on the daemon's event bus for
// its event log (edgectl events --kind dunning): the new state, then each CoA or Disconnect result
// it caused on the subscriber's live sessions.
struct DunningEvent {
  std::string kind;    // "dunning" (the state changed) or "dunning-coa" (a CoA's or Disconnect's result)
  std::string detail;  // "alice: throttled to 512k/256k for non-payment; CoA for the live sessions"
};

}  // namespace edge
