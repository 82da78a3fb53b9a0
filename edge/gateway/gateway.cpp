#include "edge/gateway/gateway.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "aaa/radius/reply.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/pki.h"
#include "core/units.h"
#include "edge/radius/radius_service.h"

namespace edge {

namespace {

using aaa::radius::Attribute;
using aaa::radius::Packet;
using aaa::radius::PacketCode;
using aaa::radius::Value;

// RFC 2866 Acct-Status-Type and Acct-Terminate-Cause values.
constexpr uint32_t kStart = 1, kStop = 2, kInterim = 3;
constexpr uint32_t kCauseUserRequest = 1, kCauseIdleTimeout = 4, kCauseSessionTimeout = 5, kCauseAdminReset = 6,
                   kCauseNasReboot = 11;
constexpr uint32_t kNasPortTypeWireless = 19;
constexpr uint32_t kErrorSessionNotFound = 503, kErrorUnsupportedAttribute = 401;
constexpr int64_t kEventWindowSeconds = 300;  // RFC 5176 3.5, as FreeRADIUS and most NAS equipment

int64_t nowUnix() { return core::SystemClock::instance().unixSeconds(); }

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

// What the RADIUS server can take from the portal (RFC 2865 5.1: User-Name 1..253 octets, 5.2:
// User-Password 1..128 octets), without control characters in the name. Anything else is refused
// before it reaches the server, and counts as a failed login.
bool wellFormedLogin(const std::string& username, const std::string& password) {
  if (username.empty() || username.size() > 253 || password.empty() || password.size() > 128) return false;
  for (char ch : username) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) return false;
  }
  return password.find('\0') == std::string::npos;
}

bool readFile(const std::string& path, std::string* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream o;
  o << f.rdbuf();
  *out = o.str();
  return true;
}

uint32_t ipv4Host(const std::string& ip) {
  in_addr a{};
  if (inet_pton(AF_INET, ip.c_str(), &a) != 1) return 0;
  return ntohl(a.s_addr);
}

