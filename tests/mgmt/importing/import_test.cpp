// Imports into a tenant through the one chunked loop (importing::applyInChunks, what mgmtctl import
// and the console both run) and mgmtd's import-apply / import-rollback, on the storage of this run:
// an apply in several chunks records its progress on the batch, a rollback leaves the tenant exactly
// as it was before (plans, subscribers, customers), a second rollback and a chunk after the rollback
// are refused, rows changed since the import stay, another tenant reaches nothing, and a dry run
// writes nothing and reckons the tier's cap over the whole import (ADR 0049, ADR 0075).
#include "import/mapping.h"
#include "mgmt/importing/import_chunks.h"
#include "tests/mgmt/support/mgmt_fixture.h"  // last: it ends with CppUTest's headers

using core::Json;
using mgmt::importing::ChunkOutcome;
using mgmt::importing::ChunkOptions;
using mgmt::testing::Fixture;

namespace {

// n subscribers on two plans (the last one also with a customer record), one already the tenant's
// ("ana"), and one the mapping refused (never sent).
importer::ImportPlan importPlanOf(size_t n) {
  importer::ImportPlan plan;
  plan.source = "freeradius-users";
  for (const char* name : {"imp-10m", "gold"}) {
    importer::MappedPlan p;
    p.name = name;
    p.args = Json{{"name", name}, {"down", "10M"}, {"up", "5M"}};
    plan.plans.push_back(p);
  }
  for (size_t i = 0; i < n; ++i) {
    importer::MappedSubscriber s;
    s.username = i == 0 ? "ana" : "imp" + std::to_string(i);
    s.line = static_cast<int>(i + 1);
    const bool onGold = i % 2 == 1;
    s.args = Json{{"username", s.username}, {"password", "pw-" + std::to_string(i)}, {"plan", onGold ? "gold" : "imp-10m"}};
    if (i % 500 == 7) s.customer = Json{{"name", "Customer " + std::to_string(i)}, {"email", "c" + std::to_string(i) + "@example.com"}};
    ++plan.plans[onGold ? 1 : 0].subscribers;
    plan.subscribers.push_back(std::move(s));
  }
  importer::MappedSubscriber refused;
  refused.username = "hashy";
  refused.line = static_cast<int>(n + 1);
  refused.importable = false;
  refused.refusal = "no password the import can keep";
  plan.subscribers.push_back(refused);
  return plan;
}

// The tenant as its operator sees it: every live plan, subscriber (no password) and customer.
std::string tenantState(Fixture& f, const std::string& tenant) {
  Json plans = f.call("plan-list", Json{{"tenant", tenant}}).arguments;
  Json subs = f.call("subscriber-list", Json{{"tenant", tenant}, {"limit", 100000}}).arguments;
  Json customers = f.call("customer-list", Json{{"tenant", tenant}, {"limit", 1000}}).arguments;
  for (Json* list : {&plans, &subs})
    for (Json& row : *list)
      if (row.is_object()) row.erase("version");  // a tenant's version moves with every change
  return plans.dump() + "\n" + subs.dump() + "\n" + customers.dump();
}

Json batchOf(Fixture& f, const std::string& tenant, const std::string& batch) {
  for (const Json& b : f.call("import-list", Json{{"tenant", tenant}}).arguments)
    if (b["batch"] == batch) return b;
  return nullptr;
}

ChunkOutcome runImport(Fixture& f, const importer::ImportPlan& plan, ChunkOptions options,
                       const mgmt::tenancy::Caller& caller = {}) {
  return mgmt::importing::applyInChunks(plan, options,
                                        [&](const Json& args) { return f.call("import-apply", args, caller); });
}

void setUpAcme(Fixture& f) {
  f.tenant("acme", "premium");
  CHECK_EQUAL(0, f.call("plan-add", Json{{"tenant", "acme"}, {"name", "gold"}, {"down", "50M"}, {"up", "50M"}}).result);
  CHECK_EQUAL(0, f.call("subscriber-add", Json{{"tenant", "acme"}, {"username", "ana"}, {"password", "own"}, {"plan", "gold"}}).result);
  CHECK_EQUAL(0, f.call("customer-add", Json{{"tenant", "acme"}, {"name", "Ana Silva"}, {"username", "ana"}}).result);
}

}  // namespace

