// The appliance event log's reads (table events, migration 1): the SQL of the `events` command.
#pragma once

#include <cstdint>
#include <string>

#include "core/json.h"
#include "core/status.h"
#include "core/store.h"

namespace edge {

struct EventFilter {
  int64_t limit = 50;
  std::string kind;    // exact, or a prefix when it ends in '*' ("ui-*"); "" = every kind
  std::string search;  // words the detail contains (case-insensitive, as typed); "" = any
  std::string since;   // RFC 3339 UTC; events at or after it; "" = from the start
  int64_t after = 0;   // only events with a larger id (following the log)
};

// Newest first: [{"id", "at", "kind", "detail"}].
core::Result<core::Json> readEvents(core::Database& db, const EventFilter& filter);

}  // namespace edge

namespace edge {
// "2026-12-07", "2026-12-07T10:30" or "2026-12-07T10:30:15" (a trailing Z allowed; UTC) as the log's
// "2026-12-07T10:30:15Z"; kInvalidArgument for anything else.
core::Result<std::string> normalizeSince(const std::string& text);
}  // namespace edge
