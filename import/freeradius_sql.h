// FreeRADIUS's SQL schema (rlm_sql: radcheck, radreply, radgroupcheck, radgroupreply, radusergroup,
// and radacct) and daloRADIUS's tables on top of it (userinfo, userbillinfo, billing_plans,
// billing_plans_profiles), read from a SqlSource into the structure the users-file parser produces,
// so the mapping onto plans and subscribers is the users file's (mapping.h), not a second one.
//
// How rows become entries (what rlm_sql does per request, evaluated statically):
//   - each username of radcheck/radreply/radusergroup is one entry: its radcheck rows are its check
//     items, its radreply rows its reply items, its radusergroup rows its sqlGroups;
//     the entry falls through to the groups unless its reply sets Fall-Through = no (read_groups).
//   - each group is a DEFAULT entry after every user, standing for the group (sqlGroup), its radgroupcheck rows as
//     check items and its radgroupreply rows as reply items; the walk goes on to the next group only
//     when the group's reply sets Fall-Through = yes (as rlm_sql does).
//   - groups are walked in radusergroup priority order: one order for all (each group at the lowest
//     priority any user holds it, then by name); a user whose own priorities order their groups
//     differently is warned.
//   - the "line" of an entry or item is the id of its row (radcheck.id, radgroupreply.id, ...).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "import/freeradius_users.h"
#include "import/mapping.h"
#include "import/sql_source.h"

namespace importer {

struct BillingPlan {  // daloRADIUS billing_plans
  std::string name, cost, currency, group;
  bool active = true;
};

struct SqlImport {
  std::vector<UsersEntry> entries;  // users first, then one DEFAULT per group
  int users = 0, groups = 0;
  std::map<std::string, std::vector<std::string>> userWarnings;  // by username
  std::vector<std::string> warnings;
  // radacct (optional table): what history there is; its closed sessions are read apart
  // (readAccountingHistory), when the import asks for them.
  bool hasAccounting = false;
  int64_t accountingSessions = 0, openSessions = 0;
  // daloRADIUS
  std::map<std::string, core::Json> customers;         // username -> customer-add arguments
  std::vector<BillingPlan> billingPlans;
  std::map<std::string, std::string> userBillingPlan;  // username -> billing plan name
};

// Reads the tables; a missing FreeRADIUS table is an error naming it (radacct is optional, and so
// are the daloRADIUS tables, each warned when absent). progress: called with a line now and then.
core::Result<SqlImport> readFreeradiusSql(SqlSource& source, bool daloradius,
                                          const std::function<void(const std::string&)>& progress = {});

// The users-file mapping over the entries, then the daloRADIUS extras: customers on their
// subscribers (MappedSubscriber::customer), billing-plan prices on the plan of the group they bill
// for, a warning for a subscriber billed on a plan whose group did not give their rate.
ImportPlan mapFreeradiusSql(const SqlImport& data, const MapOptions& options, bool daloradius);

// The whole of it for a CLI: `source` "freeradius-sql" or "daloradius", `from` as parseSourceLocation
// takes it; progress lines as rows are read.
core::Result<ImportPlan> readSqlImportPlan(const std::string& source, const std::string& from, const MapOptions& options,
                                           const std::function<void(const std::string&)>& progress = {});

// radacct's closed sessions as usage history (issue 30: `mgmtctl import --history`). One per row
// with acctstoptime set; a session still open is never carried over (its end is not known).
struct AccountingSession {
  // acctuniqueid (FreeRADIUS's hash of the session's attributes), or, when a row has none,
  // acctsessionid|username|nasipaddress|acctstarttime as text: what makes a re-run find it again.
  std::string key;
  std::string username, nas, sessionId, terminateCause;
  int64_t started = 0, stopped = 0;  // Unix seconds (a time without zone is read as UTC)
  int64_t sessionTime = 0;           // acctsessiontime, or stopped - started when it is NULL
  int64_t inputOctets = 0, outputOctets = 0;
};

// The columns read, in this order: radacctid, acctuniqueid, acctsessionid, username, nasipaddress,
// acctstarttime, acctstoptime, acctsessiontime, acctinputoctets, acctoutputoctets, acctterminatecause.
inline constexpr size_t kRadacctColumns = 11;
// One radacct row as a session; InvalidArgument naming the column (and quoting at most its first
// 40 characters) when a value is not what FreeRADIUS writes. Times as the three databases print
// them: "2026-11-01 10:00:00", with fractions, with a zone ("+00", "+02:00"), or Unix seconds.
core::Result<AccountingSession> accountingSessionFromRow(const SqlRow& row);

struct HistoryCounts {
  int64_t sessions = 0;    // closed sessions read
  int64_t unreadable = 0;  // rows skipped (each given to onUnreadable with the reason)
};
// Streams radacct's closed sessions in radacctid order to onSession (which may stop the read with
// an error). A database without radacct has no history: zero sessions, no error.
core::Result<HistoryCounts> readAccountingHistory(
    SqlSource& source, const std::function<core::Status(const AccountingSession&)>& onSession,
    const std::function<void(int64_t radacctid, const std::string& why)>& onUnreadable = {});

}  // namespace importer
