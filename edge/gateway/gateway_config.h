// The gateway section of edged's configuration (docs/gateway.md); keys in edge/app/edge_config.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace edge {

// The hotspot gateway: the box is the NAS of its LAN (docs/gateway.md).
struct GatewayConfig {
  bool enabled = false;
  std::string lanInterface;
  std::string lanAddress;      // the box on the LAN, CIDR: "10.10.0.1/24"
  std::string dhcpRange;       // "10.10.0.100-10.10.0.250"
  int64_t leaseSeconds = 3600;
  std::string wanInterface;
  int64_t portalPort = 8080;
  std::vector<std::string> walledGarden;  // IPs, CIDRs and DNS names open before login
  std::vector<std::string> dnsServers;    // upstream resolvers of the box's DNS; empty = /etc/resolv.conf
  int64_t counterInterval = 1;            // seconds between kernel counter reads (quota overshoot bound)
  int64_t loginAttempts = 5;              // failed portal logins per device (MAC) and per address per minute
  int64_t signupPerDevice = 5;            // portal signups per device (MAC) and per address per signup-window
  int64_t signupTotal = 50;               // portal signups of all devices together per signup-window
  int64_t signupWindow = 3600;            // seconds
  std::string dnsmasq;                    // the dnsmasq binary
  // Branding and the portal's offer.
  std::string portalName;
  std::string portalLogo;    // PNG/SVG/JPEG file shown on every page (inlined, no external assets)
  std::string portalColor;   // "#0b6e4f"
  std::string portalTerms;   // terms text shown on the portal (click-through)
  std::string venueInfoUrl;  // RFC 8908 venue-info-url; empty = none
  std::vector<std::string> signupPlans;  // plans a visitor may sign up for; empty = no self-signup
  std::string clickThroughPlan;  // free access for accepting the terms, per device (MAC); empty = none
  // The tenant's self-care page (pay, top up; https): linked from the portal's pay and top-up pages
  // and open in the walled garden (ADR 0048); empty = none.
  std::string selfcareUrl;
};

}  // namespace edge
