// Roles decided by the command table from each spec (a role without the right is refused before any
// handler), and the audit log the table's hook writes for every mutating command: who, role, where
// from, what (secrets masked), outcome; searchable per tenant and exportable as CSV.
#include "mgmt/access/audit_log.h"
#include "mgmt/mgmt_time.h"
#include "tests/mgmt/support/mgmt_fixture.h"  // last: it ends with CppUTest's headers

using core::Json;
using mgmt::testing::Fixture;

namespace {

void audited(Fixture& f) {
  f.table->audit([&f](const core::command::Caller& c, const core::command::Spec& spec, const Json& args, const core::ControlReply& r) {
    core::Status s = f.platform->audit.record(c, spec, args, r);
    CHECK_TRUE_TEXT(s.isOk(), s.toString().c_str());
  });
}

core::command::Caller as(const std::string& role, const std::string& tenant, const std::string& who = "someone@example.com") {
  return core::command::Caller{role, tenant, who, "198.51.100.4"};
}
}  // namespace

TEST_GROUP(Roles){};

TEST(Roles, EachSpecSaysWhichRolesMayRunIt) {
  Fixture f;
  std::string a = f.tenant("acme", "basic");
  auto code = [&](const std::string& role, const std::string& command, const Json& args) {
    return f.table->call(as(role, a), command, args).code;
  };
  const Json plan{{"name", "home"}, {"down", "10M"}, {"up", "2M"}};
  CHECK_TRUE(code("tenant-read-only", "plan-add", plan) == core::Code::kPermissionDenied);
  CHECK_TRUE(code("tenant-technician", "plan-add", plan) == core::Code::kPermissionDenied);
  CHECK_TRUE(code("tenant-billing", "plan-add", plan) == core::Code::kPermissionDenied);
  CHECK_TRUE(code("partner", "plan-list", Json::object()) == core::Code::kPermissionDenied);
  CHECK_TRUE(code("tenant-staff", "plan-add", plan) == core::Code::kOk);
  for (const char* reader : {"tenant-read-only", "tenant-technician", "tenant-billing"})
    CHECK_TRUE(code(reader, "plan-list", Json::object()) == core::Code::kOk);
  // Field work is the technician's, not the clerk's.
  CHECK_TRUE(code("tenant-technician", "claim-create", Json::object()) == core::Code::kOk);
  CHECK_TRUE(code("tenant-billing", "claim-create", Json::object()) == core::Code::kPermissionDenied);
  // People and tokens: owners and admins; tokens only owners.
  CHECK_TRUE(code("tenant-staff", "person-list", Json::object()) == core::Code::kPermissionDenied);
  CHECK_TRUE(code("tenant-admin", "person-list", Json::object()) == core::Code::kOk);
  CHECK_TRUE(code("tenant-admin", "token-create", Json::object()) == core::Code::kPermissionDenied);
  // Platform support reads, never changes.
  CHECK_TRUE(f.table->call(as("platform-support", ""), "tenant-list", Json::object()).code == core::Code::kOk);
  CHECK_TRUE(f.table->call(as("platform-support", ""), "tenant-suspend", Json{{"tenant", "acme"}}).code ==
             core::Code::kPermissionDenied);
  // A role no spec names reaches nothing; neither do the two old rungs.
  CHECK_TRUE(f.table->call(as("tenant", a), "plan-list", Json::object()).code == core::Code::kPermissionDenied);
  CHECK_TRUE(f.table->call(as("platform", ""), "tenant-list", Json::object()).code == core::Code::kPermissionDenied);
}

TEST(Roles, EveryMgmtSpecNamesKnownRoles) {
  for (const core::command::Spec& s : mgmt::mgmtCommandSpecs()) {
    if (s.cliOnly) continue;
    CHECK_TEXT(!s.roles.empty(), s.name.c_str());
    for (const std::string& r : s.roles) CHECK_TEXT(r != "tenant" && r != "platform", s.name.c_str());
  }
}

TEST_GROUP(Audit){};

