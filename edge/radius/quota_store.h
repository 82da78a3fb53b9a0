// The quota side's rows in edge.db: top-ups (migration 3) and a subscriber's first login. The SQL
// of quota_service.cpp, nothing else.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/store.h"

namespace edge {

struct TopupRow {
  std::string username;
  int64_t periodStart = 0;  // the billing period it belongs to
  uint64_t bytes = 0;
  uint64_t seconds = 0;
  uint64_t validitySeconds = 0;
  std::string note;
  int64_t createdAt = 0;
  std::string ref;  // a top-up bought on mgmt: its order id, applied once (ADR 0058); "" = none
};

// Appends a top-up (in a Writer job). False: a top-up with its `ref` was applied before; nothing
// written.
core::Result<bool> insertTopup(core::Database& db, const TopupRow& topup);

// The octets and seconds topped up per subscriber and period, for periods that started at or after
// `since` (loading the quota book), by username then period.
struct TopupSum {
  std::string username;
  int64_t periodStart = 0;
  uint64_t bytes = 0;
  uint64_t seconds = 0;
};
core::Result<std::vector<TopupSum>> topupsSince(core::Database& db, int64_t since);

// A subscriber's first login at `at` (in a Writer job): written only if none is recorded yet, and
// `mac` bound only where none is (a voucher used by its first device).
core::Status recordFirstLogin(core::Database& db, int64_t subscriberId, int64_t at, const std::string& mac);

}  // namespace edge
