// The poller of the ISP's network devices (issue 26, ADR 0062): a thread of its own (never a RADIUS
// thread) that, every network.poll-interval seconds, runs edge-snmp-poll (Net-SNMP's client, in a
// process of its own: see snmp_poll_main.cpp) over every configured device, applies each outcome to
// the device's state (device_state.h) and sets the device's gauges and counters for /metrics:
// edged_network_device_reachable{device}, edged_network_device_uptime_seconds{device},
// edged_network_interfaces_down{device}, edged_network_device_polls_total{device},
// edged_network_device_poll_failures_total{device}, edged_network_device_reboots_total{device},
// edged_network_interface_errors_total{device,direction}.
//
// Threading: start()/stop() on the main thread; snapshot() and report() from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/counters.h"
#include "core/json.h"
#include "core/status.h"
#include "edge/netmon/device_state.h"
#include "edge/netmon/netmon_config.h"

namespace edge {

class NetworkPoller {
 public:
  // `program`: edge-snmp-poll's absolute path; `dataDir`: where its device file (0600) is written.
  NetworkPoller(core::CounterRegistry& counters, NetworkConfig config, std::string dataDir, std::string program);
  ~NetworkPoller();

  core::Status start();
  void stop();

  std::vector<netmon::DeviceState> snapshot() const;
  // health.network of the check-in: one compact entry per device.
  core::Json report() const;
  // The path of edge-snmp-poll next to the running executable (edged's build or install folder).
  static std::string defaultProgram();

 private:
  void run();
  void pollOnce();

  core::CounterRegistry& counters_;
  NetworkConfig config_;
  std::string dataDir_, program_, file_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::vector<netmon::DeviceState> states_;  // guarded by mu_, in config order
  std::thread thread_;
};

}  // namespace edge
