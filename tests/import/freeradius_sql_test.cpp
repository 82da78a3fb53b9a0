// The FreeRADIUS SQL and daloRADIUS sources (issue 30) over SQLite: FreeRADIUS's own shipped schema
// (Debian freeradius: mods-config/sql/main/sqlite/schema.sql) with tests/import/radius_fixture.sql,
// and daloRADIUS's tables (tests/import/daloradius_*.sql). Checks the rows reach the shared mapping
// as rlm_sql would apply them: group rates, Simultaneous-Use, expirations, password forms, request
// conditions, priorities, customers, prices; and the --from parser.
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "import/freeradius_sql.h"
#include "import/sql_source.h"
#include "tests/import/import_test_support.h"

#include <CppUTest/TestHarness.h>

namespace {

using import_test::find;
using import_test::planOrNull;
using import_test::hasWarning;

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const char* kFreeradiusSchema = "/etc/freeradius/3.0/mods-config/sql/main/sqlite/schema.sql";

// A fresh SQLite file with the schema(s) and fixture rows.
std::string makeDatabase(bool daloradius) {
  char dir[] = "/tmp/import-sql-XXXXXX";
  CHECK(mkdtemp(dir) != nullptr);
  std::string path = std::string(dir) + "/radius.db";
  sqlite3* db = nullptr;
  CHECK_EQUAL(SQLITE_OK, sqlite3_open(path.c_str(), &db));
  std::string sql = readFile(kFreeradiusSchema);
  CHECK_TEXT(!sql.empty(), "FreeRADIUS's sqlite schema.sql (Debian package freeradius) is missing");
  std::string src = std::string(EDGE_SOURCE_DIR) + "/tests/import/";
  if (daloradius) sql += readFile(src + "daloradius_schema.sql");
  sql += readFile(src + "radius_fixture.sql");
  if (daloradius) sql += readFile(src + "daloradius_fixture.sql");
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  CHECK_TEXT(rc == SQLITE_OK, err ? err : "");
  sqlite3_close(db);
  return path;
}

void removeDatabase(const std::string& path) {
  std::remove(path.c_str());
  rmdir(path.substr(0, path.rfind('/')).c_str());
}

}  // namespace

TEST_GROUP(FreeradiusSql) {};

