#include "edge/cli/import_cli.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <set>

#include "core/control_socket.h"
#include "core/json.h"
#include "import/mapping.h"
#include "import/read_plan.h"
#include "import/verify_cli.h"

namespace edge {
namespace {

constexpr const char* kUsage =
    "edgectl: usage: edgectl import --source freeradius-users|freeradius-sql|daloradius|mikrotik-um|splynx\n"
    "                 --from PATH|DSN [--dry-run]\n"
    "                 [--default-plan NAME] [--currency CODE] [--batch ID]\n"
    "  freeradius-sql, daloradius: --from sqlite:/path/radius.db | postgresql://... | mysql://user:pw@host/radius\n"
    "  mikrotik-um: --from export.rsc;  splynx: --from a folder with customers.csv, internet_services.csv, tariffs.csv\n"
    "  edgectl import verify --source S --from X --theirs HOST:PORT ... : the shadow check (import verify --help)\n"
    "  edgectl import list; edgectl import rollback BATCH: the batches and undoing one\n";

std::string replyText(const core::Json& reply) {
  auto it = reply.find("text");
  return it != reply.end() && it->is_string() ? it->get<std::string>() : reply.dump();
}

// One control call; nullopt (said on stderr) when there was no answer or edged refused it.
std::optional<core::Json> importCall(const std::string& socketPath, const std::string& command, const core::Json& args) {
  core::Result<core::Json> reply = core::controlCall(socketPath, command, args, 300000, "edged");
  if (!reply.isOk()) {
    std::fprintf(stderr, "edgectl: %s: %s\n", command.c_str(), reply.status().message().c_str());
    return std::nullopt;
  }
  if ((*reply)["result"].get<int>() != 0) {
    std::fprintf(stderr, "edgectl: %s: %s\n", command.c_str(), replyText(*reply).c_str());
    return std::nullopt;
  }
  return (*reply)["arguments"];
}

}  // namespace

int runImportCli(const std::vector<std::string>& words, const std::string& socketPath, bool json) {
  if (!words.empty() && words[0] == "verify")
    return importer::runImportVerify(words, json, "edgectl");
  std::string source, from, defaultPlan, currency, batchId;
  bool dryRun = false;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w == "--dry-run") {
      dryRun = true;
    } else if ((w == "--source" || w == "--from" || w == "--default-plan" || w == "--currency" || w == "--batch") &&
               i + 1 < words.size()) {
      (w == "--source" ? source : w == "--from" ? from : w == "--currency" ? currency : w == "--batch" ? batchId : defaultPlan) =
          words[++i];
    } else {
      std::fprintf(stderr, "edgectl: import: unexpected '%s'\n%s", w.c_str(), kUsage);
      return 2;
    }
  }
  if (source.empty() || from.empty()) {
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }
  core::Result<importer::ImportPlan> read =
      importer::readImportPlan(source, from, importer::MapOptions{defaultPlan, currency},
                               [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); });
  if (!read.isOk()) {
    bool unknown = read.status().code() == core::Code::kNotFound;
    std::fprintf(stderr, "edgectl: import: %s\n", read.status().message().c_str());
    return unknown ? 2 : 1;
  }
  importer::ImportPlan plan = std::move(*read);
  int customers = 0;
  for (const importer::MappedSubscriber& s : plan.subscribers) customers += !s.customer.empty();
  if (customers > 0)
    plan.warnings.push_back(std::to_string(customers) +
                            " customer records (name, email, phone, address) are not kept on a box run alone: "
                            "import into mgmt (mgmtctl import) to keep them");
  if (dryRun) {
    if (json) std::printf("%s\n", importer::reportJson(plan).dump(2).c_str());
    else std::printf("%s", importer::reportText(plan).c_str());
    return 0;
  }

  if (batchId.empty()) batchId = importer::newBatchId();
  // Plans first: a plan that exists (made by an earlier run, or the operator's) is kept as it is.
  std::optional<core::Json> existing = importCall(socketPath, "plan-list", core::Json::object());
  if (!existing) return 1;
  std::set<std::string> have;
  for (const core::Json& p : *existing)
    if (p.contains("name")) have.insert(p["name"].get<std::string>());
  int plansAdded = 0, plansKept = 0;
  for (const importer::MappedPlan& p : plan.plans) {
    if (p.subscribers == 0) continue;
    if (have.count(p.name)) {
      ++plansKept;
      continue;
    }
    core::Json args = p.args;
    args["batch"] = batchId;
    if (!importCall(socketPath, "plan-add", args)) {
      std::fprintf(stderr, "edgectl: import stopped at plan '%s'; no subscriber was imported\n", p.name.c_str());
      return 1;
    }
    ++plansAdded;
  }
  if (!defaultPlan.empty() && !have.count(defaultPlan)) {
    bool used = false;
    for (const importer::MappedSubscriber& s : plan.subscribers) used = used || (s.importable && s.args.value("plan", "") == defaultPlan);
    if (used) {
      std::fprintf(stderr, "edgectl: import: --default-plan '%s' names no plan on this box (plan add it first)\n",
                   defaultPlan.c_str());
      return 1;
    }
  }

  // Subscribers in batches through subscriber-import; one that exists is left as it is (a re-run).
  constexpr size_t kBatch = 2000;
  int64_t imported = 0, existed = 0, failed = 0, notImportable = 0;
  core::Json errors = core::Json::array();
  core::Json batch = core::Json::array();
  auto send = [&]() -> bool {
    if (batch.empty()) return true;
    std::optional<core::Json> a = importCall(socketPath, "subscriber-import", core::Json{{"rows", batch}, {"batch", batchId}});
    if (!a) {
      std::fprintf(stderr, "edgectl: import stopped at source lines %lld-%lld (%lld imported before)\n",
                   (long long)batch.front()["line"].get<int64_t>(), (long long)batch.back()["line"].get<int64_t>(),
                   (long long)imported);
      return false;
    }
    imported += (*a)["imported"].get<int64_t>();
    for (const core::Json& e : (*a)["errors"]) {
      std::string m = e["error"].get<std::string>();
      if (m.find("already exists") != std::string::npos) {
        ++existed;
      } else {
        ++failed;
        errors.push_back(e);
      }
    }
    std::fprintf(stderr, "imported %lld, already there %lld, failed %lld\n", (long long)imported, (long long)existed,
                 (long long)failed);
    batch = core::Json::array();
    return true;
  };
  for (const importer::MappedSubscriber& s : plan.subscribers) {
    if (!s.importable) {
      ++notImportable;
      continue;
    }
    core::Json row = s.args;
    row["line"] = s.line;
    batch.push_back(std::move(row));
    if (batch.size() >= kBatch && !send()) return 1;
  }
  if (!send()) return 1;
  if (json) {
    std::printf("%s\n", core::Json{{"batch", batchId},
                                   {"plans-added", plansAdded},
                                   {"plans-kept", plansKept},
                                   {"imported", imported},
                                   {"already-there", existed},
                                   {"failed", failed},
                                   {"not-importable", notImportable},
                                   {"errors", errors}}
                            .dump(2)
                            .c_str());
  } else {
    for (const core::Json& e : errors)
      std::printf("line %lld: %s\n", (long long)e["line"].get<int64_t>(), e["error"].get<std::string>().c_str());
    std::printf("%d plans added (%d already there), %lld subscribers imported, %lld already there, %lld failed, %lld "
                "not importable (see --dry-run)\n",
                plansAdded, plansKept, (long long)imported, (long long)existed, (long long)failed,
                (long long)notImportable);
    std::printf("batch %s; undo with: edgectl import rollback %s\n", batchId.c_str(), batchId.c_str());
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace edge