std::string ipv4Text(uint32_t hostOrder) {
  in_addr a{};
  a.s_addr = htonl(hostOrder);
  char buf[INET_ADDRSTRLEN] = {0};
  inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

// "02-00-00-00-00-02" (RFC 3580 3.21) <-> "02:00:00:00:00:02"
std::string stationId(const std::string& mac) {
  std::string s = mac;
  for (char& c : s) c = c == ':' ? '-' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
std::string macFromStation(const std::string& station) {
  std::string s = station;
  for (char& c : s) c = c == '-' ? ':' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Attribute attr(const aaa::radius::AttrRef& ref, Value v) { return Attribute{ref, std::move(v), 0}; }

gw::ShapeRate shapeOf(const aaa::radius::RateLimit& r) {
  return gw::ShapeRate{r.downBps, r.upBps, r.burstDownBps, r.burstUpBps, r.burstSeconds};
}

// The session's counters as the kernel holds them ("u_<id>", "d_<id>"); true when they moved.
bool takeCounters(const std::map<std::string, gw::NftCounter>& counters, GatewayClient& c) {
  std::string id = gw::nftIdentifier(c.acctSessionId);
  auto u = counters.find("u_" + id), d = counters.find("d_" + id);
  bool moved = false;
  if (u != counters.end() && u->second.bytes != c.upBytes) {
    c.upBytes = u->second.bytes, c.upPackets = u->second.packets;
    moved = true;
  }
  if (d != counters.end() && d->second.bytes != c.downBytes) {
    c.downBytes = d->second.bytes, c.downPackets = d->second.packets;
    moved = true;
  }
  return moved;
}

}  // namespace

// What the portal asks of the gateway: its clients, logins and limits, and the plans and
// subscribers through the control commands (so the license gate and the sync outbox apply).
class Gateway::PortalHostImpl : public portal::PortalHost {
 public:
  explicit PortalHostImpl(Gateway& gateway) : g_(gateway) {}

  std::optional<portal::ClientStatus> clientAt(const std::string& ip) override {
    std::optional<GatewayClient> c = g_.clientAt(ip);
    if (!c) return std::nullopt;
    portal::ClientStatus s;
    s.username = c->username;
    s.started = c->started;
    s.sessionTimeout = c->sessionTimeout;
    s.upBytes = c->upBytes;
    s.downBytes = c->downBytes;
    s.limitBytes = c->limitBytes;
    s.downBps = c->rate.downBps;
    s.upBps = c->rate.upBps;
    return s;
  }
  std::string macOf(const std::string& ip) override { return g_.macOf(ip); }
  portal::LoginResult login(const std::string& ip, const std::string& username, const std::string& password) override {
    return g_.login(ip, username, password);
  }
  void logout(const std::string& ip) override { g_.logout(ip, kCauseUserRequest, "logged out on the portal"); }
  PortalLimit takeSignup(const std::string& mac, const std::string& ip, int64_t* retryAfter) override {
    return g_.takeSignup(mac, ip, retryAfter);
  }
  std::vector<core::Json> plans() override {
    core::Json reply = g_.control_.handle(core::Json{{"command", "plan-list"}, {"arguments", core::Json::object()}});
    std::vector<core::Json> out;
    if (reply.value("result", 1) != 0 || !reply["arguments"].is_array()) return out;
    for (const core::Json& p : reply["arguments"]) out.push_back(p);
    return out;
  }
  bool subscriberExists(const std::string& username) override {
    return g_.radius_.snapshot()->findSubscriber(username) != nullptr;
  }
  core::Status addSubscriber(const core::Json& arguments) override {
    core::Json reply = g_.control_.handle(core::Json{{"command", "subscriber-add"}, {"arguments", arguments}});
    if (reply.value("result", 1) == 0) return core::Status::ok();
    return core::invalidArgument(reply.value("text", std::string()));
  }
  void visitorLog(core::LogLevel level, const std::string& line) override { g_.visitorLog(level, line); }

 private:
  Gateway& g_;
};

std::vector<GatewayLease> parseDnsmasqLeases(const std::string& text) {
  std::vector<GatewayLease> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    GatewayLease l;
    std::string expires;
    if (!(words >> expires >> l.mac >> l.ip >> l.hostname)) continue;
    if (l.mac.size() != 17 || ipv4Host(l.ip) == 0) continue;  // DHCPv6 lines and junk
    l.expires = std::strtoll(expires.c_str(), nullptr, 10);
    for (char& c : l.mac) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (l.hostname == "*") l.hostname.clear();
    out.push_back(std::move(l));
  }
  return out;
}

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

Gateway::Gateway(GatewayConfig config, std::string dataDir, RadiusService& radius, core::ControlServer& control,
                 core::CounterRegistry& counters)
    : config_(std::move(config)),
      dataDir_(std::move(dataDir)),
      stateDir_(dataDir_ + "/gateway"),
      radius_(radius),
      control_(control),
      clientsGauge_(counters.gauge("gateway_authorized_clients", "Clients the hotspot gateway lets through")),
      classesGauge_(counters.gauge("gateway_shaping_classes", "Per-subscriber shaping classes installed")),
      logins_(counters.counter("gateway_logins_total", "Portal logins that opened the gateway")),
      loginFailures_(counters.counter("gateway_login_failures_total", "Portal logins refused (credentials, limits)")),
      logouts_(counters.counter("gateway_logouts_total", "Gateway sessions ended (logout, timeouts, quota, disconnect)")),
      pollErrors_(counters.counter("gateway_poll_errors_total", "Kernel counter reads or accounting writes that failed")),
      dynauthDropped_(counters.counter(
          "gateway_dynauth_dropped_total",
          "CoA/Disconnect requests dropped (authenticator, format, missing or stale Event-Timestamp)")),
      loginMalformed_(counters.counter("gateway_login_malformed_total",
                                       "Portal logins refused for malformed or oversized input (counted as failures)")),
      logSuppressed_(counters.counter("gateway_log_lines_suppressed_total",
                                      "Log lines about portal visitors not written (more than 10 a second)")) {
  for (PortalLimit l : {PortalLimit::kDevice, PortalLimit::kAddress}) {
    loginThrottled_[static_cast<int>(l)] = &counters.counter(
        "gateway_login_throttled_total", "Portal logins refused because the device (MAC) or address failed too often",
        {{"limit", portalLimitName(l)}});
  }
  for (PortalLimit l : {PortalLimit::kDevice, PortalLimit::kAddress, PortalLimit::kTotal}) {
    signupRefused_[static_cast<int>(l)] = &counters.counter(
        "gateway_signup_refusals_total",
        "Portal signups refused by a limit (per device, per address, in total per signup-window)",
        {{"limit", portalLimitName(l)}});
  }
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
    std::ofstream fwd("/proc/sys/net/ipv4/ip_forward");
    fwd << "1\n";
    if (!fwd) return core::internalError("cannot enable IPv4 forwarding (/proc/sys/net/ipv4/ip_forward)");
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

void Gateway::tick() {
  if (!started_ || dnsmasqPid_ <= 0) return;
  int status = 0;
  pid_t r = ::waitpid(dnsmasqPid_, &status, WNOHANG);
  if (r == dnsmasqPid_) {
    dnsmasqPid_ = -1;
    ++dnsmasqRestarts_;
    core::logWarning("gateway: dnsmasq exited (status ", status, "); starting it again");
    core::Status s = startDnsmasq();
    if (!s.isOk()) core::logError("gateway: ", s.message());
  }
}

// ---- dnsmasq ----

core::Status Gateway::startDnsmasq() {
  // A dnsmasq of a crashed edged may still hold the ports for a moment (it gets SIGTERM when edged
  // dies): wait for it, and end it when it lingers.
  std::string pidText, comm;
  if (readFile(stateDir_ + "/dnsmasq.pid", &pidText)) {
    pid_t old = static_cast<pid_t>(std::atoi(pidText.c_str()));
    if (old > 1 && readFile("/proc/" + std::to_string(old) + "/comm", &comm) && comm.rfind("dnsmasq", 0) == 0) {
      ::kill(old, SIGTERM);
      for (int i = 0; i < 100 && ::kill(old, 0) == 0; ++i) ::usleep(20000);
      if (::kill(old, 0) == 0) ::kill(old, SIGKILL);
      ::usleep(20000);
    }
  }
  std::vector<std::string> args = {
      config_.dnsmasq,
      "--keep-in-foreground",
      "--conf-file=/dev/null",
      "--no-hosts",
      "--bind-interfaces",
      "--interface=" + config_.lanInterface,
      "--except-interface=lo",
      "--listen-address=" + lan_.ip,
      "--pid-file=" + stateDir_ + "/dnsmasq.pid",
      "--quiet-dhcp",
      "--log-facility=-",
      "--dhcp-authoritative",
      "--dhcp-leasefile=" + stateDir_ + "/dnsmasq.leases",
      "--dhcp-range=" + lan_.rangeFirst + "," + lan_.rangeLast + "," + lan_.netmask + "," +
          std::to_string(config_.leaseSeconds),
      "--dhcp-option=option:router," + lan_.ip,
      "--dhcp-option=option:dns-server," + lan_.ip,
      // RFC 8910: the CAPPORT API URI (DHCPv4 option 114).
      "--dhcp-option=114," + portalUrl() + "api/captive",
  };
  if (!config_.dnsServers.empty()) {
    args.push_back("--no-resolv");
    for (const std::string& d : config_.dnsServers) args.push_back("--server=" + d);
  }
  std::string names;
  for (const std::string& g : config_.walledGarden)
    if (ipv4Host(g.substr(0, g.find('/'))) == 0) names += "/" + g;
  if (!names.empty()) args.push_back("--nftset=" + names + "/4#inet#" + gw::kTable + "#garden_dns");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return core::internalError(std::string("gateway: fork for dnsmasq: ") + std::strerror(errno));
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // it goes when edged goes, kill -9 included
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  dnsmasqPid_ = pid;
  // dnsmasq fails fast on a bad option or a taken port: look once.
  for (int i = 0; i < 10; ++i) {
    ::usleep(20000);
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      dnsmasqPid_ = -1;
      return core::internalError("gateway: dnsmasq (" + config_.dnsmasq + ") exited at start with status " +
                                 std::to_string(WEXITSTATUS(status)) + "; its message is in edged's log");
    }
  }
  return core::Status::ok();
}

void Gateway::stopDnsmasq() {
  if (dnsmasqPid_ <= 0) return;
  ::kill(dnsmasqPid_, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(dnsmasqPid_, nullptr, WNOHANG) == dnsmasqPid_) {
      dnsmasqPid_ = -1;
      return;
    }
    ::usleep(20000);
  }
  ::kill(dnsmasqPid_, SIGKILL);
  ::waitpid(dnsmasqPid_, nullptr, 0);
  dnsmasqPid_ = -1;
}

