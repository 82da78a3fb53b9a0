// The command layer (core/command): what dispatch decides from the spec before a handler runs, the
// codes a failure carries and how they map, the hooks around every command, that a command
// waiting on the network holds no one else back, and the two ways handlers share the table (one at
// a time, or at once for a daemon that declares them safe).
#include "core/command/command.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <stdexcept>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/cli.h"
#include "core/command/bind.h"
#include "core/command/reply.h"

#include <CppUTest/TestHarness.h>

using core::ControlReply;
using core::Json;
using core::command::Caller;
using core::command::command;
using core::command::PublicCode;
using core::command::Spec;
using core::command::Table;

namespace {

const std::vector<std::string> kRoles = {"viewer", "technician", "admin"};

// (Built before main(), so CppUTest's leak checker does not count it.)
const std::vector<Spec> kSpecs = {
    command("look", "look", "", "reads").args({core::command::text("name", false, 8)}).role("viewer"),
    command("serve", "serve", "--user U", "a technician's action")
        .args({core::command::text("user", true), core::command::boolean("wait")})
        .positional("user")
        .role("technician")
        .action(),
    command("change", "thing change", "--count N", "a management change")
        .args({core::command::integer("count"), core::command::list("tag"), core::command::rows("rows", 2, false),
               core::command::secret("secret")})
        .role("admin")
        .change()
        .feature("vouchers")
        .upstream(),
    command("wait", "wait", "", "waits on a peer").role("technician").action(),
    command("fail", "fail", "", "fails with a code").role("viewer"),
    command("call", "call", "COMMAND [JSON]", "the CLI's own").cliOnly(),
};

Caller as(const std::string& role) { return Caller{role, "", "test"}; }

ControlReply ok(const Json& args, const Caller&) { return ControlReply::success("done", args); }

struct Fixture {
  Table table{kRoles, kSpecs};
  Fixture() {
    table.bind("look", ok);
    table.bind("serve", ok);
    table.bind("change", ok);
    table.bind("fail", [](const Json&, const Caller&) -> ControlReply {
      EDGE_RETURN_IF_ERROR(core::notFound("no plan named 'x'"));
      return ControlReply::success("unreachable");
    });
  }
};

std::string codeOf(const ControlReply& r) { return r.toJson().value("code", ""); }

}  // namespace

TEST_GROUP(CommandTable) {
};

TEST(CommandTable, RolesAreALadderAndRootMayDoEverything) {
  Fixture f;
  LONGS_EQUAL(0, f.table.call(as("viewer"), "look", Json::object()).result);
  ControlReply refused = f.table.call(as("viewer"), "serve", Json{{"user", "ann"}});
  LONGS_EQUAL(1, refused.result);
  STRCMP_EQUAL("permission-denied", codeOf(refused).c_str());
  STRCMP_EQUAL("serve needs the technician role", refused.text.c_str());
  LONGS_EQUAL(0, f.table.call(as("technician"), "serve", Json{{"user", "ann"}}).result);
  STRCMP_EQUAL("permission-denied", codeOf(f.table.call(as("technician"), "change", Json::object())).c_str());
  LONGS_EQUAL(0, f.table.call(as("admin"), "change", Json::object()).result);
  LONGS_EQUAL(0, f.table.call(Caller::root(), "change", Json::object()).result);
  // A role that is not on the ladder has no right at all.
  STRCMP_EQUAL("permission-denied", codeOf(f.table.call(as("owner"), "look", Json::object())).c_str());
}

