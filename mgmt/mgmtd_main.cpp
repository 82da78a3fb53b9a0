// mgmtd: the management plane daemon (core/daemon_main.h: arguments, config, then Mgmtd does the work).
#include "core/daemon_main.h"
#include "mgmt/mgmt_config.h"
#include "mgmt/mgmtd.h"

int main(int argc, char** argv) {
  core::DaemonProgram<mgmt::MgmtConfig> program{
      "mgmtd",
      "The management plane: tenants, licenses, appliance enrollment and sync (device API, mutual\n"
      "TLS) and the admin API for operators. Runs in the foreground; stop it with SIGTERM or\n"
      "`mgmtctl shutdown`. The first start creates the CA, the license key and an admin token in\n"
      "the data dir.\n",
      "/etc/mgmtd/mgmtd.json",
      mgmt::kVersion,
      mgmt::mgmtConfigTable(),
      mgmt::loadMgmtConfig};
  return core::runDaemon<mgmt::Mgmtd>(argc, argv, program);
}
