// edgectl: the command line for the appliance, over edged's control socket.
//
// Every command maps to one control command: `edgectl nas add --name X --address Y` sends
// {"command": "nas-add", "arguments": {"name": "X", "address": "Y"}}. The daemon validates; this
// program formats. `subscriber import --csv FILE` streams the file in batches with progress.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "core/cli.h"
#include "core/control_socket.h"
#include "core/pki.h"
#include "edge/cli/firmware_cli.h"
#include "edge/cli/import_cli.h"
#include "edge/commands/edge_commands.h"

namespace {

constexpr const char* kDefaultSocket = "/run/edged/control.sock";

using CommandSpec = core::CliCommand;
using core::humanBytes;
using core::humanDuration;
using core::printTable;

std::string text(const core::Json& v) { return core::jsonText(v); }


const std::vector<CommandSpec>& specs() {
  static const std::vector<CommandSpec> list = core::cliCommands(edge::edgeCommandSpecs());
  return list;
}

void usage(FILE* out) {
  core::printCliUsage(out, "edgectl", "Talks to the running edged over its control socket ($EDGED_SOCKET overrides the default).",
                      kDefaultSocket, specs());
}

void printStatus(const core::Json& a) {
  std::printf("edged %s is running (pid %lld, up %s, since %s)\n", a["version"].get<std::string>().c_str(),
              (long long)a["pid"].get<int64_t>(), humanDuration(a["uptime-seconds"].get<int64_t>()).c_str(),
              a["started-at"].get<std::string>().c_str());
  std::printf("  config file     %s\n", a["config-file"].get<std::string>().c_str());
  std::printf("  data dir        %s\n", a["data-dir"].get<std::string>().c_str());
  std::printf("  control socket  %s\n", a["control-socket"].get<std::string>().c_str());
  std::printf("  log level       %s\n", a["log-level"].get<std::string>().c_str());
  std::printf("  metrics         %s\n", text(a.value("metrics-url", core::Json(""))).c_str());
  if (a.contains("ui-url")) {
    std::printf("  technician UI   %s\n", text(a["ui-url"]).c_str());
    const core::Json& c = a.value("ui-certificate", core::Json::object());
    std::printf("  UI certificate  SHA-256 %s (%s, until %s)\n", text(c.value("sha256-fingerprint", core::Json(""))).c_str(),
                text(c.value("source", core::Json(""))).c_str(), text(c.value("not-after", core::Json(""))).c_str());
  }
  const core::Json& db = a["database"];
  std::printf("  database        %s (schema v%d, synchronous=%s, %llu writes in %llu batches, %llu failed)\n",
              db["path"].get<std::string>().c_str(), db["schema-version"].get<int>(),
              db["synchronous"].get<std::string>().c_str(), (unsigned long long)db["writes"].get<uint64_t>(),
              (unsigned long long)db["batches"].get<uint64_t>(), (unsigned long long)db["write-failures"].get<uint64_t>());
  if (a.contains("radius")) {
    const core::Json& r = a["radius"];
    std::printf("  RADIUS auth     %s:%s, %s NAS clients, %s plans, %s subscribers\n", text(r["listen"]).c_str(),
                text(r["auth-port"]).c_str(), text(r["nas-clients"]).c_str(), text(r["plans"]).c_str(),
                text(r["subscribers"]).c_str());
  }
  std::printf("counters:\n");
  for (auto it = a["counters"].begin(); it != a["counters"].end(); ++it)
    std::printf("  %-48s %s\n", it.key().c_str(), text(it.value()).c_str());
}

// One line per session: "3f2a9c1e07ab alice@bras: ACK (1 attempt, 12 ms)" or the NAK's cause.
void printDynAuth(const core::Json& results) {
  if (!results.is_array()) return;
  for (const core::Json& r : results) {
    std::string outcome = text(r["outcome"]);
    std::string line = text(r["id"]).substr(0, 12) + " " + text(r["username"]) + "@" + text(r["nas"]) + ": ";
    if (outcome == "ack") {
      line += "ACK";
    } else if (outcome == "nak") {
      line += "NAK, " + text(r["error-cause-text"]) + " (Error-Cause " + text(r["error-cause"]) + ")";
    } else if (outcome == "timeout") {
      line += "no answer from the NAS";
    } else if (outcome == "queued") {
      line += "queued for the NAS (job " + text(r["job"]) + "); its result goes to edged's log";
    } else {
      line += "error";
    }
    if (r.contains("attempts"))
      line += " after " + text(r["attempts"]) + " attempt(s), " + text(r["elapsed-ms"]) + " ms";
    if (outcome != "ack" && !text(r["message"]).empty()) line += ": " + text(r["message"]);
    std::printf("%s\n", line.c_str());
  }
}

void printHuman(const std::string& command, const core::Json& reply) {
  const core::Json empty = core::Json::object();
  const core::Json& args = reply.contains("arguments") ? reply["arguments"] : empty;
  if (command == "sync-status" || command == "enroll") {
    std::printf("%s\n", text(reply["text"]).c_str());
    for (const char* key : {"device-id", "tenant", "url", "enrolled-at", "last-success", "last-error", "usage-backlog",
                            "outbox-backlog", "poll-interval", "certificate-expires-at"})
      if (args.is_object() && args.contains(key) && !text(args[key]).empty())
        std::printf("  %-24s %s\n", key, text(args[key]).c_str());
    // EAP's certificate from the management plane (ADR 0069): the name phones check, or why not.
    core::Json eap = args.is_object() ? args.value("eap-certificate", core::Json()) : core::Json();
    if (eap.is_object()) {
      std::string line = text(eap["state"]);
      if (eap.contains("name") && !text(eap["name"]).empty()) line += " for " + text(eap["name"]);
      if (eap.contains("error")) line += ": " + text(eap["error"]);
      std::printf("  %-24s %s\n", "eap-certificate", line.c_str());
    }
    return;
  }
  if (command == "status" && args.is_object() && args.contains("version")) {
    printStatus(args);
  } else if (command == "events" && args.is_array()) {
    for (const core::Json& e : args)
      std::printf("%s  %-16s %s\n", text(e["at"]).c_str(), text(e["kind"]).c_str(), text(e["detail"]).c_str());
  } else if (command == "list-commands" && args.is_array()) {
    for (const core::Json& c : args) std::printf("  %-20s %s\n", text(c["command"]).c_str(), text(c["help"]).c_str());
  } else if (command == "nas-list") {
    printTable(args, {{"name", "NAME"}, {"address", "ADDRESS"}, {"vendor", "VENDOR"}, {"coa-port", "COA-PORT"},
                 {"nas-identifier", "NAS-IDENTIFIER"}, {"require-message-authenticator", "REQUIRE-MSG-AUTH"},
                 {"radsec-identity", "RADSEC-IDENTITY"}});
  } else if (command == "plan-list") {
    core::Json rows = core::Json::array();
    for (const core::Json& p : args) {
      core::Json row = p;
      std::string fup;
      for (const core::Json& t : p["fup"]) fup += (fup.empty() ? "" : " ") + t.get<std::string>();
      row["fup-text"] = fup;
      rows.push_back(row);
    }
    printTable(rows, {{"name", "NAME"}, {"down", "DOWN"}, {"up", "UP"}, {"burst-down", "BURST-DOWN"}, {"burst-up", "BURST-UP"},
                 {"interim", "INTERIM"}, {"max-sessions", "MAX-SESSIONS"}, {"price", "PRICE"}, {"period", "PERIOD"},
                 {"data-quota", "DATA-QUOTA"}, {"time-quota", "TIME-QUOTA"}, {"fup-text", "FAIR-USE"}});
  } else if (command == "subscriber-list") {
    printTable(args["subscribers"], {{"username", "USERNAME"}, {"plan", "PLAN"}, {"status", "STATUS"},
                                {"expires", "EXPIRES"}, {"mac", "MAC"}, {"static-ip", "STATIC-IP"}});
    std::printf("(%s)\n", text(reply["text"]).c_str());
  } else if (command == "subscriber-show" || command == "subscriber-add" || command == "subscriber-set" ||
             command == "nas-add" || command == "plan-add" || command == "plan-set") {
    if (command != "subscriber-show") std::printf("%s\n", text(reply["text"]).c_str());
    for (auto it = args.begin(); it != args.end(); ++it) std::printf("  %-32s %s\n", it.key().c_str(), text(it.value()).c_str());
  } else if (command == "session-list" || command == "session-history") {
    core::Json rows = core::Json::array();
    for (const core::Json& r : args) {
      core::Json row = r;
      row["id"] = text(r["id"]).substr(0, 12);
      row["in"] = humanBytes(r["input-octets"].get<uint64_t>());
      row["out"] = humanBytes(r["output-octets"].get<uint64_t>());
      rows.push_back(row);
    }
    if (command == "session-list")
      printTable(rows, {{"id", "ID"}, {"username", "USERNAME"}, {"nas", "NAS"}, {"nas-port", "PORT"}, {"framed-ip", "IP"},
                   {"calling-station-id", "STATION"}, {"started", "STARTED"}, {"in", "IN"}, {"out", "OUT"},
                   {"state", "STATE"}});
    else
      printTable(rows, {{"id", "ID"}, {"nas", "NAS"}, {"started", "STARTED"}, {"stopped", "STOPPED"}, {"in", "IN"},
                   {"out", "OUT"}, {"close-reason", "CLOSE-REASON"}});
    std::printf("(%s)\n", text(reply["text"]).c_str());
  } else if (command == "session-disconnect" || command == "session-coa") {
    printDynAuth(args);
    std::printf("%s\n", text(reply["text"]).c_str());
  } else if (command == "session-show" || command == "usage" || command == "subscriber-topup") {
    if (command == "subscriber-topup") std::printf("%s\n", text(reply["text"]).c_str());
    for (auto it = args.begin(); it != args.end(); ++it) {
      if (it.value().is_object()) {
        std::printf("  %s:\n", it.key().c_str());
        for (auto b = it.value().begin(); b != it.value().end(); ++b)
          std::printf("    %-22s %s\n", b.key().c_str(), text(b.value()).c_str());
      } else {
        std::printf("  %-22s %s\n", it.key().c_str(), text(it.value()).c_str());
      }
    }
  } else if (command == "subscriber-explain") {
    for (const core::Json& line : args["explanation"]) std::printf("%s\n", text(line).c_str());
  } else if (command == "voucher-generate") {
    std::printf("%s\n", text(reply["text"]).c_str());
    for (const core::Json& code : args["codes"]) std::printf("  %s\n", text(code).c_str());
  } else if (command == "voucher-list") {
    printTable(args, {{"code", "CODE"}, {"batch", "BATCH"}, {"plan", "PLAN"}, {"state", "STATE"}, {"valid-for", "VALID-FOR"},
                 {"first-use", "FIRST-USE"}, {"valid-until", "VALID-UNTIL"}, {"device", "DEVICE"}, {"price", "PRICE"}});
    std::printf("(%s)\n", text(reply["text"]).c_str());
  } else if (command == "voucher-export" || command == "snmp-config") {
    std::fputs(text(args["content"]).c_str(), stdout);
  } else if (command == "user-set" && args.is_object() && args.contains("totp-secret")) {
    // Shown once: root hands it to the person (or they scan the URI as a QR code elsewhere).
    std::printf("%s\n  secret       %s\n  otpauth URI  %s\n", text(reply["text"]).c_str(),
                text(args["totp-secret"]).c_str(), text(args["otpauth-uri"]).c_str());
  } else if (command == "user-list" && args.is_array()) {
    printTable(args, {{"username", "NAME"}, {"role", "ROLE"}, {"totp", "TOTP"}, {"central", "CENTRAL"},
                      {"locked-until", "LOCKED-UNTIL"}, {"last-login-at", "LAST-SIGN-IN"}, {"last-login-from", "FROM"}});
  } else if (command == "diag-runs" && args.is_array()) {
    printTable(args, {{"id", "RUN"}, {"owner", "WHO"}, {"tool", "TOOL"}, {"target", "TARGET"}, {"started", "STARTED"},
                      {"duration-ms", "MS"}, {"summary", "OUTCOME"}});
    std::printf("(%s)\n", text(reply["text"]).c_str());
  } else if (command == "config-show") {
    std::printf("%s\n", args.dump(2).c_str());
  } else if (command == "license-show" || command == "license-install") {
    std::printf("%s\n", text(reply["text"]).c_str());
    for (auto it = args.begin(); it != args.end(); ++it) {
      if (it.value().is_object()) {
        for (auto b = it.value().begin(); b != it.value().end(); ++b)
          std::printf("  %-22s %s\n", b.key().c_str(), text(b.value()).c_str());
      } else {
        std::printf("  %-22s %s\n", it.key().c_str(), text(it.value()).c_str());
      }
    }
  } else if (command == "certs") {
    std::printf("%s (warning within %s days)\n", text(reply["text"]).c_str(), text(args["warning-days"]).c_str());
    for (const core::Json& e : args["certificates"]) {
      std::string state = text(e["state"]);
      std::printf("\n%s [%s] %s\n", text(e["title"]).c_str(), state == "not-configured" ? "-" : state.c_str(),
                  text(e["message"]).c_str());
      if (!text(e["path"]).empty()) std::printf("  %-20s %s (%s)\n", "file", text(e["path"]).c_str(), text(e["key"]).c_str());
      for (const core::Json& c : e.value("certificates", core::Json::array())) {
        std::string names;
        for (const core::Json& n : c["alt-names"]) names += (names.empty() ? "" : ", ") + text(n);
        std::printf("  %-20s %s\n", "subject", text(c["subject"]).c_str());
        std::printf("  %-20s %s\n", "issuer", text(c["issuer"]).c_str());
        if (!names.empty()) std::printf("  %-20s %s\n", "alt names", names.c_str());
        std::printf("  %-20s %s%s\n", "key", text(c["key-type"]).c_str(), c.value("ca", false) ? " (a CA)" : "");
        std::printf("  %-20s %s to %s (%s days left)\n", "valid", text(c["not-before"]).c_str(),
                    text(c["not-after"]).c_str(), text(c["days-left"]).c_str());
        std::printf("  %-20s %s\n", "SHA-256", text(c["sha256-fingerprint"]).c_str());
      }
      for (const core::Json& c : e.value("crls", core::Json::array())) {
        std::printf("  %-20s %s\n", "issuer", text(c["issuer"]).c_str());
        std::printf("  %-20s %s, next %s\n", "updated", text(c["this-update"]).c_str(),
                    c["next-update"].is_null() ? "not given" : text(c["next-update"]).c_str());
        std::printf("  %-20s %s\n", "revoked entries", text(c["revoked"]).c_str());
      }
    }
  } else if (command == "stats") {
    std::printf("RADIUS (all clients):\n");
    for (auto it = args["totals"].begin(); it != args["totals"].end(); ++it)
      std::printf("  %-48s %s\n", it.key().c_str(), text(it.value()).c_str());
    std::printf("Access-Rejects by reason:\n");
    for (auto it = args["rejects-by-reason"].begin(); it != args["rejects-by-reason"].end(); ++it)
      if (text(it.value()) != "0") std::printf("  %-48s %s\n", it.key().c_str(), text(it.value()).c_str());
    for (auto nas = args["clients"].begin(); nas != args["clients"].end(); ++nas) {
      std::printf("NAS client %s:\n", nas.key().c_str());
      for (auto it = nas.value().begin(); it != nas.value().end(); ++it)
        std::printf("  %-48s %s\n", it.key().c_str(), text(it.value()).c_str());
    }
  } else if (command == "config-get") {
    std::printf("%s\n", args.dump(2).c_str());
  } else {
    std::printf("%s\n", text(reply["text"]).c_str());
    if (!args.empty()) std::printf("%s\n", args.dump(2).c_str());
  }
}

// RFC 4180 CSV: fields separated by commas, optionally quoted with "" for a quote inside.
bool splitCsv(const std::string& line, std::vector<std::string>& out) {
  out.clear();
  std::string field;
  bool quoted = false, wasQuoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"' && field.empty() && !wasQuoted) {
      quoted = wasQuoted = true;
    } else if (c == ',') {
      out.push_back(field);
      field.clear();
      wasQuoted = false;
    } else if (c != '\r') {
      field += c;
    }
  }
  if (quoted) return false;
  out.push_back(field);
  return true;
}

