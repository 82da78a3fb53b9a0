#include "edge/edge_config.h"

#include "core/log.h"

namespace edge {

namespace {

core::Status absolutePath(const std::string& v) {
  if (v.empty() || v[0] != '/') return core::invalidArgument("'" + v + "' must be an absolute path");
  return core::Status::ok();
}

std::shared_ptr<const core::ConfigTable<DatabaseConfig>> databaseTable() {
  auto t = std::make_shared<core::ConfigTable<DatabaseConfig>>();
  t->choice("synchronous", &DatabaseConfig::synchronous, "full", {"full", "normal"},
            "SQLite synchronous mode of the appliance database; 'full' never loses an acknowledged write on "
            "power loss (required for accounting)")
      .integer("busy-timeout-ms", &DatabaseConfig::busyTimeoutMs, 5000, 0, 600000,
               "How long a database access waits for a lock before failing, in milliseconds");
  return t;
}

}  // namespace

const core::ConfigTable<EdgeConfig>& edgeConfigTable() {
  static const core::ConfigTable<EdgeConfig> table = [] {
    core::ConfigTable<EdgeConfig> t;
    t.string("data-dir", &EdgeConfig::dataDir, "/var/lib/edged",
             "Folder of the appliance database and state; created if missing, must be writable", absolutePath)
        .string("control-socket", &EdgeConfig::controlSocket, "/run/edged/control.sock",
                "Unix socket edgectl talks to (mode 0660)", absolutePath)
        .string("pid-file", &EdgeConfig::pidFile, "/run/edged/edged.pid",
                "Pid file, locked while edged runs so a second instance is refused", absolutePath)
        .choice("log-level", &EdgeConfig::logLevel, "info", {"debug", "info", "warning", "error"},
                "Lowest level written to the log")
        .section("database", &EdgeConfig::database, databaseTable(), "The appliance database (SQLite)");
    return t;
  }();
  return table;
}

core::Result<EdgeConfig> loadEdgeConfig(const std::string& path) {
  core::Result<core::Json> doc = core::loadJsonFile(path);
  if (!doc.isOk()) return doc.status();
  core::Result<EdgeConfig> config = edgeConfigTable().parse(*doc);
  if (!config.isOk()) return config.status().withContext(path);
  return config;
}

core::Status checkReloadable(const EdgeConfig& running, const EdgeConfig& staged) {
  auto fixed = [](const std::string& key) {
    return core::failedPrecondition(key + " cannot change while edged runs; restart edged to apply it");
  };
  if (running.dataDir != staged.dataDir) return fixed("data-dir");
  if (running.controlSocket != staged.controlSocket) return fixed("control-socket");
  if (running.pidFile != staged.pidFile) return fixed("pid-file");
  if (running.database.synchronous != staged.database.synchronous) return fixed("database.synchronous");
  return core::Status::ok();
}

}  // namespace edge
