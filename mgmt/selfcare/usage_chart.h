// The dashboard's usage chart as inline SVG, drawn on the server (no script, so it works with
// scripts off and the portal's strict CSP): one bar per day, the largest day at full height, a
// <title> and <desc> naming the numbers for screen readers, and the same numbers in a table beside it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mgmt::selfcare {

// `days`: (label "2026-01-31", octets), oldest first. Escapes the labels.
std::string usageSvg(const std::vector<std::pair<std::string, int64_t>>& days);

}  // namespace mgmt::selfcare
