#include "mgmt/mgmtctl_import.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "core/cli.h"
#include "core/control_socket.h"
#include "core/json.h"
#include "core/pki.h"
#include "import/freeradius_sql.h"
#include "import/mapping.h"
#include "import/read_plan.h"
#include "mgmt/importing/import_chunks.h"

namespace mgmt {
namespace {

constexpr const char* kUsage =
    "mgmtctl: usage: mgmtctl import --tenant T --source freeradius-users|freeradius-sql|daloradius|mikrotik-um|splynx\n"
    "                --from PATH|DSN\n"
    "                [--dry-run] [--default-plan NAME] [--currency CODE] [--batch ID] [--history]\n"
    "  freeradius-sql, daloradius: --from sqlite:/path/radius.db | postgresql://... | mysql://user:pw@host/radius\n"
    "  --history (freeradius-sql, daloradius): radacct's closed sessions become usage history\n"
    "  mikrotik-um: --from export.rsc;  splynx: --from a folder with customers.csv, internet_services.csv, tariffs.csv\n"
    "  then: mgmtctl import list --tenant T; mgmtctl import rollback --tenant T BATCH\n"
    "  the shadow check: mgmtctl import verify --source S --from X --theirs HOST:PORT ... (import verify --help)\n";

// Every source by name, as edgectl reads them (import/read_plan.h).
core::Result<importer::ImportPlan> loadPlan(const std::string& source, const std::string& from,
                                            const importer::MapOptions& options) {
  return importer::readImportPlan(source, from, options,
                                  [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); });
}

struct HistoryResult {
  int64_t sessions = 0, added = 0, already = 0, unknown = 0, unreadable = 0;
  std::string firstUnreadable;
};

// radacct's closed sessions, read again from the source and sent to import-history in chunks (a dry
// run only reads and counts them: the subscribers they belong to are not there yet).
core::Result<HistoryResult> sendHistory(const std::string& socketPath, const std::string& tenant,
                                        const std::string& batch, const std::string& from, bool dryRun) {
  EDGE_ASSIGN_OR_RETURN(importer::SourceLocation location, importer::parseSourceLocation(from));
  EDGE_ASSIGN_OR_RETURN(std::unique_ptr<importer::SqlSource> db, importer::openSqlSource(location));
  HistoryResult r;
  core::Json chunk = core::Json::array();
  auto send = [&]() -> core::Status {
    if (chunk.empty() || dryRun) return core::Status::ok();
    core::Json args = {{"tenant", tenant}, {"batch", batch}, {"sessions", std::move(chunk)}};
    chunk = core::Json::array();
    EDGE_ASSIGN_OR_RETURN(core::Json reply, core::controlCall(socketPath, "import-history", args, 300000, "mgmtd"));
    if (reply.value("result", 1) != core::kControlSuccess)
      return core::failedPrecondition(core::jsonText(reply["text"]));
    const core::Json& a = reply["arguments"];
    r.added += a["added"].get<int64_t>();
    r.already += a["already-there"].get<int64_t>();
    r.unknown += a["unknown-subscriber"].get<int64_t>();
    std::fprintf(stderr, "history: %lld sessions sent: %lld added, %lld already there, %lld of no subscriber here\n",
                 (long long)r.sessions, (long long)r.added, (long long)r.already, (long long)r.unknown);
    return core::Status::ok();
  };
  EDGE_ASSIGN_OR_RETURN(
      importer::HistoryCounts counts,
      importer::readAccountingHistory(
          *db,
          [&](const importer::AccountingSession& s) -> core::Status {
            ++r.sessions;
            if (dryRun) return core::Status::ok();
            chunk.push_back({{"key", s.key},
                             {"username", s.username},
                             {"nas", s.nas},
                             {"cause", s.terminateCause},
                             {"started", s.started},
                             {"stopped", s.stopped},
                             {"session-time", s.sessionTime},
                             {"input-octets", s.inputOctets},
                             {"output-octets", s.outputOctets}});
            if (chunk.size() >= importing::kMaxSessionsPerCall) return send();
            return core::Status::ok();
          },
          [&](int64_t id, const std::string& why) {
            if (r.firstUnreadable.empty()) r.firstUnreadable = "radacctid " + std::to_string(id) + ": " + why;
          }));
  EDGE_RETURN_IF_ERROR(send());
  r.unreadable = counts.unreadable;
  return r;
}

}  // namespace