TEST_GROUP(Importing){};

TEST(Importing, ApplyInChunksWithProgressThenRollbackLeavesTheTenantAsBefore) {
  Fixture f;
  setUpAcme(f);
  const std::string before = tenantState(f, "acme");
  const importer::ImportPlan plan = importPlanOf(2100);  // two chunks of at most 2000

  ChunkOptions options;
  options.tenant = "acme";
  options.batch = "imp-unit-1";
  std::vector<std::string> seen;  // after each chunk: the loop's and the batch's progress
  options.progress = [&](const ChunkOutcome& o) {
    Json b = batchOf(f, "acme", "imp-unit-1");
    seen.push_back(std::to_string(o.done) + "/" + std::to_string(o.total) + " " + b["state"].get<std::string>() + " " +
                   std::to_string(b["rows-done"].get<int64_t>()) + "/" + std::to_string(b["rows-total"].get<int64_t>()));
    return true;
  };
  ChunkOutcome o = runImport(f, plan, options);
  CHECK_FALSE(o.failure.has_value());
  CHECK_EQUAL(2u, seen.size());
  STRCMP_EQUAL("2000/2100 applying 2000/2100", seen[0].c_str());
  STRCMP_EQUAL("2100/2100 applied 2100/2100", seen[1].c_str());
  CHECK_EQUAL(1, o.plansAdded);  // imp-10m; gold is the operator's and kept
  CHECK_EQUAL(1, o.plansKept);
  CHECK_EQUAL(2099, o.added);
  CHECK_EQUAL(1, o.already);  // ana
  CHECK_EQUAL(1, o.notImportable);
  CHECK_EQUAL(5, o.customersAdded);  // rows 7, 507, 1007, 1507, 2007
  CHECK_EQUAL(0u, o.refusedCount);
  Json batch = batchOf(f, "acme", "imp-unit-1");
  CHECK_EQUAL(2099, batch["subscribers"].get<int64_t>());
  CHECK_EQUAL(2100u, f.call("subscriber-list", Json{{"tenant", "acme"}, {"limit", 100000}}).arguments.size());

  // A re-run as another batch adds nothing: everything is there.
  options.batch = "imp-unit-2";
  options.progress = nullptr;
  ChunkOutcome again = runImport(f, plan, options);
  CHECK_EQUAL(0, again.added);
  CHECK_EQUAL(2100, again.already);
  CHECK_EQUAL(0, again.plansAdded);

  // Another tenant's admin cannot roll acme's batch back (not found), nor see it.
  const std::string other = f.tenant("other", "basic");
  core::ControlReply foreign =
      f.call("import-rollback", Json{{"batch", "imp-unit-1"}, {"tenant", "acme"}}, mgmt::tenancy::Caller{other});
  CHECK_TRUE(foreign.code == core::Code::kNotFound);
  CHECK_EQUAL(0u, f.call("import-list", Json::object(), mgmt::tenancy::Caller{other}).arguments.size());

  core::ControlReply rolled = f.call("import-rollback", Json{{"tenant", "acme"}, {"batch", "imp-unit-1"}});
  CHECK_EQUAL_TEXT(0, rolled.result, rolled.text.c_str());
  CHECK_EQUAL(2099, rolled.arguments["subscribers-removed"].get<int64_t>());
  CHECK_EQUAL(0, rolled.arguments["subscribers-left"].get<int64_t>());
  CHECK_EQUAL(1, rolled.arguments["plans-removed"].get<int64_t>());
  STRCMP_EQUAL(before.c_str(), tenantState(f, "acme").c_str());

  // Once only; and the batch takes no chunk after it.
  core::ControlReply second = f.call("import-rollback", Json{{"tenant", "acme"}, {"batch", "imp-unit-1"}});
  CHECK_TRUE(second.code == core::Code::kFailedPrecondition);
  STRCMP_CONTAINS("rolled back already", second.text.c_str());
  options.batch = "imp-unit-1";
  ChunkOutcome late = runImport(f, plan, options);
  CHECK_TRUE(late.failure.has_value());
  CHECK_TRUE(late.failure->code == core::Code::kFailedPrecondition);
  STRCMP_CONTAINS("was rolled back", late.failure->text.c_str());
  STRCMP_EQUAL(before.c_str(), tenantState(f, "acme").c_str());
  STRCMP_EQUAL("rolled-back", batchOf(f, "acme", "imp-unit-1")["state"].get<std::string>().c_str());
}