TEST(CommandTable, ArgumentsAreCheckedAgainstTheSpecBeforeTheHandler) {
  Fixture f;
  auto call = [&](const char* name, const Json& args) { return f.table.call(Caller::root(), name, args); };
  ControlReply r = call("look", Json{{"nmae", "x"}});
  STRCMP_EQUAL("invalid-argument", codeOf(r).c_str());
  STRCMP_EQUAL("unknown argument 'nmae' (known: name)", r.text.c_str());
  STRCMP_EQUAL("unknown argument 'x' (fail takes none)", call("fail", Json{{"x", 1}}).text.c_str());
  STRCMP_EQUAL("user is required", call("serve", Json::object()).text.c_str());
  STRCMP_EQUAL("user is required", call("serve", Json{{"user", nullptr}}).text.c_str());
  STRCMP_EQUAL("name: longer than 8 characters", call("look", Json{{"name", "123456789"}}).text.c_str());
  LONGS_EQUAL(0, call("look", Json{{"name", "12345678"}}).result);
  STRCMP_EQUAL("name: expected text", call("look", Json{{"name", Json::array()}}).text.c_str());
  // The CLI sends every flag as text: "3" is an integer's text, the handler reads it.
  LONGS_EQUAL(0, call("change", Json{{"count", 3}}).result);
  LONGS_EQUAL(0, call("change", Json{{"count", "3"}}).result);
  STRCMP_EQUAL("count: expected a whole number", call("change", Json{{"count", 1.5}}).text.c_str());
  STRCMP_EQUAL("wait: expected yes or no", call("serve", Json{{"user", "a"}, {"wait", 2}}).text.c_str());
  LONGS_EQUAL(0, call("serve", Json{{"user", "a"}, {"wait", false}}).result);
  LONGS_EQUAL(0, call("change", Json{{"tag", "a"}}).result);
  LONGS_EQUAL(0, call("change", Json{{"tag", Json::array({"a", "b"})}}).result);
  STRCMP_EQUAL("tag: expected a list of texts", call("change", Json{{"tag", Json::array({1})}}).text.c_str());
  STRCMP_EQUAL("rows: at most 2 per call", call("change", Json{{"rows", Json::array({1, 2, 3})}}).text.c_str());
  STRCMP_EQUAL("\"arguments\" must be a JSON object", call("look", Json::array()).text.c_str());
  LONGS_EQUAL(0, call("look", nullptr).result);  // no arguments at all
}

TEST(CommandTable, IntegersAreCheckedAgainstTheirDeclaredRangeBeforeTheHandler) {
  using core::command::integer;
  Table table{kRoles, {command("page", "page", "[--limit N] [--offset N] [--delta N]", "a page")
                           .args({integer("limit").range(1, 100), integer("offset").range(0, INT64_MAX),
                                  integer("delta")})}};
  int handled = 0;
  table.bind("page", [&](const Json& args, const Caller&) {
    ++handled;
    return ControlReply::success("page", args);
  });
  auto call = [&](const Json& args) { return table.call(Caller::root(), "page", args); };
  for (const Json& inRange : {Json{{"limit", 1}}, Json{{"limit", 100}}, Json{{"limit", "100"}}, Json{{"offset", 0}},
                              Json{{"offset", INT64_MAX}}, Json{{"delta", INT64_MIN}}, Json{{"delta", "-5"}}})
    LONGS_EQUAL_TEXT(0, call(inRange).result, inRange.dump().c_str());
  LONGS_EQUAL(7, handled);
  struct Refused {
    Json args;
    const char* text;
  };
  for (const Refused& r : {
           Refused{Json{{"limit", 0}}, "limit: 0 is out of range 1..100"},
           Refused{Json{{"limit", "101"}}, "limit: 101 is out of range 1..100"},
           Refused{Json{{"offset", -1}}, "offset: -1 is out of range 0..9223372036854775807"},
           // Above INT64_MAX: refused, not wrapped to a negative number.
           Refused{Json{{"limit", UINT64_MAX}}, "limit: 18446744073709551615 is out of range 1..100"},
           Refused{Json{{"limit", "ten"}}, "limit: 'ten' is not a whole number"},
           Refused{Json{{"delta", "5m"}}, "delta: '5m' is not a whole number"},
           Refused{Json{{"limit", 2.5}}, "limit: expected a whole number"},
       }) {
    ControlReply reply = call(r.args);
    STRCMP_EQUAL("invalid-argument", codeOf(reply).c_str());
    STRCMP_EQUAL(r.text, reply.text.c_str());
  }
  LONGS_EQUAL(7, handled);  // no refused call reached the handler

  // The help shows the ranges, from the same spec.
  const Spec& page = *table.find("page");
  STRCMP_EQUAL("1..100", page.args[0].rangeText().c_str());
  STRCMP_EQUAL("0 or more", page.args[1].rangeText().c_str());
  STRCMP_EQUAL("", page.args[2].rangeText().c_str());
  STRCMP_EQUAL("5 or less", integer("n").range(INT64_MIN, 5).rangeText().c_str());
  std::vector<core::CliCommand> cli = core::cliCommands(table.specs());
  STRCMP_EQUAL("--limit 1..100, --offset 0 or more", cli[0].ranges.c_str());
  STRCMP_EQUAL("", cli[1].ranges.c_str());  // list-commands takes no argument
  FILE* out = std::tmpfile();
  CHECK(out != nullptr);
  core::printCliUsage(out, "ctl", "test", "/run/ctl.sock", cli);
  std::rewind(out);
  std::string help;
  for (int c = std::fgetc(out); c != EOF; c = std::fgetc(out)) help += static_cast<char>(c);
  std::fclose(out);
  CHECK_TEXT(help.find("page               a page\n"
                       "                       [--limit N] [--offset N] [--delta N]\n"
                       "                       (--limit 1..100, --offset 0 or more)\n") != std::string::npos,
             help.c_str());
  // A handler names an argument its table declares: anything else is a bug of ours.
  CHECK_THROWS(std::logic_error, core::command::argument(page.args, "nope"));
  LONGS_EQUAL(100, core::command::argument(page.args, "limit").max);
}

