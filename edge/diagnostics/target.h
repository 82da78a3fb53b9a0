// What a technician may type as the target of ping, traceroute and a DNS lookup: a host name
// (RFC 1123 section 2.1 labels: letters, digits, hyphens, 1..63 octets each, not starting or ending
// with a hyphen; at most 253 octets; one trailing dot allowed; an underscore allowed for SRV-style
// names) or a numeric IPv4 or IPv6 address. Nothing else: no leading '-' (it would be read as an
// option by the tool), no spaces, no shell characters (there is no shell, but nothing odd reaches a
// tool's argument vector either). Pure.
#pragma once

#include <string>

#include "core/status.h"

namespace edge::diagnostics {

// kInvalidArgument with a message for the field ("a host name or an IP address: ...").
core::Status validateTarget(const std::string& target);
bool isIpAddress(const std::string& text);

}  // namespace edge::diagnostics