std::string Gateway::macOf(const std::string& ip) {
  std::string text;
  if (readFile(stateDir_ + "/dnsmasq.leases", &text))
    for (const GatewayLease& l : parseDnsmasqLeases(text))
      if (l.ip == ip) return l.mac;
  // A device with a static address: the neighbour table.
  if (readFile("/proc/net/arp", &text)) {
    std::istringstream in(text);
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::istringstream w(line);
      std::string addr, hw, flags, mac, mask, dev;
      if (w >> addr >> hw >> flags >> mac >> mask >> dev && addr == ip && dev == config_.lanInterface &&
          mac != "00:00:00:00:00:00")
        return mac;
    }
  }
  return "";
}

// ---- kernel ----

uint32_t Gateway::acquireClass(const std::string& username) {
  ClassUse& use = classes_[username];
  if (use.minor == 0) {
    std::set<uint32_t> taken;
    for (const auto& [u, c] : classes_) taken.insert(c.minor);
    while (taken.count(nextMinor_) || nextMinor_ == 0 || nextMinor_ >= gw::kDefaultClass)
      nextMinor_ = nextMinor_ >= gw::kDefaultClass - 1 ? 1 : nextMinor_ + 1;
    use.minor = nextMinor_++;
  }
  ++use.sessions;
  return use.minor;
}

void Gateway::releaseClass(const std::string& username) {
  auto it = classes_.find(username);
  if (it == classes_.end()) return;
  if (--it->second.sessions <= 0) {
    core::Status s = shaper_.removeClass(it->second.minor);
    if (!s.isOk()) core::logWarning("gateway: ", s.message());
    classes_.erase(it);
  }
}

core::Status Gateway::installClient(const GatewayClient& c) {
  core::Status s = shaper_.setClass(c.classMinor, c.rate);
  if (!s.isOk()) return s;
  gw::NftClient n{c.mac, c.ip, c.classMinor, c.acctSessionId, c.upPackets, c.upBytes, c.downPackets, c.downBytes};
  return nft_.run(gw::nftAddClient(n));
}