TEST(CommandTable, BindMethodsMakesAServicesMethodsTheHandlersOfItsCommands) {
  struct Service {
    std::string seen;
    ControlReply look(const Json& args) {
      seen = "look " + args.dump();
      return ControlReply::success("looked");
    }
    ControlReply serve(const Json& args) {
      seen = "serve " + args.value("user", "");
      return ControlReply::success("served");
    }
  } service;
  Table table{kRoles, kSpecs};
  core::command::bindMethods(table, &service, {{"look", &Service::look}, {"serve", &Service::serve}});
  STRCMP_EQUAL("looked", table.call(Caller::root(), "look", Json{{"name", "x"}}).text.c_str());
  STRCMP_EQUAL("look {\"name\":\"x\"}", service.seen.c_str());
  STRCMP_EQUAL("served", table.call(Caller::root(), "serve", Json{{"user", "ann"}}).text.c_str());
  STRCMP_EQUAL("serve ann", service.seen.c_str());
  STRCMP_EQUAL("change, wait, fail", table.unbound().c_str());  // in the order declared
  CHECK_THROWS(std::logic_error, core::command::bindMethods(table, &service, {{"look", &Service::look}}));
}

TEST(CommandTable, FailuresCarryTheirCodeAndMapToHttpAndExitStatuses) {
  Fixture f;
  ControlReply r = f.table.call(Caller::root(), "fail", Json::object());
  LONGS_EQUAL(1, r.result);
  STRCMP_EQUAL("not-found", codeOf(r).c_str());
  STRCMP_EQUAL("no plan named 'x'", r.text.c_str());
  LONGS_EQUAL(1, core::cliExitStatus(r.toJson()));
  ControlReply unknown = f.table.call(Caller::root(), "nope", Json::object());
  LONGS_EQUAL(core::kControlUnsupported, unknown.result);
  STRCMP_EQUAL("unknown command 'nope' (try list-commands)", unknown.text.c_str());
  // Only the CLI runs a cliOnly spec.
  LONGS_EQUAL(core::kControlUnsupported, f.table.call(Caller::root(), "call", Json::object()).result);

  struct Row {
    core::Code code;
    const char* name;
    int http;
    int exit;
  };
  const Row rows[] = {
      {core::Code::kInvalidArgument, "invalid-argument", 400, 1}, {core::Code::kNotFound, "not-found", 404, 1},
      {core::Code::kAlreadyExists, "conflict", 409, 1},          {core::Code::kPermissionDenied, "permission-denied", 403, 1},
      {core::Code::kFailedPrecondition, "failed-precondition", 409, 1},
      {core::Code::kUnavailable, "unavailable", 503, 3},        {core::Code::kTimeout, "unavailable", 503, 3},
      {core::Code::kResourceExhausted, "unavailable", 503, 3},  {core::Code::kIoError, "internal", 500, 4},
      {core::Code::kCorrupt, "internal", 500, 4},               {core::Code::kInternal, "internal", 500, 4},
  };
  for (const Row& row : rows) {
    PublicCode p = core::command::publicCode(row.code);
    STRCMP_EQUAL(row.name, core::command::publicCodeName(p));
    LONGS_EQUAL(row.http, core::command::httpStatus(p));
    LONGS_EQUAL(row.exit, core::command::exitStatus(p));
    CHECK_TRUE(core::command::publicCodeFromName(row.name) == p);
    Json answer = ControlReply::error(core::Status(row.code, "why")).toJson();
    STRCMP_EQUAL(row.name, answer["code"].get<std::string>().c_str());
    LONGS_EQUAL(row.exit, core::cliExitStatus(answer));
  }
  LONGS_EQUAL(0, core::cliExitStatus(ControlReply::success("fine").toJson()));
  CHECK_FALSE(core::command::publicCodeFromName("already-exists").has_value());
}

