// What the gateway's own files (edge/gateway/gateway*.cpp) share: the RFC 2866 values it sends,
// address and Calling-Station-Id forms, small RADIUS helpers. Private to edge/gateway: other areas
// use gateway.h.
//
// Where the Gateway's members live:
//   gateway.cpp              lifecycle and wiring: construction, start/stop, settings, status, the LAN
//   gateway_dnsmasq.cpp      dnsmasq (started, supervised, stopped) and its leases; MAC lookup
//   gateway_kernel.cpp       HTB classes, nftables elements per client, the rebuild from the ledger
//   gateway_clients.cpp      login, logout, signups, client state; the Access-Request exchange
//   gateway_accounting.cpp   kernel counters, Accounting-Request, the poll thread (interims, timeouts)
//   gateway_dynauth.cpp      the RFC 5176 server (CoA, Disconnect) on the loopback port
//   gateway_portal_host.*    the portal's PortalHost
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cctype>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "aaa/radius/packet.h"
#include "aaa/radius/reply.h"
#include "core/clock.h"
#include "edge/gateway/gateway.h"
#include "edge/gateway/gateway_nft.h"
#include "edge/gateway/gateway_shaper.h"

namespace edge::gw {

// RFC 2866 Acct-Status-Type and Acct-Terminate-Cause values.
constexpr uint32_t kStart = 1, kStop = 2, kInterim = 3;
constexpr uint32_t kCauseUserRequest = 1, kCauseIdleTimeout = 4, kCauseSessionTimeout = 5, kCauseAdminReset = 6,
                   kCauseNasReboot = 11;
constexpr uint32_t kNasPortTypeWireless = 19;

inline int64_t nowUnix() { return core::SystemClock::instance().unixSeconds(); }

inline uint32_t ipv4Host(const std::string& ip) {
  in_addr a{};
  if (inet_pton(AF_INET, ip.c_str(), &a) != 1) return 0;
  return ntohl(a.s_addr);
}

inline std::string ipv4Text(uint32_t hostOrder) {
  in_addr a{};
  a.s_addr = htonl(hostOrder);
  char buf[INET_ADDRSTRLEN] = {0};
  inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

// "02-00-00-00-00-02" (RFC 3580 3.21) <-> "02:00:00:00:00:02"
inline std::string stationId(const std::string& mac) {
  std::string s = mac;
  for (char& c : s) c = c == ':' ? '-' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
inline std::string macFromStation(const std::string& station) {
  std::string s = station;
  for (char& c : s) c = c == '-' ? ':' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

inline aaa::radius::Attribute attr(const aaa::radius::AttrRef& ref, aaa::radius::Value v) {
  return aaa::radius::Attribute{ref, std::move(v), 0};
}

inline ShapeRate shapeOf(const aaa::radius::RateLimit& r) {
  return ShapeRate{r.downBps, r.upBps, r.burstDownBps, r.burstUpBps, r.burstSeconds};
}

// The walled garden: gateway.walled-garden and the host of gateway.selfcare-url (the pay and top-up
// pages link there, ADR 0048).
inline std::vector<std::string> gardenEntries(const GatewayConfig& c) {
  std::vector<std::string> out = c.walledGarden;
  const std::string scheme = "https://";
  if (c.selfcareUrl.compare(0, scheme.size(), scheme) == 0) {
    std::string host = c.selfcareUrl.substr(scheme.size());
    host = host.substr(0, host.find_first_of("/?#:"));
    if (!host.empty() && host[0] != '[') out.push_back(host);
  }
  return out;
}

// The session's counters as the kernel holds them ("u_<id>", "d_<id>"); true when they moved.
// (gateway_accounting.cpp)
bool takeCounters(const std::map<std::string, NftCounter>& counters, GatewayClient& c);

}  // namespace edge::gw
