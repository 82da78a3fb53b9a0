#include "core/cli.h"

#include <algorithm>
#include <cstdlib>
#include <optional>

#include "core/command/reply.h"

namespace core {

int cliExitStatus(const Json& reply) {
  int result = reply.is_object() && reply.contains("result") && reply["result"].is_number_integer() ? reply["result"].get<int>() : 1;
  if (result == kControlSuccess || result == kControlEmpty) return 0;
  std::optional<command::PublicCode> code;
  if (reply.contains("code") && reply["code"].is_string()) code = command::publicCodeFromName(reply["code"].get<std::string>());
  return command::exitStatus(code.value_or(command::PublicCode::kInvalidArgument));
}

std::vector<CliCommand> cliCommands(const std::vector<command::Spec>& specs) {
  std::vector<CliCommand> out;
  for (const command::Spec& s : specs) {
    std::string ranges;
    for (const command::Arg& a : s.args)
      if (!a.rangeText().empty()) ranges += (ranges.empty() ? "--" : ", --") + a.name + " " + a.rangeText();
    out.push_back(CliCommand{s.words.c_str(), s.cliOnly ? "" : s.name.c_str(), s.usage.c_str(), s.help.c_str(),
                             s.positional.empty() ? nullptr : s.positional.c_str(), ranges});
  }
  out.push_back(CliCommand{"commands", "list-commands", "", "list the commands the running daemon accepts", nullptr,
                           ""});
  return out;
}

Result<CliGlobal> parseCliGlobal(int argc, char** argv, const std::string& program, const char* socketEnv,
                                 const std::string& defaultSocket) {
  CliGlobal g;
  const char* env = std::getenv(socketEnv);
  g.socketPath = env != nullptr && env[0] != '\0' ? env : defaultSocket;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (g.words.empty() && arg == "--socket") {
      if (i + 1 >= argc) return invalidArgument(program + ": --socket needs a path");
      g.socketPath = argv[++i];
    } else if (arg == "--json") {
      g.json = true;
    } else if (g.words.empty() && (arg == "--help" || arg == "-h" || arg == "help")) {
      g.help = true;
      return g;
    } else {
      g.words.push_back(arg);
    }
  }
  return g;
}

Result<CliInvocation> parseCli(const std::vector<CliCommand>& commands, const std::vector<std::string>& rest,
                               const std::string& program) {
  CliInvocation out;
  size_t used = 0;
  for (const CliCommand& c : commands) {
    std::string words = c.words;
    size_t n = 1 + static_cast<size_t>(std::count(words.begin(), words.end(), ' '));
    if (n > rest.size()) continue;
    std::string typed = rest[0];
    for (size_t k = 1; k < n; ++k) typed += " " + rest[k];
    if (typed == words && n > used) {
      out.spec = &c;
      used = n;
    }
  }
  if (out.spec == nullptr)
    return invalidArgument(program + ": unknown command '" + (rest.empty() ? "" : rest[0]) + "' (see " + program + " --help)");
  out.command = out.spec->command;
  std::vector<std::string> tail(rest.begin() + static_cast<long>(used), rest.end());
  if (out.command.empty()) {  // call COMMAND [JSON]
    if (tail.empty() || tail.size() > 2)
      return invalidArgument(program + ": usage: " + program + " call COMMAND [JSON-ARGUMENTS]");
    out.command = tail[0];
    if (tail.size() == 2) {
      Result<Json> parsed = parseJsonWithComments(tail[1], "arguments");
      if (!parsed.isOk()) return invalidArgument(program + ": " + parsed.status().message());
      out.arguments = *parsed;
    }
    return out;
  }
  for (size_t i = 0; i < tail.size(); ++i) {
    const std::string& t = tail[i];
    if (t.rfind("--", 0) == 0 && t.size() > 2) {
      std::string key = t.substr(2);
      std::string value;
      auto eq = key.find('=');
      if (eq != std::string::npos) {
        value = key.substr(eq + 1);
        key = key.substr(0, eq);
      } else if (i + 1 < tail.size()) {
        value = tail[++i];
      } else {
        return invalidArgument(program + ": " + t + " needs a value");
      }
      if (!out.arguments.contains(key)) {
        out.arguments[key] = value;
      } else {
        // A repeated flag (--fup A --fup B) becomes a list.
        if (!out.arguments[key].is_array()) out.arguments[key] = Json::array({out.arguments[key]});
        out.arguments[key].push_back(value);
      }
    } else if (out.spec->positional != nullptr && !out.arguments.contains(out.spec->positional)) {
      out.arguments[out.spec->positional] = t;
    } else {
      return invalidArgument(program + ": " + out.spec->words + ": unexpected '" + t + "' (usage: " + program + " " +
                             out.spec->words + " " + out.spec->usage + ")");
    }
  }
  return out;
}

void printCliUsage(FILE* out, const std::string& program, const std::string& description,
                   const std::string& defaultSocket, const std::vector<CliCommand>& commands) {
  std::fprintf(out,
               "usage: %s [--socket PATH] [--json] COMMAND [OPTIONS]\n"
               "\n"
               "%s\n"
               "\n"
               "  --socket PATH   control socket (default %s)\n"
               "  --json          print the answer's data as JSON (on failure: {\"result\", \"code\", \"text\"})\n"
               "\n"
               "commands:\n",
               program.c_str(), description.c_str(), defaultSocket.c_str());
  for (const CliCommand& c : commands) {
    std::fprintf(out, "  %-18s %s\n", c.words, c.help);
    if (c.usage[0] != '\0') std::fprintf(out, "  %-18s   %s\n", "", c.usage);
    if (!c.ranges.empty()) std::fprintf(out, "  %-18s   (%s)\n", "", c.ranges.c_str());
  }
}

std::string jsonText(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

void printTable(const Json& rows, const std::vector<std::pair<const char*, const char*>>& columns) {
  std::vector<size_t> width;
  for (const auto& c : columns) width.push_back(std::string(c.second).size());
  for (const Json& r : rows)
    for (size_t i = 0; i < columns.size(); ++i) width[i] = std::max(width[i], jsonText(r.value(columns[i].first, Json())).size());
  for (size_t i = 0; i < columns.size(); ++i) std::printf("%-*s  ", static_cast<int>(width[i]), columns[i].second);
  std::printf("\n");
  for (const Json& r : rows) {
    for (size_t i = 0; i < columns.size(); ++i)
      std::printf("%-*s  ", static_cast<int>(width[i]), jsonText(r.value(columns[i].first, Json())).c_str());
    std::printf("\n");
  }
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

std::string humanBytes(uint64_t v) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double d = static_cast<double>(v);
  int u = 0;
  while (d >= 1024 && u < 5) {
    d /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", d, units[u]);
  return buf;
}

}  // namespace core
