// edgectl: the command line for the appliance, over edged's control socket.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/control_socket.h"

namespace {

constexpr const char* kDefaultSocket = "/run/edged/control.sock";

struct CommandHelp {
  const char* name;
  const char* args;
  const char* help;
};

const std::vector<CommandHelp>& commands() {
  static const std::vector<CommandHelp> list = {
      {"status", "", "show whether edged runs, its version, uptime, paths, database and counters"},
      {"config-get", "", "print the configuration edged is running with"},
      {"config-reload", "", "re-read the config file; applied only when valid as a whole"},
      {"events", "[--limit N]", "show the appliance event log, newest first"},
      {"shutdown", "", "stop edged cleanly"},
      {"commands", "", "list the commands the running edged accepts"},
      {"call", "COMMAND [JSON-ARGUMENTS]", "send any control command (for scripts and support)"},
  };
  return list;
}

void usage(FILE* out) {
  std::fprintf(out,
               "usage: edgectl [--socket PATH] [--json] COMMAND [ARGS]\n"
               "\n"
               "Talks to the running edged over its control socket.\n"
               "\n"
               "  --socket PATH   control socket (default %s, or $EDGED_SOCKET)\n"
               "  --json          print the daemon's JSON answer instead of text\n"
               "\n"
               "commands:\n",
               kDefaultSocket);
  for (const CommandHelp& c : commands())
    std::fprintf(out, "  %-14s %-26s %s\n", c.name, c.args, c.help);
}

std::string humanDuration(int64_t seconds) {
  int64_t d = seconds / 86400, h = seconds / 3600 % 24, m = seconds / 60 % 60, s = seconds % 60;
  char buf[64];
  if (d > 0) std::snprintf(buf, sizeof buf, "%lldd %lldh %lldm", (long long)d, (long long)h, (long long)m);
  else if (h > 0) std::snprintf(buf, sizeof buf, "%lldh %lldm %llds", (long long)h, (long long)m, (long long)s);
  else if (m > 0) std::snprintf(buf, sizeof buf, "%lldm %llds", (long long)m, (long long)s);
  else std::snprintf(buf, sizeof buf, "%llds", (long long)s);
  return buf;
}

void printStatus(const core::Json& a) {
  std::printf("edged %s is running (pid %lld, up %s, since %s)\n", a["version"].get<std::string>().c_str(),
              (long long)a["pid"].get<int64_t>(), humanDuration(a["uptime-seconds"].get<int64_t>()).c_str(),
              a["started-at"].get<std::string>().c_str());
  std::printf("  config file     %s\n", a["config-file"].get<std::string>().c_str());
  std::printf("  data dir        %s\n", a["data-dir"].get<std::string>().c_str());
  std::printf("  control socket  %s\n", a["control-socket"].get<std::string>().c_str());
  std::printf("  log level       %s\n", a["log-level"].get<std::string>().c_str());
  const core::Json& db = a["database"];
  std::printf("  database        %s (schema v%d, synchronous=%s, %llu writes in %llu batches, %llu failed)\n",
              db["path"].get<std::string>().c_str(), db["schema-version"].get<int>(),
              db["synchronous"].get<std::string>().c_str(), (unsigned long long)db["writes"].get<uint64_t>(),
              (unsigned long long)db["batches"].get<uint64_t>(), (unsigned long long)db["write-failures"].get<uint64_t>());
  std::printf("counters:\n");
  for (auto it = a["counters"].begin(); it != a["counters"].end(); ++it)
    std::printf("  %-40s %llu\n", it.key().c_str(), (unsigned long long)it.value().get<uint64_t>());
}

void printHuman(const std::string& command, const core::Json& reply) {
  const core::Json empty = core::Json::object();
  const core::Json& args = reply.contains("arguments") ? reply["arguments"] : empty;
  if (command == "status" && args.is_object() && args.contains("version")) {
    printStatus(args);
  } else if (command == "events" && args.is_array()) {
    for (const core::Json& e : args)
      std::printf("%s  %-16s %s\n", e["at"].get<std::string>().c_str(), e["kind"].get<std::string>().c_str(),
                  e["detail"].get<std::string>().c_str());
  } else if (command == "list-commands" && args.is_array()) {
    for (const core::Json& c : args)
      std::printf("  %-16s %s\n", c["command"].get<std::string>().c_str(), c["help"].get<std::string>().c_str());
  } else if (command == "config-get") {
    std::printf("%s\n", args.dump(2).c_str());
  } else {
    std::printf("%s\n", reply.value("text", "").c_str());
    if (!args.empty()) std::printf("%s\n", args.dump(2).c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  const char* env = std::getenv("EDGED_SOCKET");
  std::string socketPath = env != nullptr && env[0] != '\0' ? env : kDefaultSocket;
  bool json = false;
  std::vector<std::string> rest;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--socket") {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "edgectl: --socket needs a path\n");
        return 2;
      }
      socketPath = argv[++i];
    } else if (arg == "--json") {
      json = true;
    } else if (arg == "--help" || arg == "-h" || arg == "help") {
      usage(stdout);
      return 0;
    } else {
      rest.push_back(arg);
    }
  }
  if (rest.empty()) {
    usage(stderr);
    return 2;
  }

  std::string command = rest[0];
  core::Json arguments = nullptr;
  if (command == "commands") {
    command = "list-commands";
  } else if (command == "call") {
    if (rest.size() < 2 || rest.size() > 3) {
      std::fprintf(stderr, "edgectl: usage: edgectl call COMMAND [JSON-ARGUMENTS]\n");
      return 2;
    }
    command = rest[1];
    if (rest.size() == 3) {
      core::Result<core::Json> parsed = core::parseJsonWithComments(rest[2], "arguments");
      if (!parsed.isOk()) {
        std::fprintf(stderr, "edgectl: %s\n", parsed.status().message().c_str());
        return 2;
      }
      arguments = *parsed;
    }
    rest.clear();
  } else if (command == "events") {
    arguments = core::Json::object();
    for (size_t i = 1; i < rest.size(); ++i) {
      if (rest[i] == "--limit" && i + 1 < rest.size()) {
        char* end = nullptr;
        long long n = std::strtoll(rest[++i].c_str(), &end, 10);
        if (end == nullptr || *end != '\0' || n < 1) {
          std::fprintf(stderr, "edgectl: --limit needs a positive number\n");
          return 2;
        }
        arguments["limit"] = n;
      } else {
        std::fprintf(stderr, "edgectl: events: unknown argument '%s'\n", rest[i].c_str());
        return 2;
      }
    }
    rest.resize(1);
  } else {
    bool known = false;
    for (const CommandHelp& c : commands()) known = known || command == c.name;
    if (!known) {
      std::fprintf(stderr, "edgectl: unknown command '%s' (see edgectl --help)\n", command.c_str());
      return 2;
    }
  }
  if (rest.size() > 1) {
    std::fprintf(stderr, "edgectl: %s takes no arguments\n", command.c_str());
    return 2;
  }

  core::Result<core::Json> reply = core::controlCall(socketPath, command, arguments, 30000, "edged");
  if (!reply.isOk()) {
    std::fprintf(stderr, "edgectl: %s\n", reply.status().message().c_str());
    return 3;
  }
  int result = reply->value("result", 1);
  if (json) {
    std::printf("%s\n", reply->dump(2).c_str());
  } else if (result == core::kControlSuccess || result == core::kControlEmpty) {
    printHuman(command, *reply);
  } else {
    std::fprintf(stderr, "edgectl: %s\n", reply->value("text", "error").c_str());
  }
  return result == core::kControlSuccess || result == core::kControlEmpty ? 0 : 1;
}