TEST(CommandTable, HooksSeeTheSpecAndMayRefuse) {
  Fixture f;
  std::vector<std::string> seen;
  f.table.intercept(
      [](const Spec& spec, const Json&) -> std::optional<ControlReply> {
        if (!spec.feature.empty()) return ControlReply::error(core::failedPrecondition(spec.feature + " are not licensed"));
        return std::nullopt;
      },
      [&seen](const Spec& spec, const Json&, const ControlReply& reply) {
        if (spec.upstream || spec.mutates()) seen.push_back(spec.name + ":" + std::to_string(reply.result));
      });
  ControlReply refused = f.table.call(Caller::root(), "change", Json::object());
  STRCMP_EQUAL("failed-precondition", codeOf(refused).c_str());
  STRCMP_EQUAL("vouchers are not licensed", refused.text.c_str());
  LONGS_EQUAL(0, f.table.call(Caller::root(), "serve", Json{{"user", "a"}}).result);
  LONGS_EQUAL(0, f.table.call(Caller::root(), "look", Json::object()).result);
  // The refused change never reached its handler nor `after`; the action did; the read is no change.
  LONGS_EQUAL(1, seen.size());
  STRCMP_EQUAL("serve:0", seen[0].c_str());
}

TEST(CommandTable, BindingIsCheckedAgainstTheDeclaredSpecs) {
  Table table(kRoles, kSpecs);
  CHECK_THROWS(std::logic_error, table.bind("undeclared", ok));
  CHECK_THROWS(std::logic_error, table.bind("call", ok));
  table.bind("look", ok);
  CHECK_THROWS(std::logic_error, table.bind("look", ok));
  STRCMP_EQUAL("serve, change, wait, fail", table.unbound().c_str());
  ControlReply r = table.call(Caller::root(), "wait", Json::object());
  STRCMP_EQUAL("unavailable", codeOf(r).c_str());
  CHECK_THROWS(std::logic_error, Table(kRoles, {command("x", "x", "", "").role("owner")}));
  CHECK_THROWS(std::logic_error, Table(kRoles, {command("x", "x", "", ""), command("x", "x", "", "")}));
}

TEST(CommandTable, ListCommandsAndTheCliComeFromTheSameTable) {
  Fixture f;
  ControlReply list = f.table.call(as("viewer"), "list-commands", Json::object());
  LONGS_EQUAL(0, list.result);
  STRCMP_EQUAL("6 commands", list.text.c_str());  // five declared (not the CLI's own), and itself
  std::vector<core::CliCommand> cli = core::cliCommands(kSpecs);
  LONGS_EQUAL(kSpecs.size() + 1, cli.size());
  STRCMP_EQUAL("thing change", cli[2].words);
  STRCMP_EQUAL("change", cli[2].command);
  STRCMP_EQUAL("user", cli[1].positional);
  STRCMP_EQUAL("", cli[5].command);  // call COMMAND [JSON]
  STRCMP_EQUAL("list-commands", cli.back().command);
}

TEST(CommandTable, ACommandWaitingOnAPeerHoldsNoOneBack) {
  Fixture f;
  std::mutex mu;
  std::condition_variable cv;
  bool release = false, waiting = false;
  f.table.bind("wait", [&](const Json&, const Caller&) {
    return ControlReply::later([&] {
      std::unique_lock<std::mutex> lock(mu);
      waiting = true;
      cv.notify_all();
      cv.wait(lock, [&] { return release; });
      return ControlReply::success("the peer answered");
    });
  });
  ControlReply waited;
  std::thread t([&] { waited = f.table.call(Caller::root(), "wait", Json::object()); });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return waiting; });
  }
  // While the first waits on its peer, two more commands run and answer.
  ControlReply a = f.table.call(Caller::root(), "look", Json::object());
  ControlReply b = f.table.call(Caller::root(), "serve", Json{{"user", "ann"}});
  {
    std::lock_guard<std::mutex> lock(mu);
    CHECK_FALSE(release);  // still waiting: the others did not wait for it
    release = true;
  }
  cv.notify_all();
  t.join();
  LONGS_EQUAL(0, a.result);
  LONGS_EQUAL(0, b.result);
  STRCMP_EQUAL("the peer answered", waited.text.c_str());
}