int importCsv(const std::string& socketPath, const std::string& path, bool json) {
  // Why a file cannot be read is said (missing, permissions, a folder), not only that.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st{};
  if (fd < 0 || ::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    int err = fd < 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : errno;
    if (fd >= 0) ::close(fd);
    std::fprintf(stderr, "edgectl: cannot read %s: %s\n", path.c_str(), std::strerror(err));
    return 2;
  }
  ::close(fd);
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "edgectl: cannot read %s\n", path.c_str());
    return 2;
  }
  double totalBytes = st.st_size > 0 ? static_cast<double>(st.st_size) : 1.0;
  std::string line;
  std::vector<std::string> header, fields;
  if (!std::getline(in, line) || !splitCsv(line.rfind("\xEF\xBB\xBF", 0) == 0 ? line.substr(3) : line, header)) {
    // (a spreadsheet's "CSV UTF-8" starts with a byte order mark: skipped)
    std::fprintf(stderr, "edgectl: %s: missing header row (username,password,plan[,mac,expires,status,static-ip])\n",
                 path.c_str());
    return 2;
  }
  const std::vector<std::string> known = {"username", "password", "plan", "mac", "expires", "status", "static-ip"};
  for (size_t i = 0; i < header.size(); ++i) {
    std::string& h = header[i];
    while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) h.pop_back();
    while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.erase(0, 1);
    bool ok = false;
    for (const auto& k : known) ok = ok || h == k;
    if (!ok) {
      std::fprintf(stderr, "edgectl: %s: unknown column '%s' (known: username, password, plan, mac, expires, status, static-ip)\n",
                   path.c_str(), h.c_str());
      return 2;
    }
    for (size_t j = 0; j < i; ++j) {
      if (header[j] == h) {  // the second would silently win over the first
        std::fprintf(stderr, "edgectl: %s: column '%s' appears twice in the header\n", path.c_str(), h.c_str());
        return 2;
      }
    }
  }
  for (const char* needed : {"username", "plan"}) {
    bool ok = false;
    for (const auto& h : header) ok = ok || h == needed;
    if (!ok) {
      std::fprintf(stderr, "edgectl: %s: the header needs a '%s' column\n", path.c_str(), needed);
      return 2;
    }
  }
  constexpr size_t kBatch = 5000;
  int64_t lineNo = 1, imported = 0, failed = 0;
  core::Json errors = core::Json::array();
  core::Json batch = core::Json::array();
  bool tty = isatty(fileno(stderr));
  // A batch is imported as a whole or not at all; the batches before a refused one stay imported.
  auto stopped = [&](const std::string& why, bool refused) {
    int64_t first = batch.front()["line"].get<int64_t>(), last = batch.back()["line"].get<int64_t>();
    if (json) {  // a script gets what was done and where it stopped
      std::printf("%s\n", core::Json{{"imported", imported},
                                     {"failed", failed},
                                     {"errors", errors},
                                     // answered: edged refused the batch (false: no answer, it may be in)
                                     {"stopped", core::Json{{"first-line", first},
                                                            {"last-line", last},
                                                            {"answered", refused},
                                                            {"error", why}}}}
                               .dump(2)
                               .c_str());
    } else {
      for (const core::Json& e : errors)
        std::printf("line %lld: %s\n", (long long)e["line"].get<int64_t>(), text(e["error"]).c_str());
    }
    std::fprintf(stderr, "%sedgectl: import stopped: lines %lld-%lld %s: %s\n", tty ? "\n" : "", (long long)first,
                 (long long)last, refused ? "were not imported" : "may not have been imported (no answer)", why.c_str());
    std::fprintf(stderr, "edgectl: %lld subscribers imported before line %lld\n", (long long)imported, (long long)first);
  };
  auto send = [&]() -> bool {
    if (batch.empty()) return true;
    core::Result<core::Json> reply = core::controlCall(socketPath, "subscriber-import", core::Json{{"rows", batch}}, 300000, "edged");
    if (!reply.isOk()) {
      stopped(reply.status().message(), false);
      return false;
    }
    if ((*reply)["result"].get<int>() != 0) {
      stopped(text((*reply)["text"]), true);
      return false;
    }
    batch = core::Json::array();
    const core::Json& a = (*reply)["arguments"];
    imported += a["imported"].get<int64_t>();
    failed += a["failed"].get<int64_t>();
    for (const core::Json& e : a["errors"]) errors.push_back(e);
    double done = static_cast<double>(in.tellg() > 0 ? static_cast<double>(in.tellg()) : totalBytes);
    std::fprintf(stderr, "%simported %lld, failed %lld (%.0f%%)%s", tty ? "\r" : "", (long long)imported, (long long)failed,
                 100.0 * done / totalBytes, tty ? "" : "\n");
    return true;
  };
  while (std::getline(in, line)) {
    ++lineNo;
    if (line.empty() || line == "\r") continue;
    core::Json row = core::Json::object();
    row["line"] = lineNo;
    if (!splitCsv(line, fields)) {
      errors.push_back(core::Json{{"line", lineNo}, {"error", "unterminated quote"}});
      ++failed;
      continue;
    }
    if (fields.size() > header.size()) {
      errors.push_back(core::Json{{"line", lineNo}, {"error", "more fields than the header has columns"}});
      ++failed;
      continue;
    }
    for (size_t i = 0; i < fields.size(); ++i)
      if (!fields[i].empty()) row[header[i]] = fields[i];
    batch.push_back(std::move(row));
    if (batch.size() >= kBatch && !send()) return 1;
  }
  if (!send()) return 1;
  if (tty) std::fprintf(stderr, "\n");
  // Rows refused here (quotes, extra fields) and by edged come in file order.
  std::vector<core::Json> sorted(errors.begin(), errors.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const core::Json& a, const core::Json& b) {
    return a["line"].get<int64_t>() < b["line"].get<int64_t>();
  });
  errors = core::Json(sorted);
  if (json) {
    std::printf("%s\n", core::Json{{"imported", imported}, {"failed", failed}, {"errors", errors}}.dump(2).c_str());
  } else {
    for (const core::Json& e : errors)
      std::printf("line %lld: %s\n", (long long)e["line"].get<int64_t>(), text(e["error"]).c_str());
    std::printf("%lld subscribers imported, %lld rows failed\n", (long long)imported, (long long)failed);
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  core::Result<core::CliGlobal> global = core::parseCliGlobal(argc, argv, "edgectl", "EDGED_SOCKET", kDefaultSocket);
  if (!global.isOk()) {
    std::fprintf(stderr, "%s\n", global.status().message().c_str());
    return 2;
  }
  if (global->help || global->words.empty()) {
    usage(global->help ? stdout : stderr);
    return global->help ? 0 : 2;
  }
  const std::string& socketPath = global->socketPath;
  const bool json = global->json;
  // firmware install|status|gate run here, as root (edge/cli/firmware_cli.h); only firmware-report
  // goes to edged.
  if (global->words[0] == "firmware" && (global->words.size() < 2 || global->words[1] != "report"))
    return edge::runFirmwareCli(std::vector<std::string>(global->words.begin() + 1, global->words.end()), socketPath, json);

  // import --source S --from PATH [--dry-run]: read and mapped here (edge/cli/import_cli.h);
  // "import rollback BATCH" and "import list" are ordinary commands.
  if (global->words[0] == "import" &&
      (global->words.size() < 2 || (global->words[1] != "rollback" && global->words[1] != "list")))
    return edge::runImportCli(std::vector<std::string>(global->words.begin() + 1, global->words.end()), socketPath, json);

  core::Result<core::CliInvocation> parsed = core::parseCli(specs(), global->words, "edgectl");
  if (!parsed.isOk()) {
    std::fprintf(stderr, "%s\n", parsed.status().message().c_str());
    return 2;
  }
  std::string command = parsed->command;
  core::Json arguments = parsed->arguments;

  if (command == "subscriber-import") {
    if (!arguments.contains("csv") || arguments.size() != 1) {
      std::fprintf(stderr, "edgectl: usage: edgectl subscriber import --csv FILE\n");
      return 2;
    }
    return importCsv(socketPath, arguments["csv"].get<std::string>(), json);
  }
  if (command == "events" && arguments.contains("limit")) {
    char* end = nullptr;
    std::string v = arguments["limit"].get<std::string>();
    long long n = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || n < 1) {
      std::fprintf(stderr, "edgectl: --limit needs a positive number\n");
      return 2;
    }
    arguments["limit"] = n;
  }

  // license install FILE: the file is read here and sent as text.
  if (command == "license-install") {
    if (!arguments.contains("file") || arguments.size() != 1) {
      std::fprintf(stderr, "edgectl: usage: edgectl license install FILE\n");
      return 2;
    }
    std::string path = arguments["file"].get<std::string>();
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "edgectl: cannot read %s\n", path.c_str());
      return 2;
    }
    std::string document((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    arguments = core::Json{{"document", document}};
  }

  // eap install --cert F --key F [--ca F] [--crl F] and eap crl FILE: the files are read here and
  // sent as text (edged checks them; it may not be able to read the operator's files itself).
  if (command == "eap-install" || command == "eap-crl") {
    const std::vector<std::pair<std::string, std::string>> files =
        command == "eap-crl" ? std::vector<std::pair<std::string, std::string>>{{"file", "crl"}}
                             : std::vector<std::pair<std::string, std::string>>{
                                   {"cert", "certificate"}, {"key", "key"}, {"ca", "ca"}, {"crl", "crl"}};
    core::Json sent = core::Json::object();
    for (auto it = arguments.begin(); it != arguments.end(); ++it) {
      bool known = false;
      for (const auto& [flag, name] : files) known = known || it.key() == flag;
      if (!known || !it.value().is_string()) {
        std::fprintf(stderr, "edgectl: usage: edgectl %s\n",
                     command == "eap-crl" ? "eap crl FILE" : "eap install --cert FILE --key FILE [--ca FILE] [--crl FILE]");
        return 2;
      }
    }
    for (const auto& [flag, name] : files) {
      if (!arguments.contains(flag)) continue;
      std::string path = arguments[flag].get<std::string>();
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > 1024 * 1024) {
        std::fprintf(stderr, "edgectl: --%s %s: %s\n", flag.c_str(), path.c_str(),
                     ::stat(path.c_str(), &st) != 0 ? std::strerror(errno)
                     : !S_ISREG(st.st_mode)         ? "not a file"
                                                    : "bigger than 1 MiB: not a certificate file");
        return 2;
      }
      std::ifstream in(path, std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "edgectl: cannot read %s\n", path.c_str());
        return 2;
      }
      sent[name] = std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }
    arguments = sent;
  }

  // support-bundle --out FILE: the .tar.gz comes as base64 in the answer and is written here, 0600.
  if (command == "support-bundle") {
    if (!arguments.contains("out") || arguments.size() != 1) {
      std::fprintf(stderr, "edgectl: usage: edgectl support-bundle --out FILE\n");
      return 2;
    }
    std::string path = arguments["out"].get<std::string>();
    core::Result<core::Json> bundle = core::controlCall(socketPath, command, nullptr, 120000, "edged");
    if (!bundle.isOk()) {
      std::fprintf(stderr, "edgectl: %s\n", bundle.status().message().c_str());
      return 3;
    }
    if (bundle->value("result", 1) != core::kControlSuccess) {
      std::fprintf(stderr, "edgectl: %s\n", text((*bundle)["text"]).c_str());
      return core::cliExitStatus(*bundle);
    }
    core::Result<std::string> bytes =
        core::pki::base64Decode(text((*bundle)["arguments"]["content-base64"]), "the support bundle");
    int fd = bytes.isOk() ? ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600) : -1;
    bool written = fd >= 0 && ::write(fd, bytes->data(), bytes->size()) == static_cast<ssize_t>(bytes->size());
    if (fd >= 0 && ::close(fd) != 0) written = false;
    if (!written) {
      std::fprintf(stderr, "edgectl: cannot write %s\n", path.c_str());
      return 2;
    }
    std::printf("%s: written to %s\n", text((*bundle)["text"]).c_str(), path.c_str());
    return 0;
  }

  // voucher export / snmp config --output FILE: the file is written here, by the operator's edgectl.
  std::string outputFile;
  if ((command == "voucher-export" || command == "snmp-config") && arguments.contains("output")) {
    outputFile = arguments["output"].get<std::string>();
    arguments.erase("output");
  }

  core::Result<core::Json> reply =
      core::controlCall(socketPath, command, arguments.empty() ? core::Json(nullptr) : arguments, 90000, "edged");  // radius capture: up to 60 s
  if (!reply.isOk()) {
    std::fprintf(stderr, "edgectl: %s\n", reply.status().message().c_str());
    return 3;
  }
  int result = reply->value("result", 1);
  bool ok = result == core::kControlSuccess || result == core::kControlEmpty;
  if (ok && !outputFile.empty()) {
    if (command == "snmp-config") {  // it holds SNMPv3 secrets: readable by its owner only
      int fd = ::open(outputFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (fd >= 0) ::close(fd);
      ::chmod(outputFile.c_str(), 0600);
    }
    std::ofstream out(outputFile, std::ios::binary | std::ios::trunc);
    out << text((*reply)["arguments"]["content"]);
    if (!out.flush()) {
      std::fprintf(stderr, "edgectl: cannot write %s\n", outputFile.c_str());
      return 2;
    }
    std::printf("%s: written to %s\n", text((*reply)["text"]).c_str(), outputFile.c_str());
    return 0;
  }
  if (json) {
    // Success: the data itself (a session list is a JSON array); failure: the whole answer, so a
    // script sees {"result": 1, "text": "why"}.
    if (ok) std::printf("%s\n", (reply->contains("arguments") ? (*reply)["arguments"] : core::Json::object()).dump(2).c_str());
    else std::printf("%s\n", reply->dump(2).c_str());
  } else if (result == core::kControlSuccess || result == core::kControlEmpty) {
    printHuman(command, *reply);
  } else {
    if ((command == "session-disconnect" || command == "session-coa") && reply->contains("arguments"))
      printDynAuth((*reply)["arguments"]);
    std::fprintf(stderr, "edgectl: %s\n", text((*reply)["text"]).c_str());
  }
  return core::cliExitStatus(*reply);
}