TEST(FreeradiusSql, RowsMapAsRlmSqlAppliesThem) {
  std::string path = makeDatabase(false);
  std::vector<std::string> progress;
  auto result = importer::readSqlImportPlan("freeradius-sql", "sqlite:" + path, importer::MapOptions{},
                                            [&](const std::string& l) { progress.push_back(l); });
  removeDatabase(path);
  CHECK_TEXT(result.isOk(), result.status().message().c_str());
  const importer::ImportPlan& p = *result;
  STRCMP_EQUAL("freeradius-sql", p.source.c_str());
  LONGS_EQUAL(8, p.subscribers.size());
  CHECK(hasWarning(progress, "read 8 users and 3 groups from sqlite"));

  // gold: the group's MikroTik rate and its Simultaneous-Use := 2 make plan gold-x2.
  const importer::MappedPlan* gold = planOrNull(p, "gold-x2");
  CHECK(gold != nullptr);
  STRCMP_EQUAL("20M", gold->args["down"].get<std::string>().c_str());
  STRCMP_EQUAL("10M", gold->args["up"].get<std::string>().c_str());
  STRCMP_EQUAL("2", gold->args["max-sessions"].get<std::string>().c_str());
  STRCMP_EQUAL("300", gold->args["interim"].get<std::string>().c_str());
  STRCMP_EQUAL("gold", gold->group.c_str());
  CHECK(!gold->args.contains("price"));  // prices come from daloRADIUS only

  const auto& alice = find(p, "alice");
  CHECK(alice.importable);
  STRCMP_EQUAL("gold-x2", alice.args["plan"].get<std::string>().c_str());
  STRCMP_EQUAL("alicepw", alice.args["password"].get<std::string>().c_str());
  STRCMP_EQUAL("2027-01-15T12:00:00Z", alice.args["expires"].get<std::string>().c_str());

  const auto& bob = find(p, "bob");
  STRCMP_EQUAL("nt-hash", bob.passwordForm.c_str());
  STRCMP_EQUAL("8846f7eaee8fb117ad06bdd830b7586c", bob.args["nt-hash"].get<std::string>().c_str());

  // silver: WISPr rates and Session-Timeout; carol's own Simultaneous-Use := 3 gives silver-x3.
  const auto& carol = find(p, "carol");
  CHECK(carol.importable);
  STRCMP_EQUAL("crypt", carol.passwordForm.c_str());
  CHECK(hasWarning(carol.warnings, "PAP only"));
  STRCMP_EQUAL("silver-x3", carol.args["plan"].get<std::string>().c_str());
  const importer::MappedPlan* silver3 = planOrNull(p, "silver-x3");
  CHECK(silver3 != nullptr);
  STRCMP_EQUAL("5M", silver3->args["down"].get<std::string>().c_str());
  STRCMP_EQUAL("1M", silver3->args["up"].get<std::string>().c_str());
  STRCMP_EQUAL("3600", silver3->args["session-timeout"].get<std::string>().c_str());

  const auto& dave = find(p, "dave");
  STRCMP_EQUAL("md5", dave.passwordForm.c_str());
  STRCMP_EQUAL("silver", dave.args["plan"].get<std::string>().c_str());
  STRCMP_EQUAL("10.1.2.3", dave.args["static-ip"].get<std::string>().c_str());

  // branch compares NAS-IP-Address: applied to nobody, said once; erin has no rate left.
  CHECK(hasWarning(p.warnings, "group 'branch' (row 2) depends on the request (NAS-IP-Address == 10.0.0.1)"));
  const auto& erin = find(p, "erin");
  CHECK(!erin.importable);
  CHECK(erin.refusal.find("no rate") != std::string::npos);

  const auto& frank = find(p, "frank");
  CHECK(frank.importable);
  STRCMP_EQUAL("disabled", frank.args["status"].get<std::string>().c_str());

  // grace's own rate (a per-user plan) and her Reply-Message (no equivalent: counted).
  const auto& grace = find(p, "grace");
  STRCMP_EQUAL("fr-4M-2M", grace.args["plan"].get<std::string>().c_str());
  LONGS_EQUAL(1, p.unsupported.at("Reply-Message"));

  // heidi's priorities (silver 1, gold 2) disagree with the one order (gold, silver): warned.
  const auto& heidi = find(p, "heidi");
  CHECK(hasWarning(heidi.warnings, "radusergroup priorities put 'silver' before 'gold'"));

  // radacct: counted here; the closed sessions are read apart (AccountingHistory).
  CHECK(hasWarning(p.warnings, "radacct holds 2 sessions (1 open)"));
  // The report never shows a password or hash.
  std::string report = importer::reportJson(p).dump();
  CHECK(report.find("alicepw") == std::string::npos);
  CHECK(report.find("8846f7eaee8fb117ad06bdd830b7586c") == std::string::npos);
  CHECK(report.find("saltsalt") == std::string::npos);
}

TEST(FreeradiusSql, DaloradiusCustomersAndPrices) {
  std::string path = makeDatabase(true);
  auto result = importer::readSqlImportPlan("daloradius", path, importer::MapOptions{});
  removeDatabase(path);
  CHECK_TEXT(result.isOk(), result.status().message().c_str());
  const importer::ImportPlan& p = *result;
  STRCMP_EQUAL("daloradius", p.source.c_str());
  // Prices: Gold Monthly by planGroup, Silver Monthly through billing_plans_profiles (every silver variant).
  STRCMP_EQUAL("25.00", planOrNull(p, "gold-x2")->args["price"].get<std::string>().c_str());
  STRCMP_EQUAL("USD", planOrNull(p, "gold-x2")->args["currency"].get<std::string>().c_str());
  STRCMP_EQUAL("10.00", planOrNull(p, "silver")->args["price"].get<std::string>().c_str());
  STRCMP_EQUAL("10.00", planOrNull(p, "silver-x3")->args["price"].get<std::string>().c_str());
  CHECK(!planOrNull(p, "fr-4M-2M")->args.contains("price"));

  // userinfo wins over userbillinfo; the second phone and the company go to the notes.
  const auto& alice = find(p, "alice");
  STRCMP_EQUAL("Alice Example", alice.customer["name"].get<std::string>().c_str());
  STRCMP_EQUAL("alice@example.com", alice.customer["email"].get<std::string>().c_str());
  STRCMP_EQUAL("+1 555 0100", alice.customer["phone"].get<std::string>().c_str());
  STRCMP_EQUAL("1 Main St, Springfield, 12345, US", alice.customer["address"].get<std::string>().c_str());
  CHECK(alice.customer["notes"].get<std::string>().find("company: Acme") != std::string::npos);
  CHECK(alice.customer["notes"].get<std::string>().find("phone: +1 555 0101") != std::string::npos);
  STRCMP_EQUAL("Bob", find(p, "bob").customer["name"].get<std::string>().c_str());
  // dave: no name (the username, warned), billed on gold but rated by silver (warned).
  const auto& dave = find(p, "dave");
  STRCMP_EQUAL("dave", dave.customer["name"].get<std::string>().c_str());
  CHECK(hasWarning(dave.warnings, "customer record has no name"));
  CHECK(hasWarning(dave.warnings, "billed on daloRADIUS plan 'Gold Monthly' (group 'gold') but the rate comes from group 'silver'"));
  CHECK(find(p, "grace").customer.empty());
  CHECK(importer::reportJson(p).dump().find("alice@example.com") != std::string::npos);
}

