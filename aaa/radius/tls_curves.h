// The ECDHE curves our TLS servers (EAP's tunnels, RadSec's listener) prefer, for
// mbedtls_ssl_conf_curves: mbedTLS picks the first of ours the peer offers, and its own order
// starts with secp521r1, several times the CPU of X25519 per handshake (docs/benchmarks.md "EAP
// logins"). X25519, P-256 and P-384 first, then every other curve mbedTLS has, so nothing a peer
// was accepted with before is refused.
#pragma once

#include <mbedtls/ecp.h>

namespace aaa::radius {

// A list ending in MBEDTLS_ECP_DP_NONE, built once and kept for the process's life.
const mbedtls_ecp_group_id* preferredCurves();

}  // namespace aaa::radius
