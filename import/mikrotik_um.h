// MikroTik User Manager (RouterOS v7 `/user-manager export`, a .rsc script) onto our model (issue 30).
//
//   /user-manager limitation add name rate-limit-rx/-tx (rx = the subscriber's upload), burst-*,
//       transfer-limit, uptime-limit, reset-counters-interval     -> the plan's rates, bursts,
//       data-quota, time-quota and period (daily/weekly/monthly)
//   /user-manager profile add name price validity                -> a plan (price with --currency)
//   /user-manager profile-limitation add profile limitation      -> which limitation a profile has
//       (one without from-time/till-time/weekdays; the others are time-of-day rules: dropped, warned)
//   /user-manager user add name password shared-users caller-id disabled attributes
//                                                                -> a subscriber: cleartext password,
//       max-sessions (a plan variant "gold-x2"), MAC binding, status disabled, and from attributes
//       Framed-IP-Address (static-ip), Mikrotik-Rate-Limit (a plan variant with that rate),
//       Session-Timeout, Idle-Timeout, Acct-Interim-Interval
//   /user-manager user-profile add user profile                  -> the subscriber's plan (the first
//       profile given; more are warned)
// Everything else in the export (routers, settings, user groups, sessions, payments) is counted in
// the report's warnings and not imported. docs/migration.md has the table.
#pragma once

#include <vector>

#include "import/mapping.h"
#include "import/routeros_script.h"

namespace importer {

ImportPlan mapMikrotikUserManager(const std::vector<RouterOsCommand>& commands, const MapOptions& options);

}  // namespace importer
