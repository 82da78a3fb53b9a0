#include "core/daemon_main.h"

namespace core {

namespace {

void usage(FILE* out, const char* name, const char* description, const char* defaultConfig) {
  std::fprintf(out,
               "usage: %s [--config FILE] [--check] [--print-config] [--help-config] [--version]\n"
               "\n"
               "%s"
               "\n"
               "  --config FILE    configuration file, JSON with comments (default %s)\n"
               "  --check          validate the configuration and exit: 0 when valid, 2 when not\n"
               "  --print-config   print the effective configuration (defaults filled in) and exit\n"
               "  --help-config    list every configuration key with its type, default and meaning\n"
               "  --version        print the version and exit\n",
               name, description, defaultConfig);
}

}  // namespace

DaemonArgs parseDaemonArgs(int argc, char** argv, const char* name, const char* description, const char* defaultConfig) {
  DaemonArgs out;
  out.configPath = defaultConfig;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--config" || arg == "-c") {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s: %s needs a file name\n", name, arg.c_str());
        out.action = DaemonArgs::Action::kExit;
        out.exitStatus = 2;
        return out;
      }
      out.configPath = argv[++i];
    } else if (arg == "--check") {
      out.action = DaemonArgs::Action::kCheck;
    } else if (arg == "--print-config") {
      out.action = DaemonArgs::Action::kPrintConfig;
    } else if (arg == "--help-config") {
      out.action = DaemonArgs::Action::kHelpConfig;
      return out;
    } else if (arg == "--version") {
      out.action = DaemonArgs::Action::kVersion;
      return out;
    } else if (arg == "--help" || arg == "-h") {
      usage(stdout, name, description, defaultConfig);
      out.action = DaemonArgs::Action::kHelp;
      return out;
    } else {
      std::fprintf(stderr, "%s: unknown argument '%s'\n\n", name, arg.c_str());
      usage(stderr, name, description, defaultConfig);
      out.action = DaemonArgs::Action::kExit;
      out.exitStatus = 2;
      return out;
    }
  }
  return out;
}

}  // namespace core
