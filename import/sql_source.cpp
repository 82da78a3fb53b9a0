#include "import/sql_source.h"

#include <libpq-fe.h>
#include <mysql.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <cctype>

namespace importer {
namespace {

bool startsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

core::Result<std::string> percentDecoded(const std::string& text, const char* part) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size() || !std::isxdigit(static_cast<unsigned char>(text[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(text[i + 2])))
      return core::invalidArgument(std::string("--from: the ") + part + " has a '%' not followed by two hex digits");
    out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
    i += 2;
  }
  if (out.find('\0') != std::string::npos) return core::invalidArgument(std::string("--from: the ") + part + " holds NUL");
  return out;
}

core::Result<SourceLocation> parseMysqlUrl(const std::string& from) {
  SourceLocation loc;
  loc.kind = SourceLocation::Kind::kMysql;
  std::string rest = from.substr(from.find("://") + 3);
  std::string query;
  if (size_t q = rest.find('?'); q != std::string::npos) {
    query = rest.substr(q + 1);
    rest.erase(q);
  }
  size_t slash = rest.find('/');
  if (slash == std::string::npos || slash + 1 >= rest.size())
    return core::invalidArgument("--from: a MySQL URL names its database: mysql://user:password@host/radius");
  EDGE_ASSIGN_OR_RETURN(loc.database, percentDecoded(rest.substr(slash + 1), "database"));
  rest.erase(slash);
  if (size_t at = rest.rfind('@'); at != std::string::npos) {
    std::string userinfo = rest.substr(0, at);
    rest.erase(0, at + 1);
    size_t colon = userinfo.find(':');
    EDGE_ASSIGN_OR_RETURN(loc.user, percentDecoded(userinfo.substr(0, colon), "user"));
    if (colon != std::string::npos) {
      EDGE_ASSIGN_OR_RETURN(loc.password, percentDecoded(userinfo.substr(colon + 1), "password"));
    }
  }
  std::string bracketed;  // an IPv6 address: [::1] or [::1]:3306
  if (!rest.empty() && rest[0] == '[') {
    size_t close = rest.find(']');
    if (close == std::string::npos || (close + 1 < rest.size() && rest[close + 1] != ':'))
      return core::invalidArgument("--from: an IPv6 host is written [address] or [address]:port");
    bracketed = rest.substr(1, close - 1);
    rest.erase(0, close + 1);  // "" or ":port"
  }
  size_t colon = rest.rfind(':');
  if (colon != std::string::npos && (bracketed.empty() ? rest.find(']') == std::string::npos : colon == 0)) {
    std::string port = rest.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(port) == 0 || std::stoul(port) > 65535)
      return core::invalidArgument("--from: the port is not a number from 1 to 65535");  // not echoed: see below
    loc.port = static_cast<unsigned>(std::stoul(port));
    rest.erase(colon);
  }
  loc.host = !bracketed.empty() ? bracketed : rest.empty() ? "localhost" : rest;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string kv = query.substr(0, amp);
    query = amp == std::string::npos ? "" : query.substr(amp + 1);
    size_t eq = kv.find('=');
    std::string key = kv.substr(0, eq);
    if (key == "socket" && eq != std::string::npos) {
      EDGE_ASSIGN_OR_RETURN(loc.socket, percentDecoded(kv.substr(eq + 1), "socket"));
    } else {
      // Neither the option nor (above) the port is repeated: a URL typed wrong may hold the password anywhere.
      return core::invalidArgument("--from: a MySQL URL takes one option, socket=PATH");
    }
  }
  return loc;
}

// --- SQLite ---------------------------------------------------------------------------------------

class SqliteSource : public SqlSource {
 public:
  explicit SqliteSource(sqlite3* db) : db_(db) {}
  ~SqliteSource() override { sqlite3_close_v2(db_); }
  const char* kind() const override { return "sqlite"; }

