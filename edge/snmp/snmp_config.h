// The snmp section of edged's configuration; keys in edge/app/edge_config.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace edge {

struct SnmpConfig {
  bool enabled = false;
  std::string agentxSocket;               // the master agent's AgentX socket
  int64_t pingInterval = 5;               // seconds: pings to the master; a lost master is re-joined
  std::vector<std::string> trapReceivers; // "192.0.2.9", "192.0.2.9:1162", "[2001:db8::9]:162"
  std::string trapCommunity;              // SNMPv2c community of the notifications
};

// One of snmp.trap-receivers: "192.0.2.9", "192.0.2.9:1162", "[2001:db8::9]:162" (port 162 when absent).
struct TrapReceiver {
  std::string host;
  uint16_t port = 162;
  bool ipv6 = false;
};
core::Result<TrapReceiver> parseTrapReceiver(const std::string& text);

}  // namespace edge
