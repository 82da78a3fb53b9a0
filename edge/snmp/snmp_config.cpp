#include "edge/snmp/snmp_config.h"

#include <algorithm>
#include <string>

#include "core/config.h"

namespace edge {

using core::ipAddress;

core::Result<TrapReceiver> parseTrapReceiver(const std::string& v) {
  TrapReceiver r;
  std::string port;
  if (!v.empty() && v[0] == '[') {
    auto close = v.find(']');
    if (close == std::string::npos) return core::invalidArgument("'" + v + "': missing ']' after the IPv6 address");
    r.host = v.substr(1, close - 1);
    if (close + 1 < v.size()) {
      if (v[close + 1] != ':') return core::invalidArgument("'" + v + "': expected ':PORT' after ']'");
      port = v.substr(close + 2);
    }
  } else if (std::count(v.begin(), v.end(), ':') == 1) {
    r.host = v.substr(0, v.find(':'));
    port = v.substr(v.find(':') + 1);
  } else {
    r.host = v;
  }
  if (!ipAddress(r.host).isOk())
    return core::invalidArgument("'" + v + "' is not ADDRESS[:PORT] (an IP address; IPv6 as [ADDRESS]:PORT)");
  r.ipv6 = r.host.find(':') != std::string::npos;
  if (!port.empty()) {
    char* end = nullptr;
    long p = std::strtol(port.c_str(), &end, 10);
    if (*end != '\0' || p < 1 || p > 65535) return core::invalidArgument("'" + v + "': port must be 1..65535");
    r.port = static_cast<uint16_t>(p);
  }
  return r;
}

}  // namespace edge
