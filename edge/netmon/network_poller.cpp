#include "edge/netmon/network_poller.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <map>

#include "core/clock.h"
#include "core/files.h"
#include "core/log.h"
#include "edge/diagnostics/child.h"

namespace edge {

using core::Json;

NetworkPoller::NetworkPoller(core::CounterRegistry& counters, NetworkConfig config, std::string dataDir,
                             std::string program)
    : counters_(counters), config_(std::move(config)), dataDir_(std::move(dataDir)), program_(std::move(program)) {
  for (const NetworkDeviceConfig& d : config_.devices) {
    netmon::DeviceState s;
    s.name = d.name;
    s.nas = d.nas;
    s.kind = d.kind;
    states_.push_back(std::move(s));
  }
}

NetworkPoller::~NetworkPoller() { stop(); }

std::string NetworkPoller::defaultProgram() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "/usr/lib/edge/edge-snmp-poll";
  std::string exe(buf, static_cast<size_t>(n));
  return exe.substr(0, exe.rfind('/') + 1) + "edge-snmp-poll";
}

core::Status NetworkPoller::start() {
  if (config_.devices.empty()) return core::Status::ok();
  if (::access(program_.c_str(), X_OK) != 0) return core::failedPrecondition("network: " + program_ + " is not installed");
  // The device file holds communities and SNMPv3 passwords: 0600, and never on a command line.
  const std::string dir = dataDir_ + "/netmon";
  ::mkdir(dir.c_str(), 0700);
  Json devices = Json::array();
  for (const NetworkDeviceConfig& d : config_.devices)
    devices.push_back(Json{{"name", d.name}, {"address", d.address}, {"port", d.port}, {"community", d.community},
                           {"user", d.user}, {"auth-password", d.authPassword}, {"priv-password", d.privPassword}});
  file_ = dir + "/devices.json";
  EDGE_RETURN_IF_ERROR(core::writeFileAtomically(file_, Json{{"timeout-ms", config_.timeoutMs}, {"devices", devices}}.dump(), 0600)
                           .withContext("network"));
  thread_ = std::thread([this] { run(); });
  return core::Status::ok();
}

void NetworkPoller::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void NetworkPoller::run() {
  for (;;) {
    pollOnce();
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, std::chrono::seconds(config_.pollInterval), [this] { return stopping_; })) return;
  }
}

void NetworkPoller::pollOnce() {
  std::map<std::string, netmon::PollResult> results;
  diagnostics::ChildLimits limits;
  // Each device answers or times out in turn (a walk is a few requests).
  limits.seconds = static_cast<int>(10 + config_.devices.size() * (config_.timeoutMs * 8 / 1000 + 1));
  limits.maxOutputBytes = 16 * 1024 * 1024;
  limits.maxLineBytes = 1024 * 1024;
  diagnostics::ChildCallbacks callbacks;
  callbacks.onLine = [&results](const std::string& line) {
    core::Result<netmon::PollResult> r = netmon::parsePollLine(line);
    if (r.isOk()) results[r->name] = std::move(*r);
    else core::logWarning("network: edge-snmp-poll: ", r.status().message());
  };
  callbacks.shouldStop = [this] {
    std::lock_guard<std::mutex> lock(mu_);
    return stopping_;
  };
  core::Result<diagnostics::ChildResult> child = diagnostics::runChild({program_, file_}, limits, callbacks);
  if (!child.isOk()) core::logWarning("network: cannot run ", program_, ": ", child.status().message());
  else if (child->outcome != diagnostics::ChildResult::Outcome::kExited || child->exitCode != 0)
    core::logWarning("network: edge-snmp-poll ", child->describe(limits));

  const int64_t now = core::SystemClock::instance().unixSeconds();
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return;
  for (netmon::DeviceState& s : states_) {
    netmon::PollResult r;
    auto it = results.find(s.name);
    if (it != results.end()) r = std::move(it->second);
    else r.error = "no answer from the poller";
    const std::map<std::string, std::string> device{{"device", s.name}};
    const int64_t reboots = s.reboots;
    const uint64_t in = s.inErrors, out = s.outErrors;
    netmon::apply(s, r, now, config_.failures);
    counters_.counter("edged_network_device_polls_total", "Polls of the network device", device).inc();
    core::Counter& failures =
        counters_.counter("edged_network_device_poll_failures_total", "Polls of the network device that got no answer", device);
    if (!r.ok) failures.inc();
    counters_.gauge("edged_network_device_reachable", "1 while the network device answers SNMP (0 after network.failures failed polls)",
                    device).set(s.reachable ? 1 : 0);
    counters_.gauge("edged_network_device_uptime_seconds", "The network device's sysUpTime as last read", device)
        .set(s.uptimeTicks / 100);
    counters_.gauge("edged_network_interfaces_down", "Interfaces of the network device set up but not up", device)
        .set(s.interfacesDown.size());
    core::Counter& rebootCount =
        counters_.counter("edged_network_device_reboots_total", "Reboots of the network device (sysUpTime went back)", device);
    if (s.reboots > reboots) rebootCount.inc(static_cast<uint64_t>(s.reboots - reboots));
    counters_.counter("edged_network_interface_errors_total", "Interface errors of the network device (IF-MIB)",
                      {{"device", s.name}, {"direction", "in"}}).inc(s.inErrors - in);
    counters_.counter("edged_network_interface_errors_total", "Interface errors of the network device (IF-MIB)",
                      {{"device", s.name}, {"direction", "out"}}).inc(s.outErrors - out);
  }
}

std::vector<netmon::DeviceState> NetworkPoller::snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return states_;
}

Json NetworkPoller::report() const {
  Json out = Json::array();
  for (const netmon::DeviceState& s : snapshot()) out.push_back(netmon::reportJson(s));
  return out;
}

}  // namespace edge
