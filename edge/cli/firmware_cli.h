// edgectl firmware install|follow|status|gate: run on the box as root, not through edged (edged is
// sandboxed and never writes a slot). docs/firmware.md, ADR 0032, ADR 0061.
//
//   edgectl firmware install FILE|URL [--config F] [--reboot]   (URL: https, mutual TLS, in ranges)
//   edgectl firmware follow [--config F]   (edge-firmware-follow.timer: act on mgmt's desired version)
//   edgectl firmware status [--config F]
//   edgectl firmware gate [--config F] [--no-reboot]      (edge-firmware-gate.service, each boot)
//
// The configuration (/etc/edged/firmware.json, or --config, or $EDGE_FIRMWARE_CONFIG) names the
// slots, the ESP, the firmware key, the state folder and the gate's soak window. The gate checks the
// data plane through edged's control socket and reports outcomes into edged's events
// (firmware-report, which goes up to mgmt at check-in).
//
// A URL is downloaded into state-dir/download first (resumable) and, like a file, verified whole
// before the first write. follow acts only on a desired version edged heard at a recent check-in
// (sync-status "firmware"), reports a bundle it will not write as the outcome "refused", and
// reboots into the new slot while that word is still fresh.
//
// Test knobs (environment): EDGE_FIRMWARE_CHECKPOINT_BYTES (how often an install or a download syncs
// and records progress; kill -9 tests) and EDGE_FIRMWARE_RANGE_BYTES (the download's range size).
#pragma once

#include <string>
#include <vector>

namespace edge {

// words: what follows "firmware". Returns the exit status (0 ok, 1 refused or failed, 2 usage,
// 3 edged not reachable when it must be).
int runFirmwareCli(const std::vector<std::string>& words, const std::string& socketPath, bool json);

}  // namespace edge
