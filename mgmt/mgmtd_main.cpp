// mgmtd: the management plane daemon. Thin main: arguments, config, then the Mgmtd object.
#include <cstdio>
#include <string>

#include "core/log.h"
#include "mgmt/mgmt_config.h"
#include "mgmt/mgmtd.h"

namespace {

constexpr const char* kDefaultConfig = "/etc/mgmtd/mgmtd.json";

void usage(FILE* out) {
  std::fprintf(out,
               "usage: mgmtd [--config FILE] [--check] [--print-config] [--help-config] [--version]\n"
               "\n"
               "The management plane: tenants, licenses, appliance enrollment and sync (device API, mutual\n"
               "TLS) and the admin API for operators. Runs in the foreground; stop it with SIGTERM or\n"
               "`mgmtctl shutdown`. The first start creates the CA, the license key and an admin token in\n"
               "the data dir.\n"
               "\n"
               "  --config FILE    configuration file, JSON with comments (default %s)\n"
               "  --check          validate the configuration and exit: 0 when valid, 2 when not\n"
               "  --print-config   print the effective configuration (defaults filled in) and exit\n"
               "  --help-config    list every configuration key with its type, default and meaning\n"
               "  --version        print the version and exit\n",
               kDefaultConfig);
}

}  // namespace

int main(int argc, char** argv) {
  std::string configPath = kDefaultConfig;
  bool check = false, print = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--config" || arg == "-c") {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "mgmtd: %s needs a file name\n", arg.c_str());
        return 2;
      }
      configPath = argv[++i];
    } else if (arg == "--check") {
      check = true;
    } else if (arg == "--print-config") {
      print = true;
    } else if (arg == "--help-config") {
      for (const std::string& line : mgmt::mgmtConfigTable().describe()) std::printf("%s\n", line.c_str());
      return 0;
    } else if (arg == "--version") {
      std::printf("mgmtd %s\n", mgmt::kVersion);
      return 0;
    } else if (arg == "--help" || arg == "-h") {
      usage(stdout);
      return 0;
    } else {
      std::fprintf(stderr, "mgmtd: unknown argument '%s'\n\n", arg.c_str());
      usage(stderr);
      return 2;
    }
  }
  core::Result<mgmt::MgmtConfig> config = mgmt::loadMgmtConfig(configPath);
  if (!config.isOk()) {
    std::fprintf(stderr, "mgmtd: invalid configuration: %s\n", config.status().message().c_str());
    return 2;
  }
  if (check) {
    std::printf("mgmtd: configuration %s is valid\n", configPath.c_str());
    return 0;
  }
  if (print) {
    std::printf("%s\n", mgmt::mgmtConfigTable().toJson(*config).dump(2).c_str());
    return 0;
  }
  mgmt::Mgmtd daemon(configPath, std::move(*config));
  core::Status s = daemon.start();
  if (!s.isOk()) {
    core::logError("mgmtd cannot start: ", s.message());
    daemon.stop();
    return 1;
  }
  int rc = daemon.run();
  daemon.stop();
  return rc;
}
