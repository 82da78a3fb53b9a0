// The gateway's nftables side (libnftables): one table, `inet edged_gw`, that gates the LAN.
//
//   auth4      set (MAC . IPv4) of authorized clients: their upload is forwarded (and NATed)
//   auth_ip4   set of their IPv4 addresses: downloads to them are forwarded
//   class4     map IPv4 -> HTB class: `meta priority` selects the subscriber's class in O(1)
//   ctr_up/dn  maps IPv4 -> named counter (one pair per session): the kernel's byte counts
//   garden4    walled-garden addresses and networks (interval set, from the config)
//   garden_dns walled-garden addresses dnsmasq learned from DNS names (--nftset)
//
// Before login a LAN client reaches DHCP, DNS and the portal on the box, and the walled garden;
// plain HTTP elsewhere is DNATed to the portal, TCP 443 gets a reset and the rest an ICMP
// administratively-prohibited (fast failures, no timeouts). IPv6 from the LAN is never forwarded.
// A client whose IP is authorized but whose MAC is not (a spoofer) matches nothing and is refused.
//
// Threading: Nft serializes its libnftables context with a mutex; any thread may call it.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"

struct nft_ctx;

namespace edge::gw {

inline constexpr const char* kTable = "edged_gw";

struct NftLayout {
  std::string lanInterface;
  std::string wanInterface;
  std::string lanIp;  // the box on the LAN
  uint16_t portalPort = 8080;
  std::vector<std::string> gardenNets;  // IPv4 addresses and CIDRs
};

// One authorized client as the kernel holds it.
struct NftClient {
  std::string mac;  // "02:00:00:00:00:02"
  std::string ip;   // "10.10.0.100"
  uint32_t classMinor = 0;  // the HTB class 1:minor
  std::string counterId;    // names its counters: "u_<id>", "d_<id>"
  uint64_t upPackets = 0, upBytes = 0, downPackets = 0, downBytes = 0;  // initial counter values
};

struct NftCounter {
  uint64_t packets = 0;
  uint64_t bytes = 0;
};

// The whole table as one script (the caller wraps it in a transaction that replaces the old one).
std::string nftRuleset(const NftLayout& layout);
// Commands adding / removing one client (each a complete set of lines for one transaction).
std::string nftAddClient(const NftClient& c);
std::string nftRemoveClient(const NftClient& c);
// Only letters, digits and '_' survive: names of counters.
std::string nftIdentifier(const std::string& text);

class Nft {
 public:
  Nft();
  ~Nft();
  Nft(const Nft&) = delete;
  Nft& operator=(const Nft&) = delete;

  // Runs the commands as one transaction (all or nothing); the error names nft's message.
  core::Status run(const std::string& commands);
  // Whether our table exists now.
  bool tableExists();
  // Every named counter of our table by name (empty when the table is absent).
  core::Result<std::map<std::string, NftCounter>> counters();
  // The elements of a set of our table, as nft prints them ("02:00:00:00:00:02 . 10.10.0.100").
  core::Result<std::vector<std::string>> setElements(const std::string& set);
  // Removes our table (no error when it is absent).
  core::Status removeTable();

 private:
  core::Result<std::string> runJson(const std::string& command);
  std::mutex mu_;
  nft_ctx* ctx_ = nullptr;
};

}  // namespace edge::gw