TEST(CommandTable, HandlersRunOneAtATimeByDefault) {
  Fixture f;
  std::atomic<int> running{0}, most{0};
  f.table.bind("wait", [&](const Json&, const Caller&) {
    int now = ++running;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    --running;
    return ControlReply::success("done");
  });
  std::vector<std::thread> callers;
  std::atomic<int> answered{0};
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&] {
      for (int i = 0; i < 25; ++i) answered += f.table.call(Caller::root(), "wait", Json::object()).result == 0;
    });
  }
  for (std::thread& t : callers) t.join();
  LONGS_EQUAL(100, answered.load());
  LONGS_EQUAL(1, most.load());  // never two handlers at once
}

TEST(CommandTable, ATableOfConcurrentHandlersRunsASecondCallWhileTheFirstIsInItsHandler) {
  Table table{kRoles, kSpecs, Table::Handlers::kConcurrent};
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false, secondDone = false;
  // The first call stays inside its handler (not a later() wait) until the second call has
  // answered; one lock around the handlers would keep the second out until this one gave up.
  table.bind("wait", [&](const Json&, const Caller&) {
    std::unique_lock<std::mutex> lock(mu);
    entered = true;
    cv.notify_all();
    bool released = cv.wait_for(lock, std::chrono::seconds(20), [&] { return secondDone; });
    return ControlReply::success(released ? "the second finished first" : "gave up waiting");
  });
  table.bind("look", ok);
  ControlReply first;
  std::thread t([&] { first = table.call(Caller::root(), "wait", Json::object()); });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return entered; });
  }
  ControlReply second = table.call(Caller::root(), "look", Json{{"name", "x"}});
  {
    std::lock_guard<std::mutex> lock(mu);
    secondDone = true;
  }
  cv.notify_all();
  t.join();
  LONGS_EQUAL(0, second.result);
  LONGS_EQUAL(0, first.result);
  STRCMP_EQUAL("the second finished first", first.text.c_str());
}

// A spec may name exactly the roles that may run it (roles that form no ladder, ADR 0028); the
// ladder does not apply to it, and local root still may.
TEST(CommandTable, ASpecsRoleSetIsExactlyWhoMayRunIt) {
  Table table{kRoles, {command("clerk", "clerk", "", "the clerk's").roles({"viewer", "admin"}).change()}};
  table.bind("clerk", ok);
  CHECK_EQUAL(core::kControlSuccess, table.call(as("viewer"), "clerk", Json::object()).result);
  CHECK_EQUAL(core::kControlSuccess, table.call(as("admin"), "clerk", Json::object()).result);
  ControlReply refused = table.call(as("technician"), "clerk", Json::object());  // above viewer, not named
  CHECK_TRUE(refused.code == core::Code::kPermissionDenied);
  CHECK_TRUE(refused.text.find("viewer, admin") != std::string::npos);
  CHECK_EQUAL(core::kControlSuccess, table.call(Caller::root(), "clerk", Json::object()).result);
  CHECK_THROWS(std::logic_error, (Table{kRoles, {command("x", "x", "", "x").roles({"nobody"})}}));
}

// The audit hook sees every call of a mutating spec, refused ones too, with its caller; never a read.
TEST(CommandTable, TheAuditHookSeesEveryChangeAndNoRead) {
  Fixture f;
  std::vector<std::string> seen;
  f.table.audit([&seen](const Caller& c, const Spec& s, const Json&, const ControlReply& r) {
    seen.push_back(s.name + " " + c.role + " " + c.origin + " " + (r.result == core::kControlSuccess ? "ok" : codeOf(r)));
  });
  f.table.call(Caller{"admin", "", "alice", "192.0.2.1"}, "change", Json{{"count", 1}});
  f.table.call(Caller{"viewer", "", "bob", "192.0.2.2"}, "change", Json::object());      // refused: role
  f.table.call(Caller{"admin", "", "alice", "192.0.2.1"}, "change", Json{{"nope", 1}});  // refused: argument
  f.table.call(as("viewer"), "look", Json::object());                                    // a read
  CHECK_EQUAL(3u, seen.size());
  STRCMP_EQUAL("change admin 192.0.2.1 ok", seen[0].c_str());
  STRCMP_EQUAL("change viewer 192.0.2.2 permission-denied", seen[1].c_str());
  STRCMP_EQUAL("change admin 192.0.2.1 invalid-argument", seen[2].c_str());
}