  core::Status select(const std::string& sql, const std::function<core::Status(const SqlRow&)>& onRow,
                      std::vector<std::string>* columns) override {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
      return core::invalidArgument(std::string("SQLite: ") + sqlite3_errmsg(db_));
    int n = sqlite3_column_count(st);
    if (columns) {
      columns->clear();
      for (int i = 0; i < n; ++i) columns->push_back(sqlite3_column_name(st, i));
    }
    SqlRow row(static_cast<size_t>(n));
    core::Status status = core::Status::ok();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      for (int i = 0; i < n; ++i) {
        const unsigned char* t = sqlite3_column_text(st, i);
        if (t == nullptr) row[i].reset();
        else row[i] = std::string(reinterpret_cast<const char*>(t), static_cast<size_t>(sqlite3_column_bytes(st, i)));
      }
      status = onRow(row);
      if (!status.isOk()) break;
    }
    if (status.isOk() && rc != SQLITE_DONE) status = core::ioError(std::string("SQLite: ") + sqlite3_errmsg(db_));
    sqlite3_finalize(st);
    return status;
  }

  core::Result<bool> hasTable(const std::string& table) override {
    bool found = false;
    EDGE_RETURN_IF_ERROR(select("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '" + table + "'",
                                [&found](const SqlRow&) {
                                  found = true;
                                  return core::Status::ok();
                                },
                                nullptr));
    return found;
  }

 private:
  sqlite3* db_;
};

// --- PostgreSQL -----------------------------------------------------------------------------------

class PostgresSource : public SqlSource {
 public:
  explicit PostgresSource(PGconn* c) : c_(c) {}
  ~PostgresSource() override { PQfinish(c_); }
  const char* kind() const override { return "postgresql"; }

  core::Status select(const std::string& sql, const std::function<core::Status(const SqlRow&)>& onRow,
                      std::vector<std::string>* columns) override {
    if (!PQsendQuery(c_, sql.c_str())) return core::unavailable(std::string("PostgreSQL: ") + PQerrorMessage(c_));
    PQsetSingleRowMode(c_);  // rows one at a time: a million subscribers are never in memory at once
    core::Status status = core::Status::ok();
    bool named = false;
    SqlRow row;
    while (PGresult* r = PQgetResult(c_)) {
      ExecStatusType st = PQresultStatus(r);
      if (st == PGRES_SINGLE_TUPLE && status.isOk()) {
        int n = PQnfields(r);
        if (!named && columns) {
          columns->clear();
          for (int i = 0; i < n; ++i) columns->push_back(PQfname(r, i));
        }
        named = true;
        row.assign(static_cast<size_t>(n), std::nullopt);
        for (int i = 0; i < n; ++i)
          if (!PQgetisnull(r, 0, i)) row[i] = std::string(PQgetvalue(r, 0, i), static_cast<size_t>(PQgetlength(r, 0, i)));
        status = onRow(row);
      } else if (st == PGRES_TUPLES_OK) {
        if (!named && columns) {
          columns->clear();
          for (int i = 0; i < PQnfields(r); ++i) columns->push_back(PQfname(r, i));
        }
      } else if (st != PGRES_SINGLE_TUPLE && status.isOk()) {
        status = core::invalidArgument(std::string("PostgreSQL: ") + PQresultErrorMessage(r));
      }
      PQclear(r);
    }
    return status;
  }

  core::Result<bool> hasTable(const std::string& table) override {
    bool found = false;
    EDGE_RETURN_IF_ERROR(select("SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND "
                                "table_name = '" + table + "'",
                                [&found](const SqlRow&) {
                                  found = true;
                                  return core::Status::ok();
                                },
                                nullptr));
    return found;
  }

 private:
  PGconn* c_;
};

// --- MariaDB / MySQL ------------------------------------------------------------------------------

class MysqlSource : public SqlSource {
 public:
  explicit MysqlSource(MYSQL* m) : m_(m) {}
  ~MysqlSource() override { mysql_close(m_); }
  const char* kind() const override { return "mariadb"; }

  core::Status select(const std::string& sql, const std::function<core::Status(const SqlRow&)>& onRow,
                      std::vector<std::string>* columns) override {
    if (mysql_real_query(m_, sql.data(), sql.size()) != 0)
      return core::invalidArgument(std::string("MariaDB: ") + mysql_error(m_));
    MYSQL_RES* res = mysql_use_result(m_);  // streamed, not stored
    if (res == nullptr) return core::invalidArgument(std::string("MariaDB: ") + mysql_error(m_));
    unsigned n = mysql_num_fields(res);
    if (columns) {
      columns->clear();
      MYSQL_FIELD* f = mysql_fetch_fields(res);
      for (unsigned i = 0; i < n; ++i) columns->push_back(f[i].name);
    }
    core::Status status = core::Status::ok();
    SqlRow row(n);
    while (MYSQL_ROW r = mysql_fetch_row(res)) {
      if (!status.isOk()) continue;  // drain the rest: the connection must be free for the next query
      unsigned long* len = mysql_fetch_lengths(res);
      for (unsigned i = 0; i < n; ++i) {
        if (r[i] == nullptr) row[i].reset();
        else row[i] = std::string(r[i], len[i]);
      }
      status = onRow(row);
    }
    if (status.isOk() && mysql_errno(m_) != 0) status = core::ioError(std::string("MariaDB: ") + mysql_error(m_));
    mysql_free_result(res);
    return status;
  }

