// Reading another system's SQL database (issue 30: FreeRADIUS's rlm_sql schema, daloRADIUS):
// one small interface over SQLite (a file), PostgreSQL (libpq) and MariaDB/MySQL (libmariadb), so
// the readers above it are written once. Read-only: only SELECTs built from constant text are run.
//
// --from forms (parseSourceLocation):
//   sqlite:/path/radius.db, or a path to an existing file   SQLite, opened read-only
//   postgresql://user:pw@host:5432/radius, postgres://..., or a libpq key=value string
//   ("host=/run/postgresql dbname=radius")                    PostgreSQL; libpq reads the text
//   mysql://user:pw@host:3306/radius, mariadb://...,
//   mysql://user@localhost/radius?socket=/run/mysqld/mysqld.sock   MariaDB/MySQL
// A MySQL URL's user and password may be percent-encoded (%40 for '@').
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace importer {

struct SourceLocation {
  enum class Kind { kSqlite, kPostgres, kMysql };
  Kind kind = Kind::kSqlite;
  std::string path;      // sqlite
  std::string conninfo;  // postgres: given to libpq as it is
  // mysql
  std::string user, password, host, database, socket;
  unsigned port = 0;
};

// What --from names; InvalidArgument naming the part that is wrong. Never echoes a password.
core::Result<SourceLocation> parseSourceLocation(const std::string& from);

// One row as text (NULL as nullopt), columns in the order of the SELECT.
using SqlRow = std::vector<std::optional<std::string>>;

class SqlSource {
 public:
  virtual ~SqlSource() = default;
  // Runs one SELECT, streaming its rows to onRow (which may stop the read with an error);
  // `columns` (when given) receives the column names first.
  virtual core::Status select(const std::string& sql, const std::function<core::Status(const SqlRow&)>& onRow,
                              std::vector<std::string>* columns = nullptr) = 0;
  // Whether the database has this table (in the current schema / database).
  virtual core::Result<bool> hasTable(const std::string& table) = 0;
  virtual const char* kind() const = 0;  // "sqlite" | "postgresql" | "mariadb"
};

core::Result<std::unique_ptr<SqlSource>> openSqlSource(const SourceLocation& location);

}  // namespace importer
