// dnsmasq, edged's child: DHCP (with the CAPPORT URI, RFC 8910) and DNS for the LAN, the walled
// garden's names into nftables; started, restarted when it dies, stopped. Its leases (and the
// neighbour table) tell the MAC of a device.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/log.h"
#include "edge/gateway/gateway.h"
#include "edge/gateway/gateway_internal.h"

namespace edge {

using gw::ipv4Host;

namespace {

bool readFile(const std::string& path, std::string* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream o;
  o << f.rdbuf();
  *out = o.str();
  return true;
}

}  // namespace

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
  for (const std::string& g : gw::gardenEntries(config_))
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

std::vector<GatewayLease> Gateway::leases() {
  std::string text;
  return readFile(stateDir_ + "/dnsmasq.leases", &text) ? parseDnsmasqLeases(text) : std::vector<GatewayLease>{};
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

}  // namespace edge
