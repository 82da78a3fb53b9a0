// The hotspot gateway (config section `gateway`, docs/gateway.md): the box is the NAS of a LAN.
//
// It is a NAS like any other: the portal sends a real Access-Request (PAP, Message-Authenticator)
// to edged's own RADIUS server, the gateway writes Start/Interim/Stop to edged's accounting port
// and answers Disconnect/CoA (RFC 5176) on a loopback port of its own, all from the loopback
// address kGatewayAddress as the NAS "gateway" (vendor profile mikrotik: Mikrotik-Rate-Limit with
// bursts, Mikrotik-Total-Limit for the remaining volume). So logins, limits, the ledger, quotas,
// fair use and `edgectl session disconnect` work for the gateway exactly as for external NAS.
//
// Kernel state: nftables (gateway_nft.h) gates and counts, HTB (gateway_shaper.h) shapes, dnsmasq
// hands out addresses (with the CAPPORT URI, RFC 8910 option 114) and resolves the walled garden.
// The ledger is the truth: a login is Start (durable) then kernel; a logout is Stop (durable) then
// kernel. At start the kernel is rebuilt from the ledger's live "gateway" sessions, keeping the
// kernel's counters when they survived (kill -9), so no authorized client is lost and nobody is
// left unshaped.
//
// Threading: start()/stop()/tick() on the main thread (dnsmasq is its child); a poll thread reads
// the counters every counter-interval (interims, idle and session timeouts, the volume limit); a
// dynauth thread answers CoA/Disconnect; the portal (edge/portal/portal.h, owned here, with the
// gateway as its PortalHost) runs on its HTTP server's thread. Clients are guarded by mu_, which is
// never held while waiting on the network.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "aaa/radius/attributes.h"
#include "aaa/radius/packet.h"
#include "core/clock.h"
#include "core/control_socket.h"
#include "core/counters.h"
#include "edge/gateway/gateway_counters.h"
#include "core/log.h"
#include "core/status.h"
#include "edge/gateway/gateway_config.h"
#include "edge/gateway/gateway_nft.h"
#include "edge/gateway/gateway_shaper.h"
#include "edge/portal/portal.h"
#include "edge/portal/portal_limits.h"

namespace edge {

class RadiusService;

inline constexpr const char* kGatewayNasName = "gateway";
inline constexpr const char* kGatewayAddress = "127.0.0.86";  // the gateway's NAS address on loopback

// What a session of the gateway knows about its client.
struct GatewayClient {
  std::string ip;
  std::string mac;  // "02:00:00:00:00:02"
  std::string username;
  std::string acctSessionId;
  uint32_t nasPort = 0;
  uint32_t classMinor = 0;
  gw::ShapeRate rate;
  int64_t started = 0;
  int64_t lastActivity = 0;  // last poll that saw the client send
  int64_t lastInterim = 0;
  uint32_t sessionTimeout = 0;
  uint32_t idleTimeout = 0;
  uint32_t interimInterval = 300;
  std::optional<uint64_t> limitBytes;  // the session ends when up + down reach this
  bool usageMatters = false;           // quota or fair use: every moved counter is reported at once
  uint64_t upBytes = 0, downBytes = 0, upPackets = 0, downPackets = 0;
  uint64_t upPacketsSeen = 0;  // at the last activity check
  // The live rate, bit/s, between the last two polls that were at least a second apart.
  uint64_t upBps = 0, downBps = 0;
  int64_t ratedAt = 0;  // the poll the rate was measured to (unix seconds)
  uint64_t ratedUpBytes = 0, ratedDownBytes = 0;
};

// A DHCP lease as dnsmasq writes it.
struct GatewayLease {
  int64_t expires = 0;
  std::string mac;
  std::string ip;
  std::string hostname;
};
std::vector<GatewayLease> parseDnsmasqLeases(const std::string& text);

// The LAN as the config describes it: "10.10.0.1/24", "10.10.0.100-10.10.0.250" (or the upper half).
struct GatewayLan {
  std::string ip;
  int prefixLength = 24;
  std::string netmask;
  std::string network;  // "10.10.0.0/24"
  std::string rangeFirst, rangeLast;
};
core::Result<GatewayLan> parseGatewayLan(const std::string& lanAddress, const std::string& dhcpRange);

class Gateway {
 public:
  // accountingDatabasePath: the ledger's database, read at start to restore the clients.
  Gateway(GatewayConfig config, std::string dataDir, std::string accountingDatabasePath, RadiusService& radius,
          core::ControlServer& control, core::CounterRegistry& counters);
  ~Gateway();

  // Sets up addresses, nftables, HTB, dnsmasq, the dynauth port and the portal, registers the NAS
  // "gateway", then rebuilds the kernel's clients from the ledger. Needs CAP_NET_ADMIN.
  core::Status start();
  // Stops serving and removes the kernel state. Live sessions stay live in the ledger (a final
  // interim makes their counters durable) and are reinstated by the next start.
  void stop();
  // Main-loop work: restarts dnsmasq if it died.
  void tick();
  // Branding and limits that may change on reload.
  void applySettings(const GatewayConfig& config);

  core::Json statusJson();
  // The technician UI's Gateway page (gateway-clients; gateway_view.cpp): every client with its
  // subscriber, MAC, rate limit, live rate and counters, and the DHCP leases.
  core::Json clientsJson();
  uint16_t portalPort() const { return portal_->port(); }