  core::Result<bool> hasTable(const std::string& table) override {
    bool found = false;
    EDGE_RETURN_IF_ERROR(select("SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND "
                                "table_name = '" + table + "'",
                                [&found](const SqlRow&) {
                                  found = true;
                                  return core::Status::ok();
                                },
                                nullptr));
    return found;
  }

 private:
  MYSQL* m_;
};

}  // namespace

core::Result<SourceLocation> parseSourceLocation(const std::string& from) {
  if (from.empty()) return core::invalidArgument("--from: empty");
  if (from.find('\0') != std::string::npos) return core::invalidArgument("--from: holds NUL");
  if (startsWith(from, "mysql://") || startsWith(from, "mariadb://")) return parseMysqlUrl(from);
  SourceLocation loc;
  if (startsWith(from, "postgresql://") || startsWith(from, "postgres://") || from.find("dbname=") != std::string::npos ||
      startsWith(from, "host=") || startsWith(from, "service=")) {
    loc.kind = SourceLocation::Kind::kPostgres;
    loc.conninfo = from;
    return loc;
  }
  loc.kind = SourceLocation::Kind::kSqlite;
  loc.path = startsWith(from, "sqlite:") ? from.substr(7) : from;
  if (loc.path.empty()) return core::invalidArgument("--from: sqlite: names no file");
  return loc;
}

core::Result<std::unique_ptr<SqlSource>> openSqlSource(const SourceLocation& loc) {
  switch (loc.kind) {
    case SourceLocation::Kind::kSqlite: {
      struct stat st{};
      if (::stat(loc.path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
        return core::notFound(loc.path + ": no such SQLite file");
      sqlite3* db = nullptr;
      if (sqlite3_open_v2(loc.path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        std::string m = db ? sqlite3_errmsg(db) : "cannot open";
        sqlite3_close_v2(db);
        return core::invalidArgument(loc.path + ": " + m);
      }
      sqlite3_busy_timeout(db, 5000);
      auto source = std::make_unique<SqliteSource>(db);
      // Not a database (or encrypted) shows at the first read, said here with the file's name.
      core::Result<bool> probe = source->hasTable("radcheck");
      if (!probe.isOk()) return core::invalidArgument(loc.path + ": " + probe.status().message());
      return std::unique_ptr<SqlSource>(std::move(source));
    }
    case SourceLocation::Kind::kPostgres: {
      PGconn* c = PQconnectdb(loc.conninfo.c_str());
      if (PQstatus(c) != CONNECTION_OK) {
        std::string m = PQerrorMessage(c);
        PQfinish(c);
        while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
        return core::unavailable("PostgreSQL: " + m);
      }
      PGresult* r = PQexec(c, "SET default_transaction_read_only = on");
      PQclear(r);
      return std::unique_ptr<SqlSource>(std::make_unique<PostgresSource>(c));
    }
    case SourceLocation::Kind::kMysql: {
      MYSQL* m = mysql_init(nullptr);
      if (m == nullptr) return core::resourceExhausted("MariaDB: out of memory");
      unsigned timeout = 10;
      mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
      mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
      if (!mysql_real_connect(m, loc.host.c_str(), loc.user.empty() ? nullptr : loc.user.c_str(),
                              loc.password.empty() ? nullptr : loc.password.c_str(), loc.database.c_str(), loc.port,
                              loc.socket.empty() ? nullptr : loc.socket.c_str(), 0)) {
        std::string e = mysql_error(m);
        mysql_close(m);
        return core::unavailable("MariaDB: " + e);
      }
      return std::unique_ptr<SqlSource>(std::make_unique<MysqlSource>(m));
    }
  }
  return core::invalidArgument("--from: unknown kind");
}

}  // namespace importer
