// Helpers the monitoring pass's files share (monitoring_service.cpp, network_monitor.cpp).
#pragma once

#include <string>
#include <vector>

#include "core/json.h"
#include "mgmt/monitoring/monitoring_store.h"

namespace mgmt::monitoring {

// The alert as webhooks and the API show it.
core::Json alertJson(const Alert& a, const std::string& hostname);
// The affected not yet told of the group's root cause by an earlier alert of it.
std::vector<Affected> notToldYet(const std::vector<Affected>& affected, const std::vector<std::string>& told);

}  // namespace mgmt::monitoring