void Gateway::removeClient(const GatewayClient& c) {
  gw::NftClient n{c.mac, c.ip, c.classMinor, c.acctSessionId};
  core::Status s = nft_.run(gw::nftRemoveClient(n));
  if (!s.isOk()) core::logError("gateway: removing ", c.ip, " (", c.username, ") from nftables: ", s.message());
}

core::Status Gateway::reconcile() {
  // Counters that survived a crash, by name, before the table is rebuilt.
  std::map<std::string, gw::NftCounter> old;
  if (auto c = nft_.counters(); c.isOk()) old = *c;
  gw::NftLayout layout{config_.lanInterface, config_.wanInterface, lan_.ip, static_cast<uint16_t>(config_.portalPort), {}};
  for (const std::string& g : config_.walledGarden)
    if (ipv4Host(g.substr(0, g.find('/'))) != 0) layout.gardenNets.push_back(g);
  core::Status s = nft_.run(std::string("add table inet ") + gw::kTable + "\ndelete table inet " + gw::kTable + "\n" +
                            gw::nftRuleset(layout));
  if (!s.isOk()) return s.withContext("gateway");
  s = shaper_.open(config_.lanInterface, config_.wanInterface);
  if (!s.isOk()) return s.withContext("gateway");

  core::Json reply = control_.handle(core::Json{{"command", "session-list"}, {"arguments", {{"nas", kGatewayNasName}}}});
  if (reply.value("result", 1) != 0) return core::internalError("gateway: reading the ledger: " + reply.value("text", std::string()));
  const core::Json& sessions = reply["arguments"];
  int64_t now = nowUnix();
  size_t restored = 0, ended = 0;
  std::string elements;
  for (const core::Json& j : sessions) {
    GatewayClient c;
    c.ip = j.value("framed-ip", "");
    c.mac = macFromStation(j.value("calling-station-id", ""));
    c.username = j.value("username", "");
    c.acctSessionId = j.value("acct-session-id", "");
    c.nasPort = j.value("nas-port", 0u);
    core::Result<int64_t> started = core::parseIso8601(j.value("started", ""));
    c.started = started.isOk() ? *started : now - j.value("session-time", int64_t{0});
    c.lastActivity = c.lastInterim = now;
    c.upBytes = j.value("input-octets", uint64_t{0});
    c.downBytes = j.value("output-octets", uint64_t{0});
    c.upPackets = j.value("input-packets", uint64_t{0});
    c.downPackets = j.value("output-packets", uint64_t{0});
    std::string id = gw::nftIdentifier(c.acctSessionId);
    auto u = old.find("u_" + id), d = old.find("d_" + id);
    // The kernel's counters are newer than the last interim when they survived.
    if (u != old.end() && u->second.bytes >= c.upBytes) c.upBytes = u->second.bytes, c.upPackets = u->second.packets;
    if (d != old.end() && d->second.bytes >= c.downBytes) c.downBytes = d->second.bytes, c.downPackets = d->second.packets;
    auto policy = radius_.sessionPolicy(c.username);
    if (c.ip.empty() || c.mac.size() != 17 || !policy) {
      // The subscriber is gone or no longer allowed: the session ends (with what the kernel counted).
      (void)account(c, kStop, kCauseAdminReset);
      ++ended;
      continue;
    }
    c.rate = shapeOf(policy->rate);
    c.sessionTimeout = policy->sessionTimeout;
    c.idleTimeout = policy->idleTimeout;
    c.interimInterval = policy->interimInterval ? policy->interimInterval : 300;
    c.usageMatters = policy->usageMatters;
    if (policy->remainingBytes) c.limitBytes = c.upBytes + c.downBytes + *policy->remainingBytes;
    {
      std::lock_guard<std::mutex> lock(mu_);
      c.classMinor = acquireClass(c.username);
    }
    s = shaper_.setClass(c.classMinor, c.rate);
    if (!s.isOk()) return s.withContext("gateway: restoring " + c.ip + " (" + c.username + ")");
    gw::NftClient n{c.mac, c.ip, c.classMinor, c.acctSessionId, c.upPackets, c.upBytes, c.downPackets, c.downBytes};
    elements += gw::nftAddClient(n);
    std::lock_guard<std::mutex> lock(mu_);
    clients_[c.ip] = c;
    ++restored;
  }
  // One transaction for every client: thousands restore in well under a second.
  if (!elements.empty()) {
    s = nft_.run(elements);
    if (!s.isOk()) return s.withContext("gateway: restoring the clients");
  }
  std::vector<GatewayClient> restoredClients;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [ip, c] : clients_) restoredClients.push_back(c);
  }
  for (const GatewayClient& c : restoredClients) (void)account(c, kInterim);  // the kernel's counters become durable
  clientsGauge_.set(clients_.size());
  classesGauge_.set(classes_.size());
  if (restored || ended)
    core::logInfo("gateway: restored ", restored, " clients from the ledger", ended ? ", ended " : "",
                  ended ? std::to_string(ended) + " whose subscriber is gone" : "");
  return core::Status::ok();
}

