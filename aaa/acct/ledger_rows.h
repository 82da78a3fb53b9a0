// What the ledger's .cpp files share about its tables' rows: the column lists the reads select, a
// row read back, a live or history row bound and a live row inserted. Not part of the ledger's API
// (aaa/acct/ledger.h); used only by aaa/acct/ledger*.cpp.
#pragma once

#include <cstdint>

#include "aaa/acct/ledger.h"
#include "core/store.h"

namespace aaa::acct::detail {

constexpr const char* kLiveColumns =
    "uid, acct_session_id, username, nas, nas_port, nas_port_id, framed_ip, calling_station_id, started, updated, "
    "input_octets, output_octets, input_packets, output_packets, session_time, nas_address, state, stale_after";
constexpr const char* kHistoryColumns =
    "uid, acct_session_id, username, nas, nas_port, nas_port_id, framed_ip, calling_station_id, started, updated, "
    "input_octets, output_octets, input_packets, output_packets, session_time, nas_address, stopped, close_reason, id";

// A row selected with kLiveColumns (or kHistoryColumns when `history`).
SessionRow readRow(core::Statement& st, bool history);

// Binds the columns a live row and a history row share, as parameters 1-16 in this order: uid,
// acct_session_id, username, nas, nas_port, nas_port_id, framed_ip, calling_station_id, started,
// updated, the five counters, nas_address.
core::Statement& bindSession(core::Statement& st, const SessionRow& row);

// A live `sessions` row (state active) whose view includes the journal up to `journalSeq`.
core::Status insertRow(core::Database& db, const SessionRow& row, int64_t journalSeq);

inline int64_t i64(uint64_t v) { return static_cast<int64_t>(v); }

// Days since 1970-01-01 UTC (usage_daily.day).
inline int64_t dayOf(int64_t unixSeconds) {
  return unixSeconds >= 0 ? unixSeconds / 86400 : (unixSeconds - 86399) / 86400;
}

}  // namespace aaa::acct::detail
