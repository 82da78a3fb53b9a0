// The sync section of edged's configuration; keys in edge/app/edge_config.cpp.
#pragma once

#include <cstdint>
#include <string>

namespace edge {

struct SyncConfig {
  int64_t maxBackoff = 300;     // seconds: the longest wait between attempts while mgmt is unreachable
  int64_t usageBatch = 1000;    // usage journal rows per upload
  int64_t outboxLimit = 100000; // changes made on the box kept for mgmt; beyond, the oldest are dropped
  std::string versionFile = "/usr/lib/edge/version";  // the firmware version reported at check-in
};

}  // namespace edge