// ---- RADIUS toward edged ----

core::Result<Packet> Gateway::exchange(Packet request, uint16_t port) {
  request.id = static_cast<uint8_t>(nextId_.fetch_add(1));
  if (request.code == PacketCode::kAccessRequest) core::secureRandom(request.authenticator.data(), 16);
  core::Result<std::vector<uint8_t>> wire = aaa::radius::encode(request, secret_);
  if (!wire.isOk()) return wire.status();
  // The Request Authenticator as encoded (Accounting-Request's is computed).
  aaa::radius::Authenticator sent{};
  std::memcpy(sent.data(), wire->data() + 4, 16);
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return core::internalError(std::string("socket: ") + std::strerror(errno));
  sockaddr_in local{}, peer{};
  local.sin_family = peer.sin_family = AF_INET;
  local.sin_addr.s_addr = htonl(ipv4Host(kGatewayAddress));
  peer.sin_addr.s_addr = htonl(ipv4Host(radiusHost_));
  peer.sin_port = htons(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&peer), sizeof peer) != 0) {
    std::string e = std::strerror(errno);
    ::close(fd);
    return core::unavailable("RADIUS on " + radiusHost_ + ":" + std::to_string(port) + ": " + e);
  }
  // RFC 5080 2.2.1-style: the same datagram again after 1, 2 and 4 s.
  int waitMs = 1000;
  for (int attempt = 0; attempt < 4; ++attempt, waitMs *= 2) {
    if (::send(fd, wire->data(), wire->size(), 0) < 0) break;
    pollfd p{fd, POLLIN, 0};
    while (::poll(&p, 1, waitMs) > 0) {
      uint8_t buf[4096];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n < 20 || buf[1] != request.id) continue;
      core::Result<Packet> reply = aaa::radius::decode(buf, static_cast<size_t>(n), secret_, &sent);
      if (!reply.isOk()) continue;
      ::close(fd);
      return reply;
    }
    if (stopping_ && request.code == PacketCode::kAccessRequest) break;
  }
  ::close(fd);
  return core::unavailable("no answer from edged's RADIUS server on port " + std::to_string(port));
}

core::Status Gateway::account(const GatewayClient& c, uint32_t statusType, uint32_t terminateCause) {
  const aaa::radius::Attributes& a = radius_.attributes();
  int64_t now = nowUnix();
  Packet p;
  p.code = PacketCode::kAccountingRequest;
  p.attributes.push_back(attr(a.acctStatusType, Value::uint32(statusType)));
  p.attributes.push_back(attr(a.acctSessionId, Value::string(c.acctSessionId)));
  p.attributes.push_back(attr(a.userName, Value::string(c.username)));
  p.attributes.push_back(attr(a.nasIpAddress, Value::ipv4(ipv4Host(kGatewayAddress))));
  p.attributes.push_back(attr(a.nasIdentifier, Value::string(kGatewayNasName)));
  p.attributes.push_back(attr(a.nasPort, Value::uint32(c.nasPort)));
  p.attributes.push_back(attr(a.nasPortType, Value::uint32(kNasPortTypeWireless)));
  p.attributes.push_back(attr(a.framedIpAddress, Value::ipv4(ipv4Host(c.ip))));
  p.attributes.push_back(attr(a.callingStationId, Value::string(stationId(c.mac))));
  if (statusType != kStart) {
    // Input is what the NAS received from the subscriber: the upload.
    p.attributes.push_back(attr(a.acctInputOctets, Value::uint32(static_cast<uint32_t>(c.upBytes))));
    p.attributes.push_back(attr(a.acctInputGigawords, Value::uint32(static_cast<uint32_t>(c.upBytes >> 32))));
    p.attributes.push_back(attr(a.acctOutputOctets, Value::uint32(static_cast<uint32_t>(c.downBytes))));
    p.attributes.push_back(attr(a.acctOutputGigawords, Value::uint32(static_cast<uint32_t>(c.downBytes >> 32))));
    p.attributes.push_back(attr(a.acctInputPackets, Value::uint32(static_cast<uint32_t>(c.upPackets))));
    p.attributes.push_back(attr(a.acctOutputPackets, Value::uint32(static_cast<uint32_t>(c.downPackets))));
    p.attributes.push_back(attr(a.acctSessionTime, Value::uint32(static_cast<uint32_t>(std::max<int64_t>(0, now - c.started)))));
  }
  if (statusType == kStop && terminateCause != 0)
    p.attributes.push_back(attr(a.acctTerminateCause, Value::uint32(terminateCause)));
  p.attributes.push_back(attr(a.eventTimestamp, Value::uint32(static_cast<uint32_t>(now))));
  core::Result<Packet> reply = exchange(std::move(p), acctPort_);
  if (!reply.isOk()) {
    pollErrors_.inc();
    core::logError("gateway: accounting for ", c.username, " (", c.ip, "): ", reply.status().message());
    return reply.status();
  }
  return core::Status::ok();
}

