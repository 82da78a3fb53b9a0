// edged's configuration: the key/default table for every section the appliance has so far.
// Keys use dashes (Kea style). Each area declares its own section's struct (edge/<area>/*_config.h);
// this file composes them and holds the one key table.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/status.h"
#include "edge/gateway/gateway_config.h"
#include "edge/health/alerts_config.h"
#include "edge/license/license_config.h"
#include "edge/netmon/netmon_config.h"
#include "edge/radius/radius_config.h"
#include "edge/snmp/snmp_config.h"
#include "edge/sync/sync_config.h"

namespace edge {

struct DatabaseConfig {
  std::string synchronous;  // "full" or "normal"
  int64_t busyTimeoutMs = 0;
};

struct AdminConfig {
  std::string listen;  // the admin HTTP listener: /metrics; other pages redirect to HTTPS
  int64_t port = 0;
  int64_t httpsPort = 0;  // the technician web UI (and /metrics) over HTTPS, same address
};

struct EdgeConfig {
  std::string dataDir;
  std::string controlSocket;
  std::string pidFile;
  std::string logLevel;
  DatabaseConfig database;
  RadiusConfig radius;
  AccountingConfig accounting;
  BillingConfig billing;
  AdminConfig admin;
  SnmpConfig snmp;
  AlertsConfig alerts;
  LicenseConfig license;
  SyncConfig sync;
  GatewayConfig gateway;
  NetworkConfig network;

  std::string databasePath() const { return dataDir + "/edge.db"; }
  std::string accountingDatabasePath() const { return dataDir + "/acct.db"; }
  RadiusServiceConfig radiusService() const {
    return RadiusServiceConfig{radius, accounting, billing, accountingDatabasePath(), database.busyTimeoutMs};
  }
};

const core::ConfigTable<EdgeConfig>& edgeConfigTable();

// Reads and validates a config file (JSON with comments). Errors name the file and the key path.
core::Result<EdgeConfig> loadEdgeConfig(const std::string& path);

// The keys that cannot change while edged runs (a reload that changes one is refused, naming it).
core::Status checkReloadable(const EdgeConfig& running, const EdgeConfig& staged);

}  // namespace edge
