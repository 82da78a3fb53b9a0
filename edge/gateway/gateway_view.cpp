// What the technician UI's Gateway page shows (gateway-clients): the clients, their live rate and
// the DHCP leases, read under mu_ and never while waiting on anything.
#include <algorithm>

#include "core/clock.h"
#include "edge/gateway/gateway.h"

namespace edge {

namespace {

std::string iso(int64_t unixSeconds) {
  return unixSeconds > 0 ? core::formatRfc3339(core::WallTime(std::chrono::seconds(unixSeconds))) : "";
}

}  // namespace

core::Json Gateway::clientsJson() {
  core::Json clients = core::Json::array();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [ip, c] : clients_)
      clients.push_back(core::Json{{"ip", c.ip},
                                   {"mac", c.mac},
                                   {"username", c.username},
                                   {"started", iso(c.started)},
                                   {"last-activity", iso(c.lastActivity)},
                                   {"limit-down-bps", c.rate.downBps},
                                   {"limit-up-bps", c.rate.upBps},
                                   {"down-bps", c.downBps},
                                   {"up-bps", c.upBps},
                                   {"down-octets", c.downBytes},
                                   {"up-octets", c.upBytes}});
  }
  // Busiest first: who is using the line now.
  std::stable_sort(clients.begin(), clients.end(), [](const core::Json& a, const core::Json& b) {
    return a["down-bps"].get<uint64_t>() + a["up-bps"].get<uint64_t>() >
           b["down-bps"].get<uint64_t>() + b["up-bps"].get<uint64_t>();
  });
  core::Json leases = core::Json::array();
  for (const GatewayLease& l : this->leases())
    leases.push_back(core::Json{{"ip", l.ip}, {"mac", l.mac}, {"hostname", l.hostname}, {"expires", iso(l.expires)}});
  return core::Json{{"clients", clients}, {"leases", leases}};
}

}  // namespace edge
