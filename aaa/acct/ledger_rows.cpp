#include "aaa/acct/ledger_rows.h"

namespace aaa::acct::detail {

SessionRow readRow(core::Statement& st, bool history) {
  SessionRow r;
  r.uid = st.columnText(0);
  r.acctSessionId = st.columnText(1);
  r.username = st.columnText(2);
  r.nas = st.columnText(3);
  r.nasPort = static_cast<uint32_t>(st.columnInt64(4));
  r.nasPortId = st.columnText(5);
  r.framedIp = st.columnText(6);
  r.callingStationId = st.columnText(7);
  r.started = st.columnInt64(8);
  r.updated = st.columnInt64(9);
  r.counters.inputOctets = static_cast<uint64_t>(st.columnInt64(10));
  r.counters.outputOctets = static_cast<uint64_t>(st.columnInt64(11));
  r.counters.inputPackets = static_cast<uint64_t>(st.columnInt64(12));
  r.counters.outputPackets = static_cast<uint64_t>(st.columnInt64(13));
  r.counters.sessionTime = static_cast<uint32_t>(st.columnInt64(14));
  r.nasAddress = st.columnText(15);
  if (history) {
    r.stopped = st.columnInt64(16);
    r.closeReason = st.columnText(17);
    r.historyId = st.columnInt64(18);
    r.state = "closed";
  } else {
    r.state = st.columnText(16);
    r.staleAfter = st.columnInt64(17);
  }
  return r;
}

core::Statement& bindSession(core::Statement& st, const SessionRow& row) {
  return st.bindText(1, row.uid)
      .bindText(2, row.acctSessionId)
      .bindText(3, row.username)
      .bindText(4, row.nas)
      .bindInt64(5, row.nasPort)
      .bindText(6, row.nasPortId)
      .bindText(7, row.framedIp)
      .bindText(8, row.callingStationId)
      .bindInt64(9, row.started)
      .bindInt64(10, row.updated)
      .bindInt64(11, i64(row.counters.inputOctets))
      .bindInt64(12, i64(row.counters.outputOctets))
      .bindInt64(13, i64(row.counters.inputPackets))
      .bindInt64(14, i64(row.counters.outputPackets))
      .bindInt64(15, row.counters.sessionTime)
      .bindText(16, row.nasAddress);
}

core::Status insertRow(core::Database& db, const SessionRow& row, int64_t journalSeq) {
  EDGE_ASSIGN_OR_RETURN(core::Statement st, db.prepare(
      "INSERT INTO sessions(uid, acct_session_id, username, nas, nas_port, nas_port_id, framed_ip, calling_station_id, "
      "started, updated, input_octets, output_octets, input_packets, output_packets, session_time, nas_address, "
      "stale_after, journal_seq, state, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', "
      "replace(replace(replace(lower(?8), ':', ''), '-', ''), '.', ''))"));  // as ledger migration 7 fills it
  return bindSession(st, row).bindInt64(17, row.staleAfter).bindInt64(18, journalSeq).run();
}

}  // namespace aaa::acct::detail