TEST(FreeradiusSql, MissingTableIsNamed) {
  char dir[] = "/tmp/import-sql-XXXXXX";
  CHECK(mkdtemp(dir) != nullptr);
  std::string path = std::string(dir) + "/empty.db";
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, "CREATE TABLE radcheck (id INTEGER, username TEXT, attribute TEXT, op TEXT, value TEXT)", nullptr,
               nullptr, nullptr);
  sqlite3_close(db);
  auto result = importer::readSqlImportPlan("freeradius-sql", path, importer::MapOptions{});
  removeDatabase(path);
  CHECK(!result.isOk());
  STRCMP_CONTAINS("has no table radreply", result.status().message().c_str());
  auto missing = importer::readSqlImportPlan("freeradius-sql", "/nonexistent/radius.db", importer::MapOptions{});
  STRCMP_CONTAINS("no such SQLite file", missing.status().message().c_str());
}

TEST(FreeradiusSql, FromParser) {
  auto m = importer::parseSourceLocation("mysql://radius:p%40ss@db.example:3307/radius?socket=/run/mysqld/x.sock");
  CHECK(m.isOk());
  CHECK(m->kind == importer::SourceLocation::Kind::kMysql);
  STRCMP_EQUAL("radius", m->user.c_str());
  STRCMP_EQUAL("p@ss", m->password.c_str());
  STRCMP_EQUAL("db.example", m->host.c_str());
  LONGS_EQUAL(3307, m->port);
  STRCMP_EQUAL("radius", m->database.c_str());
  STRCMP_EQUAL("/run/mysqld/x.sock", m->socket.c_str());
  CHECK(importer::parseSourceLocation("postgresql://u@h/radius")->kind == importer::SourceLocation::Kind::kPostgres);
  CHECK(importer::parseSourceLocation("host=/tmp dbname=radius")->kind == importer::SourceLocation::Kind::kPostgres);
  CHECK(importer::parseSourceLocation("sqlite:/x.db")->path == "/x.db");
  auto v6 = importer::parseSourceLocation("mariadb://u@[::1]:3306/r");
  CHECK(v6.isOk());
  STRCMP_EQUAL("::1", v6->host.c_str());
  LONGS_EQUAL(3306, v6->port);
  STRCMP_CONTAINS("IPv6", importer::parseSourceLocation("mysql://u@[::1/r").status().message().c_str());
  STRCMP_CONTAINS("names its database", importer::parseSourceLocation("mysql://u@h").status().message().c_str());
  STRCMP_CONTAINS("port", importer::parseSourceLocation("mysql://u@h:99999/db").status().message().c_str());
  STRCMP_CONTAINS("hex", importer::parseSourceLocation("mysql://u:%zz@h/db").status().message().c_str());
  STRCMP_CONTAINS("takes one option, socket=PATH", importer::parseSourceLocation("mysql://u@h/db?ssl=1").status().message().c_str());
  // A refusal never repeats the password.
  CHECK(importer::parseSourceLocation("mysql://u:topsecret@h:0/db").status().message().find("topsecret") == std::string::npos);
}

