// From another system's subscriber data to our model, and the dry-run risk report (issue 30).
//
// What comes out are the arguments of our own commands: plan-add (catalog/plan.h: name, down, up,
// burst-down, burst-up, burst-time, session-timeout, idle-timeout, interim, max-sessions) and
// subscriber-add / a row of subscriber-import (catalog/subscriber.h: username, password or nt-hash or
// password-hash, plan, expires, mac, static-ip, status). The box or mgmt validates them as it validates any command.
//
// Mapping (docs/migration.md has the full table):
//   rate attributes (Mikrotik-Rate-Limit, WISPr-Bandwidth-Max-Down/-Up), Session-Timeout,
//   Idle-Timeout, Acct-Interim-Interval and Simultaneous-Use   -> a plan; subscribers with the same
//                                                                 values share it
//   Expiration -> expires;  Framed-IP-Address -> static-ip;  Calling-Station-Id -> mac (binding)
//   Auth-Type := Reject -> status disabled
//   passwords: the form that keeps the most methods: cleartext (PAP, CHAP, MS-CHAPv2, EAP) over
//   NT-Password (PAP, MS-CHAPv2: the nt-hash argument) over a crypt/MD5/SHA hash (PAP only: the
//   password-hash argument, in aaa/auth/password_hash.h's canonical form; warned per subscriber).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/json.h"
#include "import/freeradius_users.h"

namespace importer {

struct MapOptions {
  // The plan (by name, existing on the target) for subscribers whose data carries no rate; empty:
  // such subscribers are not imported (the report says so).
  std::string defaultPlan;
  // The currency of the source's prices (ISO 4217, e.g. USD): sources with prices (mikrotik-um
  // profiles, splynx tariffs) put them on the plans only when it is given; otherwise dropped, warned.
  std::string currency;
};

struct MappedPlan {
  std::string name;
  core::Json args;                  // plan-add's arguments
  std::string source;               // where its values came from ("group 'gold'", "the entry of 'dave'")
  std::string group;                // the SQL group (radgroupreply) that gave the rate, or ""
  int subscribers = 0;
};

struct MappedSubscriber {
  std::string username;
  int line = 0;                     // of its entry in the source
  core::Json args;                  // subscriber-add's arguments (a subscriber-import row)
  std::string passwordForm;         // cleartext | nt-hash | crypt | md5 | sha1 | sha2 | ... | none
  std::vector<std::string> methods; // authentication methods the kept password serves
  std::vector<std::string> warnings;
  bool importable = true;
  std::string refusal;              // why not, when !importable
  // The customer record, where the source has one: name, email, phone, address, notes (the fields of
  // mgmt's customers; daloradius: userinfo; splynx: the customer; mikrotik-um: a user's comment as
  // notes); empty object otherwise. Not a subscriber argument: mgmt's import puts it on the
  // customer; a box alone (edgectl) has no customer records and only reports it.
  core::Json customer = core::Json::object();
};

struct ImportPlan {
  std::string source;  // "freeradius-users"
  std::vector<MappedPlan> plans;
  std::vector<MappedSubscriber> subscribers;
  std::map<std::string, int> unsupported;  // attribute name -> subscribers it was dropped from
  std::map<std::string, int> passwordForms;
  std::vector<std::string> warnings;       // file-wide (DEFAULT entries not applied, duplicates)
  int defaults = 0;                        // DEFAULT entries read
};

// Maps a parsed users file: each named entry is one subscriber, with the DEFAULT entries the
// `files` module would apply to it (in file order, stopping at the first match without
// Fall-Through). A DEFAULT whose check items compare request attributes (NAS-IP-Address,
// Huntgroup-Name, ...) cannot be decided without a request: it is not applied, and said so.
// Groups as FreeRADIUS has them: SQL groups (UsersEntry::sqlGroups / sqlGroup, from radusergroup)
// are memberships. In a users file, Group (Group-Name, Unix-Group) compares the unix groups of the
// user (rlm_unix's groupcmp), so `DEFAULT Group == "x"` matches no subscriber and is applied to
// nobody, said once and per subscriber whose `Group := "x"` an importer could take for membership
// (warned as no membership); `DEFAULT Group != "x"` applies to everyone.
ImportPlan mapFreeradiusUsers(const std::vector<UsersEntry>& entries, const MapOptions& options);

// The dry-run risk report.
core::Json reportJson(const ImportPlan& plan);
std::string reportText(const ImportPlan& plan, size_t maxSubscriberLines = 200);

// Helpers, exposed for tests: a Mikrotik-Rate-Limit value ("rx/tx [burst-rx/burst-tx
// [threshold-rx/threshold-tx [time-rx/time-tx]]]", rx = the subscriber's upload) and a FreeRADIUS
// Expiration ("Jan 1 2027", "1 January 2027 12:00:00"; read as UTC) as Unix seconds.
struct RateLimit {
  uint64_t down = 0, up = 0, burstDown = 0, burstUp = 0, thresholdDown = 0, thresholdUp = 0;
  uint64_t burstTime = 0;
};
core::Result<RateLimit> parseMikrotikRateLimit(const std::string& value);
// A MAC address in any usual spelling (aa:bb:.., AA-BB-.., aabb.ccdd.eeff): 12 hex digits and
// separators only. A subscriber named so may have no password (MAC authentication).
bool looksLikeMac(const std::string& value);
core::Result<int64_t> parseFreeradiusExpiration(const std::string& value);
// A new import batch's id: "imp-YYYYMMDD-HHMMSS-xxxx" (UTC, 4 random hex digits), as edgectl import
// and mgmtctl import name a batch when not given --batch.
std::string newBatchId();

}  // namespace importer
