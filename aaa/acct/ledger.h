// The session ledger: the single truth about who is online and how much they used.
//
// Tables (accounting database, migrations below): `sessions` (one row per live session, keyed by a
// unique id derived like FreeRADIUS' Acct-Unique-Session-Id), `session_history` (closed sessions
// with their close reason), `usage_journal` (append-only usage deltas with a per-box sequence
// number: what quotas, billing and sync read).
//
// Idempotency, the property everything rests on: a session's counters are cumulative (RFC 2866
// 5.3-5.4), and a change is journaled as the difference between the new totals and the recorded
// ones, computed in the same transaction that records the new totals. A retransmitted, replayed or
// out-of-order request therefore adds nothing twice, whether it arrives seconds later or after a
// crash and restart.
//
// Functions run inside a Writer job (core/store.h) on the accounting database's writing connection,
// except the read functions, which take a read connection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/store.h"

namespace aaa::acct {

enum StatusType : uint32_t {
  kStart = 1,
  kStop = 2,
  kInterimUpdate = 3,
  kAccountingOn = 7,
  kAccountingOff = 8,
};

const char* statusTypeName(uint32_t statusType);
// RFC 2866 5.10 Acct-Terminate-Cause as a lower-case name ("user-request", "lost-carrier", ...).
std::string terminateCauseName(uint32_t cause);

// Hex of MD5 over the NAS name, Acct-Session-Id, NAS-Port and NAS-Port-Id: stable for one session
// of one NAS, different across NAS clients that reuse session ids.
std::string sessionUid(const std::string& nas, const std::string& acctSessionId, uint32_t nasPort,
                       const std::string& nasPortId);

struct Counters {
  uint64_t inputOctets = 0;
  uint64_t outputOctets = 0;
  uint64_t inputPackets = 0;
  uint64_t outputPackets = 0;
  uint32_t sessionTime = 0;
};

// One accounting request, as the ledger needs it (owned: it crosses to the writer thread).
struct AcctRecord {
  uint32_t statusType = 0;
  std::string uid;
  std::string acctSessionId;
  std::string username;
  std::string nas;
  std::string nasAddress;  // where the request came from: the CoA/Disconnect target
  uint32_t nasPort = 0;
  std::string nasPortId;
  std::string framedIp;
  std::string callingStationId;
  uint32_t terminateCause = 0;
  int64_t eventTime = 0;   // when it happened (Event-Timestamp, or arrival minus Acct-Delay-Time)
  int64_t staleAfter = 0;  // seconds without an update after which the session is stale
  Counters counters;
};

struct SessionRow {
  std::string uid;
  std::string acctSessionId;
  std::string username;
  std::string nas;
  std::string nasAddress;
  uint32_t nasPort = 0;
  std::string nasPortId;
  std::string framedIp;
  std::string callingStationId;
  int64_t started = 0;
  int64_t updated = 0;
  int64_t stopped = 0;     // history only
  std::string state;       // live: active | disconnecting; history: closed
  std::string closeReason; // history only
  Counters counters;
};

// What a committed change did, for the in-memory session counts and the events.
struct LedgerChange {
  std::vector<std::string> opened;  // usernames of sessions that became live
  std::vector<std::string> closed;  // usernames of sessions that were closed
  uint64_t journaled = 0;           // usage rows appended
};

const std::vector<core::Migration>& migrations();

core::Status apply(core::Database& db, const AcctRecord& record, LedgerChange* change);
// Closes every live session of `nas` (Accounting-On/Off: the NAS restarted or stops).
core::Status closeNasSessions(core::Database& db, const std::string& nas, int64_t now, const std::string& reason,
                              LedgerChange* change);
// Sessions without an update for their stale time, or whose disconnect grace ran out without a Stop:
// found on a read connection (a scan of the live table), so the writer never scans.
core::Result<std::vector<std::string>> expiredSessions(core::Database& db, int64_t now, int64_t limit);
// Closes the given sessions if they are still expired when the writer gets to them: "stale", or
// "admin-disconnect" after a Disconnect-ACK without Stop.
core::Status closeExpired(core::Database& db, const std::vector<std::string>& uids, int64_t now,
                          LedgerChange* change);
// After a Disconnect-ACK: the session closes when the NAS sends its Stop, or at `deadline`.
core::Status markDisconnecting(core::Database& db, const std::string& uid, int64_t deadline);

// Reads.
core::Result<std::vector<SessionRow>> liveSessions(core::Database& db, const std::string& username,
                                                   const std::string& nas);
core::Result<SessionRow> findSession(core::Database& db, const std::string& uidOrPrefix);
core::Result<std::vector<SessionRow>> sessionHistory(core::Database& db, const std::string& username, int64_t limit);
// Usage deltas of `username` between [from, to) from the journal.
core::Result<Counters> usageBetween(core::Database& db, const std::string& username, int64_t from, int64_t to);
core::Result<std::vector<std::pair<std::string, uint32_t>>> liveSessionCounts(core::Database& db);

}  // namespace aaa::acct