TEST(Importing, RollbackKeepsWhatChangedSinceAndTheStopHalfwayIsAnApplyingBatch) {
  Fixture f;
  setUpAcme(f);
  const importer::ImportPlan plan = importPlanOf(2100);
  ChunkOptions options;
  options.tenant = "acme";
  options.batch = "imp-unit-3";
  options.progress = [](const ChunkOutcome&) { return false; };  // stopped after the first chunk
  ChunkOutcome o = runImport(f, plan, options);
  CHECK_TRUE(o.stopped);
  CHECK_EQUAL(2000u, o.done);
  Json batch = batchOf(f, "acme", "imp-unit-3");
  STRCMP_EQUAL("applying", batch["state"].get<std::string>().c_str());
  CHECK_EQUAL(2000, batch["rows-done"].get<int64_t>());
  CHECK_EQUAL(2100, batch["rows-total"].get<int64_t>());
  // The operator changes one imported subscriber: the rollback leaves it (and its plan) alone.
  CHECK_EQUAL(0, f.call("subscriber-set", Json{{"tenant", "acme"}, {"username", "imp2"}, {"static-ip", "10.0.0.9"}}).result);
  core::ControlReply rolled = f.call("import-rollback", Json{{"tenant", "acme"}, {"batch", "imp-unit-3"}});
  CHECK_EQUAL_TEXT(0, rolled.result, rolled.text.c_str());
  CHECK_EQUAL(1998, rolled.arguments["subscribers-removed"].get<int64_t>());
  CHECK_EQUAL(1, rolled.arguments["subscribers-left"].get<int64_t>());
  Json subs = f.call("subscriber-list", Json{{"tenant", "acme"}, {"limit", 100000}}).arguments;
  CHECK_EQUAL(2u, subs.size());  // ana and imp2
}

TEST(Importing, DryRunWritesNothingAndReckonsTheCapOverTheWholeImport) {
  Fixture f;
  f.tenant("small", "free");  // 100 subscribers at most
  CHECK_EQUAL(0, f.call("plan-add", Json{{"tenant", "small"}, {"name", "gold"}, {"down", "50M"}, {"up", "50M"}}).result);
  for (int i = 0; i < 40; ++i)
    CHECK_EQUAL(0, f.call("subscriber-add", Json{{"tenant", "small"}, {"username", "own" + std::to_string(i)},
                                                 {"password", "pw"}, {"plan", "gold"}}).result);
  const std::string before = tenantState(f, "small");
  ChunkOptions options;
  options.tenant = "small";
  options.batch = "imp-dry";
  options.dryRun = true;
  options.keepRefused = 10;
  ChunkOutcome o = runImport(f, importPlanOf(2100), options);
  CHECK_FALSE(o.failure.has_value());
  CHECK_EQUAL(40, o.before);
  CHECK_EQUAL(100, o.cap);
  CHECK_EQUAL(60, o.added);
  CHECK_EQUAL(2100 - 60, o.capRefused);  // ana is not there here: every row is new
  CHECK_EQUAL(10u, o.refused.size());
  STRCMP_EQUAL(before.c_str(), tenantState(f, "small").c_str());
  CHECK_TRUE(batchOf(f, "small", "imp-dry").is_null());
}

TEST(Importing, ProgressArgumentsAreChecked) {
  Fixture f;
  setUpAcme(f);
  core::ControlReply r = f.call("import-apply", Json{{"tenant", "acme"}, {"batch", "imp-bad"}, {"source", "x"},
                                                     {"subscribers", Json::array()}, {"rows-done", 5}, {"rows-total", 2}});
  CHECK_TRUE(r.code == core::Code::kInvalidArgument);
  STRCMP_CONTAINS("rows-done", r.text.c_str());
  r = f.call("import-apply", Json{{"tenant", "acme"}, {"batch", "imp-bad"}, {"source", "x"}, {"subscribers", Json::array()},
                                  {"rows-done", 1}});
  CHECK_TRUE(r.code == core::Code::kInvalidArgument);
  CHECK_TRUE(batchOf(f, "acme", "imp-bad").is_null());
}
