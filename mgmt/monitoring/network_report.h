// The health.network part of a box's check-in (edge/netmon reportJson: one entry per network device
// the box polls over SNMP, ADR 0062) read into rows for network_devices. Pure: no storage; fuzzed
// (tests/fuzz/network_report_fuzz.cpp).
#pragma once

#include <string>
#include <vector>

#include "mgmt/monitoring/network_store.h"

namespace mgmt::monitoring {

// The devices the check-in document `reported` (the box's whole stored report) lists, in its order.
// Never fails: a document that is not JSON, nested past 64 levels (core::JsonLimits), or has no health.network array gives
// none; entries that are not objects, have no name, a name past 64 bytes or one seen before are
// skipped; a text past 64 bytes reads as "" (never cut: that could split a UTF-8 sequence); at most
// 1000 devices and 256 interface names each (strings of at most 64 bytes); `since` is 0 when reachable.
std::vector<NetworkDevice> reportedDevices(const std::string& reported);

}  // namespace mgmt::monitoring
