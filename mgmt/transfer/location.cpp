#include "mgmt/transfer/location.h"

#include <regex>

namespace mgmt::transfer {

core::Result<store::StorageConfig> parseLocation(const std::string& text) {
  store::StorageConfig config;
  config.connections = 2;
  auto rest = [&](const std::string& prefix) { return text.substr(prefix.size()); };
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return core::invalidArgument("a storage location has no control characters");
    }
  }
  if (text.rfind("sqlite:", 0) == 0) {
    config.backend = store::Backend::kSqlite;
    config.path = rest("sqlite:");
    if (config.path.empty()) return core::invalidArgument("sqlite: needs the database file (sqlite:/var/lib/mgmtd/mgmt.db)");
    return config;
  }
  for (const char* prefix : {"postgres:", "postgresql:"}) {
    if (text.rfind(prefix, 0) != 0) continue;
    config.backend = store::Backend::kPostgres;
    config.dsn = rest(prefix);
    // "postgresql://..." after "postgres:" would read "//..."; give libpq the URI it expects.
    if (config.dsn.rfind("//", 0) == 0) config.dsn = std::string(prefix) + config.dsn;
    if (config.dsn.empty()) return core::invalidArgument("postgres: needs a connection string (postgres:'host=... dbname=...')");
    return config;
  }
  return core::invalidArgument("'" + text + "' is not a storage location: write sqlite:PATH or postgres:DSN");
}

std::string describeLocation(const store::StorageConfig& config) {
  if (config.backend == store::Backend::kSqlite) return "sqlite:" + config.path;
  // password=... in keyword form, user:password@ in a URI.
  std::string dsn = std::regex_replace(config.dsn, std::regex(R"((password\s*=\s*)('[^']*'|\S+))"), "$1***");
  dsn = std::regex_replace(dsn, std::regex(R"((://[^:/@]*):[^@/]*@)"), "$1:***@");
  return "postgres:" + dsn;
}

}  // namespace mgmt::transfer
