#include "mgmt/mgmtctl_offline.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "core/command/command.h"
#include "mgmt/mgmt_schema.h"
#include "mgmt/store/sqlite/sqlite_snapshot.h"
#include "mgmt/transfer/location.h"
#include "mgmt/transfer/platform_copy.h"

namespace mgmt {

namespace {

using store::Backend;
using store::Storage;
using store::StorageConfig;

struct Args {
  std::string command;
  std::map<std::string, std::string> values;
  bool replace = false;
};

int usage(const std::string& why) {
  std::fprintf(stderr, "mgmtctl: %s\n", why.c_str());
  printOfflineUsage(stderr);
  return 2;
}

int fail(const core::Status& s) {
  std::fprintf(stderr, "mgmtctl: %s\n", s.toString().c_str());
  return core::command::exitStatus(core::command::publicCode(s.code()));
}

std::string folderOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// A location that is read must exist: Storage::open would make an empty mgmt.db at a mistyped path.
core::Result<StorageConfig> existing(const std::string& text) {
  EDGE_ASSIGN_OR_RETURN(StorageConfig config, transfer::parseLocation(text));
  if (config.backend == Backend::kSqlite && ::access(config.path.c_str(), R_OK) != 0) {
    return core::notFound("no readable database at " + config.path);
  }
  return config;
}

// The snapshot's file and SQLite's companions, removed when the command ends.
struct TempDatabase {
  std::string path;
  ~TempDatabase() {
    if (path.empty()) return;
    for (const char* suffix : {"", "-wal", "-shm", "-journal", ".tmp"}) ::unlink((path + suffix).c_str());
  }
};

void printCounts(const transfer::VerifyReport& report) {
  std::printf("%-16s %12s %12s\n", "TABLE", "SOURCE", "TARGET");
  for (const transfer::TableCount& t : report.tables) {
    std::printf("%-16s %12lld %12lld%s\n", t.table.c_str(), static_cast<long long>(t.source),
                static_cast<long long>(t.target), t.source == t.target ? "" : "   DIFFERENT");
  }
}

// Verifies and prints; 0 when both hold the same.
int verifyAndReport(Storage& source, Storage& target) {
  core::Result<transfer::VerifyReport> report = transfer::verifyPlatform(source, target);
  if (!report.isOk()) return fail(report.status().withContext("verifying"));
  printCounts(*report);
  if (!report->ok()) {
    std::fprintf(stderr, "mgmtctl: verification FAILED: %s\n", report->status().message().c_str());
    return 1;
  }
  std::printf("verified: every table has the same number of rows; usage (rows, bytes in and out, seconds) is the "
              "same for each of %lld device(s) and %lld tenant(s)\n",
              static_cast<long long>(report->devices), static_cast<long long>(report->tenants));
  return 0;
}

int migrate(const Args& args) {
  if (!args.values.count("from") || !args.values.count("to")) return usage("migrate needs --from and --to");
  core::Result<StorageConfig> from = existing(args.values.at("from"));
  if (!from.isOk()) return from.status().code() == core::Code::kInvalidArgument ? usage(from.status().message()) : fail(from.status());
  core::Result<StorageConfig> to = transfer::parseLocation(args.values.at("to"));
  if (!to.isOk()) return usage(to.status().message());
  if (from->backend == to->backend && from->path == to->path && from->dsn == to->dsn) {
    return usage("--from and --to name the same database");
  }
  transfer::CopyOptions options;
  options.replace = args.replace;
  if (args.values.count("batch-rows")) {
    char* end = nullptr;
    options.batchRows = std::strtoll(args.values.at("batch-rows").c_str(), &end, 10);
    if (*end != '\0' || options.batchRows < 1 || options.batchRows > 100000) {
      return usage("--batch-rows takes 1..100000");
    }
  }

  // A SQLite source may be in use by a running mgmtd: copy from one snapshot of it, which also makes
  // the verification exact (the live file moves on; the snapshot does not).
  StorageConfig sourceConfig = *from;
  TempDatabase snapshot;
  if (from->backend == Backend::kSqlite) {
    const std::string dir = args.values.count("work-dir") ? args.values.at("work-dir") : folderOf(from->path);
    snapshot.path = dir + "/mgmt-migrate-" + std::to_string(::getpid()) + ".db";
    std::fprintf(stderr, "snapshot of %s to %s ...\n", from->path.c_str(), snapshot.path.c_str());
    core::Result<int64_t> size = store::sqlite::snapshotSqlite(from->path, snapshot.path, mgmtStorageMigrations());
    if (!size.isOk()) return fail(size.status().withContext("taking a snapshot of the source"));
    std::fprintf(stderr, "snapshot taken: %lld bytes\n", static_cast<long long>(*size));
    sourceConfig.path = snapshot.path;
  }
  core::Result<std::unique_ptr<Storage>> source = Storage::open(sourceConfig, mgmtStorageMigrations());
  if (!source.isOk()) return fail(source.status().withContext("opening the source"));
  core::Result<std::unique_ptr<Storage>> target = Storage::open(*to, mgmtStorageMigrations());
  if (!target.isOk()) return fail(target.status().withContext("opening the target " + transfer::describeLocation(*to)));
  std::fprintf(stderr, "copying %s to %s (schema version %d)\n", transfer::describeLocation(*from).c_str(),
               transfer::describeLocation(*to).c_str(), (*target)->schemaVersion());

  // One line per table when it starts and ends, and at most one a second between.
  using Clock = std::chrono::steady_clock;
  Clock::time_point lastLine = Clock::now();
  auto progress = [&lastLine](const transfer::Progress& p) {
    const Clock::time_point now = Clock::now();
    if (p.done != 0 && p.done < p.total && now - lastLine < std::chrono::seconds(1)) return;
    lastLine = now;
    std::fprintf(stderr, "  %-16s %lld/%lld rows\n", p.table.c_str(), static_cast<long long>(p.done),
                 static_cast<long long>(p.total));
  };
  core::Result<transfer::CopyReport> copied = transfer::copyPlatform(**source, **target, options, progress);
  if (!copied.isOk()) return fail(copied.status());
  if (copied->deleted > 0) {
    std::fprintf(stderr, "replaced %lld rows the target held\n", static_cast<long long>(copied->deleted));
  }
  int64_t rows = 0;
  for (const transfer::TableCount& t : copied->tables) rows += t.target;
  std::fprintf(stderr, "copied %lld rows in %zu tables; %lld identity sequence(s) set past the copied ids\n",
               static_cast<long long>(rows), copied->tables.size(), static_cast<long long>(copied->identities));
  return verifyAndReport(**source, **target);
}

int verify(const Args& args) {
  if (!args.values.count("from") || !args.values.count("to")) return usage("verify needs --from and --to");
  StorageConfig configs[2];
  const char* names[2] = {"from", "to"};
  for (int i = 0; i < 2; ++i) {
    core::Result<StorageConfig> c = existing(args.values.at(names[i]));
    if (!c.isOk()) return c.status().code() == core::Code::kInvalidArgument ? usage(c.status().message()) : fail(c.status());
    configs[i] = *c;
  }
  core::Result<std::unique_ptr<Storage>> a = Storage::open(configs[0], mgmtStorageMigrations());
  if (!a.isOk()) return fail(a.status().withContext("opening --from"));
  core::Result<std::unique_ptr<Storage>> b = Storage::open(configs[1], mgmtStorageMigrations());
  if (!b.isOk()) return fail(b.status().withContext("opening --to"));
  return verifyAndReport(**a, **b);
}

int backup(const Args& args) {
  if (!args.values.count("from") || !args.values.count("to")) return usage("backup needs --from sqlite:PATH and --to FILE");
  core::Result<StorageConfig> from = existing(args.values.at("from"));
  if (!from.isOk()) return from.status().code() == core::Code::kInvalidArgument ? usage(from.status().message()) : fail(from.status());
  if (from->backend != Backend::kSqlite) {
    return usage("backup copies a SQLite mgmt.db; back up PostgreSQL with pg_dump -Fc (docs/management-plane.md)");
  }
  const std::string& file = args.values.at("to");
  core::Result<int64_t> size = store::sqlite::snapshotSqlite(from->path, file, mgmtStorageMigrations());
  if (!size.isOk()) return fail(size.status().withContext("backing up " + from->path));
  std::printf("backup of %s written to %s (%lld bytes, integrity checked)\n", from->path.c_str(), file.c_str(),
              static_cast<long long>(*size));
  return 0;
}

}  // namespace

bool isOfflineCommand(int argc, char** argv) {
  if (argc < 2) return false;
  const std::string word = argv[1];
  return word == "migrate" || word == "verify" || word == "backup";
}

int runOfflineCommand(int argc, char** argv) {
  Args args;
  args.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string word = argv[i];
    if (word == "--help" || word == "-h") {
      printOfflineUsage(stdout);
      return 0;
    }
    if (word == "--replace" && args.command == "migrate") {
      args.replace = true;
      continue;
    }
    const bool known = word == "--from" || word == "--to" ||
                       (args.command == "migrate" && (word == "--batch-rows" || word == "--work-dir"));
    if (!known) return usage("unknown option '" + word + "' for " + args.command);
    if (i + 1 >= argc) return usage(word + " needs a value");
    args.values[word.substr(2)] = argv[++i];
  }
  if (args.command == "migrate") return migrate(args);
  if (args.command == "verify") return verify(args);
  return backup(args);
}

void printOfflineUsage(FILE* out) {
  std::fprintf(out,
               "\nOffline commands (on the database itself, not through mgmtd; LOCATION is sqlite:PATH or postgres:DSN):\n"
               "  migrate --from LOCATION --to LOCATION [--replace] [--batch-rows N] [--work-dir DIR]\n"
               "                       copy a platform (a SQLite source from one snapshot, mgmtd may run), then verify\n"
               "  verify --from LOCATION --to LOCATION\n"
               "                       compare rows per table and usage per device and tenant\n"
               "  backup --from sqlite:PATH --to FILE\n"
               "                       an online, consistent copy of mgmt.db (PostgreSQL: pg_dump -Fc)\n");
}

}  // namespace mgmt
