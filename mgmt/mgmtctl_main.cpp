// mgmtctl: the command line for the management plane, over mgmtd's control socket (root or the
// mgmtd group). Same shape as edgectl: words -> one control command, --flags -> arguments.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/cli.h"
#include "core/control_socket.h"

namespace {

constexpr const char* kDefaultSocket = "/run/mgmtd/control.sock";

const std::vector<core::CliCommand>& specs() {
  static const std::vector<core::CliCommand> list = {
      {"status", "status", "", "whether mgmtd runs, its listeners, CA fingerprint and counts", nullptr},
      {"tenant add", "tenant-add", "--name N --tier free|basic|premium|enterprise [--expires ISO8601] | --demo true [--name N]",
       "add a tenant (prints its id); --demo true: a 7-day demo with 3 plans, 50 subscribers, a month of usage", nullptr},
      {"tenant list", "tenant-list", "", "list tenants", nullptr},
      {"tenant show", "tenant-show", "T", "one tenant: tier, cap, features, counts, license", "tenant"},
      {"tenant set", "tenant-set", "--tenant T [--name N] [--tier TIER] [--expires ISO8601]",
       "change a tenant; a new tier or expiry issues a new license", nullptr},
      {"tenant suspend", "tenant-suspend", "T", "suspend a tenant: its boxes are refused (they keep serving offline)",
       "tenant"},
      {"tenant resume", "tenant-resume", "T", "resume a suspended tenant", "tenant"},
      {"license show", "license-show", "--tenant T", "the tenant's signed license", nullptr},
      {"claim create", "claim-create", "--tenant T [--ttl 24h] [--uses 1]",
       "a claim token for `edgectl enroll TOKEN` (printed alone on its line)", nullptr},
      {"device list", "device-list", "[--tenant T]", "enrolled appliances and their last check-in", nullptr},
      {"device show", "device-show", "D", "one appliance with its reported state", "device"},
      {"device revoke", "device-revoke", "D", "revoke an appliance's certificate; refused from the next request on",
       "device"},
      {"device rekey", "device-rekey", "D",
       "the appliance makes a new key at its next check-in; its old certificate is refused once the new one is used",
       "device"},
      {"plan add", "plan-add", "--tenant T --name N --down RATE --up RATE [any edgectl plan add option]",
       "add a plan on every box of the tenant", nullptr},
      {"plan set", "plan-set", "--tenant T --name N [any plan add option]", "change a plan", nullptr},
      {"plan list", "plan-list", "--tenant T", "the tenant's plans", nullptr},
      {"plan del", "plan-del", "--tenant T --name N", "delete a plan no subscriber uses", nullptr},
      {"subscriber add", "subscriber-add",
       "--tenant T --username U --password P --plan N [--mac MAC] [--expires ISO8601] [--status S] [--static-ip IP]",
       "add a subscriber on every box of the tenant", nullptr},
      {"subscriber set", "subscriber-set", "--tenant T --username U [any subscriber add option]", "change a subscriber",
       nullptr},
      {"subscriber del", "subscriber-del", "--tenant T --username U", "delete a subscriber", nullptr},
      {"subscriber list", "subscriber-list", "--tenant T [--plan N] [--limit N] [--offset N]",
       "the tenant's subscribers (passwords are never shown)", nullptr},
      {"usage", "usage", "--tenant T [--user U]", "usage totals per subscriber as received from the boxes", nullptr},
      {"session list", "session-list", "--tenant T [--user U] [--limit N]",
       "closed sessions as the boxes summed them up (uploaded with the usage)", nullptr},
      {"session disconnect", "session-disconnect", "--tenant T --user U",
       "disconnect a subscriber on every box of the tenant (at their next check-in)", nullptr},
      {"command list", "command-list", "--tenant T", "commands sent to the boxes and their results", nullptr},
      {"token create", "token-create", "[--tenant T] [--name N] [--ttl 90d]",
       "an admin API bearer token, for the platform or one tenant (shown once; --ttl: it expires)", nullptr},
      {"token list", "token-list", "", "admin API tokens (never their secrets): state, expiry, last use", nullptr},
      {"token revoke", "token-revoke", "ID", "revoke an admin API token at once", "id"},
      {"shutdown", "shutdown", "", "stop mgmtd cleanly", nullptr},
      {"commands", "list-commands", "", "list the commands the running mgmtd accepts", nullptr},
      {"call", "", "COMMAND [JSON-ARGUMENTS]", "send any control command (scripts, support)", nullptr},
  };
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
    return global->help ? 0 : 2;
  }
  const std::string& socketPath = global->socketPath;
  const bool json = global->json;
  core::Result<core::CliInvocation> parsed = core::parseCli(specs(), global->words, "mgmtctl");
  if (!parsed.isOk()) {
    std::fprintf(stderr, "%s\n", parsed.status().message().c_str());
    return 2;
  }
  core::Json arguments = parsed->arguments;
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
  return ok ? 0 : 1;
}