// radacct's closed sessions as usage history (mgmtctl import --history): alice's closed session in
// the fixture, bob's open one never; the times as each database prints them; bad rows named.
TEST(FreeradiusSql, AccountingHistory) {
  std::string path = makeDatabase(false);
  auto location = importer::parseSourceLocation(path);
  CHECK_TEXT(location.isOk(), location.status().message().c_str());
  auto db = importer::openSqlSource(*location);
  CHECK_TEXT(db.isOk(), db.status().message().c_str());
  std::vector<importer::AccountingSession> got;
  auto counts = importer::readAccountingHistory(**db, [&](const importer::AccountingSession& s) {
    got.push_back(s);
    return core::Status::ok();
  });
  removeDatabase(path);
  CHECK_TEXT(counts.isOk(), counts.status().message().c_str());
  LONGS_EQUAL(1, counts->sessions);
  LONGS_EQUAL(0, counts->unreadable);
  LONGS_EQUAL(1, got.size());
  const importer::AccountingSession& a = got[0];
  STRCMP_EQUAL("u1", a.key.c_str());
  STRCMP_EQUAL("alice", a.username.c_str());
  STRCMP_EQUAL("10.0.0.2", a.nas.c_str());
  STRCMP_EQUAL("s1", a.sessionId.c_str());
  LONGS_EQUAL(1793527200, a.started);  // 2026-11-01 10:00:00 UTC
  LONGS_EQUAL(1793530800, a.stopped);
  LONGS_EQUAL(3600, a.sessionTime);    // acctsessiontime NULL: from the times
  LONGS_EQUAL(1000, a.inputOctets);
  LONGS_EQUAL(5000, a.outputOctets);

  using Row = importer::SqlRow;
  auto row = [](std::optional<std::string> unique, std::optional<std::string> start, std::optional<std::string> stop,
                std::optional<std::string> time, std::optional<std::string> in) {
    return Row{std::string("7"), unique, std::string("sess"), std::string("bob"), std::string("10.0.0.9"),
               start, stop, time, in, std::string("20"), std::string("User-Request")};
  };
  // PostgreSQL's timestamptz ("+00", "+02" whole hours, fractions), MySQL's datetime, Unix seconds.
  auto pg = importer::accountingSessionFromRow(
      row(std::string("abc"), std::string("2026-11-01 12:00:00.25+02"), std::string("2026-11-01 10:30:00+00"),
          std::string("1800"), std::string("10")));
  CHECK_TEXT(pg.isOk(), pg.status().message().c_str());
  LONGS_EQUAL(1793527200, pg->started);
  LONGS_EQUAL(1793529000, pg->stopped);
  LONGS_EQUAL(1800, pg->sessionTime);
  STRCMP_EQUAL("User-Request", pg->terminateCause.c_str());
  auto unix = importer::accountingSessionFromRow(
      row(std::string(""), std::string("1793527200"), std::string("1793527260"), std::nullopt, std::nullopt));
  CHECK_TEXT(unix.isOk(), unix.status().message().c_str());
  LONGS_EQUAL(60, unix->sessionTime);
  LONGS_EQUAL(0, unix->inputOctets);
  // No acctuniqueid: the session id, user, NAS and start make the key.
  STRCMP_EQUAL("sess|bob|10.0.0.9|1793527200", unix->key.c_str());

  auto refused = [&](Row r, const char* words) {
    auto s = importer::accountingSessionFromRow(r);
    CHECK_FALSE(s.isOk());
    CHECK_TEXT(s.status().message().find(words) != std::string::npos, s.status().message().c_str());
  };
  refused(row(std::string("k"), std::string("0000-00-00 00:00:00"), std::string("2026-11-01 10:00:00"),
              std::nullopt, std::nullopt),
          "acctstarttime: '0000-00-00 00:00:00' is not a time");
  refused(row(std::string("k"), std::string("2026-11-01 10:00:00"), std::string("2026-11-01 09:00:00"),
              std::nullopt, std::nullopt),
          "acctstoptime: before acctstarttime");
  refused(row(std::string("k"), std::string("2026-11-01 10:00:00"), std::string("2026-11-01 11:00:00"),
              std::nullopt, std::string("-5")),
          "acctinputoctets: '-5' is not a count");
  refused(row(std::string("k"), std::string("2026-11-01 10:00:00"), std::string("2026-11-01 11:00:00"),
              std::string("12x"), std::nullopt),
          "acctsessiontime: '12x' is not a count");
  refused(row(std::string("k"), std::nullopt, std::string("2026-11-01 11:00:00"), std::nullopt, std::nullopt),
          "acctstarttime: missing");
  refused(Row{std::string("1")}, "expected 11 columns");
}
