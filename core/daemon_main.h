// The one `main` of our daemons (edged, mgmtd): arguments, the configuration, then the daemon
// object does the work. A daemon's main file only says what differs:
//
//   int main(int argc, char** argv) {
//     core::DaemonProgram<EdgeConfig> program{"edged", "The ISP edge appliance daemon. ...",
//                                             "/etc/edged/edged.json", kVersion, edgeConfigTable(), loadEdgeConfig};
//     return core::runDaemon<Edged>(argc, argv, program);
//   }
//
// Exit statuses: 0 done (or --check/--print-config/--help-config/--version), 1 the daemon could not
// start (logged), 2 bad arguments or an invalid configuration (printed, naming the key).
#pragma once

#include <cstdio>
#include <functional>
#include <string>
#include <utility>

#include "core/config.h"
#include "core/log.h"
#include "core/status.h"

namespace core {

template <class Config>
struct DaemonProgram {
  const char* name;            // "edged"
  const char* description;     // what --help says after the usage line (lines end with \n)
  const char* defaultConfig;   // "/etc/edged/edged.json"
  const char* version;
  const ConfigTable<Config>& table;
  std::function<Result<Config>(const std::string& path)> load;
  // Runs once the configuration is valid, before the daemon object and any thread exist (e.g. the
  // time zone the box bills in). Optional.
  std::function<void(const Config&)> beforeStart = nullptr;
};

// What the command line asked for.
struct DaemonArgs {
  std::string configPath;
  enum class Action { kRun, kCheck, kPrintConfig, kHelpConfig, kVersion, kHelp, kExit } action = Action::kRun;
  int exitStatus = 0;  // for kExit: the arguments were wrong (the message is printed)
};
DaemonArgs parseDaemonArgs(int argc, char** argv, const char* name, const char* description, const char* defaultConfig);

template <class Daemon, class Config>
int runDaemon(int argc, char** argv, const DaemonProgram<Config>& program) {
  DaemonArgs args = parseDaemonArgs(argc, argv, program.name, program.description, program.defaultConfig);
  switch (args.action) {
    case DaemonArgs::Action::kExit:
    case DaemonArgs::Action::kHelp: return args.exitStatus;
    case DaemonArgs::Action::kHelpConfig:
      for (const std::string& line : program.table.describe()) std::printf("%s\n", line.c_str());
      return 0;
    case DaemonArgs::Action::kVersion: std::printf("%s %s\n", program.name, program.version); return 0;
    default: break;
  }
  Result<Config> config = program.load(args.configPath);
  if (!config.isOk()) {
    std::fprintf(stderr, "%s: invalid configuration: %s\n", program.name, config.status().message().c_str());
    return 2;
  }
  if (args.action == DaemonArgs::Action::kCheck) {
    std::printf("%s: configuration %s is valid\n", program.name, args.configPath.c_str());
    return 0;
  }
  if (args.action == DaemonArgs::Action::kPrintConfig) {
    std::printf("%s\n", program.table.toJson(*config).dump(2).c_str());
    return 0;
  }
  if (program.beforeStart) program.beforeStart(*config);
  Daemon daemon(args.configPath, std::move(*config));
  Status s = daemon.start();
  if (!s.isOk()) {
    logError(program.name, " cannot start: ", s.message());
    daemon.stop();
    return 1;
  }
  int rc = daemon.run();
  daemon.stop();
  return rc;
}

}  // namespace core