TEST(Audit, EveryChangeIsWrittenWithWhoWhereAndWhat) {
  Fixture f;
  audited(f);
  std::string a = f.tenant("acme", "basic");  // by local root
  f.tenant("other", "basic");
  CHECK_EQUAL(0, f.table->call(as("tenant-owner", a, "carol@acme.test"), "person-add",
                               Json{{"email", "dan@acme.test"}, {"role", "tenant-staff"}, {"password", "a long passphrase"}})
                     .result);
  // A refusal is audited too; a read is not.
  CHECK_TRUE(f.table->call(as("tenant-read-only", a, "rita@acme.test"), "plan-del", Json{{"name", "x"}}).code ==
             core::Code::kPermissionDenied);
  f.table->call(as("tenant-owner", a), "plan-list", Json::object());
  core::ControlReply all = f.table->call(core::command::Caller::root(), "audit-search", Json::object());
  CHECK_EQUAL(0, all.result);
  CHECK_EQUAL(4u, all.arguments.size());  // two tenant-adds, person-add, the refused plan-del
  Json refused = all.arguments[0];        // newest first
  STRCMP_EQUAL("plan-del", refused["command"].get<std::string>().c_str());
  STRCMP_EQUAL("permission-denied", refused["outcome"].get<std::string>().c_str());
  STRCMP_EQUAL("rita@acme.test", refused["actor"].get<std::string>().c_str());
  STRCMP_EQUAL("198.51.100.4", refused["origin"].get<std::string>().c_str());
  Json added = all.arguments[1];
  STRCMP_EQUAL("person-add", added["command"].get<std::string>().c_str());
  STRCMP_EQUAL("ok", added["outcome"].get<std::string>().c_str());
  STRCMP_EQUAL("***", added["arguments"]["password"].get<std::string>().c_str());
  STRCMP_EQUAL("tenant-staff", added["after"]["role"].get<std::string>().c_str());
  STRCMP_EQUAL(a.c_str(), added["tenant"].get<std::string>().c_str());
  // A tenant's people see their tenant's rows only, whatever they ask for.
  core::ControlReply mine = f.table->call(as("tenant-owner", a), "audit-search", Json::object());
  CHECK_EQUAL(3u, mine.arguments.size());  // its tenant-add by the platform, person-add, plan-del
  CHECK_TRUE(f.table->call(as("tenant-owner", a), "audit-search", Json{{"tenant", "other"}}).code == core::Code::kNotFound);
  // Filters: actor, command, time.
  CHECK_EQUAL(1u, f.table->call(core::command::Caller::root(), "audit-search", Json{{"actor", "rita@acme.test"}}).arguments.size());
  CHECK_EQUAL(2u, f.table->call(core::command::Caller::root(), "audit-search", Json{{"command", "tenant-add"}}).arguments.size());
  CHECK_EQUAL(0u, f.table->call(core::command::Caller::root(), "audit-search", Json{{"since", mgmt::iso(f.now() + 60)}}).arguments.size());
  CHECK_TRUE(f.table->call(core::command::Caller::root(), "audit-search", Json{{"since", "yesterday"}}).code == core::Code::kInvalidArgument);
  // A change says what it changed from.
  CHECK_EQUAL(0, f.table->call(as("tenant-owner", a, "carol@acme.test"), "person-set",
                               Json{{"email", "dan@acme.test"}, {"role", "tenant-technician"}, {"status", "disabled"}})
                     .result);
  Json set = f.table->call(core::command::Caller::root(), "audit-search", Json{{"command", "person-set"}}).arguments[0];
  STRCMP_EQUAL("tenant-staff", set["before"]["role"].get<std::string>().c_str());
  STRCMP_EQUAL("active", set["before"]["status"].get<std::string>().c_str());
  STRCMP_EQUAL("tenant-technician", set["after"]["role"].get<std::string>().c_str());
  STRCMP_EQUAL("disabled", set["after"]["status"].get<std::string>().c_str());
  // A token's secret never reaches the log.
  core::ControlReply token = f.table->call(core::command::Caller::root(), "token-create", Json{{"tenant", "acme"}});
  std::string secret = token.arguments["token"].get<std::string>();
  core::ControlReply csv = f.table->call(core::command::Caller::root(), "audit-export", Json::object());
  CHECK_EQUAL(0, csv.result);
  CHECK_TRUE(csv.text.find(secret) == std::string::npos);
  CHECK_TRUE(csv.text.rfind("id,at,actor,role,tenant,origin,command,outcome,arguments,before,after\r\n", 0) == 0);
  CHECK_TRUE(csv.text.find("token-create") != std::string::npos);
}

