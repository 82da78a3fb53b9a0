// edged: the appliance daemon. Thin main: arguments, config, then the Edged object does the work.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "core/log.h"
#include "edge/app/edge_config.h"
#include "edge/app/edged.h"

namespace {

constexpr const char* kDefaultConfig = "/etc/edged/edged.json";

void usage(FILE* out) {
  std::fprintf(out,
               "usage: edged [--config FILE] [--check] [--print-config] [--help-config] [--version]\n"
               "\n"
               "The ISP edge appliance daemon. Runs in the foreground (systemd's Type=notify);\n"
               "stop it with SIGTERM or `edgectl shutdown`, reload its config with SIGHUP or\n"
               "`edgectl config-reload`.\n"
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
  bool check = false;
  bool print = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--config" || arg == "-c") {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "edged: %s needs a file name\n", arg.c_str());
        return 2;
      }
      configPath = argv[++i];
    } else if (arg == "--check") {
      check = true;
    } else if (arg == "--print-config") {
      print = true;
    } else if (arg == "--help-config") {
      for (const std::string& line : edge::edgeConfigTable().describe()) std::printf("%s\n", line.c_str());
      return 0;
    } else if (arg == "--version") {
      std::printf("edged %s\n", edge::kVersion);
      return 0;
    } else if (arg == "--help" || arg == "-h") {
      usage(stdout);
      return 0;
    } else {
      std::fprintf(stderr, "edged: unknown argument '%s'\n\n", arg.c_str());
      usage(stderr);
      return 2;
    }
  }

  core::Result<edge::EdgeConfig> config = edge::loadEdgeConfig(configPath);
  if (!config.isOk()) {
    std::fprintf(stderr, "edged: invalid configuration: %s\n", config.status().message().c_str());
    return 2;
  }
  if (check) {
    std::printf("edged: configuration %s is valid\n", configPath.c_str());
    return 0;
  }
  if (print) {
    std::printf("%s\n", edge::edgeConfigTable().toJson(*config).dump(2).c_str());
    return 0;
  }

  // Billing periods and windows are in the box's zone: set once, before any thread (localtime_r).
  if (!config->billing.timeZone.empty()) {
    ::setenv("TZ", (":" + config->billing.timeZone).c_str(), 1);
    ::tzset();
  }
  edge::Edged daemon(configPath, std::move(*config));
  core::Status s = daemon.start();
  if (!s.isOk()) {
    core::logError("edged cannot start: ", s.message());
    daemon.stop();
    return 1;
  }
  int rc = daemon.run();
  daemon.stop();
  return rc;
}