void Gateway::readAccept(const Packet& accept, GatewayClient& c) {
  const aaa::radius::Attributes& a = radius_.attributes();
  if (const Attribute* t = accept.find(a.sessionTimeout)) c.sessionTimeout = static_cast<uint32_t>(t->value.number);
  if (const Attribute* t = accept.find(a.idleTimeout)) c.idleTimeout = static_cast<uint32_t>(t->value.number);
  if (const Attribute* t = accept.find(a.acctInterimInterval))
    c.interimInterval = std::max<uint32_t>(10, static_cast<uint32_t>(t->value.number));
  if (const Attribute* r = accept.find(a.mikrotikRateLimit))
    if (auto rate = aaa::radius::parseMikrotikRateLimit(r->value.bytes)) c.rate = shapeOf(*rate);
  const Attribute* limit = accept.find(a.mikrotikTotalLimit);
  const Attribute* giga = accept.find(a.mikrotikTotalLimitGigawords);
  if (limit || giga)
    c.limitBytes = (giga ? giga->value.number << 32 : 0) + (limit ? limit->value.number : 0) + c.upBytes + c.downBytes;
}

std::optional<GatewayClient> Gateway::clientAt(const std::string& ip) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = clients_.find(ip);
  if (it == clients_.end()) return std::nullopt;
  return it->second;
}

Gateway::LoginResult Gateway::login(const std::string& ip, const std::string& username, const std::string& password) {
  LoginResult out;
  if (clientAt(ip)) {
    out.ok = true;
    out.message = "You are already connected.";
    return out;
  }
  std::string mac = macOf(ip);
  int64_t now = nowUnix();
  // Held back by the device's MAC or by its address: a device that changes its MAC keeps its
  // address's failures, one that changes its address keeps its MAC's.
  PortalLimit held;
  {
    std::lock_guard<std::mutex> lock(mu_);
    held = limits_.loginAllowed(mac, ip, now, &out.retryAfter);
  }
  if (held != PortalLimit::kNone) {
    loginFailures_.inc();
    loginThrottled_[static_cast<int>(held)]->inc();
    out.message = "Too many attempts from this device. Try again in " + std::to_string(out.retryAfter) + " seconds.";
    out.httpStatus = 429;
    return out;
  }
  if (!wellFormedLogin(username, password)) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      limits_.loginFailed(mac, ip, now);
    }
    loginFailures_.inc();
    loginMalformed_.inc();
    visitorLog(core::LogLevel::kInfo, "gateway: malformed login from ", ip, " (", mac.empty() ? "no MAC" : mac,
               "): username '", core::logSafe(username), "', password of ", password.size(), " bytes");
    out.message = "Wrong username or password.";
    out.httpStatus = 400;
    return out;
  }
  if (mac.empty()) {
    out.message = "This network cannot see your device's hardware address. Reconnect to the Wi-Fi and try again.";
    out.httpStatus = 409;
    return out;
  }
  const aaa::radius::Attributes& a = radius_.attributes();
  GatewayClient c;
  c.ip = ip;
  c.mac = mac;
  c.username = username;
  c.nasPort = ipv4Host(ip) & 0xffff;
  c.acctSessionId = core::pki::randomHex(8);
  Packet req;
  req.code = PacketCode::kAccessRequest;
  req.attributes.push_back(attr(a.messageAuthenticator, Value::octets(std::string(16, '\0'))));
  req.attributes.push_back(attr(a.userName, Value::string(username)));
  req.attributes.push_back(attr(a.userPassword, Value::string(password)));
  req.attributes.push_back(attr(a.nasIpAddress, Value::ipv4(ipv4Host(kGatewayAddress))));
  req.attributes.push_back(attr(a.nasIdentifier, Value::string(kGatewayNasName)));
  req.attributes.push_back(attr(a.nasPort, Value::uint32(c.nasPort)));
  req.attributes.push_back(attr(a.nasPortType, Value::uint32(kNasPortTypeWireless)));
  req.attributes.push_back(attr(a.framedIpAddress, Value::ipv4(ipv4Host(ip))));
  req.attributes.push_back(attr(a.callingStationId, Value::string(stationId(mac))));
  req.attributes.push_back(attr(a.acctSessionId, Value::string(c.acctSessionId)));
  core::Result<Packet> reply = exchange(std::move(req), authPort_);
  if (!reply.isOk()) {
    out.message = "The login service is not answering. Try again in a minute.";
    out.httpStatus = 503;
    visitorLog(core::LogLevel::kError, "gateway: login of '", core::logSafe(username), "': ", reply.status().message());
    return out;
  }
  if (reply->code != PacketCode::kAccessAccept) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      limits_.loginFailed(mac, ip, now);
    }
    loginFailures_.inc();
    const Attribute* msg = reply->find(a.replyMessage);
    out.message = msg ? msg->value.bytes : "Wrong username or password.";
    out.httpStatus = 403;
    return out;
  }
  c.started = c.lastActivity = c.lastInterim = now;
  readAccept(*reply, c);
  if (auto policy = radius_.sessionPolicy(username)) c.usageMatters = policy->usageMatters;
  // Start (durable) before the kernel opens: the ledger never misses a session the kernel has.
  core::Status s = account(c, kStart);
  if (!s.isOk()) {
    out.message = "The login service is not answering. Try again in a minute.";
    out.httpStatus = 503;
    return out;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    c.classMinor = acquireClass(username);
  }
  s = installClient(c);
  if (!s.isOk()) {
    core::logError("gateway: opening for ", username, " (", ip, "): ", s.message());
    (void)account(c, kStop, kCauseNasReboot);
    std::lock_guard<std::mutex> lock(mu_);
    releaseClass(username);
    out.message = "The gateway could not open the network for you. Please tell the staff.";
    out.httpStatus = 500;
    return out;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    clients_[ip] = c;
    clientsGauge_.set(clients_.size());
    classesGauge_.set(classes_.size());
  }
  logins_.inc();
  core::logInfo("gateway: ", core::logSafe(username), " logged in from ", ip, " (", mac, "), session ", c.acctSessionId, ", rate ",
                core::formatRate(c.rate.downBps), "/", core::formatRate(c.rate.upBps));
  out.ok = true;
  out.message = "You are connected.";
  return out;
}

