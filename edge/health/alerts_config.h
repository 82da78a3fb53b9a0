// The alerts section of edged's configuration; keys in edge/app/edge_config.cpp.
#pragma once

#include <cstdint>

namespace edge {

// Thresholds of the alerts (logged, in edgectl events, and sent as SNMP notifications).
struct AlertsConfig {
  int64_t licenseWarningDays = 30;
  int64_t syncFailingSeconds = 3600;
  int64_t diskLowPercent = 10;
  int64_t nasSilentSeconds = 900;
  int64_t authFailureBurst = 100;
  int64_t certificateWarningDays = 30;
};

}  // namespace edge
