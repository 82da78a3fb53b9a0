#include "mgmt/monitoring/network_report.h"

#include <set>

#include "core/json.h"

namespace mgmt::monitoring {

using core::Json;

std::vector<NetworkDevice> reportedDevices(const std::string& reported) {
  std::vector<NetworkDevice> out;
  // The box is trusted, but not to nest without end (nlohmann copies and dumps recursively).
  core::Result<Json> parsed = core::parseJsonWithComments(reported, "check-in");
  if (!parsed.isOk()) return out;
  const Json& doc = *parsed;
  if (!doc.is_object() || !doc.contains("health") || !doc["health"].is_object()) return out;
  const Json& health = doc["health"];
  if (!health.contains("network") || !health["network"].is_array()) return out;
  std::set<std::string> names;
  for (const Json& d : health["network"]) {
    if (!d.is_object() || !d.contains("name") || !d["name"].is_string()) continue;
    NetworkDevice n;
    n.name = d["name"].get<std::string>();
    if (n.name.empty() || n.name.size() > 64 || !names.insert(n.name).second) continue;
    auto text = [&d](const char* key) {
      std::string v = d.contains(key) && d[key].is_string() ? d[key].get<std::string>() : std::string();
      return v.size() > 64 ? std::string() : v;
    };
    auto number = [&d](const char* key) {
      return d.contains(key) && d[key].is_number_integer() ? d[key].get<int64_t>() : int64_t{0};
    };
    n.nas = text("nas");
    n.kind = text("kind");
    n.reachable = !(d.contains("reachable") && d["reachable"].is_boolean() && !d["reachable"].get<bool>());
    n.since = n.reachable ? 0 : number("since");
    n.uptime = number("uptime");
    Json down = Json::array();
    if (d.contains("down") && d["down"].is_array())
      for (const Json& i : d["down"])
        if (i.is_string() && i.get<std::string>().size() <= 64 && down.size() < 256) down.push_back(i);
    n.interfacesDown = down.dump();
    out.push_back(std::move(n));
    if (out.size() >= 1000) break;
  }
  return out;
}

}  // namespace mgmt::monitoring
