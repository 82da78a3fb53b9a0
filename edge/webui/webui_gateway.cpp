// The technician UI's Gateway page (only when the hotspot gateway is enabled): who is on the LAN now,
// at which rate, and the DHCP leases (gateway-clients, read from edge/gateway).
#include <cstdio>

#include "core/units.h"
#include "edge/webui/webui.h"
#include "edge/webui/webui_helpers.h"

namespace edge::webui {

using namespace detail;  // NOLINT: the page helpers

namespace {

// 12500000 -> "12.5 Mbit/s"; 0 -> "-" (not limited / idle).
std::string bitRate(int64_t bps) {
  if (bps <= 0) return "-";
  char text[32];
  if (bps >= 1000000000) std::snprintf(text, sizeof text, "%.1f Gbit/s", static_cast<double>(bps) / 1e9);
  else if (bps >= 1000000) std::snprintf(text, sizeof text, "%.1f Mbit/s", static_cast<double>(bps) / 1e6);
  else if (bps >= 1000) std::snprintf(text, sizeof text, "%.1f kbit/s", static_cast<double>(bps) / 1e3);
  else std::snprintf(text, sizeof text, "%lld bit/s", static_cast<long long>(bps));
  return text;
}

}  // namespace

core::HttpResponse WebUi::gatewayPage(const core::HttpRequest& r, const Visitor& v) {
  core::ControlReply reply = run(v, r, "gateway-clients", core::Json::object());
  if (!reply.ok()) return refuse(v, reply);
  const core::Json& a = reply.arguments;
  core::Json clients = core::Json::array(), leases = core::Json::array();
  if (a.contains("clients"))
    for (const core::Json& c : a["clients"])
      clients.push_back({{"username", textOf(c, "username")},
                         {"url", "/subscriber?u=" + core::web::urlEncode(textOf(c, "username"))},
                         {"ip", textOf(c, "ip")},
                         {"mac", textOf(c, "mac")},
                         {"started", textOf(c, "started")},
                         {"down_now", bitRate(integerOf(c, "down-bps"))},
                         {"up_now", bitRate(integerOf(c, "up-bps"))},
                         {"limit", bitRate(integerOf(c, "limit-down-bps")) + " / " + bitRate(integerOf(c, "limit-up-bps"))},
                         {"down", core::formatSize(static_cast<uint64_t>(integerOf(c, "down-octets")))},
                         {"up", core::formatSize(static_cast<uint64_t>(integerOf(c, "up-octets")))}});
  if (a.contains("leases"))
    for (const core::Json& l : a["leases"])
      leases.push_back({{"ip", textOf(l, "ip")},
                        {"mac", textOf(l, "mac")},
                        {"hostname", textOf(l, "hostname").empty() || textOf(l, "hostname") == "*" ? "-" : textOf(l, "hostname")},
                        {"expires", textOf(l, "expires").empty() ? "never" : textOf(l, "expires")}});
  core::Json data{{"clients", clients}, {"no_clients", clients.empty()}, {"leases", leases},
                  {"no_leases", leases.empty()}, {"client_count", clients.size()}, {"lease_count", leases.size()}};
  return page(v, "gateway", "Gateway", data);
}

}  // namespace edge::webui
