// The AgentX subagent (Net-SNMP agent library) inside edged, and the notifications it sends.
//
// One thread owns everything Net-SNMP (the library is not thread-safe): it registers the module
// roots of edge/snmp_mib.h with the master agent, answers GET/GETNEXT/GETBULK from a view built
// from the counter registry (rebuilt at most every 200 ms, so a walk sees one consistent set), pings
// the master every snmp.ping-interval seconds and joins it again after snmpd restarts.
// The RADIUS threads never wait for it: it only reads atomic counters and the snapshot, so a slow or
// absent snmpd cannot delay a request.
// Notifications (alerts from HealthMonitor) are queued from any thread and sent by that thread
// as SNMPv2c traps straight to snmp.trap-receivers (they do not depend on snmpd running).
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/counters.h"
#include "core/status.h"
#include "edge/snmp/snmp_config.h"
#include "edge/health/health.h"
#include "edge/snmp/snmp_mib.h"

namespace edge {

class SnmpAgent {
 public:
  using ViewSource = std::function<snmp::MibView()>;
  SnmpAgent(core::CounterRegistry& counters, ViewSource source);
  ~SnmpAgent();

  core::Status start(const SnmpConfig& config);
  void stop();
  // Any thread: the alert goes out as a notification within a fraction of a second.
  void notify(const Alert& alert);
  bool connected() const { return connected_.load(); }

 private:
  void run();

  core::CounterRegistry& counters_;
  ViewSource source_;
  SnmpConfig config_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> connected_{false};
  std::mutex mu_;
  std::deque<Alert> pending_;
  bool running_ = false;
};

}  // namespace edge
