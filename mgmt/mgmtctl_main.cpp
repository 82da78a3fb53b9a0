// mgmtctl: the command line for the management plane, over mgmtd's control socket (root or the
// mgmtd group). Same shape as edgectl: words -> one control command, --flags -> arguments.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/cli.h"
#include "core/control_socket.h"
#include "import/verify_cli.h"
#include "mgmt/mgmt_commands.h"
#include "mgmt/mgmtctl_import.h"
#include "mgmt/mgmtctl_offline.h"

namespace {

constexpr const char* kDefaultSocket = "/run/mgmtd/control.sock";

const std::vector<core::CliCommand>& specs() {
  static const std::vector<core::CliCommand> list = core::cliCommands(mgmt::mgmtCommandSpecs());
  return list;
}

using core::jsonText;

void printHuman(const std::string& command, const core::Json& reply) {
  const core::Json empty = core::Json::object();
  const core::Json& a = reply.contains("arguments") && !reply["arguments"].is_null() ? reply["arguments"] : empty;
  if (command == "tenant-add") {
    std::fprintf(stderr, "%s\n", jsonText(reply["text"]).c_str());
    std::printf("%s\n", jsonText(a["id"]).c_str());
  } else if (command == "claim-create") {
    std::fprintf(stderr, "%s, %s use(s), expires %s; on the box run: edgectl enroll TOKEN\n",
                 jsonText(reply["text"]).c_str(), jsonText(a["uses"]).c_str(), jsonText(a["expires-at"]).c_str());
    std::printf("%s\n", jsonText(a["token"]).c_str());
  } else if (command == "token-create") {
    std::fprintf(stderr, "%s\n", jsonText(reply["text"]).c_str());
    std::printf("%s\n", jsonText(a["token"]).c_str());
  } else if (command == "tenant-list") {
    core::printTable(a, {{"id", "ID"}, {"name", "NAME"}, {"tier", "TIER"}, {"status", "STATUS"},
                         {"subscribers", "SUBSCRIBERS"}, {"subscriber-cap", "CAP"}, {"devices", "DEVICES"},
                         {"expires-at", "LICENSE-EXPIRES"}});
  } else if (command == "device-list") {
    core::printTable(a, {{"id", "ID"}, {"tenant", "TENANT"}, {"hostname", "HOSTNAME"}, {"status", "STATUS"},
                         {"last-checkin", "LAST-CHECKIN"}, {"certificate-expires-at", "CERT-EXPIRES"},
                         {"usage-watermark", "USAGE-SEQ"}});
  } else if (command == "plan-list") {
    core::printTable(a, {{"name", "NAME"}, {"down", "DOWN"}, {"up", "UP"}, {"price", "PRICE"}, {"currency", "CUR"},
                         {"version", "VERSION"}});
  } else if (command == "subscriber-list") {
    core::printTable(a, {{"username", "USERNAME"}, {"plan", "PLAN"}, {"status", "STATUS"}, {"origin", "ORIGIN"},
                         {"version", "VERSION"}});
  } else if (command == "usage") {
    core::Json rows = core::Json::array();
    for (const core::Json& r : a) {
      core::Json row = r;
      row["in"] = core::humanBytes(r["input-octets"].get<uint64_t>());
      row["out"] = core::humanBytes(r["output-octets"].get<uint64_t>());
      rows.push_back(row);
    }
    core::printTable(rows, {{"username", "USERNAME"}, {"in", "INPUT (UPLOAD)"}, {"out", "OUTPUT (DOWNLOAD)"},
                            {"records", "RECORDS"}, {"last-record", "LAST-RECORD"}});
  } else if (command == "session-list") {
    core::printTable(a, {{"username", "USERNAME"}, {"device", "DEVICE"}, {"nas", "NAS"}, {"started", "STARTED"},
                         {"stopped", "STOPPED"}, {"input-octets", "IN"}, {"output-octets", "OUT"},
                         {"close-reason", "REASON"}});
  } else if (command == "command-list") {
    core::printTable(a, {{"id", "ID"}, {"device", "DEVICE"}, {"kind", "KIND"}, {"arguments", "ARGUMENTS"},
                         {"state", "STATE"}, {"result", "RESULT"}});
  } else if (command == "list-commands" && a.is_array()) {
    for (const core::Json& c : a) std::printf("  %-20s %s\n", jsonText(c["command"]).c_str(), jsonText(c["help"]).c_str());
  } else if (a.is_object() && !a.empty()) {
    std::printf("%s\n", jsonText(reply["text"]).c_str());
    for (auto it = a.begin(); it != a.end(); ++it) {
      if (it.key() == "document") continue;
      std::printf("  %-24s %s\n", it.key().c_str(), jsonText(it.value()).c_str());
    }
  } else {
    std::printf("%s\n", jsonText(reply["text"]).c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  // migrate, verify and backup work on the database itself, not through mgmtd (ADR 0025).
  if (mgmt::isOfflineCommand(argc, argv)) return mgmt::runOfflineCommand(argc, argv);
  core::Result<core::CliGlobal> global = core::parseCliGlobal(argc, argv, "mgmtctl", "MGMTD_SOCKET", kDefaultSocket);
  if (!global.isOk()) {
    std::fprintf(stderr, "%s\n", global.status().message().c_str());
    return 2;
  }
  if (global->help || global->words.empty()) {
    core::printCliUsage(global->help ? stdout : stderr, "mgmtctl",
                        "Talks to the running mgmtd over its control socket ($MGMTD_SOCKET overrides the default).\n"
                        "--tenant takes a tenant's name or id.",
                        kDefaultSocket, specs());
    mgmt::printOfflineUsage(global->help ? stdout : stderr);
    return global->help ? 0 : 2;
  }
  const std::string& socketPath = global->socketPath;
  const bool json = global->json;
  // import verify: the shadow check against the ISP's server and a box (ADR 0050, 0060), as edgectl's.
  if (global->words[0] == "import" && global->words.size() >= 2 && global->words[1] == "verify")
    return importer::runImportVerify(std::vector<std::string>(global->words.begin() + 1, global->words.end()), json,
                                     "mgmtctl");
  // import --tenant T --source S --from PATH|DSN: the source is read and mapped here (issue 30);
  // "import list" and "import rollback" are ordinary commands.
  if (global->words[0] == "import" && (global->words.size() < 2 || global->words[1].rfind("--", 0) == 0))
    return mgmt::runImportCli(std::vector<std::string>(global->words.begin() + 1, global->words.end()), socketPath, json);
  core::Result<core::CliInvocation> parsed = core::parseCli(specs(), global->words, "mgmtctl");
  if (!parsed.isOk()) {
    std::fprintf(stderr, "%s\n", parsed.status().message().c_str());
    return 2;
  }
  core::Json arguments = parsed->arguments;
  // bank-import --file PATH: the statement is read here and sent as its text.
  if (parsed->command == "bank-import" && arguments.contains("file") && arguments["file"].is_string()) {
    const std::string path = arguments["file"].get<std::string>();
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
      std::fprintf(stderr, "mgmtctl: --file %s: cannot be read\n", path.c_str());
      return 2;
    }
    std::string text;
    char buf[65536];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
    std::fclose(f);
    arguments.erase("file");
    arguments["statement"] = text;
  }
  // Flags arrive as text; the one boolean flag becomes a boolean.
  if (arguments.contains("demo") && arguments["demo"].is_string()) {
    std::string v = arguments["demo"].get<std::string>();
    arguments["demo"] = v == "true" || v == "yes" || v == "1";
  }
  core::Result<core::Json> reply = core::controlCall(socketPath, parsed->command,
                                                     arguments.empty() ? core::Json(nullptr) : arguments, 60000, "mgmtd");
  if (!reply.isOk()) {
    std::fprintf(stderr, "mgmtctl: %s\n", reply.status().message().c_str());
    return 3;
  }
  int result = reply->value("result", 1);
  bool ok = result == core::kControlSuccess || result == core::kControlEmpty;
  if (json) {
    if (ok) std::printf("%s\n", (reply->contains("arguments") ? (*reply)["arguments"] : core::Json::object()).dump(2).c_str());
    else std::printf("%s\n", reply->dump(2).c_str());
  } else if (ok) {
    printHuman(parsed->command, *reply);
  } else {
    std::fprintf(stderr, "mgmtctl: %s\n", jsonText((*reply)["text"]).c_str());
  }
  return core::cliExitStatus(*reply);
}