bool Gateway::logout(const std::string& ip, uint32_t cause, const std::string& why) {
  GatewayClient c;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = clients_.find(ip);
    if (it == clients_.end()) return false;
    c = it->second;
    clients_.erase(it);
  }
  // The final counters, then Stop (durable), then the kernel closes.
  if (auto counters = nft_.counters(); counters.isOk()) takeCounters(*counters, c);
  (void)account(c, kStop, cause);
  removeClient(c);
  {
    std::lock_guard<std::mutex> lock(mu_);
    releaseClass(c.username);
    clientsGauge_.set(clients_.size());
    classesGauge_.set(classes_.size());
  }
  logouts_.inc();
  core::logInfo("gateway: ", c.username, " (", ip, ") logged out: ", why, "; ", core::formatSize(c.downBytes), " down, ",
                core::formatSize(c.upBytes), " up");
  return true;
}

PortalLimit Gateway::takeSignup(const std::string& mac, const std::string& ip, int64_t* retryAfter) {
  PortalLimit held;
  {
    std::lock_guard<std::mutex> lock(mu_);
    held = limits_.takeSignup(mac, ip, nowUnix(), retryAfter);
  }
  if (held == PortalLimit::kNone) return held;
  signupRefused_[static_cast<int>(held)]->inc();
  visitorLog(core::LogLevel::kWarning, "portal: signup from ", ip, " (", mac, ") refused: the ", portalLimitName(held),
             " limit (", held == PortalLimit::kTotal ? "gateway.signup-total" : "gateway.signup-per-device",
             ") is reached; retry in ", *retryAfter, " s");
  return held;
}

// ---- counters, timeouts, interims ----

void Gateway::pollLoop() {
  auto next = std::chrono::steady_clock::now() + std::chrono::seconds(config_.counterInterval);
  while (!stopping_) {
    std::vector<std::string> disconnects;
    {
      std::unique_lock<std::mutex> lock(pollMu_);
      pollWake_.wait_until(lock, next, [this] { return stopping_.load() || !disconnects_.empty(); });
      disconnects.swap(disconnects_);
    }
    if (stopping_) break;
    for (const std::string& ip : disconnects) logout(ip, kCauseAdminReset, "disconnected by the operator");
    if (std::chrono::steady_clock::now() >= next) {
      next += std::chrono::seconds(config_.counterInterval);
      pollOnce();
    }
  }
}

void Gateway::pollOnce() {
  core::Result<std::map<std::string, gw::NftCounter>> counters = nft_.counters();
  if (!counters.isOk()) {
    pollErrors_.inc();
    core::logError("gateway: reading counters: ", counters.status().message());
    return;
  }
  int64_t now = nowUnix();
  std::vector<GatewayClient> interims;
  std::vector<std::pair<std::string, std::pair<uint32_t, std::string>>> ends;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [ip, c] : clients_) {
      bool moved = takeCounters(*counters, c);
      if (c.upPackets != c.upPacketsSeen) {
        c.upPacketsSeen = c.upPackets;
        c.lastActivity = now;
      }
      if (c.limitBytes && c.upBytes + c.downBytes >= *c.limitBytes) {
        ends.push_back({ip, {kCauseSessionTimeout, "data limit reached"}});
      } else if (c.sessionTimeout && now - c.started >= c.sessionTimeout) {
        ends.push_back({ip, {kCauseSessionTimeout, "session timeout"}});
      } else if (c.idleTimeout && now - c.lastActivity >= c.idleTimeout) {
        ends.push_back({ip, {kCauseIdleTimeout, "idle timeout"}});
      } else if ((moved && c.usageMatters) || now - c.lastInterim >= c.interimInterval) {
        c.lastInterim = now;
        interims.push_back(c);
      }
    }
  }
  for (const GatewayClient& c : interims) (void)account(c, kInterim);
  for (const auto& [ip, e] : ends) logout(ip, e.first, e.second);
}

