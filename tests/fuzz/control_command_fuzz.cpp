// Control socket requests as a connection delivers them (core/control_socket.h): the text through
// the JSON entry point, then ControlServer::handle() through a command table (core/command) into
// handlers that read their arguments with core::CommandArgs (core/command_args.h) the way edged's
// and mgmtd's do.
// Input: the request text.
// Properties: every request gets one well-formed answer (an object with an integer result 0..3 and a
// text, that serializes; a failure names a public code); an unknown command is result 2; what
// CommandArgs accepts is what the request said: integers within their bounds and equal to the number given (as a number or as
// decimal text), rates and sizes as parseRate/parseSize read them, lists of texts as given.
#include <cstdint>
#include <string>

#include "core/command_args.h"
#include "core/control_socket.h"
#include "core/json.h"
#include "core/units.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr const char* kTarget = "control_command";
using core::ControlReply;
using core::Json;

// The number a JSON value or decimal text says, when it is an integer of either kind.
bool statedInteger(const Json& v, long double* out) {
  if (v.is_number_unsigned()) return *out = static_cast<long double>(v.get<uint64_t>()), true;
  if (v.is_number_integer()) return *out = static_cast<long double>(v.get<int64_t>()), true;
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s.empty()) return false;
    errno = 0;
    char* end = nullptr;
    long long n = std::strtoll(s.c_str(), &end, 10);
    if (*end != '\0' || errno != 0) return false;
    return *out = static_cast<long double>(n), true;
  }
  return false;
}

ControlReply readEverything(const Json& arguments) {
  core::CommandArgs a(arguments);
  core::Status only = a.only({"user", "plan", "days", "count", "port", "enabled", "down", "quota", "mac", "note"});
  for (const char* key : {"days", "count", "port"}) {
    const int64_t min = key[0] == 'd' ? -3650 : key[0] == 'c' ? 0 : 1;
    const int64_t max = key[0] == 'd' ? 3650 : key[0] == 'c' ? INT64_MAX : 65535;
    core::Result<std::optional<int64_t>> n = a.integer(key, min, max);
    if (!n.isOk() || !*n) continue;
    FUZZ_CHECK(**n >= min && **n <= max, std::string(key) + ": accepted out of its bounds");
    long double stated = 0;
    FUZZ_CHECK(statedInteger(arguments[key], &stated), std::string(key) + ": accepted what is no integer");
    FUZZ_CHECK(stated == static_cast<long double>(**n),
               std::string(key) + ": accepted " + std::to_string(**n) + " for " + arguments[key].dump());
  }
  // The table checked "days" and "port" against their declared ranges before this handler ran.
  for (const char* key : {"days", "port"}) {
    core::Result<std::optional<int64_t>> any = a.integer(key);
    FUZZ_CHECK(any.isOk(), std::string(key) + ": the table let through what is no whole number");
    const int64_t bound = key[0] == 'd' ? 3650 : 65535;
    FUZZ_CHECK(!*any || (**any >= (key[0] == 'd' ? -3650 : 1) && **any <= bound),
               std::string(key) + ": the table let through a value outside its range");
  }
  for (const char* key : {"down", "quota"}) {
    const bool rate = key[0] == 'd';
    core::Result<std::optional<uint64_t>> v = rate ? a.rate(key) : a.size(key);
    if (!v.isOk() || !*v) continue;
    const Json& given = arguments[key];
    if (given.is_string()) {
      core::Result<uint64_t> direct = rate ? core::parseRate(given.get<std::string>()) : core::parseSize(given.get<std::string>());
      FUZZ_CHECK(direct.isOk() && *direct == **v, std::string(key) + ": differs from the unit parser");
    } else {
      FUZZ_CHECK(given.is_number_unsigned() && given.get<uint64_t>() == **v, std::string(key) + ": number");
    }
  }
  core::Result<std::optional<bool>> enabled = a.boolean("enabled");
  core::Result<std::optional<std::vector<std::string>>> macs = a.list("mac");
  if (macs.isOk() && *macs) {
    const Json& given = arguments["mac"];
    FUZZ_CHECK((given.is_string() && (*macs)->size() == 1) || (given.is_array() && (*macs)->size() == given.size()),
               "list: not what was given");
  }
  core::Result<std::string> user = a.required("user");
  core::Result<std::optional<std::string>> note = a.text("note");
  if (!only.isOk()) return ControlReply::error(only.message());
  if (!user.isOk()) return ControlReply::error(user.status().message());
  return ControlReply::success("read " + *user, Json{{"enabled", enabled.isOk() && *enabled ? **enabled : false}});
}

core::command::Table* commands = nullptr;
core::ControlServer* server = nullptr;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  using core::command::command;
  using core::command::integer;
  using core::command::text;
  commands = new core::command::Table(
      {}, {command("subscriber-add", "", "", "reads every kind of argument")
               .args({text("user"), text("plan"), integer("days").range(-3650, 3650), integer("count"),
                      integer("port").range(1, 65535),
                      core::command::boolean("enabled"), text("down"), text("quota"), core::command::list("mac"),
                      text("note")}),
           command("session-disconnect", "", "", "answers later").args({text("user")}),
           command("fails", "", "", "throws")});
  commands->bind("subscriber-add", [](const Json& arguments, const core::command::Caller&) { return readEverything(arguments); });
  commands->bind("session-disconnect", [](const Json& arguments, const core::command::Caller&) {
    core::CommandArgs a(arguments);
    core::Result<std::string> user = a.required("user");
    if (!user.isOk()) return ControlReply::error(user.status().message());
    std::string name = *user;
    return ControlReply::later([name] { return ControlReply::success("disconnected " + name); });
  });
  commands->bind("fails", [](const Json&, const core::command::Caller&) -> ControlReply { throw std::runtime_error("boom"); });
  server = new core::ControlServer(*commands);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  core::Result<Json> doc = core::parseJsonWithComments(text, "request");
  Json answer = doc.isOk() ? server->handle(*doc) : ControlReply::error(doc.status().message()).toJson();
  FUZZ_CHECK(answer.is_object() && answer.contains("result") && answer["result"].is_number_integer() &&
                 answer.contains("text") && answer["text"].is_string(),
             "malformed answer: " + answer.dump());
  const int64_t result = answer["result"].get<int64_t>();
  FUZZ_CHECK(result >= 0 && result <= 3, "result out of 0..3");
  // A failure says why with one of the public codes (core/command/command.h), never by wording only.
  if (result == core::kControlError)
    FUZZ_CHECK(answer.contains("code") && answer["code"].is_string() &&
                   core::command::publicCodeFromName(answer["code"].get<std::string>()).has_value(),
               "a failure without a known code: " + answer.dump());
  (void)answer.dump();  // what the connection writes; throws on text that is not UTF-8
  if (doc.isOk() && doc->is_object() && doc->contains("command") && (*doc)["command"].is_string()) {
    const std::string name = (*doc)["command"].get<std::string>();
    const bool known = name == "subscriber-add" || name == "session-disconnect" || name == "fails" || name == "list-commands";
    const bool argumentsOk = !doc->contains("arguments") || (*doc)["arguments"].is_object();
    if (argumentsOk) FUZZ_CHECK((result == core::kControlUnsupported) == !known, "unknown command not result 2");
  }
  return 0;
}
