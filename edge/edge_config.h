// edged's configuration: the key/default table for every section the appliance has so far.
// Keys use dashes (Kea style). Each subsystem adds its section here when it lands.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/status.h"

namespace edge {

struct DatabaseConfig {
  std::string synchronous;  // "full" or "normal"
  int64_t busyTimeoutMs = 0;
};

struct RadiusConfig {
  std::string listen;
  int64_t authPort = 0;
  int64_t acctPort = 0;
  std::string dictionaryDir;
  bool requireMessageAuthenticator = true;
  int64_t threads = 0;  // 0 = one per core
  std::vector<std::string> authMethods;
};

struct AccountingConfig {
  int64_t staleMultiplier = 3;
  int64_t staleDefaultSeconds = 7200;
  int64_t disconnectGraceSeconds = 10;
};

struct BillingConfig {
  std::string timeZone;    // IANA name ("Europe/Berlin"); "" = the system's
  std::string tenantName;  // printed on voucher sheets
};

struct AdminConfig {
  std::string listen;  // the admin HTTP listener: /metrics (and, later, the local web UI)
  int64_t port = 0;
};

struct SnmpConfig {
  bool enabled = false;
  std::string agentxSocket;               // the master agent's AgentX socket
  int64_t pingInterval = 5;               // seconds: pings to the master; a lost master is re-joined
  std::vector<std::string> trapReceivers; // "192.0.2.9", "192.0.2.9:1162", "[2001:db8::9]:162"
  std::string trapCommunity;              // SNMPv2c community of the notifications
};

struct SyncConfig {
  int64_t maxBackoff = 300;     // seconds: the longest wait between attempts while mgmt is unreachable
  int64_t usageBatch = 1000;    // usage journal rows per upload
  int64_t outboxLimit = 100000; // changes made on the box kept for mgmt; beyond, the oldest are dropped
};

// The hotspot gateway: the box is the NAS of its LAN (docs/gateway.md).
struct GatewayConfig {
  bool enabled = false;
  std::string lanInterface;
  std::string lanAddress;      // the box on the LAN, CIDR: "10.10.0.1/24"
  std::string dhcpRange;       // "10.10.0.100-10.10.0.250"
  int64_t leaseSeconds = 3600;
  std::string wanInterface;
  int64_t portalPort = 8080;
  std::vector<std::string> walledGarden;  // IPs, CIDRs and DNS names open before login
  std::vector<std::string> dnsServers;    // upstream resolvers of the box's DNS; empty = /etc/resolv.conf
  int64_t counterInterval = 1;            // seconds between kernel counter reads (quota overshoot bound)
  int64_t loginAttempts = 5;              // failed portal logins per device (MAC) and per address per minute
  int64_t signupPerDevice = 5;            // portal signups per device (MAC) and per address per signup-window
  int64_t signupTotal = 50;               // portal signups of all devices together per signup-window
  int64_t signupWindow = 3600;            // seconds
  std::string dnsmasq;                    // the dnsmasq binary
  // Branding and the portal's offer.
  std::string portalName;
  std::string portalLogo;    // PNG/SVG/JPEG file shown on every page (inlined, no external assets)
  std::string portalColor;   // "#0b6e4f"
  std::string portalTerms;   // terms text shown on the portal (click-through)
  std::string venueInfoUrl;  // RFC 8908 venue-info-url; empty = none
  std::vector<std::string> signupPlans;  // plans a visitor may sign up for; empty = no self-signup
  std::string clickThroughPlan;  // free access for accepting the terms, per device (MAC); empty = none
};

struct LicenseConfig {
  std::string trustedKey;  // PEM public key of the management plane's license key; "" = data-dir/license-key.pem
};

// Thresholds of the alerts (logged, in edgectl events, and sent as SNMP notifications).
struct AlertsConfig {
  int64_t licenseWarningDays = 30;
  int64_t syncFailingSeconds = 3600;
  int64_t diskLowPercent = 10;
  int64_t nasSilentSeconds = 900;
  int64_t authFailureBurst = 100;
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

  std::string databasePath() const { return dataDir + "/edge.db"; }
  std::string accountingDatabasePath() const { return dataDir + "/acct.db"; }
};

const core::ConfigTable<EdgeConfig>& edgeConfigTable();

// One of snmp.trap-receivers: "192.0.2.9", "192.0.2.9:1162", "[2001:db8::9]:162" (port 162 when absent).
struct TrapReceiver {
  std::string host;
  uint16_t port = 162;
  bool ipv6 = false;
};
core::Result<TrapReceiver> parseTrapReceiver(const std::string& text);

// Reads and validates a config file (JSON with comments). Errors name the file and the key path.
core::Result<EdgeConfig> loadEdgeConfig(const std::string& path);

// The keys that cannot change while edged runs (a reload that changes one is refused, naming it).
core::Status checkReloadable(const EdgeConfig& running, const EdgeConfig& staged);

}  // namespace edge