// ---- RFC 5176 server ----

void Gateway::dynauthLoop() {
  while (!stopping_) {
    pollfd p{dynauthFd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    uint8_t buf[4096];
    sockaddr_in from{};
    socklen_t len = sizeof from;
    ssize_t n = ::recvfrom(dynauthFd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 20) continue;
    std::vector<uint8_t> answer = dynauthAnswer(buf, static_cast<size_t>(n));
    if (!answer.empty()) ::sendto(dynauthFd_, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
  }
}

std::vector<uint8_t> Gateway::dynauthAnswer(const uint8_t* data, size_t len) {
  auto check = aaa::radius::verifyMessageAuthenticator(data, len, secret_);
  if (!check.isOk() || *check != aaa::radius::MessageAuthenticatorCheck::kValid) {  // required
    dynauthDropped_.inc();
    return {};
  }
  core::Result<Packet> req = aaa::radius::decode(data, len, secret_);
  bool disconnect = req.isOk() && req->code == PacketCode::kDisconnectRequest;
  if (!req.isOk() || (!disconnect && req->code != PacketCode::kCoaRequest)) {
    dynauthDropped_.inc();
    return {};
  }
  const aaa::radius::Attributes& a = radius_.attributes();
  // RFC 5176 3.5: an Event-Timestamp outside the window is a replay; it is dropped silently. Our
  // only client is edged's own, which always sends one (RFC 5176 6.3), so a request without it
  // cannot be checked for replay and is dropped too.
  const Attribute* ts = req->find(a.eventTimestamp);
  if (ts == nullptr) {
    dynauthDropped_.inc();
    return {};
  }
  int64_t skew = nowUnix() - static_cast<int64_t>(ts->value.number);
  if (skew > kEventWindowSeconds || skew < -kEventWindowSeconds) {
    dynauthDropped_.inc();
    core::logWarning("gateway: dropped a ", disconnect ? "Disconnect" : "CoA", "-Request whose Event-Timestamp is ",
                     skew, " s away from the box's clock (window ", kEventWindowSeconds, " s)");
    return {};
  }
  const Attribute* sid = req->find(a.acctSessionId);
  const Attribute* user = req->find(a.userName);
  const Attribute* framed = req->find(a.framedIpAddress);
  std::vector<std::string> ips;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [ip, c] : clients_) {
      if (sid && sid->value.bytes != c.acctSessionId) continue;
      if (!sid && framed && ipv4Host(ip) != framed->value.number) continue;
      if (user && user->value.bytes != c.username) continue;
      if (!sid && !framed && !user) continue;
      ips.push_back(ip);
    }
  }
  Packet reply;
  uint32_t error = 0;
  if (ips.empty()) {
    error = kErrorSessionNotFound;
  } else if (!disconnect) {
    const Attribute* rl = req->find(a.mikrotikRateLimit);
    auto rate = rl ? aaa::radius::parseMikrotikRateLimit(rl->value.bytes) : std::nullopt;
    if (!rate) {
      error = kErrorUnsupportedAttribute;
    } else {
      std::lock_guard<std::mutex> lock(mu_);
      for (const std::string& ip : ips) {
        GatewayClient& c = clients_[ip];
        c.rate = shapeOf(*rate);
        core::Status s = shaper_.setClass(c.classMinor, c.rate);
        if (!s.isOk()) core::logError("gateway: CoA for ", c.username, ": ", s.message());
        else
          core::logInfo("gateway: CoA: ", c.username, " now ", core::formatRate(c.rate.downBps), "/",
                        core::formatRate(c.rate.upBps));
      }
    }
  }
  reply.code = error ? (disconnect ? PacketCode::kDisconnectNak : PacketCode::kCoaNak)
                     : (disconnect ? PacketCode::kDisconnectAck : PacketCode::kCoaAck);
  reply.id = req->id;
  reply.attributes.push_back(attr(a.messageAuthenticator, Value::octets(std::string(16, '\0'))));
  if (error) reply.attributes.push_back(attr(a.errorCause, Value::uint32(error)));
  aaa::radius::Authenticator requestAuth{};
  std::memcpy(requestAuth.data(), data + 4, 16);
  core::Result<std::vector<uint8_t>> wire = aaa::radius::encode(reply, secret_, &requestAuth);
  if (!wire.isOk()) return {};
  if (disconnect && !error) {
    // Answer first (the Disconnect's sender waits), then the poll thread writes the Stop and closes
    // the kernel: the sender closes the ledger's session when the Stop arrives.
    std::lock_guard<std::mutex> lock(pollMu_);
    for (const std::string& ip : ips) disconnects_.push_back(ip);
    pollWake_.notify_all();
  }
  return *wire;
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
