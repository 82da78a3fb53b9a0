// The Gateway's lifecycle and wiring: construction (counters, the portal and its host), start (the
// LAN address, forwarding, the dynauth port, the NAS "gateway", then kernel, dnsmasq, portal and
// threads), stop, reloadable settings, status; and the LAN as the config describes it.
#include "edge/gateway/gateway.h"

#include <net/if.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "core/log.h"
#include "core/pki.h"
#include "edge/gateway/gateway_internal.h"
#include "edge/gateway/gateway_portal_host.h"
#include "edge/radius/radius_service.h"

namespace edge {

using gw::ipv4Host;
using gw::ipv4Text;
using gw::kInterim;
using gw::takeCounters;

namespace {

portal::PortalSettings portalSettings(const GatewayConfig& c) {
  portal::PortalSettings s;
  s.name = c.portalName;
  s.color = c.portalColor;
  s.terms = c.portalTerms;
  s.venueInfoUrl = c.venueInfoUrl;
  s.signupPlans = c.signupPlans;
  s.clickThroughPlan = c.clickThroughPlan;
  return s;
}

PortalLimitSettings limitSettings(const GatewayConfig& c) {
  PortalLimitSettings s;
  s.loginAttempts = c.loginAttempts;
  s.signupPerDevice = c.signupPerDevice;
  s.signupTotal = c.signupTotal;
  s.signupWindow = c.signupWindow;
  return s;
}

}  // namespace

core::Result<GatewayLan> parseGatewayLan(const std::string& lanAddress, const std::string& dhcpRange) {
  GatewayLan lan;
  auto slash = lanAddress.find('/');
  if (slash == std::string::npos) return core::invalidArgument("gateway.lan-address: '" + lanAddress + "' is not ADDRESS/LENGTH");
  lan.ip = lanAddress.substr(0, slash);
  lan.prefixLength = std::atoi(lanAddress.c_str() + slash + 1);
  uint32_t ip = ipv4Host(lan.ip);
  if (ip == 0 || lan.prefixLength < 8 || lan.prefixLength > 30)
    return core::invalidArgument("gateway.lan-address: '" + lanAddress + "' is not ADDRESS/LENGTH with LENGTH 8..30");
  uint32_t mask = lan.prefixLength == 0 ? 0 : ~uint32_t{0} << (32 - lan.prefixLength);
  uint32_t net = ip & mask, broadcast = net | ~mask;
  if (ip == net || ip == broadcast)
    return core::invalidArgument("gateway.lan-address: " + lan.ip + " is the network or broadcast address");
  lan.netmask = ipv4Text(mask);
  lan.network = ipv4Text(net) + "/" + std::to_string(lan.prefixLength);
  uint32_t first = 0, last = 0;
  if (dhcpRange.empty()) {
    first = net + (broadcast - net) / 2 + 1;
    last = broadcast - 1;
  } else {
    auto dash = dhcpRange.find('-');
    if (dash == std::string::npos) return core::invalidArgument("gateway.dhcp-range: '" + dhcpRange + "' is not FIRST-LAST");
    first = ipv4Host(dhcpRange.substr(0, dash));
    last = ipv4Host(dhcpRange.substr(dash + 1));
    if (first == 0 || last == 0 || first > last)
      return core::invalidArgument("gateway.dhcp-range: '" + dhcpRange + "' is not FIRST-LAST with FIRST <= LAST");
    if ((first & mask) != net || (last & mask) != net || first == net || last == broadcast)
      return core::invalidArgument("gateway.dhcp-range: '" + dhcpRange + "' is not inside " + lan.network);
  }
  if (ip >= first && ip <= last)
    return core::invalidArgument("gateway.dhcp-range: it contains the box's own address " + lan.ip);
  lan.rangeFirst = ipv4Text(first);
  lan.rangeLast = ipv4Text(last);
  return lan;
}

Gateway::Gateway(GatewayConfig config, std::string dataDir, std::string accountingDatabasePath, RadiusService& radius,
                 core::ControlServer& control, core::CounterRegistry& counters)
    : config_(std::move(config)),
      dataDir_(std::move(dataDir)),
      accountingDatabasePath_(std::move(accountingDatabasePath)),
      stateDir_(dataDir_ + "/gateway"),
      radius_(radius),
      control_(control),
      counters_(counters) {
  portalHost_ = std::make_unique<PortalHostImpl>(*this);
  portal_ = std::make_unique<portal::Portal>(*portalHost_, counters, portalSettings(config_));
}

Gateway::~Gateway() { stop(); }

std::string Gateway::portalUrl() const {
  return "http://" + lan_.ip + ":" + std::to_string(config_.portalPort) + "/";
}

core::Status Gateway::start() {
  core::Result<GatewayLan> lan = parseGatewayLan(config_.lanAddress, config_.dhcpRange);
  if (!lan.isOk()) return lan.status();
  lan_ = *lan;
  if (::mkdir(stateDir_.c_str(), 0700) != 0 && errno != EEXIST)
    return core::internalError(stateDir_ + ": " + std::strerror(errno));
  core::Result<portal::PortalLogo> logo = portal::loadPortalLogo(config_.portalLogo);
  if (!logo.isOk()) return logo.status();
  secret_ = core::pki::randomHex(24);
  {
    std::lock_guard<std::mutex> lock(mu_);
    limits_.configure(limitSettings(config_));
  }

  // The LAN address, and forwarding.
  unsigned lanIndex = if_nametoindex(config_.lanInterface.c_str());
  if (lanIndex == 0) return core::notFound("gateway.lan-interface: no interface named '" + config_.lanInterface + "'");
  if (if_nametoindex(config_.wanInterface.c_str()) == 0)
    return core::notFound("gateway.wan-interface: no interface named '" + config_.wanInterface + "'");
  {
    nl_sock* sock = nl_socket_alloc();
    int err = nl_connect(sock, NETLINK_ROUTE);
    rtnl_addr* a = rtnl_addr_alloc();
    nl_addr* local = nullptr;
    if (err == 0) err = nl_addr_parse(config_.lanAddress.c_str(), AF_INET, &local);
    if (err == 0) {
      rtnl_addr_set_ifindex(a, static_cast<int>(lanIndex));
      rtnl_addr_set_local(a, local);
      err = rtnl_addr_add(sock, a, NLM_F_REPLACE);
      if (err == -NLE_EXIST) err = 0;
    }
    if (local != nullptr) nl_addr_put(local);
    rtnl_addr_put(a);
    nl_socket_free(sock);
    if (err < 0)
      return core::internalError("gateway.lan-address: cannot set " + config_.lanAddress + " on " + config_.lanInterface +
                                 ": " + nl_geterror(err));
  }
  {
    // Under the packaged unit /proc/sys is read-only for edged and its gateway drop-in has switched
    // forwarding on before the sandbox (image/systemd/edged-gateway.conf): write only when it is off.
    std::string forwarding;
    std::ifstream("/proc/sys/net/ipv4/ip_forward") >> forwarding;
    if (forwarding != "1") {
      std::ofstream fwd("/proc/sys/net/ipv4/ip_forward");
      fwd << "1\n";
      if (!fwd) return core::internalError("cannot enable IPv4 forwarding (/proc/sys/net/ipv4/ip_forward)");
    }
  }

  // The dynauth port (RFC 5176) on the gateway's loopback address, then the NAS it speaks as.
  dynauthFd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(ipv4Host(kGatewayAddress));
  if (dynauthFd_ < 0 || ::bind(dynauthFd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    return core::internalError(std::string("gateway: cannot bind the dynauth port on ") + kGatewayAddress + ": " +
                               std::strerror(errno));
  socklen_t len = sizeof sa;
  ::getsockname(dynauthFd_, reinterpret_cast<sockaddr*>(&sa), &len);
  dynauthPort_ = ntohs(sa.sin_port);
  aaa::policy::NasClient nas;
  nas.name = kGatewayNasName;
  std::string error;
  nas.prefix = *aaa::policy::parsePrefix(std::string(kGatewayAddress) + "/32", &error);
  nas.secret = secret_;
  nas.vendor = aaa::policy::VendorProfile::kMikrotik;
  nas.coaPort = dynauthPort_;
  nas.requireMessageAuthenticator = true;
  core::Status s = radius_.registerLocalNas(nas);
  if (!s.isOk()) return s.withContext("gateway: registering the NAS 'gateway'");
  authPort_ = radius_.authPort();
  acctPort_ = radius_.acctPort();
  const std::string& listen = radius_.listenAddress();
  radiusHost_ = (listen.empty() || listen == "0.0.0.0" || listen == "::" || listen.find(':') != std::string::npos)
                    ? "127.0.0.1"
                    : listen;

  // Kernel state from the ledger, then the services.
  s = reconcile();
  if (!s.isOk()) return s;
  s = startDnsmasq();
  if (!s.isOk()) return s;

  s = portal_->start(lan_.ip, static_cast<uint16_t>(config_.portalPort), std::move(*logo));
  if (!s.isOk()) return s.withContext("gateway.portal-port");

  stopping_ = false;
  pollThread_ = std::thread([this] { pollLoop(); });
  dynauthThread_ = std::thread([this] { dynauthLoop(); });
  started_ = true;
  core::logInfo("gateway: serving ", config_.lanInterface, " (", lan_.network, ", DHCP ", lan_.rangeFirst, "-",
                lan_.rangeLast, ") to ", config_.wanInterface, "; portal http://", lan_.ip, ":", portal_->port(), "/; ",
                clients_.size(), " clients restored from the ledger");
  return core::Status::ok();
}

void Gateway::stop() {
  portal_->stop();
  stopping_ = true;
  pollWake_.notify_all();
  if (pollThread_.joinable()) pollThread_.join();
  if (dynauthThread_.joinable()) dynauthThread_.join();
  if (dynauthFd_ >= 0) ::close(dynauthFd_);
  dynauthFd_ = -1;
  if (started_) {
    // The sessions stay live in the ledger with durable counters; the next start reinstates them.
    std::vector<GatewayClient> live;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& [ip, c] : clients_) live.push_back(c);
    }
    if (auto counters = nft_.counters(); counters.isOk())
      for (GatewayClient& c : live) takeCounters(*counters, c);
    for (const GatewayClient& c : live) (void)account(c, kInterim);
    core::Status s = nft_.removeTable();
    if (!s.isOk()) core::logWarning("gateway: ", s.message());
    shaper_.close();
    core::logInfo("gateway: stopped; ", live.size(), " sessions stay open in the ledger for the next start");
  }
  stopDnsmasq();
  started_ = false;
}

void Gateway::applySettings(const GatewayConfig& config) {
  portal_->applySettings(portalSettings(config));
  std::lock_guard<std::mutex> lock(settingsMu_);
  config_.portalName = config.portalName;
  config_.portalColor = config.portalColor;
  config_.portalTerms = config.portalTerms;
  config_.venueInfoUrl = config.venueInfoUrl;
  config_.signupPlans = config.signupPlans;
  config_.clickThroughPlan = config.clickThroughPlan;
  config_.loginAttempts = config.loginAttempts;
  config_.signupPerDevice = config.signupPerDevice;
  config_.signupTotal = config.signupTotal;
  config_.signupWindow = config.signupWindow;
  std::lock_guard<std::mutex> limitsLock(mu_);
  limits_.configure(limitSettings(config_));
}

core::Json Gateway::statusJson() {
  core::Json j = core::Json::object();
  std::lock_guard<std::mutex> lock(mu_);
  j["lan-interface"] = config_.lanInterface;
  j["wan-interface"] = config_.wanInterface;
  j["lan-address"] = config_.lanAddress;
  j["dhcp-range"] = lan_.rangeFirst + "-" + lan_.rangeLast;
  j["portal"] = portalUrl();
  j["clients"] = clients_.size();
  j["shaping-classes"] = classes_.size();
  j["dnsmasq"] = dnsmasqPid_ > 0 ? "running" : "stopped";
  j["dnsmasq-restarts"] = dnsmasqRestarts_;
  return j;
}

}  // namespace edge