TEST(Audit, ImportedHashesAreMaskedLikePasswords) {
  // An NT hash logs in by itself (MS-CHAPv2 takes the hash, not the password): never in the log.
  Fixture f;
  audited(f);
  std::string a = f.tenant("acme", "basic");
  CHECK_EQUAL(0, f.table->call(as("tenant-staff", a), "plan-add", Json{{"name", "home"}, {"down", "10M"}, {"up", "2M"}}).result);
  const std::string nt = "8846f7eaee8fb117ad06bdd830b7586c";
  core::ControlReply added = f.table->call(as("tenant-staff", a), "subscriber-add",
                                           Json{{"username", "hashy"}, {"nt-hash", nt}, {"plan", "home"}});
  CHECK_EQUAL_TEXT(0, added.result, added.text.c_str());
  core::ControlReply rows = f.table->call(core::command::Caller::root(), "audit-search", Json{{"command", "subscriber-add"}});
  CHECK_EQUAL(1u, rows.arguments.size());
  STRCMP_EQUAL("***", rows.arguments[0]["arguments"]["nt-hash"].get<std::string>().c_str());
  CHECK_TRUE(rows.arguments.dump().find(nt) == std::string::npos);
}

TEST(Audit, CsvCellsAreQuotedAndNeverFormulas) {
  STRCMP_EQUAL("plain", mgmt::access::csvCell("plain").c_str());
  STRCMP_EQUAL("\"a,b\"", mgmt::access::csvCell("a,b").c_str());
  STRCMP_EQUAL("\"say \"\"hi\"\"\"", mgmt::access::csvCell("say \"hi\"").c_str());
  STRCMP_EQUAL("'=SUM(A1)", mgmt::access::csvCell("=SUM(A1)").c_str());
  STRCMP_EQUAL("\"'@x\ny\"", mgmt::access::csvCell("@x\ny").c_str());
}

TEST(Audit, PagesFollowEachOtherByKeysetWithoutGapOrRepeat) {
  Fixture f;
  audited(f);
  std::string a = f.tenant("acme", "basic");
  // Rows in the same second (the fixture's clock stands still): the keyset is (at, id), not at alone.
  for (int i = 0; i < 7; ++i)
    CHECK_TRUE(f.table->call(as("tenant-read-only", a, "rita@acme.test"), "plan-del", Json{{"name", "p" + std::to_string(i)}})
                   .code == core::Code::kPermissionDenied);
  core::ControlReply all = f.table->call(core::command::Caller::root(), "audit-search", Json::object());
  CHECK_EQUAL(8u, all.arguments.size());  // the tenant-add and the seven refusals
  std::vector<int64_t> seen;
  Json args{{"limit", 3}};
  for (int page = 0; page < 5; ++page) {
    core::ControlReply r = f.table->call(core::command::Caller::root(), "audit-search", args);
    CHECK_EQUAL(0, r.result);
    if (r.arguments.empty()) break;
    for (const Json& row : r.arguments) seen.push_back(row["id"].get<int64_t>());
    args["after"] = r.arguments.back()["id"];
  }
  CHECK_EQUAL(8u, seen.size());
  for (size_t i = 0; i < seen.size(); ++i) CHECK_EQUAL(all.arguments[i]["id"].get<int64_t>(), seen[i]);
  // A tenant's page after a row stays the tenant's; the export pages oldest first.
  core::ControlReply mine = f.table->call(as("tenant-owner", a), "audit-search", Json{{"after", seen[2]}, {"limit", 100}});
  CHECK_EQUAL(5u, mine.arguments.size());
  // (oldest first, after the second-oldest row: the six newer ones, the next of them first)
  core::ControlReply csv = f.table->call(core::command::Caller::root(), "audit-export", Json{{"after", seen[6]}});
  CHECK_EQUAL(0, csv.result);
  CHECK_EQUAL(6, csv.arguments["rows"].get<int>());
  CHECK_TRUE(csv.text.find("\r\n" + std::to_string(seen[5]) + ",") != std::string::npos);
  CHECK_TRUE(csv.text.find("\r\n" + std::to_string(seen[6]) + ",") == std::string::npos);
  CHECK_TRUE(f.table->call(core::command::Caller::root(), "audit-search", Json{{"after", 0}}).code == core::Code::kInvalidArgument);
}
