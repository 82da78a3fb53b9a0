// edged: the appliance daemon (core/daemon_main.h: arguments, config, then Edged does the work).
#include <cstdlib>
#include <ctime>

#include "core/daemon_main.h"
#include "edge/app/edge_config.h"
#include "edge/app/edged.h"

int main(int argc, char** argv) {
  core::DaemonProgram<edge::EdgeConfig> program{
      "edged",
      "The ISP edge appliance daemon. Runs in the foreground (systemd's Type=notify);\n"
      "stop it with SIGTERM or `edgectl shutdown`, reload its config with SIGHUP or\n"
      "`edgectl config-reload`.\n",
      "/etc/edged/edged.json",
      edge::kVersion,
      edge::edgeConfigTable(),
      edge::loadEdgeConfig,
      [](const edge::EdgeConfig& config) {
        // Billing periods and windows are in the box's zone: set once, before any thread (localtime_r).
        if (!config.billing.timeZone.empty()) {
          ::setenv("TZ", (":" + config.billing.timeZone).c_str(), 1);
          ::tzset();
        }
      }};
  return core::runDaemon<edge::Edged>(argc, argv, program);
}