int runImportCli(const std::vector<std::string>& words, const std::string& socketPath, bool json) {
  std::string tenant, source, from, batch;
  importer::MapOptions options;
  bool dryRun = false, history = false;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    std::string* into = w == "--tenant"         ? &tenant
                        : w == "--source"       ? &source
                        : w == "--from"         ? &from
                        : w == "--batch"        ? &batch
                        : w == "--default-plan" ? &options.defaultPlan
                        : w == "--currency"     ? &options.currency
                                                : nullptr;
    if (w == "--dry-run") {
      dryRun = true;
    } else if (w == "--history") {
      history = true;
    } else if (into != nullptr && i + 1 < words.size()) {
      *into = words[++i];
    } else {
      std::fprintf(stderr, "mgmtctl: import: unexpected '%s'\n%s", w.c_str(), kUsage);
      return 2;
    }
  }
  if (tenant.empty() || source.empty() || from.empty()) {
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }
  if (history && source != "freeradius-sql" && source != "daloradius") {
    std::fprintf(stderr, "mgmtctl: import: --history: only freeradius-sql and daloradius have accounting (radacct)\n");
    return 2;
  }
  if (batch.empty()) batch = importer::newBatchId();

  core::Result<importer::ImportPlan> loaded = loadPlan(source, from, options);
  if (!loaded.isOk()) {
    std::fprintf(stderr, "mgmtctl: import: %s\n", loaded.status().message().c_str());
    return 1;
  }
  const importer::ImportPlan& plan = *loaded;

  // The chunks (importing::applyInChunks, the console's loop too), over the control socket; a
  // transport failure is told apart from mgmtd's refusal (exit 3).
  bool unreachable = false;
  core::Json lastReply;  // mgmtd's answer as sent (its code gives the exit status)
  auto lastCall = std::chrono::steady_clock::now();
  importing::ChunkOptions chunking;
  chunking.tenant = tenant;
  chunking.batch = batch;
  chunking.dryRun = dryRun;
  chunking.progress = [&](const importing::ChunkOutcome& o) {
    const auto at = std::chrono::steady_clock::now();
    std::fprintf(stderr, "%s %zu/%zu subscribers: %lld added, %lld already there, %zu refused (%.2f s)\n",
                 dryRun ? "checked" : "applied", o.done, o.total, (long long)o.added, (long long)o.already,
                 o.refusedCount, std::chrono::duration<double>(at - lastCall).count());
    lastCall = at;
    return true;
  };
  const importing::ChunkOutcome outcome =
      importing::applyInChunks(plan, chunking, [&](const core::Json& args) -> core::ControlReply {
        lastCall = std::chrono::steady_clock::now();
        core::Result<core::Json> reply = core::controlCall(socketPath, "import-apply", args, 300000, "mgmtd");
        if (!reply.isOk()) {
          unreachable = true;
          return core::ControlReply::error(reply.status());
        }
        lastReply = *reply;
        return core::ControlReply(reply->value("result", 1), core::jsonText((*reply)["text"]),
                                  reply->value("arguments", core::Json()));
      });
  if (outcome.failure) {
    std::fprintf(stderr, "mgmtctl: import: %s%s\n", outcome.failure->text.c_str(),
                 outcome.done > 0 ? (" (after " + std::to_string(outcome.done) + " subscribers; run again to go on)").c_str()
                                  : "");
    if (unreachable) return 3;
    return lastReply.is_null() ? 1 : core::cliExitStatus(lastReply);  // null: refused before any call
  }
  const int64_t plansAdded = outcome.plansAdded, plansKept = outcome.plansKept, added = outcome.added,
                already = outcome.already, capRefused = outcome.capRefused, customersAdded = outcome.customersAdded,
                customersKept = outcome.customersKept, before = outcome.before, cap = outcome.cap,
                notImportable = outcome.notImportable;
  const core::Json& refused = outcome.refused;

  HistoryResult carried;
  if (history) {
    core::Result<HistoryResult> h = sendHistory(socketPath, tenant, batch, from, dryRun);
    if (!h.isOk()) {
      std::fprintf(stderr, "mgmtctl: import: history: %s (the subscribers are imported; run again to go on)\n",
                   h.status().message().c_str());
      return 1;
    }
    carried = *h;
  }

  core::Json target = {{"tenant", tenant},
                       {"batch", dryRun ? core::Json(nullptr) : core::Json(batch)},
                       {"plans-added", plansAdded},
                       {"plans-kept", plansKept},
                       {"added", added},
                       {"already-there", already},
                       {"refused-by-tier-cap", capRefused},
                       {"customers-added", customersAdded},
                       {"customers-kept", customersKept},
                       {"not-importable", notImportable},
                       {"subscriber-cap", cap},
                       {"subscribers-before", before},
                       {"refused", refused}};
  if (history)
    target["history"] = {{"sessions", carried.sessions},
                         {"added", carried.added},
                         {"already-there", carried.already},
                         {"unknown-subscriber", carried.unknown},
                         {"unreadable", carried.unreadable},
                         {"first-unreadable", carried.firstUnreadable}};
  if (json) {
    core::Json out = importer::reportJson(plan);
    out["target"] = target;
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    if (dryRun) std::printf("%s", importer::reportText(plan).c_str());
    std::printf("%s tenant '%s'%s:\n", dryRun ? "Into" : "Imported into", tenant.c_str(),
                dryRun ? " (dry run: nothing changed)" : (" as batch " + batch).c_str());
    std::printf("  plans: %lld %s, %lld already there (kept as they are)\n", (long long)plansAdded,
                dryRun ? "to add" : "added", (long long)plansKept);
    std::printf("  subscribers: %lld %s, %lld already there, %lld refused by the tier's cap%s, %lld not importable\n",
                (long long)added, dryRun ? "to add" : "added", (long long)already, (long long)capRefused,
                cap > 0 ? (" of " + std::to_string(cap)).c_str() : "", (long long)notImportable);
    std::printf("  customers: %lld %s, %lld already there\n", (long long)customersAdded, dryRun ? "to add" : "added",
                (long long)customersKept);
    if (history && dryRun)
      std::printf("  history: %lld closed sessions in radacct to carry over as usage, %lld unreadable%s%s\n",
                  (long long)carried.sessions, (long long)carried.unreadable,
                  carried.firstUnreadable.empty() ? "" : " (first: ", carried.firstUnreadable.empty() ? "" : (carried.firstUnreadable + ")").c_str());
    else if (history)
      std::printf("  history: %lld closed sessions: %lld added, %lld already there, %lld of no subscriber here, %lld unreadable%s%s\n",
                  (long long)carried.sessions, (long long)carried.added, (long long)carried.already,
                  (long long)carried.unknown, (long long)carried.unreadable,
                  carried.firstUnreadable.empty() ? "" : " (first: ", carried.firstUnreadable.empty() ? "" : (carried.firstUnreadable + ")").c_str());
    for (const core::Json& r : refused) {
      if (r.contains("plan")) std::printf("  plan %s: %s\n", core::jsonText(r["plan"]).c_str(), core::jsonText(r["error"]).c_str());
      else
        std::printf("  %s (line %s): %s\n", core::jsonText(r["username"]).c_str(), core::jsonText(r["line"]).c_str(),
                    core::jsonText(r["error"]).c_str());
    }
    if (!dryRun) std::printf("undo with: mgmtctl import rollback --tenant %s %s\n", tenant.c_str(), batch.c_str());
  }
  return dryRun || refused.empty() ? 0 : 1;  // a dry run that finds refusals still did its job
}

}  // namespace mgmt
