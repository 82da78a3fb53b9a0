// The network-devices section of edged's configuration (keys in edge/app/edge_config.cpp): the ISP's
// devices the box polls over SNMP (issue 26, ADR 0062).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace edge {

struct NetworkDeviceConfig {
  std::string name;       // unique; names the device in alerts, metrics and the check-in
  std::string address;    // IPv4/IPv6 address or host name
  int64_t port = 161;
  std::string kind;       // nas, switch, router
  std::string nas;        // the NAS client it serves ("" none): mgmt maps an outage to that NAS's sessions
  std::string community;  // SNMPv2c; or the SNMPv3 user below (authPriv: SHA and AES)
  std::string user;
  std::string authPassword;
  std::string privPassword;
};

struct NetworkConfig {
  int64_t pollInterval = 60;  // seconds between polls of every device
  int64_t timeoutMs = 2000;   // per request
  int64_t failures = 3;       // failed polls in a row before a device is unreachable
  std::vector<NetworkDeviceConfig> devices;
};

}  // namespace edge