 private:
  using LoginResult = portal::LoginResult;
  class PortalHostImpl;  // the portal's view of this gateway (gateway_portal_host.h)

  // Clients (gateway_clients.cpp; macOf in gateway_dnsmasq.cpp).
  // The device at `ip`: its MAC from the DHCP leases or the neighbour table; "" when unknown.
  std::string macOf(const std::string& ip);
  // dnsmasq's current leases (its lease file; empty when there is none yet).
  std::vector<GatewayLease> leases();
  // Access-Request for the device at `ip`, then Start, then kernel. Refused first while the device
  // (its MAC or its address) has too many failures; malformed input is a failure itself.
  LoginResult login(const std::string& ip, const std::string& username, const std::string& password);
  // Stop (with the final counters), then kernel. False when `ip` has no session.
  bool logout(const std::string& ip, uint32_t terminateCause, const std::string& why);
  std::optional<GatewayClient> clientAt(const std::string& ip);

  // Kernel (gateway_kernel.cpp).
  core::Status installClient(const GatewayClient& c);
  void removeClient(const GatewayClient& c);
  // The subscriber's HTB class (shared by their sessions); mu_ held.
  uint32_t acquireClass(const std::string& username);
  void releaseClass(const std::string& username);
  core::Status reconcile();

  // RADIUS toward edged's own server (exchange, readAccept: gateway_clients.cpp; account:
  // gateway_accounting.cpp).
  core::Result<aaa::radius::Packet> exchange(aaa::radius::Packet request, uint16_t port);
  core::Status account(const GatewayClient& c, uint32_t statusType, uint32_t terminateCause = 0);
  void readAccept(const aaa::radius::Packet& accept, GatewayClient& c);
  // Dunning and the "redirect" tier (ADR 0048; gateway_clients.cpp): after a right password, whether
  // the device stays in the walled garden with the pay page (walled for non-payment, from the
  // catalog) or the top-up page (the last decision was data-quota-used-up at a redirect tier, from
  // subscriber-explain); fills `out` and opens the page's host in the walled garden.
  bool heldWalled(const std::string& username, LoginResult& out);
  bool heldForTopUp(const std::string& username, LoginResult& out);
  // Adds the IPv4 addresses of an https URL's host to the walled garden (resolved now; an IPv4
  // literal as it is). Failures are logged: the page then shows the link anyway.
  void openInGarden(const std::string& url);

  // Threads (poll: gateway_accounting.cpp; dynauth: gateway_dynauth.cpp).
  void pollLoop();
  void pollOnce();
  void dynauthLoop();
  std::vector<uint8_t> dynauthAnswer(const uint8_t* data, size_t len);

  // dnsmasq (gateway_dnsmasq.cpp).
  core::Status startDnsmasq();
  void stopDnsmasq();

  // The portal's address, as DHCP option 114 and `status` give it.
  std::string portalUrl() const;
  // A signup (or a first click-through visit) from the device at `ip` with `mac`: counted and
  // kNone, or refused (counted, logged) with the limit it hit and the seconds until it may retry.
  PortalLimit takeSignup(const std::string& mac, const std::string& ip, int64_t* retryAfter);
  // Log lines that visitors cause: at most 10 a second; the others are counted, and the next line
  // written says how many were not.
  template <class... Args>
  void visitorLog(core::LogLevel level, const Args&... args) {
    uint64_t held = 0;
    if (!visitorLogLimit_.allow(core::SystemClock::instance().unixSeconds(), &held)) {
      counters_.logSuppressed.inc();
      return;
    }
    if (held == 0) core::logAt(level, args...);
    else core::logAt(level, args..., " (", held, " similar lines not logged)");
  }

  GatewayConfig config_;
  std::mutex settingsMu_;  // config_'s branding fields (applySettings)
  std::string dataDir_;
  std::string accountingDatabasePath_;
  std::string stateDir_;
  RadiusService& radius_;
  core::ControlServer& control_;
  GatewayLan lan_;
  gw::Nft nft_;
  gw::Shaper shaper_;
  std::unique_ptr<PortalHostImpl> portalHost_;
  std::unique_ptr<portal::Portal> portal_;  // after portalHost_: destroyed before it
  std::string secret_;
  uint16_t authPort_ = 0, acctPort_ = 0;
  std::string radiusHost_;
  int dynauthFd_ = -1;
  uint16_t dynauthPort_ = 0;
  pid_t dnsmasqPid_ = -1;
  int64_t dnsmasqRestarts_ = 0;

  std::mutex mu_;  // clients_, classes_, limits_
  std::map<std::string, GatewayClient> clients_;  // by IP
  struct ClassUse {
    uint32_t minor = 0;
    int sessions = 0;
  };
  std::map<std::string, ClassUse> classes_;  // by username
  uint32_t nextMinor_ = 1;
  PortalLimits limits_;  // failed logins and signups per MAC, per address, in total
  std::atomic<uint32_t> nextId_{0};

  std::atomic<bool> stopping_{false};
  std::mutex pollMu_;  // disconnects_
  std::vector<std::string> disconnects_;  // IPs a Disconnect-Request ended, for the poll thread
  std::condition_variable pollWake_;
  std::thread pollThread_;
  std::thread dynauthThread_;
  bool started_ = false;

  GatewayCounters counters_;
  core::LogRateLimit visitorLogLimit_{10, 1};
};

}  // namespace edge
