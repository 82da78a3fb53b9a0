// The hotspot gateway's counters, declared here once (core/counters.h).
//
// GatewayGauges are the gateway's state, shown (as 0) even when the gateway is off: the health
// monitor declares them at start, SNMP serves them (EDGED-MIB edgedGateway), the gateway sets them.
// GatewayCounters are the events of a running gateway (declared when it is made, so /metrics of a
// box without a gateway does not list them).
#pragma once

#include "core/counters.h"
#include "edge/portal/portal_limits.h"

namespace edge {

struct GatewayGauges {
  explicit GatewayGauges(core::CounterRegistry& r)
      : authorizedClients(r.gauge("gateway_authorized_clients", "Clients the hotspot gateway lets through")),
        shapingClasses(r.gauge("gateway_shaping_classes", "Per-subscriber shaping classes installed")) {}
  core::Counter& authorizedClients;
  core::Counter& shapingClasses;
};

struct GatewayCounters {
  explicit GatewayCounters(core::CounterRegistry& r)
      : gauges(r),
        logins(r.counter("gateway_logins_total", "Portal logins that opened the gateway")),
        loginFailures(r.counter("gateway_login_failures_total", "Portal logins refused (credentials, limits)")),
        logouts(r.counter("gateway_logouts_total", "Gateway sessions ended (logout, timeouts, quota, disconnect)")),
        pollErrors(r.counter("gateway_poll_errors_total", "Kernel counter reads or accounting writes that failed")),
        dynauthDropped(
            r.counter("gateway_dynauth_dropped_total",
                      "CoA/Disconnect requests dropped (authenticator, format, missing or stale Event-Timestamp)")),
        loginMalformed(r.counter("gateway_login_malformed_total",
                                 "Portal logins refused for malformed or oversized input (counted as failures)")),
        logSuppressed(r.counter("gateway_log_lines_suppressed_total",
                                "Log lines about portal visitors not written (more than 10 a second)")) {
    for (PortalLimit l : {PortalLimit::kDevice, PortalLimit::kAddress}) {
      loginThrottled[static_cast<int>(l)] =
          &r.counter("gateway_login_throttled_total",
                     "Portal logins refused because the device (MAC) or address failed too often",
                     {{"limit", portalLimitName(l)}});
    }
    for (PortalLimit l :
         {PortalLimit::kDevice, PortalLimit::kAddress, PortalLimit::kTotal}) {
      signupRefused[static_cast<int>(l)] =
          &r.counter("gateway_signup_refusals_total",
                     "Portal signups refused by a limit (per device, per address, in total per signup-window)",
                     {{"limit", portalLimitName(l)}});
    }
  }

  GatewayGauges gauges;
  core::Counter& logins;
  core::Counter& loginFailures;
  core::Counter& logouts;
  core::Counter& pollErrors;
  core::Counter& dynauthDropped;
  core::Counter& loginMalformed;
  core::Counter& logSuppressed;
  core::Counter* loginThrottled[4] = {};  // by PortalLimit
  core::Counter* signupRefused[4] = {};
};

}  // namespace edge
